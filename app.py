"""Entry point: `streamlit run app.py` (or `make run`).

Builds the navigation over the page files in pages/ and loads the default demo
scenario into each new session, so the dashboard opens populated.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:  # pages/_shared.py is imported as pages._shared
    sys.path.insert(0, str(ROOT))

from pages._shared import available_pages, init_state, sidebar  # noqa: E402

st.set_page_config(page_title="Robustness dashboard", page_icon="🛡️", layout="wide")

pages = [
    st.Page(str(ROOT / "pages" / file), title=title, icon=icon, default=(i == 0))
    for i, (file, title, icon) in enumerate(available_pages())
]
navigation = st.navigation(pages)
init_state()
sidebar()
navigation.run()
