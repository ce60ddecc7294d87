"""Figures for the overview page."""

from __future__ import annotations

import plotly.graph_objects as go

from robustness.formatting import D3_NUMBER, D3_SHARE, class_label
from robustness.overview import Overview
from robustness.plots.theme import CURRENT, REFERENCE, base_layout


def missing_values(
    overview: Overview, *, reference_name: str = "reference", current_name: str = "current"
) -> go.Figure:
    """Share of missing values per column, reference against current (columns with any)."""
    cols = [c for c in overview.columns if c.missing_reference > 0 or (c.missing_current or 0) > 0]
    cols.sort(key=lambda c: max(c.missing_reference, c.missing_current or 0), reverse=True)
    names = [c.name for c in cols]
    fig = go.Figure()
    fig.add_bar(
        y=names,
        x=[c.missing_reference for c in cols],
        name=reference_name,
        orientation="h",
        marker_color=REFERENCE,
        hovertemplate="%{y}: %{x:" + D3_SHARE + "} missing<extra>%{fullData.name}</extra>",
    )
    fig.add_bar(
        y=names,
        x=[c.missing_current or 0 for c in cols],
        name=current_name,
        orientation="h",
        marker_color=CURRENT,
        hovertemplate="%{y}: %{x:" + D3_SHARE + "} missing<extra>%{fullData.name}</extra>",
    )
    fig.update_xaxes(tickformat=D3_SHARE, title="missing values")
    fig.update_yaxes(autorange="reversed")
    title = "Missing values by column" if cols else "No missing values in either dataset"
    return base_layout(fig, title=title, height=max(220, 60 + 28 * len(cols)))


def prediction_comparison(
    overview: Overview, *, reference_name: str = "reference", current_name: str = "current", class_names=None
) -> go.Figure:
    """The model's predictions on reference against current; classes by name when ``class_names``
    (class as text -> name) gives them."""
    p = overview.predictions
    fig = go.Figure()
    if p is None:
        return base_layout(fig, title="No model or prediction columns loaded")
    if p.task == "regression":
        for values, name, colour in (
            (p.values_reference, reference_name, REFERENCE),
            (p.values_current, current_name, CURRENT),
        ):
            fig.add_histogram(
                x=list(values),
                name=name,
                marker_color=colour,
                opacity=0.6,
                histnorm="probability density",
                nbinsx=50,
            )
        fig.update_layout(barmode="overlay")
        fig.update_xaxes(title="prediction", tickformat=D3_NUMBER)
        fig.update_yaxes(title="density")
        return base_layout(fig, title="Predicted values")
    named = [class_label(c, class_names) for c in p.classes]
    fig.add_bar(
        x=named,
        y=list(p.shares_reference),
        name=reference_name,
        marker_color=REFERENCE,
        hovertemplate="%{x}: %{y:" + D3_SHARE + "}<extra>%{fullData.name}</extra>",
    )
    fig.add_bar(
        x=named,
        y=list(p.shares_current),
        name=current_name,
        marker_color=CURRENT,
        hovertemplate="%{x}: %{y:" + D3_SHARE + "}<extra>%{fullData.name}</extra>",
    )
    fig.update_yaxes(tickformat=D3_SHARE, title="share of rows")
    fig.update_xaxes(title="predicted class", type="category")
    return base_layout(fig, title="Predicted classes")
