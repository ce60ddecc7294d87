"""Stress tests: what noise, missing values, unit errors and category changes do to the predictions."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import streamlit as st

from dashboard.shared import md, require_workspace, through_app
from robustness.errors import RobustnessError
from robustness.plots import stress as splots
from robustness.stress import ReferenceStats, StressConfig, minimal_change, registry, run_stress

through_app()

SEVERITIES = [0.0, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0]
ICON = {"pass": "✅", "warn": "⚠️", "fail": "❌", "error": "❌"}

ws = require_workspace()
st.title("🧪 Stress tests")
if not ws.has_model:
    st.info("Stress tests re-score perturbed rows, so they need a model file. Predictions read from "
            "columns cannot be re-computed: upload the model on the 'Model & data' page.")
    st.stop()

classifier = ws.model.task.value != "regression"
st.markdown(
    f"Perturbs rows of **{md(ws.current.name)}** the way production data goes wrong and measures how the "
    "model's predictions change: " + ("the share of predictions that flip." if classifier else
                                      "the mean change of the prediction relative to its spread.")
)

inputs = [c for c in ws.feature_columns() if c in ws.current.frame.columns]
stats_key = ws.key()


@st.cache_resource(show_spinner=False, max_entries=8)
def reference_stats(_ws, key: str) -> ReferenceStats:
    return ReferenceStats.from_frame(_ws.reference.frame, kinds=_ws.schema.kinds(), columns=inputs)


stats = reference_stats(ws, stats_key)
perturbable = [c for c in inputs if c in stats.numeric or c in stats.categorical]
names = sorted(registry())

with st.expander("⚙️ Suite settings", expanded=False):
    with st.form("stress_settings"):
        cols = st.multiselect("Columns to perturb", perturbable, default=perturbable)
        chosen = st.multiselect("Perturbations", names, default=names,
                                help="Each one's description is in the table below the results.")
        sev = st.multiselect("Severities", SEVERITIES, default=[0.0, 0.1, 0.25, 0.5, 1.0],
                             help="0 leaves the data unchanged (a sanity check: nothing may flip).")
        c1, c2, c3, c4 = st.columns(4)
        rows = c1.number_input("Rows", 100, 100_000, value=min(2000, len(ws.current.frame)), step=500)
        seed = c2.number_input("Seed", 0, 2**31 - 1, value=0, step=1, help="Same seed, same perturbations.")
        warn = c3.number_input("Warn at", 0.0, 1.0, value=0.05, step=0.01, format="%.2f",
                               help="Share of flipped predictions (or normalised change) at the default severity.")
        fail = c4.number_input("Fail at", 0.0, 1.0, value=0.10, step=0.01, format="%.2f")
        st.form_submit_button("Apply settings")

config_dict = {
    "perturbations": list(chosen) or None,
    "severities": sorted(set(sev) | {0.0}),
    "columns": list(cols) or None,
    "max_rows": int(rows),
    "seed": int(seed),
    ("warn_flip_rate" if classifier else "warn_change"): float(warn),
    ("fail_flip_rate" if classifier else "fail_change"): float(fail),
}
try:
    config = StressConfig.from_dict(config_dict)
except RobustnessError as err:
    st.error(md(err))
    st.stop()
run_key = hashlib.sha256((ws.key() + json.dumps(config_dict, sort_keys=True)).encode()).hexdigest()
store: dict = st.session_state.setdefault("stress_results", {})


def _stop() -> None:
    st.session_state["stress_stopped"] = run_key


if run_key not in store:
    stopped = st.session_state.get("stress_stopped") == run_key
    if stopped:
        st.warning("The run was stopped. Press 'Run the suite' to start it again.")
    if st.button("Run the suite", type="primary") or not stopped:
        st.session_state.pop("stress_stopped", None)
        st.button("⏹ Stop", on_click=_stop, help="Stops the run; nothing is kept.")
        bar = st.progress(0.0, text="Perturbing and scoring…")
        target = ws.current.frame[ws.roles.target] if ws.target_in_current else None
        try:
            result = run_stress(
                ws.model, ws.current.frame, target=target, reference=ws.reference.frame,
                kinds=ws.schema.kinds(), config=config,
                progress=lambda f, label: bar.progress(min(max(f, 0.0), 1.0), text=label),
            )
        except RobustnessError as err:
            st.error(md(err))
            st.stop()
        store[run_key] = result
        st.rerun()
    st.stop()

result = store[run_key]

# ------------------------------------------------------------------ results
c1, c2, c3, c4 = st.columns(4)
c1.metric("Verdict", f"{ICON.get(result.verdict, '')} {result.verdict}")
c2.metric("Robustness score", f"{result.score:.0f} / 100")
c3.metric("Rows scored", f"{result.n_rows:,}")
c4.metric("Seed", result.seed, help="Set it under 'Suite settings' to reproduce this run.")
for v in result.verdicts:
    if v.status in ("fail", "error"):
        st.error(md(v.message))
    elif v.status == "warn":
        st.warning(md(v.message))
failures = [p for p in result.results if p.errors]
for p in failures:
    st.error(md(f"{p.perturbation} at severity {p.severity:g}: " + "; ".join(p.errors)))

left, right = st.columns(2)
with left:
    st.plotly_chart(splots.severity_curves(result), width="stretch")
with right:
    st.plotly_chart(splots.sensitivity_ranking(result), width="stretch")

with st.expander("All results", expanded=False):
    st.dataframe(pd.DataFrame([
        {"perturbation": p.perturbation, "severity": p.severity, "columns": ", ".join(p.columns),
         ("flip rate" if classifier else "mean |change| / spread"): (p.flip_rate if classifier else p.mean_abs_change),
         **p.metrics, "status": p.status, "errors": "; ".join(p.errors)}
        for p in result.results
    ]), hide_index=True, width="stretch")
    st.dataframe(pd.DataFrame([{"perturbation": n, "applies to": ", ".join(sorted(k.value for k in s.kinds)),
                                "what it does": s.description} for n, s in registry().items()]),
                 hide_index=True, width="stretch")

st.subheader("Fragile rows")
fragile = list(getattr(result, "fragile", ()))
if not fragile:
    st.caption("No row flipped under any perturbation." if classifier else
               "Fragile rows are listed for classifiers (rows whose decision flips).")
else:
    st.caption("The rows whose prediction flips at the lowest severity.")
    st.dataframe(pd.DataFrame([{"row": str(f.row), "flips at severity": f.min_severity, "under": f.perturbation,
                                "prediction": str(f.prediction), "becomes": str(f.flipped_to), **f.values}
                               for f in fragile]), hide_index=True, width="stretch")
if classifier:
    st.subheader("Smallest change that flips a row")
    options = [f.row for f in fragile] or list(ws.current.frame.index[:50])
    row = st.selectbox("Row", options, format_func=str, key="stress_row")
    if st.button("Search", key="stress_search"):
        with st.spinner("Searching…"):
            found = minimal_change(ws.model, ws.current.frame.loc[[row]], stats, columns=perturbable,
                                   seed=result.seed)
        (st.success if found.found else st.info)(md(found.message))
        if found.changes:
            st.dataframe(pd.DataFrame(found.changes, columns=["column", "from", "to"]).astype(str),
                         hide_index=True, width="stretch")
