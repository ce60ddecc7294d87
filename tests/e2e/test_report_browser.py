"""The trust report in a real browser: the exported HTML opens offline and draws its charts; the
page shows the scorecard; the performance page draws its charts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_browser import WAIT_MS, assert_no_exception, go_to, open_app, settle, shot

pytestmark = pytest.mark.e2e


def test_exported_html_opens_offline_with_interactive_charts(browser_page: Page, artifacts_dir: Path, tmp_path: Path):
    from robustness.demo import scenario_workspace
    from robustness.report import build_report
    from robustness.report.export import to_html

    report = build_report(scenario_workspace("credit"))
    path = tmp_path / "trust-report.html"
    path.write_text(to_html(report), encoding="utf-8")
    page = browser_page
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.context.set_offline(True)
    try:
        page.goto(path.as_uri())
        expect(page.locator("body[data-charts=ready]")).to_have_count(1, timeout=WAIT_MS)
        expect(page.get_by_text("Overall: FAIL")).to_be_visible()
        charts = page.locator(".chart .main-svg")
        assert charts.count() >= 5, charts.count()  # plotly drew every figure
        # interactive: hovering the drift chart's top bar (income, the most drifted column) shows a hover label
        first = page.locator(".chart").first
        first.scroll_into_view_if_needed()
        area = first.locator("rect.nsewdrag").first.bounding_box()  # the plotting area
        page.mouse.move(area["x"] + area["width"] * 0.1, area["y"] + area["height"] * 0.04)
        expect(first.locator(".hoverlayer .hovertext")).not_to_have_count(0, timeout=5_000)
        page.screenshot(path=str(artifacts_dir / "report-html.png"), full_page=True)
    finally:
        page.context.set_offline(False)
    assert all(u.startswith(("file:", "data:", "blob:")) for u in requests), requests


def test_trust_report_page(app_server: str, browser_page: Page, artifacts_dir: Path):
    page = browser_page
    open_app(page, app_server)
    go_to(page, "Trust report", "Trust report")
    settle(page, timeout=180_000)
    expect(page.get_by_text("Verdict: Fail.")).to_be_visible(timeout=180_000)
    for area in ("Data quality", "Data drift", "Stress tests", "Explanation shift", "Performance", "Uncertainty"):
        expect(page.locator("[data-testid=stMain] strong").filter(has_text=area).first).to_be_visible()
    expect(page.get_by_role("button", name="⬇️ HTML (opens offline)")).to_be_visible()
    assert_no_exception(page)
    shot(page, artifacts_dir / "report-page.png")
    # the downloads are made when clicked (the whole report, charts included), from this very scorecard
    for name, check in (
        ("⬇️ HTML (opens offline)", lambda text: text.count("class='chart'") >= 5 and "Explanation shift" in text),
        ("⬇️ JSON", lambda text: json.loads(text)["verdict"] == "fail" and len(json.loads(text)["checks"]) == 6),
    ):
        with page.expect_download(timeout=180_000) as download:
            page.get_by_role("button", name=name).click()
        text = Path(download.value.path()).read_text(encoding="utf-8")
        assert check(text), (name, text[:500])


def test_performance_page(app_server: str, browser_page: Page, artifacts_dir: Path):
    page = browser_page
    open_app(page, app_server)
    go_to(page, "Performance", "Performance")
    settle(page, timeout=120_000)
    expect(page.locator("[data-testid=stPlotlyChart]").first).to_be_visible(timeout=120_000)
    assert_no_exception(page)
    shot(page, artifacts_dir / "performance.png")
