"""Streamlit glue shared by the pages: session state, caching, sidebar.

Per-user state lives in ``st.session_state`` only. Caches are keyed by content
hashes, so a session can only get back what it uploaded itself.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import streamlit as st

from robustness.demo import DEFAULT_SCENARIO, SCENARIOS, load_scenario, scenario_workspace
from robustness.errors import RobustnessError
from robustness.io.data import LoadedTable, read_table
from robustness.io.models import inspect_model_file, load_model
from robustness.model import ModelAdapter
from robustness.overview import Overview, summarize
from robustness.workspace import Workspace

OWN_FILES = "Your own files"
WS = "workspace"
PAGES_DIR = Path(__file__).resolve().parent

# (file in pages/, title, icon). The navigation lists the ones whose file exists.
PAGES = [
    ("overview.py", "Overview", "🧭"),
    ("drift.py", "Data quality & drift", "🔍"),
    ("stress.py", "Stress tests", "🧪"),
    ("explain.py", "Explainability", "💡"),
    ("performance.py", "Performance", "📈"),
    ("report.py", "Trust report", "🛡️"),
    ("model_data.py", "Model & data", "📦"),
]


def available_pages() -> list[tuple[str, str, str]]:
    return [p for p in PAGES if (PAGES_DIR / p[0]).exists()]


_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|<>~$])")


def md(text: object) -> str:
    """Escape a user-provided string (file or column name) for st.markdown."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def upload_limit_mb() -> int:
    return int(st.get_option("server.maxUploadSize"))


@st.cache_resource(show_spinner="Building the demo scenario…")
def demo_workspace(name: str) -> Workspace:
    return scenario_workspace(name)


@st.cache_data(show_spinner=False, max_entries=32)
def demo_story(name: str) -> tuple[str, str]:
    s = load_scenario(name)
    return s.title, s.story


@st.cache_data(show_spinner="Reading the file…", max_entries=16)
def cached_table(_data: bytes, sha256: str, name: str, max_bytes: int) -> LoadedTable:
    return read_table(_data, name, max_bytes=max_bytes)


@st.cache_resource(show_spinner="Loading the model…", max_entries=16)
def cached_model(
    _data: bytes, sha256: str, name: str, allow_pickle: bool, trusted: tuple[str, ...],
    feature_names: tuple[str, ...] | None = None,
) -> ModelAdapter:
    return load_model(
        _data, name, allow_pickle=allow_pickle, trusted_types=trusted, feature_names=feature_names
    )


@st.cache_data(show_spinner=False, max_entries=16)
def cached_model_info(_data: bytes, sha256: str, name: str):
    return inspect_model_file(_data, name)


@st.cache_data(show_spinner="Summarising…", max_entries=16)
def cached_overview(_ws: Workspace, key: str) -> Overview:
    return summarize(_ws)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def workspace() -> Workspace | None:
    return st.session_state.get(WS)


def set_workspace(ws: Workspace) -> None:
    st.session_state[WS] = ws


def init_state() -> None:
    """First run of a session: load the default demo so the dashboard is populated."""
    if "scenario_choice" not in st.session_state:
        wanted = st.query_params.get("scenario", DEFAULT_SCENARIO)
        st.session_state["scenario_choice"] = wanted if wanted in SCENARIOS else DEFAULT_SCENARIO
    if WS not in st.session_state:
        choice = st.session_state["scenario_choice"]
        if choice in SCENARIOS:
            try:
                set_workspace(demo_workspace(choice))
            except RobustnessError as err:  # pragma: no cover - demos are tested
                st.error(str(err))


def _on_scenario_change() -> None:
    choice = st.session_state["scenario_choice"]
    if choice in SCENARIOS:
        set_workspace(demo_workspace(choice))
        st.session_state.pop("applied_uploads", None)


def sidebar() -> None:
    pending = st.session_state.pop("_pending_scenario", None)
    if pending is not None:  # set before the widget exists in this run
        st.session_state["scenario_choice"] = pending
    with st.sidebar:
        st.selectbox(
            "Scenario",
            list(SCENARIOS) + [OWN_FILES],
            key="scenario_choice",
            on_change=_on_scenario_change,
            help="A built-in demo (model, reference and current data with a known story), "
            "or the files you upload on the 'Model & data' page.",
        )
        ws = workspace()
        if ws is not None:
            label = f"demo '{ws.scenario}'" if ws.scenario else "your files"
            st.caption(
                f"Loaded: {label} · {len(ws.reference.frame):,} reference rows · "
                f"{len(ws.current.frame):,} current rows"
            )
        st.toggle(
            "Allow pickle files I trust",
            value=False,
            key="allow_pickle",
            help="Loading a pickle or joblib file runs code stored in the file. Leave this off "
            "unless you made the file yourself. skops and ONNX files never need it.",
        )
        st.caption(f"Uploads up to {upload_limit_mb()} MB per file.")


def require_workspace() -> Workspace:
    ws = workspace()
    if ws is None:
        st.info("Nothing is loaded yet: pick a demo scenario in the sidebar or upload files on 'Model & data'.")
        st.stop()
    return ws
