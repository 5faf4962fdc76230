"""The dataset catalog: typed models, loading, and errors that name the field and the reason.

A catalog is one YAML file. It is validated completely when it is loaded (at code-location load,
before any run starts), so a typo never surfaces halfway through a nightly refresh.
"""

import os
import re
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, ValidationInfo, model_validator

from synth_assets import settings
from synth_assets.engines.constraints import Constraint
from synth_assets.schema import ColumnKind

DatasetName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


class CatalogError(ValueError):
    """The catalog cannot be used; the message names every offending field and why."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceSpec(_Strict):
    """Where the real rows come from: a SQLAlchemy URL plus a table or a query.

    `${VAR}` in the URL is expanded from the environment when the source is read, so credentials
    live in the environment and never in the catalog, metadata or MLflow.
    """

    url: str = Field(min_length=1)
    table: str | None = None
    query: str | None = None
    bootstrap: Literal["adult", "doctoraus"] | None = Field(
        default=None,
        description="Bundled dataset loaded into `table` when the table does not exist yet (demo).",
    )

    @model_validator(mode="after")
    def _one_of_table_or_query(self) -> "SourceSpec":
        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of `table` or `query`")
        if self.bootstrap and not self.table:
            raise ValueError("`bootstrap` loads a bundled dataset into a table: it needs `table`")
        return self


class TargetSpec(_Strict):
    column: str = Field(min_length=1)
    task: Literal["classification", "regression"] = "classification"
    missing: Literal["refuse", "drop"] = Field(
        default="refuse", description="rows whose target is missing: refuse the snapshot, or drop those rows"
    )


class SplitSpec(_Strict):
    holdout_fraction: float = Field(default=0.2, gt=0.0, lt=1.0)
    seed: int = 0


class GeneratorSpec(_Strict):
    """Which generator, with which parameters, under which bounds (see `synth-assets generators`)."""

    engine: str = "mostlyai"
    model: str = "tabular_argn"
    params: dict[str, Any] = Field(default_factory=dict)
    seed: int = 0
    time_budget_s: int = Field(default=1800, ge=1, description="a fit taking longer is stopped; the champion stays")
    memory_limit_gb: float = Field(default=8.0, gt=0, description="a fit using more memory is stopped")
    epsilon: float | None = Field(default=None, gt=0, description="differential-privacy budget of one fit (DP models only)")
    delta: float | None = Field(default=None, gt=0, lt=1)
    step_tags: dict[str, Any] = Field(
        default_factory=dict,
        description="Dagster tags of the fit's step: a GPU node (`dagster-k8s/config`) or queue (`dagster-celery/queue`)",
    )

    @model_validator(mode="after")
    def _known_model(self, info: ValidationInfo) -> "GeneratorSpec":
        from synth_assets.engines import MODELS, GeneratorError, generator_params, model_info  # no catalog state there

        try:
            # Benchmarks load catalogs to measure models that are not offered yet.
            if (info.context or {}).get("allow_unmeasured") and f"{self.engine}/{self.model}" in MODELS:
                registered = MODELS[f"{self.engine}/{self.model}"]
            else:
                registered = model_info(self.engine, self.model)
            generator_params(registered, self.params, self.epsilon, self.delta)
        except GeneratorError as error:
            raise ValueError(str(error)) from None
        return self

    @property
    def differentially_private(self) -> bool:
        from synth_assets.engines import MODELS

        return MODELS[f"{self.engine}/{self.model}"].differentially_private


class BakeoffSpec(_Strict):
    """Candidate generators trained on the same snapshot and ranked under the acceptance policy."""

    candidates: list[GeneratorSpec] = Field(min_length=2)
    promote_winner: bool = Field(default=False, description="publish the best candidate that passes every gate")


def _gate(default: float | None, section: str, description: str) -> Any:
    return Field(default=default, ge=0.0, le=1.0, description=description, json_schema_extra={"section": section})


class AcceptanceCriteria(_Strict):
    """Gate thresholds. A synthetic dataset is published only when every gate passes.

    A field `<metric>_min` / `<metric>_max` gates `<metric>` of the report section named in its
    schema; `null` reports the metric without gating it. docs/metrics.md explains each metric.
    """

    # fidelity
    quality_score_min: float | None = _gate(0.75, "fidelity", "SDMetrics quality score (column shapes and pair trends)")
    detection_auc_max: float | None = _gate(0.9, "fidelity", "ROC AUC of a logistic classifier telling real from synthetic (0.5 is ideal)")
    detection_auc_boosted_max: float | None = _gate(0.8, "fidelity", "ROC AUC of gradient-boosted trees telling real from synthetic (0.5 is ideal)")
    subgroup_quality_min: float | None = _gate(0.7, "fidelity", "column-shape score of the worst subgroup of a sensitive attribute")
    # coverage
    category_coverage_min: float | None = _gate(0.8, "coverage", "share of real categories present in the synthetic data")
    novel_value_share_max: float | None = _gate(0.05, "coverage", "share of synthetic rows with a category or number the real data never had")
    range_coverage_min: float | None = _gate(None, "coverage", "mean share of each numeric column's real range the synthetic data span")
    tail_quantile_error_max: float | None = _gate(None, "coverage", "mean gap of the 1/5/95/99% quantiles, in units of the real 1-99% spread")
    tail_share_error_max: float | None = _gate(None, "coverage", "worst numeric column's |synthetic - real| share of rows beyond the real 1st and 99th percentiles")
    # privacy
    exact_copy_rate_max: float | None = _gate(None, "privacy", "share of synthetic rows identical to a train row (reported; exact_copy_excess is gated)")
    exact_copy_excess_max: float | None = _gate(0.005, "privacy", "share of synthetic rows identical to a train row, minus the holdout's own share")
    near_copy_excess_max: float | None = _gate(0.005, "privacy", "share of synthetic rows within the holdout's 1% closest-record distance of a train row, minus the holdout's share")
    exposed_near_copy_excess_max: float | None = _gate(0.005, "privacy", "share of synthetic rows within a fifth of an isolated train record's spacing, minus the holdout's share")
    vulnerable_mia_distance_auc_max: float | None = _gate(0.6, "privacy", "distance membership attack on the most exposed records, ROC AUC (0.5 is chance)")
    vulnerable_mia_density_auc_max: float | None = _gate(0.6, "privacy", "density-ratio membership attack on the most exposed records, ROC AUC")
    qi_inference_advantage_max: float | None = _gate(0.01, "privacy", "quasi-identifier look-up: success on train targets minus holdout targets, worst secret")
    dcr_share_max: float | None = _gate(0.55, "privacy", "share of synthetic rows closer to train than to holdout (0.5 is ideal)")
    mia_distance_auc_max: float | None = _gate(0.6, "privacy", "distance membership-inference attack, ROC AUC (0.5 is chance)")
    mia_density_auc_max: float | None = _gate(0.6, "privacy", "density-ratio (DOMIAS-style) membership-inference attack, ROC AUC")
    linkability_risk_max: float | None = _gate(0.05, "privacy", "anonymeter linkability risk beyond the holdout control")
    inference_risk_max: float | None = _gate(0.5, "privacy", "anonymeter attribute-inference risk of the worst secret")
    singling_out_risk_max: float | None = _gate(None, "privacy", "anonymeter singling-out risk (reported; see docs/metrics.md)")
    qi_unique_match_rate_max: float | None = _gate(None, "privacy", "share of synthetic rows reproducing a quasi-identifier combination unique in train")
    # transfer
    transfer_ratio_min: float | None = _gate(0.8, "transfer", "(TSTR - chance) / (TRTR - chance) of the primary metric (ROC AUC or R2), primary model, median over repeats")
    ratio_macro_f1_min: float | None = _gate(None, "transfer", "(TSTR - chance) / (TRTR - chance) of macro-F1, for imbalanced or multi-class targets")
    worst_subgroup_transfer_ratio_min: float | None = _gate(None, "transfer", "TSTR/TRTR within the worst subgroup of a sensitive attribute")


class TransferSpec(_Strict):
    """How transfer is measured; heavier settings (more repeats, larger anchors) are opt-in."""

    models: list[Literal["boosted", "linear"]] = Field(default_factory=lambda: ["boosted", "linear"], min_length=1)
    repeats: int = Field(default=3, ge=1, le=20)
    anchor_sizes: list[int] = Field(default_factory=lambda: [0, 125, 500, 2000], min_length=1)
    anchor_repeats: int = Field(default=2, ge=1, le=20)

    @model_validator(mode="after")
    def _sizes(self) -> "TransferSpec":
        if any(k < 0 for k in self.anchor_sizes) or self.anchor_sizes != sorted(set(self.anchor_sizes)):
            raise ValueError("`anchor_sizes` must be distinct non-negative row counts in increasing order")
        return self


class PiiSpec(_Strict):
    """Personal data per column: `drop` (never leaves the source), `fake` / `fake:<Faker provider>`
    (synthetic output gets fake values, the real ones are never modelled), `keep` (known and kept).
    Undeclared columns that look like direct identifiers are flagged: `detection: block` (the
    default: private by default) stops the run until each is declared, `warn` only logs them."""

    columns: dict[str, str] = Field(default_factory=dict)
    detection: Literal["warn", "block"] = "block"

    @model_validator(mode="after")
    def _known_handling(self) -> "PiiSpec":
        from synth_assets.governance.pii import is_faker_provider

        for column, how in self.columns.items():
            kind, _, provider = how.partition(":")
            if kind not in ("drop", "keep", "fake") or (provider and kind != "fake"):
                raise ValueError(f"column {column!r}: {how!r} is not one of drop, keep, fake, fake:<provider>")
            if provider and not is_faker_provider(provider):
                raise ValueError(f"column {column!r}: Faker has no provider {provider!r} (e.g. name, email, phone_number, ssn)")
        return self


class DisclosureSpec(_Strict):
    """Generalisation applied to the snapshot before anything is learned from it (0 disables)."""

    min_category_rows: int = Field(default=10, ge=0, description="rarer categories are recoded to '(other)'")
    top_code_rows: int = Field(default=10, ge=0, description="numbers beyond the n-th most extreme are set to it")


class DriftSpec(_Strict):
    """How the drift sensor watches the source (thresholds: docs/metrics.md#drift)."""

    check_interval_seconds: int = Field(default=3600, ge=30, description="how often the sensor samples the source")
    sample_rows: int = Field(default=10_000, ge=100, description="rows sampled (by the database) per check")
    psi_threshold: float = Field(default=0.2, gt=0.0)
    alpha: float = Field(default=0.01, gt=0.0, lt=1.0, description="significance after Benjamini-Hochberg adjustment")
    null_share_threshold: float = Field(default=0.05, gt=0.0, le=1.0)
    unseen_share_threshold: float = Field(default=0.01, gt=0.0, le=1.0)
    column_share_threshold: float = Field(default=0.05, gt=0.0, le=1.0, description="share of drifted columns that means the dataset drifted")
    multivariate: bool = Field(default=False, description="also train a classifier to tell the champion's train split from the sample")
    multivariate_auc_threshold: float = Field(default=0.65, gt=0.5, le=1.0)
    updated_at_column: str | None = Field(default=None, description="a column whose max marks the source's last update (fingerprint)")
    roles: dict[str, Literal["time", "index"]] = Field(
        default_factory=dict,
        description="columns that say when or in which order a row arrived: kept in the model, left out of the drift verdict",
    )
    recency_column: str | None = Field(
        default=None, description="a `time` or `index` column: compare only rows above its value at the snapshot (rows added since)"
    )
    min_recent_rows: int = Field(default=200, ge=1, description="fewer rows added since the snapshot are reported, not judged")

    @model_validator(mode="after")
    def _recency_has_a_role(self) -> "DriftSpec":
        if self.recency_column is not None and self.recency_column not in self.roles:
            raise ValueError(f"`recency_column` {self.recency_column!r} must be declared under `roles` as time or index")
        return self


class Governance(_Strict):
    owner: str = Field(min_length=1)
    purpose: str = Field(min_length=1)
    allowed_uses: list[str] = Field(default_factory=list)
    forbidden_uses: list[str] = Field(default_factory=list)
    retention_days: int = Field(default=90, ge=1)


class DatasetSpec(_Strict):
    description: str = ""
    source: SourceSpec
    target: TargetSpec
    primary_key: str | None = None
    sensitive_attributes: list[str] = Field(
        default_factory=list, description="Columns whose subgroups get their own fidelity score (e.g. sex, race)."
    )
    quasi_identifiers: list[str] = Field(
        default_factory=list, description="Columns that together may identify a person (k-anonymity checks)."
    )
    inference_secrets: list[str] = Field(
        default_factory=list,
        description="Columns an attacker who knows the quasi-identifiers must not learn (linkage gate; default: the target).",
    )
    columns: dict[str, ColumnKind] = Field(
        default_factory=dict, description="Column kinds that override inference from dtypes."
    )
    pii: PiiSpec = Field(default_factory=PiiSpec)
    disclosure: DisclosureSpec = Field(default_factory=DisclosureSpec)
    constraints: list[Constraint] = Field(default_factory=list, description="rules every synthetic row satisfies")
    top_up_categories_above: float | None = Field(
        default=None, gt=0.0, lt=1.0, description="real categories at least this common are made to appear in the synthetic data"
    )
    epsilon_budget: float | None = Field(
        default=None, gt=0, description="total differential-privacy budget across refreshes; only DP generators then"
    )
    split: SplitSpec = Field(default_factory=SplitSpec)
    synthetic_rows: int | None = Field(
        default=None, gt=0, description="Rows to sample; defaults to the size of the train split."
    )
    max_sample_rows: int | None = Field(
        default=None, gt=0, description="most rows the registered generator returns per call; default: the rows the gates were run on"
    )
    generator: GeneratorSpec = Field(default_factory=GeneratorSpec)
    acceptance: AcceptanceCriteria = Field(default_factory=AcceptanceCriteria)
    transfer: TransferSpec = Field(default_factory=TransferSpec)
    governance: Governance
    refresh_cron: str = "0 2 * * *"
    max_generator_age_days: int = Field(default=30, ge=1, description="the nightly schedule regenerates an older champion")
    drift: DriftSpec = Field(default_factory=DriftSpec)
    bakeoff: BakeoffSpec | None = None
    regression_tolerance: float = Field(
        default=0.05, ge=0.0, le=1.0, description="a new champion worse than the previous one by more on a gated metric raises an alert"
    )

    @model_validator(mode="after")
    def _consistent_columns(self) -> "DatasetSpec":
        if self.primary_key is not None and self.primary_key == self.target.column:
            raise ValueError("`primary_key` and `target.column` must be different columns")
        if self.primary_key is not None and self.primary_key in self.columns:
            raise ValueError(f"`columns` declares the primary key {self.primary_key!r}; it is not modelled")
        if self.primary_key is not None and self.primary_key in self.sensitive_attributes + self.quasi_identifiers:
            raise ValueError(f"the primary key {self.primary_key!r} is not modelled: it cannot be a sensitive attribute or quasi-identifier")
        if self.epsilon_budget is not None:
            non_dp = [g for g in [self.generator, *(self.bakeoff.candidates if self.bakeoff else [])] if not g.differentially_private]
            if non_dp:
                raise ValueError(
                    f"`epsilon_budget` is set, so every generator must be differentially private; "
                    f"{', '.join(f'{g.engine}/{g.model}' for g in non_dp)} is not"
                )
        if overlap := sorted(set(self.inference_secrets) & set(self.quasi_identifiers)):
            raise ValueError(f"inference_secrets {overlap} are also quasi-identifiers: the attacker would already know them")
        unmodelled = {c for c, how in self.pii.columns.items() if how != "keep"}
        clashes = sorted(unmodelled & {self.target.column, *self.columns, *self.sensitive_attributes, *self.quasi_identifiers})
        if clashes:
            raise ValueError(f"pii columns {clashes} are dropped or faked, so they cannot be the target, declared columns, sensitive attributes or quasi-identifiers")
        return self


class Catalog(_Strict):
    datasets: dict[DatasetName, DatasetSpec] = Field(min_length=1)

    def dataset(self, name: str) -> DatasetSpec:
        try:
            return self.datasets[name]
        except KeyError:
            raise CatalogError(
                f"unknown dataset {name!r}; the catalog declares: {', '.join(sorted(self.datasets))}"
            ) from None


def load_catalog(path: Path | str | None = None, *, allow_unmeasured: bool = False) -> Catalog:
    """Load and validate a catalog (default: `$SYNTH_ASSETS_CATALOG`, else the bundled one).

    `allow_unmeasured` accepts registered models that are not offered yet (for benchmarks).
    """
    path = Path(path) if path is not None else settings.catalog_path()
    try:
        text = path.read_text()
    except OSError as error:
        raise CatalogError(f"cannot read catalog {path}: {error.strerror}") from None
    try:
        raw = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader that refuses duplicate keys
    except DuplicateKey as error:
        raise CatalogError(f"catalog {path}: {error}") from None
    except yaml.YAMLError as error:
        raise CatalogError(f"catalog {path} is not valid YAML: {error}") from None
    try:
        return Catalog.model_validate(raw, context={"allow_unmeasured": allow_unmeasured})
    except ValidationError as error:
        problems = "\n".join(f"  - {_describe(e)}" for e in error.errors())
        raise CatalogError(f"invalid catalog {path}:\n{problems}") from None


class DuplicateKey(yaml.YAMLError):
    pass


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML keeps the last of two equal keys; a catalog must not (a second `adult:` block would
    silently replace the first)."""

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise DuplicateKey(f"key {key!r} is declared twice in the same block (lines {seen[key]} and {line}); keep one")
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _describe(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "(top level)"
    kind = error["type"]
    if kind == "missing":
        return f"{where}: required field is missing"
    if kind == "extra_forbidden":
        parent = _model_at(error["loc"][:-1])
        allowed = f" (allowed: {', '.join(parent.model_fields)})" if parent else ""
        return f"{where}: unknown key{allowed}"
    message = error["msg"].removeprefix("Value error, ")
    if kind in {"model_type", "dict_type"} or error.get("input") is None:
        return f"{where}: {message}"
    return f"{where}: {message} (got {error['input']!r})"


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The model class that sits at `loc` in a catalog, to list its valid keys."""
    current: Any = Catalog
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return None
            current = field.annotation
        elif typing.get_origin(current) is dict:
            current = typing.get_args(current)[1]
        else:
            return None
        current = _unwrap_optional(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap_optional(annotation: Any) -> Any:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        return members[0] if len(members) == 1 else annotation
    return annotation


_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand_env(template: str, *, what: str) -> str:
    """Expand `${VAR}` from the environment; `${SYNTH_ASSETS_HOME}` falls back to its default."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == settings.HOME_ENV:
            return str(settings.local_home())
        if name not in os.environ:
            raise CatalogError(f"{what} references ${{{name}}}, which is not set in the environment")
        return os.environ[name]

    return _ENV_REFERENCE.sub(value, template)
