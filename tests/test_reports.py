"""Validation reports: JSON, Markdown and HTML with figures, and nothing a real record could be read from."""

import json
import re

import pytest

from synth_assets.gates import applicable_gates
from synth_assets.governance import plots
from synth_assets.manifests import SyntheticManifest
from synth_assets.reports import gated_report
from synth_assets.stages.candidate import write_report
from synth_assets.stages.validate import validation_sections
from synth_assets.storage import DataRoot

pytestmark = pytest.mark.slow
CANARY = "CANARY-7f3a"
OUTLIER = 77777  # capital_loss never exceeds 4,356 in Adult


@pytest.fixture(scope="module")
def written_report(tmp_path_factory, adult_spec, adult_split):
    schema, train, holdout = adult_split
    planted = train.copy()
    planted.loc[:2, "native_country"] = CANARY
    planted.loc[3:5, "race"] = CANARY
    planted.loc[6, "capital_loss"] = OUTLIER
    synthetic = holdout  # lacks the canaries: every "missing category" path is exercised
    sections = validation_sections(synthetic, planted, holdout, adult_spec, schema)
    body, outcomes = gated_report(sections, applicable_gates(adult_spec, "validation"))
    root = DataRoot(str(tmp_path_factory.mktemp("reports")))
    manifest = SyntheticManifest(
        dataset="adult", version="v1", path="restricted/adult/candidates/v1/synthetic.parquet", content_hash="0" * 64,
        n_rows=len(synthetic), sample_seed=0, generator_sha256="1" * 64, snapshot_hash="2" * 64,
    )
    figures = {
        "Distributions": plots.distribution_overlay(planted, synthetic, schema),
        "DCR": plots.dcr_histogram(sections["privacy"]["dcr_share"].details["histogram"]),
    }
    report = write_report("validation", body, outcomes, manifest, root, figures=figures)
    return root, root.path("restricted", "adult", "candidates", "v1"), report


def test_report_files_and_sections(written_report):
    root, folder, report = written_report
    assert set(report.files) == {"validation.json", "validation.md", "validation.html", "validation-figure-1.png", "validation-figure-2.png"}
    body = json.loads((folder / "validation.json").read_text())
    assert set(body["sections"]) == {"fidelity", "coverage", "privacy"}
    dcr = body["sections"]["privacy"]["dcr_share"]
    assert {"value", "threshold", "passed", "ci_low", "ci_high", "baseline", "n_samples"} <= set(dcr)
    assert body["passed"] == report.passed == all(g["passed"] for g in body["gates"])


def test_markdown_and_html_read_on_their_own(written_report):
    _, folder, _ = written_report
    markdown = (folder / "validation.md").read_text()
    assert "## Gates" in markdown and "privacy_dcr_share" in markdown
    assert "![Distributions](validation-figure-1.png)" in markdown
    html = (folder / "validation.html").read_text()
    assert html.count("data:image/png;base64,") == 2 and "<table>" in html
    for index in (1, 2):
        assert (folder / f"validation-figure-{index}.png").read_bytes().startswith(b"\x89PNG")


def test_no_rare_category_or_outlier_is_readable(written_report):
    _, folder, _ = written_report
    for name in ("validation.json", "validation.md", "validation.html"):
        text = (folder / name).read_text()
        assert CANARY not in text, name
        assert not re.search(rf"(?<![\d.]){OUTLIER}(?![\d])", text), name  # as a number, not inside another
