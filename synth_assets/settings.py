"""Where things live: environment variables and their defaults, in one place."""

import os
from pathlib import Path
from urllib.parse import urlsplit

from synth_assets.provenance import without_credentials

HOME_ENV = "SYNTH_ASSETS_HOME"
CATALOG_ENV = "SYNTH_ASSETS_CATALOG"
MLFLOW_ENV = "MLFLOW_TRACKING_URI"
MLFLOW_UI_ENV = "SYNTH_ASSETS_MLFLOW_UI_URL"
MLFLOW_UI_DEFAULT = "http://127.0.0.1:5000"  # where `mlflow ui` serves the embedded store
EXECUTOR_ENV = "SYNTH_ASSETS_EXECUTOR"
EXECUTORS = ("multiprocess", "celery")

ENVIRONMENTS_ENV = "SYNTH_ASSETS_ENVIRONMENTS"

BUNDLED_DIR = Path(__file__).parent / "bundled"
BUNDLED_CATALOG = BUNDLED_DIR / "catalog.yaml"


def home() -> str:
    """Root of everything synth-assets writes: data zones, the demo source, the local MLflow store.

    A local directory or an fsspec URL; the default keeps a checkout self-contained.
    """
    return os.environ.get(HOME_ENV) or str(Path.cwd() / ".synth-assets")


def local_home() -> Path:
    """The home as a local path, for the parts that need a real filesystem (SQLite files)."""
    root = home()
    if "://" in root and not root.startswith("file://"):
        raise ValueError(
            f"{HOME_ENV}={root!r} is not a local path; the embedded SQLite source and MLflow store "
            f"need one. Set {MLFLOW_ENV} to a tracking server instead."
        )
    return Path(root.removeprefix("file://")).expanduser().resolve()


def environments_dir() -> Path:
    """Where the engine environments' definitions (and, once installed, their venvs) live.

    The repository's `environments/` by default; a deployment can keep them elsewhere.
    """
    return Path(os.environ.get(ENVIRONMENTS_ENV) or Path(__file__).resolve().parent.parent / "environments")


def catalog_path() -> Path:
    return Path(os.environ.get(CATALOG_ENV) or BUNDLED_CATALOG)


def mlflow_tracking_uri() -> str:
    """`MLFLOW_TRACKING_URI` when set; otherwise an embedded SQLite store under the home."""
    return os.environ.get(MLFLOW_ENV) or f"sqlite:///{local_home() / 'mlflow' / 'mlflow.db'}"


def mlflow_artifact_root() -> str | None:
    """Artifact root for experiments we create against the embedded store (a server picks its own)."""
    if os.environ.get(MLFLOW_ENV):
        return None
    return (local_home() / "mlflow" / "artifacts").as_uri()


def mlflow_ui_url() -> str:
    """Where people open MLflow in a browser, for the links we print and attach (no trailing slash).

    `SYNTH_ASSETS_MLFLOW_UI_URL` when set (a server behind a proxy answers elsewhere than its API);
    else a tracking server's own URL; else where `mlflow ui` serves the embedded SQLite store.
    Credentials are dropped: links end up in logs and Dagster metadata.
    """
    tracking = os.environ.get(MLFLOW_ENV) or ""
    chosen = os.environ.get(MLFLOW_UI_ENV) or (tracking if urlsplit(tracking).scheme in ("http", "https") else MLFLOW_UI_DEFAULT)
    return without_credentials(chosen).rstrip("/")


def executor() -> str:
    """How jobs run their steps: `multiprocess` (Dagster's default; the CLI picks its in-process
    branch) or `celery` (CLI runs too: synth_assets/launch.py)."""
    chosen = os.environ.get(EXECUTOR_ENV) or "multiprocess"
    if chosen not in EXECUTORS:
        raise ValueError(f"{EXECUTOR_ENV}={chosen!r} is not an executor; valid: {', '.join(EXECUTORS)}")
    return chosen
