"""Overview: what is loaded, at a glance, and what the other views will examine."""

import streamlit as st

from dashboard.shared import available_pages, cached_overview, demo_story, md, require_workspace, through_app
from robustness import plots

through_app()

ws = require_workspace()
ov = cached_overview(ws, ws.key())

st.title("🛡️ Model robustness overview")
if ws.scenario:
    title, story = demo_story(ws.scenario)
    st.markdown(f"**Demo scenario: {title}.** {story}")
else:
    st.markdown(f"**Your files:** {md(ws.reference.name)} (reference) and {md(ws.current.name)} (current).")

c1, c2, c3, c4 = st.columns(4)
c1.metric("Reference rows", f"{ov.n_reference:,}")
c2.metric("Current rows", f"{ov.n_current:,}")
c3.metric("Input columns", ov.n_features)
c4.metric("Model", ws.model.task.value.title() if ws.model else "none")
if ov.model_description:
    st.caption(md(f"Model: {ov.model_description}"))

for note in ws.notes:
    st.info(md(note))

left, right = st.columns(2)
with left:
    st.plotly_chart(
        plots.prediction_comparison(ov, reference_name=ws.reference.name, current_name=ws.current.name),
        width="stretch",
    )
with right:
    st.plotly_chart(
        plots.missing_values(ov, reference_name=ws.reference.name, current_name=ws.current.name),
        width="stretch",
    )

st.subheader("What the checks will examine")
built = {title for _, title, _ in available_pages()}
for plan in ov.plans:
    if plan.view not in built:
        mark, soon = "🕓", " *(view coming in a later version)*"
    else:
        mark, soon = ("✅" if plan.available else "⚪"), ""
    st.markdown(f"{mark} **{plan.view}**{soon}: {md(plan.examines)}")

new_cats = [c for c in ov.columns if c.new_categories]
warnings = [i for i in ws.issues if i.severity == "warning"]
if new_cats or warnings:
    st.subheader("Worth a look")
    for c in new_cats:
        examples = ", ".join(f"'{e}'" for e in c.new_category_examples)
        st.warning(
            md(
                f"'{c.name}' has {c.new_categories} categor{'y' if c.new_categories == 1 else 'ies'} in "
                f"{ws.current.name} that {ws.reference.name} never had ({examples}; "
                f"{c.new_category_share:.1%} of current rows). The model has never seen "
                f"{'it' if c.new_categories == 1 else 'them'}."
            )
        )
    for issue in warnings:
        st.warning(md(issue.message))

with st.expander("Columns", expanded=False):
    st.dataframe(
        [
            {
                "column": c.name,
                "kind": c.kind.value,
                "role": c.role,
                "missing (reference)": f"{c.missing_reference:.1%}",
                "missing (current)": "absent" if c.missing_current is None else f"{c.missing_current:.1%}",
                "distinct (reference)": c.unique_reference,
                "new categories": c.new_categories,
            }
            for c in ov.columns
        ],
        hide_index=True,
        width="stretch",
    )
