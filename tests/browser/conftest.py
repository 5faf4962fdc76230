"""The on-call view in a real browser: two real CLI runs, then the servers an on-call engineer opens.

The scenario (module-scoped, shared by tests/browser/test_*.py): a small Adult catalog whose
generator is the replay control. Run 1 replays real rows that are not in the source (the honest
control of the leak zoo) and publishes; run 2 replays rows copied from the run's train split (the
zoo's "copy of train"), fails a privacy gate and keeps run 1's champion. Same catalog file both
times: only the replayed file changes. Then `dagster-webserver` and `mlflow server` start on
loopback over that home, and headless Chromium (Debian's, never a downloaded build) opens them.

Without a browser the tests are skipped with the reason, unless SYNTH_ASSETS_REQUIRE_SERVICES=1
(set by .ci/run), where they fail. Each test saves a screenshot `<test name>.png` under
$SYNTH_ASSETS_TEST_ARTIFACTS (default `test-artifacts/browser/`), passed or failed, and a failed
test carries the tail of both servers' logs in its report.
"""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import yaml
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from synth_assets.catalog import load_catalog
from synth_assets.manifests import SnapshotManifest, read_manifest
from synth_assets.stages.candidate import load_splits
from synth_assets.stages.snapshot import take_snapshot
from synth_assets.storage import DataRoot
from tests.conftest import dataset_entry, scenario_home, write_catalog, write_sqlite
from tests.production.conftest import _free_port, _stop, _wait_for

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ARTIFACTS_ENV = "SYNTH_ASSETS_TEST_ARTIFACTS"
DATASET = "adult"
JOB = f"regenerate_{DATASET}"
REPLAYED_ROWS = 1200
UI_TIMEOUT_MS = 30_000  # Dagster's single-page app loads slowly on 2 shared cores


def browser_executable() -> str:
    """Debian's Chromium; skipped with the reason when there is none, failed where CI requires it."""
    found = "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else shutil.which("chromium")
    if found:
        return found
    message = "no Chromium for the browser tests (no /usr/bin/chromium, no `chromium` on PATH): apt-get install chromium"
    if os.environ.get("SYNTH_ASSETS_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{message}, and SYNTH_ASSETS_REQUIRE_SERVICES=1")
    pytest.skip(message)


def artifacts_dir() -> Path:
    folder = Path(os.environ.get(ARTIFACTS_ENV) or REPO / "test-artifacts" / "browser")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def location_name() -> str:
    """The code location workspace.yaml loads (a python_module's default name is its module)."""
    entry = yaml.safe_load((REPO / "workspace.yaml").read_text())["load_from"][0]["python_module"]
    return entry.get("location_name") or entry["module_name"]


@dataclass
class CliRun:
    code: int
    stdout: str
    output: str  # stdout, then stderr


@dataclass
class OnCall:
    home: Path
    env: dict[str, str]
    published: CliRun  # run 1: honest rows, published
    leaked: CliRun  # run 2: copied train rows, stopped by a privacy gate
    published_run_id: str
    failed_run_id: str
    champion: dict  # published/adult/champion.json: run 1's version, kept by run 2
    failed_privacy_gates: list[str]  # the privacy checks run 2 failed (its validation report)
    status: dict  # `synth-assets status --json` after both runs
    logs: dict[str, Path] = field(default_factory=dict)


def honest_rows(adult: pd.DataFrame, source: pd.DataFrame, train: pd.DataFrame) -> pd.DataFrame:
    """Rows of Adult that are not in `source`, with no category and no number that `train` lacks: what
    a faithful generator would produce (a rare country of the rest of Adult would count as invented)."""
    rest = adult.merge(source.drop_duplicates(), how="left", indicator=True)
    rest = rest[rest.pop("_merge") == "left_only"]
    for name, values in train.items():
        if pd.api.types.is_numeric_dtype(values):
            rest = rest[rest[name].between(values.min(), values.max()) | rest[name].isna()]
        else:
            rest = rest[rest[name].isin(values.dropna()) | rest[name].isna()]
    return rest


def synth_assets(env: dict[str, str], *args: str, timeout: float = 600) -> CliRun:
    """The real CLI, as a subprocess of the repository's environment."""
    done = subprocess.run(
        [str(BIN / "synth-assets"), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )
    return CliRun(done.returncode, done.stdout, done.stdout + done.stderr)


@pytest.fixture(scope="module")
def chromium() -> str:
    """Found (or the module skipped or failed) before the scenario spends its two CLI runs."""
    return browser_executable()


@pytest.fixture(scope="module")
def on_call(chromium, tmp_path_factory, adult, adult_sample):
    with scenario_home(tmp_path_factory, "on-call") as (folder, home, monkeypatch):
        replay = folder / "replayed.parquet"
        catalog = write_catalog(
            folder / "catalog.yaml",
            {
                DATASET: dataset_entry(
                    write_sqlite(folder / "adult.sqlite", adult_sample),
                    generator={"engine": "replay", "model": "rows", "params": {"path": str(replay)}},
                )
            },
        )
        monkeypatch.setenv("SYNTH_ASSETS_CATALOG", str(catalog))
        monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
        env = dict(os.environ)

        # The snapshot the job will take (same source, same split), taken first as the leak zoo does.
        root = DataRoot(str(home))
        snapshot = take_snapshot(DATASET, load_catalog(catalog).dataset(DATASET), root)
        snapshot_train_hash = snapshot.train_hash
        train, _ = load_splits(snapshot, root)

        # Run 1: real rows the source never held (like the leak zoo's holdout control), from the rest of Adult.
        honest_rows(adult, adult_sample, train).sample(n=REPLAYED_ROWS, random_state=11).to_parquet(replay)
        published = synth_assets(env, "refresh", DATASET)
        assert published.code == 0, f"run 1 (honest rows) was not published:\n{published.output}"
        champion_path = home / "published" / DATASET / "champion.json"
        champion = json.loads(champion_path.read_text())

        # Run 2: the same job replays rows of its own train split (the zoo's "copy of train").
        assert read_manifest(root, DATASET, "real_snapshot", SnapshotManifest).train_hash == snapshot_train_hash
        train.sample(n=REPLAYED_ROWS, random_state=0).to_parquet(replay)
        leaked = synth_assets(env, "refresh", DATASET)
        assert leaked.code == 1, f"run 2 (copied train rows) was not stopped:\n{leaked.output}"
        failed_privacy_gates = sorted(
            {
                f"{gate['section']}_{gate['metric']}"
                for report in (home / "restricted" / DATASET / "candidates").glob("*/validation.json")
                for gate in json.loads(report.read_text())["gates"]
                if gate["section"] == "privacy" and not gate["passed"]
            }
        )
        assert failed_privacy_gates, f"run 2 failed no privacy gate:\n{leaked.output}"
        assert json.loads(champion_path.read_text()) == champion, "run 2 replaced run 1's champion"

        status_run = synth_assets(env, "status", "--json")
        assert status_run.code == 0, status_run.output
        status = json.loads(status_run.stdout)
        with dg.DagsterInstance.get() as instance:
            runs = instance.get_runs(filters=dg.RunsFilter(job_name=JOB))
        by_status = {run.status: run.run_id for run in runs}
        assert len(runs) == 2 and set(by_status) == {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE}, runs
        failed_run_id = by_status[dg.DagsterRunStatus.FAILURE]
        assert status["datasets"][DATASET]["last_failure"]["run_id"] == failed_run_id
        yield OnCall(
            home=home,
            env=env,
            published=published,
            leaked=leaked,
            published_run_id=by_status[dg.DagsterRunStatus.SUCCESS],
            failed_run_id=failed_run_id,
            champion=champion,
            failed_privacy_gates=failed_privacy_gates,
            status=status,
        )


def start_server(name: str, command: list[str], env: dict[str, str], ready_path: str, logs: Path) -> tuple[str, subprocess.Popen, Path]:
    port = _free_port()
    log = logs / f"{name}.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: _stop kills what it forked too
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{url}{ready_path}", process, log)
    except BaseException:
        _stop(process)
        raise
    return url, process, log


def wait_for_location(url: str, location: str, log: Path, timeout: float = 180) -> None:
    """The webserver answers before its code server has loaded the definitions: wait for them."""
    query = (
        "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus"
        " locationOrLoadError { __typename ... on PythonError { message } } } } } }"
    )
    deadline = time.monotonic() + timeout
    entries = None
    while time.monotonic() < deadline:
        request = urllib.request.Request(
            f"{url}/graphql", data=json.dumps({"query": query}).encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            entries = json.load(response)["data"]["workspaceOrError"].get("locationEntries") or []
        for entry in entries:
            if entry["name"] == location and entry["loadStatus"] == "LOADED":
                loaded = entry["locationOrLoadError"] or {}
                if loaded.get("__typename") == "PythonError":
                    raise RuntimeError(f"code location {location!r} failed to load: {loaded['message']}")
                return
        time.sleep(1)
    raise RuntimeError(f"code location {location!r} not loaded after {timeout:g} s ({entries}):\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def servers(on_call, tmp_path_factory):
    """`dagster-webserver` and `mlflow server` over the scenario's home, stopped even on failure."""
    logs = tmp_path_factory.mktemp("server-logs")
    mlflow_root = on_call.home / "mlflow"
    started: list[subprocess.Popen] = []
    try:
        dagster_url, process, on_call.logs["dagster-webserver"] = start_server(
            "dagster-webserver", [str(BIN / "dagster-webserver"), "-w", "workspace.yaml"], on_call.env, "/server_info", logs
        )
        started.append(process)
        wait_for_location(dagster_url, location_name(), on_call.logs["dagster-webserver"])
        mlflow_url, process, on_call.logs["mlflow-server"] = start_server(
            "mlflow-server",
            [
                str(BIN / "mlflow"), "server",
                "--backend-store-uri", f"sqlite:///{mlflow_root / 'mlflow.db'}",
                "--default-artifact-root", (mlflow_root / "artifacts").as_uri(),
                "--workers", "1",
            ],
            on_call.env,
            "/health",
            logs,
        )
        started.append(process)
        yield {"dagster": dagster_url, "mlflow": mlflow_url}
    finally:
        for process in started:
            _stop(process)
        for name, log in on_call.logs.items():
            shutil.copy(log, artifacts_dir() / f"{name}.log")


@pytest.fixture(scope="module")
def browser(chromium):
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser, request):
    """A fresh page; its screenshot is saved as `<test name>.png` whether the test passed or not."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    context.set_default_timeout(UI_TIMEOUT_MS)
    # Dagster's "Join the Dagster community" dialog on localhost, as dismissed once in this browser.
    context.add_init_script("window.localStorage.setItem('communityNux', JSON.stringify('1'))")
    opened = context.new_page()
    try:
        yield opened
    finally:
        try:
            opened.screenshot(path=str(artifacts_dir() / f"{request.node.name}.png"), full_page=True)
        except PlaywrightError as error:  # a crashed page: the test's own failure says more
            print(f"no screenshot of {request.node.name}: {error}")
        context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test's report ends with the tail of each server's log."""
    outcome = yield
    report = outcome.get_result()
    scenario = item.funcargs.get("on_call") if hasattr(item, "funcargs") else None
    if report.failed and call.when == "call" and isinstance(scenario, OnCall):
        for name, log in scenario.logs.items():
            report.sections.append((f"{name} log (tail)", log.read_text(errors="replace")[-4000:]))
