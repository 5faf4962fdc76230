"""Shared fixtures: small real data (a sample of the bundled UCI Adult), catalogs, isolated homes."""

import copy
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa
import yaml

from synth_assets.catalog import load_catalog
from synth_assets.definitions import build_definitions
from synth_assets.schema import infer_schema
from synth_assets.settings import BUNDLED_CATALOG
from synth_assets.sources.bundled import load_bundled
from synth_assets.stages.snapshot import split_train_holdout
from synth_assets.storage import DataRoot

SAMPLE_ROWS = 2400

BASE_DATASET = {
    "description": "A small sample of UCI Adult for tests.",
    "source": {"url": "sqlite:///unset", "table": "adult"},
    "target": {"column": "income", "task": "classification"},
    "split": {"holdout_fraction": 0.25, "seed": 0},
    "synthetic_rows": 1200,
    "generator": {"engine": "sdv", "model": "gaussian_copula", "seed": 0},
    # 1,800 train rows: GaussianCopula's TSTR/TRTR is ~0.79 here, against ~0.83 on all of Adult.
    # Transfer over chance, (TSTR - 0.5) / (TRTR - 0.5), is ~0.73 for GaussianCopula at this size.
    # Trees separate GaussianCopula's rows (boosted detection 0.98-1.0): the pipeline tests use it
    # as a fast generator, so that gate is reported but not held here.
    "acceptance": {"transfer_ratio_min": 0.5, "detection_auc_boosted_max": None},
    # With ~80 non-zero values, top-coding the ten largest capital gains and losses leaves a spike
    # that GaussianCopula's beta marginals cannot follow (detection AUC 0.99; on all of Adult the
    # effect vanishes: 0.62). The canary test exercises top-coding on its own catalog.
    "disclosure": {"top_code_rows": 0},
    "transfer": {"anchor_sizes": [0, 125, 500], "anchor_repeats": 1},
    "governance": {
        "owner": "team:tests",
        "purpose": "Exercise the pipeline in tests.",
        "allowed_uses": ["testing"],
        "forbidden_uses": ["anything real"],
        "retention_days": 30,
    },
}


@pytest.fixture(scope="session")
def adult() -> pd.DataFrame:
    return load_bundled("adult")


@pytest.fixture(scope="session")
def adult_sample(adult: pd.DataFrame) -> pd.DataFrame:
    """A fixed, class-stratified sample: small enough for CI, real enough to assert on."""
    sample = adult.groupby("income").sample(frac=SAMPLE_ROWS / len(adult), random_state=7)
    return sample.sample(frac=1.0, random_state=7).reset_index(drop=True)


@pytest.fixture(scope="session")
def adult_spec():
    """The bundled catalog's Adult dataset: its gates, sensitive attributes and quasi-identifiers."""
    return load_catalog(BUNDLED_CATALOG).dataset("adult")


@pytest.fixture(scope="session")
def adult_split(adult_sample):
    """The sample's schema, train and holdout, split as the pipeline splits (0.2, seed 0)."""
    schema = infer_schema(adult_sample, target="income")
    real = schema.conform(adult_sample, what="Adult sample")
    train, holdout = split_train_holdout(real, holdout_fraction=0.2, seed=0, stratify_on="income")
    return schema, train, holdout


def write_sqlite(path: Path, frame: pd.DataFrame, table: str = "adult") -> str:
    url = f"sqlite:///{path}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        frame.to_sql(table, connection, index=False, if_exists="replace")
    engine.dispose()
    return url


def write_catalog(path: Path, datasets: dict) -> Path:
    path.write_text(yaml.safe_dump({"datasets": datasets}, sort_keys=False))
    return path


def dataset_entry(source_url: str, **overrides) -> dict:
    """The base test dataset with top-level keys replaced (nested dicts are merged one level)."""
    entry = copy.deepcopy(BASE_DATASET)
    entry["source"] = {"url": source_url, "table": "adult"}
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(entry.get(key), dict):
            entry[key] = {**entry[key], **value}
        else:
            entry[key] = value
    return entry


# Settings a developer's shell may carry that would point a test at their own stores.
INHERITED_SETTINGS = ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "SYNTH_ASSETS_CATALOG", "DAGSTER_HOME")


@contextmanager
def scenario_home(tmp_path_factory: pytest.TempPathFactory, name: str):
    """For a module-scoped scenario: a scratch folder, an isolated home inside it (`<folder>/home`)
    and the MonkeyPatch holding that isolation, undone when the scenario ends, even if it failed."""
    monkeypatch = pytest.MonkeyPatch()
    folder = tmp_path_factory.mktemp(name)
    isolate_home(monkeypatch, folder / "home")
    try:
        yield folder, folder / "home", monkeypatch
    finally:
        monkeypatch.undo()


def isolate_home(monkeypatch: pytest.MonkeyPatch, home: str | Path) -> None:
    """Point SYNTH_ASSETS_HOME at `home` (embedded MLflow store) and drop inherited settings."""
    monkeypatch.setenv("SYNTH_ASSETS_HOME", str(home))
    for name in INHERITED_SETTINGS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated SYNTH_ASSETS_HOME with the embedded MLflow store and no inherited settings."""
    root = tmp_path / "home"
    isolate_home(monkeypatch, root)
    return root


def run_regenerate(catalog_path: Path, dataset: str) -> dg.ExecuteInProcessResult:
    """Run the dataset's regenerate job in-process, exactly as the CLI and the schedule do."""
    defs = build_definitions(load_catalog(catalog_path))
    job = defs.resolve_job_def(f"regenerate_{dataset}")
    return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)


def check_results(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {evaluation.check_name: evaluation for evaluation in result.get_asset_check_evaluations()}


@contextmanager
def champion_pointer_unwritable(before_failing: Callable[[], None] = lambda: None):
    """Writing any `champion.json` fails with a full disk (after `before_failing` runs) while inside;
    every other write goes through."""
    write_json = DataRoot.write_json

    def full_disk_for_the_pointer(self, path, payload):
        if Path(path).name == "champion.json":
            before_failing()
            raise OSError("No space left on device")
        return write_json(self, path, payload)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DataRoot, "write_json", full_disk_for_the_pointer)
        yield
