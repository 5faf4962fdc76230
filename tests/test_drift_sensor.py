"""The drift sensor and the nightly schedule, evaluated the way Dagster's own tests do.

A champion is published from a SQLite source; rows with shifted distributions are then appended
to that source. The scenario runs in order: quiet, one request, the same tick twice, the
requested regeneration, quiet again.
"""

import json
from datetime import UTC, datetime, timedelta

import dagster as dg
import numpy as np
import pytest
import sqlalchemy as sa

from synth_assets import cli
from synth_assets.catalog import load_catalog
from synth_assets.definitions import build_definitions
from synth_assets.resources import DataRootResource
from synth_assets.stages.publish import read_champion
from synth_assets.storage import DataRoot
from tests.conftest import dataset_entry, scenario_home, write_catalog, write_sqlite

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(tmp_path_factory, adult_sample):
    with scenario_home(tmp_path_factory, "drift") as (root, home, monkeypatch):
        source = root / "source.sqlite"
        url = write_sqlite(source, adult_sample)
        # The run the drift requests retrains on shifted rows (older ages, a new workclass); on 1,800
        # rows GaussianCopula's transfer above chance then falls under the base entry's 0.5. This test is
        # about when runs start and what they publish, not fitness (tested in tests/metrics).
        entry = dataset_entry(url, max_generator_age_days=7, acceptance={"transfer_ratio_min": None})
        catalog_path = write_catalog(root / "catalog.yaml", {"adult": entry})
        monkeypatch.setenv("SYNTH_ASSETS_CATALOG", str(catalog_path))
        defs = build_definitions(load_catalog(catalog_path))
        (root / "dagster").mkdir()
        instance = dg.DagsterInstance.local_temp(str(root / "dagster"))  # schedules need a persistent one
        first = defs.resolve_job_def("regenerate_adult").execute_in_process(instance=instance)
        assert first.success
        state = {"home": home, "source": source, "defs": defs, "instance": instance, "cursor": None}
        yield state
        instance.dispose()


def _tick(world, cursor=None):
    sensor = world["defs"].resolve_sensor_def("drift_adult")
    context = dg.build_sensor_context(
        instance=world["instance"], cursor=cursor, resources={"data_root": DataRootResource(url=str(world["home"]))}
    )
    return sensor(context)


def _append_shifted_rows(world, adult_sample):
    rng = np.random.default_rng(0)
    shifted = adult_sample.sample(frac=1.0, random_state=1).copy()  # as many new rows as old ones
    shifted["age"] = shifted["age"] + 20
    shifted["hours_per_week"] = (shifted["hours_per_week"] * 1.6).round().astype(int)
    shifted["workclass"] = rng.choice(["Private", "Platform-work"], len(shifted))
    engine = sa.create_engine(f"sqlite:///{world['source']}")
    with engine.begin() as connection:
        shifted.to_sql("adult", connection, index=False, if_exists="append")
    engine.dispose()


def test_1_no_drift_skips_with_a_reason(world):
    result = _tick(world)
    assert not result.run_requests
    assert result.skip_reason.skip_message.startswith("no regeneration: the source matches champion")
    assert "(0/15 columns drifted" in result.skip_reason.skip_message
    assert json.loads(result.cursor)["last_status"] == "stable"


def test_2_shifted_rows_request_exactly_one_regeneration(world, adult_sample):
    _append_shifted_rows(world, adult_sample)
    result = _tick(world)
    [request] = result.run_requests
    fingerprint = json.loads(result.cursor)["requested"]["fingerprint"]
    assert request.run_key == f"drift-{fingerprint}" and request.tags["drift/source_fingerprint"] == fingerprint
    assert {"age", "hours_per_week", "workclass"} <= set(request.tags["drift/columns"].split(","))
    assert request.tags["trigger"] == "drift sensor" and float(request.tags["drift/score"]) > 0.1
    world["cursor"], world["request"] = result.cursor, request


def test_3_the_same_tick_twice_requests_nothing_more(world):
    result = _tick(world, cursor=world["cursor"])
    assert not result.run_requests
    assert "already handled" in result.skip_reason.skip_message


def test_4_no_second_regeneration_while_one_is_in_flight(world):
    job = world["defs"].resolve_job_def("regenerate_adult")
    running = world["instance"].create_run_for_job(job, status=dg.DagsterRunStatus.STARTED)
    try:
        result = _tick(world)  # a fresh cursor: only the in-flight check can stop it
        assert not result.run_requests and "in flight" in result.skip_reason.skip_message
    finally:
        world["instance"].delete_run(running.run_id)


def test_5_the_requested_run_makes_a_new_champion_and_the_sensor_quiet(world):
    root = DataRoot(str(world["home"]))
    before = read_champion(root, "adult")
    result = world["defs"].resolve_job_def("regenerate_adult").execute_in_process(
        instance=world["instance"], tags=world["request"].tags
    )
    assert result.success
    after = read_champion(root, "adult")
    assert after.version != before.version
    assert after.reference_profile_path != before.reference_profile_path
    new_profile = root.read_json(root.resolve(after.reference_profile_path))
    old_profile = root.read_json(root.resolve(before.reference_profile_path))
    assert new_profile["columns"]["age"]["mean"] > old_profile["columns"]["age"]["mean"] + 3
    assert "Platform-work" in new_profile["columns"]["workclass"]["frequencies"]
    drift = [e for e in result.get_asset_materialization_events() if e.asset_key.path[-1] == "drift_report"]
    assert drift[0].materialization.metadata["drifted"].value is True  # it explains why the run happened
    quiet = _tick(world, cursor=world["cursor"])
    assert not quiet.run_requests and quiet.skip_reason.skip_message.startswith("no regeneration")


def _nightly(world, when: datetime):
    schedule = world["defs"].resolve_schedule_def("nightly_adult")
    # As a context manager: the context opens its own instance from the reference and must close it.
    with dg.build_schedule_context(
        instance=world["instance"], scheduled_execution_time=when, resources={"data_root": DataRootResource(url=str(world["home"]))}
    ) as context:
        return schedule.evaluate_tick(context)


def test_6_nightly_reports_drift_only_when_nothing_calls_for_a_regeneration(world):
    [request] = _nightly(world, datetime.now(UTC)).run_requests
    assert request.asset_selection == [dg.AssetKey(["adult", "drift_report"])]
    assert request.tags["trigger"] == "nightly drift report"


def test_7_nightly_regenerates_a_champion_past_its_age(world):
    [request] = _nightly(world, datetime.now(UTC) + timedelta(days=10)).run_requests
    assert request.asset_selection is None  # the whole chain
    assert "days old (max 7)" in request.tags["reason"]


def test_8_cli_drift_json(world, capsys):
    assert cli.main(["drift", "adult", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["drifted"] is False and report["status"] == "stable"
    assert {"score", "threshold", "columns"} <= set(report)
    assert {"psi", "js", "p_adjusted", "drifted"} <= set(report["columns"]["age"])
