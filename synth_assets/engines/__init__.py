"""Generators behind one interface; the catalog names one by engine and model."""

from typing import Any

from synth_assets.engines.base import GeneratorError, SamplingPolicy, SyntheticGenerator
from synth_assets.engines.registry import MODELS, ModelInfo, describe, offered
from synth_assets.engines.sdv import SdvGenerator
from synth_assets.engines.synthcity import SynthcityGenerator

ENGINES: dict[str, type[SyntheticGenerator]] = {"sdv": SdvGenerator, "synthcity": SynthcityGenerator}


def available_models(engine: str) -> list[str]:
    """The models of `engine` synth-assets offers (measured on Adult, within their bounds)."""
    return sorted(info.model for info in MODELS.values() if info.engine == engine and offered(info.name))


def model_info(engine: str, model: str) -> ModelInfo:
    """The registry entry of an offered model, or an error that lists what is valid."""
    if engine not in ENGINES:
        raise GeneratorError(f"unknown engine {engine!r}; valid: {', '.join(sorted(ENGINES))}")
    info = MODELS.get(f"{engine}/{model}")
    valid = ", ".join(available_models(engine))
    if info is None:
        raise GeneratorError(f"unknown model {model!r} for engine {engine!r}; valid: {valid}")
    if not offered(info.name):
        raise GeneratorError(f"{info.name} is not offered ({describe(info)['cost_class']}); valid for {engine}: {valid}")
    return info


def generator_params(info: ModelInfo, params: dict[str, Any], epsilon: float | None, delta: float | None) -> dict[str, Any]:
    """Our defaults, overridden by the catalog's params, with the privacy budget for DP models."""
    unknown = sorted(set(params) - info.params)
    if unknown:
        raise GeneratorError(f"{info.name} has no parameter {', '.join(unknown)}; valid: {', '.join(sorted(info.params))}")
    merged = {**info.defaults, **params}
    if info.differentially_private:
        if epsilon is None:
            raise GeneratorError(f"{info.name} is differentially private: set generator.epsilon (and optionally delta)")
        merged["epsilon"] = epsilon
        if delta is not None:
            merged["delta"] = delta
    elif epsilon is not None or delta is not None:
        dp = sorted(i.name for i in MODELS.values() if i.differentially_private and offered(i.name))
        raise GeneratorError(f"{info.name} is not differentially private: epsilon/delta do not apply; DP models: {', '.join(dp)}")
    return merged


def construct(info: ModelInfo, params: dict[str, Any], seed: int, *, epsilon: float | None = None, delta: float | None = None) -> SyntheticGenerator:
    """A generator for any registered model (offered or not: benchmarks measure the others)."""
    return ENGINES[info.engine](info.model, generator_params(info, params, epsilon, delta), seed)


def build_generator(
    engine: str, model: str, params: dict[str, Any], seed: int, *, epsilon: float | None = None, delta: float | None = None
) -> SyntheticGenerator:
    """A generator for an offered model (the catalog's contract)."""
    return construct(model_info(engine, model), params, seed, epsilon=epsilon, delta=delta)


__all__ = [
    "MODELS",
    "GeneratorError",
    "SamplingPolicy",
    "SyntheticGenerator",
    "available_models",
    "build_generator",
    "construct",
    "generator_params",
    "model_info",
]
