"""Stress tests: what noise, missing values, unit errors and category changes do to the predictions.

Opens with the area's status from the scorecard, one summary line naming the worst perturbation,
and the status of every perturbation at every severity (worst first, grouped by family); then the
charts, the tables and the per-row searches.
"""

from __future__ import annotations

import hashlib
import json
import re

import pandas as pd
import streamlit as st

from dashboard.shared import md, require_workspace, through_app
from dashboard.story import area_banner, plain_words
from dashboard.tables import show_table
from robustness.errors import RobustnessError
from robustness.formatting import count, number, share
from robustness.plots import compare as cplots
from robustness.plots import stress as splots
from robustness.stress import (
    FAMILIES,
    ReferenceStats,
    StressConfig,
    by_family,
    family_of,
    label_of,
    minimal_change,
    registry,
    run_stress,
    worst_first,
    worst_verdict,
)
from robustness.stress.wording import short_effect, short_size, verdict_in_words

through_app()

SEVERITIES = [0.0, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0]
ICON = {"pass": "✅", "warn": "⚠️", "fail": "❌", "error": "❌"}

ws = require_workspace()
st.title("🧪 Stress tests")
area_banner(ws, "Stress tests")
if not ws.has_model:
    st.info(
        "Stress tests re-score perturbed rows, so they need a model file. Predictions read from "
        "columns cannot be re-computed: upload the model on the 'Model & data' page."
    )
    st.stop()

classifier = ws.model.task.value != "regression"
summary_slot = st.empty()  # filled once the suite has run: the page's second line
top = st.container()
settings_box = st.expander("⚙️ Suite settings", expanded=False)
rest = st.container()

inputs = [c for c in ws.feature_columns() if c in ws.current.frame.columns]
stats_key = ws.key()


@st.cache_resource(show_spinner=False, max_entries=8)
def reference_stats(_ws, key: str) -> ReferenceStats:
    return ReferenceStats.from_frame(_ws.reference.frame, kinds=_ws.schema.kinds(), columns=inputs)


def table(frame: pd.DataFrame, *, what: str = "rows") -> None:
    """A table in the one number format, every row in view or a caption saying how many scroll out of view."""
    show_table(frame, what=what)


stats = reference_stats(ws, stats_key)
perturbable = [c for c in inputs if c in stats.numeric or c in stats.categorical]
specs = registry()
names = sorted(
    specs, key=lambda n: (FAMILIES.index(specs[n].family) if specs[n].family in FAMILIES else 99, specs[n].label)
)

with settings_box:
    with st.form("stress_settings"):
        cols = st.multiselect("Columns to perturb", perturbable, default=perturbable)
        chosen = st.multiselect(
            "Perturbations",
            names,
            default=names,
            format_func=label_of,
            help="Each one's description is in the table under 'All results'.",
        )
        sev = st.multiselect(
            "Severities",
            SEVERITIES,
            default=[0.0, 0.1, 0.25, 0.5, 1.0],
            help="0 leaves the data unchanged (a sanity check: nothing may flip).",
        )
        c1, c2, c3, c4 = st.columns(4)
        rows = c1.number_input("Rows", 100, 100_000, value=min(2000, len(ws.current.frame)), step=500)
        seed = c2.number_input("Seed", 0, 2**31 - 1, value=0, step=1, help="Same seed, same perturbations.")
        warn = c3.number_input(
            "Warn at",
            0.0,
            1.0,
            value=0.05,
            step=0.01,
            format="%.2f",
            help="Share of flipped predictions (or normalised change) at the default severity.",
        )
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
    top.error(md(err))
    st.stop()
run_key = hashlib.sha256((ws.key() + json.dumps(config_dict, sort_keys=True)).encode()).hexdigest()
store: dict = st.session_state.setdefault("stress_results", {})


def _stop() -> None:
    st.session_state["stress_stopped"] = run_key


if run_key not in store:
    with top:
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
                    ws.model,
                    ws.current.frame,
                    target=target,
                    reference=ws.reference.frame,
                    kinds=ws.schema.kinds(),
                    config=config,
                    progress=lambda f, label: bar.progress(min(max(f, 0.0), 1.0), text=label),
                )
            except RobustnessError as err:
                st.error(md(err))
                st.stop()
            store[run_key] = result
            st.rerun()
    st.stop()

result = store[run_key]
words = plain_words()
verdicts = by_family(result.verdicts)  # worst first, grouped by family: the heatmap's and the list's order
worst = worst_verdict(result.verdicts)


# ------------------------------------------------------------------ the summary line
def _name(v) -> str:
    return f"**{md(v.label or label_of(v.perturbation))}**" + ("" if words else f" (`{v.perturbation}`)")


def _described(name: str) -> str:
    """What a perturbation does, in the one number format (the registry writes its factors as "by 1000")."""
    text = specs[name].description if name in specs else ""
    return re.sub(r"\bby (\d{4,})\b", lambda m: f"by {count(int(m.group(1)))}", text)


def _detail(v) -> str:
    """A verdict's facts: the perturbation by its readable name, where, at which severity, what it did to the
    predictions against the thresholds, and what it does, every number in the one format."""
    cell = next((p for p in result.results if p.perturbation == v.perturbation and p.severity == v.severity), None)
    cols = list(cell.columns) if cell is not None else []
    on = f" on {', '.join(repr(str(c)) for c in cols)}" if 0 < len(cols) <= 3 else f" on {count(len(cols))} columns"
    where = f"{v.label or label_of(v.perturbation)}{on if cols else ''} at severity {number(v.severity)}"
    if v.status == "error" or v.value is None:
        return f"{where}: the model cannot score the perturbed rows ({'; '.join(cell.errors) if cell else 'error'})."
    warn_at, fail_at = result.thresholds()
    fmt = share if classifier else number
    what = (
        f"changes {share(v.value)} of predictions"
        if classifier
        else f"moves predictions by {number(v.value)} of their spread on average"
    )
    rule = {
        "fail": f"fails at {fmt(fail_at)} or more",
        "warn": f"warns at {fmt(warn_at)} or more, fails at {fmt(fail_at)}",
        "pass": f"below the {fmt(warn_at)} warning threshold",
    }[v.status]
    does = _described(v.perturbation)
    return f"{where} {what} ({rule})." + (f" What it does: {does[0].lower()}{does[1:]}" if does else "")


if worst is None:
    summary = "Nothing could be judged: no perturbation applied to the chosen columns at a severity above 0."
else:
    tally = ", ".join(
        f"{n} {word}"
        for n, word in (
            (sum(v.status in ("fail", "error") for v in verdicts), "fail"),
            (sum(v.status == "warn" for v in verdicts), "warn"),
            (sum(v.status == "pass" for v in verdicts), "pass"),
        )
        if n
    )
    ranked = worst_first(result.verdicts)
    then = [f"{md(v.label or label_of(v.perturbation))} ({short_size(v)})" for v in ranked[1:3]]
    summary = (
        f"{ICON[result.verdict]} **{tally}** of {len(verdicts)} perturbations. Worst: {_name(worst)} "
        f"({short_effect(worst, classifier=classifier)})"
        + (f", then {' and '.join(then)}" if then else "")
        + f". Robustness score {count(result.score)}/100."
    )
summary_slot.markdown(summary)

# ------------------------------------------------------------------ every perturbation at a glance
failed_cells = [p for p in result.results if p.status == "error"]
with top:
    if verdicts:
        st.plotly_chart(splots.status_heatmap(result), width="stretch")
    untried = [
        label_of(n)
        for n in dict.fromkeys(p.perturbation for p in result.results)
        if n not in {v.perturbation for v in verdicts}
    ]
    measure = (
        "the share of predictions that change"
        if classifier
        else "the mean change of the prediction relative to its spread"
    )
    st.caption(
        f"{count(result.n_rows)} rows of **{md(ws.current.name)}** perturbed the way production data goes wrong; each "
        f"cell is {measure}. Seed {result.seed} (set it under 'Suite settings' to reproduce this run)."
        + (f" Not applicable to the chosen columns: {md(', '.join(untried))}." if untried else "")
        + (
            f" The model could not score {len(failed_cells)} of the perturbed copies ('error' cells); the reasons "
            "are in the list below."
            if failed_cells
            else ""
        )
    )
    with st.expander(f"Every verdict, worst first ({len(verdicts)})", expanded=False):
        lines = [
            f"- {ICON[v.status]} {_name(v)} ({md(v.family)}): {md(verdict_in_words(v, classifier=classifier))}."
            f"\n    - {md(_detail(v))}"
            for v in verdicts
        ]
        lines += [
            f"- ❌ **{md(label_of(p.perturbation))}** at severity {number(p.severity)}: the model could not score it: "
            f"{md('; '.join(p.errors))}"
            for p in failed_cells
        ]
        st.markdown("\n".join(lines) or "No verdicts.")

# ------------------------------------------------------------------ the challenger, side by side
if ws.has_challenger:
    challenger_ws = ws.challenger_workspace()
    challenger_key = hashlib.sha256(
        (challenger_ws.key() + json.dumps(config_dict, sort_keys=True)).encode()
    ).hexdigest()
    challenger_store: dict = st.session_state.setdefault("stress_results_challenger", {})
    with rest:
        st.subheader("Champion vs challenger")
        if challenger_key not in challenger_store:
            bar = st.progress(0.0, text="Perturbing and scoring for the challenger…")
            try:
                challenger_store[challenger_key] = run_stress(
                    challenger_ws.model,
                    ws.current.frame,
                    target=ws.current.frame[ws.roles.target] if ws.target_in_current else None,
                    reference=ws.reference.frame,
                    kinds=ws.schema.kinds(),
                    config=config,
                    progress=lambda f, label: bar.progress(min(max(f, 0.0), 1.0), text=f"Challenger: {label}"),
                )
            except RobustnessError as err:
                st.warning(md(f"The stress suite could not run for the challenger: {err}"))
            bar.empty()
        challenger_result = challenger_store.get(challenger_key)
        if challenger_result is not None:
            st.plotly_chart(cplots.stress_pair(result, challenger_result), width="stretch")
            mine = {v.perturbation: v for v in result.verdicts}
            pairs = [(mine[v.perturbation], v) for v in challenger_result.verdicts if v.perturbation in mine]
            gap = 0.01  # within a point: the same (as on 'Compare models')
            fragile = sum((b.value or 0) > (a.value or 0) + gap for a, b in pairs)
            sturdier = sum((b.value or 0) < (a.value or 0) - gap for a, b in pairs)
            st.caption(
                md(
                    f"The same suite, rows and seed for {ws.challenger_name or 'the challenger'}: more fragile than "
                    f"the model under {count(fragile)} of {count(len(pairs))} perturbations, more robust under "
                    f"{count(sturdier)}; its robustness score is {count(challenger_result.score)}/100 against "
                    f"{count(result.score)}/100. The paired comparison is on the 'Compare models' page."
                )
            )

# ------------------------------------------------------------------ charts and tables
with rest:
    st.plotly_chart(splots.severity_curves(result), width="stretch")
    st.plotly_chart(splots.sensitivity_ranking(result), width="stretch")

    with st.expander("All results", expanded=False):
        value_name = "flip rate" if classifier else "mean |change| / spread"
        order = {n: i for i, n in enumerate(splots.perturbation_order(result))}
        cells = sorted(result.results, key=lambda p: (order.get(p.perturbation, len(order)), p.severity))
        table(
            pd.DataFrame(
                [
                    {
                        "perturbation": label_of(p.perturbation),
                        "family": family_of(p.perturbation),
                        "id": p.perturbation,
                        "severity": p.severity,
                        "columns": ", ".join(p.columns),
                        value_name: result.value_of(p),
                        "status": result.status_of(p),
                        **p.metrics,
                        "errors": "; ".join(p.errors),
                    }
                    for p in cells
                ]
            ),
            what="results",
        )
        table(
            pd.DataFrame(
                [
                    {
                        "perturbation": s.label,
                        "family": s.family,
                        "id": n,
                        "applies to": ", ".join(sorted(k.value for k in s.kinds)),
                        "what it does": _described(n),
                    }
                    for n, s in ((n, specs[n]) for n in names)
                ]
            ),
            what="perturbations",
        )

    st.subheader("Fragile rows")
    fragile = list(getattr(result, "fragile", ()))
    if not fragile:
        st.caption(
            "No row flipped under any perturbation."
            if classifier
            else "Fragile rows are listed for classifiers (rows whose decision flips)."
        )
    else:
        st.caption("The rows whose prediction flips at the lowest severity.")
        table(
            pd.DataFrame(
                [
                    {
                        "row": str(f.row),
                        "flips at severity": f.min_severity,
                        "under": label_of(f.perturbation),
                        "prediction": ws.class_label(f.prediction),
                        "becomes": ws.class_label(f.flipped_to),
                        **f.values,
                    }
                    for f in fragile
                ]
            )
        )
    if classifier:
        st.subheader("Smallest change that flips a row")
        options = [f.row for f in fragile] or list(ws.current.frame.index[:50])
        row = st.selectbox("Row", options, format_func=str, key="stress_row")
        if st.button("Search", key="stress_search"):
            with st.spinner("Searching…"):
                found = minimal_change(
                    ws.model, ws.current.frame.loc[[row]], stats, columns=perturbable, seed=result.seed
                )
            (st.success if found.found else st.info)(md(found.message))
            if found.changes:
                table(pd.DataFrame(found.changes, columns=["column", "from", "to"]).astype(str))
