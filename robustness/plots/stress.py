"""Figures for stress tests: severity curves and the per-column sensitivity ranking."""

from __future__ import annotations

import plotly.graph_objects as go

from robustness.plots.drift import DRIFTED, STABLE
from robustness.plots.theme import base_layout
from robustness.stress.results import StressResult

PALETTE = ["#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#B279A2", "#FF9DA6", "#9D755D",
           "#BAB0AC", "#EECA3B", "#1F77B4", "#8C564B", "#17BECF", "#7F7F7F"]


def _value(result: StressResult, p) -> float | None:
    return p.flip_rate if result.task != "regression" else p.mean_abs_change


def severity_curves(result: StressResult) -> go.Figure:
    """The model's reaction against severity, one line per perturbation."""
    classifier = result.task != "regression"
    fig = go.Figure()
    names = list(dict.fromkeys(p.perturbation for p in result.results))
    for i, name in enumerate(names):
        points = sorted((p for p in result.results if p.perturbation == name and p.status == "ok"),
                        key=lambda p: p.severity)
        points = [p for p in points if _value(result, p) is not None]
        if not points:
            continue
        fig.add_scatter(
            x=[p.severity for p in points], y=[_value(result, p) for p in points], mode="lines+markers",
            name=name, line=dict(color=PALETTE[i % len(PALETTE)]),
            hovertemplate=name + ": severity %{x:.2f} -> %{y:" + (".1%" if classifier else ".3f") + "}<extra></extra>",
        )
    cfg = result.config or {}
    warn = cfg.get("warn_flip_rate" if classifier else "warn_change")
    fail = cfg.get("fail_flip_rate" if classifier else "fail_change")
    if warn is not None:
        fig.add_hline(y=warn, line_dash="dot", line_color="#EECA3B", annotation_text="warn")
    if fail is not None:
        fig.add_hline(y=fail, line_dash="dash", line_color=DRIFTED, annotation_text="fail")
    fig.update_xaxes(title="severity", range=[-0.02, 1.02])
    fig.update_yaxes(title="predictions flipped" if classifier else "mean |change| / spread",
                     tickformat=".0%" if classifier else None, rangemode="tozero")
    base_layout(fig, title="How predictions break as the perturbation grows", height=460)
    fig.update_layout(legend=dict(orientation="v", x=1.02, xanchor="left", y=1, yanchor="top", font=dict(size=11)))
    return fig


def sensitivity_ranking(result: StressResult, *, top: int = 20) -> go.Figure:
    """One column perturbed at a time: how much the predictions move."""
    classifier = result.task != "regression"
    items = [f for f in result.feature_sensitivity if not f.error][:top]
    cfg = result.config or {}
    warn = cfg.get("warn_flip_rate" if classifier else "warn_change", 0.05)
    fig = go.Figure()
    fig.add_bar(
        y=[f.feature for f in items], x=[f.sensitivity for f in items], orientation="h",
        marker_color=[DRIFTED if f.sensitivity >= warn else STABLE for f in items],
        customdata=[[f.perturbation, f.severity] for f in items],
        hovertemplate=("<b>%{y}</b>: %{x:" + (".1%" if classifier else ".3f")
                       + "}<br>%{customdata[0]} at severity %{customdata[1]}<extra></extra>"),
    )
    fig.update_yaxes(autorange="reversed")
    small = max((f.sensitivity for f in items), default=0) < 0.1  # whole percents would repeat ("1%, 1%, 2%")
    fig.update_xaxes(title="predictions flipped" if classifier else "mean |change| / spread",
                     tickformat=(".1%" if small else ".0%") if classifier else None)
    return base_layout(fig, title="Which columns the predictions are most sensitive to",
                       height=max(240, 70 + 26 * len(items)))
