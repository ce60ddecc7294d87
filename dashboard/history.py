"""The app's side of the run history: the server's store (opened once per server and URL) and the demo
history seeded in the background. The store's URL is a server setting (robustness/settings.py), never a
widget; the store is shared by every session of the server, by design."""

from __future__ import annotations

import threading

import streamlit as st

__all__ = ["PROJECT", "default_project", "run_store", "seeding_job"]

PROJECT = "history_project"  # session key: the project this session last chose or saved under


@st.cache_resource(show_spinner="Opening the run history…")
def run_store(url: str):
    """The server's run store at ``url`` (HistoryError when it cannot be opened; not cached then)."""
    from robustness.history import open_store

    return open_store(url)


@st.cache_resource
def _jobs(url: str) -> dict:
    return {"lock": threading.Lock(), "thread": None, "progress": (0.0, ""), "error": None}


def seeding_job(url: str, store) -> dict:
    """Start (once per server and store) the thread that saves the demo history; its progress and error."""
    job = _jobs(url)
    with job["lock"]:
        if job["thread"] is None:
            from robustness.history.seed import seed_demo_history

            def work():
                try:
                    seed_demo_history(store, progress=lambda f, m: job.__setitem__("progress", (f, m)))
                except Exception as exc:  # noqa: BLE001 - shown on the page; the store stays usable
                    job["error"] = exc

            thread = threading.Thread(target=work, name="demo-history", daemon=True)
            job["thread"] = thread
            thread.start()
    return job


def default_project(ws) -> str:
    """The project a session saves under until it names one: the last one it used, the demo's, or 'default'."""
    remembered = st.session_state.get(PROJECT)
    if remembered:
        return str(remembered)
    scenario = getattr(ws, "scenario", None)
    return f"{scenario} (demo)" if scenario else "default"
