"""The one protocol between the host and an engine's own environment.

The host (the orchestration environment: Dagster, MLflow, the metrics) never imports a generator
library and never unpickles a generator. For each fit or sample it makes a fresh folder, writes
`request.json` (a `FitRequest` or a `SampleRequest`) and the input files it names, and starts

    <engine environment>/bin/python -m synth_assets.engines.worker FOLDER

with only the `synth_assets` package on the path (`engines/isolation.py`). The worker answers
with `reply.json` (an `EngineReply`) and the files the reply names. Every file that crosses
carries its sha256, checked on the receiving side. Rows cross as Parquet; the fitted generator
crosses as opaque bytes (`generator.pkl`) that only an environment of the same engine family
unpickles. A failure comes back as one line (type and first line of the message, never a
traceback, which could quote data).

This module imports nothing beyond pydantic and the schema contract: both sides load it, on the
engine environments' Python versions too (the synthcity environment is Python 3.11).
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from synth_assets.engines.constraints import Constraint
from synth_assets.schema import SchemaContract

REQUEST_FILE, REPLY_FILE = "request.json", "reply.json"
TRAIN_FILE, GENERATOR_FILE, SAMPLE_FILE = "train.parquet", "generator.pkl", "sample.parquet"


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SamplingPolicy(_Message):
    """What every sample must honour, whatever the engine."""

    constraints: list[Constraint] = Field(default_factory=list)
    top_up_min_share: float | None = None  # real categories at least this common must appear


class FitRequest(_Message):
    """Fit a model on `train.parquet` (in the folder); optionally draw the candidate right away."""

    op: Literal["fit"] = "fit"
    engine: str
    model: str
    params: dict[str, Any]
    seed: int
    epsilon: float | None = None
    delta: float | None = None
    train_sha256: str = ""  # of the train.parquet bytes; the host's runner fills it in
    schema_contract: SchemaContract
    faked: dict[str, str] = Field(default_factory=dict)  # column -> Faker provider, added to every sample
    column_order: list[str]
    policy: SamplingPolicy = SamplingPolicy()
    # Rows to sample right after fitting, in the same process: the candidate needs no second start
    # of the engine environment (seconds of imports).
    sample_rows: int | None = None
    sample_seed: int = 0


class SampleRequest(_Message):
    """Sample `n_rows` rows with `seed` from `generator.pkl` (in the folder)."""

    op: Literal["sample"] = "sample"
    engine: str
    model: str
    generator_sha256: str
    n_rows: int = Field(gt=0)
    seed: int


Request = Annotated[FitRequest | SampleRequest, Field(discriminator="op")]


class EngineReply(_Message):
    """What the worker did: the files it wrote (with their sha256), or why it could not."""

    ok: bool
    error_type: str | None = None
    message: str | None = None
    generator_sha256: str | None = None  # fit: generator.pkl
    sample_sha256: str | None = None  # sample.parquet, when rows were asked for
    python: str = ""  # the engine environment's interpreter version
    library_versions: dict[str, str] = Field(default_factory=dict)
    # Privacy the fit actually spent, as the engine accounts it (e.g. DP-SGD's epsilon at the kept
    # checkpoint); the ledger charges the catalog's epsilon, the upper bound.
    privacy_spent: dict[str, float] | None = None
