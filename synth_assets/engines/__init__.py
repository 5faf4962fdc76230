"""Generators behind one interface; the catalog names one by engine and model.

This package is imported on both sides of the protocol (`engines/protocol.py`): the host uses the
registry and the runner (`isolation.py`, `environments.py`); an engine's environment runs the
worker and the adapters. Nothing here imports a generator library at import time.
"""

from typing import Any

from synth_assets.engines.base import GeneratorError
from synth_assets.engines.protocol import SamplingPolicy
from synth_assets.engines.registry import ENGINE_FAMILIES, MODELS, ModelInfo, describe, offered

PRIVACY_PARAMS = {"epsilon", "delta"}  # set through generator.epsilon / delta, so the ledger sees them


def available_models(engine: str) -> list[str]:
    """The models of `engine` synth-assets offers (measured on Adult, within their bounds)."""
    return sorted(info.model for info in MODELS.values() if info.engine == engine and offered(info.name))


def model_info(engine: str, model: str) -> ModelInfo:
    """The registry entry of an offered model, or an error that lists what is valid."""
    if engine not in ENGINE_FAMILIES:
        raise GeneratorError(f"unknown engine {engine!r}; valid: {', '.join(sorted(ENGINE_FAMILIES))}")
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
        raise GeneratorError(f"{info.name} has no parameter {', '.join(unknown)}; valid: {', '.join(sorted(info.params - PRIVACY_PARAMS))}")
    if misplaced := sorted(PRIVACY_PARAMS & set(params)):
        raise GeneratorError(f"{info.name}: set {', '.join(f'generator.{p}' for p in misplaced)} rather than params, so the privacy ledger counts it")
    merged = {**info.defaults, **params}
    if info.differentially_private:
        if epsilon is None and not info.dp_optional:
            raise GeneratorError(f"{info.name} is differentially private: set generator.epsilon (and optionally delta)")
        if epsilon is not None:
            merged["epsilon"] = epsilon
        if delta is not None:
            if epsilon is None:
                raise GeneratorError(f"{info.name}: generator.delta applies only with generator.epsilon")
            merged["delta"] = delta
    elif epsilon is not None or delta is not None:
        dp = sorted(i.name for i in MODELS.values() if i.differentially_private and offered(i.name))
        raise GeneratorError(f"{info.name} is not differentially private: epsilon/delta do not apply; DP models: {', '.join(dp)}")
    return merged


__all__ = [
    "ENGINE_FAMILIES",
    "MODELS",
    "GeneratorError",
    "ModelInfo",
    "SamplingPolicy",
    "available_models",
    "generator_params",
    "model_info",
]
