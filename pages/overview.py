"""Overview: the punchline first (verdict, the findings that matter most, one status per area),
then what is loaded."""

import streamlit as st

from dashboard import snapshot
from dashboard.shared import (
    PAGES_DIR,
    available_pages,
    cached_overview,
    demo_story,
    imports_settled,
    md,
    pending_demo,
    require_workspace,
    through_app,
)
from dashboard.story import ICON, plain_words, session_story, snapshot_story, verdict_box
from robustness import plots
from robustness.formatting import count, share
from robustness.report.story import STATUS_WORDS
from robustness.scenarios import CLASS_NAMES

through_app()

# A fresh server draws a demo's first page from its snapshot while the demo is built in the background
# (dashboard/snapshot.py); otherwise from the loaded workspace, whose page then becomes the snapshot.
snap = snapshot.load(name) if (name := pending_demo()) else None
if snap is not None and snap.page is not None:
    page, story = snap.page, snapshot_story(snap)
    class_names = CLASS_NAMES.get(page.scenario or "", {})  # the demo's names: the one thing a snapshot lacks
else:
    ws = require_workspace()
    known = snapshot.load(ws.scenario) if ws.scenario else None
    if known is not None and known.page is not None and known.workspace_key == ws.key():
        page = known.page  # this very workspace's page, kept on disk: nothing to recompute
    else:
        if ws.scenario:
            title, demo_text = demo_story(ws.scenario)
            caption = f"Demo scenario: {title}. {demo_text}"
        else:
            caption = md(
                f"Your files: {ws.model_name or 'predictions from the data'} on {ws.current.name} (current) "
                f"against {ws.reference.name} (reference)."
            )
        page = snapshot.FirstPage.of(ws, cached_overview(ws, ws.key()), caption)
        if ws.scenario:
            snapshot.save(ws.scenario, ws.key(), page=page)
    story = session_story(ws)
    class_names = ws.class_names
ov = page.overview
plain = plain_words()
TITLES = {file: title for file, title, _ in available_pages()}

st.title("🛡️ Model robustness overview")
st.caption(page.caption)

verdict_box(story, f"**Verdict: {STATUS_WORDS[story.verdict]}.** {story.sentence}")
for caveat in story.caveats:  # what limits the conclusions themselves
    st.warning(md(caveat), icon="🔎")

tiles = st.columns(len(story.areas)) if story.areas else []
for col, a in zip(tiles, story.areas):
    with col.container(border=True):
        st.markdown(f"{ICON[a.status]} **{STATUS_WORDS[a.status]}**  \n{a.area}", help=a.text(plain))

if story.findings:
    st.subheader("What matters most")
    for i, f in enumerate(story.top(3), start=1):
        with st.container(border=True):
            st.markdown(f"{ICON[f.status]} **{i}. {f.area}:** {md(f.headline if plain else f.technical)}")
            st.markdown(f"*What it means:* {f.consequence}  \n*What to do:* {f.next_step}")
            if f.page in TITLES:
                st.page_link(str(PAGES_DIR / f.page), label=f"See it on {TITLES[f.page]}", icon="➡️")
    if len(story.findings) > 3:
        st.caption(f"{len(story.findings) - 3} more finding(s) on the pages below and in the Trust report.")
else:
    st.markdown(f"**Next step:** {story.next_step}")

if (PAGES_DIR / "present.py").exists():
    st.page_link(
        str(PAGES_DIR / "present.py"), label="Present this story in a meeting (one screen per step)", icon="🎬"
    )

st.divider()
st.subheader("What is loaded")

c1, c2, c3, c4 = st.columns(4)
c1.metric("Reference rows", count(ov.n_reference))
c2.metric("Current rows", count(ov.n_current))
c3.metric("Input columns", count(ov.n_features))
c4.metric("Model", page.task.title() if page.task else "none")
if ov.model_description:
    st.caption(md(f"Model: {ov.model_description}"))

for note in page.notes:
    st.info(md(note))

left, right = st.columns(2)
with imports_settled(), left:
    st.plotly_chart(
        plots.prediction_comparison(
            ov, reference_name=page.reference_name, current_name=page.current_name, class_names=class_names
        ),
        width="stretch",
    )
with imports_settled(), right:
    st.plotly_chart(
        plots.missing_values(ov, reference_name=page.reference_name, current_name=page.current_name),
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
warnings = page.warnings
if new_cats or warnings:
    st.subheader("Worth a look")
    for c in new_cats:
        examples = ", ".join(f"'{e}'" for e in c.new_category_examples)
        st.warning(
            md(
                f"'{c.name}' has {count(c.new_categories)} categor{'y' if c.new_categories == 1 else 'ies'} in "
                f"{page.current_name} that {page.reference_name} never had ({examples}; "
                f"{share(c.new_category_share)} of current rows). The model has never seen "
                f"{'it' if c.new_categories == 1 else 'them'}."
            )
        )
    for message in warnings:
        st.warning(md(message))

# A table widget loads pandas and pyarrow (a second on a fresh server): drawn when asked for.
if st.toggle(f"Show all {len(ov.columns)} columns (kind, role, missing values)", key="overview_columns"):
    import pandas as pd

    from dashboard.tables import show_table

    show_table(
        pd.DataFrame(
            [
                {
                    "column": c.name,
                    "kind": c.kind.value,
                    "role": c.role,
                    "missing (reference)": share(c.missing_reference),
                    "missing (current)": "absent" if c.missing_current is None else share(c.missing_current),
                    "distinct (reference)": c.unique_reference,
                    "new categories": c.new_categories,
                }
                for c in ov.columns
            ]
        ),
        what="columns",
    )
