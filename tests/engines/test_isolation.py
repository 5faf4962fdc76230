"""Fits and samples run in the engine's own environment, bounded; the host never loads an engine."""

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import time

import pytest

from synth_assets.engines import GeneratorError
from synth_assets.engines.environments import EngineNotInstalled, environment
from synth_assets.engines.isolation import GeneratorMemoryError, GeneratorTimeout, fit_in_engine, fit_model, sample_in_engine
from synth_assets.engines.protocol import FitRequest
from synth_assets.storage import frame_hash


def test_a_fit_within_its_bounds_comes_back_with_its_cost_and_environment(adult_split):
    schema, train, _ = adult_split
    outcome = fit_model("sdv/gaussian_copula", train, schema, sample_rows=10, time_budget_s=300, memory_limit_gb=4)
    assert len(outcome.sample) == 10
    assert 0 < outcome.cost.seconds < 300
    assert 0 < outcome.cost.cpu_seconds
    assert 100 < outcome.cost.peak_memory_mb < 4096
    assert outcome.reply.python.startswith("3.12.")
    assert outcome.reply.library_versions["sdv"].startswith("2.0")


@pytest.mark.slow
def test_a_fit_past_its_time_budget_is_stopped_and_reports_progress(adult_split):
    schema, train, _ = adult_split
    lines: list[str] = []
    started = time.monotonic()
    with pytest.raises(
        GeneratorTimeout, match=r"fitting sdv/ctgan took longer than its time budget of 60 s and was stopped; the previous champion stays"
    ):
        fit_model("sdv/ctgan", train.head(300), schema, params={"epochs": 10_000, "verbose": True}, time_budget_s=60, memory_limit_gb=4, log=lines.append)
    assert time.monotonic() - started < 60 + 5
    assert lines and all("s of 60 s" in line for line in lines)
    assert any("Epoch" in line or "Gen." in line for line in lines), "the library's own progress is relayed"


def test_a_fit_over_its_memory_ceiling_is_stopped(adult_split):
    schema, train, _ = adult_split
    with pytest.raises(GeneratorMemoryError, match=r"fitting sdv/gaussian_copula used .* GiB, over its ceiling of 0.15 GiB"):
        fit_model("sdv/gaussian_copula", train, schema, time_budget_s=300, memory_limit_gb=0.15)


def test_a_failure_in_the_engine_is_one_line_with_its_cause(adult_split):
    schema, train, _ = adult_split
    request = FitRequest(engine="sdv", model="gaussian_copula", params={}, seed=0, schema_contract=schema, column_order=schema.names)
    bad = train.assign(age="not a number")
    with pytest.raises(GeneratorError, match=r"^fitting sdv/gaussian_copula failed: SchemaError: training data: column 'age' cannot be read as int64"):
        fit_in_engine(request, bad, time_budget_s=300, memory_limit_gb=4)


def test_the_fit_s_own_sample_is_what_a_later_sample_gives(adult_split):
    """The pipeline takes the candidate from the fitting process: it must be the generator's sample."""
    schema, train, _ = adult_split
    outcome = fit_model("sdv/gaussian_copula", train, schema, sample_rows=300, sample_seed=4)
    digest = hashlib.sha256(outcome.generator_bytes).hexdigest()
    again = sample_in_engine("sdv", "gaussian_copula", outcome.generator_bytes, digest, 300, seed=4)
    assert frame_hash(again) == frame_hash(outcome.sample)
    with pytest.raises(GeneratorError, match="does not match its recorded sha256"):
        sample_in_engine("sdv", "gaussian_copula", outcome.generator_bytes + b"x", digest, 10, seed=0)
    with pytest.raises(GeneratorError, match=r"sampling sdv/ctgan failed: GeneratorError: the file holds a sdv/gaussian_copula generator"):
        sample_in_engine("sdv", "ctgan", outcome.generator_bytes, digest, 10, seed=0)


def test_the_host_environment_has_no_engine_library():
    """Fits and samples above ran in the engines' environments: none of their libraries is even installed here."""
    for library in ("torch", "sdv", "synthcity", "mostlyai", "snsynth"):
        assert importlib.util.find_spec(library) is None, f"{library} is importable in the orchestration environment"
    assert sys.version_info >= (3, 12)
    import numpy

    assert int(numpy.__version__.split(".")[0]) >= 2


def test_a_missing_engine_environment_is_one_line_saying_what_to_run(adult_split, tmp_path, monkeypatch):
    schema, train, _ = adult_split
    shutil.copytree(environment("sdv").folder, tmp_path / "sdv", ignore=shutil.ignore_patterns(".venv"))
    monkeypatch.setenv("SYNTH_ASSETS_ENVIRONMENTS", str(tmp_path))
    with pytest.raises(EngineNotInstalled, match=r"engine environment 'sdv' is not installed: run `synth-assets engines install sdv`"):
        fit_model("sdv/gaussian_copula", train, schema)


def test_installing_without_the_package_index_is_one_clear_line(tmp_path):
    """Nothing cached, no index: `engines install` says so in one line and exits 2."""
    shutil.copytree(environment("smartnoise").folder, tmp_path / "environments" / "smartnoise", ignore=shutil.ignore_patterns(".venv"))
    unreachable = "http://127.0.0.1:9"
    completed = subprocess.run(
        [sys.executable, "-m", "synth_assets.cli", "engines", "install", "smartnoise"],
        capture_output=True,
        text=True,
        env=os.environ
        | {
            "SYNTH_ASSETS_ENVIRONMENTS": str(tmp_path / "environments"),
            "UV_CACHE_DIR": str(tmp_path / "uv-cache"),
            "UV_HTTP_RETRIES": "0",
            "HTTPS_PROXY": unreachable,
            "HTTP_PROXY": unreachable,
        },
        timeout=300,
    )
    assert completed.returncode == 2
    [line] = completed.stderr.strip().splitlines()
    assert line.startswith("synth-assets: error: cannot install engine environment 'smartnoise': the package index is unreachable (")
    assert "synth-assets engines install smartnoise` again" in line
    assert not (tmp_path / "environments" / "smartnoise" / ".venv" / "synth-assets-lock.sha256").exists()


def test_a_worker_whose_host_was_killed_ends_instead_of_running_on(tmp_path):
    # The host process starts a worker-side child, then dies by SIGKILL (no chance to clean up).
    pid_file = tmp_path / "child.pid"
    child = (
        "import os, time; from synth_assets.engines.worker import _exit_with_parent; "
        f"_exit_with_parent(poll_s=0.1); open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(120)"
    )
    host = (
        f"import os, pathlib, signal, subprocess, sys, time; subprocess.Popen([sys.executable, '-c', {child!r}])\n"
        f"while not pathlib.Path({str(pid_file)!r}).exists(): time.sleep(0.1)\n"
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    subprocess.run([sys.executable, "-c", host], check=False, timeout=60)
    orphan = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and os.path.exists(f"/proc/{orphan}") and "Z" not in open(f"/proc/{orphan}/stat").read().split()[2]:
        time.sleep(0.2)
    assert not os.path.exists(f"/proc/{orphan}") or "Z" in open(f"/proc/{orphan}/stat").read().split()[2], "the orphaned worker kept running"
