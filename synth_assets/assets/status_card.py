"""The publication status card: what is served, by which generator, with which gate values, where
it is and how to load it; after a run that published nothing, the one sentence saying why.

Rendered from manifests and shown on the `publication` asset: materialization metadata after a
publication, an observation after a run that published nothing (yielded by the failed gate's step,
whose message is the sentence, or reported by `observe_failed_run` for any other failure).
"""

from collections.abc import Sequence

import dagster as dg

from synth_assets.failures import FailureRecord, describe_failure
from synth_assets.manifests import GateOutcome, PublicationManifest
from synth_assets.publish.mlflow_registry import model_version_url, run_url
from synth_assets.reports import gates_markdown
from synth_assets.storage import DataRoot


def gate_verdict(outcome: GateOutcome) -> str:
    """`privacy_dcr_share 0.0312 vs <= 0.01`."""
    sign = ">=" if outcome.bound == "min" else "<="
    return f"{outcome.check_name} {outcome.value:.4f} vs {sign} {outcome.threshold:g}"


NOT_PUBLISHED = "NOT PUBLISHED"


def _kept(champion: PublicationManifest | None) -> str:
    return f"champion {champion.version} kept" if champion else "no champion yet, nothing is served"


def not_published_sentence(failed: Sequence[GateOutcome], champion: PublicationManifest | None) -> str:
    """The one sentence an on-call engineer needs after a gate failure."""
    return f"{NOT_PUBLISHED}: {', '.join(gate_verdict(o) for o in failed)} failed; {_kept(champion)}"


def observe_failed_run(instance: dg.DagsterInstance, root: DataRoot, record: FailureRecord, champion: PublicationManifest | None) -> None:
    """Put a failed run on the publication card, unless a failed gate already did (in its step):
    a crash, an unreadable source or a lost lock publishes nothing either, and the card says so."""
    if record.dataset is None or any(NOT_PUBLISHED in step["cause"] for step in record.failed_steps):
        return
    sentence = f"{NOT_PUBLISHED}: run {record.run_id[:8]} failed ({describe_failure(record)}); {_kept(champion)}"
    instance.report_runless_asset_event(
        dg.AssetObservation(
            asset_key=dg.AssetKey([record.dataset, "publication"]),
            metadata={
                "status": dg.MetadataValue.md(status_card(root, record.dataset, champion, headline=sentence)),
                "published": False,
                "failed_run": record.run_id,
            },
        )
    )


def champion_card(root: DataRoot, champion: PublicationManifest) -> str:
    """Markdown: the served version, its generator, gate values, location and loading snippet."""
    data = root.resolve(champion.published_path)
    folder = data.parent
    mlflow_run = (
        f"[run {champion.mlflow_run_id[:12]}]({run_url(champion.mlflow_experiment_id, champion.mlflow_run_id)})"
        if champion.mlflow_experiment_id
        else f"run {champion.mlflow_run_id}"
    )
    model = f"[{champion.registered_model} v{champion.model_version}]({model_version_url(champion.registered_model, champion.model_version)})"
    return "\n".join(
        [
            f"**Champion: version {champion.version}**, published {champion.published_at.replace('T', ' ')}",
            "",
            f"- Generator: {champion.generator or 'see the MLflow run'}; {champion.n_rows:,} rows",
            f"- Data: `{root.location(data)}`",
            f"- Datasheet: `{root.location(folder / 'datasheet.html')}` (also `datasheet.md`)",
            f"- MLflow: {model} (alias `champion`), {mlflow_run}",
            "",
            gates_markdown(champion.gates),
            "",
            "Load it (hash-verified, from MLflow):",
            "",
            "```python",
            "from synth_assets.consume import load_synthetic",
            f'frame = load_synthetic("{champion.dataset}")',
            "```",
            "",
            "```",
            f"synth-assets pull {champion.dataset} -o {champion.dataset}.parquet",
            "```",
        ]
    )


def status_card(root: DataRoot, dataset: str, champion: PublicationManifest | None, *, headline: str | None = None) -> str:
    """The card: an optional headline (the not-published sentence), then what is served."""
    parts = [f"### {headline}", ""] if headline else []
    parts.append(champion_card(root, champion) if champion else f"No version of {dataset} is published yet.")
    return "\n".join(parts)
