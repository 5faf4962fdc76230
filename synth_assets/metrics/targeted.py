"""Targeted privacy attacks: what an attacker aiming at the most exposed people would find.

Average-case numbers (the DCR share, membership inference over random rows, exact copies against
a fixed allowance) move less than their own noise when a generator leaks 1-3% of records or a few
sensitive columns (Stadler et al. 2022; Meeus et al. 2023 "Achilles' heels"; "The DCR Delusion"
2025). Each attack here compares train records with holdout records chosen by the same rule, so
the holdout stays the baseline of what the synthetic data would reveal about anybody:

- `vulnerable_membership`: membership inference on the most exposed records only;
- `near_copies`: synthetic rows closer to a train row than real unseen rows come to train;
- `exposed_near_copies`: the same, for near copies of the most isolated train records only;
- `quasi_identifier_inference`: look up a target's quasi-identifiers in the synthetic data and
  read off its sensitive columns.
"""

import numpy as np
import pandas as pd

from synth_assets.metrics.distance import EncodedRows, MixedSpace, nearest_two, nearest_two_with_index
from synth_assets.metrics.encoding import as_float, labels
from synth_assets.metrics.estimate import Estimate, auc_estimate, wilson_interval
from synth_assets.metrics.sampling import bounded_sample
from synth_assets.schema import SchemaContract

EXPOSURE_REFERENCE_ROWS = 5_000  # real records an exposure score is measured against
MAX_CANDIDATE_ROWS = 50_000  # train and holdout records each, scored for exposure
MAX_SYNTHETIC_ROWS = 50_000
VULNERABLE_HOLDOUT_TARGETS = 100  # most exposed holdout records attacked (members: as exposed)
MIN_VULNERABLE_TARGETS = 50
DENSITY_EPSILON = 1e-6
NEAR_COPY_QUANTILE = 0.01
NEAR_COPY_MIN_PROBES = 20  # holdout rows below the quantile: the chance rate needs some support
EXPOSED_SHARE = 0.10  # the train records most isolated from other train records
EXPOSED_SPACING_FRACTION = 0.2  # a near copy lies within a fifth of its record's distance to the nearest other
EXPOSED_QUERY_ROWS = 10_000  # synthetic rows and holdout rows each
SPACING_SAMPLE_ROWS = 5_000  # train records whose spacing sets the exposure cut
MIN_INFERENCE_TARGETS = 1_000
MAX_INFERENCE_TARGETS = 50_000
MIN_INFORMATIVE_TARGETS = 200
LOOKUP_MAX_MATCHES = 1  # the attacker trusts a look-up that points at one synthetic row
NUMERIC_TOLERANCE = 0.01  # a numeric secret is recovered within 1% of its real 1-99% range


def _rows(encoded: EncodedRows, index: np.ndarray) -> EncodedRows:
    return EncodedRows(encoded.numbers[index], encoded.onehot[index], encoded.n_categorical)


def exposure_scores(records: EncodedRows, reference_index: np.ndarray) -> np.ndarray:
    """Each record's distance to its nearest *other* record among `records[reference_index]`.

    A large distance means an outlier or a sparse neighbourhood: the records a generator can only
    reproduce by memorising them. The reference is a random sample of all real records (train and
    holdout together), so a train record and a holdout record are scored by the same yardstick.
    """
    nearest, second = nearest_two(records, _rows(records, reference_index))
    scores = nearest.copy()
    scores[reference_index] = second[reference_index]  # a reference record's nearest is itself
    return scores


def vulnerable_membership(
    synthetic: pd.DataFrame,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    schema: SchemaContract,
    *,
    seed: int = 0,
    holdout_targets: int = VULNERABLE_HOLDOUT_TARGETS,
) -> dict[str, Estimate]:
    """Membership inference on the most exposed records (distance and density-ratio scores).

    Every train and holdout record (up to `MAX_CANDIDATE_ROWS` each) gets an exposure score
    (`exposure_scores`); the attacked set is the most exposed records of both, down to the score
    at which `holdout_targets` holdout records are in (at most a fifth of the holdout). Members
    and non-members are thus exactly as exposed; a generator that memorised outliers puts its
    synthetic rows on the members only.
    - distance: score -distance from the target to its nearest synthetic row;
    - density ratio: log(exposure) - log(distance to synthetic), i.e. synthetic density at the
      target beyond the real density there (DOMIAS-style).
    Both are ROC AUCs with a 95% interval; 0.5 is chance.
    """
    rng = np.random.default_rng(seed)
    members = bounded_sample(train, MAX_CANDIDATE_ROWS, rng)
    non_members = bounded_sample(holdout, MAX_CANDIDATE_ROWS, rng)
    wanted = min(holdout_targets, len(non_members) // 5)
    details = {"holdout_targets": wanted, "exposure_reference_rows": EXPOSURE_REFERENCE_ROWS}
    if wanted < MIN_VULNERABLE_TARGETS:
        reason = f"{len(non_members)} holdout rows give {wanted} vulnerable targets; at least {MIN_VULNERABLE_TARGETS} are needed"
        insufficient = Estimate(0.5, baseline=0.5, n_samples=wanted, insufficient=reason, details=details)
        return {"vulnerable_mia_distance_auc": insufficient, "vulnerable_mia_density_auc": insufficient}

    real = pd.concat([members, non_members], ignore_index=True)
    is_member = np.r_[np.ones(len(members), bool), np.zeros(len(non_members), bool)]
    space = MixedSpace.fit(real, schema)
    encoded = space.encode(real)
    reference = rng.choice(len(real), size=min(EXPOSURE_REFERENCE_ROWS, len(real)), replace=False)
    exposure = exposure_scores(encoded, reference)

    # Most exposed first; a random order among equal scores, so ties cannot favour either side.
    shuffled = rng.permutation(len(real))
    order = shuffled[np.argsort(-exposure[shuffled], kind="stable")]
    cutoff = int(np.searchsorted(np.cumsum(~is_member[order]), wanted)) + 1
    targets = order[:cutoff]
    to_synthetic, _ = nearest_two(_rows(encoded, targets), space.encode(bounded_sample(synthetic, MAX_SYNTHETIC_ROWS, rng)))
    labels_ = is_member[targets]
    details |= {
        "members": int(labels_.sum()),
        "non_members": int((~labels_).sum()),
        "min_exposure": round(float(exposure[targets].min()), 6),
        "share_of_real_records": round(cutoff / len(real), 4),
    }
    density_score = np.log(exposure[targets] + DENSITY_EPSILON) - np.log(to_synthetic + DENSITY_EPSILON)
    return {
        "vulnerable_mia_distance_auc": auc_estimate(labels_, -to_synthetic, details=details),
        "vulnerable_mia_density_auc": auc_estimate(labels_, density_score, details=details),
    }


def proportion_difference(successes_a: int, n_a: int, successes_b: int, n_b: int) -> tuple[float, float, float]:
    """p_a - p_b with Newcombe's (1998) 95% interval from the two Wilson intervals."""
    p_a, p_b = successes_a / n_a, successes_b / n_b
    low_a, high_a = wilson_interval(successes_a, n_a)
    low_b, high_b = wilson_interval(successes_b, n_b)
    difference = p_a - p_b
    return (
        difference,
        difference - float(np.hypot(p_a - low_a, high_b - p_b)),
        difference + float(np.hypot(high_a - p_a, p_b - low_b)),
    )


def excess_over_holdout(synthetic_hits: np.ndarray, holdout_hits: np.ndarray, details: dict) -> Estimate:
    """Share of synthetic rows a rule flags minus the share of holdout rows it flags (chance), with
    Newcombe's interval; the shares and sample sizes join `details`."""
    value, low, high = proportion_difference(int(synthetic_hits.sum()), len(synthetic_hits), int(holdout_hits.sum()), len(holdout_hits))
    return Estimate(
        value,
        low,
        high,
        baseline=0.0,
        n_samples=len(synthetic_hits),
        details=details
        | {
            "synthetic_share": float(synthetic_hits.mean()),
            "holdout_share": float(holdout_hits.mean()),
            "holdout_rows": len(holdout_hits),
        },
    )


def near_copies(synthetic_to_train: np.ndarray, holdout_to_train: np.ndarray) -> Estimate:
    """Share of synthetic rows nearer a train row than real unseen rows come, beyond chance.

    The radius is the 1% quantile of the holdout rows' distance to their closest train record
    (a larger quantile when the holdout is small, so at least `NEAR_COPY_MIN_PROBES` holdout rows
    fall inside it). By construction about 1% of fresh real rows fall within it: that is chance.
    A generator that reproduces (or barely perturbs) 1% of its training records adds 1% on top.
    The value is the synthetic share minus the holdout's, with Newcombe's interval; 0 is ideal.
    """
    quantile = max(NEAR_COPY_QUANTILE, NEAR_COPY_MIN_PROBES / max(len(holdout_to_train), 1))
    radius = float(np.quantile(holdout_to_train, quantile))
    return excess_over_holdout(
        synthetic_to_train <= radius, holdout_to_train <= radius, {"radius": radius, "quantile": round(quantile, 4)}
    )


def exposed_near_copies(
    synthetic: pd.DataFrame, train: pd.DataFrame, holdout: pd.DataFrame, schema: SchemaContract, *, seed: int = 0
) -> Estimate:
    """Share of synthetic rows that are near copies of exposed train records, beyond the holdout's.

    A train record's spacing is its distance to the nearest other train record; the exposed records
    are the `EXPOSED_SHARE` (10%) with the largest spacing: outliers and sparse neighbourhoods, the
    people a close copy singles out. A row is a near copy when its nearest train record is exposed
    and the row lies within `EXPOSED_SPACING_FRACTION` (a fifth) of that record's spacing: closer
    to it than any other real record comes, five times over. Real unseen rows (holdout) land there
    by chance, and that is the baseline; the value is the synthetic share minus the holdout's, with
    Newcombe's interval.

    Why not only `near_copies`: real tables are full of natural near-duplicates in dense regions
    (Adult: the holdout's 1% closest-record distance is 0.0002), so a radius taken from the holdout
    lets a generator copy as many records, barely perturbed, as the holdout has near-duplicates.
    Near an isolated record no real row comes by chance (Adult: 0.25% of holdout rows; honest
    GaussianCopula output 0.01%), so a 1% leak of perturbed outliers stands out.
    """
    rng = np.random.default_rng(seed)
    reference = bounded_sample(train, MAX_CANDIDATE_ROWS, rng)
    queries = bounded_sample(synthetic, EXPOSED_QUERY_ROWS, rng)
    probes = bounded_sample(holdout, EXPOSED_QUERY_ROWS, rng)
    space = MixedSpace.fit(pd.concat([reference, holdout], ignore_index=True), schema)
    encoded = space.encode(reference)
    query_distance, _, query_nearest = nearest_two_with_index(space.encode(queries), encoded)
    probe_distance, _, probe_nearest = nearest_two_with_index(space.encode(probes), encoded)

    sampled = rng.choice(len(reference), size=min(SPACING_SAMPLE_ROWS, len(reference)), replace=False)
    needed = np.unique(np.r_[query_nearest, probe_nearest, sampled])
    _, nearest_other = nearest_two(_rows(encoded, needed), encoded)  # the nearest is the record itself
    spacing = np.zeros(len(reference))
    spacing[needed] = nearest_other
    cut = float(np.quantile(spacing[sampled], 1 - EXPOSED_SHARE))

    def near_copy(distance: np.ndarray, nearest: np.ndarray) -> np.ndarray:
        own = spacing[nearest]
        return (own > 0) & (own >= cut) & (distance < EXPOSED_SPACING_FRACTION * own)

    return excess_over_holdout(
        near_copy(query_distance, query_nearest),
        near_copy(probe_distance, probe_nearest),
        {"exposure_cut": round(cut, 6), "exposed_share": EXPOSED_SHARE, "spacing_fraction": EXPOSED_SPACING_FRACTION, "train_rows": len(reference)},
    )


def quasi_identifier_inference(
    synthetic: pd.DataFrame,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    schema: SchemaContract,
    quasi_identifiers: list[str],
    secrets: list[str],
    *,
    seed: int = 0,
) -> dict[str, Estimate]:
    """Linkage attack: look a target's quasi-identifiers up in the synthetic data, read its secrets.

    For every target the attacker takes the synthetic rows with exactly its quasi-identifiers and
    guesses each secret as their most common value (categories) or median (numbers); with no such
    row, the synthetic data's overall mode or median. A guess is right when it equals the real
    value (a number: within 1% of the real 1-99% range). The same attack runs on train targets and
    on as many holdout targets; `qi_inference_advantage` is the worst secret's success on train
    minus on holdout (95% Newcombe interval), what the synthetic data reveal about the people they
    were fitted on beyond anybody else. Per secret, the details also give a random guess's success
    (a value drawn from the synthetic marginal): the attack should beat it, a leak beats it by far.
    """
    rng = np.random.default_rng(seed)
    n = min(len(holdout), MAX_INFERENCE_TARGETS)
    details: dict = {"quasi_identifiers": quasi_identifiers, "holdout_targets": n}
    if n < MIN_INFERENCE_TARGETS:
        reason = f"{n} holdout targets; at least {MIN_INFERENCE_TARGETS} are needed"
        return {"qi_inference_advantage": Estimate(0.0, baseline=0.0, n_samples=n, insufficient=reason, details=details)}
    members, non_members = bounded_sample(train, MAX_INFERENCE_TARGETS, rng), bounded_sample(holdout, n, rng)
    n_targets = len(members) + len(non_members)
    details["train_targets"] = len(members)
    synthetic = bounded_sample(synthetic, MAX_SYNTHETIC_ROWS, rng)
    synthetic_keys = _keys(synthetic, quasi_identifiers)
    member_keys, non_member_keys = _keys(members, quasi_identifiers), _keys(non_members, quasi_identifiers)
    real = pd.concat([train, holdout], ignore_index=True)

    per_secret = {}
    for secret in secrets:
        numeric = secret in schema.numerical
        tolerance = _tolerance(real[secret]) if numeric else 0.0
        guesses = _lookup_guesses(synthetic_keys, _values(synthetic[secret], numeric), numeric)
        sides = []
        for keys, frame in ((member_keys, members), (non_member_keys, non_members)):
            truth = _values(frame[secret], numeric)
            # Only targets the fallback guess gets wrong: there the attacker must learn something
            # about this person (a non-zero capital gain, the rarer income class).
            informative = ~_hits((pd.Series(dtype=object), guesses[1]), keys, truth, numeric, tolerance)
            sides.append((_hits(guesses, keys[informative], truth[informative], numeric, tolerance), informative.sum()))
        (member_hits, n_members), (non_member_hits, n_non_members) = sides
        if min(n_members, n_non_members) < MIN_INFORMATIVE_TARGETS:
            continue
        value, low, high = proportion_difference(member_hits.sum(), n_members, non_member_hits.sum(), n_non_members)
        per_secret[secret] = {
            "advantage": value,
            "ci": [low, high],
            "train_targets": int(n_members),
            "holdout_targets": int(n_non_members),
            "train_success": float(member_hits.mean()),
            "holdout_success": float(non_member_hits.mean()),
            "random_guess_success": random_guess_success(_values(synthetic[secret], numeric), _values(members[secret], numeric), numeric, tolerance),
        }
    if not per_secret:
        reason = f"no secret has {MIN_INFORMATIVE_TARGETS} targets per side that a fallback guess gets wrong"
        return {"qi_inference_advantage": Estimate(0.0, baseline=0.0, n_samples=n_targets, insufficient=reason, details=details)}
    worst = max(per_secret, key=lambda s: per_secret[s]["advantage"])
    details |= {"worst_secret": worst, "secrets": per_secret, "matched_share": float(np.isin(member_keys, synthetic_keys).mean())}
    low, high = per_secret[worst]["ci"]
    return {"qi_inference_advantage": Estimate(per_secret[worst]["advantage"], low, high, baseline=0.0, n_samples=n_targets, details=details)}


def random_guess_success(synthetic_values: np.ndarray, target_values: np.ndarray, numeric: bool, tolerance: float) -> float:
    """Expected success of guessing each target's secret by drawing a value from the synthetic data."""
    if numeric:
        pool = np.sort(synthetic_values[~np.isnan(synthetic_values)])
        targets = target_values[~np.isnan(target_values)]
        if not len(pool) or not len(targets):
            return 0.0
        inside = np.searchsorted(pool, targets + tolerance, side="right") - np.searchsorted(pool, targets - tolerance, side="left")
        return float((inside / len(pool)).mean())
    frequencies = pd.Series(synthetic_values).value_counts(normalize=True)
    return float(pd.Series(target_values).map(frequencies).fillna(0.0).mean())


def _keys(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    from synth_assets.metrics.privacy import canonical_row_hashes  # privacy imports this module

    return canonical_row_hashes(frame, columns)


def _values(series: pd.Series, numeric: bool) -> np.ndarray:
    return as_float(series) if numeric else labels(series).fillna("\x00null").to_numpy(dtype=object)


def _tolerance(real: pd.Series) -> float:
    low, high = np.nanpercentile(as_float(real), [1, 99])
    return NUMERIC_TOLERANCE * float(high - low)


def _lookup_guesses(keys: np.ndarray, values: np.ndarray, numeric: bool) -> tuple[pd.Series, object]:
    """The attacker's guess per quasi-identifier key, and the fallback for keys with no synthetic row."""
    frame = pd.DataFrame({"key": keys, "value": values})
    sizes = frame["key"].map(frame["key"].value_counts())
    frame = frame[sizes <= LOOKUP_MAX_MATCHES]
    if numeric:
        frame = frame.dropna(subset=["value"])
        return frame.groupby("key")["value"].median(), float(np.nanmedian(values)) if np.isfinite(values).any() else np.nan
    # Most common value per key; ties go to the value first in sort order, the same for every target.
    counts = frame.groupby(["key", "value"]).size().reset_index(name="count")
    counts = counts.sort_values(["key", "count", "value"], ascending=[True, False, True])
    return counts.drop_duplicates("key").set_index("key")["value"], pd.Series(values).mode().iloc[0]


def _hits(guesses: tuple[pd.Series, object], keys: np.ndarray, truth: np.ndarray, numeric: bool, tolerance: float) -> np.ndarray:
    by_key, fallback = guesses
    guessed = pd.Series(keys).map(by_key)
    guessed = guessed.where(guessed.notna(), fallback).to_numpy()
    if numeric:
        return np.abs(guessed.astype(np.float64) - truth) <= tolerance
    return guessed == truth

