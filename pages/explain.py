"""Explainability: which columns drive the predictions, for all rows and for one, and whether that changed."""

from __future__ import annotations

import json

import streamlit as st

from dashboard import explain_cache as cache
from dashboard import explain_views as views
from dashboard.shared import md, require_workspace, through_app
from dashboard.story import area_banner
from robustness.errors import RobustnessError
from robustness.explain import ExplainConfig
from robustness.explain.config import METHODS
from robustness.formatting import count

through_app()

ws = require_workspace()
st.title("💡 Explainability")
area_banner(ws, "Explanation shift")
if not ws.has_model:
    st.info(
        "Explanations need the model file: SHAP asks the model for predictions on changed rows, which "
        "predictions read from columns of the data cannot give. Upload the model (skops, ONNX or, if you "
        "trust it, pickle) on the 'Model & data' page."
    )
    st.stop()

st.markdown(views.intro(ws))

# ------------------------------------------------------------------ settings
defaults = ExplainConfig()
n_current = len(ws.current.frame)
with st.expander("⚙️ Explainer settings", expanded=False):
    with st.form("explain_settings"):
        c1, c2, c3 = st.columns(3)
        method = c1.selectbox(
            "Explainer",
            METHODS,
            index=METHODS.index(defaults.method),
            format_func=lambda m: "auto (chosen for the model)" if m == "auto" else views.method_name(m),
            help="Auto: Tree SHAP for tree ensembles, Linear SHAP for linear models, Permutation "
            "SHAP (model-agnostic, slower) for everything else.",
        )
        rows = c2.number_input(
            "Rows explained (Tree / Linear)",
            10,
            1_000_000,
            value=defaults.rows,
            step=500,
            help="A seeded uniform sample of the current rows.",
        )
        perm_rows = c3.number_input(
            "Rows explained (Permutation)",
            10,
            100_000,
            value=defaults.permutation_rows,
            step=50,
            help="Each row costs permutations × (2 × columns + 1) × background predictions.",
        )
        c4, c5, c6 = st.columns(3)
        background = c4.number_input(
            "Background rows",
            10,
            100_000,
            value=defaults.background,
            step=50,
            help="Reference rows the Linear and Permutation explainers average over.",
        )
        permutations = c5.number_input(
            "Permutations per row",
            1,
            50,
            value=defaults.permutations,
            step=1,
            help="Permutation explainer only: more average out the column order.",
        )
        seed = c6.number_input(
            "Seed", 0, 2**31 - 1, value=defaults.seed, step=1, help="Same seed, same samples and the same explanations."
        )
        st.form_submit_button("Apply settings")

try:
    config = ExplainConfig(
        method=method,
        rows=int(rows),
        permutation_rows=int(perm_rows),
        background=int(background),
        permutations=int(permutations),
        seed=int(seed),
    )
except RobustnessError as err:
    st.error(md(err))
    st.stop()
config_key = json.dumps(config.to_dict(), sort_keys=True)

try:
    with st.spinner("Choosing the explainer…"):
        explainer = cache.cached_explainer(ws, ws.key(), config_key)
    n = min(n_current, config.permutation_rows if explainer.method == "permutation" else config.rows)
    with st.spinner(
        f"Explaining {count(n)} rows with {views.method_name(explainer.method)}…"
        + views.permutation_wait(explainer.method)
    ):
        expl = cache.cached_explanation(ws, ws.key(), config_key, "current")
except RobustnessError as err:
    st.error(md(err))
    st.caption("Change the settings above (method 'auto' always finds an explainer).")
    st.stop()

views.info_box(ws, expl)

section = (
    st.segmented_control(
        "Section",
        views.SECTIONS,
        default=views.SECTIONS[0],
        key="explain_section",
        format_func=views.section_label,
        label_visibility="collapsed",
    )
    or views.SECTIONS[0]
)
views.render_section(section, ws, expl, config_key)
