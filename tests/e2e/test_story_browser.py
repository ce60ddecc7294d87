"""The story at first sight, in a real browser, on every demo in Plain words: the Overview's first
screen holds the verdict, one tile per area and the findings that matter most; Present mode walks
the five steps. Screenshots go to test-artifacts/ (the README's come from here)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from robustness.demo import SCENARIOS
from tests.e2e.test_browser import FIRST_LOAD_MS, WAIT_MS, assert_no_error, assert_no_exception, settle, shot

pytestmark = pytest.mark.e2e

AREAS = ("Data quality", "Data drift", "Stress tests", "Explanation shift", "Performance", "Uncertainty")


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_overview_and_present_mode(app_server: str, browser_page: Page, artifacts_dir: Path, scenario: str):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})  # a laptop on a projector
    page.goto(f"{app_server}/?scenario={scenario}")
    verdict = page.locator("[data-testid=stAlert]").filter(has_text="Verdict:").first
    expect(verdict).to_be_visible(timeout=FIRST_LOAD_MS)
    settle(page, FIRST_LOAD_MS)
    expect(page.locator("[data-testid=stSidebar]")).to_contain_text(f"Loaded: demo '{scenario}'")
    # the first screen, without scrolling: verdict and every area's status
    assert verdict.bounding_box()["y"] < 768
    main = page.locator("[data-testid=stMain]")
    for area in AREAS:
        tile = main.get_by_text(re.compile(rf"(Fail|Warning|Pass|Not checked)\s+{re.escape(area)}\s*$")).first
        expect(tile).to_be_visible()
        assert tile.bounding_box()["y"] < 768, area
    expect(main.get_by_text("What matters most")).to_be_visible()
    expect(main.get_by_role("link", name="See it on")).not_to_have_count(0)
    # plain words: no test names or p-values in the findings
    findings = " ".join(main.locator("[data-testid=stVerticalBlockBorderWrapper]").all_inner_texts())
    for jargon in ("p = ", "ks statistic", "flip rate", "Brier", "ECE", "log-odds"):
        assert jargon not in findings, jargon
    assert_no_exception(page)
    assert_no_error(page)
    page.screenshot(path=str(artifacts_dir / f"story-overview-{scenario}.png"))
    shot(page, artifacts_dir / f"story-overview-{scenario}-full.png")

    page.get_by_role("link", name="Present this story").click()
    expect(page.get_by_role("heading", name="1. The verdict")).to_be_visible(timeout=WAIT_MS)
    for i, step in enumerate(
        ("The verdict", "What changed", "Does it matter to the model?", "How fragile is it?", "What to do"), start=1
    ):
        expect(page.get_by_role("heading", name=f"{i}. {step}")).to_be_visible(timeout=WAIT_MS)
        settle(page, FIRST_LOAD_MS)
        assert_no_exception(page)
        page.screenshot(path=str(artifacts_dir / f"story-present-{scenario}-{i}.png"))
        nxt = page.get_by_role("button", name="Next ▶")
        if i < 5:
            nxt.click()
        else:
            expect(nxt).to_be_disabled()
