"""The registry (what the catalog validates against) matches each installed environment and the measurements."""

import json
import subprocess

import pytest

from synth_assets.engines import MODELS, GeneratorError, available_models, generator_params, model_info
from synth_assets.engines.environments import environment
from synth_assets.engines.registry import measurements

# Constructor arguments synth-assets sets itself (the schema, the seed, the plugin's scratch
# folder, the engine's workspace and device), and Python objects a YAML catalog cannot hold.
OURS = {"self", "metadata", "random_state", "workspace", "kwargs", "callbacks", "verbose", "workspace_dir", "device", "data"}
# What the generator-catalog and engines issues require, beyond what measurement may add.
REQUIRED = {
    "sdv": {"gaussian_copula", "ctgan", "tvae", "copulagan"},
    "synthcity": {"marginal_distributions", "ctgan", "tvae", "ddpm", "arf", "bayesian_network", "nflow", "dpgan", "pategan", "adsgan"},
    "mostlyai": {"tabular_argn"},
    "smartnoise": {"mst"},
}
# Registered and listed, but measured past their bounds on Adult: not offered until a run fits.
BOUNDED_OUT = {"smartnoise/aim"}
# Run in each engine's own environment: the parameter names its installed library accepts.
INTROSPECT = {
    "sdv": """
import inspect, json, sys, sdv.single_table
from synth_assets.engines.sdv import SDV_MODELS
print(json.dumps({m: list(inspect.signature(getattr(sdv.single_table, c).__init__).parameters) for m, c in SDV_MODELS.items()}))
""",
    "synthcity": """
import importlib, inspect, json
from synthcity.plugins.core.plugin import Plugin
from synth_assets.engines.registry import MODELS
from synth_assets.engines.synthcity import PRIVACY_PLUGINS
found = {}
for info in MODELS.values():
    if info.engine != "synthcity":
        continue
    package = "privacy" if info.model in PRIVACY_PLUGINS else "generic"
    own = inspect.signature(importlib.import_module(f"synthcity.plugins.{package}.plugin_{info.model}").plugin.__init__).parameters
    inherited = list(inspect.signature(Plugin.__init__).parameters) if "kwargs" in own else []  # **kwargs go to the base Plugin
    found[info.model] = list(own) + inherited
print(json.dumps(found))
""",
    "mostlyai": """
import inspect, json
from mostlyai.engine import generate, train
from mostlyai.engine.domain import DifferentialPrivacyConfig
from synth_assets.engines.mostlyai import DP_FIELDS
from synth_assets.engines.mostlyai import SAMPLE_FIELDS
# Set by the adapter itself: DP goes through generator.epsilon, the rest is the workspace,
# callbacks, sequential-only (max_sequence_window) and resuming (model_state_strategy).
adapter_sets = {"differential_privacy", "update_progress", "upload_model_data_callback", "max_sequence_window", "model_state_strategy"}
# training arguments, analysis's value protection, DP settings (ours -> the engine's names), and
# the generation options the catalog may tune (the others are the adapter's: seeds, sizes, rare categories)
names = [p for p in inspect.signature(train).parameters if p not in adapter_sets] + ["value_protection"]
names += [p for p in inspect.signature(generate).parameters if p in SAMPLE_FIELDS]
dp = set(DifferentialPrivacyConfig.model_fields)
names += [ours for ours, theirs in DP_FIELDS.items() if theirs in dp]
print(json.dumps({"tabular_argn": names}))
""",
    "smartnoise": """
import inspect, json
from snsynth.aim import AIMSynthesizer
from snsynth.mst import MSTSynthesizer
# `bins` is ours: the adapter's coding of numeric columns; MST's `ignore` (columns left out) is the
# schema contract's job, not a catalog parameter
names = {m: [p for p in inspect.signature(c.__init__).parameters if p != "ignore"] + ["bins"] for m, c in (("mst", MSTSynthesizer), ("aim", AIMSynthesizer))}
print(json.dumps(names))
""",
}


@pytest.fixture(scope="module")
def installed_parameters() -> dict[str, dict[str, set[str]]]:
    from synth_assets.engines.isolation import PACKAGE

    found = {}
    for engine, script in INTROSPECT.items():
        completed = subprocess.run(
            [str(environment(engine).interpreter()), "-c", script], capture_output=True, text=True, check=True, env={"PYTHONPATH": str(PACKAGE.parent)}
        )
        found[engine] = {model: set(names) - OURS for model, names in json.loads(completed.stdout.strip().splitlines()[-1]).items()}
    return found


@pytest.mark.parametrize("name", sorted(n for n in MODELS if MODELS[n].engine in INTROSPECT))
def test_registered_parameters_are_the_installed_libraries(name, installed_parameters):
    info = MODELS[name]
    installed = installed_parameters[info.engine][info.model]
    assert set(info.params) - OURS == installed, f"{name}: registry and installed library differ"
    assert set(info.defaults) <= installed


def test_every_required_model_is_measured_and_offered():
    for engine, models in REQUIRED.items():
        assert models <= set(available_models(engine)), f"{engine}: not offered: {models - set(available_models(engine))}"


def test_offered_follows_the_measurement_not_the_registration(tmp_path, monkeypatch):
    """Against a measurements file written here: finished -> offered; timed out, failed or never
    measured -> not; the host-side replay control needs no measurement."""
    from synth_assets.engines import registry

    written = {
        "sdv/gaussian_copula": {"status": "ok", "fit_seconds": 9.0},
        "sdv/ctgan": {"status": "timeout (> 900 s)"},
        "synthcity/ddpm": {"status": "error", "error": "boom"},
    }
    (tmp_path / "measurements.json").write_text(json.dumps(written))
    monkeypatch.setattr(registry, "MEASUREMENTS", tmp_path / "measurements.json")
    registry.measurements.cache_clear()
    try:
        assert registry.offered("sdv/gaussian_copula")
        assert not registry.offered("sdv/ctgan") and not registry.offered("synthcity/ddpm")
        assert not registry.offered("sdv/tvae")  # registered, never measured
        assert registry.offered("replay/rows")
        assert registry.cost_class("sdv/ctgan") == "over its bounds on Adult: timeout (> 900 s)"
        assert registry.cost_class("synthcity/ddpm") == "failed on Adult: boom"
        assert registry.cost_class("sdv/gaussian_copula") == "fast (< 1 min)"
    finally:
        registry.measurements.cache_clear()


def test_the_shipped_measurements_finished_within_their_bounds():
    for measured in measurements().values():
        if measured["status"] == "ok":
            assert measured["fit_seconds"] < measured["bounds"]["time_budget_s"]
            assert measured["peak_memory_mb"] < measured["bounds"]["memory_limit_gb"] * 1024


def test_generators_list_the_new_engines_with_their_privacy(capsys):
    from synth_assets import cli

    assert cli.main(["generators", "--all", "--json"]) == 0
    listed = {f"{g['engine']}/{g['model']}": g for g in json.loads(capsys.readouterr().out)["generators"]}
    assert {name for name, g in listed.items() if not g["offered"]} >= BOUNDED_OUT
    assert listed["mostlyai/tabular_argn"]["offered"] and listed["smartnoise/mst"]["offered"]
    assert listed["mostlyai/tabular_argn"]["differential_privacy"] == "optional"
    assert listed["smartnoise/mst"]["differential_privacy"] == listed["smartnoise/aim"]["differential_privacy"] == "required"
    assert listed["sdv/gaussian_copula"]["differential_privacy"] == "none"
    assert {"sdv/gaussian_copula", "synthcity/ddpm", "mostlyai/tabular_argn", "smartnoise/mst", "smartnoise/aim"} <= set(listed)
    assert all(entry["installed"] for entry in listed.values())
    assert listed["sdv/ctgan"]["licence"].startswith("BUSL-1.1")


def test_unknown_engine_model_and_parameter_list_what_is_valid():
    with pytest.raises(GeneratorError, match=r"unknown engine 'gretel'; valid: mostlyai, replay, sdv, smartnoise, synthcity"):
        model_info("gretel", "x")
    with pytest.raises(GeneratorError, match=r"unknown model 'ctgn' for engine 'sdv'; valid: copulagan, ctgan, gaussian_copula, tvae"):
        model_info("sdv", "ctgn")
    with pytest.raises(GeneratorError, match=r"synthcity/privbayes is not offered \(over its bounds on Adult: (timeout|memory) \(> "):
        model_info("synthcity", "privbayes")
    with pytest.raises(GeneratorError, match=r"sdv/ctgan has no parameter epoch; valid: .*epochs"):
        generator_params(model_info("sdv", "ctgan"), {"epoch": 3}, None, None)


def test_differential_privacy_parameters_only_where_they_mean_something():
    with pytest.raises(GeneratorError, match="differentially private: set generator.epsilon"):
        generator_params(model_info("synthcity", "dpgan"), {}, None, None)
    with pytest.raises(GeneratorError, match="not differentially private: epsilon/delta do not apply; DP models: .*synthcity/dpgan"):
        generator_params(model_info("sdv", "ctgan"), {}, 1.0, None)
    with pytest.raises(GeneratorError, match="set generator.epsilon rather than params, so the privacy ledger counts it"):
        generator_params(model_info("smartnoise", "mst"), {"epsilon": 1.0}, None, None)
    assert generator_params(model_info("synthcity", "dpgan"), {"n_iter": 3}, 2.0, 1e-5) == {"n_iter": 3, "epsilon": 2.0, "delta": 1e-5}
    # TabularARGN trains with DP-SGD only when asked; without epsilon it is an ordinary fit
    argn = model_info("mostlyai", "tabular_argn")
    assert "epsilon" not in generator_params(argn, {}, None, None)
    assert generator_params(argn, {}, 3.0, None)["epsilon"] == 3.0
