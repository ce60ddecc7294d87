"""Compare models in a real browser: the credit demo's challenger, compared on the same rows, the verdict first
and the charts drawn; a screenshot in test-artifacts/compare.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_browser import assert_no_error, assert_no_exception, go_to, open_app, settle, shot

pytestmark = pytest.mark.e2e

COMPARE_MS = 240_000  # scoring both models, the bootstrap, the stress suite twice: on a busy machine


def test_compare_models_on_the_demo_shows_the_verdict(app_server: str, browser_page: Page, artifacts_dir: Path):
    page = browser_page
    open_app(page, app_server)
    go_to(page, "Compare models", "Compare models")
    main = page.locator("[data-testid=stMain]")
    verdict = main.locator("[data-testid=stAlertContentInfo]").filter(has_text="Verdict on the current data")
    expect(verdict).to_be_visible(timeout=COMPARE_MS)
    settle(page, timeout=COMPARE_MS)
    assert_no_exception(page)
    assert_no_error(page)
    expect(verdict).to_contain_text("NO SIGNIFICANT DIFFERENCE on Accuracy")
    expect(verdict).to_contain_text("the challenger is better on Accuracy")  # on the reference data
    expect(verdict).to_contain_text("Robustness cost: the challenger is more fragile")
    # the verdict is the page's first box, above the charts
    first_box = main.locator("[data-testid=stAlert]").first
    expect(first_box).to_contain_text("Verdict on the current data")
    for heading in ("Metrics, paired", "Where the two disagree", "Stress tests, both models"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    charts = main.locator(".js-plotly-plot")
    expect(charts).to_have_count(4, timeout=60_000)
    expect(charts.first).to_contain_text("Champion vs challenger on the same rows")
    expect(charts.first.locator(".legendtext").filter(has_text="challenger")).to_have_count(1)
    shot(page, artifacts_dir / "compare.png")
