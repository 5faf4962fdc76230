"""A candidate version's files in the restricted zone, and the real splits it is judged against."""

import pandas as pd
from upath import UPath

from synth_assets.governance.rendering import data_uri, html_page, report_markdown
from synth_assets.manifests import GateOutcome, ReportManifest, SnapshotManifest, SyntheticManifest
from synth_assets.storage import DataRoot


def candidate_folder(root: DataRoot, dataset: str, version: str) -> UPath:
    """Everything a candidate produces, kept restricted until its gates pass and it is published."""
    return root.path("restricted", dataset, "candidates", version)


def load_splits(snapshot: SnapshotManifest, root: DataRoot) -> tuple[pd.DataFrame, pd.DataFrame]:
    train = root.read_frame(root.resolve(snapshot.train_path), expected_hash=snapshot.train_hash)
    holdout = root.read_frame(root.resolve(snapshot.holdout_path), expected_hash=snapshot.holdout_hash)
    return train, holdout


def load_synthetic(manifest: SyntheticManifest, root: DataRoot) -> pd.DataFrame:
    return root.read_frame(root.resolve(manifest.path), expected_hash=manifest.content_hash)


def write_report(
    kind: str,
    body: dict,
    outcomes: tuple[GateOutcome, ...],
    synthetic: SyntheticManifest,
    root: DataRoot,
    *,
    extra: dict | None = None,
    figures: dict[str, bytes] | None = None,
) -> ReportManifest:
    """Write `<kind>.json`, `.md`, `.html` and its figures next to the candidate.

    The Markdown links the figures as files; the HTML page embeds them, so it reads on its own.
    The manifest carries the gate outcomes.
    """
    report = {
        "dataset": synthetic.dataset,
        "version": synthetic.version,
        "synthetic_hash": synthetic.content_hash,
        "snapshot_hash": synthetic.snapshot_hash,
        "passed": all(o.passed for o in outcomes),
        "gates": [o.model_dump() for o in outcomes],
        "sections": body,
        **(extra or {}),
    }
    folder = candidate_folder(root, synthetic.dataset, synthetic.version)
    report["figures"] = []
    for index, (caption, png) in enumerate((figures or {}).items(), start=1):
        report["figures"].append({"caption": caption, "file": f"{kind}-figure-{index}.png"})
        root.write_bytes(folder / report["figures"][-1]["file"], png)
    title = report_title(kind, synthetic.dataset, synthetic.version)
    root.write_text(folder / f"{kind}.md", report_markdown(title, report, lambda file: file))
    root.write_text(folder / f"{kind}.html", html_page(title, report_markdown(title, report, _embed(folder))))
    path = folder / f"{kind}.json"
    sha256 = root.write_json(path, report)
    return ReportManifest(
        dataset=synthetic.dataset,
        version=synthetic.version,
        path=root.relative(path),
        sha256=sha256,
        synthetic_hash=synthetic.content_hash,
        metrics={f"{section}.{name}": entry["value"] for section, entries in body.items() for name, entry in entries.items()},
        gates=outcomes,
        files=[f"{kind}.json", f"{kind}.md", f"{kind}.html", *(figure["file"] for figure in report["figures"])],
    )


def report_title(kind: str, dataset: str, version: str) -> str:
    return f"{kind.capitalize()} report: {dataset} version {version}"


def embedded_report_markdown(manifest: ReportManifest, kind: str, root: DataRoot) -> str:
    """The report as self-contained Markdown (figures as data URIs): what the Dagster UI shows."""
    folder = root.resolve(manifest.path).parent
    report = root.read_json(root.resolve(manifest.path))
    return report_markdown(report_title(kind, manifest.dataset, manifest.version), report, _embed(folder))


def _embed(folder: UPath):
    return lambda file: data_uri((folder / file).read_bytes())
