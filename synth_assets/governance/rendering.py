"""Reports and datasheets as Markdown (files, the Dagster UI) and HTML (one self-contained page)."""

import base64
from collections.abc import Callable

import markdown

from synth_assets.manifests import GateOutcome
from synth_assets.metrics.drift import summary_line
from synth_assets.reports import gates_markdown, sections_markdown

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }}
th, td {{ border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; }}
th {{ background: #f3f3f3; }} img {{ max-width: 100%; }} code {{ background: #f3f3f3; padding: 0 0.2rem; }}
</style></head><body>
{body}
</body></html>
"""


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def report_markdown(title: str, report: dict, figure_url: Callable[[str], str]) -> str:
    """A report (validation, transfer) as Markdown; `figure_url` turns a figure's file name into
    the URL the medium needs (the file itself next to the .md, a data URI in HTML and the UI)."""
    gates = report.get("gates", [])
    failed = [g for g in gates if not g["passed"]]
    verdict = "PASSED: every gate holds." if not failed else "FAILED: " + ", ".join(
        f"{g['section']}_{g['metric']}" for g in failed
    )
    lines = [f"# {title}", "", f"**{verdict}**", ""]
    if gates:
        lines += ["## Gates", "", gates_markdown(tuple(GateOutcome.model_validate(g) for g in gates)), ""]
    lines += ["## Metrics", "", sections_markdown(report["sections"])]
    if notes := report_notes(report):
        lines += ["## Notes", "", *[f"- {note}" for note in notes], ""]
    for figure in report.get("figures", []):
        lines += [f"### {figure['caption']}", "", f"![{figure['caption']}]({figure_url(figure['file'])})", ""]
    if timings := report.get("timings_s"):
        lines += ["Computed in " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items()) + "."]
    return "\n".join(lines)


def report_notes(report: dict) -> list[str]:
    """What the numbers alone do not say: worst subgroups, untrusted attacks, lost categories."""
    notes = []
    for metrics in report["sections"].values():
        for metric, entry in metrics.items():
            details = entry.get("details") or {}
            if worst := details.get("worst_group"):
                notes.append(f"{metric}: the worst subgroup is {worst}.")
            if details.get("warnings"):
                notes.append(f"{metric}: anonymeter says the result cannot be trusted: {details['warnings'][0]}")
            for column, info in (details.get("columns") or {}).items():
                if info.get("missing_named"):
                    notes.append(f"{metric}: {column} lacks {', '.join(info['missing_named'])}.")
            if metric == "reaches_95pct_of_trtr":
                notes.append(hybrid_summary(details))
    return notes


def hybrid_summary(curve: dict) -> str:
    """One sentence on the hybrid curve: where synthetic plus real anchors reaches 95% of TRTR."""
    points, target = curve["points"], curve["reach"] * curve["trtr"]
    reached = next((p for p in points if p["synthetic_plus_anchor"] >= target), None)
    if reached is None:
        return (
            f"Synthetic plus real anchor rows does not reach {curve['reach']:.0%} of TRTR "
            f"({curve['metric']} {curve['trtr']:.3f}) with up to {points[-1]['k']:,} anchors."
        )
    return (
        f"Synthetic plus {reached['k']:,} real anchor rows reaches {curve['reach']:.0%} of TRTR "
        f"({curve['metric']} {reached['synthetic_plus_anchor']:.3f} against {curve['trtr']:.3f})."
    )


def html_page(title: str, markdown_text: str) -> str:
    return _PAGE.format(title=title, body=markdown.markdown(markdown_text, extensions=["tables"]))


def drift_markdown(report: dict) -> str:
    if report["status"] == "no_champion":
        return (
            f"No champion when this was measured ({report['measured_at']}): there was no reference to compare the source with. "
            "A version published later becomes the reference of the next drift check."
        )
    lines = [
        f"**{'DRIFTED' if report['drifted'] else 'stable'}**: {summary_line(report)}. "
        f"Source sample of {report['rows_compared']:,} rows against champion {report['champion_version']} "
        f"(reference {report['reference_rows']:,} rows).",
        "",
        "| column | test | PSI | JS | adjusted p | missing share change | unseen share | drifted |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, column in report["columns"].items():
        lines.append(
            f"| {name} | {column['test']} | {column['psi']:.3f} | {column['js']:.3f} | {column['p_adjusted']:.1e} | "
            f"{column['null_share_change']:.3f} | {column.get('unseen_share', 0.0):.3f} | {'**yes**' if column['drifted'] else 'no'} |"
        )
    if window := report.get("window"):
        lines += ["", f"Window: rows with {window['column']} > {window['since']} (added since the champion's snapshot): {window['rows']:,}."]
    if excluded := report.get("excluded_columns"):
        lines += ["", "Not judged for drift: " + ", ".join(f"{name} ({why})" for name, why in excluded.items()) + "."]
    if multivariate := report.get("multivariate"):
        lines += ["", f"Multivariate: a classifier tells the champion's train split from the sample with ROC AUC {multivariate['auc']:.3f} (threshold {multivariate['threshold']:.2f})."]
    return "\n".join(lines)
