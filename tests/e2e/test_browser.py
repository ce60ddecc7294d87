"""Browser end-to-end tests: a real Streamlit server driven by headless Chromium.

What a user does and sees: the dashboard opens on the credit demo, files go through
the real file uploader, the Overview reflects them, and a bad file leaves the demo in place.
Screenshots are saved to test-artifacts/.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.e2e

WAIT_MS = 60_000  # any single wait: generous, bounded
FIRST_LOAD_MS = 120_000  # the first session of a fresh server builds the demo model
NOT_RUNNING = "[data-testid=stApp][data-test-script-state=notRunning]"
RUNNING = "[data-testid=stApp][data-test-script-state=running]"


# ---------------------------------------------------------------- helpers
def settle(page: Page, timeout: int = WAIT_MS) -> None:
    """Wait until the script run started by the last action (if any) has finished.

    An action may start a rerun a moment later, so first poll briefly for 'running',
    then wait for 'notRunning'. Callers also wait for the content they expect.
    """
    try:
        page.wait_for_selector(RUNNING, timeout=1_500)
    except PlaywrightError:
        pass  # the run was quicker than the poll, or the action started none
    page.wait_for_selector(NOT_RUNNING, timeout=timeout)


def assert_no_exception(page: Page) -> None:
    exc = page.locator("[data-testid=stException]")
    if exc.count():
        raise AssertionError(f"the app shows an exception:\n{exc.first.inner_text()}")


def assert_no_error(page: Page) -> None:
    """No error box other than the scorecard's own (a failing check is shown red: a finding, not an error)."""
    from tests.app.test_pages import VERDICT_BOX

    texts = page.locator("[data-testid=stAlertContentError]").all_inner_texts()
    icons = "".join({"❌", "⚠", "\ufe0f", "✅", "⏭", " "})  # any of these, in any order
    errors = [t for t in texts if not VERDICT_BOX.match(t.strip().lstrip(icons).strip())]
    if errors:
        raise AssertionError("the app shows an error: " + " | ".join(errors))


def open_app(page: Page, base_url: str) -> None:
    page.goto(base_url)
    expect(page.get_by_role("heading", name="Model robustness overview")).to_be_visible(timeout=FIRST_LOAD_MS)
    settle(page)


def go_to(page: Page, title: str, heading: str) -> None:
    """Switch pages with the sidebar navigation (same session, unlike typing a URL)."""
    page.locator("[data-testid=stSidebarNav] a").filter(has_text=title).click()
    expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=WAIT_MS)
    settle(page)


def uploader(page: Page, label: str) -> Locator:
    box = page.locator("[data-testid=stFileUploader]").filter(
        has=page.locator("[data-testid=stWidgetLabel]").get_by_text(label, exact=True)
    )
    expect(box).to_have_count(1, timeout=WAIT_MS)
    return box


def upload(page: Page, label: str, path: Path) -> None:
    box = uploader(page, label)
    box.locator("input[type=file]").set_input_files(str(path))
    expect(box.locator("[data-testid=stFileChipName]")).to_have_text(path.name, timeout=WAIT_MS)
    settle(page)


def metric(page: Page, label: str) -> Locator:
    box = page.locator("[data-testid=stMetric]").filter(
        has=page.locator("[data-testid=stMetricLabel]").get_by_text(label, exact=True)
    )
    return box.locator("[data-testid=stMetricValue]")


def shot(page: Page, path: Path) -> None:
    """Screenshot the whole page. Streamlit scrolls inside <main data-testid=stMain>, so
    Playwright's full_page alone would stop at the viewport: grow the viewport to the
    content's height for the shot, then restore it."""
    size = page.viewport_size
    main_height = (
        "() => { const m = document.querySelector('[data-testid=stMain]');"
        " if (!m) return 0; m.scrollTop = 0; return m.scrollHeight; }"
    )
    height = size["height"]
    for _ in range(3):  # the layout may reflow once the viewport is taller
        wanted = max(size["height"], min(int(page.evaluate(main_height)), 12_000))
        if wanted <= height:
            break
        height = wanted
        page.set_viewport_size({"width": size["width"], "height": height})
        page.wait_for_timeout(300)  # let charts re-layout
    try:
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(size)
    assert path.stat().st_size > 10_000, f"{path} looks empty"


# ---------------------------------------------------------------- tests
def test_opens_with_credit_demo(app_server: str, browser_page: Page, artifacts_dir: Path):
    page = browser_page
    open_app(page, app_server)

    main = page.locator("[data-testid=stMain]")
    expect(main).to_contain_text("Model robustness overview")
    expect(main).to_contain_text("Demo scenario: Credit risk")
    for label in ("Reference rows", "Current rows", "Input columns", "Model"):
        expect(metric(page, label)).to_be_visible()
    expect(metric(page, "Model")).to_have_text("Binary")

    sidebar = page.locator("[data-testid=stSidebar]")
    expect(sidebar).to_contain_text("Scenario")
    expect(sidebar).to_contain_text("Loaded: demo 'credit'")
    expect(sidebar.locator("[data-testid=stSidebarNav]")).to_contain_text("Model & data")

    assert_no_exception(page)
    assert_no_error(page)
    shot(page, artifacts_dir / "overview-credit.png")


def test_upload_model_and_data_through_real_uploader(
    app_server: str, browser_page: Page, demo_files: dict[str, Path], artifacts_dir: Path
):
    page = browser_page
    n_ref = len(pd.read_csv(demo_files["reference.csv"]))
    n_cur = len(pd.read_csv(demo_files["current.csv"]))

    open_app(page, app_server)
    go_to(page, "Model & data", "Model & data")

    upload(page, "Model file", demo_files["model.skops"])
    assert_no_exception(page)
    assert_no_error(page)
    upload(page, "Reference data", demo_files["reference.csv"])
    expect(page.get_by_text(f"✔ reference.csv: {n_ref:,} rows")).to_be_visible(timeout=WAIT_MS)
    upload(page, "Current data", demo_files["current.csv"])
    expect(page.get_by_text(f"✔ current.csv: {n_cur:,} rows")).to_be_visible(timeout=WAIT_MS)
    assert_no_exception(page)
    assert_no_error(page)

    button = page.get_by_role("button", name="Load these files")
    expect(button).to_be_enabled(timeout=WAIT_MS)
    button.click()
    success = page.locator("[data-testid=stAlertContentSuccess]")
    expect(success).to_contain_text(
        f"Loaded reference.csv ({n_ref:,} rows) and current.csv ({n_cur:,} rows) with model model.skops.",
        timeout=WAIT_MS,
    )
    settle(page)
    expect(page.locator("[data-testid=stMain]")).to_contain_text("Loaded now")
    expect(page.locator("[data-testid=stSidebar]")).to_contain_text(
        f"Loaded: your files · {n_ref:,} reference rows · {n_cur:,} current rows"
    )
    assert_no_exception(page)
    assert_no_error(page)
    shot(page, artifacts_dir / "model-data.png")

    go_to(page, "Overview", "Model robustness overview")
    main = page.locator("[data-testid=stMain]")
    expect(main).to_contain_text("Your files:")
    expect(main).to_contain_text("current.csv (current) against reference.csv (reference)")
    expect(main).not_to_contain_text("Demo scenario")
    expect(metric(page, "Reference rows")).to_have_text(f"{n_ref:,}")
    expect(metric(page, "Current rows")).to_have_text(f"{n_cur:,}")
    expect(metric(page, "Model")).to_have_text("Multiclass")
    n_inputs = metric(page, "Input columns").inner_text().strip()
    assert n_inputs.isdigit() and int(n_inputs) > 0, f"Input columns shows {n_inputs!r}"
    assert_no_exception(page)
    assert_no_error(page)
    shot(page, artifacts_dir / "overview-uploaded.png")


def test_bad_upload_keeps_demo(app_server: str, browser_page: Page, tmp_path: Path, artifacts_dir: Path):
    page = browser_page
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")

    open_app(page, app_server)
    go_to(page, "Model & data", "Model & data")
    upload(page, "Reference data", empty)

    error = page.locator("[data-testid=stAlertContentError]").filter(has_text="empty.csv")
    expect(error).to_have_count(1, timeout=WAIT_MS)
    message = error.inner_text()
    assert "empty" in message.replace("empty.csv", "").lower(), f"the error does not say the file is empty: {message!r}"
    assert_no_exception(page)
    expect(page.get_by_role("button", name="Load these files")).to_have_count(0)
    shot(page, artifacts_dir / "model-data-empty-upload.png")

    go_to(page, "Overview", "Model robustness overview")
    main = page.locator("[data-testid=stMain]")
    expect(main).to_contain_text("Demo scenario: Credit risk")
    expect(main).not_to_contain_text("Your files:")
    expect(metric(page, "Model")).to_have_text("Binary")
    expect(page.locator("[data-testid=stSidebar]")).to_contain_text("Loaded: demo 'credit'")
    assert_no_exception(page)
    assert_no_error(page)


def test_drift_page_in_the_browser(app_server: str, browser_page: Page, artifacts_dir: Path):
    """The credit story on the drift page: income and the new category flagged, untouched columns
    not; the multivariate section trains its classifier and shows the AUC."""
    page = browser_page
    open_app(page, app_server)
    go_to(page, "Data quality & drift", "Data quality & drift")
    expect(metric(page, "Columns drifted")).to_have_text("3 of 11", timeout=WAIT_MS)
    drifted = page.locator("[data-testid=stMarkdownContainer]").filter(has_text="Drifted columns").first
    expect(drifted).to_contain_text("income")
    expect(drifted).to_contain_text("employment_type")
    for untouched in ("age", "region", "has_cosigner"):
        expect(drifted.locator("strong", has_text=untouched)).to_have_count(0)
    assert_no_exception(page)
    shot(page, artifacts_dir / "drift-credit.png")
    page.locator("[data-testid=stButtonGroup] button", has_text="Multivariate").first.click()
    settle(page, timeout=120_000)
    expect(metric(page, "ROC AUC")).to_be_visible(timeout=120_000)
    auc = float(metric(page, "ROC AUC").inner_text())
    assert 0.6 < auc < 0.9, auc
    assert_no_exception(page)
    shot(page, artifacts_dir / "drift-multivariate.png")


def test_stress_page_in_the_browser(app_server: str, browser_page: Page, artifacts_dir: Path):
    """The default suite runs on opening the page: the scorecard's status line, one summary line naming the
    worst perturbation by its readable name, then the heatmap of every perturbation and the two charts;
    no alert box but the status line above the first chart."""
    page = browser_page
    open_app(page, app_server)
    go_to(page, "Stress tests", "Stress tests")
    main = page.locator("[data-testid=stMain]")
    charts = page.locator("[data-testid=stPlotlyChart]")
    expect(charts).to_have_count(4, timeout=120_000)  # and the demo's challenger beside the model
    settle(page, timeout=120_000)
    status = page.locator("[data-testid=stAlert]").first
    expect(status).to_contain_text("Stress tests: Fail")
    summary = main.locator("[data-testid=stMarkdownContainer]").filter(has_text="Worst:").first
    expect(summary).to_contain_text("Worst: Unit error ×10")
    expect(summary).to_contain_text("Robustness score")
    # above the first chart: the status line is the only alert box
    above = page.evaluate("""() => {
        const chart = document.querySelector('[data-testid=stPlotlyChart]');
        return [...document.querySelectorAll('[data-testid=stAlert]')].filter(
            a => a.compareDocumentPosition(chart) & Node.DOCUMENT_POSITION_FOLLOWING).length; }""")
    assert above == 1, above
    expect(charts.first).to_contain_text("Unit error ×10")  # readable names, grouped by family
    expect(charts.first).to_contain_text("unit errors")
    expect(charts.first).not_to_contain_text("unit_x10")
    assert_no_exception(page)
    shot(page, artifacts_dir / "stress-credit.png")


def test_explain_page_in_the_browser(app_server: str, browser_page: Page, artifacts_dir: Path):
    """Explanations are computed on opening the page: the explainer chosen for the model is named
    and the SHAP importance chart is drawn."""
    page = browser_page
    open_app(page, app_server)
    go_to(page, "Explainability", "Explainability")
    settle(page, timeout=120_000)
    # Plain words (the default) say how to read the page; Technical names the explainer
    info = page.locator("[data-testid=stAlertContentInfo]").filter(has_text="How to read this page")
    expect(info).to_contain_text("Rows explained: 500 of 4,000", timeout=120_000)
    page.locator("[data-testid=stSidebar]").get_by_text("Technical", exact=True).click()
    settle(page, timeout=120_000)
    info = page.locator("[data-testid=stAlertContentInfo]").filter(has_text="Explainer:")
    expect(info).to_contain_text("Tree SHAP", timeout=120_000)
    expect(info).to_contain_text("Rows explained: 500 of 4,000")
    chart = page.locator("[data-testid=stPlotlyChart]")
    expect(chart).to_have_count(2, timeout=WAIT_MS)  # SHAP and permutation importance; the demo's challenger
    expect(chart.first).to_be_visible()
    expect(chart.first).to_contain_text("employment_type")
    assert_no_exception(page)
    assert_no_error(page)
    shot(page, artifacts_dir / "explain.png")
