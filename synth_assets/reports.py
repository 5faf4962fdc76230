"""Reports: sections of metric estimates, each gated metric with its threshold and outcome.

Every metric is written as `{value, [threshold, passed], [ci_low, ci_high], [baseline], [n_samples]}`
so validation, transfer and drift reports read the same way in JSON, Markdown and MLflow.
"""

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
    """
    body: dict[str, dict] = {}
    outcomes = []
    for section, metrics in sections.items():
        body[section] = {}
        for metric, estimate in metrics.items():
            entry = estimate.as_dict()
            if (gate := gates.get(metric)) and gate.section == section:
                judged = estimate.insufficient is None
                passed = gate.holds(estimate.value) if judged else section not in FAIL_CLOSED_SECTIONS
                entry |= {"threshold": gate.threshold, "bound": gate.bound, "passed": passed}
                if not judged:
                    entry["judged"] = False
                outcomes.append(
                    GateOutcome(
                        metric=metric,
                        section=section,
                        value=estimate.value,
                        threshold=gate.threshold,
                        bound=gate.bound,
                        passed=passed,
                        judged=judged,
                        note=estimate.insufficient,
                    )
                )
            body[section][metric] = entry
    missing = sorted(set(gates) - {o.metric for o in outcomes})
    if missing:
        raise ValueError(f"gated metrics missing from the report: {', '.join(missing)}")
    return body, tuple(outcomes)


def gates_markdown(outcomes: tuple[GateOutcome, ...]) -> str:
    rows = ["| gate | value | threshold | result |", "|---|---|---|---|"]
    for o in outcomes:
        sign = ">=" if o.bound == "min" else "<="
        result = ("pass" if o.passed else "**FAIL**") + ("" if o.judged else f" (not judged: {o.note})")
        rows.append(f"| {o.check_name} | {o.value:.4f} | {sign} {o.threshold:g} | {result} |")
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
            parts.append(f"| {metric} | {entry['value']:.4f} | {ci} | {baseline} | {entry.get('n_samples', '')} | {gate} |")
        parts.append("")
    return "\n".join(parts)
