"""The publication card and the one-sentence gate failure, from manifests (no Dagster run)."""


from synth_assets.assets.metadata import transfer_markdown
from synth_assets.assets.status_card import not_published_sentence, status_card
from synth_assets.manifests import GateOutcome, PublicationManifest
from synth_assets.schema import SchemaContract
from synth_assets.storage import DataRoot

COPY = GateOutcome(metric="exact_copy_excess", section="privacy", value=0.31234, threshold=0.005, bound="max", passed=False)
TRANSFER = GateOutcome(metric="transfer_ratio", section="transfer", value=0.61, threshold=0.7, bound="min", passed=False)
QUALITY = GateOutcome(
    metric="quality_score", section="fidelity", value=0.9, threshold=0.75, bound="min", passed=True,
    ci_low=0.88, ci_high=0.92, baseline=0.5, n_samples=1200,
)


def _champion(version: str = "20261124T061200Z-abc") -> PublicationManifest:
    return PublicationManifest(
        dataset="adult", version=version, published_path=f"published/adult/versions/{version}/synthetic.parquet",
        content_hash="h", n_rows=1200, published_at="2026-11-24T06:12:00+00:00", gates=(QUALITY,),
        mlflow_tracking_uri="sqlite:///m.db", mlflow_run_id="0123456789abcdef", registered_model="adult-generator",
        model_version="3", schema_contract=SchemaContract(columns=(), target="income"), snapshot_hash="s",
        reference_profile_path="p", generator="sdv/gaussian_copula", mlflow_experiment_id="7",
    )


def test_the_sentence_names_each_failed_gate_with_value_and_threshold_and_the_champion_kept():
    assert not_published_sentence([COPY, TRANSFER], _champion("v1")) == (
        "NOT PUBLISHED: privacy_exact_copy_excess 0.3123 vs <= 0.005, transfer_transfer_ratio 0.6100 vs >= 0.7 failed; champion v1 kept"
    )
    assert not_published_sentence([COPY], None).endswith("failed; no champion yet, nothing is served")


def test_the_card_gives_the_absolute_location_the_evidence_links_and_a_loading_snippet(tmp_path):
    root = DataRoot(str(tmp_path / "relative" / ".."))
    card = status_card(root, "adult", _champion(), headline="NOT PUBLISHED: x")
    assert card.startswith("### NOT PUBLISHED: x\n")
    location = (tmp_path / "published/adult/versions/20261124T061200Z-abc/synthetic.parquet").resolve()
    assert f"`{location}`" in card and ".." not in card.split("Data: ")[1].splitlines()[0]
    assert "Champion: version 20261124T061200Z-abc**, published 2026-11-24 06:12:00+00:00" in card
    assert "| fidelity_quality_score | 0.9000 | [0.8800, 0.9200] | 0.5000 | 1,200 | >= 0.75 | pass |" in card
    assert "#/models/adult-generator/versions/3)" in card and "#/experiments/7/runs/0123456789abcdef)" in card
    assert 'frame = load_synthetic("adult")' in card and "synth-assets pull adult -o adult.parquet" in card
    assert status_card(root, "adult", None) == "No version of adult is published yet."


def test_transfer_metrics_read_as_one_row_per_model_family_with_the_gated_ratio_first():
    metrics = {
        "transfer.tstr_roc_auc": 0.8, "transfer.trtr_roc_auc": 0.85, "transfer.transfer_ratio": 0.857,
        "transfer.tstr_brier": 0.11, "transfer.trtr_brier": 0.09,  # in the full report, not the summary
        "transfer_logistic.tstr_roc_auc": 0.78, "transfer_logistic.trtr_roc_auc": 0.84, "transfer_logistic.transfer_ratio": 0.82,
        "hybrid.reaches_95pct_of_trtr": 500.0,
    }
    assert transfer_markdown(metrics).splitlines() == [
        "| model family | transfer ratio | roc_auc TSTR / TRTR |",
        "|---|---|---|",
        "| primary (gated) | 0.8570 | 0.8000 / 0.8500 |",
        "| logistic | 0.8200 | 0.7800 / 0.8400 |",
        "",
        "**hybrid**: reaches_95pct_of_trtr 500.0000",
    ]
