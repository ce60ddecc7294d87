"""How pages present their facts, in a real browser (issue #15): a 60-character file name is shown in
full on Model & data (the uploader's own chip shortens it), the uploaders' labels are not cut, and the
Overview and Performance pages in Plain words, with classes by name and the metrics chart split by
direction. Screenshots go to test-artifacts/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_browser import WAIT_MS, assert_no_exception, go_to, open_app, settle, shot, uploader

pytestmark = pytest.mark.e2e

LONG = "reference_credit_applications_first_half_of_2024_v2_fina.csv"  # 60 characters


def test_long_file_names_and_labels_are_not_cut(
    app_server: str, browser_page: Page, demo_files: dict[str, Path], artifacts_dir: Path, tmp_path: Path
):
    assert len(LONG) == 60
    page = browser_page
    long_file = tmp_path / LONG
    shutil.copy(demo_files["reference.csv"], long_file)
    open_app(page, app_server)
    go_to(page, "Model & data", "Model & data")
    box = uploader(page, "Reference data")
    box.locator("input[type=file]").set_input_files(str(long_file))
    expect(box.locator("[data-testid=stFileChipName]")).to_have_attribute("title", LONG, timeout=WAIT_MS)
    settle(page)
    main = page.locator("[data-testid=stMain]")
    expect(main.locator("[data-testid=stCaptionContainer]").filter(has_text=LONG)).to_have_count(1)  # in full
    for label in ("Model file", "Reference data", "Current data"):
        widget = page.locator("[data-testid=stFileUploader] [data-testid=stWidgetLabel]").get_by_text(label, exact=True)
        expect(widget).to_be_visible()
        assert widget.evaluate("e => e.scrollWidth <= e.clientWidth"), f"{label}: the label is cut"
    hints = page.locator("[data-testid=stFileUploaderDropzoneInstructions] span")
    for hint in hints.all():  # "200MB per file • SKOPS, ONNX, PKL, PICKLE, JOBLIB" in full
        assert hint.evaluate("e => e.scrollWidth <= e.clientWidth"), hint.inner_text()
    assert_no_exception(page)
    shot(page, artifacts_dir / "model-data-long-file-name.png")


def test_overview_and_performance_in_plain_words(app_server: str, browser_page: Page, artifacts_dir: Path):
    page = browser_page
    open_app(page, app_server)
    main = page.locator("[data-testid=stMain]")
    expect(main.locator(".js-plotly-plot").filter(has_text="Predicted classes")).to_contain_text("repaid")
    shot(page, artifacts_dir / "overview-plain.png")
    go_to(page, "Performance", "Performance")
    chart = main.locator(".js-plotly-plot").filter(has_text="Higher is better").first  # then the demo's challenger
    expect(chart).to_contain_text("Lower is better", timeout=WAIT_MS)
    expect(chart).to_contain_text("Probability error")
    expect(main).not_to_contain_text("Brier")
    expect(main.locator(".js-plotly-plot").filter(has_text="Confusion matrix").first).to_contain_text("default")
    assert_no_exception(page)
    shot(page, artifacts_dir / "performance-plain.png")
