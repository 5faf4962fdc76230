"""Leaky "synthetic" datasets built from real train rows, the way a careless generator leaks.

Each builder takes honest synthetic rows and the real train split and returns rows of the same
size and schema; the privacy gates must stop every one of them (tests/metrics/test_leak_zoo.py,
benchmarks/privacy_zoo.py). Rarity here is the leak's own notion, not the attack's: records whose
quasi-identifier combination is unique in train, farthest from any other train record first.
"""

import numpy as np
import pandas as pd

from synth_assets.metrics.distance import MixedSpace
from synth_assets.metrics.privacy import canonical_row_hashes
from synth_assets.metrics.targeted import exposure_scores
from synth_assets.schema import SchemaContract


def rarest_first(train: pd.DataFrame, schema: SchemaContract, quasi_identifiers: list[str], *, seed: int = 0) -> np.ndarray:
    """Positions of train rows, QI-unique ones first, each group by distance to the nearest other
    of 5,000 sampled train rows."""
    encoded = MixedSpace.fit(train, schema).encode(train)
    reference = np.random.default_rng(seed).choice(len(train), size=min(5_000, len(train)), replace=False)
    nearest_other = exposure_scores(encoded, reference)
    keys = pd.Series(canonical_row_hashes(train, quasi_identifiers))
    unique = keys.map(keys.value_counts()).to_numpy() == 1
    return np.lexsort((-nearest_other, ~unique))


def rare_copies(
    honest: pd.DataFrame, train: pd.DataFrame, rarest: np.ndarray, share: float, *, noise_column: str | None = None, seed: int = 0
) -> pd.DataFrame:
    """`share` of the honest rows replaced by the rarest train rows, optionally moved one step (the
    column's smallest gap between distinct values: 1 year of age, one day) up or down on one number."""
    rng = np.random.default_rng(seed)
    k = round(share * len(honest))
    copies = train.iloc[rarest[:k]].copy()
    if noise_column is not None:
        copies[noise_column] = copies[noise_column] + rng.choice([-1, 1], size=k) * smallest_step(train[noise_column])
    leaky = pd.concat([honest.iloc[k:], copies], ignore_index=True)
    return leaky.astype(honest.dtypes.to_dict())


def smallest_step(values: pd.Series) -> float:
    distinct = np.unique(values.dropna().to_numpy(dtype=float))
    return float(np.diff(distinct).min()) if len(distinct) > 1 else 1.0


def linkage_leak(
    honest: pd.DataFrame, train: pd.DataFrame, columns: list[str], share: float, *, seed: int = 0
) -> pd.DataFrame:
    """Honest rows whose `columns` (quasi-identifiers and secrets) come, together, from real train rows."""
    rng = np.random.default_rng(seed)
    leaky = honest.copy().reset_index(drop=True)
    rows = rng.choice(len(leaky), size=round(share * len(leaky)), replace=False)
    donors = rng.choice(len(train), size=len(rows), replace=len(rows) > len(train))
    for column in columns:
        leaky.loc[rows, column] = train[column].iloc[donors].to_numpy()
    return leaky.astype(honest.dtypes.to_dict())


def zoo(
    honest: pd.DataFrame,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    schema: SchemaContract,
    quasi_identifiers: list[str],
    secrets: list[str],
    noise_column: str,
    *,
    seed: int = 0,
) -> dict[str, tuple[pd.DataFrame, pd.DataFrame, bool]]:
    """Every case as (synthetic, holdout the gates compare with, whether it is a leak). `secrets`
    are linked with the quasi-identifiers; `noise_column` is the number the near copies move."""
    rarest = rarest_first(train, schema, quasi_identifiers, seed=seed)
    linked = list(dict.fromkeys([*quasi_identifiers, *secrets]))
    named = f"QI + {'/'.join(secrets)}"
    shuffled = holdout.sample(frac=1.0, random_state=seed)
    half = len(shuffled) // 2
    return {
        "honest generator output": (honest, holdout, False),
        "real holdout (negative control)": (shuffled.iloc[:half], shuffled.iloc[half:], False),
        "1% rarest records copied": (rare_copies(honest, train, rarest, 0.01, seed=seed), holdout, True),
        "3% rarest records copied": (rare_copies(honest, train, rarest, 0.03, seed=seed), holdout, True),
        f"1% rarest records, {noise_column} +-1 step": (rare_copies(honest, train, rarest, 0.01, noise_column=noise_column, seed=seed), holdout, True),
        f"3% rarest records, {noise_column} +-1 step": (rare_copies(honest, train, rarest, 0.03, noise_column=noise_column, seed=seed), holdout, True),
        f"{named} linked on 10% of rows": (linkage_leak(honest, train, linked, 0.1, seed=seed), holdout, True),
        f"{named} linked on 100% of rows": (linkage_leak(honest, train, linked, 1.0, seed=seed), holdout, True),
        "copy of train": (train.sample(n=len(honest), replace=len(honest) > len(train), random_state=seed), holdout, True),
    }


# Per bundled table: the secrets linked to the quasi-identifiers, and the number near copies move.
TABLES = {"adult": (["income", "capital_gain"], "age"), "doctoraus": (["chcond", "hospdays"], "actdays")}


def table_zoo(table: str, honest, train, holdout, schema, quasi_identifiers, *, seed: int = 0):
    secrets, noise_column = TABLES[table]
    return zoo(honest, train, holdout, schema, quasi_identifiers, secrets, noise_column, seed=seed)


def privacy_outcomes(synthetic: pd.DataFrame, train: pd.DataFrame, holdout: pd.DataFrame, spec, schema: SchemaContract, *, seed: int = 0):
    """The gated privacy metrics of the validation report except anonymeter's (slow, and reported only
    for what it adds), held to `spec`'s gates: {check name: GateOutcome}."""
    from synth_assets.gates import applicable_gates
    from synth_assets.metrics import privacy, targeted
    from synth_assets.reports import gated_report

    metrics = privacy.exact_copy_rate(synthetic, train, holdout, schema)
    metrics |= privacy.distance_privacy(synthetic, train, holdout, schema, seed=seed)
    metrics |= targeted.vulnerable_membership(synthetic, train, holdout, schema, seed=seed)
    metrics["exposed_near_copy_excess"] = targeted.exposed_near_copies(synthetic, train, holdout, schema, seed=seed)
    metrics |= targeted.quasi_identifier_inference(
        synthetic, train, holdout, schema, spec.quasi_identifiers, spec.inference_secrets or [spec.target.column], seed=seed
    )
    gates = {m: g for m, g in applicable_gates(spec, "validation").items() if g.section == "privacy" and m in metrics}
    _, outcomes = gated_report({"privacy": metrics}, gates)
    return {o.check_name: o for o in outcomes}
