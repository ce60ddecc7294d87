"""Figures for explanations: importance, beeswarm, dependence, waterfall, PDP/ICE and explanation shift.

Pure builders: an explanation result in, a ``plotly.graph_objects.Figure`` out. Every title or
axis names the scale the numbers are on (log-odds, probability, raw score or prediction).
``plain=True`` says the same in words (a contribution is how much an input pushes the prediction,
the log-odds are the model's score); ``class_names`` (class as text -> name) names the classes.
User strings (feature names, category values) reach Plotly as data (``y``, ``text``,
``customdata``, ``ticktext``), never inside a ``hovertemplate`` format string.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from robustness.explain.results import Explanation, RowExplanation
from robustness.explain.views import ExplanationShift, PartialDependence, PermutationImportance
from robustness.formatting import D3_NUMBER, D3_SHARE, class_label, count, number
from robustness.plots.drift import DRIFTED, STABLE
from robustness.plots.theme import CURRENT, REFERENCE, base_layout
from robustness.plots.wording import contribution_label, scale_label

__all__ = [
    "beeswarm",
    "dependence",
    "importance_bars",
    "pdp_ice",
    "scale_text",
    "shift_chart",
    "waterfall",
    "format_value",
]

POSITIVE = "#E45756"  # pushes the output up (SHAP's red)
NEGATIVE = "#4C78A8"  # pushes it down (SHAP's blue)
TOTAL = "#7F7F7F"
PERMUTATION = "#72B7B2"  # teal: apart from the class colours
MISSING = "#BBBBBB"
CLASS_COLOURS = ["#4C78A8", "#F58518", "#54A24B", "#E45756", "#B279A2", "#FF9DA6", "#9D755D", "#BAB0AC", "#EECA3B"]
VALUE_SCALE = [[0.0, "#1E88E5"], [0.5, "#B07AA1"], [1.0, "#FF0D57"]]  # low (blue) -> high (magenta-red)
_MAX_CATEGORY_TRACES = 10


# -- text helpers -------------------------------------------------------------------------------------


def format_value(v) -> str:
    """A feature value as a user reads it: whole numbers with every digit, others to 3 significant
    figures (robustness.formatting), thousands separated; 'missing'."""
    if v is None or v is pd.NA or v is pd.NaT:
        return "missing"
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if math.isnan(v):
            return "missing"
        if v.is_integer() and abs(v) < 1e15:
            return count(v)
        return number(v)
    return str(v)


def scale_text(scale: str, output: str | None, *, classifier: bool = True, plain: bool = False) -> str:
    """'log-odds of class '1'', 'probability of each row's predicted class', 'prediction'; plain: 'model
    score for 'default''. ``output``: the class as shown (its name)."""
    if scale == "prediction" or not classifier:
        return "prediction"
    if plain:
        target = "each row's predicted class" if output is None else f"'{output}'"
        return f"{scale_label(scale, plain=True)} for {target}"
    target = "each row's predicted class" if output is None else f"class '{output}'"
    return f"{scale} of {target}"


def _classifier(outputs) -> bool:
    return tuple(outputs) != ("prediction",)


def _output_name(outputs, k: int, names=None) -> str | None:
    return None if k < 0 else class_label(outputs[k], names)


def _empty(title: str, message: str, height: int = 300) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(
        text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font=dict(size=14, color="#666")
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return base_layout(fig, title=title, height=height)


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _categories(series: pd.Series) -> list:
    """Distinct non-missing values, sorted as text (stable for mixed types)."""
    values = pd.unique(series.dropna())
    return sorted(values, key=lambda v: (str(type(v)), str(v)))


# -- global importance --------------------------------------------------------------------------------


def importance_bars(
    expl: Explanation,
    perm_importance: PermutationImportance | None = None,
    output: str | int | None = None,
    *,
    max_features: int = 20,
    plain: bool = False,
    class_names=None,
) -> go.Figure:
    """Mean |SHAP| per feature (largest on top), with permutation importance beside it when given.

    Multiclass without ``output``: one stacked segment per class; with ``output``: that class.
    """
    scale = expl.info.scale
    classifier = _classifier(expl.outputs)
    multi = len(expl.outputs) > 1
    k = expl.output_index(output) if output is not None else (0 if not multi else -1)
    imp = expl.importance()
    if k >= 0 and multi:
        imp = sorted(imp, key=lambda i: -i.per_output[k])
    imp = imp[:max_features]
    title_scale = (
        scale_text(scale, _output_name(expl.outputs, k, class_names), classifier=classifier, plain=plain)
        if k >= 0 or not multi
        else f"{scale_label(scale, plain=plain)}, stacked by class"
    )
    mean = contribution_label(plain=plain, mean=True)
    title = (
        f"Which inputs drive the predictions: how much each pushes them ({title_scale})"
        if plain
        else f"Which columns drive the predictions: mean |SHAP value| ({title_scale})"
    )
    if not imp or expl.n_rows == 0:
        return _empty(title, "No rows were explained.")
    features = [i.feature for i in imp]
    cols = 2 if perm_importance is not None else 1
    fig = make_subplots(
        rows=1,
        cols=cols,
        shared_yaxes=True,
        horizontal_spacing=0.04,
        subplot_titles=(
            (
                ["Average push on the prediction", "Loss when the input is shuffled"]
                if plain
                else ["SHAP (mean |contribution|)", "Permutation importance (score drop)"]
            )
            if cols == 2
            else None
        ),
    )
    if multi and k < 0:
        for c, name in enumerate(expl.outputs):
            fig.add_trace(
                go.Bar(
                    y=features,
                    x=[i.per_output[c] for i in imp],
                    orientation="h",
                    name=f"class {class_label(name, class_names)}",
                    marker_color=CLASS_COLOURS[c % len(CLASS_COLOURS)],
                    customdata=[[class_label(name, class_names), mean] for _ in imp],
                    hovertemplate="<b>%{y}</b><br>class %{customdata[0]}: %{customdata[1]} %{x:"
                    + D3_NUMBER
                    + "}<extra></extra>",
                ),
                row=1,
                col=1,
            )
        fig.update_layout(barmode="stack")
    else:
        fig.add_trace(
            go.Bar(
                y=features,
                x=[i.per_output[k] if multi else i.mean_abs_shap for i in imp],
                orientation="h",
                name=mean,
                marker_color=REFERENCE,
                showlegend=False,
                hovertemplate="<b>%{y}</b><br>%{fullData.name} %{x:" + D3_NUMBER + "}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    if perm_importance is not None:
        by = dict(zip(perm_importance.features, zip(perm_importance.mean, perm_importance.std)))
        means = [by.get(f, (math.nan, math.nan))[0] for f in features]
        stds = [by.get(f, (math.nan, math.nan))[1] for f in features]
        fig.add_trace(
            go.Bar(
                y=features,
                x=means,
                orientation="h",
                name="permutation importance",
                marker_color=PERMUTATION,
                showlegend=False,
                error_x=dict(type="data", array=stds, visible=True, color="#666", thickness=1),
                customdata=[[s, perm_importance.scoring] for s in stds],
                hovertemplate=(
                    "<b>%{y}</b><br>drop in %{customdata[1]}: %{x:"
                    + D3_NUMBER
                    + "} ± %{customdata[0]:"
                    + D3_NUMBER
                    + "}<extra></extra>"
                ),
            ),
            row=1,
            col=2,
        )
        fig.update_xaxes(title_text=f"drop in {perm_importance.scoring}", row=1, col=2)
        fig.add_vline(x=0, line_color="#999", line_width=1, row=1, col=2)
    fig.update_xaxes(title_text=f"{mean} ({scale_label(scale, plain=plain)})", row=1, col=1)
    fig.update_xaxes(tickformat=D3_NUMBER)
    fig.update_yaxes(autorange="reversed", type="category")
    base_layout(fig, title=title, height=max(300, 110 + 28 * len(features)))
    if cols == 2:
        fig.update_annotations(font=dict(size=13))
        fig.update_layout(margin=dict(t=72))
    if multi and k < 0:  # the class legend below the axis titles, clear of the panel titles
        height = max(300, 110 + 28 * len(features)) + 40
        plot_height = height - 50 - 50
        fig.update_layout(
            height=height,
            margin=dict(b=50),
            legend=dict(orientation="h", yanchor="top", y=-58 / plot_height, xanchor="left", x=0),
        )
    return fig


# -- beeswarm -----------------------------------------------------------------------------------------


def _swarm_offsets(x: np.ndarray, width: float = 0.38, bins: int = 60, seed: int = 0) -> np.ndarray:
    """Vertical offsets that stack points of similar value (a beeswarm), within +-width."""
    n = len(x)
    if n == 0:
        return np.zeros(0)
    lo, hi = float(np.min(x)), float(np.max(x))
    span = hi - lo if hi > lo else 1.0
    b = np.minimum(((x - lo) / span * bins).astype(int), bins - 1)
    order = np.random.default_rng(seed).permutation(n)
    rank = np.zeros(n)
    counts = np.zeros(bins, dtype=int)
    for i in order:
        rank[i] = counts[b[i]]
        counts[b[i]] += 1
    step = width / max(1.0, math.ceil(counts.max() / 2))
    return np.ceil(rank / 2) * np.where(rank % 2 == 1, -1.0, 1.0) * step


def _colour_values(series: pd.Series) -> np.ndarray:
    """The feature's value in [0, 1]: numbers scaled to their own range (1st-99th percentile),
    categories by code; NaN where missing."""
    if _is_numeric(series):
        v = series.to_numpy(dtype=float, na_value=np.nan)
        finite = v[np.isfinite(v)]
        if finite.size == 0:
            return np.full(len(v), np.nan)
        lo, hi = np.percentile(finite, [1, 99])
        if hi <= lo:
            lo, hi = float(finite.min()), float(finite.max())
        if hi <= lo:
            return np.where(np.isfinite(v), 0.5, np.nan)
        return np.clip((v - lo) / (hi - lo), 0.0, 1.0)
    cats = _categories(series)
    index = {c: i for i, c in enumerate(cats)}
    denom = max(1, len(cats) - 1)
    return np.array(
        [np.nan if pd.isna(v) else index.get(v, 0) / denom for v in series.to_numpy(dtype=object)], dtype=float
    )


def beeswarm(
    expl: Explanation,
    output: str | int | None = None,
    *,
    max_features: int = 15,
    plain: bool = False,
    class_names=None,
) -> go.Figure:
    """Every explained row's contribution per feature: x = SHAP value, colour = the feature's value."""
    k = expl.output_index(output)
    scale = scale_text(
        expl.info.scale, _output_name(expl.outputs, k, class_names), classifier=_classifier(expl.outputs), plain=plain
    )
    push = contribution_label(plain=plain)
    title = f"How each column's values push the output ({scale})"
    if expl.n_rows == 0:
        return _empty(title, "No rows were explained.")
    frame = expl.frame(output)
    order = frame.abs().mean(axis=0).sort_values(ascending=False, kind="stable").index[:max_features]
    features = list(order)
    n = len(features)
    xs, ys, colours, custom = [], [], [], []
    miss_x, miss_y, miss_custom = [], [], []
    for pos, feature in enumerate(features):
        shap_v = frame[feature].to_numpy(dtype=float)
        raw = expl.data[feature] if feature in expl.data.columns else pd.Series([np.nan] * len(frame))
        col = _colour_values(raw)
        y = (n - 1 - pos) + _swarm_offsets(shap_v, seed=pos)
        text = [format_value(v) for v in raw.to_numpy(dtype=object)]
        for xv, yv, cv, tv in zip(shap_v, y, col, text):
            if np.isnan(cv):
                miss_x.append(xv)
                miss_y.append(yv)
                miss_custom.append([feature, tv])
            else:
                xs.append(xv)
                ys.append(yv)
                colours.append(cv)
                custom.append([feature, tv])
    hover = "<b>%{customdata[0]}</b> = %{customdata[1]}<br>" + push + " %{x:" + D3_NUMBER + "}<extra></extra>"
    fig = go.Figure()
    fig.add_trace(
        go.Scattergl(
            x=xs,
            y=ys,
            mode="markers",
            customdata=custom,
            hovertemplate=hover,
            showlegend=False,
            marker=dict(
                size=5,
                color=colours,
                colorscale=VALUE_SCALE,
                cmin=0,
                cmax=1,
                opacity=0.8,
                colorbar=dict(
                    title=dict(text="feature value", side="right"),
                    tickvals=[0, 1],
                    ticktext=["low", "high"],
                    thickness=12,
                    len=0.8,
                ),
            ),
        )
    )
    if miss_x:
        fig.add_trace(
            go.Scattergl(
                x=miss_x,
                y=miss_y,
                mode="markers",
                customdata=miss_custom,
                hovertemplate=hover,
                name="missing value",
                marker=dict(size=5, color=MISSING, opacity=0.8),
            )
        )
    fig.add_vline(x=0, line_color="#999", line_width=1)
    fig.update_yaxes(
        tickmode="array",
        tickvals=list(range(n - 1, -1, -1)),
        ticktext=features,
        range=[-0.6, n - 0.4],
        showgrid=False,
        zeroline=False,
    )
    fig.update_xaxes(title=f"{push} ({scale})", zeroline=False, tickformat=D3_NUMBER)
    base_layout(fig, title=title, height=max(320, 90 + 38 * n))
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1))
    return fig


# -- dependence -----------------------------------------------------------------------------------------


def dependence(
    expl: Explanation,
    feature: str,
    color_by: str | None = None,
    output: str | int | None = None,
    *,
    plain: bool = False,
    class_names=None,
) -> go.Figure:
    """The feature's value against its SHAP value, coloured by another column (the interaction)."""
    if feature not in expl.features:
        raise KeyError(f"'{feature}' is not an explained feature.")
    k = expl.output_index(output)
    scale = scale_text(
        expl.info.scale, _output_name(expl.outputs, k, class_names), classifier=_classifier(expl.outputs), plain=plain
    )
    push = contribution_label(plain=plain)
    title = f"Contribution of '{feature}' by its value ({scale})"
    if expl.n_rows == 0 or feature not in expl.data.columns:
        return _empty(title, "No rows were explained.")
    shap_v = expl.frame(output)[feature].to_numpy(dtype=float)
    raw = expl.data[feature]
    numeric_x = _is_numeric(raw)
    rng = np.random.default_rng(0)
    if numeric_x:
        x = raw.to_numpy(dtype=float, na_value=np.nan)
        keep = np.isfinite(x)
        cats = []
    else:
        cats = _categories(raw)
        index = {c: i for i, c in enumerate(cats)}
        x = np.array([np.nan if pd.isna(v) else index[v] for v in raw.to_numpy(dtype=object)], dtype=float)
        keep = np.isfinite(x)
        x = x + rng.uniform(-0.2, 0.2, len(x))
    x_text = [format_value(v) for v in raw.to_numpy(dtype=object)]
    fig = go.Figure()
    if color_by is not None and color_by in expl.data.columns and color_by != feature:
        c = expl.data[color_by]
        c_text = [format_value(v) for v in c.to_numpy(dtype=object)]
        custom = np.array([[a, b] for a, b in zip(x_text, c_text)], dtype=object)
        hover = (
            "value %{customdata[0]}<br>"
            + push
            + " %{y:"
            + D3_NUMBER
            + "}<br>colour column = %{customdata[1]}<extra></extra>"
        )
        c_cats = [] if _is_numeric(c) else _categories(c)
        if _is_numeric(c) or len(c_cats) > _MAX_CATEGORY_TRACES:
            if _is_numeric(c):  # the column's own values, the colour range cut at its 1st and 99th percentile
                cv = c.to_numpy(dtype=float, na_value=np.nan)
                finite = cv[np.isfinite(cv)]
                lo, hi = np.percentile(finite, [1, 99]) if finite.size else (0.0, 1.0)
                bar = dict(title=dict(text=color_by, side="right"), thickness=12, len=0.8)
            else:
                cv, lo, hi = _colour_values(c), 0.0, 1.0
                bar = dict(
                    title=dict(text=color_by, side="right"),
                    tickvals=[0, 1],
                    ticktext=["first", "last"],
                    thickness=12,
                    len=0.8,
                )
            has = keep & np.isfinite(cv)
            fig.add_trace(
                go.Scatter(
                    x=x[has],
                    y=shap_v[has],
                    mode="markers",
                    customdata=custom[has],
                    hovertemplate=hover,
                    showlegend=False,
                    marker=dict(
                        size=6,
                        color=cv[has],
                        colorscale=VALUE_SCALE,
                        cmin=float(lo),
                        cmax=float(hi) if hi > lo else float(lo) + 1.0,
                        opacity=0.8,
                        colorbar=bar,
                    ),
                )
            )
            gone = keep & ~np.isfinite(cv)
            if gone.any():
                fig.add_trace(
                    go.Scatter(
                        x=x[gone],
                        y=shap_v[gone],
                        mode="markers",
                        customdata=custom[gone],
                        hovertemplate=hover,
                        name=f"{color_by} missing",
                        marker=dict(size=6, color=MISSING, opacity=0.8),
                    )
                )
        else:
            values = c.to_numpy(dtype=object)
            for i, cat in enumerate(c_cats + [None]):
                mask = keep & (
                    np.array([pd.isna(v) for v in values])
                    if cat is None
                    else np.array([not pd.isna(v) and v == cat for v in values])
                )
                if not mask.any():
                    continue
                fig.add_trace(
                    go.Scatter(
                        x=x[mask],
                        y=shap_v[mask],
                        mode="markers",
                        customdata=custom[mask],
                        hovertemplate=hover,
                        name=f"{color_by} = {format_value(cat)}",
                        marker=dict(
                            size=6, opacity=0.8, color=MISSING if cat is None else CLASS_COLOURS[i % len(CLASS_COLOURS)]
                        ),
                    )
                )
        title += f", coloured by '{color_by}'"
    else:
        custom = np.array([[a] for a in x_text], dtype=object)
        fig.add_trace(
            go.Scatter(
                x=x[keep],
                y=shap_v[keep],
                mode="markers",
                customdata=custom[keep],
                hovertemplate="value %{customdata[0]}<br>" + push + " %{y:" + D3_NUMBER + "}<extra></extra>",
                showlegend=False,
                marker=dict(size=6, color=REFERENCE, opacity=0.7),
            )
        )
    fig.add_hline(y=0, line_color="#999", line_width=1)
    if cats:
        fig.update_xaxes(
            tickmode="array",
            tickvals=list(range(len(cats))),
            ticktext=[format_value(c) for c in cats],
            range=[-0.6, len(cats) - 0.4],
        )
    fig.update_xaxes(title=feature + ("" if numeric_x else " (category)"), zeroline=False)
    fig.update_yaxes(title=f"{push} of '{feature}' ({scale})", tickformat=D3_NUMBER)
    return base_layout(fig, title=title, height=440)


# -- waterfall ------------------------------------------------------------------------------------------


def waterfall(
    row: RowExplanation, output: int = 0, *, max_features: int = 12, plain: bool = False, class_names=None
) -> go.Figure:
    """From the base value through the largest contributions to the model's output for one row."""
    classifier = _classifier(row.outputs)
    scale = scale_text(row.scale, class_label(row.outputs[output], class_names), classifier=classifier, plain=plain)
    contributions = row.contributions(output)
    shown = contributions if len(contributions) <= max_features else contributions[: max_features - 1]
    rest = contributions[len(shown) :]
    base = float(row.base_values[output])
    # bottom to top: the rest, then the smallest shown contribution ... the largest, then the output
    labels, deltas, custom = [], [], []
    if rest:
        total_rest = float(sum(c for _, _, c in rest))
        labels.append(f"{len(rest)} other features")
        deltas.append(total_rest)
        custom.append([f"{len(rest)} other features", "", number(total_rest, signed=True)])
    for feature, value, contribution in reversed(shown):
        shown_value = format_value(value)
        labels.append(f"{feature} = {shown_value}")
        deltas.append(float(contribution))
        custom.append([feature, shown_value, number(contribution, signed=True)])
    output_value = float(row.model_output[output])
    labels.append("model output")
    custom.append(["model output", "", number(output_value)])
    fig = go.Figure(
        go.Waterfall(
            orientation="h",
            y=labels,
            x=deltas + [0.0],
            base=base,
            measure=["relative"] * len(deltas) + ["total"],
            text=[number(d, signed=True) for d in deltas] + [number(output_value)],
            textposition="outside",
            customdata=custom,
            cliponaxis=False,
            hovertemplate="<b>%{customdata[0]}</b> %{customdata[1]}<br>%{customdata[2]}<extra></extra>",
            increasing=dict(marker=dict(color=POSITIVE)),
            decreasing=dict(marker=dict(color=NEGATIVE)),
            totals=dict(marker=dict(color=TOTAL)),
            connector=dict(line=dict(color="#bbb", width=1)),
        )
    )
    fig.add_vline(x=base, line_dash="dot", line_color="#666")
    ends = base + np.cumsum([0.0] + deltas)
    lo, hi = float(min(ends.min(), output_value)), float(max(ends.max(), output_value))
    pad = 0.16 * (hi - lo) if hi > lo else max(abs(hi), 1.0) * 0.1
    fig.update_yaxes(type="category", automargin=True)
    if plain:
        x_title = f"{scale}; dotted line: the average over the reference rows, {number(base)}"
        title = f"Why this row: from the average to this row's {scale}"
    else:
        x_title = f"model output ({scale}); dotted line: base value {number(base)}"
        title = f"Why this row: from the base value to the model's output ({scale})"
    fig.update_xaxes(title=x_title, range=[lo - pad, hi + pad], tickformat=D3_NUMBER)
    base_layout(fig, title=title, height=max(320, 110 + 30 * len(labels)))
    fig.update_layout(showlegend=False, margin=dict(l=10, r=20, t=50, b=10))
    return fig


# -- partial dependence / ICE -----------------------------------------------------------------------------


def pdp_ice(pdp: PartialDependence, output: int = 0, *, plain: bool = False, class_names=None) -> go.Figure:
    """ICE curves (thin, grey) and their average, the partial dependence (bold)."""
    classifier = _classifier(pdp.outputs)
    name = class_label(pdp.outputs[output], class_names)
    what = f"predicted probability of {'' if plain else 'class '}'{name}'" if classifier else "prediction"
    title = (
        f"How the {what} changes with '{pdp.feature}': on average and row by row"
        if plain
        else f"Partial dependence and ICE of '{pdp.feature}' ({what})"
    )
    avg = np.asarray(pdp.average[output], dtype=float)
    ice = np.asarray(pdp.individual[output], dtype=float)
    grid_text = [format_value(g) for g in pdp.grid]
    fig = go.Figure()
    if pdp.categorical:
        pos = np.arange(len(pdp.grid), dtype=float)
        rng = np.random.default_rng(0)
        xs = (pos[None, :] + rng.uniform(-0.25, 0.25, ice.shape)).ravel()
        custom = np.array([[t] for t in grid_text] * ice.shape[0], dtype=object)
        fig.add_trace(
            go.Bar(
                x=pos,
                y=avg,
                name="average (PDP)",
                marker_color=REFERENCE,
                opacity=0.55,
                customdata=[[t] for t in grid_text],
                hovertemplate="%{customdata[0]}: average %{y:"
                + (D3_SHARE if classifier else D3_NUMBER)
                + "}<extra></extra>",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ice.ravel(),
                mode="markers",
                name=f"single rows (ICE, {ice.shape[0]})",
                marker=dict(size=4, color="#555", opacity=0.35),
                customdata=custom,
                hovertemplate="%{customdata[0]}: %{y:" + (D3_SHARE if classifier else D3_NUMBER) + "}<extra></extra>",
            )
        )
        fig.update_xaxes(tickmode="array", tickvals=list(pos), ticktext=grid_text, range=[-0.6, len(pos) - 0.4])
    else:
        grid = np.asarray(pdp.grid, dtype=float)
        n = ice.shape[0]
        xs = np.concatenate([np.append(grid, np.nan) for _ in range(n)]) if n else np.zeros(0)
        ys = np.concatenate([np.append(curve, np.nan) for curve in ice]) if n else np.zeros(0)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name=f"single rows (ICE, {n})",
                line=dict(color="rgba(120,120,120,0.35)", width=1),
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=grid,
                y=avg,
                mode="lines+markers",
                name="average (PDP)",
                line=dict(color=CURRENT, width=4),
                marker=dict(size=6),
                hovertemplate="%{x:"
                + D3_NUMBER
                + "}: average %{y:"
                + (D3_SHARE if classifier else D3_NUMBER)
                + "}<extra></extra>",
            )
        )
    fig.update_xaxes(title=pdp.feature)
    if not pdp.categorical:
        fig.update_xaxes(tickformat=D3_NUMBER)
    fig.update_yaxes(title=what, tickformat=D3_SHARE if classifier else D3_NUMBER)
    return base_layout(fig, title=title, height=440)


# -- explanation shift ------------------------------------------------------------------------------------


def shift_chart(shift: ExplanationShift, *, max_features: int = 20, plain: bool = False, class_names=None) -> go.Figure:
    """Mean |SHAP| on reference and current rows per feature; shifted features marked."""
    scale = scale_label(shift.scale, plain=plain)
    mean = contribution_label(plain=plain, mean=True)
    title = (
        f"Did the model's reasons change? How much each input pushes the predictions ({scale}), reference vs current"
        if plain
        else f"Did the model's reasons change? Mean |SHAP value| ({scale}), reference vs current"
    )
    items = list(shift.features)[:max_features]
    if not items:
        return _empty(title, "Nothing to compare.")
    labels = [("⚠ " if f.shifted else "") + f.feature for f in items]
    custom = [
        [f.test, number(f.p_value), "shifted" if f.shifted else "no shift", class_label(f.output, class_names), mean]
        for f in items
    ]
    hover = (
        "<b>%{y}</b><br>%{customdata[4]} %{x:" + D3_NUMBER + "}<br>%{customdata[2]}<extra>%{fullData.name}</extra>"
        if plain
        else "<b>%{y}</b><br>%{customdata[4]} %{x:"
        + D3_NUMBER
        + "}<br>%{customdata[0]}, p-value %{customdata[1]} (class %{customdata[3]})<br>%{customdata[2]}"
        "<extra>%{fullData.name}</extra>"
    )
    fig = go.Figure()
    fig.add_bar(
        y=labels,
        x=[f.mean_abs_reference for f in items],
        orientation="h",
        name="reference",
        marker_color=REFERENCE,
        customdata=custom,
        hovertemplate=hover,
    )
    fig.add_bar(
        y=labels,
        x=[f.mean_abs_current for f in items],
        orientation="h",
        name="current",
        marker=dict(
            color=CURRENT,
            line=dict(
                color=[DRIFTED if f.shifted else STABLE for f in items], width=[2 if f.shifted else 0 for f in items]
            ),
        ),
        customdata=custom,
        hovertemplate=hover,
    )
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(
        title=f"{mean} ({scale}); ⚠ = {'the push changed' if plain else 'contributions shifted'}", tickformat=D3_NUMBER
    )
    return base_layout(fig, title=title, height=max(300, 110 + 40 * len(items)))
