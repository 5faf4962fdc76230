"""The bake-off job: a fresh snapshot and drift report, then every candidate generator ranked."""

import dagster as dg

from synth_assets.catalog import DatasetSpec


def bakeoff_job_name(dataset: str) -> str:
    return f"bakeoff_{dataset}"


def bakeoff_job(dataset: str, spec: DatasetSpec):
    assert spec.bakeoff is not None
    return dg.define_asset_job(
        name=bakeoff_job_name(dataset),
        selection=dg.AssetSelection.assets(
            dg.AssetKey([dataset, "real_snapshot"]), dg.AssetKey([dataset, "drift_report"]), dg.AssetKey([dataset, "bakeoff"])
        ),
        description=(
            f"Fit each of {dataset}'s {len(spec.bakeoff.candidates)} candidate generators on one new snapshot, run the same "
            "gates and transfer metrics on each, and rank them"
            + ("; publish the winner if it passes every gate." if spec.bakeoff.promote_winner else ".")
        ),
        # It may publish: tagged like the regenerate job, so a per-dataset tag concurrency limit covers both.
        tags={"dataset": dataset},
    )
