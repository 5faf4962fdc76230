"""What each stage hands to the next: paths and hashes, never rows.

Manifests are the values the Dagster assets return; the manifest IO manager stores them as JSON.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from synth_assets.governance.pii import PiiPlan
from synth_assets.schema import SchemaContract
from synth_assets.storage import DataRoot


class StaleState(RuntimeError):
    """A state or pointer file was written by an incompatible synth-assets version."""


class _Manifest(BaseModel):
    # A metric SDMetrics could not compute is NaN; pydantic would write it as `null` and then refuse
    # to read its own file back (a 200-column table failed that way), so non-finite numbers
    # round-trip as JSON's NaN / Infinity constants.
    model_config = ConfigDict(frozen=True, ser_json_inf_nan="constants")

    @classmethod
    def load(cls, path) -> "_Manifest":
        try:
            return cls.model_validate_json(path.read_bytes())
        except ValidationError as error:
            fields = ", ".join(".".join(map(str, e["loc"])) for e in error.errors()[:5])
            raise StaleState(
                f"{path} does not match this version of synth-assets ({fields}); it was written by another "
                # Never advise emptying the home: it holds every published champion.
                "version, or is incomplete. Move this one file aside and regenerate; the published versions stay."
            ) from None


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


class Presample(_Manifest):
    """Rows sampled by the fitting process itself, so the pipeline need not load the generator."""

    path: str
    content_hash: str
    n_rows: int
    seed: int


class GeneratorEnvironment(_Manifest):
    """The environment a generator was fitted in, and the only kind that can load it again."""

    name: str  # environments/<name>, or "host" for controls that run in the orchestration environment
    python: str
    lock_sha256: str | None  # of environments/<name>/uv.lock at fit time


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
    environment: GeneratorEnvironment
    code_version: str
    snapshot_hash: str
    fit_seconds: float
    fit_cpu_seconds: float  # user + system time of the fit's process tree (2 cores: up to twice the wall time)
    peak_memory_mb: float
    epsilon: float | None  # differential privacy of this fit (DP models only)
    delta: float | None
    epsilon_spent_total: float | None  # the dataset's privacy ledger after this fit
    epsilon_accounted: float | None = None  # what the engine's own accountant reports (<= epsilon)
    reference_profile_path: str  # the snapshot's profile, kept with the generator: what drift is measured against
    presample: Presample | None = None  # the candidate rows the fit drew, when it drew them


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
    # False when the data could not support a verdict (the estimate's `insufficient` reason is the note);
    # a privacy gate past its threshold but within chance passes with a note saying so.
    judged: bool = True
    note: str | None = None
    # The estimate's evidence, shown with the verdict (absent in manifests written before 2026-11-24).
    ci_low: float | None = None
    ci_high: float | None = None
    baseline: float | None = None
    n_samples: int | None = None

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


class DriftManifest(_Manifest):
    """A drift report of the source against the champion of its time (published: aggregates)."""

    dataset: str
    measured_at: str
    path: str
    status: str  # no_champion, stable or drifted
    drifted: bool
    score: float | None
    champion_version: str | None


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
    reference_profile_path: str  # what the drift sensor compares the source with
    # sha256 of every file in the version folder, so readers can verify what they serve
    # (empty for versions published before it was recorded).
    files: dict[str, str] = {}
    generator: str = ""  # engine/model (empty before 2026-11-24)
    mlflow_experiment_id: str = ""


def manifest_path(root: DataRoot, asset_path: list[str]):
    """Where the manifest IO manager keeps an asset's latest manifest: state/manifests/<key>.json."""
    return root.path("state", "manifests", *asset_path[:-1], f"{asset_path[-1]}.json")


def read_manifest(root: DataRoot, dataset: str, stage: str, manifest_type: type[_Manifest]) -> _Manifest | None:
    path = manifest_path(root, [dataset, stage])
    return manifest_type.load(path) if path.exists() else None
