"""Stage 6: the candidate's datasheet, in Markdown (for people) and JSON (for tools)."""

from synth_assets.catalog import DatasetSpec
from synth_assets.governance.datasheet import build_datasheet, render_markdown
from synth_assets.governance.rendering import html_page
from synth_assets.history import history, retractions
from synth_assets.manifests import (
    DatasheetManifest,
    DriftManifest,
    GeneratorManifest,
    ReportManifest,
    SnapshotManifest,
    SyntheticManifest,
)
from synth_assets.publish.mlflow_registry import experiment_name, registered_model_name
from synth_assets.stages.candidate import candidate_folder
from synth_assets.storage import DataRoot


def compose_datasheet(
    dataset: str,
    spec: DatasetSpec,
    snapshot: SnapshotManifest,
    generator: GeneratorManifest,
    synthetic: SyntheticManifest,
    validation: ReportManifest,
    transfer: ReportManifest,
    drift: DriftManifest,
    root: DataRoot,
) -> tuple[DatasheetManifest, str]:
    sheet = build_datasheet(
        dataset,
        spec,
        snapshot,
        generator,
        synthetic,
        root.read_json(root.resolve(validation.path)),
        root.read_json(root.resolve(transfer.path)),
        root.read_json(root.resolve(drift.path)),
        registered_model=registered_model_name(dataset),
        mlflow_experiment=experiment_name(dataset),
        retracted=retractions(history(root, dataset)),
    )
    markdown = render_markdown(sheet)
    folder = candidate_folder(root, dataset, synthetic.version)
    root.write_json(folder / "datasheet.json", sheet)
    root.write_text(folder / "datasheet.html", html_page(f"Datasheet: {dataset} {synthetic.version}", markdown))
    sha256 = root.write_text(folder / "datasheet.md", markdown)
    manifest = DatasheetManifest(
        dataset=dataset, version=synthetic.version, path=root.relative(folder / "datasheet.md"), sha256=sha256
    )
    return manifest, markdown
