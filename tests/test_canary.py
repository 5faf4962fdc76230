"""No raw row leaves the restricted zone: canaries planted in the source appear nowhere else.

Canaries: a name column (declared `drop`), an e-mail column (declared `fake:email`), a category
held by three people and an extreme value held by two (both undeclared: generalisation must catch
them). Runs: one that fails on bad input, one that publishes, then, through the CLI, one whose
candidate fails a gate (the challenger path: its reports go to MLflow) and a drift check against
the champion. Every file outside `restricted/` and `sources/` is then scanned (MLflow's database
and artifacts, the Dagster instance's event log and compute logs, published files and drift
reports, state), and so are the run events, error messages and the CLI's console output (both
file descriptors, engine child processes included).
"""

import os
import re
import tempfile
from contextlib import contextmanager

import dagster as dg
import mlflow
import pandas as pd
import pytest

from synth_assets import cli, settings
from synth_assets.catalog import load_catalog
from synth_assets.definitions import build_definitions
from synth_assets.publish.mlflow_registry import tracking
from tests.conftest import dataset_entry, scenario_home, write_catalog, write_sqlite

pytestmark = pytest.mark.slow
TEXT_CANARIES = ("CANARY-NAME", "canary-mail", "CANARY-COUNTRY")
NUMBER_CANARY = 777_777  # capital_loss never exceeds 4,356 in Adult


@pytest.fixture(scope="module")
def canary_runs(tmp_path_factory, adult_sample):
    with scenario_home(tmp_path_factory, "canary") as (root, home, monkeypatch):
        source = adult_sample.copy()
        source.insert(0, "name", [f"CANARY-NAME-{i:05d}" for i in range(len(source))])
        source["email"] = [f"canary-mail-{i}@leak.example" for i in range(len(source))]
        source.loc[:2, "native_country"] = "CANARY-COUNTRY"
        source.loc[3:4, "capital_loss"] = NUMBER_CANARY
        url = write_sqlite(root / "source.sqlite", source)
        pii = {"columns": {"name": "drop", "email": "fake:email"}}
        # The default generalisation (the base test entry turns top-coding off); on 1,800 rows it costs
        # GaussianCopula its detection gate (see conftest), and its transfer above chance is ~0.5 here:
        # neither is what this test is about (they are tested on their own in tests/metrics).
        good = write_catalog(
            root / "good.yaml",
            {"adult": dataset_entry(url, pii=pii, disclosure={"top_code_rows": 10}, acceptance={"detection_auc_max": None, "transfer_ratio_min": None}, max_sample_rows=5_000)},
        )
        # The e-mail column declared numerical: the snapshot fails on input full of canaries.
        bad = write_catalog(root / "bad.yaml", {"adult": dataset_entry(url, pii={"columns": {"name": "drop"}, "detection": "warn"}, columns={"email": "numerical"})})
        # The candidate fails a gate after publication: it becomes an MLflow challenger.
        failing = write_catalog(
            root / "failing.yaml",
            {"adult": dataset_entry(url, pii=pii, disclosure={"top_code_rows": 10}, acceptance={"detection_auc_max": None, "transfer_ratio_min": None, "quality_score_min": 0.999}, max_sample_rows=5_000)},
        )
        (home / "dagster").mkdir(parents=True)
        instance = dg.DagsterInstance.local_temp(str(home / "dagster"))
        results = {
            name: build_definitions(load_catalog(path)).resolve_job_def("regenerate_adult").execute_in_process(
                instance=instance, raise_on_error=False
            )
            for name, path in (("bad", bad), ("good", good))  # bad first: no champion contract to stop it earlier
        }
        monkeypatch.setenv("SYNTH_ASSETS_CATALOG", str(failing))
        with console_captured() as console:
            results["challenger_exit"] = cli.main(["refresh", "adult"])
            results["drift_exit"] = cli.main(["drift", "adult", "--json"])
        results["console"] = console.read()
        yield home, results
        instance.dispose()


@contextmanager
def console_captured():
    """Everything written to file descriptors 1 and 2 (this process and its children) in the block."""
    import sys

    with tempfile.TemporaryFile(mode="w+b") as sink:
        sys.stdout.flush(), sys.stderr.flush()
        saved, streams = (os.dup(1), os.dup(2)), (sys.stdout, sys.stderr)
        os.dup2(sink.fileno(), 1), os.dup2(sink.fileno(), 2)
        # pytest's own capture replaces sys.stdout/err with objects that bypass fds 1 and 2.
        sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
        text = _Captured()
        try:
            yield text
        finally:
            sys.stdout.flush(), sys.stderr.flush()
            sys.stdout, sys.stderr = streams
            os.dup2(saved[0], 1), os.dup2(saved[1], 2)
            os.close(saved[0]), os.close(saved[1])
            sink.seek(0)
            text.value = sink.read().decode("utf-8", "replace")


class _Captured:
    value = ""

    def read(self) -> str:
        return self.value


def _leaks(text: str) -> list[str]:
    found = [c for c in TEXT_CANARIES if c.lower() in text.lower()]
    if re.search(rf"(?<![\d.]){NUMBER_CANARY}(?![\d])", text):
        found.append(str(NUMBER_CANARY))
    return found


def test_runs_behave_as_expected(canary_runs):
    home, results = canary_runs
    assert results["good"].success
    assert not results["bad"].success
    assert results["challenger_exit"] == 1 and results["drift_exit"] == 0
    assert "fidelity_quality_score" in results["console"] and "registered as challenger" in results["console"]
    with tracking(settings.mlflow_tracking_uri()):
        assert mlflow.MlflowClient().get_model_version_by_alias("adult-generator", "challenger") is not None
    assert list((home / "published" / "adult").rglob("drift*"))  # the drift reports are among the scanned files


def test_no_canary_outside_the_restricted_zone(canary_runs):
    home, _ = canary_runs
    scanned, leaks = 0, {}
    for path in home.rglob("*"):
        relative = path.relative_to(home)
        if not path.is_file() or relative.parts[0] in ("restricted", "sources"):
            continue
        scanned += 1
        if path.suffix == ".parquet":
            text = pd.read_parquet(path).astype(str).to_csv()
        else:
            text = path.read_bytes().decode("latin-1")
        if found := _leaks(text):
            leaks[str(relative)] = found
    assert scanned > 50  # MLflow store and artifacts, Dagster instance, published files, state
    assert not leaks, leaks


def test_the_restricted_zone_holds_no_dropped_or_faked_column(canary_runs):
    home, _ = canary_runs
    for path in (home / "restricted").rglob("*.parquet"):
        frame = pd.read_parquet(path)
        if "synthetic" in path.name:
            assert "name" not in frame.columns and frame["email"].str.contains("@").all()
            assert not frame["email"].str.contains("canary").any()
        else:  # the snapshot splits: data minimisation
            assert {"name", "email"}.isdisjoint(frame.columns)
            assert "CANARY-COUNTRY" not in set(frame["native_country"]) and frame["capital_loss"].max() < NUMBER_CANARY


def test_the_registered_generator_cannot_emit_a_canary(canary_runs):
    with tracking(settings.mlflow_tracking_uri()):
        model = mlflow.pyfunc.load_model("models:/adult-generator@champion")
    rows = model.predict(pd.DataFrame({"n_rows": [5000], "seed": [11]}))
    assert not _leaks(rows.astype(str).to_csv())
    assert rows["capital_loss"].max() < NUMBER_CANARY


def test_error_messages_and_console_output_carry_no_canary(canary_runs):
    _, results = canary_runs
    failure = next(e for e in results["bad"].all_events if e.is_step_failure)
    message = failure.event_specific_data.error.to_string()
    assert "email" in message and "cannot be read as float64" in message
    assert not _leaks(message)
    for name in ("bad", "good"):
        for event in results[name].all_events:
            assert not _leaks(str(event.message or "")), event.event_type_value
    assert len(results["console"]) > 1_000 and not _leaks(results["console"])
