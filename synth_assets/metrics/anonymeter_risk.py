"""anonymeter's singling-out, linkability and inference risks, with the holdout as control set.

anonymeter attacks the real records (`ori`: a train sample) using the synthetic data, and runs the
same attacks on records the generator never saw (`control`: a holdout sample of the same size);
the risk is the attack's success beyond the control's. Each risk comes with its 95% interval and
with anonymeter's own warnings when the attack did no better than guessing (then the number
cannot be trusted either way).

anonymeter's inference baseline (the attacker who guesses a secret at random from the synthetic
data) is broken upstream: its guesses are re-indexed onto the targets' index, so guesses become
missing or are compared with other targets, and the baseline is wrong (for `sex` on Adult, where
random guessing succeeds ~56% of the time: 0.01-0.04 in one measurement, off by 0.12 in
tests/metrics/test_privacy.py); its "attack no better than guessing" warning then misfires.
`FairBaselineInference` aligns the guesses with the targets by position.
"""

import functools
import warnings

import numpy as np
import pandas as pd

from synth_assets.metrics.estimate import Estimate
from synth_assets.metrics.sampling import bounded_sample
from synth_assets.schema import SchemaContract

MAX_TARGET_ROWS = 10_000  # ori and control rows (equal sizes, as anonymeter requires)
MAX_SYNTHETIC_ROWS = 10_000
MAX_SINGLING_OUT_ROWS = 5_000  # its query search scans the synthetic rows: the costliest attack
N_ATTACKS = 200


def anonymeter_risks(
    synthetic: pd.DataFrame,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    schema: SchemaContract,
    secrets: list[str],
    *,
    seed: int = 0,
    n_attacks: int = N_ATTACKS,
) -> dict[str, Estimate]:
    from anonymeter.evaluators import LinkabilityEvaluator, SinglingOutEvaluator

    _cache_compiled_kernels()
    rng = np.random.default_rng(seed)
    n = min(len(train), len(holdout), MAX_TARGET_ROWS)
    ori = _plain(bounded_sample(train, n, rng), schema)
    control = _plain(bounded_sample(holdout, n, rng), schema)
    syn = _plain(bounded_sample(synthetic, MAX_SYNTHETIC_ROWS, rng), schema)
    attacks = min(n_attacks, n)
    results = {}

    results["singling_out_risk"] = _run(
        lambda: SinglingOutEvaluator(ori=ori, syn=syn.iloc[:MAX_SINGLING_OUT_ROWS], control=control, n_attacks=attacks, seed=seed).evaluate(mode="multivariate"),
        n,
        seed,
    )
    # The attacker holds two halves of a record's columns and tries to link them through the synthetic data.
    columns = list(schema.names)
    halves = (columns[0::2], columns[1::2])
    results["linkability_risk"] = _run(
        lambda: LinkabilityEvaluator(ori=ori, syn=syn, control=control, n_attacks=attacks, aux_cols=halves, n_neighbors=1).evaluate(n_jobs=2),
        n,
        seed,
    )
    per_secret = {}
    for secret in secrets:
        auxiliary = [c for c in columns if c != secret]
        per_secret[secret] = _run(
            lambda auxiliary=auxiliary, secret=secret: fair_baseline_inference()(ori=ori, syn=syn, control=control, aux_cols=auxiliary, secret=secret, n_attacks=attacks).evaluate(n_jobs=2),
            n,
            seed,
        )
    if per_secret:
        worst_secret = max(per_secret, key=lambda s: per_secret[s].value)
        worst = per_secret[worst_secret]
        results["inference_risk"] = Estimate(
            worst.value,
            worst.ci_low,
            worst.ci_high,
            baseline=0.0,
            n_samples=n,
            details={
                **worst.details,
                "worst_secret": worst_secret,
                "secrets": {s: {"risk": e.value, "ci": [e.ci_low, e.ci_high], **dict(e.details)} for s, e in per_secret.items()},
            },
        )
    return results


@functools.cache
def fair_baseline_inference():
    """anonymeter's InferenceEvaluator with the naive baseline's guesses aligned to their targets."""
    from anonymeter.evaluators import InferenceEvaluator
    from anonymeter.evaluators.inference_evaluator import evaluate_inference_guesses

    class FairBaselineInference(InferenceEvaluator):
        def _attack(self, target: pd.DataFrame, naive: bool, n_jobs: int, n_attacks: int):
            if not naive:
                return super()._attack(target, naive, n_jobs, n_attacks)
            targets = target.sample(n_attacks, replace=False)
            drawn = self._syn[self._secret].sample(n_attacks, replace=n_attacks > len(self._syn))
            guesses = pd.Series(drawn.to_numpy(), index=targets.index, name=self._secret)
            hits = evaluate_inference_guesses(guesses=guesses, secrets=targets[self._secret], regression=self._regression)
            return int(hits.sum()), guesses

    return FairBaselineInference


def _cache_compiled_kernels() -> None:
    """Compile anonymeter's numba kernels with an on-disk cache.

    Upstream jits them without `cache=True`, which costs ~4 s of compilation in every process
    (every pipeline run). Re-jitting the same Python functions with the cache on keeps the exact
    code and pays that once per installation. The kernels run on threads, so this process's
    module globals are the ones used.
    """
    from anonymeter.neighbors import mixed_types_kneighbors as kernels
    from numba import jit

    if getattr(kernels, "_synth_assets_cached", False):
        return
    for name in ("gower_distance", "_nearest_neighbors"):  # callee first: the caller binds it when compiled
        setattr(kernels, name, jit(nopython=True, nogil=True, cache=True)(getattr(kernels, name).py_func))
    kernels._synth_assets_cached = True


def _run(make_evaluator, n_rows: int, seed: int) -> Estimate:
    # Linkability and inference draw their targets with `DataFrame.sample()` from NumPy's global
    # RNG: seed it for the attack, so the same inputs give the same report, then restore it.
    outer_state = np.random.get_state()
    np.random.seed(seed)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            evaluator = make_evaluator()
            risk = evaluator.risk(confidence_level=0.95)
            results = evaluator.results(confidence_level=0.95)
    finally:
        np.random.set_state(outer_state)
    messages = sorted({str(w.message) for w in caught if "anonymeter" in (w.filename or "")})
    return Estimate(
        float(risk.value),
        float(risk.ci[0]),
        float(risk.ci[1]),
        baseline=0.0,
        n_samples=n_rows,
        details={
            "attack_rate": round(float(results.attack_rate.value), 4),
            "baseline_rate": round(float(results.baseline_rate.value), 4),
            "control_rate": round(float(results.control_rate.value), 4) if results.control_rate is not None else None,
            "n_attacks": int(results.n_attacks_ori),
            "trustworthy": not messages,
            "warnings": messages,
        },
    )


def _plain(frame: pd.DataFrame, schema: SchemaContract) -> pd.DataFrame:
    """anonymeter wants plain dtypes: numbers as float, categories as strings with None."""
    plain = {}
    for name in schema.names:
        if name in schema.numerical:
            plain[name] = pd.to_numeric(frame[name], errors="coerce").astype(np.float64)
        else:
            plain[name] = frame[name].astype(object).where(frame[name].notna(), None).map(lambda v: v if v is None else str(v))
    return pd.DataFrame(plain).reset_index(drop=True)
