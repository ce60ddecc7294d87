"""The Performance page's "Over time" view: label-free estimates per window beside the realised values,
with intervals, reference bands, alerts and the windows' drifted columns. Widgets, figures and text only;
the statistics are robustness.monitor's."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.shared import md
from dashboard.tables import show_table
from robustness.errors import RobustnessError
from robustness.formatting import count, number
from robustness.monitor import MonitorResult, monitor
from robustness.monitor.results import METHOD_NAMES
from robustness.performance.metrics import LABELS
from robustness.plots import monitor as mplots
from robustness.workspace import Workspace

PERIODS = {"week": "week", "month": "month", "day": "day", "quarter": "quarter"}
CHUNKS = "equal row counts"


@st.cache_resource(show_spinner=False, max_entries=8)
def cached_monitor(
    _ws: Workspace, key: str, period: str | None, chunk: int | None, weighting: bool, seed: int
) -> MonitorResult:
    from robustness.demo import late_labels

    ws = _ws
    current = ws.current.frame
    if ws.scenario:  # the demo's story: labels stop arriving halfway through the current period
        current = late_labels(ws.scenario, current, ws.roles)
    classifier_with_proba = ws.model.is_classifier and ws.model.has_proba
    methods = ("confidence", "atc") + (("weighting",) if weighting or not classifier_with_proba else ())
    return monitor(
        ws.model,
        ws.reference.frame,
        current,
        target=ws.roles.target,
        timestamp=ws.roles.timestamp,
        period=period,
        chunk=chunk,
        features=ws.feature_columns(),
        exclude=ws.roles.role_columns(),
        methods=methods if classifier_with_proba else ("weighting",),
        seed=seed,
        max_weighting_rows=2_000,
    )


def _table(result: MonitorResult, metric: str) -> pd.DataFrame:
    rows = []
    for w in result.windows:
        e = w.estimate(metric)
        rows.append(
            {
                "window": w.start if w.start == w.end else f"{w.start} – {w.end}",
                "rows": w.rows,
                "estimate": None if e is None else e.value,
                "95% low": None if e is None else e.low,
                "95% high": None if e is None else e.high,
                "realised": w.realised_value(metric),
                "labelled rows": w.labelled_rows,
                "alerts": "; ".join(a.message for a in w.alerts) or w.message,
                "drifted columns": ", ".join(w.drifted),
            }
        )
    return pd.DataFrame(rows)


def over_time(ws: Workspace, *, seed: int = 0, key_prefix: str = "monitor") -> None:
    """Render the view (works with a model file or with prediction columns only)."""
    if ws.model is None:
        st.info("Monitoring over time needs the model's outputs: load a model file, or mark the prediction columns.")
        return
    if not ws.has_target:
        st.info(
            "The estimates without labels calibrate on a labelled reference: choose the target column of the "
            "reference data on the 'Model & data' page."
        )
        return
    classifier_with_proba = ws.model.is_classifier and ws.model.has_proba
    c1, c2, c3 = st.columns(3)
    options = ([*PERIODS] if ws.roles.timestamp else []) + [CHUNKS]
    how = c1.selectbox(
        "Windows", options, index=0, key=f"{key_prefix}_windows", help="Calendar periods of the timestamp, or chunks."
    )
    chunk = None
    if how == CHUNKS:
        default = max(len(ws.current.frame) // 10, 50)
        chunk = int(c2.number_input("Rows per window", 30, 1_000_000, default, step=50, key=f"{key_prefix}_chunk"))
    weighting = False
    if classifier_with_proba:
        weighting = c3.checkbox(
            "Also importance weighting",
            False,
            key=f"{key_prefix}_weighting",
            help="A domain classifier per window: slower, and a third opinion beside the confidence-based and ATC "
            "estimates.",
        )
    try:
        with st.spinner("Estimating each window without labels…"):
            result = cached_monitor(ws, ws.key(), PERIODS.get(how), chunk, weighting, int(seed))
    except RobustnessError as err:
        st.error(md(err))
        return
    flagged = [w for w in result.windows if w.alerts]
    (st.warning if flagged else st.success)(md(result.summary()))
    if ws.scenario:
        from robustness.demo import LABELS_UNTIL

        until = LABELS_UNTIL.get(ws.scenario)
        if until:
            st.caption(
                f"Demo story: labels arrive only until {until}; later windows are estimated without them "
                "(the other sections use every label)."
            )
    metric = (
        st.segmented_control(
            "Metric",
            list(result.metrics),
            default=result.metrics[0],
            format_func=lambda m: LABELS.get(m, m),
            key=f"{key_prefix}_metric",
        )
        or result.metrics[0]
    )
    st.plotly_chart(mplots.over_time(result, metric), width="stretch")
    if result.drift is not None:
        st.plotly_chart(mplots.alerts_strip(result), width="stretch")
    band = result.band(metric)
    if band is not None:
        st.caption(
            f"Band: {LABELS.get(metric, metric)} over {count(band.n_chunks)} reference chunks of about "
            f"{count(band.chunk_rows)} rows, mean {number(band.mean)} ± 3 standard deviations, wider for smaller "
            "windows. The interval of each estimate aims to hold the value the labels will show with 95% probability."
        )
    show_table(_table(result, metric), what="windows")
    with st.expander("The estimators"):
        for m in result.methods:
            st.markdown(f"- **{METHOD_NAMES[m]}**")
        st.markdown(
            "The headline is confidence-based for classifiers with probabilities (probabilities calibrated on the "
            "reference; assumes only the inputs changed, not how labels follow from them), importance weighting "
            "otherwise."
        )
    for note in result.notes:
        st.caption(md(note))
