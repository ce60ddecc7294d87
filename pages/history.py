"""History: the trust reports saved on this server, their trends, and what changed between two runs.

The run store is the server's (ROBUSTNESS_DB / ROBUSTNESS_HOME, read by robustness/settings.py, never a
widget): every visitor sees the runs saved there, by design the team's shared history.
"""

from __future__ import annotations

import streamlit as st

from dashboard.history import PROJECT, run_store, seeding_job
from dashboard.shared import md, server_settings, through_app
from dashboard.story import ICON, plain_words
from dashboard.tables import show_table
from robustness.errors import RobustnessError

through_app()

PAGE_RUNS = 1000  # the newest runs of a project the page reads


st.title("🗂️ History")
settings = server_settings()
try:
    store = run_store(settings.history_db)
except RobustnessError as err:
    st.error(md(err))
    st.stop()
st.caption(
    "Trust reports saved on this server, shared by everyone who uses it (the server's run history). Save one "
    "from the **Trust report** page or with `robustness report --save`."
)

seeding = False
if settings.demo_history:
    from robustness.history.seed import DEMO_PROJECT

    if not store.count(DEMO_PROJECT):
        seeding = True
        job = seeding_job(settings.history_db, store)

        @st.fragment(run_every=2)
        def _seed_progress():
            if job["error"] is not None:
                st.warning(md(f"The demo history could not be built: {job['error']}"))
            elif job["thread"] is not None and not job["thread"].is_alive():
                st.rerun()
            else:
                fraction, message = job["progress"]
                st.progress(fraction, text=f"Building a demo history (five weekly runs of the credit demo): {message}")

        _seed_progress()

projects = store.projects()
if not projects:
    if not seeding:  # while the demo history is built, its progress bar above says what comes
        st.info(
            "No runs saved yet. Press **Save to history** on the Trust report page, or run `robustness report --save`."
        )
    st.stop()

remembered = st.session_state.get(PROJECT)
project = st.selectbox(
    "Project", projects, index=projects.index(remembered) if remembered in projects else 0, key="history_pick"
)
st.session_state[PROJECT] = project

from robustness.history import diff_runs  # noqa: E402  (SQLAlchemy loads with the page, not the app)
from robustness.history.extract import HEADLINE_LABELS  # noqa: E402
from robustness.plots import history as hplots  # noqa: E402

runs = store.list_runs(project, limit=PAGE_RUNS)
rows = store.check_history(project, limit=PAGE_RUNS)
latest = runs[-1]
plain = plain_words()

# What the page says first: the latest verdict, and what changed since the run before it.
summary = f"{ICON.get(latest.verdict, '')} **Latest run {latest.id}** ({latest.created_at:%Y-%m-%d %H:%M} UTC): " + {
    "pass": "every check passes.",
    "warn": "some checks warn.",
    "fail": "some checks fail.",
}.get(latest.verdict, latest.verdict)
if len(runs) > 1:
    last = diff_runs(store.get(runs[-2].id), store.get(latest.id))
    summary += " " + md(last.sentence())
st.markdown(summary)
if store.count(project) > PAGE_RUNS:
    st.caption(f"The newest {PAGE_RUNS:,} of {store.count(project):,} runs are shown.")

st.plotly_chart(hplots.verdict_timeline(store.list_runs(limit=PAGE_RUNS)), width="stretch")

st.subheader("Trends")
st.caption(
    "Each check's headline figure across the runs, with the run's own interval where it has one; the shaded "
    "band spans the values of the earlier runs, so a run outside it is new ground."
)
areas = list(dict.fromkeys(r["area"] for r in rows if r.get("value") is not None))
cols = st.columns(2)
for i, area in enumerate(areas):
    headline = next(r["headline"] for r in rows if r["area"] == area)
    label = HEADLINE_LABELS.get(headline, str(headline).replace("_", " "))
    cols[i % 2].plotly_chart(hplots.check_trend(rows, area, label=label), width="stretch", key=f"trend-{area}")

st.subheader("Runs")
import pandas as pd  # noqa: E402

table = pd.DataFrame(
    [
        {
            "run": r.id,
            "saved (UTC)": r.created_at.strftime("%Y-%m-%d %H:%M"),
            "verdict": f"{ICON.get(r.verdict, '')} {r.verdict}",
            "report": r.title,
            "model": (r.model_hash or "")[:12],
            "reference": (r.reference_hash or "")[:12],
            "current": (r.current_hash or "")[:12],
        }
        for r in reversed(runs)
    ]
)
event = show_table(
    table, what="runs", plain_columns=("run",), key="history_runs", on_select="rerun", selection_mode="single-row"
)
picked = event.selection.rows if event is not None and hasattr(event, "selection") else []
open_id = int(table.iloc[picked[0]]["run"]) if picked else latest.id
run = store.get(open_id)
report = run.report
with st.container(border=True):
    st.markdown(
        f"**Scorecard of run {run.id}** · {md(report.get('title', ''))} · "
        f"{ICON.get(run.summary.verdict, '')} {run.summary.verdict}"
        + ("" if picked else " · (the newest run; select a row above to open another)")
    )
    for c in report.get("checks", []):
        text = c.get("plain") if plain else c.get("summary")
        st.markdown(f"{ICON.get(c.get('status'), '')} **{md(c.get('name', ''))}**: {md(text or '')}")
    c1, c2 = st.columns(2)
    c1.download_button(
        "⬇️ JSON", run.report_json, file_name=f"run-{run.id}.json", mime="application/json", key="run_json"
    )
    if run.has_html:
        c2.download_button(
            "⬇️ HTML report", store.html(run.id), file_name=f"run-{run.id}.html", mime="text/html", key="run_html"
        )

st.subheader("Compare two runs")
if len(runs) < 2:
    st.info("Save a second run of this project to compare two.")
    st.stop()
labels = {r.id: f"run {r.id} · {r.created_at:%Y-%m-%d %H:%M} · {r.verdict}" for r in runs}
ids = [r.id for r in runs][::-1]
c1, c2 = st.columns(2)
b_id = c2.selectbox("Later run", ids, index=0, format_func=labels.get, key="history_b")
a_id = c1.selectbox("Earlier run", ids, index=1, format_func=labels.get, key="history_a")
if a_id == b_id:
    st.info("Pick two different runs.")
    st.stop()
d = diff_runs(store.get(a_id), store.get(b_id))
(st.error if d.worse else st.success)(md(d.sentence()))
lines = []
for c in d.checks:
    lines.append(f"- **{md(c.area)}**: {c.before} → {c.after} ({c.direction})")
if d.newly_drifted:
    lines.append(f"- Inputs that newly changed distribution: {md(', '.join(d.newly_drifted))}")
if d.no_longer_drifted:
    lines.append(f"- Inputs back to the reference's distribution: {md(', '.join(d.no_longer_drifted))}")
for h in d.changed:
    lines.append(f"- A different {h.part} (`{(h.before or '–')[:12]}` → `{(h.after or '–')[:12]}`)")
if not d.changed:
    lines.append("- Same model and data files (by hash).")
st.markdown("\n".join(lines))
moved = [m for m in d.metrics if m.direction in ("worse", "better")]
for m in moved:
    st.markdown(f"- {md(m.label)} ({md(m.dataset)}): {hplots.change_words(m)}")
c1, c2 = st.columns(2)
c1.plotly_chart(hplots.diff_status_chart(d), width="stretch", key="diff-status")
c2.plotly_chart(hplots.diff_metrics_chart(d), width="stretch", key="diff-metrics")
import json  # noqa: E402

st.download_button(
    "⬇️ The comparison as JSON",
    json.dumps(d.to_dict(), indent=2, ensure_ascii=False),
    file_name=f"diff-{a_id}-{b_id}.json",
    mime="application/json",
    key="diff_json",
)
