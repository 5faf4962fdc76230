"""`synth-assets demo` on the bundled catalog: the default generator earns every gate on all of Adult.

This is what `make demo` runs, on the real table at full size (slow: the default generator's fit
takes minutes on two cores). It checks the promise the default was chosen for, with the pipeline's
own metrics: every gate passed, quality >= 0.95, boosted-trees detection AUC <= 0.75.
"""

import json

import pytest

from synth_assets import cli
from synth_assets.stages.publish import read_champion
from synth_assets.storage import DataRoot

pytestmark = pytest.mark.slow


def test_the_demo_publishes_a_champion_from_the_default_generator(home, capsys):
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "Demo complete." in out
    root = DataRoot(str(home))
    champion = read_champion(root, "adult")
    assert champion is not None and all(gate.passed for gate in champion.gates)
    generator = json.loads(root.resolve(champion.published_path).with_name("datasheet.json").read_text())["generation"]
    assert f"{generator['engine']}/{generator['model']}" == "mostlyai/tabular_argn"
    validation = json.loads(root.resolve(champion.published_path).with_name("validation.json").read_text())["sections"]
    assert validation["fidelity"]["quality_score"]["value"] >= 0.95
    assert validation["fidelity"]["detection_auc_boosted"]["value"] <= 0.75
