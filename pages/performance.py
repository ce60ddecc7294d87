"""Performance: with labels (reference vs current, intervals), estimated without them, weak segments,
uncertainty (conformal coverage) and groups."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.monitor_views import over_time as over_time_view
from dashboard.shared import md, require_workspace, through_app
from dashboard.story import area_banner, plain_words, session_story
from dashboard.tables import show_table
from robustness.errors import RobustnessError
from robustness.formatting import count, interval, number, share
from robustness.performance import conformal, estimate_performance, group_metrics, performance, weak_segments
from robustness.performance.estimate import ASSUMPTIONS, NAMES
from robustness.plots import compare as cplots
from robustness.plots import performance as pplots
from robustness.plots.wording import HIGHER, LOWER, calibration_sentence, higher_is_better, metric_label, metric_meaning
from robustness.workspace import Workspace

through_app()

ws = require_workspace()
st.title("📈 Performance")
area_banner(ws, "Performance")
area_banner(ws, "Uncertainty")
for caveat in session_story(ws).caveats if ws.has_predictions else ():  # e.g. a reference that is training data
    st.warning(md(caveat), icon="🔎")
if not ws.has_predictions:
    st.info(
        "Performance needs the model's predictions: upload the model file on the 'Model & data' page, or mark "
        "the columns that hold its predictions (and probabilities) there."
    )
    st.stop()
if not ws.has_model:  # the same measures as with the model file, read off the prediction columns
    st.caption(
        "Predictions are read from the data's columns (no model file): every measure below uses them, as the "
        "model file that wrote them would."
    )
target = ws.roles.target
if not ws.has_target:
    st.info("Performance needs labels: choose the target column of the reference data on the 'Model & data' page.")
    st.stop()
classifier = ws.model.is_classifier
plain = plain_words()
labelled_current = ws.target_in_current and ws.current.frame[target].notna().any()
st.markdown(
    f"**{md(ws.model_name or 'The model')}** on **{md(ws.reference.name)}** (reference) and **{md(ws.current.name)}** "
    f"(current), target **{md(target)}**. "
    + (
        "Current labels are present: estimates without labels are checked against them."
        if labelled_current
        else "The current data has no labels: its performance is estimated from the reference."
    )
)

with st.expander("⚙️ Settings", expanded=False):
    with st.form("performance_settings"):
        c1, c2, c3 = st.columns(3)
        n_boot = c1.number_input(
            "Bootstrap resamples", 0, 2000, 200, step=50, help="For the 95% intervals; 0 turns them off."
        )
        seed = c2.number_input("Seed", 0, 2**31 - 1, 0, help="Same seed, same intervals.")
        alpha = c3.number_input(
            "Conformal miscoverage α",
            0.01,
            0.5,
            0.1,
            step=0.01,
            format="%.2f",
            help="Prediction sets/intervals aim to cover 1 − α of rows.",
        )
        period = None
        if ws.roles.timestamp:
            period = st.selectbox(
                "Windows over time",
                ["equal row counts", "D", "W", "M", "Q"],
                index=0,
                help="D day, W week, M month, Q quarter.",
            )
        st.form_submit_button("Apply")
period = None if period in (None, "equal row counts") else period


@st.cache_resource(show_spinner=False, max_entries=8)
def cached_performance(_ws: Workspace, key: str, n_boot: int, seed: int, period: str | None):
    return performance(
        _ws.model,
        _ws.reference.frame,
        _ws.current.frame if labelled_current else None,
        target=target,
        timestamp=_ws.roles.timestamp if labelled_current else None,
        period=period,
        n_boot=n_boot,
        seed=seed,
    )


@st.cache_resource(show_spinner=False, max_entries=8)
def cached_estimate(_ws: Workspace, key: str, seed: int):
    return estimate_performance(_ws.model, _ws.reference.frame, _ws.current.frame, target=target, seed=seed)


@st.cache_resource(show_spinner=False, max_entries=8)
def cached_conformal(_ws: Workspace, key: str, alpha: float):
    return conformal(_ws.model, _ws.reference.frame, _ws.current.frame, target=target, alpha=alpha)


@st.cache_resource(show_spinner=False, max_entries=8)
def cached_segments(_ws: Workspace, key: str, which: str, seed: int):
    frame = _ws.current.frame if which == "current" else _ws.reference.frame
    return weak_segments(_ws.model, frame, target=target, seed=seed)


@st.cache_resource(show_spinner=False, max_entries=16)
def cached_groups(_ws: Workspace, key: str, which: str, column: str, seed: int):
    frame = _ws.current.frame if which == "current" else _ws.reference.frame
    return group_metrics(_ws.model, frame, target=target, column=column, seed=seed)


key = ws.key()
try:
    with st.spinner("Scoring both datasets and bootstrapping the metrics…"):
        perf = cached_performance(ws, key, int(n_boot), int(seed), period)
except RobustnessError as err:
    st.error(md(err))
    st.stop()

headline = "accuracy" if classifier else "mae"
ref_m = perf.reference.metric(headline) if perf.reference else None
cur_m = perf.current.metric(headline) if perf.current and perf.current.n_labelled else None
label = "Accuracy" if classifier else "MAE"
c1, c2, c3 = st.columns(3)
if ref_m is not None and ref_m.value is not None:
    c1.metric(
        f"{label}, reference",
        number(ref_m.value),
        help=None if ref_m.low is None else f"95% interval {interval(ref_m.low, ref_m.high)}",
    )
if cur_m is not None and cur_m.value is not None:
    delta = cur_m.value - ref_m.value if ref_m is not None and ref_m.value is not None else None
    c2.metric(
        f"{label}, current",
        number(cur_m.value),
        None if delta is None else number(delta, signed=True),
        delta_color="normal" if classifier else "inverse",
        help=None if cur_m.low is None else f"95% interval {interval(cur_m.low, cur_m.high)}",
    )
c3.metric(
    "Labelled rows (reference / current)",
    f"{count(perf.reference.n_labelled)} / {count(perf.current.n_labelled)}"
    if perf.current
    else f"{count(perf.reference.n_labelled)} / none",
)
for note in (
    perf.notes + (perf.reference.notes if perf.reference else ()) + (perf.current.notes if perf.current else ())
):
    st.caption(md(note))

sections = [
    "Metrics",
    "Curves" if classifier else "Residuals",
    "Without labels",
    "Weak segments",
    "Uncertainty",
    "Groups",
] + ["Over time"]
section = (
    st.segmented_control(
        "Section", sections, default="Metrics", key="performance_section", label_visibility="collapsed"
    )
    or "Metrics"
)

positive = ws.class_label(perf.classes[-1]) if classifier and perf.classes and len(perf.classes) == 2 else None

if section == "Metrics":
    st.plotly_chart(pplots.metric_comparison(perf, plain=plain), width="stretch")
    shown = [m.name for ds in (perf.reference, perf.current) if ds is not None for m in ds.metrics]
    for caption, names in (
        (HIGHER, [n for n in dict.fromkeys(shown) if higher_is_better(n)]),
        (LOWER, [n for n in dict.fromkeys(shown) if not higher_is_better(n)]),
    ):
        if names:
            st.caption(f"**{caption}:** " + ", ".join(metric_label(n, plain=plain) for n in names) + ".")
    rows = []
    for ds in (perf.reference, perf.current):
        if ds is None:
            continue
        for m in ds.metrics:
            rows.append(
                {
                    "data": ds.name,
                    "metric": metric_label(m.name, plain=plain),
                    "value": m.value,
                    "95% low": m.low,
                    "95% high": m.high,
                    "better": "higher" if higher_is_better(m.name) else "lower",
                    **({"what it measures": metric_meaning(m.name, positive)} if plain else {}),
                    "note": m.note,
                }
            )
    show_table(pd.DataFrame(rows), what="metrics")
    if ws.has_challenger:  # the same metrics of the challenger, side by side
        st.subheader("Champion vs challenger")
        challenger_ws = ws.challenger_workspace()
        try:
            with st.spinner("Scoring the challenger on both datasets…"):
                perf_challenger = cached_performance(challenger_ws, challenger_ws.key(), int(n_boot), int(seed), period)
        except RobustnessError as err:
            st.warning(md(f"The challenger's metrics could not be computed: {err}"))
        else:
            st.plotly_chart(cplots.performance_pair(perf, perf_challenger, plain=plain), width="stretch")
            st.caption(
                md(
                    f"{ws.model_name or 'The model'} (champion) and {ws.challenger_name or 'the challenger'} "
                    "(challenger) on the same rows, each with its own 95% interval. Whether a difference is real "
                    "is tested on the rows both score (paired) on the 'Compare models' page."
                )
            )
    if classifier:
        cols = st.columns(2)
        for col, ds in zip(cols, (perf.reference, perf.current)):
            if ds is not None and ds.confusion is not None:
                col.plotly_chart(pplots.confusion_matrix(ds, perf.classes, class_names=ws.class_names), width="stretch")

elif section == "Curves":
    left, right = st.columns(2)
    left.plotly_chart(pplots.roc_pr_curves(perf, "roc", class_names=ws.class_names, plain=plain), width="stretch")
    right.plotly_chart(pplots.roc_pr_curves(perf, "pr", class_names=ws.class_names, plain=plain), width="stretch")
    st.plotly_chart(pplots.calibration_curve(perf, class_names=ws.class_names, plain=plain), width="stretch")
    for ds in (perf.reference, perf.current):
        if ds is not None and ds.calibration is not None:
            st.markdown(md(calibration_sentence(ds.calibration, positive=positive, plain=plain, dataset=ds.name)))
    if not plain:
        st.caption(
            "Expected calibration error (ECE): the average gap between predicted probability and observed "
            "frequency over ten equal-width bins, weighted by rows."
        )

elif section == "Residuals":
    st.plotly_chart(pplots.residuals(perf), width="stretch")

elif section == "Over time":
    over_time_view(ws, seed=int(seed))  # estimated vs realised per window, bands, alerts, drifted columns
    if perf.over_time:
        st.plotly_chart(pplots.over_time(perf, plain=plain), width="stretch")

elif section == "Without labels":
    try:
        with st.spinner("Calibrating on the reference and training a domain classifier…"):
            est = cached_estimate(ws, key, int(seed))
    except RobustnessError as err:
        st.error(md(err))
        st.stop()
    metrics = sorted(
        {e.metric.name for e in est.estimates}, key=["accuracy", "precision", "recall", "f1", "mae", "rmse"].index
    )
    for name in metrics[:1] + [m for m in metrics[1:] if m in ("f1", "rmse")]:
        st.plotly_chart(pplots.label_free(est, name, plain=plain), width="stretch")
    show_table(
        pd.DataFrame(
            [
                {
                    "method": NAMES[e.method],
                    "metric": metric_label(e.metric.name, plain=plain),
                    "estimate": e.metric.value,
                    "95% low": e.metric.low,
                    "95% high": e.metric.high,
                    "actual": e.actual,
                    "within interval": e.covered,
                    "note": e.note,
                }
                for e in est.estimates
            ]
        ),
        what="estimates",
    )
    with st.expander("What each estimate assumes"):
        for method, text in ASSUMPTIONS.items():
            st.markdown(f"- **{NAMES[method]}**: {text}")
    for note in est.notes:
        st.warning(md(note))

elif section == "Weak segments":
    which = "current" if labelled_current else "reference"
    try:
        with st.spinner("Fitting a shallow tree to the errors…"):
            segs = cached_segments(ws, key, which, int(seed))
    except RobustnessError as err:
        st.error(md(err))
        st.stop()
    st.caption(
        f"Slices of the {which} data where the model errs clearly more than overall (the slice's 95% "
        "interval excludes the overall value), found by a shallow decision tree on the per-row error."
    )
    if not segs:
        st.success("No slice is clearly weaker than the data as a whole.")
    else:
        for s in segs:
            st.markdown(f"- {md(s.sentence(metric_label(s.metric, plain=plain)))}")
        st.plotly_chart(pplots.segments_chart(segs), width="stretch")

elif section == "Uncertainty":
    try:
        res = cached_conformal(ws, key, float(alpha))
    except RobustnessError as err:
        st.error(md(err))
        st.stop()
    if plain:
        what = "sets of likely classes" if res.kind == "sets" else "ranges of likely values"
        st.markdown(
            f"For each row the model gives {what}, tuned on {count(res.n_calibration)} labelled reference rows "
            f"so that they hold the true answer for **{share(res.target)}** of rows."
        )
    else:
        what = "prediction sets" if res.kind == "sets" else "prediction intervals"
        st.markdown(
            f"Split-conformal {what} calibrated on {count(res.n_calibration)} labelled reference rows aim to cover "
            f"**{share(res.target)}** of rows."
        )
    if res.current is None:
        st.info(
            f"The current data has no labels, so coverage cannot be checked. Mean "
            f"{'set size' if res.kind == 'sets' else 'interval width'} on current rows: {number(res.size_current)}."
        )
    else:
        c = res.current
        (st.error if res.lost_coverage else st.success)(
            f"Coverage on current data: {share(c.coverage)} (95% interval {interval(c.low, c.high, share)})"
            + (
                ": below the target, so the model is more often wrong than it expects."
                if res.lost_coverage
                else ": on target."
            )
        )
        st.plotly_chart(pplots.coverage_chart(res, plain=plain), width="stretch")
    if res.by_size:
        st.caption(
            "Share of current rows by prediction-set size: "
            + ", ".join(f"{k} class{'es' if k != 1 else ''}: {share(v)}" for k, v in res.by_size.items())
        )

elif section == "Groups":
    frame = ws.current.frame if labelled_current else ws.reference.frame
    options = [c for c in ws.feature_columns() if c in frame.columns and frame[c].nunique(dropna=False) <= 50]
    if not options:
        st.info("No input column has few enough values (50 or fewer) to compare groups.")
        st.stop()
    column = st.selectbox(
        "Sensitive column",
        options,
        key="performance_group_column",
        help="Metrics per value of this column, and the largest gap between groups.",
    )
    try:
        g = cached_groups(ws, key, "current" if labelled_current else "reference", column, int(seed))
    except RobustnessError as err:
        st.error(md(err))
        st.stop()
    if g.gap is not None:
        st.markdown(
            f"Largest gap in {'accuracy' if classifier else 'MAE'}: **{number(g.gap)}** between "
            f"**{md(g.best)}** and **{md(g.worst)}**."
        )
    for note in g.notes:
        st.caption(md(note))
    st.plotly_chart(pplots.groups_chart(g), width="stretch")
