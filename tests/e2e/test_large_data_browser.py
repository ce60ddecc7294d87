"""The "Large dataset" section in a real browser: two Parquet folders typed as paths, checked for
drift on the server's local Dask cluster, the verdict shown. Saves assets/large_dataset.png."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ROOT
from tests.e2e.test_browser import WAIT_MS, assert_no_error, assert_no_exception, go_to, open_app, settle, shot

pytestmark = pytest.mark.e2e

RUN_MS = 240_000  # starting the local cluster's worker processes and the run, on a busy machine


@pytest.fixture(scope="module")
def parquet_folders(data_root: Path) -> Path:
    """Two folders of four Parquet files each, inside the server's data root, at short paths (they show
    in the README's screenshot)."""
    from robustness.demo import _credit_frame

    with tempfile.TemporaryDirectory(dir=data_root) as tmp:
        root = Path(tmp) / "credit"
        for name, current, seed in (("reference", False, 1), ("current", True, 2)):
            frame = _credit_frame(np.random.default_rng(seed), 20_000, current=current)
            (root / name).mkdir(parents=True)
            for i, part in enumerate(np.array_split(np.arange(len(frame)), 4)):
                frame.iloc[part].to_parquet(root / name / f"part-{i}.parquet", index=False)
        yield root


def test_large_dataset_drift_from_paths(
    app_server: str, browser_page: Page, parquet_folders: Path, artifacts_dir: Path
):
    from robustness.drift.dask_engine import drift_parquet
    from robustness.drift.dask_run import parquet_roles

    ref, cur = str(parquet_folders / "reference"), str(parquet_folders / "current")
    roles, columns = parquet_roles(ref)
    features = [c for c in columns if c not in set(roles.role_columns())]
    want = drift_parquet(ref, cur, columns=features).dataset  # Dask's local scheduler, in this process

    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 1000})
    open_app(page, app_server)
    go_to(page, "Model & data", "Model & data")

    section = page.locator("[data-testid=stExpander]").filter(has_text="Large dataset (Parquet through Dask)")
    expect(section).to_have_count(1, timeout=WAIT_MS)
    section.locator("summary").click()
    for label, path in (("Reference Parquet path", ref), ("Current Parquet path", cur)):
        box = section.get_by_role("textbox", name=label)
        box.fill(path)
        box.press("Enter")
        settle(page)
    expect(section.get_by_role("textbox")).to_have_count(2)  # no scheduler field: that is the server's setting

    section.get_by_role("button", name="Run drift check").click()
    # while it runs: the progress of the current stage, a link to Dask's dashboard, a Cancel button
    expect(section.locator("[data-testid=stProgress]")).to_be_visible(timeout=RUN_MS)
    expect(section.get_by_role("button", name="Cancel")).to_be_visible()
    expect(section.get_by_role("link", name="Dask dashboard")).to_have_attribute("href", re.compile(r"^http"))
    expect(section.get_by_role("button", name="Run drift check")).to_be_disabled()
    verdict = section.locator("[data-testid=stAlertContentSuccess], [data-testid=stAlertContentWarning]")
    expect(verdict).to_contain_text(f"{want.n_drifted} of {want.n_columns} columns drifted", timeout=RUN_MS)
    settle(page)
    expect(section).to_contain_text("Result for")
    expect(section.get_by_role("link", name="Dask dashboard")).to_have_count(1)
    expect(section.locator("[data-testid=stPlotlyChart]")).to_have_count(1, timeout=WAIT_MS)
    expect(section.locator("[data-testid=stDataFrame]")).to_have_count(1)
    expect(section.get_by_role("button", name="Cancel")).to_have_count(0)
    assert_no_exception(page)
    assert_no_error(page)
    page.wait_for_timeout(500)  # let the chart finish drawing
    shot(page, artifacts_dir / "large-dataset.png")

    # for the README: the page from its top to the end of the section, 1280 wide
    page.locator("[data-testid=stMain]").evaluate("m => { m.scrollTop = 0; }")
    box = section.bounding_box()
    height = int(box["y"] + box["height"] + 24)
    page.set_viewport_size({"width": 1280, "height": max(1000, height)})
    page.wait_for_timeout(500)
    assets = ROOT / "assets"
    page.screenshot(path=str(assets / "large_dataset.png"), clip={"x": 0, "y": 0, "width": 1280, "height": height})
    assert (assets / "large_dataset.png").stat().st_size > 10_000

    page.set_viewport_size({"width": 1280, "height": 1000})

    # a second run, cancelled: nothing of it is kept, the first result stays, the demo stays loaded
    section.get_by_role("button", name="Run drift check").click()
    section.get_by_role("button", name="Cancel").click(timeout=RUN_MS)
    expect(section.locator("[data-testid=stAlertContentInfo]")).to_contain_text(
        "Cancelled; nothing was kept.", timeout=WAIT_MS
    )
    settle(page)
    expect(section.locator("[data-testid=stProgress]")).to_have_count(0)
    expect(verdict).to_contain_text(f"{want.n_drifted} of {want.n_columns} columns drifted")
    expect(page.locator("[data-testid=stSidebar]")).to_contain_text("Loaded: demo 'credit'")
    assert_no_exception(page)
