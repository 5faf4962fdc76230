"""The decision shared by the drift sensor and the nightly schedule, from given facts (no Dagster run)."""

from datetime import UTC, datetime, timedelta, timezone

import dagster as dg
import pytest

from sensors.decision import FINGERPRINT_TAG, Decision, decide, drift_tags, evaluate, regeneration_for_state
from synth_assets.catalog import load_catalog
from synth_assets.failures import failures
from synth_assets.manifests import PublicationManifest
from synth_assets.metrics.drift import summary_line
from synth_assets.metrics.profile import reference_profile
from synth_assets.runlock import PID_TAG, this_process_tags
from synth_assets.schema import infer_schema
from synth_assets.sources.sql import source_fingerprint
from synth_assets.stages.publish import champion_path
from synth_assets.storage import DataRoot
from tests.conftest import dataset_entry, write_catalog, write_sqlite
from tests.placeholder_jobs import bakeoff_adult, regenerate_adult

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
CHAMPION = PublicationManifest.model_construct(version="v3", published_at=(NOW - timedelta(days=2)).isoformat())
OLD_CHAMPION = PublicationManifest.model_construct(version="v2", published_at=(NOW - timedelta(days=40)).isoformat())


def report(drifted: bool) -> dict:
    return {
        "dataset": "adult",
        "status": "drifted" if drifted else "stable",
        "drifted": drifted,
        "score": 0.2 if drifted else 0.0,
        "threshold": 0.05,
        "drifted_columns": ["age", "workclass", "hours_per_week"] if drifted else [],
        "columns": dict.fromkeys(["age", "workclass", "hours_per_week", "sex", "income"], {}),
        "worst_column": "age",
        "worst_psi": 0.9 if drifted else 0.01,
        "source": {"fingerprint": "ab" * 32},
    }


def test_a_drifted_source_is_regenerated_once_per_state_by_either_instigator():
    for nightly in (False, True):
        first = decide(report(True), CHAMPION, now=NOW, max_age_days=30, nightly=nightly)
        assert first.action == "regenerate" and first.run_key == "drift-" + "ab" * 8
        assert first.tags["drift/source_fingerprint"] == "ab" * 8 and first.tags["drift/columns"] == "age,workclass,hours_per_week"
        again = decide(report(True), CHAMPION, now=NOW, max_age_days=30, nightly=nightly, handled_by=("run-1", "FAILURE"))
        assert again.action == ("report" if nightly else "skip") and again.run_key is None
        assert again.reason.startswith("drift already handled for this source state by regeneration run-1 (failure)")


def test_a_stable_source_says_it_matches_the_champion():
    sensor = decide(report(False), CHAMPION, now=NOW, max_age_days=30, nightly=False)
    assert (sensor.action, sensor.reason.split(" (")[0]) == ("skip", "no regeneration: the source matches champion v3")
    nightly = decide(report(False), CHAMPION, now=NOW, max_age_days=30, nightly=True)
    assert nightly.action == "report" and nightly.reason == sensor.reason


def test_age_refresh_is_the_schedules_once_per_champion():
    nightly = decide(report(False), OLD_CHAMPION, now=NOW, max_age_days=30, nightly=True)
    assert (nightly.action, nightly.run_key, nightly.reason) == ("regenerate", "age-v2", "champion v2 is 40 days old (max 30)")
    assert decide(report(False), OLD_CHAMPION, now=NOW, max_age_days=30, nightly=False).action == "skip"
    assert decide(report(False), OLD_CHAMPION, now=NOW, max_age_days=None, nightly=True).action == "report"
    # drift already handled, but the champion is old: the age policy still applies
    handled = decide(report(True), OLD_CHAMPION, now=NOW, max_age_days=30, nightly=True, handled_by=("run-1", "SUCCESS"))
    assert handled.action == "regenerate" and handled.run_key == "age-v2"


def test_nothing_starts_while_a_regeneration_is_in_flight_and_only_the_schedule_bootstraps():
    busy = decide(report(True), CHAMPION, now=NOW, max_age_days=30, nightly=True, in_flight="run-9")
    assert busy.action == "skip" and "run-9 is in flight" in busy.reason
    none = report(False) | {"status": "no_champion"}
    assert decide(none, None, now=NOW, max_age_days=30, nightly=True).action == "regenerate"
    assert decide(none, None, now=NOW, max_age_days=30, nightly=False).action == "skip"


def test_each_decision_in_full():
    drifted, stable = report(True), report(False)
    line = summary_line(drifted)
    assert decide(drifted, CHAMPION, now=NOW, max_age_days=30, nightly=True, in_flight="run-9") == Decision(
        "skip", "regeneration run-9 is in flight; not starting another", drifted
    )
    none = stable | {"status": "no_champion"}
    assert decide(none, None, now=NOW, max_age_days=30, nightly=True) == Decision(
        "regenerate", "no champion yet", none, tags={"reason": "no champion yet"}
    )
    assert decide(none, None, now=NOW, max_age_days=30, nightly=False) == Decision(
        "skip", "no regeneration: no champion yet: nothing to compare with", none
    )
    reason = f"drift: {line}"
    assert decide(drifted, CHAMPION, now=NOW, max_age_days=30, nightly=False) == Decision(
        "regenerate",
        reason,
        drifted,
        run_key="drift-abababababababab",
        tags={
            "dataset": "adult",
            "drift/score": "0.200",
            "drift/worst_column": "age",
            "drift/columns": "age,workclass,hours_per_week",
            "drift/source_fingerprint": "abababababababab",
            "reason": reason,
        },
    )
    quiet = f"no regeneration: the source matches champion v3 ({summary_line(stable)})"
    assert decide(stable, CHAMPION, now=NOW, max_age_days=30, nightly=True) == Decision("report", quiet, stable)
    handled = f"drift already handled for this source state by regeneration run-1 (success): {line}"
    assert decide(drifted, CHAMPION, now=NOW, max_age_days=30, nightly=False, handled_by=("run-1", "SUCCESS")) == Decision(
        "skip", handled, drifted
    )


def test_age_counts_whole_days_and_refreshes_only_past_the_maximum():
    stable = report(False)
    exactly = PublicationManifest.model_construct(version="v2", published_at=(NOW - timedelta(days=30)).isoformat())
    assert decide(stable, exactly, now=NOW, max_age_days=30, nightly=True).action == "report"
    past = PublicationManifest.model_construct(version="v2", published_at=(NOW - timedelta(days=30, seconds=1)).isoformat())
    reason = "champion v2 is 30 days old (max 30)"
    assert decide(stable, past, now=NOW, max_age_days=30, nightly=True) == Decision(
        "regenerate", reason, stable, run_key="age-v2", tags={"dataset": "adult", "reason": reason}
    )


def test_long_reasons_and_column_lists_are_cut_to_fit_run_tags():
    columns = [f"column_{i}_" + "x" * 50 for i in range(6)]  # 60 characters each
    drifted = report(True) | {"drifted_columns": columns, "worst_column": columns[0]}
    decision = decide(drifted, CHAMPION, now=NOW, max_age_days=30, nightly=False)
    assert decision.reason == f"drift: {summary_line(drifted)}" and len(decision.reason) > 250
    assert decision.tags["reason"] == decision.reason[:250]
    assert decision.tags["drift/columns"] == ",".join(columns)[:200]
    assert drift_tags(drifted)["drift/worst_column"] == columns[0]


def test_the_latest_regeneration_for_a_source_state_is_found_by_its_tag():
    with dg.DagsterInstance.ephemeral() as instance:
        assert regeneration_for_state(instance, "regenerate_adult", "f1") is None
        instance.create_run_for_job(bakeoff_adult, tags={FINGERPRINT_TAG: "f1"})  # another job
        instance.create_run_for_job(regenerate_adult, tags={FINGERPRINT_TAG: "f2"})  # another state
        assert regeneration_for_state(instance, "regenerate_adult", "f1") is None
        first = instance.create_run_for_job(regenerate_adult, tags={FINGERPRINT_TAG: "f1"})
        instance.report_run_failed(first, "boom")
        assert regeneration_for_state(instance, "regenerate_adult", "f1") == (first.run_id, "FAILURE")
        second = instance.create_run_for_job(regenerate_adult, tags={FINGERPRINT_TAG: "f1"})
        assert regeneration_for_state(instance, "regenerate_adult", "f1") == (second.run_id, "NOT_STARTED")


@pytest.fixture
def facts(tmp_path, adult_sample):
    """A SQLite source, its catalog entry (refresh after 30 days) and an empty instance."""
    url = write_sqlite(tmp_path / "source.sqlite", adult_sample)
    spec = load_catalog(write_catalog(tmp_path / "catalog.yaml", {"adult": dataset_entry(url, max_generator_age_days=30)})).dataset("adult")
    with dg.DagsterInstance.ephemeral() as instance:
        yield DataRoot(str(tmp_path / "home")), spec, instance


def _champion(root, frame, *, published_at):
    """A champion whose reference profile was made from `frame` (no generator: drift only reads the profile)."""
    schema = infer_schema(frame, target="income")
    profile = root.path("published", "adult", "v1", "reference_profile.json")
    root.write_json(profile, reference_profile(frame, schema))
    manifest = PublicationManifest(
        dataset="adult", version="v1", published_path="published/adult/v1/synthetic.parquet", content_hash="0" * 64,
        n_rows=len(frame), published_at=published_at.isoformat(), gates=(), mlflow_tracking_uri="", mlflow_run_id="",
        registered_model="", model_version="", schema_contract=schema, snapshot_hash="1" * 64,
        reference_profile_path=root.relative(profile),
    )  # fmt: skip
    root.write_text(champion_path(root, "adult"), manifest.model_dump_json())


def _evaluate(root, spec, instance, *, nightly, now=NOW, requested=None):
    return evaluate("adult", spec, root, instance, "regenerate_adult", now=now, nightly=nightly, requested=requested)


def _fingerprint(spec):
    return source_fingerprint(spec.source, dataset="adult")["fingerprint"][:16]


def test_evaluate_without_a_champion_bootstraps_nightly_unless_a_run_is_in_flight(facts):
    root, spec, instance = facts
    assert _evaluate(root, spec, instance, nightly=False).action == "skip"
    nightly = _evaluate(root, spec, instance, nightly=True)
    assert (nightly.action, nightly.reason, nightly.report["status"]) == ("regenerate", "no champion yet", "no_champion")
    running = instance.create_run_for_job(regenerate_adult, tags={"dataset": "adult", **this_process_tags()})
    instance.handle_run_event(running.run_id, dg.DagsterEvent(dg.DagsterEventType.RUN_START.value, job_name=running.job_name))
    busy = _evaluate(root, spec, instance, nightly=True)
    assert (busy.action, busy.reason) == ("skip", f"regeneration {running.run_id} is in flight; not starting another")


def test_evaluate_a_stable_source(facts, adult_sample):
    root, spec, instance = facts
    _champion(root, adult_sample, published_at=NOW - timedelta(days=2))
    sensor = _evaluate(root, spec, instance, nightly=False)
    assert (sensor.action, sensor.report["status"]) == ("skip", "stable")
    assert sensor.reason == f"no regeneration: the source matches champion v1 ({summary_line(sensor.report)})"
    assert sensor.report["source"]["fingerprint"][:16] == _fingerprint(spec)
    assert _evaluate(root, spec, instance, nightly=True).action == "report"


def test_evaluate_refreshes_an_old_champion_by_the_catalogs_age_in_utc(facts, adult_sample):
    root, spec, instance = facts
    _champion(root, adult_sample, published_at=NOW - timedelta(days=31))
    nightly = _evaluate(root, spec, instance, nightly=True)
    assert (nightly.action, nightly.run_key, nightly.reason) == ("regenerate", "age-v1", "champion v1 is 31 days old (max 30)")
    # The same instant written in another time zone, or as a naive local time: the same age.
    elsewhere = NOW.astimezone(timezone(timedelta(hours=-8)))
    assert _evaluate(root, spec, instance, nightly=True, now=elsewhere).run_key == "age-v1"
    local = NOW.astimezone().replace(tzinfo=None)
    assert _evaluate(root, spec, instance, nightly=True, now=local).run_key == "age-v1"
    assert _evaluate(root, spec, instance, nightly=True, now=NOW - timedelta(days=2)).action == "report"
    assert _evaluate(root, spec, instance, nightly=False).action == "skip"


def test_evaluate_requests_one_regeneration_per_drifted_source_state(facts, adult_sample):
    root, spec, instance = facts
    older = adult_sample.copy()
    older["age"] = older["age"] - 15  # the champion was made when the population was younger
    older["hours_per_week"] = (older["hours_per_week"] * 0.6).round().astype(int)
    _champion(root, older, published_at=NOW - timedelta(days=2))
    fingerprint = _fingerprint(spec)

    first = _evaluate(root, spec, instance, nightly=False)
    assert (first.action, first.run_key) == ("regenerate", f"drift-{fingerprint}")
    assert first.tags[FINGERPRINT_TAG] == fingerprint and first.report["drifted"]

    # The sensor's own request (not yet a run) counts as handling this state, not another state's.
    requested = {"fingerprint": fingerprint, "run_key": first.run_key}
    again = _evaluate(root, spec, instance, nightly=False, requested=requested)
    line = summary_line(again.report)
    assert (again.action, again.reason) == ("skip", f"drift already handled for this source state by regeneration {first.run_key} (requested): {line}")
    stale = _evaluate(root, spec, instance, nightly=False, requested={"fingerprint": "0" * 16, "run_key": "drift-old"})
    assert stale.action == "regenerate"

    # A run of another job with the tag does not count; a run of this job does, before the request.
    instance.create_run_for_job(bakeoff_adult, tags={FINGERPRINT_TAG: fingerprint})
    assert _evaluate(root, spec, instance, nightly=False).action == "regenerate"
    run = instance.create_run_for_job(regenerate_adult, tags={FINGERPRINT_TAG: fingerprint})
    instance.report_run_failed(run, "boom")
    handled = _evaluate(root, spec, instance, nightly=True, requested=requested)
    assert (handled.action, handled.reason) == ("report", f"drift already handled for this source state by regeneration {run.run_id} (failure): {line}")


def test_evaluate_marks_a_dead_regeneration_failed_and_records_it(facts):
    import subprocess

    root, spec, instance = facts
    process = subprocess.Popen(["true"])
    process.wait()
    tags = {"dataset": "adult", **this_process_tags(), PID_TAG: str(process.pid)}
    dead = instance.create_run_for_job(regenerate_adult, tags=tags)
    instance.handle_run_event(dead.run_id, dg.DagsterEvent(dg.DagsterEventType.RUN_START.value, job_name=dead.job_name))
    assert _evaluate(root, spec, instance, nightly=True).action == "regenerate"  # not in flight: its process is gone
    assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE
    assert [r.run_id for r in failures(root, "adult")] == [dead.run_id]
