"""Figures for monitoring without labels: a metric per window, estimated vs realised, with intervals,
the reference band and alerts; the windows' drifted columns on hover."""

from __future__ import annotations

import plotly.graph_objects as go

from robustness.formatting import D3_NUMBER, number
from robustness.monitor.results import METHOD_NAMES, MonitorResult
from robustness.performance.metrics import LABELS
from robustness.plots.theme import CURRENT, REFERENCE, base_layout

__all__ = ["alerts_strip", "over_time"]

GREY = "#9AA0A6"
BAD = "#E45756"
REALISED = "#222222"
OTHER = {"atc": "#72B7B2", "weighting": "#B279A2", "confidence": CURRENT}


def _cols(cols, limit: int = 6) -> str:
    cols = list(cols)
    if not cols:
        return "none"
    return ", ".join(cols[:limit]) + (f" and {len(cols) - limit} more" if len(cols) > limit else "")


def over_time(result: MonitorResult, metric: str | None = None) -> go.Figure:
    """``metric`` (default: the first) per window: the headline estimate with its interval, the other
    estimators (off until clicked in the legend), the realised value where labels exist, the reference
    band for each window's size, and alerts as red rings."""
    metric = metric or result.metrics[0]
    label = LABELS.get(metric, metric)
    ws = list(result.windows)
    x = [f"{w.start}" if w.start == w.end else f"{w.start} – {w.end}" for w in ws]
    fig = go.Figure()
    band = [w.band_for(metric) for w in ws]
    if any(b is not None for b in band):
        lo = [None if b is None else b[0] for b in band]
        hi = [None if b is None else b[1] for b in band]
        fig.add_scatter(x=x, y=hi, mode="lines", line=dict(width=0, shape="hvh"), hoverinfo="skip", showlegend=False)
        fig.add_scatter(
            x=x,
            y=lo,
            mode="lines",
            line=dict(width=0, shape="hvh"),
            fill="tonexty",
            fillcolor="rgba(76,120,168,0.15)",
            name="reference band (±3 sd of reference chunks)",
            hoverinfo="skip",
        )
        b = result.band(metric)
        if b is not None:
            fig.add_scatter(
                x=x,
                y=[b.mean] * len(x),
                mode="lines",
                line=dict(color=REFERENCE, dash="dot", width=1),
                name=f"reference mean {number(b.mean)}",
                hoverinfo="skip",
            )
    methods = [m for m in result.methods if any(w.estimate(metric, m) for w in ws)]
    primary = next((w.primary for w in ws if w.primary), ())
    head = dict(primary).get(metric)
    for method in [head] + [m for m in methods if m != head]:
        if method is None:
            continue
        es = [w.estimate(metric, method) for w in ws]
        if not any(es):
            continue
        y = [None if e is None else e.value for e in es]
        plus = [0 if e is None or e.high is None or e.value is None else e.high - e.value for e in es]
        minus = [0 if e is None or e.low is None or e.value is None else e.value - e.low for e in es]
        hover = []
        for w, e in zip(ws, es):
            if e is None:
                hover.append(w.message or "not estimated")
                continue
            hover.append(
                f"{w.rows:,} rows<br>{METHOD_NAMES[method]}: {number(e.value)} "
                f"(95% interval {number(e.low)} to {number(e.high)})"
                + (f"<br>realised: {number(w.realised_value(metric))}" if w.realised_value(metric) is not None else "")
                + f"<br>drifted columns: {_cols(w.drifted)}"
                + (f"<br>beyond their band: {_cols(w.above_band)}" if w.above_band else "")
                + "".join(f"<br>⚠ {a.message}" for a in w.alerts)
            )
        is_head = method == head
        fig.add_scatter(
            x=x,
            y=y,
            mode="lines+markers" if is_head else "markers",
            name=f"estimated: {METHOD_NAMES[method]}",
            line=dict(color=OTHER.get(method, CURRENT), width=2),
            marker=dict(size=8 if is_head else 7, symbol="circle" if is_head else "diamond-open"),
            error_y=dict(type="data", symmetric=False, array=plus, arrayminus=minus, thickness=1.2, width=4),
            customdata=hover,
            hovertemplate="%{x}<br>%{customdata}<extra></extra>",
            visible=True if is_head else "legendonly",
        )
    real = [w.realised_value(metric) for w in ws]
    if any(v is not None for v in real):
        fig.add_scatter(
            x=x,
            y=real,
            mode="markers",
            name="realised (labels)",
            marker=dict(color=REALISED, size=9, symbol="x-thin", line=dict(width=2, color=REALISED)),
            customdata=[f"{w.labelled_rows:,} of {w.rows:,} rows labelled" for w in ws],
            hovertemplate="%{x}: realised %{y:" + D3_NUMBER + "} (%{customdata})<extra></extra>",
        )
    ax, ay, at = [], [], []
    for xi, w in zip(x, ws):
        hits = [a for a in w.alerts if a.kind == "performance" and a.metric == metric]
        if hits:
            ax.append(xi)
            ay.append(hits[0].value)
            at.append("<br>".join(a.message for a in hits))
    if ax:
        fig.add_scatter(
            x=ax,
            y=ay,
            mode="markers",
            name="alert: outside the band",
            marker=dict(size=18, symbol="circle-open", color=BAD, line=dict(width=2.5)),
            customdata=at,
            hovertemplate="%{x}<br>%{customdata}<extra></extra>",
        )
    title = f"{label} per window, estimated without labels"
    base_layout(fig, title=title, height=420)
    fig.update_layout(yaxis_title=label, xaxis_title="window (" + result.ordered_by + ")", hovermode="closest")
    fig.update_yaxes(tickformat=D3_NUMBER)
    return fig


def alerts_strip(result: MonitorResult) -> go.Figure:
    """One row per window: performance and drift alerts, and the drifted columns on hover."""
    ws = list(result.windows)
    x = [w.start for w in ws]
    perf = [sum(a.kind == "performance" for a in w.alerts) for w in ws]
    drift = [len(w.above_band) for w in ws]
    fig = go.Figure()
    fig.add_bar(
        x=x,
        y=perf,
        name="metrics outside their band",
        marker_color=BAD,
        customdata=["<br>".join(a.message for a in w.alerts if a.kind == "performance") or "none" for w in ws],
        hovertemplate="%{x}<br>%{customdata}<extra></extra>",
    )
    fig.add_bar(
        x=x,
        y=drift,
        name="columns drifting beyond their band",
        marker_color=GREY,
        customdata=[_cols(w.above_band) for w in ws],
        hovertemplate="%{x}<br>%{customdata}<extra></extra>",
    )
    base_layout(fig, title="Alerts per window", height=260)
    fig.update_layout(barmode="group", yaxis_title="count")
    return fig
