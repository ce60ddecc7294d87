"""The run history in a real browser: save two runs from the Trust report, open History and compare them;
and the demo history `make run` seeds (ROBUSTNESS_DEMO_HISTORY=1) on the History page's first open."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import streamlit_server
from tests.e2e.test_browser import WAIT_MS, assert_no_exception, go_to, settle, shot

pytestmark = pytest.mark.e2e

REPORT_MS = 240_000  # a trust report on a busy machine
SEED_MS = 420_000  # five reports of the demo history, in the server's background


@pytest.fixture(scope="module")
def history_server(artifacts_dir: Path):
    """The app as `make run` serves it, with a run store of its own and the demo history switched on."""
    with tempfile.TemporaryDirectory(prefix="history-e2e-") as tmp:
        env = {"ROBUSTNESS_DB": f"sqlite:///{Path(tmp) / 'runs.db'}", "ROBUSTNESS_DEMO_HISTORY": "1"}
        with streamlit_server(artifacts_dir / "streamlit-history-server.log", env) as base:
            yield base


def _save(page: Page, expected: str) -> None:
    page.get_by_role("button", name="💾 Save to history").click()
    expect(page.get_by_text(expected)).to_be_visible(timeout=REPORT_MS)
    settle(page)


def test_save_two_runs_open_history_and_compare(history_server: str, browser_page: Page, artifacts_dir: Path):
    page = browser_page
    page.goto(f"{history_server}/report")  # a deep link: no need to wait for the Overview first
    expect(page.get_by_text("Verdict: Fail.")).to_be_visible(timeout=REPORT_MS)
    settle(page, timeout=REPORT_MS)
    project = page.get_by_label("Project")
    expect(project).to_have_value("credit (demo)", timeout=REPORT_MS)  # the form comes after the downloads
    project.fill("e2e credit")
    _save(page, "Saved as run")
    first = page.get_by_text("Saved as run").inner_text()
    # stricter thresholds: the accuracy drop on current data (4.5 %) now fails the Performance check
    page.get_by_text("Thresholds and checks").click()
    page.get_by_role("spinbutton", name="Warn at performance loss").fill("0.01")
    page.get_by_role("spinbutton", name="Fail at performance loss").fill("0.02")
    page.get_by_role("button", name="Apply").click()
    settle(page, timeout=REPORT_MS)
    expect(page.get_by_text("Checks done")).to_be_visible(timeout=REPORT_MS)
    _save(page, "of e2e credit")
    second = page.get_by_text("Saved as run").inner_text()
    assert first != second, (first, second)

    go_to(page, "History", "History")
    main = page.locator("[data-testid=stMain]")
    expect(main).to_contain_text("Latest run", timeout=WAIT_MS)
    expect(main).to_contain_text("something got worse", timeout=WAIT_MS)
    expect(page.get_by_role("heading", name="Compare two runs")).to_be_visible()
    expect(main).to_contain_text("Performance: pass → fail (worse)")
    expect(main.locator("[data-testid=stPlotlyChart]").first).to_be_visible(timeout=WAIT_MS)
    assert main.locator("[data-testid=stPlotlyChart]").count() >= 5
    assert_no_exception(page)
    page.get_by_role("heading", name="Compare two runs").scroll_into_view_if_needed()
    shot(page, artifacts_dir / "history-compare.png")


def test_demo_history_on_first_open(history_server: str, browser_page: Page, artifacts_dir: Path):
    page = browser_page
    page.goto(f"{history_server}/history")
    expect(page.get_by_role("heading", name="History")).to_be_visible(timeout=REPORT_MS)
    main = page.locator("[data-testid=stMain]")
    # the seeding runs in the server's background (started by the first open of History, maybe the other
    # test's): the page answers at once, shows its progress, then fills in
    expect(main).to_contain_text("credit (demo)", timeout=SEED_MS)  # in the timeline once it is saved
    settle(page, timeout=WAIT_MS)
    box = page.locator("[data-testid=stSelectbox]").filter(has_text="Project")
    if "credit (demo)" not in box.inner_text():
        box.click()
        page.get_by_role("option", name="credit (demo)").click()
        settle(page, timeout=WAIT_MS)
    expect(main).to_contain_text("credit demo, week 5", timeout=WAIT_MS)
    expect(main).to_contain_text(re.compile(r"Run \d+ against run \d+: something got worse"), timeout=WAIT_MS)
    expect(main.locator("[data-testid=stPlotlyChart]")).to_have_count(1 + 5 + 2, timeout=WAIT_MS)
    page.wait_for_timeout(1_000)
    assert_no_exception(page)
    shot(page, artifacts_dir / "history.png")
