"""The drift sensor and the nightly schedule, evaluated the way Dagster's own tests do.

A champion is published from a SQLite source; rows with shifted distributions are then appended
to that source. The scenario moves through three states, each a module fixture that depends on
the one before and records what the sensor said while the state held: stable (quiet), drifted
(one request, the same tick twice, a run in flight), regenerated (a new champion, quiet again).
A test asks for the state it checks, so each passes alone and in any order.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import numpy as np
import pytest
import sqlalchemy as sa

from synth_assets import cli
from synth_assets.catalog import load_catalog
from synth_assets.definitions import build_definitions
from synth_assets.manifests import PublicationManifest
from synth_assets.resources import DataRootResource
from synth_assets.stages.publish import read_champion
from synth_assets.storage import DataRoot
from tests.conftest import dataset_entry, scenario_home, write_catalog, write_sqlite

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class World:
    home: Path
    source: Path
    defs: dg.Definitions
    instance: dg.DagsterInstance


@dataclass(frozen=True)
class Drifted:
    request: dg.SensorResult  # the first tick after the shift
    again: dg.SensorResult  # the same tick, with the cursor the first one left
    in_flight: dg.SensorResult  # a fresh cursor while a regeneration is running


@dataclass(frozen=True)
class Regenerated:
    result: dg.ExecuteInProcessResult
    before: PublicationManifest
    after: PublicationManifest
    quiet: dg.SensorResult  # the sensor's tick once the requested run has published


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
        yield World(home=home, source=source, defs=defs, instance=instance)
        instance.dispose()


@pytest.fixture(scope="module")
def stable_tick(world):
    """The sensor's tick on the source the champion was made from (before any rows are appended)."""
    return _tick(world)


@pytest.fixture(scope="module")
def drifted(world, stable_tick, adult_sample):
    """Shifted rows appended to the source (after `stable_tick` was taken), and the ticks that follow."""
    _append_shifted_rows(world, adult_sample)
    request = _tick(world)
    again = _tick(world, cursor=request.cursor)
    job = world.defs.resolve_job_def("regenerate_adult")
    running = world.instance.create_run_for_job(job, status=dg.DagsterRunStatus.STARTED)
    try:
        in_flight = _tick(world)  # a fresh cursor: only the in-flight check can stop it
    finally:
        world.instance.delete_run(running.run_id)
    return Drifted(request=request, again=again, in_flight=in_flight)


@pytest.fixture(scope="module")
def regenerated(world, drifted):
    """The regeneration the drift requested, run with the request's tags."""
    root = DataRoot(str(world.home))
    before = read_champion(root, "adult")
    [request] = drifted.request.run_requests
    result = world.defs.resolve_job_def("regenerate_adult").execute_in_process(instance=world.instance, tags=request.tags)
    after = read_champion(root, "adult")
    return Regenerated(result=result, before=before, after=after, quiet=_tick(world, cursor=drifted.request.cursor))


def _tick(world, cursor=None):
    sensor = world.defs.resolve_sensor_def("drift_adult")
    context = dg.build_sensor_context(
        instance=world.instance, cursor=cursor, resources={"data_root": DataRootResource(url=str(world.home))}
    )
    return sensor(context)


def _append_shifted_rows(world, adult_sample):
    rng = np.random.default_rng(0)
    shifted = adult_sample.sample(frac=1.0, random_state=1).copy()  # as many new rows as old ones
    shifted["age"] = shifted["age"] + 20
    shifted["hours_per_week"] = (shifted["hours_per_week"] * 1.6).round().astype(int)
    shifted["workclass"] = rng.choice(["Private", "Platform-work"], len(shifted))
    engine = sa.create_engine(f"sqlite:///{world.source}")
    with engine.begin() as connection:
        shifted.to_sql("adult", connection, index=False, if_exists="append")
    engine.dispose()


def test_1_no_drift_skips_with_a_reason(stable_tick):
    assert not stable_tick.run_requests
    assert stable_tick.skip_reason.skip_message.startswith("no regeneration: the source matches champion")
    assert "(0/15 columns drifted" in stable_tick.skip_reason.skip_message
    assert json.loads(stable_tick.cursor)["last_status"] == "stable"


def test_2_shifted_rows_request_exactly_one_regeneration(drifted):
    [request] = drifted.request.run_requests
    fingerprint = json.loads(drifted.request.cursor)["requested"]["fingerprint"]
    assert request.run_key == f"drift-{fingerprint}" and request.tags["drift/source_fingerprint"] == fingerprint
    assert {"age", "hours_per_week", "workclass"} <= set(request.tags["drift/columns"].split(","))
    assert request.tags["trigger"] == "drift sensor" and float(request.tags["drift/score"]) > 0.1


def test_3_the_same_tick_twice_requests_nothing_more(drifted):
    assert not drifted.again.run_requests
    assert "already handled" in drifted.again.skip_reason.skip_message


def test_4_no_second_regeneration_while_one_is_in_flight(drifted):
    assert not drifted.in_flight.run_requests and "in flight" in drifted.in_flight.skip_reason.skip_message


def test_5_the_requested_run_makes_a_new_champion_and_the_sensor_quiet(world, regenerated):
    assert regenerated.result.success
    before, after = regenerated.before, regenerated.after
    assert after.version != before.version
    assert after.reference_profile_path != before.reference_profile_path
    root = DataRoot(str(world.home))
    new_profile = root.read_json(root.resolve(after.reference_profile_path))
    old_profile = root.read_json(root.resolve(before.reference_profile_path))
    assert new_profile["columns"]["age"]["mean"] > old_profile["columns"]["age"]["mean"] + 3
    assert "Platform-work" in new_profile["columns"]["workclass"]["frequencies"]
    drift = [e for e in regenerated.result.get_asset_materialization_events() if e.asset_key.path[-1] == "drift_report"]
    assert drift[0].materialization.metadata["drifted"].value is True  # it explains why the run happened
    assert not regenerated.quiet.run_requests and regenerated.quiet.skip_reason.skip_message.startswith("no regeneration")


def _nightly(world, when: datetime):
    schedule = world.defs.resolve_schedule_def("nightly_adult")
    # As a context manager: the context opens its own instance from the reference and must close it.
    with dg.build_schedule_context(
        instance=world.instance, scheduled_execution_time=when, resources={"data_root": DataRootResource(url=str(world.home))}
    ) as context:
        return schedule.evaluate_tick(context)


def test_6_nightly_reports_drift_only_when_nothing_calls_for_a_regeneration(world, regenerated):
    [request] = _nightly(world, datetime.now(UTC)).run_requests
    assert request.asset_selection == [dg.AssetKey(["adult", "drift_report"])]
    assert request.tags["trigger"] == "nightly drift report"


def test_7_nightly_regenerates_a_champion_past_its_age(world, regenerated):
    [request] = _nightly(world, datetime.now(UTC) + timedelta(days=10)).run_requests
    assert request.asset_selection is None  # the whole chain
    assert "days old (max 7)" in request.tags["reason"]


def test_8_cli_drift_json(world, regenerated, capsys):
    assert cli.main(["drift", "adult", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["drifted"] is False and report["status"] == "stable"
    assert {"score", "threshold", "columns"} <= set(report)
    assert {"psi", "js", "p_adjusted", "drifted"} <= set(report["columns"]["age"])
