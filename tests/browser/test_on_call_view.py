"""What an on-call engineer sees after a good run and a leaking one (issue 18, the on-call view).

The scenario and the servers are in conftest.py: run 1 published honest rows, run 2 replayed
copied train rows and was stopped by a privacy gate. Selectors are the texts a person reads.
"""

import json
import re

import pytest

from synth_assets.publish.mlflow_registry import registered_model_name
from tests.browser.conftest import DATASET, JOB, UI_TIMEOUT_MS, artifacts_dir, location_name

pytestmark = [pytest.mark.slow, pytest.mark.browser]

# The Re-execute button's warnings when the UI cannot match a run to the loaded job
# (dagster-webserver's useJobAvailabilityErrorForRun).
REEXECUTE_WARNINGS = (
    "may be a different version",
    "may be different than the one used for the original run",
    "from a different code location",
    "is not available in your definitions",
    "could not be found",
)


def open_page(page, url: str, ready_text: str | re.Pattern):
    page.goto(url)
    page.get_by_text(ready_text).first.wait_for(timeout=UI_TIMEOUT_MS)


def open_status_card(page) -> None:
    """Open the `status` metadata entry shown: a long Markdown entry is a "[Show Markdown]" link
    that opens a dialog (a short one renders inline, with nothing to open)."""
    status_row = page.get_by_role("row").filter(has=page.get_by_text("status", exact=True))
    status_row.first.wait_for()
    link = status_row.get_by_text("[Show Markdown]")
    if link.count():
        link.first.click()
        page.get_by_role("dialog").first.wait_for()


def published_gate(on_call) -> dict:
    """One gate of the champion's validation report, as the published report records it."""
    version = on_call.champion["version"]
    report = json.loads((on_call.home / "published" / DATASET / "versions" / version / "validation.json").read_text())
    # A value that reads as itself (0.0000 or 1.0000 could be any number on the page).
    return next(g for g in report["gates"] if g["passed"] and f"{g['value']:.4f}" not in ("0.0000", "1.0000", "-0.0000"))


def test_runs_list_holds_both_cli_runs_without_a_version_warning(on_call, servers, page, request):
    open_page(page, f"{servers['dagster']}/locations/{location_name()}/jobs/{JOB}/runs", on_call.published_run_id[:8])
    page.get_by_text(on_call.failed_run_id[:8]).first.wait_for()
    page.screenshot(path=str(artifacts_dir() / f"{request.node.name}-runs.png"))

    open_page(page, f"{servers['dagster']}/runs/{on_call.published_run_id}", "Re-execute")
    reexecute = page.get_by_role("button", name=re.compile("Re-execute"))
    reexecute.first.wait_for()
    assert reexecute.locator('[aria-label="warning"], [aria-label="error"]').count() == 0
    reexecute.first.hover()
    page.wait_for_timeout(1000)  # a warning would show as the button's tooltip
    text = page.content()
    assert not [w for w in REEXECUTE_WARNINGS if w in text]


def test_publication_shows_champion_and_gate_then_the_kept_champion_after_the_leak(on_call, servers, page, request):
    version = on_call.champion["version"]
    gate = published_gate(on_call)
    # Overview: the latest materialization (run 1) and its status card.
    open_page(page, f"{servers['dagster']}/assets/{DATASET}/publication", "Metadata")
    open_status_card(page)
    card = page.get_by_role("dialog").first
    card.get_by_text(version).first.wait_for()
    card.get_by_text(f"{gate['value']:.4f}", exact=True).first.wait_for()
    page.screenshot(path=str(artifacts_dir() / f"{request.node.name}-overview.png"))
    page.keyboard.press("Escape")

    # Events: run 2's observation on top, its card saying it was not published, why, and what is kept.
    page.get_by_role("tab", name="Events").first.click()
    page.get_by_text("Observed in run").first.wait_for()
    open_status_card(page)
    card = page.get_by_role("dialog").first
    headline = card.get_by_text("NOT PUBLISHED").first
    headline.wait_for()
    sentence = headline.inner_text()
    assert [name for name in on_call.failed_privacy_gates if name in sentence], sentence
    assert re.search(rf"{re.escape(version)}\W+kept|kept\W+.*{re.escape(version)}", sentence, re.I), sentence


def test_failed_run_page_says_not_published_in_one_sentence(on_call, servers, page):
    open_page(page, f"{servers['dagster']}/runs/{on_call.failed_run_id}", "RUN_FAILURE")
    # The event log is long and virtualised: show only the step failures, as a person would filter.
    logs_filter = page.get_by_placeholder(re.compile("^Filter")).first
    logs_filter.fill("type:STEP_FAILURE")
    logs_filter.press("Enter")
    page.get_by_text("STEP_FAILURE", exact=True).first.wait_for()
    sentence = page.get_by_text("NOT PUBLISHED:").first
    sentence.wait_for()
    text = sentence.inner_text()
    assert any(name in text for name in on_call.failed_privacy_gates), text
    assert "DagsterAssetCheckFailedError" not in text, text  # the sentence, not the check machinery's trace


def test_mlflow_model_page_shows_the_champion_alias(on_call, servers, page):
    name = registered_model_name(DATASET)
    champion = on_call.status["datasets"][DATASET]["mlflow"]["champion_version"]
    assert champion is not None
    open_page(page, f"{servers['mlflow']}/#/models/{name}", f"Version {champion}")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=f"Version {champion}", exact=True))
    alias = row.get_by_text(re.compile(r"^@\s*champion$"))  # the alias tag, "@ champion"
    alias.first.wait_for()
    alias.first.scroll_into_view_if_needed()
