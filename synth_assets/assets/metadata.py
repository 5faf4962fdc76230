"""Turn manifests and reports into metadata a person reads in the Dagster UI."""

import dagster as dg

from synth_assets.manifests import GateOutcome
from synth_assets.metrics.estimate import Estimate
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
            # The on-call engineer sees why a gate passed or failed without a verdict on the value.
            **({"not_judged": outcome.note or ""} if not outcome.judged else {"note": outcome.note} if outcome.note else {}),
        },
    )
