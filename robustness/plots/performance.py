"""Figures for performance: metrics with intervals, confusion matrix, curves, calibration,
residuals, performance over time, label-free estimates, group metrics and conformal coverage."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from robustness.performance.estimate import NAMES, LabelFreeResult
from robustness.performance.evaluate import DatasetPerformance, PerformanceResult
from robustness.performance.metrics import LABELS
from robustness.performance.segments import GroupMetrics, Segment
from robustness.performance.uncertainty import ConformalResult
from robustness.plots.theme import CURRENT, REFERENCE, base_layout

GREY = "#9AA0A6"
BAD = "#E45756"


def _err(values, lows, highs):
    v = np.array([np.nan if x is None else x for x in values], dtype=float)
    lo = np.array([np.nan if x is None else x for x in lows], dtype=float)
    hi = np.array([np.nan if x is None else x for x in highs], dtype=float)
    return v, dict(
        type="data",
        symmetric=False,
        array=np.nan_to_num(hi - v),
        arrayminus=np.nan_to_num(v - lo),
        thickness=1.2,
        width=4,
    )


def metric_comparison(result: PerformanceResult) -> go.Figure:
    """Each metric on reference and current, with bootstrap 95% intervals (metrics on their own panels
    would hide the comparison; values share one axis because all classification metrics lie in [0, 1])."""
    fig = go.Figure()
    for ds, colour in ((result.reference, REFERENCE), (result.current, CURRENT)):
        if ds is None or not ds.metrics:
            continue
        ms = [m for m in ds.metrics if m.value is not None and (result.task != "regression" or m.name != "r2")]
        v, err = _err([m.value for m in ms], [m.low for m in ms], [m.high for m in ms])
        fig.add_bar(
            x=[m.label for m in ms],
            y=v,
            name=f"{ds.name} (n = {ds.n_labelled:,})",
            marker_color=colour,
            error_y=err,
            hovertemplate="%{x}: %{y:.4g}<extra>%{fullData.name}</extra>",
        )
    base_layout(fig, title="Metrics with 95% bootstrap intervals", height=360)
    fig.update_layout(barmode="group", yaxis_title="value")
    return fig


def confusion_matrix(ds: DatasetPerformance, classes) -> go.Figure:
    m = ds.confusion
    rows = list(classes) + (["(unknown label)"] if m.shape[0] > len(classes) else [])
    share = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    text = [[f"{m[i, j]:,}<br>{share[i, j]:.0%}" for j in range(m.shape[1])] for i in range(m.shape[0])]
    fig = go.Figure(
        go.Heatmap(
            z=share,
            x=[str(c) for c in classes],
            y=rows,
            text=text,
            texttemplate="%{text}",
            colorscale="Blues",
            zmin=0,
            zmax=1,
            showscale=False,
            hovertemplate="true %{y}, predicted %{x}<extra></extra>",
        )
    )
    base_layout(fig, title=f"Confusion matrix ({ds.name})", height=320)
    fig.update_layout(xaxis_title="predicted", yaxis_title="true", yaxis_autorange="reversed")
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="category")
    return fig


def roc_pr_curves(result: PerformanceResult, kind: str = "roc") -> go.Figure:
    fig = go.Figure()
    for ds, colour in ((result.reference, REFERENCE), (result.current, CURRENT)):
        if ds is None or ds.curves is None:
            continue
        pairs = ds.curves.roc if kind == "roc" else ds.curves.pr
        for name, (x, y) in zip(ds.curves.classes, pairs):
            label = ds.name if len(ds.curves.classes) == 1 else f"{ds.name}: {name}"
            fig.add_scatter(
                x=x,
                y=y,
                mode="lines",
                name=label,
                line=dict(color=colour, width=2),
                hovertemplate="%{x:.3f}, %{y:.3f}<extra></extra>",
            )
    if kind == "roc":
        fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(color=GREY, dash="dot"), name="chance")
    base_layout(fig, title="ROC curve" if kind == "roc" else "Precision-recall curve", height=340)
    fig.update_layout(
        xaxis_title="false positive rate" if kind == "roc" else "recall",
        yaxis_title="true positive rate" if kind == "roc" else "precision",
        xaxis_range=[0, 1],
        yaxis_range=[0, 1.02],
    )
    return fig


def calibration_curve(result: PerformanceResult) -> go.Figure:
    fig = go.Figure()
    what = None
    for ds, colour in ((result.reference, REFERENCE), (result.current, CURRENT)):
        if ds is None or ds.calibration is None:
            continue
        c = ds.calibration
        what = c.what
        fig.add_scatter(
            x=c.confidence,
            y=c.observed,
            mode="lines+markers",
            name=f"{ds.name} (ECE {c.ece:.3f})",
            line=dict(color=colour),
            marker=dict(size=np.clip(np.sqrt(c.counts) / 2, 5, 16)),
            customdata=c.counts,
            hovertemplate="predicted %{x:.2f}, observed %{y:.2f} (%{customdata:,} rows)<extra></extra>",
        )
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(color=GREY, dash="dot"), name="perfect")
    base_layout(fig, title="Calibration (reliability) curve", height=340)
    fig.update_layout(
        xaxis_title=f"predicted ({what or 'probability'})",
        yaxis_title="observed rate" if what and "positive" in what else "observed accuracy",
        xaxis_range=[0, 1],
        yaxis_range=[0, 1.02],
    )
    return fig


def residuals(result: PerformanceResult) -> go.Figure:
    fig = go.Figure()
    for ds, colour in ((result.reference, REFERENCE), (result.current, CURRENT)):
        if ds is None or ds.residuals is None:
            continue
        pred, y = ds.residuals
        fig.add_scatter(
            x=pred,
            y=y - pred,
            mode="markers",
            name=ds.name,
            opacity=0.5,
            marker=dict(color=colour, size=5),
            hovertemplate="predicted %{x:.4g}, residual %{y:.4g}<extra></extra>",
        )
    fig.add_hline(y=0, line=dict(color=GREY, dash="dot"))
    base_layout(fig, title="Residuals (actual − predicted) against the prediction", height=360)
    fig.update_layout(xaxis_title="prediction", yaxis_title="residual")
    return fig


def over_time(result: PerformanceResult) -> go.Figure:
    w = result.over_time
    label = LABELS.get(result.time_metric or "", result.time_metric or "")
    v, err = _err([x.metric.value for x in w], [x.metric.low for x in w], [x.metric.high for x in w])
    fig = go.Figure()
    fig.add_scatter(
        x=[x.start for x in w],
        y=v,
        mode="lines+markers",
        error_y=err,
        name=f"current {label}",
        line=dict(color=CURRENT),
        customdata=[x.n_labelled for x in w],
        hovertemplate="%{x}: %{y:.4g} (n = %{customdata:,})<extra></extra>",
    )
    ref = result.reference.metric(result.time_metric) if result.reference is not None else None
    if ref is not None and ref.value is not None:
        fig.add_hline(
            y=ref.value,
            line=dict(color=REFERENCE, dash="dash"),
            annotation_text="reference",
            annotation_position="top left",
        )
    base_layout(fig, title=f"{label} over time, with 95% bootstrap intervals", height=340)
    fig.update_layout(xaxis_title="window start", yaxis_title=label)
    fig.update_xaxes(type="category")
    return fig


def label_free(result: LabelFreeResult, metric: str) -> go.Figure:
    ests = [e for e in result.estimates if e.metric.name == metric]
    fig = go.Figure()
    names = [NAMES[e.method] for e in ests]
    v, err = _err([e.metric.value for e in ests], [e.metric.low for e in ests], [e.metric.high for e in ests])
    fig.add_scatter(
        x=v,
        y=names,
        mode="markers",
        error_x=err,
        marker=dict(color=CURRENT, size=11),
        name="estimate",
        hovertemplate="%{y}: %{x:.4g}<extra>estimate</extra>",
    )
    actual = [e.actual for e in ests if e.actual is not None]
    if actual:
        fig.add_vline(
            x=actual[0],
            line=dict(color="#222", width=2),
            annotation_text="actual (current labels)",
            annotation_position="top",
        )
    ref = result.reference_values.get(metric)
    if ref is not None:
        fig.add_vline(
            x=ref, line=dict(color=REFERENCE, dash="dash"), annotation_text="reference", annotation_position="bottom"
        )
    base_layout(fig, title=f"{LABELS.get(metric, metric)} on current data estimated without labels", height=300)
    fig.update_layout(xaxis_title=LABELS.get(metric, metric), showlegend=False)
    fig.update_yaxes(automargin=True)
    return fig


def segments_chart(segments: tuple[Segment, ...]) -> go.Figure:
    fig = go.Figure()
    if not segments:
        base_layout(fig, title="No segment is clearly weaker than the whole", height=200)
        return fig
    s0 = segments[0]
    names = [f"{s.rule[:70]}{'…' if len(s.rule) > 70 else ''} (n = {s.size:,})" for s in segments]
    v, err = _err([s.value for s in segments], [s.low for s in segments], [s.high for s in segments])
    fig.add_bar(
        x=v,
        y=names,
        orientation="h",
        error_x=err,
        marker_color=BAD,
        customdata=[s.rule for s in segments],
        hovertemplate="%{customdata}<br>%{x:.4g}<extra></extra>",
    )
    fig.add_vline(x=s0.overall, line=dict(color="#222", dash="dash"), annotation_text="overall")
    label = "accuracy" if s0.metric == "accuracy" else "MAE"
    base_layout(fig, title=f"Weak segments: {label} with 95% intervals", height=120 + 45 * len(segments))
    fig.update_layout(xaxis_title=label, yaxis_autorange="reversed")
    fig.update_yaxes(automargin=True)
    return fig


def groups_chart(g: GroupMetrics) -> go.Figure:
    names = [f"{name} (n = {n:,})" for name, n, *_ in g.groups]
    v, err = _err([x[2] for x in g.groups], [x[3] for x in g.groups], [x[4] for x in g.groups])
    colours = [BAD if name == g.worst else REFERENCE for name, *_ in g.groups]
    fig = go.Figure(
        go.Bar(
            x=v,
            y=names,
            orientation="h",
            error_x=err,
            marker_color=colours,
            hovertemplate="%{y}: %{x:.4g}<extra></extra>",
        )
    )
    label = "accuracy" if g.metric == "accuracy" else "MAE"
    gap = f" (largest gap {g.gap:.3g})" if g.gap is not None else ""
    base_layout(fig, title=f"{label} by group{gap}", height=140 + 32 * len(names))
    fig.update_layout(xaxis_title=label, yaxis_autorange="reversed")
    fig.update_yaxes(automargin=True)
    return fig


def coverage_chart(res: ConformalResult) -> go.Figure:
    fig = go.Figure()
    if res.current is not None:
        c = res.current
        fig.add_bar(
            x=["current"],
            y=[c.coverage],
            marker_color=BAD if res.lost_coverage else CURRENT,
            error_y=dict(type="data", symmetric=False, array=[c.high - c.coverage], arrayminus=[c.coverage - c.low]),
            name="coverage",
            hovertemplate="coverage %{y:.1%}<extra></extra>",
        )
    fig.add_hline(y=res.target, line=dict(color="#222", dash="dash"), annotation_text=f"target {res.target:.0%}")
    base_layout(fig, title=f"Coverage of the {res.target:.0%} conformal prediction {res.kind}", height=300)
    fig.update_layout(yaxis_range=[0, 1.02], yaxis_tickformat=".0%", showlegend=False)
    return fig
