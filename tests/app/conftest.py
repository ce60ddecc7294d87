"""AppTest fixtures: the real app.py, and Streamlit's caches fresh for every test that patches anything."""

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
TIMEOUT = 120


def _clear_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(autouse=True)
def fresh_caches(request):
    """Streamlit's caches, cleared before and after a test that patches anything (``monkeypatch``, used
    directly or by one of its fixtures): the test sees its patches, and a patched result never reaches
    another test. Other tests share them, as one server's sessions do: every cached result is keyed by
    the content of its inputs (the same seeded demos, the same files), so a demo's drift, report and
    explanations are computed once per test process instead of once per test."""
    fresh = "monkeypatch" in request.fixturenames
    if fresh:
        _clear_caches()
    yield
    if fresh:
        _clear_caches()


@pytest.fixture
def app():
    """The app after its first run, with the default demo loaded. When an earlier test left the demo's snapshot
    on disk, the first run draws the Overview from it and the demo is built after the page (tests/app/
    test_first_page.py checks that path): the fixture waits for that build and runs the app again, so every
    test starts from the same state whatever ran before it."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if "workspace" not in at.session_state and "_pending_demo" in at.session_state:
        from dashboard.shared import demo_build

        demo_build(at.session_state["_pending_demo"]).result(timeout=TIMEOUT)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert "workspace" in at.session_state
    return at


@pytest.fixture(scope="session")
def exported(tmp_path_factory):
    """The three demos exported as files, as a user would get them from the CLI."""
    from robustness.demo import SCENARIOS, export_scenario

    out = {}
    for name in SCENARIOS:
        d = tmp_path_factory.mktemp(name)
        export_scenario(name, d)
        out[name] = d
    return out
