"""Quality history (`synth_assets/history.py`): the regression alert fires on a worse champion, in the right direction."""

from synth_assets.history import HistoryEntry, history_table, regressions
from synth_assets.manifests import GateOutcome


def entry(version: str, quality: float, dcr: float) -> HistoryEntry:
    gates = (
        GateOutcome(metric="quality_score", section="fidelity", value=quality, threshold=0.75, bound="min", passed=True),
        GateOutcome(metric="dcr_share", section="privacy", value=dcr, threshold=0.55, bound="max", passed=True),
    )
    return HistoryEntry.now(version=version, status="champion", model_version=version, mlflow_run_id="r", gates=gates)


def test_a_worse_champion_is_flagged_per_gate_in_its_direction():
    previous = entry("v1", quality=0.90, dcr=0.50)
    worse = entry("v2", quality=0.80, dcr=0.54)  # quality down 0.10 (min gate), dcr up 0.04 (max gate)
    found = regressions(worse, previous, tolerance=0.05)
    assert found == [{"gate": "fidelity_quality_score", "previous": 0.90, "new": 0.80, "worse_by": 0.1}]
    assert regressions(worse, previous, tolerance=0.03) == found + [{"gate": "privacy_dcr_share", "previous": 0.50, "new": 0.54, "worse_by": 0.04}]


def test_a_better_champion_is_not_flagged():
    previous = entry("v1", quality=0.80, dcr=0.54)
    better = entry("v2", quality=0.90, dcr=0.50)
    assert regressions(better, previous, tolerance=0.0) == []


def test_the_history_table_has_a_row_per_version_and_a_column_per_gate():
    table = history_table([entry("v1", 0.9, 0.5), entry("v2", 0.8, 0.54)])
    assert list(table["version"]) == ["v1", "v2"] and list(table["fidelity_quality_score"]) == [0.9, 0.8]


def test_a_version_is_recorded_once_and_a_retraction_keeps_its_evidence(tmp_path):
    import pytest

    from synth_assets.history import Retraction, history, record, record_retraction, retractions
    from synth_assets.storage import DataRoot

    root = DataRoot(str(tmp_path))
    assert history(root, "adult") == []
    first, second = entry("v1", 0.9, 0.5), entry("v2", 0.8, 0.52)
    record(root, "adult", first)
    record(root, "adult", second)
    record(root, "adult", first)  # re-publishing v1 moves it last, once
    assert [e.version for e in history(root, "adult")] == ["v2", "v1"]
    assert history(root, "other") == []

    why = Retraction(retracted_at="2026-11-24T00:00:00+00:00", retracted_by="reviewer", reason="names")
    updated = record_retraction(root, "adult", "v2", why)
    assert updated.status == "retracted" and updated.gates == second.gates
    stored = {e.version: e for e in history(root, "adult")}
    assert stored["v2"].retraction == why and stored["v1"].status == "champion" and stored["v1"].retraction is None
    assert retractions(history(root, "adult")) == [{"version": "v2", "model_version": "v2", **why.model_dump()}]
    with pytest.raises(ValueError, match="version v9 is not in the quality history"):
        record_retraction(root, "adult", "v9", why)
