"""Benchmark the default transfer evaluation on Adult, hybrid curve included (target: 10 s on 2 cores).

Uses the bundled catalog's settings: GaussianCopula, 10,000 synthetic rows, both models, three
bootstrap repeats, anchors 0/125/500/2000 with two draws each.

    .venv/bin/python -m benchmarks.transfer
"""

import time
import warnings

from benchmarks.common import adult_splits, frame_summary, write_results


def main() -> None:
    warnings.filterwarnings("ignore")
    from synth_assets.catalog import load_catalog
    from synth_assets.engines.isolation import fit_model
    from synth_assets.metrics.transfer import transfer_sections
    from synth_assets.settings import BUNDLED_CATALOG
    from synth_assets.stages.transfer import transfer_settings

    spec = load_catalog(BUNDLED_CATALOG).dataset("adult")
    schema, train, holdout = adult_splits()
    config = spec.generator
    synthetic = fit_model(
        f"{config.engine}/{config.model}", train, schema, params=config.params, seed=config.seed, sample_rows=spec.synthetic_rows, sample_seed=config.seed
    ).sample

    settings = transfer_settings(spec)
    started = time.perf_counter()
    sections = transfer_sections(
        synthetic, train, holdout, schema, spec.target.task, sensitive_attributes=spec.sensitive_attributes, settings=settings
    )
    seconds = time.perf_counter() - started
    headline = sections["transfer"]
    points = sections["hybrid"]["reaches_95pct_of_trtr"].details["points"]
    payload = {
        "data": {"train": frame_summary(train), "holdout": frame_summary(holdout), "synthetic": frame_summary(synthetic)},
        "settings": {"models": settings.models, "repeats": settings.repeats, "anchor_sizes": settings.anchor_sizes, "anchor_repeats": settings.anchor_repeats},
        "seconds": round(seconds, 2),
        "tstr_roc_auc": headline["tstr_roc_auc"].value,
        "trtr_roc_auc": headline["trtr_roc_auc"].value,
        "transfer_ratio": headline["transfer_ratio"].value,
        "hybrid": points,
    }
    lines = [
        "# Transfer evaluation on Adult",
        "",
        f"{frame_summary(synthetic)} GaussianCopula rows, {frame_summary(train)} train, {frame_summary(holdout)} holdout; "
        f"models {', '.join(settings.models)}, {settings.repeats} repeats, anchors {list(settings.anchor_sizes)} x {settings.anchor_repeats}.",
        "",
        f"Time: **{seconds:.1f} s** (target 10 s on 2 cores).",
        "",
        f"TSTR ROC AUC {headline['tstr_roc_auc'].value:.3f}, TRTR {headline['trtr_roc_auc'].value:.3f}, ratio {headline['transfer_ratio'].value:.3f}.",
        "",
        "| anchor rows k | synthetic + k | k real only |",
        "|---|---|---|",
        *[f"| {p['k']} | {p['synthetic_plus_anchor']:.3f} | {_optional(p['real_only'])} |" for p in points],
    ]
    path = write_results("transfer", payload, "\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"\nwritten {path}")


def _optional(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


if __name__ == "__main__":
    main()
