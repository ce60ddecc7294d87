"""Champion vs challenger in the app: a challenger loaded beside the workspace's model, and the comparison of
the two, cached by content hash.

The comparison is kept in a server-wide store keyed by :meth:`Workspace.pair_key` (the data, roles, kinds and
both models' content hashes) and the settings, so a session only gets back what its own files produce. It is
computed outside ``st.cache_data`` because it reports progress to the page while it runs (a cached function
may not write to elements made outside it).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable

import streamlit as st

from robustness.compare import ComparisonResult, check_challenger, compare_workspace
from robustness.models import ModelAdapter
from robustness.workspace import Workspace

__all__ = [
    "KEEP",
    "Settings",
    "attach_challenger",
    "cached_comparison",
    "comparison_key",
    "demo_challenger",
    "is_cached",
]

KEEP = 16  # comparisons kept by the server (each is a few kB of numbers and sentences)
_LOCK = threading.Lock()

#: The comparison's settings: (n_boot, alpha, seed).
Settings = tuple[int, float, int]
DEFAULT: Settings = (1000, 0.05, 0)


def attach_challenger(ws: Workspace, challenger: ModelAdapter, *, name: str, sha256: str) -> Workspace:
    """``ws`` with ``challenger`` beside its model, after the checks every challenger passes (the same task and
    classes, the input columns present in both files, a trial run on each); a RobustnessError that says what
    is wrong otherwise, and ``ws`` itself is left as it is."""
    if ws.model is not None and ws.has_model:
        frames = {ws.reference.name: ws.reference.frame, ws.current.name: ws.current.frame}
        check_challenger(ws.model, challenger, frames)
    return ws.with_challenger(challenger, name=name, sha256=sha256)


def demo_challenger(ws: Workspace, scenario=None) -> Workspace:
    """A demo's workspace with the challenger its scenario ships (``robustness.demo.CHALLENGER_STORIES``), or
    ``ws`` unchanged for a scenario without one. ``scenario``: the demo's scenario, already built."""
    from robustness.demo import CHALLENGER_STORIES, SEED, load_challenger
    from robustness.models import from_estimator

    name = ws.scenario
    if name is None or name not in CHALLENGER_STORIES:
        return ws
    model = from_estimator(load_challenger(name, scenario=scenario), source="demo")
    title = (ws.model_name or name).removeprefix("demo: ")
    digest = hashlib.sha256(f"demo-challenger:{name}:{SEED}".encode()).hexdigest()
    return attach_challenger(ws, model, name=f"demo challenger: {title}", sha256=digest)


@st.cache_resource(show_spinner=False)
def _store() -> OrderedDict[str, ComparisonResult]:
    return OrderedDict()


def comparison_key(ws: Workspace, settings: Settings = DEFAULT) -> str:
    return hashlib.sha256((ws.pair_key() + json.dumps(list(settings))).encode()).hexdigest()


def is_cached(ws: Workspace, settings: Settings = DEFAULT) -> bool:
    with _LOCK:
        return comparison_key(ws, settings) in _store()


def cached_comparison(
    ws: Workspace, settings: Settings = DEFAULT, *, progress: Callable[[float, str], None] | None = None
) -> ComparisonResult:
    """The workspace's champion and challenger compared on its reference and current data (computed once per
    content and settings); ``progress`` hears of each stage when it has to be computed."""
    key = comparison_key(ws, settings)
    store = _store()
    with _LOCK:
        hit = store.get(key)
        if hit is not None:
            store.move_to_end(key)
            return hit
    n_boot, alpha, seed = settings
    result = compare_workspace(ws, n_boot=int(n_boot), alpha=float(alpha), seed=int(seed), progress=progress)
    with _LOCK:
        store[key] = result
        while len(store) > KEEP:
            store.popitem(last=False)
    return result
