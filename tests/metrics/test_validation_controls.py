"""Positive and negative controls: inputs whose right answer is known, through the whole suite.

- a copy of train: every privacy gate fails, and anonymeter flags high risk;
- train with 30% of cells perturbed: the DCR-share gate fails;
- a sample of the holdout the suite does not use as its holdout: DCR ~0.5, MIA ~0.5, privacy passes;
- uniform noise over the schema: fidelity and detection fail, privacy passes;
- an honest generator with value-level artefacts (GaussianCopula): the boosted detection gate fails.
"""

import numpy as np
import pandas as pd
import pytest

from synth_assets.catalog import AcceptanceCriteria
from synth_assets.engines.isolation import fit_model
from synth_assets.gates import applicable_gates
from synth_assets.metrics import fidelity
from synth_assets.reports import gated_report
from synth_assets.stages.validate import validation_sections

pytestmark = pytest.mark.slow


def _validate(spec, schema, synthetic, train, holdout):
    sections = validation_sections(synthetic, train, holdout, spec, schema)
    _, outcomes = gated_report(sections, applicable_gates(spec, "validation"))
    failed = {o.check_name for o in outcomes if not o.passed}
    values = {name: estimate for metrics in sections.values() for name, estimate in metrics.items()}
    return values, failed, {o.check_name for o in outcomes}


def _privacy(gates: set[str]) -> set[str]:
    return {g for g in gates if g.startswith("privacy_")}


def test_copy_of_train_fails_every_privacy_gate(adult_spec, adult_split):
    schema, train, holdout = adult_split
    values, failed, gates = _validate(adult_spec, schema, train.copy(), train, holdout)
    assert _privacy(gates) and _privacy(gates) <= failed
    assert values["exact_copy_rate"].value == 1.0
    assert values["dcr_share"].value > 0.95
    assert values["mia_distance_auc"].value > 0.95 and values["mia_density_auc"].value > 0.95
    # anonymeter flags high risk, significantly above zero
    assert values["inference_risk"].value > 0.5 and values["inference_risk"].ci_low > 0.2
    assert values["linkability_risk"].value > 0.05 and values["linkability_risk"].ci_low > 0.0
    assert values["nndr_p05"].value == 0.0 < values["nndr_p05"].baseline


def test_perturbed_train_fails_the_dcr_gate(adult_spec, adult_split):
    schema, train, holdout = adult_split
    rng = np.random.default_rng(0)
    perturbed = train.copy()
    for column in schema.columns:
        cells = rng.random(len(train)) < 0.3
        if column.kind == "numerical":
            noise = rng.normal(0.0, 0.1 * train[column.name].std(), cells.sum())
            perturbed.loc[cells, column.name] = (train.loc[cells, column.name] + noise).round()
        else:
            perturbed.loc[cells, column.name] = rng.choice(train[column.name].dropna().unique(), cells.sum())
    values, failed, _ = _validate(adult_spec, schema, schema.conform(perturbed, what="perturbed"), train, holdout)
    assert "privacy_dcr_share" in failed
    assert values["dcr_share"].value > 0.6
    assert values["dcr_share"].ci_low > 0.55


def test_unseen_real_rows_pass_privacy_with_chance_level_attacks(adult_spec, adult_split):
    schema, train, holdout = adult_split
    shuffled = holdout.sample(frac=1.0, random_state=1)
    unseen, reference_holdout = shuffled.iloc[: len(shuffled) // 2], shuffled.iloc[len(shuffled) // 2 :]
    sections = validation_sections(unseen, train, reference_holdout, adult_spec, schema)
    _, outcomes = gated_report(sections, applicable_gates(adult_spec, "validation"))
    values = {name: estimate for metrics in sections.values() for name, estimate in metrics.items()}
    # Judged privacy gates pass; 240 holdout rows are too few for the targeted attacks, which fail closed.
    assert not [o.check_name for o in outcomes if o.section == "privacy" and o.judged and not o.passed]
    assert {o.check_name for o in outcomes if not o.judged} == {
        "privacy_vulnerable_mia_distance_auc", "privacy_vulnerable_mia_density_auc", "privacy_qi_inference_advantage"
    }
    dcr = values["dcr_share"]
    assert abs(dcr.value - 0.5) < 0.08 and dcr.ci_low < 0.5 < dcr.ci_high
    for attack in ("mia_distance_auc", "mia_density_auc"):
        assert abs(values[attack].value - 0.5) < 0.08, attack
        assert values[attack].ci_low < 0.5 < values[attack].ci_high, attack


def test_uniform_noise_fails_fidelity_and_detection_but_passes_privacy(adult_spec, adult_split):
    schema, train, holdout = adult_split
    rng = np.random.default_rng(0)
    noise = pd.DataFrame(
        {
            c.name: rng.uniform(train[c.name].min(), train[c.name].max(), len(train)).round()
            if c.kind == "numerical"
            else rng.choice(train[c.name].dropna().unique(), len(train))
            for c in schema.columns
        }
    )
    values, failed, _ = _validate(adult_spec, schema, schema.conform(noise, what="noise"), train, holdout)
    assert {"fidelity_quality_score", "fidelity_detection_auc", "fidelity_subgroup_quality"} <= failed
    # The linkage attack needs 1,000 holdout targets (this holdout has 480): not judged, fails closed.
    assert _privacy(failed) == {"privacy_qi_inference_advantage"}, failed
    assert values["quality_score"].value < 0.6
    assert values["detection_auc"].value > 0.95
    assert values["novel_value_share"].value == 0.0  # drawn inside the real ranges and vocabularies


def test_gaussian_copula_fails_the_default_boosted_detection_gate(adult_split):
    schema, train, _ = adult_split
    copula = fit_model("sdv/gaussian_copula", train, schema, sample_rows=len(train)).sample
    boosted = fidelity.detection_auc(train, copula, schema, model="boosted")
    assert boosted.ci_low > AcceptanceCriteria().detection_auc_boosted_max  # 0.98-1.0 here; 0.996 on all of Adult
