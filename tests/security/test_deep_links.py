"""Only pages are pages: on a fresh server, a deep link to a page opens it fully set up (demo loaded,
the app's sidebar and navigation), and a helper module's name is not found."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from dashboard.shared import PAGES
from tests.e2e.conftest import streamlit_server
from tests.e2e.test_browser import FIRST_LOAD_MS, WAIT_MS, assert_no_exception, settle

pytestmark = pytest.mark.e2e

TITLES = [title for _, title, _ in PAGES]
HELPERS = ["shared", "_shared", "large_data", "drift_views", "explain_cache", "app"]


def _nav(page: Page) -> list[str]:
    nav = page.locator("[data-testid=stSidebarNav]")
    expect(nav).to_be_visible(timeout=WAIT_MS)
    return [t.strip() for t in nav.locator("a").all_inner_texts() if t.strip()]


def _open(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("[data-testid=stApp]", timeout=FIRST_LOAD_MS)
    settle(page, FIRST_LOAD_MS)


def _fully_set_up(page: Page) -> None:
    labels = _nav(page)
    assert len(labels) == len(TITLES) and all(any(t in label for label in labels) for t in TITLES), labels
    expect(page.locator("[data-testid=stSidebar]")).to_contain_text("Loaded: demo 'credit'")
    assert_no_exception(page)


def test_the_first_request_of_a_fresh_server_is_a_deep_link(browser_page: Page, artifacts_dir: Path):
    page = browser_page
    with streamlit_server(artifacts_dir / "deep-link-server.log") as base:
        _open(page, f"{base}/model_data")  # the very first session of this server
        _fully_set_up(page)
        expect(page.get_by_role("heading", name="Model & data")).to_be_visible()
        expect(page.get_by_text("Page not found")).to_have_count(0)


def test_every_page_is_a_deep_link(browser_page: Page, app_server: str):
    """Each page opened by its URL in a new session (a full page load) is that page, set up. The served app
    of the other browser tests: what only a fresh server shows is the first request, checked above."""
    page = browser_page
    for i, (file, title, _) in enumerate(PAGES):
        _open(page, f"{app_server}/{'' if i == 0 else file.removesuffix('.py')}")  # the first page is the app's /
        _fully_set_up(page)
        heading = "The verdict" if file == "present.py" else title.split(" ")[0]  # Present mode opens at step 1
        expect(page.locator("[data-testid=stMain] h1").first).to_contain_text(re.compile(heading, re.I))
        expect(page.get_by_text("Page not found")).to_have_count(0)


def test_a_helper_name_on_a_fresh_server_is_not_found(browser_page: Page, artifacts_dir: Path):
    page = browser_page
    with streamlit_server(artifacts_dir / "deep-link-helper-server.log") as base:
        _open(page, f"{base}/shared")  # the very first session: Streamlit's pages-folder mode would run it
        expect(page.get_by_text("Page not found")).to_be_visible(timeout=WAIT_MS)
        _fully_set_up(page)  # and the app's own main page runs, set up as from /


def test_no_helper_name_is_a_page(browser_page: Page, app_server: str):
    page = browser_page
    for name in HELPERS:
        _open(page, f"{app_server}/{name}")
        expect(page.get_by_text("Page not found")).to_be_visible(timeout=WAIT_MS)
        _fully_set_up(page)
