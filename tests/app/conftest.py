"""AppTest fixtures: the real app.py, fresh caches for every test."""

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
TIMEOUT = 120


@pytest.fixture(autouse=True)
def fresh_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def app():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
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
