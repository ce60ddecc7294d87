"""Data quality & drift: did the data change, and does it matter to this model?"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from dashboard import drift_views as views
from dashboard.drift_cache import cached_drift
from dashboard.shared import md, require_workspace, through_app
from dashboard.story import area_banner
from robustness.drift import DriftConfig, registry
from robustness.errors import RobustnessError

through_app()

ws = require_workspace()
st.title("🔍 Data quality & drift")
area_banner(ws, "Data quality")
area_banner(ws, "Data drift")
st.markdown(
    f"Compares **{md(ws.current.name)}** ({len(ws.current.frame):,} rows) with **{md(ws.reference.name)}** "
    f"({len(ws.reference.frame):,} rows), column by column and as a whole, and asks whether the changes "
    "matter to the model."
)

# ------------------------------------------------------------------ settings
features = views.drift_columns(ws)
defaults = DriftConfig()
with st.expander("⚙️ Test settings", expanded=False):
    with st.form("drift_settings"):
        c1, c2 = st.columns(2)
        alpha = c1.number_input(
            "Significance (alpha)",
            0.001,
            0.2,
            value=defaults.alpha,
            step=0.01,
            format="%.3f",
            help="For p-value tests, after the Benjamini–Hochberg correction.",
        )
        share = c2.slider("Dataset drifts when this share of columns drifts", 0.05, 1.0, defaults.drift_share, 0.05)
        st.caption(
            "How large a change must be to count as drift, in the data's own units. A column drifts when its "
            "change is statistically clear **and** at least one of these is reached, at any number of rows; "
            "0 (or 1 for the ratio) turns a condition off."
        )
        sizes = views.threshold_inputs(defaults)
        st.caption("Per-column overrides (leave empty for the default rule).")
        overrides = st.data_editor(
            pd.DataFrame(
                {"column": features, "test": [None] * len(features), "threshold": [float("nan")] * len(features)}
            ),
            column_config={
                "column": st.column_config.TextColumn(disabled=True),
                "test": st.column_config.SelectboxColumn(options=sorted(registry())),
                "threshold": st.column_config.NumberColumn(min_value=0.0, format="%.4f"),
            },
            hide_index=True,
            width="stretch",
            key=f"drift_overrides_{ws.key()[:12]}",
        )
        st.form_submit_button("Apply settings")

config_dict = {
    "alpha": float(alpha),
    "drift_share": float(share),
    **sizes,
    "overrides": {
        str(row.column): {
            k: (float(v) if k == "threshold" else v)
            for k, v in (("test", row.test), ("threshold", row.threshold))
            if pd.notna(v)
        }
        for row in overrides.itertuples()
        if pd.notna(row.test) or pd.notna(row.threshold)
    },
}
try:
    DriftConfig.from_dict(config_dict)
except RobustnessError as err:
    st.error(md(err))
    st.caption("The default settings are used until this is fixed.")
    config_dict = {}
config_key = json.dumps(config_dict, sort_keys=True)

try:
    result, target = cached_drift(ws, ws.key(), config_key)
except RobustnessError as err:
    st.error(md(err))
    st.stop()

views.summary(ws, result, target, config_key)

section = (
    st.segmented_control(
        "Section",
        views.SECTIONS,
        default=views.SECTIONS[0],
        key="drift_section",
        label_visibility="collapsed",
    )
    or views.SECTIONS[0]
)
views.render_section(section, ws, result, target, config_key)
