"""Figures for univariate drift: overview sorted by effect, per-column distributions and ECDFs."""

from __future__ import annotations

import plotly.graph_objects as go

from robustness.drift.results import ColumnProfile, DriftResult, FeatureDrift
from robustness.formatting import D3_NUMBER, D3_SHARE, number
from robustness.plots.theme import CURRENT, REFERENCE, base_layout

DRIFTED = "#E45756"
STABLE = "#9DB4CF"
SKIPPED = "#BBBBBB"


def _fmt(v: float | None) -> str:
    return number(v)


def drift_overview(result: DriftResult, *, top: int | None = None) -> go.Figure:
    """Effect size per column, largest first; drifted columns in red."""
    tested = [f for f in result.features if f.status == "ok" and f.effect_size is not None]
    tested.sort(key=lambda f: f.effect_size or 0.0, reverse=True)  # None filtered out above
    if top:
        tested = tested[:top]
    fig = go.Figure()
    fig.add_bar(
        y=[f.feature for f in tested],
        x=[f.effect_size for f in tested],
        orientation="h",
        marker_color=[DRIFTED if f.drifted else STABLE for f in tested],
        customdata=[
            [f.test, _fmt(f.statistic), _fmt(f.p_value), _fmt(f.threshold), "drifted" if f.drifted else "no drift"]
            for f in tested
        ],
        hovertemplate=(
            "<b>%{y}</b><br>effect size %{x:" + D3_NUMBER + "}<br>test %{customdata[0]}: statistic %{customdata[1]}, "
            "p-value %{customdata[2]}, threshold %{customdata[3]}<br>%{customdata[4]}<extra></extra>"
        ),
        showlegend=False,
    )
    # legend entries for the two colours
    fig.add_bar(x=[None], y=[None], marker_color=DRIFTED, name="drifted")
    fig.add_bar(x=[None], y=[None], marker_color=STABLE, name="no drift")
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_xaxes(title="effect size (distance between reference and current)")
    n = result.dataset.n_drifted
    title = f"Drift by column: {n} of {result.dataset.n_columns} drifted"
    return base_layout(fig, title=title, height=max(260, 70 + 26 * len(tested)))


def column_distribution(
    profile: ColumnProfile,
    feature: FeatureDrift | None = None,
    *,
    reference_name: str = "reference",
    current_name: str = "current",
) -> go.Figure:
    """Overlaid histograms (shares) for numerical columns; category bars otherwise."""
    fig = go.Figure()
    if profile.categories:
        n_ref = sum(profile.category_counts_reference) or 1
        n_cur = sum(profile.category_counts_current) or 1
        for counts, total, name, colour in (
            (profile.category_counts_reference, n_ref, reference_name, REFERENCE),
            (profile.category_counts_current, n_cur, current_name, CURRENT),
        ):
            fig.add_bar(
                x=list(profile.categories),
                y=[c / total for c in counts],
                name=name,
                marker_color=colour,
                hovertemplate="%{x}: %{y:" + D3_SHARE + "}<extra>%{fullData.name}</extra>",
            )
        fig.update_xaxes(type="category", title=profile.feature)
        fig.update_yaxes(tickformat=D3_SHARE, title="share of rows")
    elif profile.bin_edges:
        edges = list(profile.bin_edges)
        centres = [(a + b) / 2 for a, b in zip(edges[:-1], edges[1:])]
        widths = [b - a for a, b in zip(edges[:-1], edges[1:])]
        n_ref = sum(profile.counts_reference) or 1
        n_cur = sum(profile.counts_current) or 1
        for counts, total, name, colour in (
            (profile.counts_reference, n_ref, reference_name, REFERENCE),
            (profile.counts_current, n_cur, current_name, CURRENT),
        ):
            fig.add_bar(
                x=centres,
                y=[c / total for c in counts],
                width=widths,
                name=name,
                marker_color=colour,
                opacity=0.6,
                hovertemplate="%{x:" + D3_NUMBER + "}: %{y:" + D3_SHARE + "}<extra>%{fullData.name}</extra>",
            )
        fig.update_layout(barmode="overlay", bargap=0)
        fig.update_xaxes(title=profile.feature)
        fig.update_yaxes(tickformat=D3_SHARE, title="share of rows")
    title = f"Distribution of {profile.feature}"
    if feature is not None and feature.status == "ok":
        title += f" · {feature.test} {'drifted' if feature.drifted else 'no drift'}"
    return base_layout(fig, title=title)


def column_ecdf(
    profile: ColumnProfile, *, reference_name: str = "reference", current_name: str = "current"
) -> go.Figure:
    """Empirical cumulative distribution functions on a common grid (numerical columns)."""
    fig = go.Figure()
    for values, name, colour in (
        (profile.ecdf_reference, reference_name, REFERENCE),
        (profile.ecdf_current, current_name, CURRENT),
    ):
        fig.add_scatter(
            x=list(profile.ecdf_x),
            y=list(values),
            mode="lines",
            name=name,
            line=dict(color=colour, shape="hv"),
            hovertemplate="%{x:"
            + D3_NUMBER
            + "}: %{y:"
            + D3_SHARE
            + "} of rows at or below<extra>%{fullData.name}</extra>",
        )
    fig.update_xaxes(title=profile.feature)
    fig.update_yaxes(tickformat=D3_SHARE, title="share of rows ≤ x", range=[0, 1.02])
    return base_layout(fig, title=f"Cumulative distribution of {profile.feature}")
