"""Stage 1: take a governed snapshot of the real source into the restricted zone."""

import hashlib
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from synth_assets.catalog import DatasetSpec
from synth_assets.governance.generalize import GeneralizationRules, apply_generalization, fit_generalization
from synth_assets.governance.pii import PiiError, PiiPlan, describe_flags, plan_pii
from synth_assets.manifests import SnapshotManifest
from synth_assets.metrics.profile import reference_profile
from synth_assets.schema import SchemaContract, SchemaError, infer_schema
from synth_assets.sources import public_source_url, read_source, source_watermark
from synth_assets.storage import DataRoot, frame_hash


def take_snapshot(
    dataset: str, spec: DatasetSpec, root: DataRoot, *, previous: SchemaContract | None = None
) -> SnapshotManifest:
    """Read the source, check it against the schema contract, split it, and store both splits.

    `previous` is the contract of the current champion: a source whose columns or column kinds
    changed since then is refused, because consumers of the published data would break silently.
    """
    recency = spec.drift.recency_column
    # Taken before the read: rows appended during it are compared again later, never missed.
    watermark = source_watermark(spec.source, dataset=dataset, column=recency) if recency else None
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
    profile = reference_profile(train, schema, rules)
    if recency:  # where the drift sensor's window of "rows added since the snapshot" starts
        profile["recency"] = {"column": recency, "watermark": watermark}
    root.write_json(folder / "profile.json", profile)
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
    check_source_values(source_rows, dataset)
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
        check_contract_unchanged(previous, schema, dataset, declared_personal=set(pii.dropped) | set(pii.faked))
    conformed = schema.conform(modelled, what=f"source of dataset {dataset!r}")
    # Too few rows first: with a handful of rows every class is "too rare", which would hide the cause.
    check_enough_rows(len(conformed), spec.split.holdout_fraction, dataset)
    conformed = check_target(conformed, spec, dataset)
    # Thresholds are counted on the train split (the split `take_snapshot` makes: the target is
    # never recoded, so it is the same): a category with 10 source rows but 8 train rows would
    # otherwise reach the generator.
    stratify = spec.target.column if spec.target.task == "classification" else None
    train_rows, _ = split_train_holdout(conformed, holdout_fraction=spec.split.holdout_fraction, seed=spec.split.seed, stratify_on=stratify)
    rules = fit_generalization(
        train_rows, schema, min_category_rows=spec.disclosure.min_category_rows, top_code_rows=spec.disclosure.top_code_rows
    )
    return pii, schema, apply_generalization(conformed, rules), rules


# Each class needs this many rows in each split for transfer and the split's stratification to
# mean anything (a class with fewer holdout rows has no measurable recall).
MIN_CLASS_ROWS_PER_SPLIT = 5


def check_target(frame: pd.DataFrame, spec: DatasetSpec, dataset: str) -> pd.DataFrame:
    """Refuse a target no model can be fitted or judged on, before anything is fitted.

    Missing targets are refused, or their rows dropped when the catalog says `target.missing: drop`;
    a target with a single value is refused; so is a class too rare to appear in both splits.
    """
    column, where = spec.target.column, f"dataset {dataset!r}: target {spec.target.column!r}"
    missing = int(frame[column].isna().sum())
    if missing and spec.target.missing == "refuse":
        raise SchemaError(
            f"{where} is missing in {missing:,} of {len(frame):,} rows; fill it at the source, or set "
            "`target.missing: drop` to leave those rows out"
        )
    frame = frame[frame[column].notna()].reset_index(drop=True)
    values = frame[column].astype(str).value_counts()
    if len(values) < 2:
        raise SchemaError(f"{where} has {'no value' if values.empty else 'a single value'}: there is nothing to learn; choose another target")
    if spec.target.task == "classification":
        fraction = spec.split.holdout_fraction
        needed = int(np.ceil(MIN_CLASS_ROWS_PER_SPLIT / min(fraction, 1 - fraction)))
        if values.min() < needed:
            raise SchemaError(
                f"{where}: its rarest class has {int(values.min())} rows, and a holdout fraction of {fraction:g} needs "
                f"{needed} for {MIN_CLASS_ROWS_PER_SPLIT} in each split; merge rare classes or use more rows"
            )
    return frame


# The privacy gates compare synthetic rows' distances to train and to holdout rows: with fewer
# than 30 holdout rows a share's 95% interval is wider than +-0.18 (1.96 * sqrt(0.25 / 30)), no
# verdict. The fidelity detector and transfer models cross-validate on the train split (5 folds).
MIN_HOLDOUT_ROWS, MIN_TRAIN_ROWS = 30, 100


def check_source_values(frame: pd.DataFrame, dataset: str) -> None:
    """Refuse what no generator can model, naming the column: no rows, empty columns, infinities."""
    where = f"dataset {dataset!r}"
    if len(frame) == 0:
        raise SchemaError(f"{where}: the source returned no rows; check the catalog's `source.table`/`source.query` and the source itself")
    if empty := [str(c) for c in frame.columns if frame[c].isna().all()]:
        raise SchemaError(
            f"{where}: column(s) {', '.join(empty)} hold no values (all {len(frame):,} rows are null); "
            "fix the source, or declare them under `pii.columns` with `drop`"
        )
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            infinite = int(np.isinf(series.to_numpy(dtype=np.float64, na_value=np.nan)).sum())
            if infinite:
                raise SchemaError(
                    f"{where}: column {str(column)!r} holds {infinite:,} infinite value(s) (+-inf); "
                    "replace them with NULL or finite numbers at the source"
                )


def check_enough_rows(n_rows: int, holdout_fraction: float, dataset: str) -> None:
    """Stop before the fit when the split would leave too few rows for the gates to judge."""
    n_holdout = int(np.ceil(n_rows * holdout_fraction))
    n_train = n_rows - n_holdout
    if n_holdout < MIN_HOLDOUT_ROWS or n_train < MIN_TRAIN_ROWS:
        needed = max(int(np.ceil(MIN_HOLDOUT_ROWS / holdout_fraction)), int(np.ceil(MIN_TRAIN_ROWS / (1 - holdout_fraction))))
        raise SchemaError(
            f"dataset {dataset!r}: {n_rows:,} source rows split into {n_train:,} train / {n_holdout:,} holdout, too few for "
            f"the gates (at least {MIN_TRAIN_ROWS} train and {MIN_HOLDOUT_ROWS} holdout rows); a holdout fraction of "
            f"{holdout_fraction:g} needs at least {needed:,} source rows"
        )


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


def check_contract_unchanged(
    previous: SchemaContract, current: SchemaContract, dataset: str, *, declared_personal: set[str] = frozenset()
) -> None:
    """Refuse a source whose modelled columns or kinds differ from the champion's contract.

    One change is allowed: a column now declared personal data (`pii.columns`: drop or fake) leaves
    the modelled columns. Privacy wins over compatibility; this is how identifiers found after a
    leak are declared (docs/governance.md, "After a leak").
    """
    before = {c.name: c.kind for c in previous.columns if c.name not in declared_personal}
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

