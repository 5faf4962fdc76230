"""What each stage hands to the next: paths and hashes, never rows.

Manifests are the values the Dagster assets return; the manifest IO manager stores them as JSON.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict

from synth_assets.governance.pii import PiiPlan
from synth_assets.schema import SchemaContract
from synth_assets.storage import DataRoot


class _Manifest(BaseModel):
    model_config = ConfigDict(frozen=True)


class SnapshotManifest(_Manifest):
    dataset: str
    snapshot_hash: str
    source_url: str  # without credentials
    source_selector: str  # table name or query text
    taken_at: str
    n_source_rows: int
    train_path: str
    train_hash: str
    n_train: int
    holdout_path: str
    holdout_hash: str
    n_holdout: int
    profile_path: str
    holdout_fraction: float
    split_seed: int
    schema_contract: SchemaContract
    pii: PiiPlan
    generalization: dict[str, dict[str, int]]  # per column: what was recoded (counts only)


class GeneratorManifest(_Manifest):
    dataset: str
    version: str
    path: str
    sha256: str
    engine: str
    model: str
    params: dict[str, Any]
    seed: int
    config_hash: str
    library_versions: dict[str, str]
    code_version: str
    snapshot_hash: str
    fit_seconds: float


class SyntheticManifest(_Manifest):
    dataset: str
    version: str
    path: str
    content_hash: str
    n_rows: int
    sample_seed: int
    generator_sha256: str
    snapshot_hash: str


class GateOutcome(_Manifest):
    metric: str
    section: str
    value: float
    threshold: float
    bound: str
    passed: bool

    @property
    def check_name(self) -> str:
        return f"{self.section}_{self.metric}"


class ReportManifest(_Manifest):
    """A validation or transfer report in the candidate's folder, with its gate outcomes."""

    dataset: str
    version: str
    path: str
    sha256: str
    synthetic_hash: str
    metrics: dict[str, float]  # every reported value, keyed `section.metric`
    gates: tuple[GateOutcome, ...]
    files: list[str]  # the report's files in the candidate folder (JSON, Markdown, HTML, figures)

    @property
    def passed(self) -> bool:
        return all(gate.passed for gate in self.gates)


class DatasheetManifest(_Manifest):
    dataset: str
    version: str
    path: str
    sha256: str


class PublicationManifest(_Manifest):
    dataset: str
    version: str
    published_path: str
    content_hash: str
    n_rows: int
    published_at: str
    gates: tuple[GateOutcome, ...]
    mlflow_tracking_uri: str
    mlflow_run_id: str
    registered_model: str
    model_version: str
    schema_contract: SchemaContract
    snapshot_hash: str  # the champion's inputs: retention never deletes them


def manifest_path(root: DataRoot, asset_path: list[str]):
    """Where the manifest IO manager keeps an asset's latest manifest: state/manifests/<key>.json."""
    return root.path("state", "manifests", *asset_path[:-1], f"{asset_path[-1]}.json")


def read_manifest(root: DataRoot, dataset: str, stage: str, manifest_type: type[_Manifest]) -> _Manifest | None:
    path = manifest_path(root, [dataset, stage])
    return manifest_type.model_validate_json(path.read_bytes()) if path.exists() else None
