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

from pages._shared import init_state, sidebar  # noqa: E402

# (file in pages/, title, icon). Only pages whose file exists are listed.
PAGES = [
    ("overview.py", "Overview", "🧭"),
    ("model_data.py", "Model & data", "📦"),
]

st.set_page_config(page_title="Robustness dashboard", page_icon="🛡️", layout="wide")

pages = [
    st.Page(str(ROOT / "pages" / file), title=title, icon=icon, default=(i == 0))
    for i, (file, title, icon) in enumerate(PAGES)
    if (ROOT / "pages" / file).exists()
]
navigation = st.navigation(pages)
init_state()
sidebar()
navigation.run()
