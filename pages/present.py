"""Present mode: the story as a guided walk for a meeting, one screen per step, large type.

verdict -> what changed -> does it matter to the model -> how fragile -> what to do. Every sentence
and chart comes from the session's scorecard (the same one the Overview and the Trust report show).
"""

from __future__ import annotations

import streamlit as st

from dashboard.shared import md, require_workspace, through_app
from dashboard.story import ICON, plain_words, session_report, session_story
from robustness.report.export import report_figures
from robustness.report.story import STATUS_WORDS

through_app()

STEPS = ("The verdict", "What changed", "Does it matter to the model?", "How fragile is it?", "What to do")
STEP = "present_step"
FONT = 20  # chart font size: readable on a projector

# Large type for this page only (static CSS: no user text in it).
st.markdown(
    "<style>[data-testid=stMain] p, [data-testid=stMain] li {font-size: 1.45rem; line-height: 1.5;}"
    "[data-testid=stMain] h1 {font-size: 3rem;} [data-testid=stMain] h2 {font-size: 2.2rem;}</style>",
    unsafe_allow_html=True,
)

ws = require_workspace()
story = session_story(ws)
plain = plain_words()
step = min(max(int(st.session_state.get(STEP, 0)), 0), len(STEPS) - 1)


def _go(delta: int) -> None:
    st.session_state[STEP] = min(max(step + delta, 0), len(STEPS) - 1)


def _charts(*sections: str, limit: int = 1) -> None:
    report = session_report(ws)
    shown = 0
    for section, fig in report_figures(report, plain=plain, class_names=ws.class_names):
        if section in sections and shown < limit:
            fig.update_layout(font={"size": FONT}, title_font={"size": FONT}, height=520)
            st.plotly_chart(fig, width="stretch", key=f"present_{step}_{shown}")
            shown += 1


def _area_lines(*areas: str) -> None:
    for name in areas:
        a = story.area(name)
        if a is not None:
            st.markdown(f"{ICON[a.status]} **{name}: {STATUS_WORDS[a.status]}.** {md(a.text(plain))}")


st.caption(
    f"Present mode · step {step + 1} of {len(STEPS)}"
    + (f" · demo '{ws.scenario}'" if ws.scenario else f" · {md(ws.current.name)}")
)
st.title(f"{step + 1}. {STEPS[step]}")

if step == 0:
    box = {"fail": st.error, "warn": st.warning}.get(story.verdict, st.success)
    box(f"## {ICON[story.verdict]} {STATUS_WORDS[story.verdict]}\n{story.sentence}")
    cols = st.columns(len(story.areas)) if story.areas else []
    for col, a in zip(cols, story.areas):
        col.markdown(f"{ICON[a.status]} **{STATUS_WORDS[a.status]}**  \n{a.area}")
elif step == 1:
    _area_lines("Data quality", "Data drift")
    _charts("Data drift")
elif step == 2:
    _area_lines("Performance", "Explanation shift", "Uncertainty")
    _charts("Performance", "Explanation shift")
elif step == 3:
    _area_lines("Stress tests")
    _charts("Stress tests")
else:
    if story.findings:
        seen = []
        for f in story.findings:
            if f.next_step not in seen:
                seen.append(f.next_step)
                st.markdown(f"{ICON[f.status]} **{f.area}:** {f.next_step}")
    else:
        st.markdown(story.next_step)

left, _, right = st.columns([1, 4, 1])
left.button("◀ Previous", on_click=_go, args=(-1,), disabled=step == 0, width="stretch", key="present_prev")
right.button(
    "Next ▶",
    on_click=_go,
    args=(1,),
    disabled=step == len(STEPS) - 1,
    width="stretch",
    type="primary",
    key="present_next",
)
