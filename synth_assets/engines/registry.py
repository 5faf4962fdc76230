"""Every generator synth-assets offers: its engine family, what it accepts, and what it cost on Adult.

An engine family is a generator library with its own locked environment (`environments/<name>/`):
fits and samples run there, never in the orchestration environment. The parameter names are those
of the pinned libraries' constructors (`tests/engines/test_registry.py` checks them against each
installed environment), so a catalog is validated without any engine library installed. Our
defaults keep neural models to a few minutes on two CPU cores. Measured costs come from
`benchmarks/generators.py` (copied into `measurements.json`): a model that was not measured, or
that did not finish within its bound on Adult, is not offered.
"""

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

MEASUREMENTS = Path(__file__).with_name("measurements.json")


@dataclass(frozen=True)
class EngineFamily:
    name: str
    environment: str | None  # its folder under environments/; None: runs in the host's own interpreter
    licence: str


ENGINE_FAMILIES = {
    family.name: family
    for family in (
        EngineFamily("sdv", "sdv", "BUSL-1.1 (SDV, ctgan, rdt, copulas: Business Source License)"),
        EngineFamily("synthcity", "synthcity", "Apache-2.0"),
        EngineFamily("mostlyai", "mostlyai", "Apache-2.0"),
        EngineFamily("smartnoise", "smartnoise", "MIT"),
        EngineFamily("replay", None, "Apache-2.0 (part of synth-assets)"),
    )
}

_SDV_COMMON = {"enforce_min_max_values", "enforce_rounding"}
_SDV_GAN = _SDV_COMMON | {
    "locales", "embedding_dim", "generator_dim", "discriminator_dim", "generator_lr", "generator_decay",
    "discriminator_lr", "discriminator_decay", "batch_size", "discriminator_steps", "log_frequency", "verbose",
    "epochs", "pac", "enable_gpu",
}
_SYNTHCITY_BASE = {"sampling_patience", "strict", "device", "compress_dataset", "sampling_strategy"}
_SYNTHCITY_GAN = _SYNTHCITY_BASE | {
    "n_iter", "generator_n_layers_hidden", "generator_n_units_hidden", "generator_nonlin", "generator_dropout",
    "generator_opt_betas", "discriminator_n_layers_hidden", "discriminator_n_units_hidden", "discriminator_nonlin",
    "discriminator_n_iter", "discriminator_dropout", "discriminator_opt_betas", "lr", "weight_decay", "batch_size",
    "clipping_value", "lambda_gradient_penalty", "encoder_max_clusters", "encoder", "dataloader_sampler",
    "patience", "patience_metric", "n_iter_print", "n_iter_min",
}
_SYNTHCITY_VAE = _SYNTHCITY_BASE | {
    "n_iter", "n_units_embedding", "lr", "weight_decay", "batch_size", "decoder_n_layers_hidden",
    "decoder_n_units_hidden", "decoder_nonlin", "decoder_dropout", "encoder_n_layers_hidden", "encoder_n_units_hidden",
    "encoder_nonlin", "encoder_dropout", "data_encoder_max_clusters", "dataloader_sampler", "clipping_value",
    "n_iter_print", "n_iter_min", "patience",
}

# mostlyai-engine: TabularARGN's training arguments, its DP-SGD settings (with `epsilon` as
# max_epsilon and `delta`), and generation options; engines/mostlyai.py routes each.
_MOSTLYAI_TRAIN = {"model", "max_epochs", "max_training_time", "batch_size", "gradient_accumulation_steps", "value_protection", "enable_flexible_generation"}
_MOSTLYAI_DP = {"epsilon", "delta", "noise_multiplier", "max_grad_norm", "value_protection_epsilon"}
_MOSTLYAI_SAMPLE = {"sampling_temperature", "sampling_top_p"}
# smartnoise-synth: the synthesizer's arguments, and `bins` per numeric column (ours: see engines/smartnoise.py).
_SMARTNOISE_COMMON = {"epsilon", "delta", "bins"}
_SMARTNOISE_SCOPE = "the counts; the category sets and numeric bounds (catalog ranges, else the generalised snapshot's) are taken as public"


@dataclass(frozen=True)
class ModelInfo:
    engine: str
    model: str
    kind: str  # copula, gan, diffusion, marginal, ...: what sort of model it is
    params: frozenset[str]
    defaults: dict[str, Any] = field(default_factory=dict)
    differentially_private: bool = False  # the model takes `epsilon` (and `delta`) and guarantees them
    dp_optional: bool = False  # ... and also fits without them, then with no guarantee
    conditional: bool = False  # the engine can sample rows with given column values (coverage top-up)
    control: bool = False  # a negative control: exists to prove the gates catch it
    note: str = ""
    dp_scope: str = ""  # what the epsilon covers and what it takes as public, where that needs saying

    @property
    def name(self) -> str:
        return f"{self.engine}/{self.model}"

    @property
    def family(self) -> EngineFamily:
        return ENGINE_FAMILIES[self.engine]


MODELS = {
    info.name: info
    for info in (
        ModelInfo("sdv", "gaussian_copula", "copula", frozenset(_SDV_COMMON | {"locales", "numerical_distributions", "default_distribution"}), conditional=True),
        ModelInfo("sdv", "ctgan", "gan", frozenset(_SDV_GAN), {"epochs": 50, "enable_gpu": False}, conditional=True),
        ModelInfo("sdv", "tvae", "vae", frozenset(_SDV_COMMON | {"embedding_dim", "compress_dims", "decompress_dims", "l2scale", "batch_size", "verbose", "epochs", "loss_factor", "enable_gpu"}), {"epochs": 50, "enable_gpu": False}, conditional=True),
        ModelInfo("sdv", "copulagan", "gan", frozenset(_SDV_GAN | {"numerical_distributions", "default_distribution"}), {"epochs": 50, "enable_gpu": False}, conditional=True),
        ModelInfo("synthcity", "marginal_distributions", "marginal", frozenset(_SYNTHCITY_BASE), note="independent columns: a baseline"),
        ModelInfo("synthcity", "bayesian_network", "bayesian", frozenset(_SYNTHCITY_BASE | {"struct_learning_n_iter", "struct_learning_search_method", "struct_learning_score", "struct_max_indegree", "encoder_max_clusters", "encoder_noise_scale"})),
        ModelInfo("synthcity", "arf", "forest", frozenset(_SYNTHCITY_BASE | {"num_trees", "delta", "max_iters", "early_stop", "verbose", "min_node_size"}), {"max_iters": 3}),
        ModelInfo("synthcity", "ctgan", "gan", frozenset(_SYNTHCITY_GAN | {"adjust_inference_sampling"}), {"n_iter": 30}),
        ModelInfo("synthcity", "tvae", "vae", frozenset(_SYNTHCITY_VAE | {"loss_factor"}), {"n_iter": 20}),
        ModelInfo("synthcity", "ddpm", "diffusion", frozenset(_SYNTHCITY_BASE | {"is_classification", "n_iter", "lr", "weight_decay", "batch_size", "num_timesteps", "gaussian_loss_type", "scheduler", "log_interval", "model_type", "model_params", "dim_embed", "continuous_encoder", "cont_encoder_params", "validation_size", "validation_metric"}), {"n_iter": 300}),
        ModelInfo("synthcity", "nflow", "flow", frozenset(_SYNTHCITY_BASE | {"n_iter", "n_layers_hidden", "n_units_hidden", "batch_size", "num_transform_blocks", "dropout", "batch_norm", "num_bins", "tail_bound", "lr", "apply_unconditional_transform", "base_distribution", "linear_transform_type", "base_transform_type", "encoder_max_clusters", "tabular", "n_iter_min", "n_iter_print", "patience", "patience_metric"}), {"n_iter": 20}),
        ModelInfo("synthcity", "dpgan", "gan", frozenset(_SYNTHCITY_GAN | {"epsilon", "delta", "dp_max_grad_norm", "dp_secure_mode"}), {"n_iter": 3}, differentially_private=True, note="DP-SGD (opacus)"),
        ModelInfo("synthcity", "pategan", "gan", frozenset(_SYNTHCITY_BASE | {"n_iter", "generator_n_iter", "generator_n_layers_hidden", "generator_n_units_hidden", "generator_nonlin", "generator_dropout", "discriminator_n_layers_hidden", "discriminator_n_units_hidden", "discriminator_nonlin", "discriminator_n_iter", "discriminator_dropout", "lr", "weight_decay", "batch_size", "clipping_value", "encoder_max_clusters", "n_teachers", "teacher_template", "epsilon", "delta", "lamda", "alpha", "encoder"}), {"n_iter": 20}, differentially_private=True, note="PATE teachers"),
        ModelInfo("synthcity", "adsgan", "gan", frozenset(_SYNTHCITY_GAN | {"lambda_identifiability_penalty", "adjust_inference_sampling"}), {"n_iter": 30}, note="identifiability penalty: a privacy heuristic, not differential privacy"),
        ModelInfo("synthcity", "aim", "marginal", frozenset(_SYNTHCITY_BASE | {"epsilon", "delta", "max_model_size", "degree", "num_marginals", "max_cells"}), differentially_private=True),
        ModelInfo("synthcity", "privbayes", "bayesian", frozenset(_SYNTHCITY_BASE | {"epsilon", "K", "n_bins", "mi_thresh", "target_usefulness"}), differentially_private=True),
        ModelInfo("synthcity", "dummy_sampler", "control", frozenset(_SYNTHCITY_BASE), control=True, note="resamples real training rows: fails every privacy gate by design"),
        ModelInfo("synthcity", "uniform_sampler", "control", frozenset(_SYNTHCITY_BASE), control=True, note="uniform noise over the schema: fails fidelity by design"),
        ModelInfo(
            "mostlyai",
            "tabular_argn",
            "autoregressive",
            frozenset(_MOSTLYAI_TRAIN | _MOSTLYAI_DP | _MOSTLYAI_SAMPLE),
            {"model": "MOSTLY_AI/Medium", "max_epochs": 8},
            differentially_private=True,
            dp_optional=True,
            conditional=True,
            note="TabularARGN, an autoregressive network over columns; DP-SGD (opacus) when generator.epsilon is set",
            dp_scope="DP-SGD training and the value ranges of its analysis step share the epsilon; the checkpoint is chosen on a validation split of the same training rows",
        ),
        ModelInfo("smartnoise", "mst", "marginal", frozenset(_SMARTNOISE_COMMON), {"bins": 32}, differentially_private=True, note="maximum spanning tree of noisy 2-way marginals (Private-PGM)", dp_scope=_SMARTNOISE_SCOPE),
        ModelInfo(
            "smartnoise",
            "aim",
            "marginal",
            frozenset(_SMARTNOISE_COMMON | {"max_model_size", "degree", "num_marginals", "max_cells", "rounds"}),
            # Coarser than MST's 32: AIM re-fits its graphical model once per round (16 x columns
            # rounds), and the cost grows with the marginals' cells.
            {"bins": 16},
            differentially_private=True,
            note="adaptive, iterative selection of noisy marginals (Private-PGM)",
            dp_scope=_SMARTNOISE_SCOPE,
        ),
        ModelInfo("replay", "rows", "control", frozenset({"path"}), control=True, note="replays the rows of a file as its output: a control that proves the gates stop leaks"),
    )
}

# Parameters that run a model's real code paths in seconds on a few hundred rows: the engine
# tests and the benchmark's reproducibility check use them. Not for real data.
_SMOKE = {"epochs": 2, "n_iter": 2, "num_trees": 2, "struct_learning_n_iter": 10, "max_iters": 1, "num_timesteps": 20, "n_teachers": 2, "max_epochs": 1, "model": "MOSTLY_AI/Small", "bins": 8}


def smoke_params(info: ModelInfo) -> dict[str, Any]:
    return {name: value for name, value in _SMOKE.items() if name in info.params}


@cache
def measurements() -> dict[str, dict]:
    return json.loads(MEASUREMENTS.read_text()) if MEASUREMENTS.exists() else {}


def offered(name: str) -> bool:
    """Offered means measured on Adult and finished within its bound there; controls that run in
    the host (replay) have no cost to measure."""
    info = MODELS.get(name)
    if info is not None and info.control and info.family.environment is None:
        return True
    return measurements().get(name, {}).get("status") == "ok"


def cost_class(name: str) -> str:
    measured = measurements().get(name)
    if measured is None:
        return "control (no cost to measure)" if offered(name) else "not measured"
    if measured["status"] == "error":
        return f"failed on Adult: {measured['error']}"
    if measured["status"] != "ok":
        return f"over its bounds on Adult: {measured['status']}"
    seconds = measured["fit_seconds"]
    return "fast (< 1 min)" if seconds < 60 else "moderate (< 10 min)" if seconds < 600 else "slow (>= 10 min)"


def describe(info: ModelInfo) -> dict:
    return {
        "engine": info.engine,
        "model": info.model,
        "kind": info.kind,
        "environment": info.family.environment or "host",
        "licence": info.family.licence,
        "offered": offered(info.name),
        "differentially_private": info.differentially_private,
        "differential_privacy": "optional" if info.dp_optional else "required" if info.differentially_private else "none",
        "conditional_sampling": info.conditional,
        "control": info.control,
        "cost_class": cost_class(info.name),
        "measured_on_adult": measurements().get(info.name),
        "defaults": info.defaults,
        "note": info.note,
    }
