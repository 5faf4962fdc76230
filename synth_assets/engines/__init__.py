"""Generators behind one interface; the catalog names one by engine and model."""

from typing import Any

from synth_assets.engines.base import GeneratorError, SyntheticGenerator
from synth_assets.engines.sdv import SDV_MODELS, SdvGenerator
from synth_assets.engines.synthcity import SYNTHCITY_MODELS, SynthcityGenerator

ENGINES: dict[str, tuple[type[SyntheticGenerator], dict]] = {
    "sdv": (SdvGenerator, SDV_MODELS),
    "synthcity": (SynthcityGenerator, SYNTHCITY_MODELS),
}


def available_models(engine: str) -> list[str]:
    return sorted(ENGINES[engine][1]) if engine in ENGINES else []


def build_generator(engine: str, model: str, params: dict[str, Any], seed: int) -> SyntheticGenerator:
    if model not in available_models(engine):
        raise GeneratorError(
            f"unknown generator {engine}/{model}; valid: "
            + ", ".join(f"{e}/{m}" for e in ENGINES for m in available_models(e))
        )
    generator_class = ENGINES[engine][0]
    return generator_class(model, params, seed)


__all__ = ["GeneratorError", "SyntheticGenerator", "available_models", "build_generator"]
