"""What a failure tells the user: the CLI summary, the status line, the advice for stale state."""

import pytest

from synth_assets.failures import FailureRecord, describe_failure
from synth_assets.manifests import DatasheetManifest, GateOutcome, StaleState
from synth_assets.runlog import failure_summary


def test_summary_names_step_gates_champion_and_log():
    dcr = GateOutcome(metric="dcr_share", section="privacy", value=0.6123, threshold=0.55, bound="max", passed=False,
                      ci_low=0.5912, ci_high=0.6331, baseline=0.5, n_samples=2000)
    quality = GateOutcome(metric="quality_score", section="fidelity", value=0.71, threshold=0.75, bound="min", passed=False, n_samples=1200)
    lines = failure_summary(
        [{"step": "adult__publication", "cause": "Failure: NOT PUBLISHED: ..."}],
        [dcr, quality, quality.model_copy(update={"n_samples": None})],
        "version 20261123T234213Z-965e42ad (/data/published/adult/versions/20261123T234213Z-965e42ad/synthetic.parquet)",
        "/data/state/logs/run.log",
    )
    assert lines == [
        "  failed step adult__publication: Failure: NOT PUBLISHED: ...",
        # the status card's wording (`gate_verdict`), with the evidence behind the value
        "  gate privacy_dcr_share 0.6123 vs <= 0.55 (95% CI [0.5912, 0.6331], baseline 0.5, n 2,000): FAIL",
        "  gate fidelity_quality_score 0.7100 vs >= 0.75 (n 1,200): FAIL",
        "  gate fidelity_quality_score 0.7100 vs >= 0.75: FAIL",
        "  champion kept: version 20261123T234213Z-965e42ad (/data/published/adult/versions/20261123T234213Z-965e42ad/synthetic.parquet)",
        "  full log: /data/state/logs/run.log",
    ]
    assert failure_summary([], [], None, "x.log")[-2:] == ["  no champion yet: nothing is published", "  full log: x.log"]


def test_failure_reads_as_one_line_of_text():
    record = FailureRecord.now(
        run_id="r",
        job="regenerate_adult",
        dataset="adult",
        failed_steps=[{"step": "adult__real_snapshot", "cause": "CatalogError: invalid catalog x:\n  - a: bad"}, {"step": "adult__drift_report", "cause": "SourceError: down"}],
        run_error="",
    )
    assert describe_failure(record) == "adult__real_snapshot: CatalogError: invalid catalog x: - a: bad; adult__drift_report: SourceError: down"
    assert describe_failure(FailureRecord.now(run_id="r", job="j", dataset="adult", failed_steps=[], run_error="run died: gone")) == "run died: gone"


def test_stale_state_advice_never_wipes_the_champions(tmp_path):
    path = tmp_path / "datasheet.json"
    path.write_text('{"dataset": "adult"}')
    with pytest.raises(StaleState) as raised:
        DatasheetManifest.load(path)
    assert "Move this one file aside and regenerate" in str(raised.value)
    assert "empty SYNTH_ASSETS_HOME" not in str(raised.value)
