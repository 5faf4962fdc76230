"""Reports: sections of metric estimates, each gated metric with its threshold and outcome.

Every metric is written as `{value, [threshold, passed], [ci_low, ci_high], [baseline], [n_samples]}`
so validation, transfer and drift reports read the same way in JSON, Markdown and MLflow.
"""

import math

from synth_assets.gates import Gate
from synth_assets.manifests import GateOutcome
from synth_assets.metrics.estimate import Estimate

Sections = dict[str, dict[str, Estimate]]
FAIL_CLOSED_SECTIONS = {"privacy"}


def gated_report(sections: Sections, gates: dict[str, Gate]) -> tuple[dict, tuple[GateOutcome, ...]]:
    """Attach each gate to its metric; returns the report body and the gate outcomes.

    Every gate must find its metric: a gate silently skipped would publish what it should block.
    A metric the data cannot support (`Estimate.insufficient`) is "not judged": it passes in the
    fitness sections, where a spurious fail would only block honest data, and fails closed in
    privacy, where passing would publish what was never checked.

    A privacy gate fails only on evidence: its value past the threshold *and* its 95% interval
    clear of the chance baseline (the holdout's rate, AUC 0.5). Each privacy metric is a leak
    measured against real unseen rows; without the second condition a generator as good as the
    real data (the holdout itself) fails a 0.005 allowance about a third of the time on a table of
    5,000 rows, where the interval is +-0.02 wide (docs/metrics.md, the leak zoo).
    """
    body: dict[str, dict] = {}
    outcomes = []
    for section, metrics in sections.items():
        body[section] = {}
        for metric, estimate in metrics.items():
            entry = estimate.as_dict()
            if (gate := gates.get(metric)) and gate.section == section:
                computed = math.isfinite(estimate.value)
                judged = estimate.insufficient is None and computed
                chance = section in FAIL_CLOSED_SECTIONS and not gate.holds(estimate.value) and within_chance(estimate, gate)
                passed = (gate.holds(estimate.value) or chance) if judged else section not in FAIL_CLOSED_SECTIONS
                entry |= {"threshold": gate.threshold, "bound": gate.bound, "passed": passed}
                note = estimate.insufficient or (None if computed else f"{metric} could not be computed on this data (not a number)")
                if not judged:
                    entry |= {"judged": False, "insufficient": note}
                elif chance:
                    note = f"past the threshold but its 95% interval [{estimate.ci_low:.4f}, {estimate.ci_high:.4f}] reaches the chance baseline {estimate.baseline:g}"
                    entry["within_chance"] = True
                outcomes.append(
                    GateOutcome(
                        metric=metric,
                        section=section,
                        value=estimate.value,
                        threshold=gate.threshold,
                        bound=gate.bound,
                        passed=passed,
                        judged=judged,
                        note=note,
                        ci_low=estimate.ci_low,
                        ci_high=estimate.ci_high,
                        baseline=estimate.baseline,
                        n_samples=estimate.n_samples,
                    )
                )
            body[section][metric] = entry
    missing = sorted(set(gates) - {o.metric for o in outcomes})
    if missing:
        raise ValueError(f"gated metrics missing from the report: {', '.join(missing)}")
    return body, tuple(outcomes)


def within_chance(estimate: Estimate, gate: Gate) -> bool:
    """The estimate's 95% interval reaches its chance baseline on the passing side of the gate."""
    if estimate.baseline is None or estimate.ci_low is None or estimate.ci_high is None:
        return False
    return estimate.ci_low <= estimate.baseline if gate.bound == "max" else estimate.ci_high >= estimate.baseline


def gates_markdown(outcomes: tuple[GateOutcome, ...]) -> str:
    """Every gate with its evidence: value, 95% interval, chance baseline, sample size, verdict."""
    rows = ["| gate | value | 95% interval | baseline | n | threshold | result |", "|---|---|---|---|---|---|---|"]
    for o in outcomes:
        sign = ">=" if o.bound == "min" else "<="
        interval = f"[{o.ci_low:.4f}, {o.ci_high:.4f}]" if o.ci_low is not None and o.ci_high is not None else ""
        baseline = f"{o.baseline:.4f}" if o.baseline is not None else ""
        n = f"{o.n_samples:,}" if o.n_samples is not None else ""
        result = ("pass" if o.passed else "**FAIL**") + (f" ({o.note})" if o.judged and o.note else "") + ("" if o.judged else f" (not judged: {o.note})")
        rows.append(f"| {o.check_name} | {o.value:.4f} | {interval} | {baseline} | {n} | {sign} {o.threshold:g} | {result} |")
    return "\n".join(rows)


def sections_markdown(sections: dict[str, dict[str, dict]]) -> str:
    """A report body as Markdown tables, one per section."""
    parts = []
    for section, metrics in sections.items():
        parts += [f"**{section}**", "", "| metric | value | 95% CI / spread | baseline | n | gate |", "|---|---|---|---|---|---|"]
        for metric, entry in metrics.items():
            if "ci_low" in entry:
                ci = f"[{entry['ci_low']:.4f}, {entry['ci_high']:.4f}]"
            else:
                ci = f"± {entry['spread']:.4f}" if "spread" in entry else ""
            baseline = f"{entry['baseline']:.4f}" if "baseline" in entry else ""
            gate = ""
            if "threshold" in entry:
                sign = ">=" if entry["bound"] == "min" else "<="
                gate = f"{sign} {entry['threshold']:g}: {'pass' if entry['passed'] else '**FAIL**'}"
                if entry.get("judged") is False:
                    gate += f" (not judged: {entry['insufficient']})"
                elif entry.get("within_chance"):
                    gate += " (past the threshold, within chance)"
            parts.append(f"| {metric} | {entry['value']:.4f} | {ci} | {baseline} | {entry.get('n_samples', '')} | {gate} |")
        parts.append("")
    return "\n".join(parts)
