"""Report figures drawn from aggregates only, with small cells suppressed.

Outlier plots leak: a histogram bar of three people, or a scatter of tails, shows individuals.
Numeric histograms span the real 1%-99% quantile range (values beyond are pooled into the edge
bins), real bars under the disclosure limit are not drawn, and only categories held by at least
that many real rows are named (the rest are pooled as "other").
"""

import io

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from synth_assets.metrics.disclosure import MIN_CELL, publishable_quantile
from synth_assets.metrics.encoding import as_float
from synth_assets.schema import SchemaContract

REAL, SYNTHETIC = "#4c72b0", "#dd8452"
MAX_PANELS = 16
MAX_CATEGORIES = 10
BINS = 20


def distribution_overlay(real: pd.DataFrame, synthetic: pd.DataFrame, schema: SchemaContract) -> bytes:
    columns = schema.names[:MAX_PANELS]
    n_cols = 4
    n_rows = int(np.ceil(len(columns) / n_cols))
    figure = Figure(figsize=(4 * n_cols, 2.6 * n_rows), dpi=80)
    for index, name in enumerate(columns):
        axes = figure.add_subplot(n_rows, n_cols, index + 1)
        if name in schema.numerical:
            _numeric_panel(axes, as_float(real[name]), as_float(synthetic[name]))
        else:
            _categorical_panel(axes, real[name], synthetic[name])
        axes.set_title(name, fontsize=10)
        axes.tick_params(labelsize=7)
    figure.legend(handles=[_patch(REAL, "real (train)"), _patch(SYNTHETIC, "synthetic")], loc="upper right", fontsize=9)
    figure.tight_layout(rect=(0, 0, 0.95, 1))
    return _png(figure)


def dcr_histogram(histogram: dict) -> bytes:
    """Distances from synthetic rows to their nearest train and nearest holdout rows."""
    edges = np.asarray(histogram["edges"])
    figure = Figure(figsize=(6, 3.2), dpi=80)
    axes = figure.add_subplot(1, 1, 1)
    for counts, colour, label in ((histogram["to_train"], REAL, "to nearest train row"), (histogram["to_holdout"], "#55a868", "to nearest holdout row")):
        share = np.asarray(counts) / max(sum(counts), 1)
        axes.stairs(share, edges, color=colour, linewidth=2, label=label)
    axes.set_xlabel("distance to closest record (mixed-type, 0-1)")
    axes.set_ylabel("share of synthetic rows")
    axes.legend(fontsize=8)
    figure.tight_layout()
    return _png(figure)


def _numeric_panel(axes, real: np.ndarray, synthetic: np.ndarray) -> None:
    real, synthetic = real[~np.isnan(real)], synthetic[~np.isnan(synthetic)]
    if not publishable_quantile(0.01, len(real)) or len(synthetic) == 0:
        axes.text(0.5, 0.5, "too few real rows to draw", ha="center", va="center", fontsize=8, transform=axes.transAxes)
        return
    low, high = np.quantile(real, [0.01, 0.99])
    if high <= low:
        high = low + 1.0
    edges = np.linspace(low, high, BINS + 1)
    real_counts, _ = np.histogram(np.clip(real, low, high), edges)
    synthetic_counts, _ = np.histogram(np.clip(synthetic, low, high), edges)
    real_counts = np.where(real_counts >= MIN_CELL, real_counts, 0)
    axes.stairs(real_counts / len(real), edges, color=REAL, fill=True, alpha=0.5)
    axes.stairs(synthetic_counts / len(synthetic), edges, color=SYNTHETIC, linewidth=1.5)


def _categorical_panel(axes, real: pd.Series, synthetic: pd.Series) -> None:
    real_counts = real.astype(object).where(real.notna(), "(missing)").astype(str).value_counts()
    named = [c for c in real_counts.index if real_counts[c] >= MIN_CELL][:MAX_CATEGORIES]
    real_share = _shares(real, named)
    if real_counts.drop(named).sum() < MIN_CELL:  # a pooled "other" of a few people is not drawn either
        real_share["other"] = 0.0
    synthetic_share = _shares(synthetic, named)
    positions = np.arange(len(real_share))
    axes.bar(positions - 0.2, real_share.to_numpy(), width=0.4, color=REAL)
    axes.bar(positions + 0.2, synthetic_share.to_numpy(), width=0.4, color=SYNTHETIC)
    axes.set_xticks(positions, [str(c)[:12] for c in real_share.index], rotation=45, ha="right")


def _shares(series: pd.Series, named: list[str]) -> pd.Series:
    labels = series.astype(object).where(series.notna(), "(missing)").astype(str)
    labels = labels.where(labels.isin(named), "other")
    return labels.value_counts(normalize=True).reindex([*named, "other"], fill_value=0.0)


def _patch(colour: str, label: str) -> Patch:
    return Patch(color=colour, label=label)


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()


def hybrid_curve(summary: dict) -> bytes:
    """The primary metric against real anchor rows: synthetic + k real rows, and the k rows alone."""
    points = summary["points"]
    ks = np.array([p["k"] for p in points], dtype=float)
    figure = Figure(figsize=(6, 3.6), dpi=80)
    axes = figure.add_subplot(1, 1, 1)
    positions = np.arange(len(ks))  # sizes are spread unevenly (0, 125, 500, 2000): plot them evenly
    axes.plot(positions, [p["synthetic_plus_anchor"] for p in points], marker="o", color=SYNTHETIC, label="synthetic + k real rows")
    real = [(i, p["real_only"]) for i, p in enumerate(points) if p["real_only"] is not None]
    if real:
        axes.plot([i for i, _ in real], [v for _, v in real], marker="s", color=REAL, label="k real rows only")
    axes.axhline(summary["trtr"], color="#333333", linestyle="-", linewidth=1, label="all real train rows (TRTR)")
    axes.axhline(summary["reach"] * summary["trtr"], color="#333333", linestyle=":", linewidth=1, label=f"{summary['reach']:.0%} of TRTR")
    axes.set_xticks(positions, [str(int(k)) for k in ks])
    axes.set_xlabel("real anchor rows k (from the train split)")
    axes.set_ylabel(f"{summary['metric']} on the real holdout")
    axes.legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    return _png(figure)


def history_trend(table: pd.DataFrame) -> bytes:
    """Every gated metric across evaluated versions; challengers (failed versions) marked with x."""
    gates = [c for c in table.columns if c not in ("version", "status", "evaluated_at", "model_version")]
    # Sized for the Dagster metadata panel (~800 px wide): legend below, labels at a readable size.
    figure = Figure(figsize=(8, 4.5), dpi=100)
    axes = figure.add_subplot(1, 1, 1)
    positions = np.arange(len(table))
    for gate in gates:
        line = axes.plot(positions, table[gate], marker="o", linewidth=1, label=gate)[0]
        failed = table["status"] == "challenger"
        axes.scatter(positions[failed], table.loc[failed, gate], marker="x", color=line.get_color(), s=60)
    axes.set_xticks(positions, [str(v)[:15] for v in table["version"]], rotation=20, ha="right", fontsize=8)
    axes.set_ylabel("gate value")
    axes.legend(fontsize=8, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.25))
    figure.tight_layout()
    return _png(figure)


def bakeoff_ranking(rows: list[dict]) -> bytes:
    """Each fitted candidate's gate values as grouped bars, best-ranked first; failed gates hatched."""
    fitted = [row for row in rows if "gates" in row]
    gates = sorted({name for row in fitted for name in row["gates"]})
    figure = Figure(figsize=(max(6.0, 1.1 * len(gates) * max(1, len(fitted)) / 2), 3.8), dpi=80)
    axes = figure.add_subplot(1, 1, 1)
    width = 0.8 / max(1, len(fitted))
    positions = np.arange(len(gates))
    for index, row in enumerate(fitted):
        values = [row["gates"].get(g, {}).get("value", np.nan) for g in gates]
        bars = axes.bar(positions + index * width, values, width, label=f"{row['rank']}. {row['candidate']}")
        for bar, gate in zip(bars, gates, strict=True):
            if gate in row["gates"] and not row["gates"][gate]["passed"]:
                bar.set_hatch("//")
    axes.set_xticks(positions + width * (len(fitted) - 1) / 2, gates, rotation=25, ha="right", fontsize=7)
    axes.set_ylabel("gate value (hatched: failed)")
    axes.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    figure.tight_layout()
    return _png(figure)
