"""Figures of the run history: pure functions from stored rows (or a RunDiff) to Plotly figures.

Inputs are plain: run summaries (objects or dicts with ``id``, ``project``, ``created_at``, ``verdict``),
the rows of ``RunStore.check_history`` and a ``RunDiff``. Project names and other user strings are
HTML-escaped before they reach a figure (Plotly renders a subset of HTML in labels).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

import plotly.graph_objects as go

from robustness.formatting import D3_NUMBER, number
from robustness.plots.theme import CURRENT, REFERENCE, base_layout

__all__ = [
    "STATUS_COLOUR",
    "check_trend",
    "diff_metrics_chart",
    "diff_status_chart",
    "trend_band",
    "verdict_timeline",
]

STATUS_COLOUR = {"pass": "#1E8E3E", "warn": "#E37400", "fail": "#D93025", "skipped": "#80868B"}
STATUS_Y = {"pass": 0, "warn": 1, "fail": 2}
BAND = "rgba(76, 120, 168, 0.15)"


def _get(item, key):
    return item[key] if isinstance(item, dict) else getattr(item, key)


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def verdict_timeline(runs: Iterable, *, title: str = "Verdict of every run") -> go.Figure:
    """One row per project, one marker per run at its time, coloured by its verdict."""
    runs = list(runs)
    fig = go.Figure()
    for verdict in ("pass", "warn", "fail"):
        mine = [r for r in runs if _get(r, "verdict") == verdict]
        if not mine:
            continue
        fig.add_trace(
            go.Scatter(
                x=[_get(r, "created_at") for r in mine],
                y=[_e(_get(r, "project")) for r in mine],
                mode="markers",
                name=verdict.upper(),
                marker=dict(color=STATUS_COLOUR[verdict], size=13, symbol="square", line=dict(width=1, color="#fff")),
                customdata=[_get(r, "id") for r in mine],
                hovertemplate="run %{customdata}<br>%{x|%Y-%m-%d %H:%M}<br>" + verdict.upper() + "<extra></extra>",
            )
        )
    projects = sorted({_e(_get(r, "project")) for r in runs})
    fig.update_yaxes(categoryorder="array", categoryarray=projects, title=None)
    fig.update_xaxes(title=None)
    return base_layout(fig, title=title, height=max(180, 90 + 36 * len(projects)))


def trend_band(values: Sequence[float | None]) -> tuple[list[float | None], list[float | None]]:
    """For each run, the lowest and highest value among the runs before it (None for the first)."""
    low: list[float | None] = []
    high: list[float | None] = []
    seen: list[float] = []
    for v in values:
        low.append(min(seen) if seen else None)
        high.append(max(seen) if seen else None)
        if v is not None:
            seen.append(v)
    return low, high


def check_trend(rows: Iterable[dict], area: str, *, label: str | None = None) -> go.Figure:
    """One check's headline figure across runs: its value with the run's interval, markers coloured by the
    check's status, and the band of the earlier runs (lowest to highest value before each run)."""
    rows = [r for r in rows if r["area"] == area and r.get("value") is not None]
    x = [r["created_at"] for r in rows]
    y = [float(r["value"]) for r in rows]
    low, high = trend_band(y)
    fig = go.Figure()
    if len(rows) > 1:
        fig.add_trace(
            go.Scatter(
                x=x[1:] + x[1:][::-1],
                y=high[1:] + low[1:][::-1],
                fill="toself",
                fillcolor=BAND,
                mode="lines",
                line=dict(width=0),
                name="range of earlier runs",
                hoverinfo="skip",
            )
        )
    err = None
    if any(r.get("low") is not None and r.get("high") is not None for r in rows):
        err = dict(
            type="data",
            symmetric=False,
            array=[(r["high"] - r["value"]) if r.get("high") is not None else 0 for r in rows],
            arrayminus=[(r["value"] - r["low"]) if r.get("low") is not None else 0 for r in rows],
            color=REFERENCE,
            thickness=1.2,
        )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="lines+markers",
            name=label or area,
            line=dict(color=REFERENCE, width=1.5),
            marker=dict(color=[STATUS_COLOUR.get(r["status"], "#80868B") for r in rows], size=10),
            error_y=err,
            customdata=[[r["run_id"], r["status"].upper()] for r in rows],
            hovertemplate="run %{customdata[0]}: %{y:" + D3_NUMBER + "} (%{customdata[1]})<extra></extra>",
        )
    )
    fig.update_yaxes(tickformat=D3_NUMBER, title=None)
    fig.update_layout(showlegend=len(rows) > 1)
    return base_layout(fig, title=f"{area}: {label}" if label else area, height=300)


def diff_status_chart(diff) -> go.Figure:
    """Each check's status in the two runs (pass / warn / fail), an arrow from before to after."""
    areas = list(dict.fromkeys([c.area for c in diff.all_checks]))
    before = {c.area: c.before for c in diff.all_checks}
    after = {c.area: c.after for c in diff.all_checks}
    fig = go.Figure()
    for name, statuses, colour, symbol in (
        (f"run {diff.a.id}", before, REFERENCE, "circle-open"),
        (f"run {diff.b.id}", after, CURRENT, "circle"),
    ):
        shown = [a for a in areas if statuses.get(a) in STATUS_Y]
        fig.add_trace(
            go.Scatter(
                x=[STATUS_Y[statuses[a]] for a in shown],
                y=[_e(a) for a in shown],
                mode="markers",
                name=name,
                marker=dict(size=16, color=colour, symbol=symbol, line=dict(width=2, color=colour)),
                hovertemplate="%{y}: " + name + "<extra></extra>",
            )
        )
    for a in areas:
        if before.get(a) in STATUS_Y and after.get(a) in STATUS_Y and before[a] != after[a]:
            worse = STATUS_Y[after[a]] > STATUS_Y[before[a]]
            fig.add_annotation(
                x=STATUS_Y[after[a]],
                y=_e(a),
                ax=STATUS_Y[before[a]],
                ay=_e(a),
                xref="x",
                yref="y",
                axref="x",
                ayref="y",
                showarrow=True,
                arrowhead=3,
                arrowwidth=2,
                arrowcolor=STATUS_COLOUR["fail" if worse else "pass"],
                text="",
            )
    fig.update_xaxes(tickvals=[0, 1, 2], ticktext=["pass", "warn", "fail"], range=[-0.4, 2.4], title=None)
    fig.update_yaxes(categoryorder="array", categoryarray=[_e(a) for a in areas][::-1], title=None)
    return base_layout(fig, title="Status of each check", height=max(220, 80 + 40 * len(areas)))


def diff_metrics_chart(diff) -> go.Figure:
    """The metrics with an interval, as the later run's change relative to the earlier run's value (so metrics
    of every scale share one axis): the earlier run's interval is the grey bar around 0, the later run's value
    a dot with its interval. A dot whose bar misses the grey one moved beyond the intervals (red when that is
    worse)."""
    ms = [
        m for m in diff.metrics if m.before not in (0, None) and (m.before_low is not None or m.after_low is not None)
    ]
    fig = go.Figure()

    def rel(v, base):
        return None if v is None else v / base - 1

    labels = [_e(f"{m.label} ({m.dataset})") for m in ms]
    lows = [rel(m.before_low, m.before) for m in ms]
    highs = [rel(m.before_high, m.before) for m in ms]
    fig.add_trace(
        go.Scatter(
            x=[0.0] * len(ms),
            y=labels,
            mode="markers",
            name=f"run {diff.a.id} (interval around its value)",
            marker=dict(color="#9AA0A6", size=6, symbol="line-ns-open"),
            error_x=dict(
                type="data",
                symmetric=False,
                array=[h if h is not None else 0 for h in highs],
                arrayminus=[-lo if lo is not None else 0 for lo in lows],
                color="#9AA0A6",
                thickness=6,
                width=0,
            ),
            hoverinfo="skip",
        )
    )
    after = [rel(m.after, m.before) for m in ms]
    fig.add_trace(
        go.Scatter(
            x=after,
            y=labels,
            mode="markers",
            name=f"run {diff.b.id}",
            marker=dict(color=[STATUS_COLOUR["fail"] if m.direction == "worse" else CURRENT for m in ms], size=11),
            error_x=dict(
                type="data",
                symmetric=False,
                array=[(rel(m.after_high, m.before) - a) if m.after_high is not None else 0 for m, a in zip(ms, after)],
                arrayminus=[
                    (a - rel(m.after_low, m.before)) if m.after_low is not None else 0 for m, a in zip(ms, after)
                ],
                color=CURRENT,
            ),
            customdata=[[number(m.before), number(m.after), m.direction] for m in ms],
            hovertemplate="%{y}: %{customdata[0]} → %{customdata[1]} (%{x:+.3~p}), %{customdata[2]}<extra></extra>",
        )
    )
    fig.add_vline(x=0, line=dict(color="#BDC1C6", width=1))
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_xaxes(tickformat="+.3~p", title=f"change from run {diff.a.id}", zeroline=False)
    return base_layout(fig, title="Metrics with an interval: change", height=max(220, 100 + 30 * len(ms)))


def change_words(m) -> str:
    """A metric change in words: '0.869 → 0.83 (−0.0393), worse beyond both runs' intervals'."""
    tail = {
        "worse": "worse, beyond the runs' intervals",
        "better": "better, beyond the runs' intervals",
        "within intervals": "within the runs' intervals",
        "higher": "higher (no interval to judge it by)",
        "lower": "lower (no interval to judge it by)",
        "changed": "changed",
        "unchanged": "unchanged",
    }.get(m.direction, m.direction)
    return f"{number(m.before)} → {number(m.after)} ({number(m.change, signed=True)}), {tail}"
