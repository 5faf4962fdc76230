"""Stage 1: take a governed snapshot of the real source into the restricted zone."""

import hashlib
from datetime import UTC, datetime

import pandas as pd
from sklearn.model_selection import train_test_split

from synth_assets.catalog import DatasetSpec
from synth_assets.governance.generalize import GeneralizationRules, apply_generalization, fit_generalization
from synth_assets.governance.pii import PiiError, PiiPlan, describe_flags, plan_pii
from synth_assets.manifests import SnapshotManifest
from synth_assets.metrics.profile import reference_profile
from synth_assets.schema import SchemaContract, SchemaError, infer_schema
from synth_assets.sources import public_source_url, read_source
from synth_assets.storage import DataRoot, frame_hash


def take_snapshot(
    dataset: str, spec: DatasetSpec, root: DataRoot, *, previous: SchemaContract | None = None
) -> SnapshotManifest:
    """Read the source, check it against the schema contract, split it, and store both splits.

    `previous` is the contract of the current champion: a source whose columns or column kinds
    changed since then is refused, because consumers of the published data would break silently.
    """
    pii, schema, real, rules = prepare_source(dataset, spec, previous=previous)
    stratify = spec.target.column if spec.target.task == "classification" else None
    train, holdout = split_train_holdout(
        real, holdout_fraction=spec.split.holdout_fraction, seed=spec.split.seed, stratify_on=stratify
    )
    train_hash, holdout_hash = frame_hash(train), frame_hash(holdout)
    snapshot_hash = hashlib.sha256(f"{train_hash}:{holdout_hash}".encode()).hexdigest()
    folder = root.path("restricted", dataset, "snapshots", snapshot_hash[:16])
    root.write_frame(folder / "train.parquet", train)
    root.write_frame(folder / "holdout.parquet", holdout)
    root.write_json(folder / "profile.json", reference_profile(train, schema, rules))
    root.write_json(folder / "schema.json", schema.model_dump())
    return SnapshotManifest(
        dataset=dataset,
        snapshot_hash=snapshot_hash,
        source_url=public_source_url(spec.source, dataset),
        source_selector=spec.source.table or spec.source.query,
        taken_at=datetime.now(UTC).isoformat(timespec="seconds"),
        n_source_rows=len(real),
        train_path=root.relative(folder / "train.parquet"),
        train_hash=train_hash,
        n_train=len(train),
        holdout_path=root.relative(folder / "holdout.parquet"),
        holdout_hash=holdout_hash,
        n_holdout=len(holdout),
        profile_path=root.relative(folder / "profile.json"),
        holdout_fraction=spec.split.holdout_fraction,
        split_seed=spec.split.seed,
        schema_contract=schema,
        pii=pii,
        generalization=rules.summary,
    )


def prepare_source(
    dataset: str, spec: DatasetSpec, *, previous: SchemaContract | None = None
) -> tuple[PiiPlan, SchemaContract, pd.DataFrame, GeneralizationRules]:
    """Read the source and apply the catalog's PII handling, schema contract and generalisation.

    This is everything a snapshot does before splitting; `synth-assets check` runs it alone.
    """
    source_rows = read_source(spec.source, dataset=dataset)
    pii = plan_pii(source_rows, spec.pii.columns, spec.primary_key)
    if pii.flagged and spec.pii.detection == "block":
        raise PiiError(
            f"dataset {dataset!r}: columns look like direct identifiers ({describe_flags(pii.flagged)}); declare each "
            f"under `pii.columns`, e.g. `pii: {{columns: {{{', '.join(f'{c}: drop' for c in sorted(pii.flagged))}}}}}` "
            "(drop, fake, fake:<provider> or keep), or the key as `primary_key`"
        )
    # Dropped and faked columns never reach the snapshot: their real values stay in the source.
    modelled = source_rows.drop(columns=pii.dropped + list(pii.faked))
    schema = infer_schema(modelled, target=spec.target.column, primary_key=spec.primary_key, overrides=spec.columns)
    if previous is not None:
        check_contract_unchanged(previous, schema, dataset)
    conformed = schema.conform(modelled, what=f"source of dataset {dataset!r}")
    # Thresholds are counted on the train split (the split `take_snapshot` makes: the target is
    # never recoded, so it is the same): a category with 10 source rows but 8 train rows would
    # otherwise reach the generator.
    stratify = spec.target.column if spec.target.task == "classification" else None
    train_rows, _ = split_train_holdout(conformed, holdout_fraction=spec.split.holdout_fraction, seed=spec.split.seed, stratify_on=stratify)
    rules = fit_generalization(
        train_rows, schema, min_category_rows=spec.disclosure.min_category_rows, top_code_rows=spec.disclosure.top_code_rows
    )
    return pii, schema, apply_generalization(conformed, rules), rules


def split_train_holdout(
    frame: pd.DataFrame, *, holdout_fraction: float, seed: int, stratify_on: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows into the generator's training set and a holdout no generator ever sees.

    Stratifies on the target when every class has at least two rows, so both splits keep the
    class balance (rare classes matter most for fairness and for the transfer metrics).
    """
    if len(frame) < 4:
        raise ValueError(f"a snapshot needs at least 4 rows to split, the source returned {len(frame)}")
    labels = None
    if stratify_on is not None:
        counts = frame[stratify_on].value_counts(dropna=False)
        if (counts >= 2).all():
            labels = frame[stratify_on].astype(str)
    train, holdout = train_test_split(
        frame, test_size=holdout_fraction, random_state=seed, shuffle=True, stratify=labels
    )
    return train.reset_index(drop=True), holdout.reset_index(drop=True)


def check_contract_unchanged(previous: SchemaContract, current: SchemaContract, dataset: str) -> None:
    before = {c.name: c.kind for c in previous.columns}
    after = {c.name: c.kind for c in current.columns}
    if before == after:
        return
    problems = []
    if added := sorted(set(after) - set(before)):
        problems.append(f"new columns {added}")
    if removed := sorted(set(before) - set(after)):
        problems.append(f"missing columns {removed}")
    if changed := sorted(n for n in set(before) & set(after) if before[n] != after[n]):
        problems.append("kind changed for " + ", ".join(f"{n} ({before[n]} -> {after[n]})" for n in changed))
    raise SchemaError(
        f"dataset {dataset!r}: the source no longer matches the schema contract of the published "
        f"champion: {'; '.join(problems)}. Fix the source, or pin kinds under `columns:` in the "
        "catalog; a deliberate schema change needs a new dataset name so consumers are not broken."
    )

