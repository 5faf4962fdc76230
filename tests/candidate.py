"""A whole candidate version, as the regenerate job leaves it before `publication`, built fast.

The snapshot, the generator (the `replay/rows` control, which runs in the host's environment and
replays a fixed quarter of the source rows), the synthetic rows, the drift report and the
datasheet come from the real stage functions on a small table with one identifier (an e-mail
column declared `fake`). Only the two reports' metrics are chosen by the test (the attacks that
compute them have tests of their own), so a test can hand `publish_candidate` a candidate that
passed, or failed, exactly the gates it wants, in under a second. `Zone` holds a data root and an
MLflow store to publish into, and copies itself so that each test has its own.
"""

import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from mlflow.tracking import MlflowClient

from synth_assets.catalog import DatasetSpec
from synth_assets.gates import Gate
from synth_assets.history import history
from synth_assets.manifests import (
    DatasheetManifest,
    GeneratorManifest,
    PublicationManifest,
    ReportManifest,
    SnapshotManifest,
    SyntheticManifest,
)
from synth_assets.metrics.estimate import Estimate
from synth_assets.publish.mlflow_registry import champion_version
from synth_assets.reports import gated_report
from synth_assets.stages.candidate import write_report
from synth_assets.stages.datasheet import compose_datasheet
from synth_assets.stages.drift import measure_drift, write_drift_report
from synth_assets.stages.generate import fit_generator, sample_synthetic
from synth_assets.stages.publish import publish_candidate
from synth_assets.stages.snapshot import take_snapshot
from synth_assets.storage import DataRoot
from tests.conftest import dataset_entry, write_sqlite

DATASET = "adult"
QUALITY = Gate("quality_score", "fidelity", "min", 0.75, "overall SDMetrics quality")
COPIES = Gate("exact_copy_excess", "privacy", "max", 0.005, "train rows copied, over the holdout's rate")
TRANSFER = Gate("transfer_ratio", "transfer", "min", 0.5, "TSTR over chance, as a share of TRTR's")
NOTHING_PUBLISHED = {"files": {}, "alias": None, "history": []}


@dataclass(frozen=True)
class Candidate:
    spec: DatasetSpec
    snapshot: SnapshotManifest
    generator: GeneratorManifest
    synthetic: SyntheticManifest
    validation: ReportManifest
    transfer: ReportManifest
    datasheet: DatasheetManifest

    def inputs(self) -> tuple:
        """`publish_candidate`'s positional arguments after the dataset name, before the root."""
        return (self.spec, self.snapshot, self.generator, self.synthetic, self.validation, self.transfer, self.datasheet)


@contextmanager
def unmutated_engine_children():
    """Engine processes started inside run the code as written, also under `make mutation`.

    mutmut tells mutated code which mutant is active through MUTANT_UNDER_TEST (and keeps its own
    copy in the test process). An engine's child process would inherit the variable without
    mutmut's configuration, and fail while mutmut maps tests to the functions they reach. Outside
    mutation testing the variable is not set and this does nothing.
    """
    active = os.environ.pop("MUTANT_UNDER_TEST", None)
    try:
        yield
    finally:
        if active is not None:
            os.environ["MUTANT_UNDER_TEST"] = active


def small_spec(folder: Path, rows: pd.DataFrame) -> DatasetSpec:
    """The test dataset over `rows` in SQLite; its generator replays a quarter of them (its candidate
    has that many rows); one call of the registered generator returns at most 150 rows."""
    rows = rows.assign(email=[f"patient{i}@clinic.invalid" for i in range(len(rows))])  # faked, never modelled
    source = write_sqlite(folder / "source.db", rows)
    replayed = folder / "replayed.parquet"
    rows.drop(columns="email").sample(n=len(rows) // 4, random_state=3).to_parquet(replayed, index=False)
    entry = dataset_entry(
        source,
        pii={"columns": {"email": "fake:email"}},
        synthetic_rows=len(rows) // 4,
        generator={"engine": "replay", "model": "rows", "seed": 5, "params": {"path": str(replayed)}, "time_budget_s": 600, "memory_limit_gb": 2.0},
        max_sample_rows=150,
    )
    return DatasetSpec.model_validate(entry)


def build_candidate(
    root: DataRoot, spec: DatasetSpec, version: str, *, seed: int | None = None, quality: float = 0.9, copies: float = 0.0, transfer: float = 0.8
) -> Candidate:
    """A candidate of `spec` under `version` (sampled with `seed` instead of the catalog's, when
    given); the three gated metrics take the values given."""
    if seed is not None:
        spec = spec.model_copy(update={"generator": spec.generator.model_copy(update={"seed": seed})})
    snapshot = take_snapshot(DATASET, spec, root)
    with unmutated_engine_children():
        generator = fit_generator(DATASET, spec, snapshot, root, version=version, log=lambda _: None)
    synthetic, _ = sample_synthetic(DATASET, spec, generator, snapshot, root)
    body, outcomes = gated_report(
        {
            "fidelity": {"quality_score": Estimate(quality, quality - 0.02, quality + 0.02, n_samples=synthetic.n_rows)},
            "privacy": {"exact_copy_excess": Estimate(copies, copies - 0.001, copies + 0.01, baseline=0.0, n_samples=synthetic.n_rows)},
        },
        {"quality_score": QUALITY, "exact_copy_excess": COPIES},
    )
    validation = write_report("validation", body, outcomes, synthetic, root)
    body, outcomes = gated_report({"transfer": {"transfer_ratio": Estimate(transfer, transfer - 0.1, transfer + 0.1, baseline=0.0)}}, {"transfer_ratio": TRANSFER})
    transfer_report = write_report("transfer", body, outcomes, synthetic, root)
    drift = write_drift_report(measure_drift(DATASET, spec, root), root)
    datasheet, _ = compose_datasheet(DATASET, spec, snapshot, generator, synthetic, validation, transfer_report, drift, root)
    return Candidate(spec, snapshot, generator, synthetic, validation, transfer_report, datasheet)


class Zone:
    """One data root and one MLflow store, and how to publish into them.

    `copy` gives a test its own zone, candidates and store included, in milliseconds: a test that
    publishes does so in its own body (mutation testing attributes a function to the tests whose
    own body or set-up reached it, and a shared fixture's set-up counts for its first test only).
    """

    def __init__(self, folder: Path, spec: DatasetSpec):
        self.folder, self.spec = folder, spec
        self.root = DataRoot(str(folder / "home"))
        self.tracking_uri = f"sqlite:///{folder / 'mlflow.db'}"
        self.artifact_root = (folder / "artifacts").as_uri()

    @classmethod
    def create(cls, folder: Path, rows: pd.DataFrame) -> "Zone":
        """A zone over `rows`, with an empty MLflow store (its tables created once, here)."""
        zone = cls(folder, small_spec(folder, rows))
        MlflowClient(tracking_uri=zone.tracking_uri).search_experiments()
        return zone

    def copy(self, folder: Path) -> "Zone":
        """This zone's home and store under `folder` (recorded paths are relative to the home)."""
        shutil.copytree(self.folder / "home", folder / "home")
        shutil.copyfile(self.folder / "mlflow.db", folder / "mlflow.db")
        return Zone(folder, self.spec)

    def candidate(self, version: str, **metrics) -> Candidate:
        return build_candidate(self.root, self.spec, version, **metrics)

    def publish(self, candidate: Candidate, run_id: str = "dagster-run") -> PublicationManifest:
        return publish_candidate(
            DATASET, *candidate.inputs(), self.root, tracking_uri=self.tracking_uri, artifact_root=self.artifact_root, run_id=run_id
        )

    def client(self) -> MlflowClient:
        return MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri)

    def runs(self) -> list:
        """Every MLflow run logged in this zone's store."""
        client = self.client()
        return client.search_runs([e.experiment_id for e in client.search_experiments()])

    def state(self) -> dict:
        """Everything a publication may change: the published zone's files, the alias, the history."""
        zone = Path(self.root.resolve("published"))
        files = {str(p.relative_to(zone)): p.read_bytes() for p in zone.rglob("*") if p.is_file() and "drift" not in p.parts}
        return {"files": files, "alias": champion_version(self.tracking_uri, DATASET), "history": history(self.root, DATASET)}
