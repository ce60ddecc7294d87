"""Figures for champion vs challenger: one chart per question, two colours (champion, challenger).

From a :class:`~robustness.compare.ComparisonResult` (the Compare models page and the report):
:func:`metric_differences` (both models' metrics and the paired difference with its interval),
:func:`disagreement_segments`, :func:`stress_flips` and :func:`importance_ranks`. Side by side on the other
pages, from each model's own result: :func:`performance_pair`, :func:`stress_pair` and :func:`importance_pair`.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from robustness.compare.results import ComparisonResult, MetricComparison
from robustness.explain.views import PermutationImportance
from robustness.formatting import D3_NUMBER, D3_SHARE, count, interval, number, share
from robustness.performance.evaluate import PerformanceResult
from robustness.plots.performance import interval_error
from robustness.plots.theme import base_layout
from robustness.plots.wording import HIGHER, LOWER, higher_is_better, metric_label
from robustness.stress.results import StressResult

__all__ = [
    "CHALLENGER",
    "CHAMPION",
    "DIRECTION_COLOURS",
    "disagreement_segments",
    "importance_pair",
    "importance_ranks",
    "metric_differences",
    "performance_pair",
    "stress_flips",
    "stress_pair",
]

CHAMPION = "#3E8E7E"  # teal: apart from the reference/current blue and orange
CHALLENGER = "#8E44AD"  # purple
#: The challenger's result on a metric: better, worse, or no significant difference.
DIRECTION_COLOURS = {"better": "#1E8E3E", "worse": "#D93025", "no_difference": "#80868B"}
DIRECTION_WORDS = {"better": "better", "worse": "worse", "no_difference": "no significant difference"}
MODELS = (("champion", CHAMPION), ("challenger", CHALLENGER))


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _empty(title: str, height: int = 200) -> go.Figure:
    return base_layout(go.Figure(), title=title, height=height)


def _metric_row(m: MetricComparison, *, plain: bool) -> str:
    arrow = "↑" if m.higher_is_better else "↓"
    return f"{metric_label(m.name, plain=plain)} {arrow} ({m.data})"


# ------------------------------------------------------------------ from a ComparisonResult
def metric_differences(result: ComparisonResult, *, plain: bool = False) -> go.Figure:
    """Left: each metric of both models on each data set; right: the difference challenger − champion with its
    paired bootstrap interval, coloured by what it means for the challenger (better, worse, no significant
    difference). One row per metric and data set; ↑ higher is better, ↓ lower is better."""
    ms = [m for m in result.metrics if m.champion is not None and m.challenger is not None]
    if not ms:
        return _empty("No labels: no metric of the two models can be compared")
    ms = sorted(ms, key=lambda m: (m.data != "current", m.name != result.headline))
    rows = [_metric_row(m, plain=plain) for m in ms]
    level = share(result.level)
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        column_widths=[0.5, 0.5],
        horizontal_spacing=0.04,
        subplot_titles=("Both models", f"Challenger − champion, paired {level} interval"),
    )
    for who, colour in MODELS:
        fig.add_bar(
            y=rows,
            x=[getattr(m, who) for m in ms],
            orientation="h",
            name=who,
            marker_color=colour,
            legendgroup=who,
            hovertemplate="%{y}: %{x:" + D3_NUMBER + "}<extra>" + who + "</extra>",
            row=1,
            col=1,
        )
    fig.add_scatter(
        y=rows,
        x=[m.difference for m in ms],
        mode="markers",
        marker=dict(size=11, color=[DIRECTION_COLOURS[m.direction] for m in ms], symbol="diamond"),
        error_x=interval_error([m.difference for m in ms], [m.low for m in ms], [m.high for m in ms])[1],
        showlegend=False,
        customdata=[
            [interval(m.low, m.high), number(m.p_value), DIRECTION_WORDS[m.direction], count(m.n_rows)] for m in ms
        ],
        hovertemplate="%{y}: %{x:"
        + D3_NUMBER
        + "} ("
        + level
        + " interval %{customdata[0]}; p-value %{customdata[1]}; %{customdata[3]} rows)<br>"
        "challenger: %{customdata[2]}<extra></extra>",
        row=1,
        col=2,
    )
    fig.add_vline(x=0, line=dict(color="#5F6368", dash="dot"), row=1, col=2)
    base_layout(fig, title="Champion vs challenger on the same rows", height=140 + 42 * len(ms))
    fig.update_layout(barmode="group", margin=dict(t=90), legend=dict(y=1.12, yanchor="bottom"))
    fig.update_xaxes(tickformat=D3_NUMBER)
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_annotations(font=dict(size=13))
    return fig


def disagreement_segments(result: ComparisonResult, data: str = "current") -> go.Figure:
    """Where the two models disagree most: each segment's share of rows where their predictions differ, against
    the share over the whole data (dashed line); who is right there, when labels exist, on hover."""
    d = next((x for x in result.disagreement if x.data == data), None)
    if d is None:
        return _empty(f"No {data} data to compare the predictions on")
    what = "predict a different class" if result.task != "regression" else "predict values further apart"
    if not d.segments:
        return _empty(f"The two {what} on {share(d.share)} of {data} rows, with no segment standing out", height=160)
    segs = list(d.segments)
    fig = go.Figure()
    fig.add_bar(
        y=[f"{_short(s.rule)} ({count(s.size)} rows)" for s in segs],
        x=[s.disagreement for s in segs],
        orientation="h",
        marker_color=CHALLENGER,
        customdata=[[s.rule, share(s.champion_right), share(s.challenger_right)] for s in segs],
        hovertemplate="%{customdata[0]}<br>they disagree on %{x:"
        + D3_SHARE
        + "} of its rows<br>right where they disagree: champion %{customdata[1]}, challenger %{customdata[2]}"
        "<extra></extra>",
    )
    fig.add_vline(
        x=d.share,
        line=dict(color="#202124", dash="dash"),
        annotation_text=f"all {data} rows: {share(d.share)}",
        annotation_position="top right",
    )
    base_layout(fig, title=f"Where the two {what} most ({data} data)", height=150 + 42 * len(segs))
    fig.update_layout(showlegend=False)
    fig.update_xaxes(title="share of the segment's rows where they disagree", tickformat=D3_SHARE, rangemode="tozero")
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig


def stress_flips(result: ComparisonResult) -> go.Figure:
    """Every perturbation at the severity the stress verdicts judge it at, for both models: the share of
    predictions that flip (classifiers) or their mean change relative to their spread (regressors). The
    perturbations where the challenger is most fragile relative to the champion come first."""
    rows = [s for s in result.stress if s.judged]
    if not rows:
        return _empty("The stress suite did not run for both models")
    rows.sort(key=lambda s: -((s.challenger or 0.0) - (s.champion or 0.0)))
    classifier = result.task != "regression"
    fmt = D3_SHARE if classifier else D3_NUMBER
    fig = go.Figure()
    for who, colour in MODELS:
        fig.add_bar(
            y=[s.label for s in rows],
            x=[getattr(s, who) for s in rows],
            orientation="h",
            name=who,
            marker_color=colour,
            customdata=[[number(s.severity), getattr(s, f"{who}_status")] for s in rows],
            hovertemplate="%{y} at severity %{customdata[0]}: %{x:" + fmt + "} (%{customdata[1]})<extra>"
            f"{who}</extra>",
        )
    measure = "share of predictions that flip" if classifier else "mean change / spread of the predictions"
    base_layout(fig, title=f"Stress tests: {measure}, both models", height=150 + 44 * len(rows))
    fig.update_layout(barmode="group")
    fig.update_xaxes(title=measure, tickformat=fmt, rangemode="tozero")
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig


def importance_ranks(result: ComparisonResult, *, top: int = 15) -> go.Figure:
    """Permutation importance of each input column for both models (the columns whose importance changed most
    first), with each column's rank for the two (1 = most important) in its label."""
    rows = list(result.importance[:top])
    if not rows:
        return _empty("Permutation importance did not run for both models")

    def rank(r) -> str:
        a, b = r.champion_rank, r.challenger_rank
        return f"rank {a if a is not None else '–'} → {b if b is not None else '–'}"

    labels = [f"{_short(r.feature, 40)} ({rank(r)})" for r in rows]
    fig = go.Figure()
    for who, colour in MODELS:
        fig.add_bar(
            y=labels,
            x=[getattr(r, who) for r in rows],
            orientation="h",
            name=who,
            marker_color=colour,
            hovertemplate="%{y}: %{x:" + D3_NUMBER + "}<extra>" + who + "</extra>",
        )
    base_layout(fig, title="Which columns each model relies on (permutation importance)", height=150 + 44 * len(rows))
    fig.update_layout(barmode="group")
    fig.update_xaxes(title="drop in the score when the column is shuffled", tickformat=D3_NUMBER)
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig


# ------------------------------------------------------------------ side by side, from each model's own result
def performance_pair(champion: PerformanceResult, challenger: PerformanceResult, *, plain: bool = False) -> go.Figure:
    """Each metric of both models on the reference and the current data (one row per metric and data set), with
    each model's own bootstrap interval, in two panels: higher is better, lower is better. The paired test of
    the difference is on the Compare models page."""
    data_sets = [
        (ds_a, ds_b)
        for ds_a, ds_b in ((champion.reference, challenger.reference), (champion.current, challenger.current))
        if ds_a is not None and ds_b is not None and ds_a.metrics
    ]
    names = list(dict.fromkeys(m.name for ds_a, _ in data_sets for m in ds_a.metrics if m.value is not None))
    higher, lower = [n for n in names if higher_is_better(n)], [n for n in names if not higher_is_better(n)]
    groups = [g for g in (higher, lower) if g]
    if not groups:
        return _empty("No metric to compare: the data has no labels")
    sizes = [len(g) * len(data_sets) for g in groups]
    fig = make_subplots(
        rows=len(groups),
        cols=1,
        subplot_titles=[HIGHER if higher_is_better(g[0]) else LOWER for g in groups],
        row_heights=sizes,
        vertical_spacing=0.12 if len(groups) > 1 else 0.0,
    )
    for who, colour, pick in (("champion", CHAMPION, 0), ("challenger", CHALLENGER, 1)):
        for row, group in enumerate(groups, start=1):
            labels, ms = [], []
            for pair in data_sets:
                by = {m.name: m for m in pair[pick].metrics if m.value is not None}
                for n in group:
                    if n in by:
                        labels.append(f"{metric_label(n, plain=plain)} ({pair[0].name})")
                        ms.append(by[n])
            if not ms:
                continue
            fig.add_bar(
                y=labels,
                x=[m.value for m in ms],
                orientation="h",
                name=who,
                legendgroup=who,
                showlegend=row == 1,
                marker_color=colour,
                error_x=interval_error([m.value for m in ms], [m.low for m in ms], [m.high for m in ms])[1],
                customdata=[[interval(m.low, m.high)] for m in ms],
                hovertemplate="%{y}: %{x:" + D3_NUMBER + "} (95% interval %{customdata[0]})<extra>" + who + "</extra>",
                row=row,
                col=1,
            )
    title = "Both models side by side" if plain else "Champion and challenger side by side"
    base_layout(fig, title=title, height=160 + 34 * sum(sizes))
    fig.update_layout(barmode="group", margin=dict(t=90), legend=dict(y=1.0, yanchor="bottom"))
    fig.update_xaxes(tickformat=D3_NUMBER, rangemode="tozero")
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_annotations(font=dict(size=13))
    return fig


def stress_pair(champion: StressResult, challenger: StressResult) -> go.Figure:
    """Each perturbation at the severity its verdict is judged at, for both models (the same suite, seed and
    rows), with the warn and fail thresholds; the perturbations where the challenger is most fragile relative
    to the champion first."""
    a = {v.perturbation: v for v in champion.verdicts}
    b = {v.perturbation: v for v in challenger.verdicts}
    names = [n for n in a if n in b]
    if not names:
        return _empty("No perturbation was judged for both models")

    def value(v) -> float | None:
        return None if v.value is None or v.status == "error" else float(v.value)

    names.sort(key=lambda n: -((value(b[n]) or 0.0) - (value(a[n]) or 0.0)))
    classifier = champion.is_classifier
    fmt = D3_SHARE if classifier else D3_NUMBER
    fig = go.Figure()
    for who, colour, verdicts in (("champion", CHAMPION, a), ("challenger", CHALLENGER, b)):
        fig.add_bar(
            y=[a[n].label for n in names],
            x=[value(verdicts[n]) for n in names],
            orientation="h",
            name=who,
            marker_color=colour,
            customdata=[[number(verdicts[n].severity), verdicts[n].status] for n in names],
            hovertemplate="%{y} at severity %{customdata[0]}: %{x:" + fmt + "} (%{customdata[1]})<extra>"
            f"{who}</extra>",
        )
    warn, fail = champion.thresholds()
    for x, colour, word in ((warn, "#D9A400", "warn"), (fail, "#D93025", "fail")):
        fig.add_vline(
            x=x,
            line=dict(color=colour, dash="dash", width=1),
            annotation_text=f"{word} {share(x) if classifier else number(x)}",
            annotation_position="top",
        )
    measure = "share of predictions that change" if classifier else "mean change / spread of the predictions"
    base_layout(fig, title=f"Champion vs challenger: {measure}", height=170 + 44 * len(names))
    fig.update_layout(barmode="group", margin=dict(t=90), legend=dict(y=1.08, yanchor="bottom"))
    fig.update_xaxes(title=measure, tickformat=fmt, rangemode="tozero")
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig


def importance_pair(
    champion: PermutationImportance, challenger: PermutationImportance, *, top: int = 20, plain: bool = False
) -> go.Figure:
    """Permutation importance of each column for both models, ± 1 std over the repeats: the drop in the same
    score when the column is shuffled, so the two are on one scale. Columns by the larger of the two, most
    important first."""
    a = dict(zip(champion.features, zip(champion.mean, champion.std)))
    b = dict(zip(challenger.features, zip(challenger.mean, challenger.std)))
    features: Sequence[str] = sorted(
        dict.fromkeys([*champion.features, *challenger.features]),
        key=lambda f: -max(a.get(f, (0.0, 0.0))[0], b.get(f, (0.0, 0.0))[0]),
    )[:top]
    if not features:
        return _empty("Permutation importance has no column to show")
    fig = go.Figure()
    for who, colour, by in (("champion", CHAMPION, a), ("challenger", CHALLENGER, b)):
        means = [by.get(f, (None, None))[0] for f in features]
        stds = [by.get(f, (None, None))[1] for f in features]
        fig.add_bar(
            y=[_short(f, 40) for f in features],
            x=means,
            orientation="h",
            name=who,
            marker_color=colour,
            error_x=dict(type="data", array=[s or 0.0 for s in stds], thickness=1.2, width=3),
            hovertemplate="%{y}: %{x:" + D3_NUMBER + "}<extra>" + who + "</extra>",
        )
    what = champion.scoring
    title = "How much each model relies on each input" if plain else "Permutation importance, both models"
    base_layout(fig, title=title, height=150 + 40 * len(features))
    fig.update_layout(barmode="group")
    fig.update_xaxes(title=f"drop in {what} when the column is shuffled", tickformat=D3_NUMBER)
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig
