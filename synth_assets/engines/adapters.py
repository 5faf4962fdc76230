"""The engine side: each engine family's adapter class (used by the worker, in that family's environment)."""

from typing import Any

from synth_assets.engines import generator_params
from synth_assets.engines.base import SyntheticGenerator
from synth_assets.engines.mostlyai import MostlyaiGenerator
from synth_assets.engines.registry import ModelInfo
from synth_assets.engines.replay import ReplayGenerator
from synth_assets.engines.sdv import SdvGenerator
from synth_assets.engines.smartnoise import SmartnoiseGenerator
from synth_assets.engines.synthcity import SynthcityGenerator

ADAPTERS: dict[str, type[SyntheticGenerator]] = {
    "sdv": SdvGenerator,
    "synthcity": SynthcityGenerator,
    "mostlyai": MostlyaiGenerator,
    "smartnoise": SmartnoiseGenerator,
    "replay": ReplayGenerator,
}


def construct(info: ModelInfo, params: dict[str, Any], seed: int, *, epsilon: float | None = None, delta: float | None = None) -> SyntheticGenerator:
    """A generator for any registered model (offered or not: benchmarks measure the others)."""
    return ADAPTERS[info.engine](info.model, generator_params(info, params, epsilon, delta), seed)
