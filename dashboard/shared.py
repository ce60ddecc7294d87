"""Streamlit glue shared by the pages: session state, caching, sidebar.

Per-user state lives in ``st.session_state`` only. Caches are keyed by content
hashes, so a session can only get back what it uploaded itself.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import uuid
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING

import streamlit as st

from dashboard import snapshot
from dashboard.navigation import APP_PATH, PAGES, PAGES_DIR, available_pages, through_app  # noqa: F401  (re-exported)
from robustness.errors import RobustnessError
from robustness.scenarios import DEFAULT_SCENARIO, SCENARIOS
from robustness.settings import ServerSettings, load_settings

# numpy, pandas, scikit-learn and the library's computations are imported where they are used: a
# fresh server's first page is drawn from the demo's snapshot (dashboard/snapshot.py) while they load.
if TYPE_CHECKING:
    from robustness.io.data import LoadedTable
    from robustness.models import ModelAdapter
    from robustness.overview import Overview
    from robustness.workspace import Workspace

OWN_FILES = "Your own files"
WS = "workspace"

log = logging.getLogger("robustness.app")


def show_failure(exc: Exception) -> None:
    """A page failed: say what failed (a RobustnessError's message is written for the user) and give a
    reference that finds the traceback in the server's log; never show the traceback itself."""
    ref = uuid.uuid4().hex[:8]
    if isinstance(exc, RobustnessError):
        log.warning("page error [ref %s]: %s", ref, exc)
        st.error(md(exc))
    else:
        log.error("page failed [ref %s]", ref, exc_info=exc)
        st.error(
            f"This page stopped on an unexpected error ({type(exc).__name__}). What is already loaded is kept: "
            f"open another page or load other files. If it happens again, give the server's administrator "
            f"the reference **{ref}**; the details are in the server's log."
        )


_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|<>~$])")


def md(text: object) -> str:
    """Escape a user-provided string (file or column name) for st.markdown."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def upload_limit_mb() -> int:
    return int(st.get_option("server.maxUploadSize"))


# The demos are the server's own data: built once per server process, in a background thread, and
# shared by every session (a visitor's uploads never go here).
_DEMO_BUILDER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-build")
_DEMO_BUILDS: dict[str, Future] = {}
_DEMO_LOCK = threading.Lock()
PENDING_DEMO = "_pending_demo"  # session key: the demo this session shows while it is being built


# The first build in a process imports numpy and pandas. Plotly looks those modules up in
# sys.modules without importing them (``get_module(..., should_load=False)``), so a chart drawn in
# another thread meanwhile could meet a half-initialised numpy ("partially initialized module").
# The build imports them under this lock; a page that draws charts before its session has a
# workspace (the Overview from a snapshot) draws them under it too: uncontended but for that moment.
_HEAVY_IMPORTS = threading.Lock()


@contextmanager
def imports_settled():
    """Hold while drawing charts on a page that imported neither numpy nor pandas itself."""
    with _HEAVY_IMPORTS:
        yield


def _build_demo(name: str) -> Workspace:
    with _HEAVY_IMPORTS:
        import numpy  # noqa: F401
        import pandas  # noqa: F401

        from dashboard.compare_cache import demo_challenger
        from robustness.demo import load_scenario, scenario_workspace
    s = load_scenario(name)  # built once for the workspace and the challenger its scenario ships, if any
    return demo_challenger(scenario_workspace(name, scenario=s), scenario=s)


def demo_build(name: str) -> Future:
    """The server's build of demo ``name``, started on first request (never twice)."""
    with _DEMO_LOCK:
        fut = _DEMO_BUILDS.get(name)
        if fut is None or (fut.done() and fut.exception() is not None):
            fut = _DEMO_BUILDS[name] = _DEMO_BUILDER.submit(_build_demo, name)
        return fut


def demo_workspace(name: str) -> Workspace:
    fut = demo_build(name)
    if not fut.done():
        with st.spinner("Building the demo scenario…"):
            return fut.result()
    return fut.result()


def demo_story(name: str) -> tuple[str, str]:
    """A demo's title and story (from its definition: nothing is built)."""
    from robustness.demo import scenario_text

    return scenario_text(name)


# Uploaded tables and models are kept per session (in st.session_state, released when the session
# closes), a few of each, never in a cache shared by the server: a visitor's data must not outlive
# their session, and the server's memory must not grow with the number of past uploads.
KEEP_TABLES = 4  # reference and current, and the two before them (switching back and forth is instant)
KEEP_MODELS = 3  # the model and a challenger, and the one before them


def _session_memo(store_key: str, key: tuple, build, keep: int):
    store: OrderedDict = st.session_state.setdefault(store_key, OrderedDict())
    if key in store:
        store.move_to_end(key)
        return store[key]
    value = build()
    store[key] = value
    while len(store) > keep:
        store.popitem(last=False)
    return value


def cached_table(data: bytes, sha256: str, name: str, max_bytes: int) -> LoadedTable:
    from robustness.io.data import read_table

    def build() -> LoadedTable:
        with st.spinner(f"Reading {name}…"):
            return read_table(data, name, max_bytes=max_bytes, max_table_bytes=budget)

    budget = server_settings().max_table_bytes
    return _session_memo("_tables", (sha256, name, max_bytes, budget), build, KEEP_TABLES)


def cached_model(
    data: bytes,
    sha256: str,
    name: str,
    allow_pickle: bool,
    trusted: tuple[str, ...],
    feature_names: tuple[str, ...] | None = None,
) -> ModelAdapter:
    """The model of an upload, per session. ``allow_pickle`` is the visitor's opt-in, honoured only
    when the server allows pickles (``ROBUSTNESS_ALLOW_PICKLE``)."""
    from robustness.models import load_model

    settings = server_settings()
    allow = bool(allow_pickle) and settings.allow_pickle
    budget = settings.max_table_bytes

    def build() -> ModelAdapter:
        with st.spinner("Loading the model…"):
            return load_model(
                data,
                name,
                allow_pickle=allow,
                trusted_types=trusted,
                feature_names=feature_names,
                max_weight_bytes=budget,
            )

    return _session_memo("_models", (sha256, name, allow, trusted, feature_names, budget), build, KEEP_MODELS)


def cached_model_info(data: bytes, sha256: str, name: str):
    from robustness.models import inspect_model_file

    return _session_memo("_model_info", (sha256, name), lambda: inspect_model_file(data, name), KEEP_MODELS)


def server_settings() -> ServerSettings:
    """What this server allows (environment variables over the ``[robustness]`` section of
    .streamlit/secrets.toml). A bad setting stops the page with its message."""
    section: dict = {}
    try:
        if st.secrets.load_if_toml_exists():
            section = dict(st.secrets.get("robustness", {}))
    except (OSError, ValueError) as err:  # an unreadable secrets file: the administrator's to fix
        log.warning("secrets not read: %s", err)
    try:
        return load_settings(section=section)
    except RobustnessError as err:
        st.error(md(f"This server is misconfigured: {err}"))
        st.stop()
        raise  # unreachable: st.stop() raises


@st.cache_data(show_spinner="Summarising…", max_entries=16)
def cached_overview(_ws: Workspace, key: str) -> Overview:
    from robustness.overview import summarize

    return summarize(_ws)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def workspace(*, wait: bool = True) -> Workspace | None:
    """The session's workspace. A demo still being built is waited for (with a spinner), or, with
    ``wait=False``, reported as None."""
    ws = st.session_state.get(WS)
    if ws is not None:
        return ws
    pending = st.session_state.get(PENDING_DEMO)
    if pending is None:
        return None
    if not wait:
        with _DEMO_LOCK:
            fut = _DEMO_BUILDS.get(pending)
        if fut is None or not fut.done():
            return None
    try:
        ws = demo_workspace(pending)
    except RobustnessError as err:  # pragma: no cover - demos are tested
        st.session_state.pop(PENDING_DEMO, None)
        st.error(str(err))
        return None
    if st.session_state.get(PENDING_DEMO) == pending:  # nothing else was loaded meanwhile
        st.session_state.pop(PENDING_DEMO, None)
        set_workspace(ws)
    return ws


def pending_demo() -> str | None:
    """The demo this session opened and that is still being built, if any."""
    return None if WS in st.session_state else st.session_state.get(PENDING_DEMO)


def set_workspace(ws: Workspace) -> None:
    st.session_state.pop(PENDING_DEMO, None)
    st.session_state[WS] = ws


def init_state() -> None:
    """First run of a session: open the default demo so the dashboard is populated.

    When the demo's snapshot is on disk (any earlier server of this code wrote it), the session
    shows it at once and the demo is built in the background (``pending_demo``); the first page that
    needs the model or the data waits for it. Otherwise the demo is built now."""
    if "scenario_choice" not in st.session_state:
        wanted = st.query_params.get("scenario", DEFAULT_SCENARIO)
        st.session_state["scenario_choice"] = wanted if wanted in SCENARIOS else DEFAULT_SCENARIO
    if WS not in st.session_state and PENDING_DEMO not in st.session_state:
        open_demo(st.session_state["scenario_choice"])


def open_demo(choice: str) -> None:
    """Load demo ``choice`` into the session: at once when this server has built it; from its snapshot
    on disk, if any, while it is built after this run's page is drawn (``start_pending_build``);
    otherwise built now."""
    if choice not in SCENARIOS:
        return
    with _DEMO_LOCK:
        fut = _DEMO_BUILDS.get(choice)
    if fut is None or not fut.done() or fut.exception() is not None:
        snap = snapshot.load(choice)
        if snap is not None and snap.page is not None:
            st.session_state.pop(WS, None)
            st.session_state[PENDING_DEMO] = choice  # the build starts once this run has drawn its page
            return
    try:
        set_workspace(demo_workspace(choice))
    except RobustnessError as err:  # pragma: no cover - demos are tested
        st.error(str(err))


def start_pending_build() -> None:
    """Start building the session's pending demo; app.py calls it after the page is drawn, so the
    first page is not slowed by the build."""
    name = pending_demo()
    if name is not None:
        demo_build(name)


def _on_scenario_change() -> None:
    choice = st.session_state["scenario_choice"]
    if choice in SCENARIOS:
        open_demo(choice)
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
        ws = workspace(wait=False)
        if ws is not None:
            label = f"demo '{ws.scenario}'" if ws.scenario else "your files"
            st.caption(
                f"Loaded: {label} · {len(ws.reference.frame):,} reference rows · {len(ws.current.frame):,} current rows"
                + (" · with a challenger" if ws.has_challenger else "")
            )
        elif (name := pending_demo()) is not None and (snap := snapshot.load(name)) and snap.page:
            ov = snap.page.overview
            st.caption(f"Loaded: demo '{name}' · {ov.n_reference:,} reference rows · {ov.n_current:,} current rows")
        if server_settings().allow_pickle:
            st.toggle(
                "Allow pickle files I trust",
                value=False,
                key="allow_pickle",
                help="This server allows pickle and joblib models (ROBUSTNESS_ALLOW_PICKLE). Loading one runs "
                "code stored in the file: turn this on only for a file you made yourself. skops and ONNX files "
                "never need it.",
            )
        st.caption(f"Uploads up to {upload_limit_mb()} MB per file.")


def require_workspace() -> Workspace:
    ws = workspace()
    if ws is None:
        st.info("Nothing is loaded yet: pick a demo scenario in the sidebar or upload files on 'Model & data'.")
        st.stop()
    return ws
