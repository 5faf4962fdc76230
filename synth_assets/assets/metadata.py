"""Turn manifests and reports into metadata a person reads in the Dagster UI."""

import dagster as dg

from synth_assets.manifests import GateOutcome
from synth_assets.metrics.estimate import Estimate
from synth_assets.metrics.transfer import PRIMARY_METRIC
from synth_assets.schema import SchemaContract


def column_schema(schema: SchemaContract) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=c.name,
                type=c.dtype,
                description=c.kind + (" (target)" if c.name == schema.target else ""),
                constraints=dg.TableColumnConstraints(nullable=c.nullable),
            )
            for c in schema.columns
        ]
    )


def short(digest: str) -> str:
    return digest[:16]


def estimate_metadata(estimates: dict[str, Estimate]) -> dict[str, dg.MetadataValue]:
    return {name: dg.MetadataValue.float(round(e.value, 6)) for name, e in estimates.items()}


def check_result(asset_key: dg.AssetKey, outcome: GateOutcome, description: str) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=outcome.check_name,
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=description,
        metadata={
            "value": dg.MetadataValue.float(round(outcome.value, 6)),
            "threshold": dg.MetadataValue.float(outcome.threshold),
            "bound": outcome.bound,
            **({"ci_low": outcome.ci_low, "ci_high": outcome.ci_high} if outcome.ci_low is not None and outcome.ci_high is not None else {}),
            **({"baseline": outcome.baseline} if outcome.baseline is not None else {}),
            **({"n_samples": outcome.n_samples} if outcome.n_samples is not None else {}),
            # The on-call engineer sees why a gate passed or failed without a verdict on the value.
            **({"not_judged": outcome.note or ""} if not outcome.judged else {"note": outcome.note} if outcome.note else {}),
        },
    )


def transfer_markdown(metrics: dict[str, float]) -> str:
    """A transfer report's `section.metric` values as one row per model family, the gated transfer
    ratio first, then the task's primary score trained on synthetic (TSTR) and on real (TRTR); the
    other scores stay in the full report. Other sections (error profile, hybrid curve) after."""
    sections: dict[str, dict[str, float]] = {}
    for name, value in metrics.items():
        section, _, metric = name.partition(".")
        sections.setdefault(section, {})[metric] = value
    families = [s for s in sections if s == "transfer" or s.startswith("transfer_")]
    scores = [m for m in PRIMARY_METRIC.values() if any(f"tstr_{m}" in sections[s] for s in families)]
    lines = [
        "| model family | transfer ratio | " + " | ".join(f"{m} TSTR / TRTR" for m in scores) + " |",
        "|---" * (2 + len(scores)) + "|",
    ]
    for family in families:
        values = sections[family]
        pairs = [f"{values.get('tstr_' + m, float('nan')):.4f} / {values.get('trtr_' + m, float('nan')):.4f}" for m in scores]
        name = "primary (gated)" if family == "transfer" else family.removeprefix("transfer_")
        lines.append(f"| {name} | {values.get('transfer_ratio', float('nan')):.4f} | " + " | ".join(pairs) + " |")
    for section in (s for s in sections if s not in families):
        lines += ["", f"**{section}**: " + ", ".join(f"{m} {v:.4f}" for m, v in sections[section].items())]
    return "\n".join(lines)
