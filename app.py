"""Entry point: `streamlit run app.py` (or `make run`).

Builds the navigation over the page files in pages/ and loads the default demo
scenario into each new session, so the dashboard opens populated.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard.shared import available_pages, init_state, show_failure, sidebar

ROOT = Path(__file__).resolve().parent

st.set_page_config(page_title="Robustness dashboard", page_icon="🛡️", layout="wide")

pages = [
    st.Page(str(ROOT / "pages" / file), title=title, icon=icon, default=(i == 0))
    for i, (file, title, icon) in enumerate(available_pages())
]
navigation = st.navigation(pages)
init_state()
sidebar()
try:
    navigation.run()
except Exception as exc:  # the one guard of every page: the user sees what failed, the log the traceback
    show_failure(exc)
