"""Figures for performance: metrics with intervals, confusion matrix, curves, calibration,
residuals, performance over time, label-free estimates, group metrics and conformal coverage."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from robustness.formatting import D3_COUNT, D3_NUMBER, D3_SHARE, class_label, count, interval, number, share
from robustness.performance.estimate import NAMES, LabelFreeResult
from robustness.performance.evaluate import DatasetPerformance, PerformanceResult
from robustness.performance.segments import GroupMetrics, Segment
from robustness.performance.uncertainty import ConformalResult
from robustness.plots.theme import CURRENT, REFERENCE, base_layout
from robustness.plots.wording import HIGHER, LOWER, higher_is_better, metric_label

GREY = "#9AA0A6"
BAD = "#E45756"


def interval_error(values, lows, highs):
    """``(values, error_x/error_y dict)`` for Plotly bars or markers with asymmetric intervals; None is NaN
    (drawn without a bar). Shared by the performance and comparison figures."""
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


def metric_comparison(result: PerformanceResult, *, plain: bool = False) -> go.Figure:
    """Each metric on reference and current, with bootstrap 95% intervals, in two panels: metrics where
    higher is better (accuracy, F1, ROC AUC, R², ...) and where lower is better (log loss, Brier score,
    MAE, RMSE), each captioned, so no bar reads the wrong way round."""
    names = [
        m.name for ds in (result.reference, result.current) if ds is not None for m in ds.metrics if m.value is not None
    ]
    names = list(dict.fromkeys(names))
    groups = [
        g for g in ([n for n in names if higher_is_better(n)], [n for n in names if not higher_is_better(n)]) if g
    ]
    titles = [HIGHER if higher_is_better(g[0]) else LOWER for g in groups]
    fig = make_subplots(
        rows=1,
        cols=max(1, len(groups)),
        subplot_titles=titles or None,
        column_widths=[len(g) for g in groups] or None,
        horizontal_spacing=0.08,
    )
    for ds, colour in ((result.reference, REFERENCE), (result.current, CURRENT)):
        if ds is None or not ds.metrics:
            continue
        by = {m.name: m for m in ds.metrics if m.value is not None}
        for col, group in enumerate(groups, start=1):
            ms = [by[n] for n in group if n in by]
            if not ms:
                continue
            v, err = interval_error([m.value for m in ms], [m.low for m in ms], [m.high for m in ms])
            fig.add_bar(
                x=[metric_label(m.name, plain=plain).replace(" (", "<br>(") for m in ms],  # short lines: no tilt
                y=v,
                name=f"{ds.name} (n = {count(ds.n_labelled)})",
                legendgroup=ds.name,
                showlegend=col == 1,
                marker_color=colour,
                error_y=err,
                customdata=[[interval(m.low, m.high)] for m in ms],
                hovertemplate="%{x}: %{y:" + D3_NUMBER + "} (95% interval %{customdata[0]})"
                "<extra>%{fullData.name}</extra>",
                row=1,
                col=col,
            )
    title = "How good the predictions are, with 95% ranges" if plain else "Metrics with 95% bootstrap intervals"
    base_layout(fig, title=title, height=400)
    # the legend above the panels' captions, so neither hides the other
    fig.update_layout(barmode="group", margin=dict(t=100), legend=dict(y=1.14, yanchor="bottom"))
    fig.update_yaxes(tickformat=D3_NUMBER, rangemode="tozero")
    fig.update_annotations(font=dict(size=13))
    return fig


def confusion_matrix(ds: DatasetPerformance, classes, *, class_names=None) -> go.Figure:
    """Rows: the true class; columns: the predicted one; each cell the count and the share of its row.
    ``class_names`` (class as text -> name) shows classes by name."""
    m = ds.confusion
    assert m is not None, "a confusion matrix needs labelled rows of a classifier (callers check ds.confusion)"
    named = [class_label(c, class_names) for c in classes]
    rows = named + (["(unknown label)"] if m.shape[0] > len(classes) else [])
    share_ = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    text = [[f"{count(m[i, j])}<br>{share(share_[i, j])}" for j in range(m.shape[1])] for i in range(m.shape[0])]
    fig = go.Figure(
        go.Heatmap(
            z=share_,
            x=named,
            y=rows,
            text=text,
            texttemplate="%{text}",
            colorscale="Blues",
            zmin=0,
            zmax=1,
            showscale=False,
            hovertemplate="true %{y}, predicted %{x}: %{text}<extra></extra>",
        )
    )
    base_layout(fig, title=f"Confusion matrix ({ds.name})", height=320)
    fig.update_layout(xaxis_title="predicted", yaxis_title="true", yaxis_autorange="reversed")
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="category")
    return fig


def roc_pr_curves(result: PerformanceResult, kind: str = "roc", *, class_names=None, plain: bool = False) -> go.Figure:
    """ROC (``kind="roc"``) or precision-recall curves, reference and current; one per class for multiclass."""
    fig = go.Figure()
    for ds, colour in ((result.reference, REFERENCE), (result.current, CURRENT)):
        if ds is None or ds.curves is None:
            continue
        pairs = ds.curves.roc if kind == "roc" else ds.curves.pr
        for name, (x, y) in zip(ds.curves.classes, pairs):
            label = ds.name if len(ds.curves.classes) == 1 else f"{ds.name}: {class_label(name, class_names)}"
            fig.add_scatter(
                x=x,
                y=y,
                mode="lines",
                name=label,
                line=dict(color=colour, width=2),
                hovertemplate="%{x:" + D3_NUMBER + "}, %{y:" + D3_NUMBER + "}<extra>%{fullData.name}</extra>",
            )
    if kind == "roc":
        fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(color=GREY, dash="dot"), name="chance")
    if plain:
        title = "How well it ranks (ROC curve)" if kind == "roc" else "Finding without false alarms (precision-recall)"
        axes = (
            ("false alarms among the negatives", "found among the positives")
            if kind == "roc"
            else ("share of the positives found (recall)", "share right when it flags (precision)")
        )
    else:
        title = "ROC curve" if kind == "roc" else "Precision-recall curve"
        axes = ("false positive rate", "true positive rate") if kind == "roc" else ("recall", "precision")
    base_layout(fig, title=title, height=340)
    fig.update_layout(
        xaxis_title=axes[0],
        yaxis_title=axes[1],
        xaxis_range=[0, 1],
        yaxis_range=[0, 1.02],
    )
    return fig


def calibration_curve(result: PerformanceResult, *, class_names=None, plain: bool = False) -> go.Figure:
    """Predicted probability against what happened, per bin (binary: the positive class's probability
    against its rate; multiclass: the top class's probability against accuracy). The legend gives each
    dataset's expected calibration error (plain: how many points the probabilities are off on average)."""
    fig = go.Figure()
    positive = class_label(result.classes[-1], class_names) if result.classes else None
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
            name=f"{ds.name} (off by {number(100 * c.ece)} points)" if plain else f"{ds.name} (ECE {number(c.ece)})",
            line=dict(color=colour),
            marker=dict(size=np.clip(np.sqrt(c.counts) / 2, 5, 16)),
            customdata=c.counts,
            hovertemplate="predicted %{x:"
            + D3_SHARE
            + "}, observed %{y:"
            + D3_SHARE
            + "} (%{customdata:"
            + D3_COUNT
            + "} rows)<extra>%{fullData.name}</extra>",
        )
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(color=GREY, dash="dot"), name="perfect")
    binary = bool(what and "positive" in what)
    if plain:
        title = "Is its confidence honest? Predicted probability against what happened"
        x_title = f"predicted probability of '{positive}'" if binary else "how sure the model says it is"
        y_title = f"how often it was '{positive}'" if binary else "how often it was right"
    else:
        title = "Calibration (reliability) curve"
        x_title = f"predicted ({what or 'probability'}{f': {positive}' if binary and positive else ''})"
        y_title = "observed rate" if binary else "observed accuracy"
    base_layout(fig, title=title, height=340)
    fig.update_xaxes(tickformat=D3_SHARE)
    fig.update_yaxes(tickformat=D3_SHARE)
    fig.update_layout(
        xaxis_title=x_title,
        yaxis_title=y_title,
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
            hovertemplate="predicted %{x:" + D3_NUMBER + "}, residual %{y:" + D3_NUMBER + "}<extra></extra>",
        )
    fig.add_hline(y=0, line=dict(color=GREY, dash="dot"))
    base_layout(fig, title="Residuals (actual − predicted) against the prediction", height=360)
    fig.update_layout(xaxis_title="prediction", yaxis_title="residual")
    fig.update_xaxes(tickformat=D3_NUMBER)
    fig.update_yaxes(tickformat=D3_NUMBER)
    return fig


def over_time(result: PerformanceResult, *, plain: bool = False) -> go.Figure:
    w = result.over_time
    label = metric_label(result.time_metric or "", plain=plain)
    v, err = interval_error([x.metric.value for x in w], [x.metric.low for x in w], [x.metric.high for x in w])
    fig = go.Figure()
    fig.add_scatter(
        x=[x.start for x in w],
        y=v,
        mode="lines+markers",
        error_y=err,
        name=f"current {label}",
        line=dict(color=CURRENT),
        customdata=[x.n_labelled for x in w],
        hovertemplate="%{x}: %{y:" + D3_NUMBER + "} (n = %{customdata:" + D3_COUNT + "})<extra></extra>",
    )
    ref = (
        result.reference.metric(result.time_metric)
        if result.reference is not None and result.time_metric is not None
        else None
    )
    if ref is not None and ref.value is not None:
        fig.add_hline(
            y=ref.value,
            line=dict(color=REFERENCE, dash="dash"),
            annotation_text="reference",
            annotation_position="top left",
        )
    better = "higher" if higher_is_better(result.time_metric or "") else "lower"
    base_layout(fig, title=f"{label} over time, with 95% bootstrap intervals ({better} is better)", height=340)
    fig.update_layout(xaxis_title="window start", yaxis_title=label)
    fig.update_yaxes(tickformat=D3_NUMBER)
    fig.update_xaxes(type="category")
    return fig


def label_free(result: LabelFreeResult, metric: str, *, plain: bool = False) -> go.Figure:
    ests = [e for e in result.estimates if e.metric.name == metric]
    fig = go.Figure()
    names = [NAMES[e.method] for e in ests]
    v, err = interval_error([e.metric.value for e in ests], [e.metric.low for e in ests], [e.metric.high for e in ests])
    fig.add_scatter(
        x=v,
        y=names,
        mode="markers",
        error_x=err,
        marker=dict(color=CURRENT, size=11),
        name="estimate",
        customdata=[[interval(e.metric.low, e.metric.high)] for e in ests],
        hovertemplate="%{y}: %{x:" + D3_NUMBER + "} (95% interval %{customdata[0]})<extra>estimate</extra>",
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
    label = metric_label(metric, plain=plain)
    better = "higher" if higher_is_better(metric) else "lower"
    base_layout(fig, title=f"{label} on current data estimated without labels ({better} is better)", height=300)
    fig.update_layout(xaxis_title=label, showlegend=False)
    fig.update_xaxes(tickformat=D3_NUMBER)
    fig.update_yaxes(automargin=True)
    return fig


def segments_chart(segments: tuple[Segment, ...]) -> go.Figure:
    fig = go.Figure()
    if not segments:
        base_layout(fig, title="No segment is clearly weaker than the whole", height=200)
        return fig
    s0 = segments[0]
    names = [f"{s.rule[:70]}{'…' if len(s.rule) > 70 else ''} (n = {count(s.size)})" for s in segments]
    v, err = interval_error([s.value for s in segments], [s.low for s in segments], [s.high for s in segments])
    fig.add_bar(
        x=v,
        y=names,
        orientation="h",
        error_x=err,
        marker_color=BAD,
        customdata=[s.rule for s in segments],
        hovertemplate="%{customdata}<br>%{x:" + D3_NUMBER + "}<extra></extra>",
    )
    fig.add_vline(x=s0.overall, line=dict(color="#222", dash="dash"), annotation_text="overall")
    label = "accuracy" if s0.metric == "accuracy" else "MAE"
    better = "higher" if s0.metric == "accuracy" else "lower"
    base_layout(
        fig, title=f"Weak segments: {label} with 95% intervals ({better} is better)", height=120 + 45 * len(segments)
    )
    fig.update_layout(xaxis_title=label, yaxis_autorange="reversed")
    fig.update_xaxes(tickformat=D3_NUMBER)
    fig.update_yaxes(automargin=True)
    return fig


def groups_chart(g: GroupMetrics) -> go.Figure:
    names = [f"{name} (n = {count(n)})" for name, n, *_ in g.groups]
    v, err = interval_error([x[2] for x in g.groups], [x[3] for x in g.groups], [x[4] for x in g.groups])
    colours = [BAD if name == g.worst else REFERENCE for name, *_ in g.groups]
    fig = go.Figure(
        go.Bar(
            x=v,
            y=names,
            orientation="h",
            error_x=err,
            marker_color=colours,
            hovertemplate="%{y}: %{x:" + D3_NUMBER + "}<extra></extra>",
        )
    )
    label = "accuracy" if g.metric == "accuracy" else "MAE"
    better = "higher" if g.metric == "accuracy" else "lower"
    gap = f"; largest gap {number(g.gap)}" if g.gap is not None else ""
    base_layout(fig, title=f"{label} by group ({better} is better{gap})", height=140 + 32 * len(names))
    fig.update_layout(xaxis_title=label, yaxis_autorange="reversed")
    fig.update_xaxes(tickformat=D3_NUMBER)
    fig.update_yaxes(automargin=True)
    return fig


def coverage_chart(res: ConformalResult, *, plain: bool = False) -> go.Figure:
    fig = go.Figure()
    if res.current is not None:
        c = res.current
        fig.add_bar(
            x=["current"],
            y=[c.coverage],
            marker_color=BAD if res.lost_coverage else CURRENT,
            error_y=dict(type="data", symmetric=False, array=[c.high - c.coverage], arrayminus=[c.coverage - c.low]),
            name="coverage",
            hovertemplate="coverage %{y:" + D3_SHARE + "}<extra></extra>",
        )
    fig.add_hline(y=res.target, line=dict(color="#222", dash="dash"), annotation_text=f"target {share(res.target)}")
    title = (
        f"How often the model's {'sets of likely classes' if res.kind == 'sets' else 'ranges'} hold the true answer"
        if plain
        else f"Coverage of the {share(res.target)} conformal prediction {res.kind}"
    )
    base_layout(fig, title=title, height=300)
    fig.update_layout(yaxis_range=[0, 1.02], yaxis_tickformat=D3_SHARE, showlegend=False)
    return fig
