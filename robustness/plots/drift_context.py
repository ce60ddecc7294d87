"""Figures for drift in context: multivariate, over time, and whether it matters to the model."""

from __future__ import annotations

import plotly.graph_objects as go

from robustness.drift.impact import ImpactResult
from robustness.drift.multivariate import DomainClassifierResult, ReconstructionResult
from robustness.drift.windows import ChangePointResult, TimeDriftResult
from robustness.formatting import D3_COUNT, D3_NUMBER, D3_SHARE, number
from robustness.plots.drift import DRIFTED, STABLE
from robustness.plots.theme import CURRENT, REFERENCE, base_layout

BAND = "rgba(76, 120, 168, 0.15)"


def domain_reliance(result: DomainClassifierResult, *, top: int = 15) -> go.Figure:
    """Which columns the reference-vs-current classifier relies on (drop in ROC AUC when shuffled)."""
    names = list(result.features[:top])
    values = list(result.importances[:top])
    errors = list(result.importance_std[:top]) if result.importance_std else None
    fig = go.Figure()
    fig.add_bar(
        y=names,
        x=values,
        orientation="h",
        marker_color=REFERENCE,
        error_x=dict(type="data", array=errors, visible=errors is not None),
        hovertemplate="%{y}: AUC drops by %{x:" + D3_NUMBER + "} when shuffled<extra></extra>",
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title="drop in ROC AUC when the column is shuffled")
    auc = "–" if result.auc is None else number(result.auc)
    return base_layout(
        fig, title=f"What tells current from reference (ROC AUC {auc})", height=max(240, 70 + 26 * len(names))
    )


def reconstruction_chunks(result: ReconstructionResult) -> go.Figure:
    """PCA reconstruction error per chunk, with the band from the reference's own chunks."""
    fig = go.Figure()
    n_ref = len(result.reference_errors)
    ref_x = [f"reference {i + 1}" for i in range(n_ref)]
    cur_x = list(result.current_labels) or [f"current {i + 1}" for i in range(len(result.current_errors))]
    fig.add_scatter(
        x=ref_x,
        y=list(result.reference_errors),
        mode="lines+markers",
        name="reference chunks",
        line=dict(color=REFERENCE),
    )
    colours = [DRIFTED if a else CURRENT for a in (result.current_alerts or [False] * len(cur_x))]
    fig.add_scatter(
        x=cur_x,
        y=list(result.current_errors),
        mode="lines+markers",
        name="current chunks",
        line=dict(color=CURRENT),
        marker=dict(color=colours, size=9),
    )
    if result.lower_threshold is not None and result.upper_threshold is not None:
        x = ref_x + cur_x
        fig.add_scatter(
            x=x,
            y=[result.upper_threshold] * len(x),
            mode="lines",
            line=dict(width=0),
            showlegend=False,
            hoverinfo="skip",
        )
        fig.add_scatter(
            x=x,
            y=[result.lower_threshold] * len(x),
            mode="lines",
            line=dict(width=0),
            fill="tonexty",
            fillcolor=BAND,
            name="reference band (mean ± 3 sd)",
            hoverinfo="skip",
        )
    fig.update_xaxes(type="category", title=None)
    fig.update_yaxes(title="reconstruction error")
    return base_layout(fig, title="PCA reconstruction error by chunk")


def drift_over_time(result: TimeDriftResult, feature: str) -> go.Figure:
    """One column's effect size per window, with its threshold and the reference band."""
    i = result.features.index(feature)
    ok = [w for w in result.windows if w.status == "ok" and w.effect_sizes[i] is not None]
    x = [w.start for w in ok]
    y = [w.effect_sizes[i] for w in ok]
    fig = go.Figure()
    lo, hi = result.band_lower[i], result.band_upper[i]
    if lo is not None and hi is not None and x:
        fig.add_scatter(x=x, y=[hi] * len(x), mode="lines", line=dict(width=0), showlegend=False, hoverinfo="skip")
        fig.add_scatter(
            x=x,
            y=[lo] * len(x),
            mode="lines",
            line=dict(width=0),
            fill="tonexty",
            fillcolor=BAND,
            name="reference's own variability",
            hoverinfo="skip",
        )
    fig.add_scatter(
        x=x,
        y=y,
        mode="lines+markers",
        name="current window",
        line=dict(color=CURRENT),
        marker=dict(color=[DRIFTED if w.drifted[i] else STABLE for w in ok], size=9),
        customdata=[[w.end, w.n_rows] for w in ok],
        hovertemplate="%{x} – %{customdata[0]}<br>effect %{y:"
        + D3_NUMBER
        + "}<br>%{customdata[1]:"
        + D3_COUNT
        + "} rows<extra></extra>",
    )
    threshold = result.thresholds[i]
    if threshold is not None and result.tests[i] not in ("ks", "chisquare", "z"):
        fig.add_hline(
            y=threshold,
            line_dash="dash",
            line_color=DRIFTED,
            annotation_text=f"{result.tests[i]} threshold {number(threshold)}",
        )
    fig.update_xaxes(title=f"window ({result.ordered_by})", type="category")
    fig.update_yaxes(title="effect size vs reference", rangemode="tozero")
    return base_layout(fig, title=f"Drift of {feature} over time")


def change_points(result: ChangePointResult) -> go.Figure:
    """ADWIN's running mean of the stream, with the detected changes."""
    fig = go.Figure()
    fig.add_scatter(
        x=list(result.trace_index),
        y=list(result.trace_mean),
        mode="lines",
        name="running mean",
        line=dict(color=REFERENCE),
    )
    for idx, label in zip(result.indices, result.labels):
        fig.add_vline(x=idx, line_dash="dot", line_color=DRIFTED)
        fig.add_annotation(
            x=idx,
            y=1,
            yref="paper",
            text=str(label),
            showarrow=False,
            textangle=-90,
            xanchor="left",
            font=dict(size=11, color=DRIFTED),
        )
    fig.update_xaxes(title="position in the stream (time order)")
    fig.update_yaxes(title=result.stream)
    n = len(result.indices)
    return base_layout(fig, title=f"Change points in {result.stream}: {n} detected")


def impact_ranking(result: ImpactResult, *, top: int = 15) -> go.Figure:
    """Columns ranked by drift effect × the model's reliance on them."""
    items = [it for it in result.items if it.impact is not None][:top]
    fig = go.Figure()
    fig.add_bar(
        y=[it.feature for it in items],
        x=[it.impact for it in items],
        orientation="h",
        marker_color=[DRIFTED if it.drifted else STABLE for it in items],
        customdata=[[it.effect_size or 0.0, it.reliance] for it in items],
        hovertemplate=(
            "<b>%{y}</b><br>impact %{x:" + D3_NUMBER + "} = effect %{customdata[0]:" + D3_NUMBER + "} × reliance "
            "%{customdata[1]:" + D3_SHARE + "}<extra></extra>"
        ),
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title="impact = drift effect × model's reliance")
    return base_layout(fig, title="Drift that matters to the model", height=max(240, 70 + 26 * len(items)))
