"""The MLflow contract: one run per evaluated regeneration, the generator registered as a model.

Names: experiment `synth-assets/<dataset>`, registered model `<dataset>-generator`.
- `champion`: moved here, and only here, after every gate passed. Its model embeds the generator
  and its run holds the synthetic data (an `mlflow.data` input and a Parquet artifact).
- `challenger`: a version that failed a gate, kept for inspection and never served. Its run holds
  the reports and metrics only, and its model holds no data at all: a pointer to the generator in
  the restricted zone (a generator that failed a privacy gate may contain training rows).
"""

import json
import os
import re
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from urllib.parse import quote, urlsplit

import mlflow
import pandas as pd
import requests
from mlflow.models import ModelSignature
from mlflow.tracking import MlflowClient
from mlflow.types import ColSpec, Schema

from synth_assets import __version__, settings
from synth_assets.engines.environments import environment
from synth_assets.failures import MlflowUnreachable
from synth_assets.manifests import GateOutcome, GeneratorManifest
from synth_assets.provenance import without_credentials
from synth_assets.publish.generator_model import GeneratorModel
from synth_assets.schema import SchemaContract

# MLflow would otherwise copy the *current directory's* uv project into every model it logs, and
# draw progress bars into the Dagster logs. Our models pin their requirements explicitly.
os.environ.setdefault("MLFLOW_UV_AUTO_DETECT", "false")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
# MLflow's default (7 retries, backoff factor 2) spends ~4 minutes on an unreachable server before
# failing; 3 retries give up after ~15 s, still enough to ride out a server restart.
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "3")
REACHABILITY_TIMEOUT_S = 5.0

CHAMPION, CHALLENGER = "champion", "challenger"
LIBRARIES = ("sdmetrics", "anonymeter", "scikit-learn", "pandas", "numpy", "dagster", "mlflow")  # the host's; the engine's are in the generator's tags
# MLflow 3 opens an experiment without this tag on its GenAI view (traces: "No data" here); ours
# holds runs and models. The values are the UI's (`custom_model_development`, `genai_development`).
EXPERIMENT_KIND_TAG, EXPERIMENT_KIND = "mlflow.experimentKind", "custom_model_development"
NOTE_TAG = "mlflow.note.content"  # what the UI shows and edits as an experiment's or run's description
MAX_PARAM_KEY, MAX_PARAM_VALUE = 250, 6000  # MLflow refuses longer keys and truncates longer values
_MLFLOW_TYPES = {"int64": "long", "float64": "double", "string": "string", "boolean": "boolean", "datetime64[ns]": "datetime"}


def experiment_name(dataset: str) -> str:
    return f"synth-assets/{dataset}"


def registered_model_name(dataset: str) -> str:
    return f"{dataset}-generator"


@contextmanager
def tracking(tracking_uri: str):
    """Point MLflow's fluent API at `tracking_uri` for the duration, then restore it exactly.

    `mlflow.set_tracking_uri` also exports `MLFLOW_TRACKING_URI`; leaving it behind would make
    every later call in this process (and its children) talk to this store.
    """
    if tracking_uri.startswith("sqlite:///"):
        Path(tracking_uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    saved = {name: os.environ.get(name) for name in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")}
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    try:
        yield MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    finally:
        mlflow.set_tracking_uri(saved["MLFLOW_TRACKING_URI"])
        mlflow.set_registry_uri(saved["MLFLOW_REGISTRY_URI"])
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)


def check_reachable(tracking_uri: str, timeout_s: float = REACHABILITY_TIMEOUT_S) -> None:
    """Fail fast, before a fit, when MLflow cannot take the publication (one request, no retries)."""
    shown = without_credentials(tracking_uri)
    if tracking_uri.startswith("sqlite:///"):
        folder = Path(tracking_uri.removeprefix("sqlite:///")).parent
        existing = next((p for p in [folder, *folder.parents] if p.exists()), None)
        if existing is None or not os.access(existing, os.W_OK):
            raise MlflowUnreachable(f"MLflow store {shown}: {existing or folder} is not writable; fix its permissions or set MLFLOW_TRACKING_URI")
        return
    if urlsplit(tracking_uri).scheme not in ("http", "https"):
        return  # file stores and managed services: checked when used
    try:
        # The REST API, not /health: a reverse proxy may answer /health without a live store behind it.
        answer = requests.get(
            f"{tracking_uri.rstrip('/')}/api/2.0/mlflow/experiments/search", params={"max_results": 1}, timeout=timeout_s
        )
    except requests.RequestException as error:
        raise MlflowUnreachable(
            f"MLflow at {shown} is unreachable ({type(error).__name__} within {timeout_s:g} s); start it or fix "
            "MLFLOW_TRACKING_URI, then rerun. Nothing was fitted and the champion is unchanged."
        ) from None
    if answer.status_code >= 500 or answer.status_code in (401, 403, 404):
        raise MlflowUnreachable(
            f"MLflow at {shown} answered HTTP {answer.status_code}; check the server and its credentials, then rerun. "
            "Nothing was fitted and the champion is unchanged."
        )


def generator_signature(schema: SchemaContract, column_order: list[str], faked: dict[str, str]) -> ModelSignature:
    """n_rows and an optional seed in; the synthetic columns (faked ones as strings) out."""
    inputs = Schema([ColSpec("long", "n_rows"), ColSpec("long", "seed", required=False)])
    modelled = {c.name: ColSpec(_MLFLOW_TYPES[c.dtype], c.name, required=not c.nullable) for c in schema.columns}
    outputs = Schema([modelled.get(name) or ColSpec("string", name) for name in column_order if name in modelled or name in faked])
    return ModelSignature(inputs=inputs, outputs=outputs)


def library_tags() -> dict[str, str]:
    tags = {}
    for name in LIBRARIES:
        try:
            tags[f"library.{name}"] = version(name)
        except PackageNotFoundError:
            continue
    return tags


@dataclass(frozen=True)
class Generator:
    """The generator as MLflow gets it: its bytes (champion) or only where it lies (challenger)."""

    manifest: GeneratorManifest
    sample_seed: int
    signature: ModelSignature
    max_sample_rows: int  # per `predict` call: what the gates certified (`publish/limits.py`)
    data: bytes | None = None
    restricted_location: str | None = None
    time_budget_s: int | None = None  # the catalog's bounds of the fit, logged as params
    memory_limit_gb: float | None = None

    def model_config(self) -> dict:
        config = {
            "generator_sha256": self.manifest.sha256,
            "sample_seed": self.sample_seed,
            "engine": self.manifest.engine,
            "model": self.manifest.model,
            "engine_environment": self.manifest.environment.name,
            "dataset": self.manifest.dataset,
            "max_sample_rows": self.max_sample_rows,
        }
        return config | ({"restricted_location": self.restricted_location} if self.data is None else {})

    def environment_files(self) -> dict[str, bytes]:
        """The engine environment's pins, carried by the model: what serving it needs installed."""
        if self.manifest.environment.name == "host":
            return {}
        env = environment(self.manifest.environment.name)
        return env.files() | {"requirements.txt": env.requirements_txt().encode()}


@dataclass(frozen=True)
class LoggedVersion:
    run_id: str
    model_version: str
    experiment_id: str = ""


def run_params(generator: Generator) -> dict[str, str]:
    """The generator's configuration as MLflow params: comparable across runs in the UI's run table
    (the same values are also tags, which other code reads). The engine's params are flattened as
    `params.<name>` (nested ones as `params.<a>.<b>`). MLflow also logs the model's `model_config` as
    params of the same run and refuses a key logged twice with different values: `engine` and
    `model` are in both, with the same values."""
    manifest = generator.manifest
    config = {
        "engine": manifest.engine,
        "model": manifest.model,
        "seed": manifest.seed,
        **({"time_budget_s": generator.time_budget_s} if generator.time_budget_s is not None else {}),
        **({"memory_limit_gb": generator.memory_limit_gb} if generator.memory_limit_gb is not None else {}),
        **({"epsilon": manifest.epsilon} if manifest.epsilon is not None else {}),
        **({"delta": manifest.delta} if manifest.delta is not None else {}),
    }
    flat = {key: _param_value(value) for key, value in config.items()} | _flattened(manifest.params, "params")
    return {_param_key(key): value for key, value in flat.items()}


def _flattened(params: Mapping, prefix: str) -> dict[str, str]:
    flat = {}
    for key, value in params.items():
        name = f"{prefix}.{key}"
        flat |= _flattened(value, name) if isinstance(value, Mapping) and value else {name: _param_value(value)}
    return flat


def _param_value(value) -> str:
    """Strings as they are, everything else as JSON (`true`, `null`, `[1, 2]`), cut to MLflow's limit."""
    text = value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)
    return text if len(text) <= MAX_PARAM_VALUE else text[: MAX_PARAM_VALUE - 1] + "…"


def _param_key(key: str) -> str:
    # MLflow accepts only these characters in a key; an engine parameter may hold others.
    return re.sub(r"[^/\w.\- :]", "_", key)[:MAX_PARAM_KEY]


def short_version(version: str) -> str:
    """`20261124T061200Z-1a2b3c4d` (`-c2` for a bake-off candidate) as `20261124-0612` (`-c2`): what
    tells versions apart at a glance; the full id is the run's `dataset_version` tag."""
    found = re.fullmatch(r"(\d{8})T(\d{4})\d{2}Z-[0-9a-f]{8}(-c\d+)?", version)
    return f"{found[1]}-{found[2]}{found[3] or ''}" if found else version


def version_run_name(role: str, dataset: str, version: str, generator: str) -> str:
    """`champion · adult 20261124-0612 · sdv/gaussian_copula`: the role first, because the UI cuts
    run names short and a champion and its challenger otherwise look alike."""
    return f"{role} · {dataset} {short_version(version)} · {generator}"


def loading_snippet(dataset: str) -> str:
    """How an ML engineer gets the data, in the descriptions MLflow shows (see `synth_assets.consume`)."""
    return (
        "```python\n"
        "from synth_assets.consume import load_synthetic, sample\n"
        f'frame = load_synthetic("{dataset}")              # the champion\'s published rows, hash-verified\n'
        f'fresh = sample("{dataset}", n_rows=1000, seed=7)  # new rows from the champion generator\n'
        "```\n\n"
        "```sh\n"
        f"synth-assets pull {dataset}    # writes {dataset}-<version>.parquet\n"
        "```\n"
    )


def experiment_description(dataset: str) -> str:
    model = registered_model_name(dataset)
    return (
        f"# Synthetic `{dataset}`\n\n"
        f"Synthetic data generated by synth-assets from the restricted `{dataset}` source: no real records. "
        "A version is published only after every gate (fidelity, privacy, transfer) passed.\n\n"
        f"{loading_snippet(dataset)}\n"
        f"- **Runs** are named by role first: `{CHAMPION} · ...` passed every gate and was published "
        f"(`{model}@{CHAMPION}` is the one served); `{CHALLENGER} · ...` failed a gate and is kept for inspection, never served.\n"
        "- **Generator configuration** is in each run's params (engine, model, params.*, seed, time budget, epsilon/delta); "
        "the full lineage is in its tags.\n"
        "- **Datasheet** (purpose, allowed uses, gates, lineage): artifact `release/datasheet.md` "
        "(also `.html`, `.json`) of a champion run, next to `release/synthetic.parquet` and the reports.\n"
    )


def model_description(dataset: str) -> str:
    model = registered_model_name(dataset)
    return (
        f"Generator of synthetic `{dataset}` (synth-assets); its pyfunc `predict` takes `n_rows` (and `seed`) and samples rows. "
        f"Alias `{CHAMPION}`: passed every gate, the one served. Alias `{CHALLENGER}`: failed a gate, holds no generator, never served. "
        f"The gates' values are each version's `gate.*` tags; the datasheet is artifact `release/datasheet.md` of the version's run.\n\n"
        f"{loading_snippet(dataset)}\n"
        f'Or in MLflow directly: `mlflow.pyfunc.load_model("models:/{model}@{CHAMPION}")`.\n'
    )


def run_description(role: str, dataset: str, generator: GeneratorManifest, gates: Sequence[GateOutcome]) -> str:
    failed = [gate.check_name for gate in gates if not gate.passed]
    if not gates:
        verdict = "Gates: not recorded with this run."
    elif failed:
        verdict = f"Gates: {len(failed)} of {len(gates)} failed ({', '.join(failed)})."
    else:
        verdict = f"Gates: all {len(gates)} passed."
    what = (
        f"Champion candidate: published as `{registered_model_name(dataset)}@{CHAMPION}` once its publication completes "
        "(a later version may have replaced it since; see the model's aliases)."
        if role == CHAMPION
        else "Challenger: failed a gate; kept for inspection (reports and metrics only), never served."
    )
    privacy = f" Differentially private: epsilon {generator.epsilon:g}." if generator.epsilon is not None else ""
    return (
        f"{what}\n\n{verdict}\n\n"
        f"Dataset `{dataset}` version `{generator.version}`; generator `{generator.engine}/{generator.model}` "
        f"(seed {generator.seed}, fitted in {generator.fit_seconds:g} s).{privacy} Configuration: this run's params.\n"
    )


def run_url(experiment_id: str, run_id: str) -> str:
    """The run's page in the MLflow UI (`settings.mlflow_ui_url()`)."""
    return f"{settings.mlflow_ui_url()}/#/experiments/{quote(str(experiment_id), safe='')}/runs/{quote(run_id, safe='')}"


def model_version_url(name: str, version: str) -> str:
    """A registered model version's page in the MLflow UI."""
    return f"{settings.mlflow_ui_url()}/#/models/{quote(name, safe='')}/versions/{quote(str(version), safe='')}"


def log_version(
    *,
    tracking_uri: str,
    artifact_root: str | None,
    dataset: str,
    artifacts: Mapping[str, bytes],
    metrics: Mapping[str, float],
    tags: Mapping[str, str],
    generator: Generator,
    role: str = CHAMPION,
    gates: Sequence[GateOutcome] = (),
    run_name: str | None = None,
    synthetic: pd.DataFrame | None = None,
    synthetic_source: str | None = None,
) -> LoggedVersion:
    """Log one MLflow run (params, tags, metrics, report artifacts, the synthetic data when given) and
    register its generator as a new model version. No alias is set here: see `promote`.

    `role` (`champion` for a candidate being published, `challenger`) and `gates` go into the run's
    name and description; `run_name` overrides the name."""
    manifest = generator.manifest
    name = run_name or version_run_name(role, dataset, manifest.version, f"{manifest.engine}/{manifest.model}")
    description = run_description(role, dataset, manifest, gates)
    with tracking(tracking_uri) as client, tempfile.TemporaryDirectory() as staging, warnings.catch_warnings():
        # MLflow warns about schema hints and source resolution that do not apply to generated data.
        warnings.simplefilter("ignore", UserWarning)
        experiment = _experiment_id(client, dataset, artifact_root)
        run_tags = {**library_tags(), **tags, NOTE_TAG: description}
        with mlflow.start_run(experiment_id=experiment, run_name=name, tags=run_tags) as run:
            mlflow.log_params(run_params(generator))
            if synthetic is not None:
                mlflow.log_input(_dataset_input(synthetic, synthetic_source, f"{dataset}-synthetic"), context="synthetic")
            mlflow.log_metrics({k: float(v) for k, v in metrics.items()})
            _log_files(artifacts, Path(staging), artifact_path="release")
            model_artifacts = {}
            if generator.data is not None:
                path = Path(staging) / "generator.pkl"
                path.write_bytes(generator.data)
                model_artifacts["generator"] = str(path)
            if environment_files := generator.environment_files():
                folder = Path(staging) / "engine_environment"
                folder.mkdir()
                for name, data in environment_files.items():
                    (folder / name).write_bytes(data)
                model_artifacts["engine_environment"] = str(folder)
            environment_info = generator.manifest.environment
            model_info = mlflow.pyfunc.log_model(
                name="generator",
                python_model=GeneratorModel(),
                artifacts=model_artifacts,
                signature=generator.signature,
                model_config=generator.model_config(),
                pip_requirements=_requirements(),
                metadata={
                    "engine": f"{generator.manifest.engine}/{generator.manifest.model}",
                    "engine_environment": environment_info.name,
                    "engine_python": environment_info.python,
                    "engine_lock_sha256": environment_info.lock_sha256 or "",
                    "engine_libraries": generator.manifest.library_versions,
                },
                registered_model_name=registered_model_name(dataset),
            )
        # Rewritten on every version: the description follows the code that serves the data.
        client.update_registered_model(registered_model_name(dataset), description=model_description(dataset))
        return LoggedVersion(run.info.run_id, str(model_info.registered_model_version), experiment)


def _dataset_input(frame: pd.DataFrame, source: str | None, name: str):
    # No `targets`: MLflow's tracking store keeps a dataset's name, digest, source, schema and
    # profile, not its target column.
    try:
        return mlflow.data.from_pandas(frame, source=source, name=name)
    except mlflow.exceptions.MlflowException:
        # MLflow has no dataset source for some data roots (memory://, or a cloud store whose
        # client is not installed); the published path is still in the run's tags.
        return mlflow.data.from_pandas(frame, name=name)


def attach_artifacts(tracking_uri: str, run_id: str, artifacts: Mapping[str, bytes]) -> None:
    """Add files to a finished run (the datasheet, which names the run's own model version)."""
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    with tempfile.TemporaryDirectory() as staging:
        for name, data in artifacts.items():
            path = Path(staging) / name
            path.write_bytes(data)
            client.log_artifact(run_id, str(path), artifact_path="release")


def promote(tracking_uri: str, dataset: str, model_version: str, alias: str, tags: Mapping[str, str]) -> None:
    """Tag a model version and point `alias` at it: the last step of publishing (or of keeping a challenger)."""
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    name = registered_model_name(dataset)
    for key, value in tags.items():
        client.set_model_version_tag(name, model_version, key, value)
    client.set_registered_model_alias(name, alias, model_version)


def version_by_alias(tracking_uri: str, dataset: str, alias: str = CHAMPION):
    """The model version `alias` points at, or None when there is none yet."""
    if tracking_uri.startswith("sqlite:///") and not Path(tracking_uri.removeprefix("sqlite:///")).exists():
        return None  # asking would create an empty store
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    try:
        return client.get_model_version_by_alias(registered_model_name(dataset), alias)
    except mlflow.exceptions.MlflowException:
        return None


def champion_version(tracking_uri: str, dataset: str) -> str | None:
    found = version_by_alias(tracking_uri, dataset, CHAMPION)
    return str(found.version) if found is not None else None


def _log_files(artifacts: Mapping[str, bytes], staging: Path, artifact_path: str) -> None:
    for name, data in artifacts.items():
        local = staging / name
        local.write_bytes(data)
        mlflow.log_artifact(str(local), artifact_path=artifact_path)


def _experiment_id(client: MlflowClient, dataset: str, artifact_root: str | None) -> str:
    """The dataset's experiment, created when missing; its kind and description are (re)set on
    existing ones too, so experiments created by earlier versions open on their runs as well."""
    name = experiment_name(dataset)
    wanted = experiment_tags(dataset)
    existing = client.get_experiment_by_name(name)
    if existing is None:
        location = f"{artifact_root}/{dataset}" if artifact_root else None
        return client.create_experiment(name, artifact_location=location, tags=wanted)
    for key, value in wanted.items():
        if existing.tags.get(key) != value:
            client.set_experiment_tag(existing.experiment_id, key, value)
    return existing.experiment_id


def experiment_tags(dataset: str) -> dict[str, str]:
    return {EXPERIMENT_KIND_TAG: EXPERIMENT_KIND, NOTE_TAG: experiment_description(dataset)}


def _requirements() -> list[str]:
    """What the pyfunc wrapper needs in the serving environment (the engine's own requirements are
    the model's `engine_environment/` files). Pinned explicitly: MLflow's own inference would import
    and run the model to guess them."""
    return [f"synth-assets=={__version__}"] + [
        f"{name}=={version(name)}" for name in ("pandas", "numpy", "pyarrow", "pydantic", "psutil", "universal-pathlib", "mlflow")
    ]


def withdraw(tracking_uri: str, dataset: str, model_version: str, tags: Mapping[str, str]) -> list[str]:
    """Withdraw a registered version: its run's release files and its model's files (the generator,
    which may hold training rows) are deleted, the version is tagged and archived. Metrics, tags and
    the registry entry stay, as the audit trail. Returns the artifact locations emptied."""
    from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    name = registered_model_name(dataset)
    found = client.get_model_version(name, model_version)
    emptied = []
    with tracking(tracking_uri):
        if found.run_id:
            run_artifacts = client.get_run(found.run_id).info.artifact_uri
            get_artifact_repository(run_artifacts).delete_artifacts("release")
            emptied.append(f"{run_artifacts}/release")
        model_artifacts = _model_artifact_location(client, found)
        get_artifact_repository(model_artifacts).delete_artifacts()
        emptied.append(model_artifacts)
        for key, value in tags.items():
            client.set_model_version_tag(name, model_version, key, value)
            if found.run_id:
                client.set_tag(found.run_id, key, value)
        if found.run_id:
            client.set_tag(found.run_id, "status", "retracted")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # stages are deprecated; "Archived" is still what the UI shows
            client.transition_model_version_stage(name, model_version, "Archived")
    return emptied


def _model_artifact_location(client: MlflowClient, found) -> str:
    """Where a model version's files lie: its logged model (`models:/m-...`, MLflow 3) or a run path."""
    source = found.source or ""
    model_id = found.model_id or (source.removeprefix("models:/").split("/")[0] if source.startswith("models:/") else None)
    if model_id:
        return client.get_logged_model(model_id).artifact_location
    if source.startswith("runs:/"):
        run_id, _, path = source.removeprefix("runs:/").partition("/")
        return f"{client.get_run(run_id).info.artifact_uri}/{path}"
    return source


def move_alias(tracking_uri: str, dataset: str, alias: str, model_version: str | None) -> None:
    """Point `alias` at `model_version`, or remove it when there is none to point at."""
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    if model_version is None:
        try:
            client.delete_registered_model_alias(registered_model_name(dataset), alias)
        except mlflow.exceptions.MlflowException:
            pass  # no such alias: nothing points at a withdrawn version
        return
    client.set_registered_model_alias(registered_model_name(dataset), alias, model_version)
