"""Entry point: `streamlit run app.py` (or `make run`).

Builds the navigation over the page files in pages/ first (before the heavy imports, so a fresh
server shows the app's own navigation at once), then loads the default demo scenario into each new
session, so the dashboard opens populated.
"""

from __future__ import annotations

import streamlit as st

from dashboard import streamlit_fixes
from dashboard.navigation import PAGES_DIR, available_pages

streamlit_fixes.apply()  # before any upload: see dashboard/streamlit_fixes.py

st.set_page_config(page_title="Robustness dashboard", page_icon="🛡️", layout="wide")

navigation = st.navigation(
    [
        st.Page(str(PAGES_DIR / file), title=title, icon=icon, default=(i == 0))
        for i, (file, title, icon) in enumerate(available_pages())
    ]
)

from dashboard.shared import init_state, show_failure, sidebar, start_pending_build  # noqa: E402  (after the navigation: see above)
from dashboard.story import reading_switch  # noqa: E402

init_state()
sidebar()
with st.sidebar:
    reading_switch()
try:
    navigation.run()
except Exception as exc:  # the one guard of every page: the user sees what failed, the log the traceback
    show_failure(exc)
start_pending_build()  # a demo shown from its snapshot is built now that the page is drawn
