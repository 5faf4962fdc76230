"""The decision shared by the drift sensor and the nightly schedule, from given facts (no Dagster run)."""

from datetime import UTC, datetime, timedelta

from sensors.decision import decide
from synth_assets.manifests import PublicationManifest

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
