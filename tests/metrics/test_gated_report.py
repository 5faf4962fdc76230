"""A gate on an estimate the data cannot support is "not judged": fitness passes, privacy fails closed."""

from synth_assets.gates import Gate
from synth_assets.metrics.estimate import Estimate
from synth_assets.reports import gated_report, gates_markdown


def test_insufficient_estimates_are_not_judged_and_privacy_fails_closed():
    sections = {
        "fidelity": {"detection_auc": Estimate(0.99, insufficient="40 rows per side; needs 200")},
        "privacy": {"dcr_share": Estimate(0.50, insufficient="12 holdout rows; needs 100")},
        "coverage": {"category_coverage": Estimate(0.5)},
    }
    gates = {
        "detection_auc": Gate("detection_auc", "fidelity", "max", 0.9, ""),
        "dcr_share": Gate("dcr_share", "privacy", "max", 0.55, ""),
        "category_coverage": Gate("category_coverage", "coverage", "min", 0.8, ""),
    }
    body, outcomes = gated_report(sections, gates)
    by_metric = {o.metric: o for o in outcomes}
    assert by_metric["detection_auc"].passed and not by_metric["detection_auc"].judged
    assert not by_metric["dcr_share"].passed and not by_metric["dcr_share"].judged
    assert by_metric["category_coverage"].judged and not by_metric["category_coverage"].passed
    assert body["privacy"]["dcr_share"]["judged"] is False
    assert "not judged: 12 holdout rows; needs 100" in gates_markdown(outcomes)
