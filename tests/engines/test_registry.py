"""The registry (what the catalog validates against) matches the installed libraries and the measurements."""

import importlib
import inspect

import pytest

from synth_assets.engines import MODELS, GeneratorError, available_models, build_generator, generator_params, model_info
from synth_assets.engines.registry import describe, measurements
from synth_assets.engines.sdv import SDV_MODELS
from synth_assets.engines.synthcity import PRIVACY_PLUGINS

# Constructor arguments synth-assets sets itself (the schema, the seed, the plugin's scratch
# folder), and Python objects a YAML catalog cannot hold (ddpm's training callbacks).
OURS = {"self", "metadata", "random_state", "workspace", "kwargs", "callbacks"}
# What the generator-catalog issue requires, beyond what measurement may add.
REQUIRED = {
    "sdv": {"gaussian_copula", "ctgan", "tvae", "copulagan"},
    "synthcity": {"marginal_distributions", "ctgan", "tvae", "ddpm", "arf", "bayesian_network", "nflow", "dpgan", "pategan", "adsgan"},
}


def installed_parameters(engine: str, model: str) -> set[str]:
    if engine == "sdv":
        import sdv.single_table

        return set(inspect.signature(getattr(sdv.single_table, SDV_MODELS[model]).__init__).parameters) - OURS
    from synthcity.plugins.core.plugin import Plugin

    package = "privacy" if model in PRIVACY_PLUGINS else "generic"
    own = inspect.signature(importlib.import_module(f"synthcity.plugins.{package}.plugin_{model}").plugin.__init__).parameters
    # Plugins that take **kwargs pass them on to the base Plugin.
    inherited = set(inspect.signature(Plugin.__init__).parameters) if "kwargs" in own else set()
    return (set(own) | inherited) - OURS


@pytest.mark.parametrize("name", sorted(MODELS))
def test_registered_parameters_are_the_installed_constructors(name):
    info = MODELS[name]
    installed = installed_parameters(info.engine, info.model)
    assert set(info.params) == installed, f"{name}: registry and installed constructor differ"
    assert set(info.defaults) <= installed


def test_every_required_model_is_measured_and_offered():
    for engine, models in REQUIRED.items():
        assert models <= set(available_models(engine)), f"{engine}: not offered: {models - set(available_models(engine))}"


def test_only_models_that_finished_within_their_bounds_are_offered():
    for name, measured in measurements().items():
        assert describe(MODELS[name])["offered"] == (measured["status"] == "ok")
        if measured["status"] == "ok":
            assert measured["fit_seconds"] < measured["bounds"]["time_budget_s"]
            assert measured["peak_memory_mb"] < measured["bounds"]["memory_limit_gb"] * 1024


def test_unknown_engine_model_and_parameter_list_what_is_valid():
    with pytest.raises(GeneratorError, match=r"unknown engine 'gretel'; valid: sdv, synthcity"):
        build_generator("gretel", "x", {}, 0)
    with pytest.raises(GeneratorError, match=r"unknown model 'ctgn' for engine 'sdv'; valid: copulagan, ctgan, gaussian_copula, tvae"):
        build_generator("sdv", "ctgn", {}, 0)
    with pytest.raises(GeneratorError, match=r"synthcity/privbayes is not offered \(over its bounds on Adult: (timeout|memory) \(> "):
        build_generator("synthcity", "privbayes", {}, 0)
    with pytest.raises(GeneratorError, match=r"sdv/ctgan has no parameter epoch; valid: .*epochs"):
        build_generator("sdv", "ctgan", {"epoch": 3}, 0)


def test_differential_privacy_parameters_only_where_they_mean_something():
    with pytest.raises(GeneratorError, match="differentially private: set generator.epsilon"):
        generator_params(model_info("synthcity", "dpgan"), {}, None, None)
    with pytest.raises(GeneratorError, match="not differentially private: epsilon/delta do not apply; DP models: .*synthcity/dpgan"):
        generator_params(model_info("sdv", "ctgan"), {}, 1.0, None)
    assert generator_params(model_info("synthcity", "dpgan"), {"n_iter": 3}, 2.0, 1e-5) == {"n_iter": 3, "epsilon": 2.0, "delta": 1e-5}
