"""Privacy evidence against the train split; every number comes with its holdout baseline.

The holdout is real data the generator never saw: whatever the synthetic data reveal about train
beyond what they reveal about the holdout is what the generator leaked.
"""

import numpy as np
import pandas as pd

from synth_assets.metrics.distance import MixedSpace, nearest_two
from synth_assets.metrics.estimate import Estimate, auc_estimate, wilson_interval
from synth_assets.metrics.sampling import bounded_sample
from synth_assets.metrics.targeted import near_copies, proportion_difference
from synth_assets.schema import SchemaContract

MAX_QUERY_ROWS = 5_000  # synthetic rows whose nearest real neighbours are computed
MAX_REFERENCE_ROWS = 50_000  # real rows per reference set (train, holdout)
MAX_BASELINE_ROWS = 5_000  # holdout rows whose distances to train form the baselines
MAX_ATTACK_ROWS = 2_000  # members and non-members each, for membership inference
DENSITY_EPSILON = 1e-6  # keeps log-distances finite for exact matches
DCR_HISTOGRAM_BINS = 30


def canonical_row_hashes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Row hashes that agree across dtype spellings (int64 vs Int64, str vs object)."""
    canonical = {}
    for column in columns:
        series = frame[column]
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            canonical[column] = pd.to_numeric(series).astype(np.float64)
        else:
            canonical[column] = series.astype(object).where(series.notna(), None).map(
                lambda v: v if v is None else str(v)
            )
    return pd.util.hash_pandas_object(pd.DataFrame(canonical), index=False).to_numpy()


def exact_match_share(synthetic: pd.DataFrame, reference: pd.DataFrame, columns: list[str]) -> Estimate:
    """Share of synthetic rows identical, in every column, to some reference row."""
    matches = np.isin(canonical_row_hashes(synthetic, columns), canonical_row_hashes(reference, columns))
    low, high = wilson_interval(matches.sum(), len(matches))
    return Estimate(float(matches.mean()), low, high, n_samples=len(matches))


def exact_copy_rate(
    synthetic: pd.DataFrame, train: pd.DataFrame, holdout: pd.DataFrame, schema: SchemaContract
) -> dict[str, Estimate]:
    """Identical matches with train, and with the holdout (its baseline: real data has duplicates).

    `exact_copy_excess` is the gated one: the share of synthetic rows identical to a train row
    minus the share of *holdout* rows identical to a train row. Real data with few columns has
    natural duplicates, so fresh real rows match train too; only copies beyond that rate are
    evidence of memorisation (95% Newcombe interval; 0 is ideal).
    """
    against_train = exact_match_share(synthetic, train, schema.names)
    against_holdout = exact_match_share(synthetic, holdout, schema.names)
    holdout_in_train = exact_match_share(holdout, train, schema.names)
    excess = proportion_difference(
        round(against_train.value * against_train.n_samples), against_train.n_samples,
        round(holdout_in_train.value * holdout_in_train.n_samples), holdout_in_train.n_samples,
    )
    return {
        "exact_copy_excess": Estimate(
            *excess,
            baseline=0.0,
            n_samples=against_train.n_samples,
            details={"synthetic_in_train": against_train.value, "holdout_in_train": holdout_in_train.value, "holdout_rows": holdout_in_train.n_samples},
        ),
        "exact_copy_rate": Estimate(
            against_train.value,
            against_train.ci_low,
            against_train.ci_high,
            baseline=against_holdout.value,
            n_samples=against_train.n_samples,
        ),
        "exact_match_holdout": against_holdout,
    }


def distance_privacy(
    synthetic: pd.DataFrame,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    schema: SchemaContract,
    *,
    seed: int = 0,
    max_query_rows: int = MAX_QUERY_ROWS,
    max_reference_rows: int = MAX_REFERENCE_ROWS,
) -> dict[str, Estimate]:
    """Distance-to-closest-record evidence: DCR share, DCR and NNDR tails, membership inference.

    All distances are exact nearest neighbours in one mixed-type space fitted on the real data.
    """
    rng = np.random.default_rng(seed)
    query = bounded_sample(synthetic, max_query_rows, rng)
    train_ref = bounded_sample(train, max_reference_rows, rng)
    holdout_ref = bounded_sample(holdout, max_reference_rows, rng)
    space = MixedSpace.fit(pd.concat([train_ref, holdout_ref], ignore_index=True), schema)
    encoded_query, encoded_train = space.encode(query), space.encode(train_ref)

    to_train, second_to_train = nearest_two(encoded_query, encoded_train)
    to_holdout, _ = nearest_two(encoded_query, space.encode(holdout_ref))
    results = {"dcr_share": _dcr_share(to_train, to_holdout, len(train_ref), len(holdout_ref))}

    # Baselines: how close fresh real rows (holdout) come to train, by the same measures.
    holdout_probe = bounded_sample(holdout, MAX_BASELINE_ROWS, rng)
    probe_to_train, probe_second = nearest_two(space.encode(holdout_probe), encoded_train)
    synthetic_nndr, probe_nndr = _ratio(to_train, second_to_train), _ratio(probe_to_train, probe_second)
    for name, q in (("dcr_p05", 5), ("nndr_p05", 5), ("nndr_p10", 10)):
        synthetic_values, baseline_values = (to_train, probe_to_train) if name.startswith("dcr") else (synthetic_nndr, probe_nndr)
        results[name] = Estimate(
            float(np.percentile(synthetic_values, q)),
            *_percentile_interval(synthetic_values, q, rng),
            baseline=float(np.percentile(baseline_values, q)),
            n_samples=len(synthetic_values),
        )
    results["near_copy_excess"] = near_copies(to_train, probe_to_train)
    results |= _membership_attacks(synthetic, train, holdout, space, rng)
    return results


def _dcr_share(to_train: np.ndarray, to_holdout: np.ndarray, n_train: int, n_holdout: int) -> Estimate:
    """Share of synthetic rows closer to train than to holdout, re-weighted to equal-sized sets.

    Every synthetic row is compared with the *whole* train split (up to the reference cap):
    subsampling train to the holdout's size would hide most memorised rows. A generator that
    learned only the distribution puts a row's nearest neighbour in train with probability
    n_train / (n_train + n_holdout), so the raw share is re-weighted per row of each set. The
    result reads as with equal-sized splits: 0.5 is ideal, 1.0 means every synthetic row sits on a
    training row. Ties count one half.
    """
    closer = (to_train < to_holdout) + 0.5 * (to_train == to_holdout)
    raw = float(closer.mean())
    half_width = 1.96 * float(closer.std(ddof=1)) / np.sqrt(len(closer)) if len(closer) > 1 else 0.5

    def equal_size(share: float) -> float:
        share = min(max(share, 0.0), 1.0)
        weighted_train, weighted_holdout = share / n_train, (1 - share) / n_holdout
        return weighted_train / (weighted_train + weighted_holdout)

    top = float(np.percentile(np.r_[to_train, to_holdout], 99)) or 1.0
    edges = np.linspace(0.0, top, DCR_HISTOGRAM_BINS + 1)
    return Estimate(
        equal_size(raw),
        equal_size(raw - half_width),
        equal_size(raw + half_width),
        baseline=0.5,
        n_samples=len(closer),
        details={
            "raw_share_closer_to_train": raw,
            "train_rows": n_train,
            "holdout_rows": n_holdout,
            "ties": float((to_train == to_holdout).mean()),
            "histogram": {
                "edges": edges.round(6).tolist(),
                "to_train": np.histogram(np.clip(to_train, 0, top), edges)[0].tolist(),
                "to_holdout": np.histogram(np.clip(to_holdout, 0, top), edges)[0].tolist(),
            },
        },
    )


def _membership_attacks(
    synthetic: pd.DataFrame, train: pd.DataFrame, holdout: pd.DataFrame, space: MixedSpace, rng: np.random.Generator
) -> dict[str, Estimate]:
    """Two membership-inference attacks on members (train rows) vs non-members (holdout rows).

    - distance: a member should be no closer to the synthetic rows than a non-member; score is
      -distance to the nearest synthetic row.
    - density ratio (DOMIAS-style): overfitting shows as *extra* synthetic density at training
      rows relative to the real density there. Densities are nearest-neighbour estimates in the
      mixed-type space, the real one from a reference half of the holdout that is disjoint from the
      non-members; score is log d(reference) - log d(synthetic).
    Both are ROC AUCs with a 95% interval; 0.5 is chance.
    """
    shuffled = holdout.iloc[rng.permutation(len(holdout))]
    half = len(shuffled) // 2
    non_member_pool, reference = shuffled.iloc[:half], shuffled.iloc[half:]
    n = min(len(train), len(non_member_pool), MAX_ATTACK_ROWS)
    targets = pd.concat([bounded_sample(train, n, rng), bounded_sample(non_member_pool, n, rng)], ignore_index=True)
    encoded_targets = space.encode(targets)
    to_synthetic, _ = nearest_two(encoded_targets, space.encode(bounded_sample(synthetic, MAX_REFERENCE_ROWS, rng)))
    to_reference, _ = nearest_two(encoded_targets, space.encode(reference))
    is_member = np.r_[np.ones(n, bool), np.zeros(n, bool)]
    details = {"members": n, "non_members": n}
    return {
        "mia_distance_auc": auc_estimate(is_member, -to_synthetic, details=details),
        "mia_density_auc": auc_estimate(
            is_member,
            np.log(to_reference + DENSITY_EPSILON) - np.log(to_synthetic + DENSITY_EPSILON),
            details=details | {"reference_rows": len(reference)},
        ),
    }


def quasi_identifier_risk(
    synthetic: pd.DataFrame, train: pd.DataFrame, holdout: pd.DataFrame, quasi_identifiers: list[str]
) -> dict[str, Estimate]:
    """k-anonymity-style uniqueness of the declared quasi-identifier combinations.

    - `qi_unique_share`: share of train rows whose combination is unique in train (k = 1): how
      identifying the quasi-identifiers are in the real data.
    - `qi_unique_match_rate`: share of synthetic rows that reproduce a combination unique in train,
      i.e. that point at one real person; the baseline is the same share for holdout rows.
    """
    train_keys = canonical_row_hashes(train, quasi_identifiers)
    counts = pd.Series(train_keys).value_counts()
    unique_keys = counts.index[counts == 1]
    unique_share = float((counts == 1).sum() / len(train_keys))
    synthetic_hits = np.isin(canonical_row_hashes(synthetic, quasi_identifiers), unique_keys)
    holdout_hits = np.isin(canonical_row_hashes(holdout, quasi_identifiers), unique_keys)
    low, high = wilson_interval(synthetic_hits.sum(), len(synthetic_hits))
    details = {"quasi_identifiers": quasi_identifiers}
    return {
        "qi_unique_share": Estimate(unique_share, n_samples=len(train_keys), details=details),
        "qi_unique_match_rate": Estimate(
            float(synthetic_hits.mean()), low, high, baseline=float(holdout_hits.mean()), n_samples=len(synthetic_hits), details=details
        ),
    }


def _ratio(nearest: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Nearest-neighbour distance ratio; 0/0 (two identical neighbours at distance 0) counts as 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(second > 0, nearest / second, 0.0)


def _percentile_interval(values: np.ndarray, q: float, rng: np.random.Generator, resamples: int = 200) -> tuple[float, float]:
    """Bootstrap 95% interval of a percentile."""
    draws = rng.integers(0, len(values), size=(resamples, len(values)))
    estimates = np.percentile(values[draws], q, axis=1)
    return float(np.percentile(estimates, 2.5)), float(np.percentile(estimates, 97.5))
