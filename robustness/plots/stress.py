"""Figures for stress tests: the status of every perturbation at every severity, severity curves,
and the per-column sensitivity ranking.

Perturbations are shown by their label ("Unit error ×10"), grouped by family and worst first
(:func:`robustness.stress.config.by_family`), so every view lists them in the same order. One
colour per family (:data:`FAMILY_COLOURS`); within a family lines differ by dash and marker.
"""

from __future__ import annotations

import plotly.graph_objects as go

from robustness.formatting import D3_NUMBER, D3_SHARE, number, share
from robustness.plots.drift import DRIFTED, STABLE
from robustness.plots.theme import base_layout
from robustness.stress.config import by_family
from robustness.stress.perturbations import family_of, label_of
from robustness.stress.results import StressResult
from robustness.stress.wording import percent

#: One fixed colour per family; red and amber are left to the fail / warn thresholds.
FAMILY_COLOURS = {
    "noise": "#4C78A8",  # blue
    "unit errors": "#F58518",  # orange
    "missing values": "#54A24B",  # green
    "categories": "#B279A2",  # purple
    "outliers": "#9D755D",  # brown
    "shifts": "#72B7B2",  # teal
    "other": "#7F7F7F",  # grey
}
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "star", "triangle-down", "pentagon", "hexagon", "cross")
#: Cell colours of the status heatmap (light, so the value printed in each cell stays readable).
STATUS_COLOURS = {"pass": "#CFE8CC", "warn": "#FBE3A1", "fail": "#F4A7A3"}
WARN_LINE = "#D9A400"
_LEVEL = {"pass": 0, "warn": 1, "fail": 2, "error": 2}


def perturbation_order(result: StressResult) -> list[str]:
    """Perturbation names as every stress view lists them: grouped by family, worst first; then any
    perturbation that ran without a verdict (only at severity 0, or skipped), in suite order."""
    judged = [v.perturbation for v in by_family(result.verdicts)]
    rest = [p.perturbation for p in result.results if p.perturbation not in judged]
    return judged + list(dict.fromkeys(rest))


def _family(result: StressResult, name: str) -> str:
    for v in result.verdicts:
        if v.perturbation == name:
            return v.family
    return family_of(name)


def _label(result: StressResult, name: str) -> str:
    for v in result.verdicts:
        if v.perturbation == name and v.label:
            return v.label
    return label_of(name)


def line_styles(result: StressResult) -> dict[str, dict]:
    """Perturbation -> {colour, dash, symbol}: the family's colour, a dash and marker of its own within it."""
    styles: dict[str, dict] = {}
    seen: dict[str, int] = {}
    for name in perturbation_order(result):
        family = _family(result, name)
        i = seen.get(family, 0)
        seen[family] = i + 1
        styles[name] = {
            "colour": FAMILY_COLOURS.get(family, FAMILY_COLOURS["other"]),
            "dash": DASHES[i % len(DASHES)],
            "symbol": SYMBOLS[i % len(SYMBOLS)],
        }
    return styles


def _fmt(result: StressResult, value: float | None) -> str:
    """Percents for classifiers, as the page's sentences say them (robustness.stress.wording.percent: 23%,
    5.6%); the one number format for regressors (0.052, 0.971, 3.9)."""
    if value is None:
        return number(None)
    if result.is_classifier:
        return percent(value)
    return number(value)


def _limit(result: StressResult, value: float) -> str:
    """A threshold as set: "5%" and "10%" (not "5.0%"), "0.05" for regressors."""
    return share(value) if result.is_classifier else number(value)


def _measure(result: StressResult) -> str:
    return "predictions changed" if result.is_classifier else "mean change / spread of the predictions"


def status_heatmap(result: StressResult) -> go.Figure:
    """Every judged perturbation (rows: label, grouped by family, worst first) at every severity above 0
    (columns), coloured pass / warn / fail with the measured value in the cell; the severity each
    verdict is judged at is in bold."""
    verdicts = {v.perturbation: v for v in result.verdicts}
    names = [n for n in perturbation_order(result) if n in verdicts]
    severities = sorted({p.severity for p in result.results if p.severity > 0 and p.perturbation in verdicts})
    cells = {(p.perturbation, p.severity): p for p in result.results}
    z, text, hover = [], [], []
    for name in names:
        row_z, row_t, row_h = [], [], []
        for sev in severities:
            p = cells.get((name, sev))
            status = "skipped" if p is None else result.status_of(p)
            value = None if p is None else result.value_of(p)
            shown = {"skipped": "–", "error": "error"}.get(status) or _fmt(result, value)
            judged = abs(sev - verdicts[name].severity) < 1e-9
            row_z.append(_LEVEL.get(status))
            row_t.append(f"<b>{shown}</b>" if judged else shown)
            row_h.append([_label(result, name), f"{sev:g}", shown, status + (" (the verdict)" if judged else "")])
        z.append(row_z)
        text.append(row_t)
        hover.append(row_h)
    y = [[_family(result, n) for n in names], [_label(result, n) for n in names]]
    fig = go.Figure()
    fig.add_heatmap(
        z=z,
        x=[f"{s:g}" for s in severities],
        y=y,
        text=text,
        texttemplate="%{text}",
        customdata=hover,
        colorscale=[[0.0, STATUS_COLOURS["pass"]], [0.5, STATUS_COLOURS["warn"]], [1.0, STATUS_COLOURS["fail"]]],
        zmin=0,
        zmax=2,
        showscale=False,
        xgap=2,
        ygap=2,
        textfont=dict(size=12),
        hovertemplate=(
            "<b>%{customdata[0]}</b> at severity %{customdata[1]}: %{customdata[2]}<br>%{customdata[3]}<extra></extra>"
        ),
    )
    warn, fail = result.thresholds()
    for status, rule in (
        ("fail", f"fail: ≥ {_limit(result, fail)}"),
        ("warn", f"warn: ≥ {_limit(result, warn)}"),
        ("pass", f"pass: < {_limit(result, warn)}"),
    ):
        fig.add_scatter(
            x=[None],
            y=[None],
            mode="markers",
            name=rule,
            hoverinfo="skip",
            marker=dict(symbol="square", size=14, color=STATUS_COLOURS[status]),
        )
    fig.update_xaxes(
        title="severity (0 = no change, 1 = strongest); in bold: the severity each verdict is judged at",
        type="category",
    )
    fig.update_yaxes(autorange="reversed", type="multicategory")
    base_layout(
        fig, title=f"Every perturbation, worst first ({_measure(result)})", height=max(280, 150 + 30 * len(names))
    )
    fig.update_layout(
        legend=dict(orientation="h", x=1, xanchor="right", y=1.0, yanchor="bottom"), margin=dict(l=10, r=10, t=70, b=10)
    )
    return fig


def severity_curves(result: StressResult) -> go.Figure:
    """The model's reaction against severity, one line per perturbation (colour: family; dash and marker:
    the perturbation within it). The warn and fail thresholds are lines named in the legend."""
    classifier = result.is_classifier
    fig = go.Figure()
    warn, fail = result.thresholds()  # first: drawn under the lines, listed at the top of the legend
    for value, word, colour, dash in ((fail, "fail", DRIFTED, "dash"), (warn, "warn", WARN_LINE, "dot")):
        fig.add_scatter(
            x=[0, 1],
            y=[value, value],
            mode="lines",
            name=f"{word} at ≥ {_limit(result, value)}",
            legendgroup="thresholds",
            legendgrouptitle_text="thresholds",
            hoverinfo="skip",
            line=dict(color=colour, dash=dash, width=1.5),
        )
    styles = line_styles(result)
    fmt = D3_SHARE if classifier else D3_NUMBER
    families = set()
    for name in perturbation_order(result):
        points = sorted(
            (
                p
                for p in result.results
                if p.perturbation == name and p.status == "ok" and result.value_of(p) is not None
            ),
            key=lambda p: p.severity,
        )
        if not any(p.severity > 0 for p in points):  # nothing measured beyond the unperturbed sample
            continue
        style, family, label = styles[name], _family(result, name), _label(result, name)
        families.add(family)
        fig.add_scatter(
            x=[p.severity for p in points],
            y=[result.value_of(p) for p in points],
            mode="lines+markers",
            name=label,
            legendgroup=family,
            legendgrouptitle_text=family,
            line=dict(color=style["colour"], dash=style["dash"], width=2),
            marker=dict(symbol=style["symbol"], size=8, color=style["colour"]),
            customdata=[label] * len(points),
            hovertemplate="<b>%{customdata}</b>: severity %{x:" + D3_NUMBER + "} -> %{y:" + fmt + "}<extra></extra>",
        )
    fig.update_xaxes(title="severity", range=[-0.02, 1.02])
    fig.update_yaxes(
        title="predictions changed" if classifier else "mean |change| / spread",
        tickformat=D3_SHARE if classifier else D3_NUMBER,
        rangemode="tozero",
    )
    height = 90 + 20 * len(fig.data) + 30 * (len(families) + 1)  # the whole legend in view
    base_layout(fig, title="How predictions break as the perturbation grows", height=max(460, height))
    fig.update_layout(
        legend=dict(
            orientation="v",
            x=1.02,
            xanchor="left",
            y=1,
            yanchor="top",
            font=dict(size=11),
            groupclick="toggleitem",
            tracegroupgap=6,
        )
    )
    return fig


def sensitivity_ranking(result: StressResult, *, top: int = 20) -> go.Figure:
    """One column perturbed at a time: how much the predictions move."""
    classifier = result.task != "regression"
    items = [f for f in result.feature_sensitivity if not f.error][:top]
    warn = result.thresholds()[0]
    fig = go.Figure()
    fig.add_bar(
        y=[f.feature for f in items],
        x=[f.sensitivity for f in items],
        orientation="h",
        marker_color=[DRIFTED if f.sensitivity >= warn else STABLE for f in items],
        customdata=[[label_of(f.perturbation), f.severity] for f in items],
        hovertemplate=(
            "<b>%{y}</b>: %{x:"
            + (D3_SHARE if classifier else D3_NUMBER)
            + "}<br>%{customdata[0]} at severity %{customdata[1]}<extra></extra>"
        ),
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(
        title="predictions flipped" if classifier else "mean |change| / spread",
        tickformat=D3_SHARE if classifier else D3_NUMBER,
    )
    return base_layout(
        fig, title="Which columns the predictions are most sensitive to", height=max(240, 70 + 26 * len(items))
    )
