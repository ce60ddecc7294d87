"""Compare models: the loaded model (champion) against a challenger on the same rows. The verdict first, then
the metrics with paired intervals, where the two disagree, stress tests for both and the columns each relies on."""

from __future__ import annotations

import streamlit as st

from dashboard import compare_views as views
from dashboard.shared import md, require_workspace, through_app
from dashboard.story import plain_words
from robustness.errors import RobustnessError

through_app()

ws = require_workspace()
st.title("⚖️ Compare models")
if not ws.has_challenger:
    views.no_challenger()
    st.stop()

st.markdown(
    f"**{md(ws.model_name or 'The model')}** (champion) against **{md(ws.challenger_name or 'the challenger')}** "
    f"(challenger), scored on the same rows of **{md(ws.reference.name)}** (reference) and "
    f"**{md(ws.current.name)}** (current)."
)
top = st.container()  # the verdict, once computed: the page's first statement

with st.expander("⚙️ Settings", expanded=False):
    with st.form("compare_settings"):
        c1, c2, c3 = st.columns(3)
        n_boot = c1.number_input(
            "Bootstrap resamples", 100, 10_000, 1000, step=100, help="Paired resamples of rows for the intervals."
        )
        alpha = c2.number_input(
            "Significance level",
            0.001,
            0.2,
            0.05,
            step=0.01,
            format="%.3f",
            help="A difference counts when its test's p-value is below this and its interval excludes 0.",
        )
        seed = c3.number_input("Seed", 0, 2**31 - 1, 0, help="Same seed, same resamples, stress rows and shuffles.")
        st.form_submit_button("Apply")

try:
    result = views.comparison(ws, (int(n_boot), float(alpha), int(seed)))
except RobustnessError as err:
    top.error(md(err))
    st.stop()

with top:
    views.verdict_box(result)
    from robustness.demo import CHALLENGER_STORIES  # noqa: E402  (numpy and pandas are loaded by now)

    if ws.scenario in CHALLENGER_STORIES and (ws.challenger_name or "").startswith("demo challenger"):
        st.caption(f"The demo's challenger: {CHALLENGER_STORIES[ws.scenario]}")

st.subheader("Metrics, paired")
views.metrics_section(result, plain=plain_words())
st.subheader("Where the two disagree")
views.disagreement_section(result)
st.subheader("Stress tests, both models")
views.stress_section(result)
st.subheader("The columns each model relies on")
views.importance_section(result)
