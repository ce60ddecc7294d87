"""The app's pages, and the guard that makes every page run through app.py.

Kept free of heavy imports: app.py builds its navigation from here before anything else is
imported, so the first run of a fresh server shows the app's own navigation at once (Streamlit
shows the ``pages/`` folder's file names until ``st.navigation`` has run).
"""

from __future__ import annotations

import runpy
from pathlib import Path

import streamlit as st

__all__ = ["APP_PATH", "PAGES", "PAGES_DIR", "available_pages", "through_app"]

PAGES_DIR = Path(__file__).resolve().parents[1] / "pages"
APP_PATH = PAGES_DIR.parent / "app.py"

# (file in pages/, title, icon). The navigation lists the ones whose file exists.
PAGES = [
    ("overview.py", "Overview", "🧭"),
    ("drift.py", "Data quality & drift", "🔍"),
    ("stress.py", "Stress tests", "🧪"),
    ("explain.py", "Explainability", "💡"),
    ("performance.py", "Performance", "📈"),
    ("compare.py", "Compare models", "⚖️"),
    ("report.py", "Trust report", "🛡️"),
    ("history.py", "History", "🗂️"),
    ("model_data.py", "Model & data", "📦"),
    ("present.py", "Present mode", "🎬"),
]


def through_app() -> None:
    """Make sure this run went through app.py's ``st.navigation``; the first call of every page.

    Streamlit serves a folder named ``pages/`` beside the main script as pages of their own (its
    first multipage API) until ``st.navigation`` has run once in the server. A deep link such as
    ``/model_data`` opened on a fresh server would then run that file without app.py: no demo, no
    sidebar, and a navigation listing every file in the folder. Such a run executes app.py instead
    (its navigation replaces the folder's and runs this same page, fully set up) and stops there.
    """
    from streamlit.runtime.pages_manager import PagesManager  # no public switch for this

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        runpy.run_path(str(APP_PATH), run_name="__main__")
        st.stop()


def available_pages() -> list[tuple[str, str, str]]:
    return [p for p in PAGES if (PAGES_DIR / p[0]).exists()]
