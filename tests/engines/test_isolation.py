"""Fits run in a child process: a fit over its time or memory bound is stopped with a clear error."""

import time

import pytest

from synth_assets.engines import GeneratorError, SyntheticGenerator
from synth_assets.engines.isolation import FitRequest, GeneratorMemoryError, GeneratorTimeout, fit_in_child
from synth_assets.storage import DataRoot, frame_hash


@pytest.fixture
def request_for(tmp_path, adult_split):
    schema, train, _ = adult_split
    root = DataRoot(str(tmp_path))
    digest = root.write_frame(root.path("restricted", "train.parquet"), train)

    def make(model: str, params: dict, **changes) -> FitRequest:
        engine, model = model.split("/")
        fields = dict(
            engine=engine,
            model=model,
            params=params,
            seed=0,
            root=root.url,
            train_path="restricted/train.parquet",
            train_hash=digest,
            schema_contract=schema,
            column_order=schema.names,
        )
        return FitRequest(**(fields | changes))

    return make


def test_a_fit_within_its_bounds_comes_back_with_its_cost(request_for):
    outcome = fit_in_child(request_for("sdv/gaussian_copula", {}), time_budget_s=120, memory_limit_gb=4)
    generator = SyntheticGenerator.from_bytes(outcome.generator_bytes)
    assert len(generator.sample(10, seed=0)) == 10
    assert 0 < outcome.seconds < 120
    assert 100 < outcome.peak_memory_mb < 4096


def test_a_fit_past_its_time_budget_is_stopped_and_reports_progress(request_for):
    lines: list[str] = []
    started = time.monotonic()
    with pytest.raises(
        GeneratorTimeout, match=r"fitting sdv/ctgan took longer than its time budget of 25 s and was stopped; the previous champion stays"
    ):
        fit_in_child(request_for("sdv/ctgan", {"epochs": 10_000, "verbose": True}), time_budget_s=25, memory_limit_gb=4, log=lines.append)
    assert time.monotonic() - started < 25 + 5
    assert lines and all("s of 25 s" in line for line in lines)
    assert any("Epoch" in line or "Gen." in line for line in lines), "the library's own progress is relayed"


def test_a_fit_over_its_memory_ceiling_is_stopped(request_for):
    with pytest.raises(GeneratorMemoryError, match=r"fitting sdv/gaussian_copula used .* GiB, over its ceiling of 0.15 GiB"):
        fit_in_child(request_for("sdv/gaussian_copula", {}), time_budget_s=120, memory_limit_gb=0.15)


def test_a_failure_in_the_child_is_one_line_with_its_cause(request_for):
    with pytest.raises(GeneratorError, match=r"fitting sdv/gaussian_copula failed: IntegrityError: .*restricted/train.parquet"):
        fit_in_child(request_for("sdv/gaussian_copula", {}, train_hash="0" * 64), time_budget_s=120, memory_limit_gb=4)


def test_the_fit_s_own_sample_is_what_the_loaded_generator_samples(request_for):
    """The pipeline takes the candidate from the fitting process: it must be the generator's sample."""
    outcome = fit_in_child(request_for("sdv/gaussian_copula", {}, sample_rows=300, sample_seed=4), time_budget_s=120, memory_limit_gb=4)
    loaded = SyntheticGenerator.from_bytes(outcome.generator_bytes)
    assert frame_hash(outcome.sample) == frame_hash(loaded.sample(300, seed=4))
