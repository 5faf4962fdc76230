"""The leak zoo on all of Adult: every leak fails at least one privacy gate, both controls pass.

Leaks are built at test time from real train rows (tests/leak_zoo.py); honest output is
GaussianCopula's (sdv engine environment). benchmarks/privacy_zoo.py repeats this over seeds and
reports each gate's false-alarm rate (docs/metrics.md).
"""

import pandas as pd
import pytest

from synth_assets.engines.isolation import fit_model
from synth_assets.schema import infer_schema
from synth_assets.stages.snapshot import split_train_holdout
from tests import leak_zoo

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def zoo(adult, adult_spec):
    schema = infer_schema(adult, target="income")
    real = schema.conform(adult, what="Adult")
    train, holdout = split_train_holdout(real, holdout_fraction=0.2, seed=0, stratify_on="income")
    honest = fit_model("sdv/gaussian_copula", train, schema, sample_rows=10_000).sample
    honest = schema.conform(pd.DataFrame(honest), what="GaussianCopula sample")
    cases = leak_zoo.table_zoo("adult", honest, train, holdout, schema, adult_spec.quasi_identifiers)
    return {
        name: (leak, leak_zoo.privacy_outcomes(synthetic, train, reference, adult_spec, schema))
        for name, (synthetic, reference, leak) in cases.items()
    }


def test_every_leak_fails_a_privacy_gate_and_both_controls_pass(zoo):
    for name, (leak, outcomes) in zoo.items():
        failed = sorted(check for check, outcome in outcomes.items() if not outcome.passed)
        assert all(o.judged for o in outcomes.values()), name
        if leak:
            assert failed, f"{name} passed every privacy gate"
        else:
            assert not failed, f"{name} failed {failed}"


def test_each_targeted_gate_catches_the_leak_it_is_built_for(zoo):
    def failed(name: str) -> set[str]:
        return {check for check, outcome in zoo[name][1].items() if not outcome.passed}

    assert "privacy_exact_copy_excess" in failed("1% rarest records copied")
    assert "privacy_near_copy_excess" in failed("3% rarest records copied")
    assert "privacy_exposed_near_copy_excess" in failed("1% rarest records, age +-1 step")
    assert "privacy_vulnerable_mia_distance_auc" in failed("3% rarest records, age +-1 step")
    assert "privacy_qi_inference_advantage" in failed("QI + income/capital_gain linked on 10% of rows")
    assert "privacy_qi_inference_advantage" in failed("QI + income/capital_gain linked on 100% of rows")
