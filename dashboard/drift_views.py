"""Sections of the drift page: widgets, figures and text; no statistics here."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from dashboard import drift_cache as cache
from dashboard.shared import md
from dashboard.story import plain_words
from dashboard.tables import MAX_TABLE_ROWS, show_table, table_height  # noqa: F401  (re-exported)
from robustness.drift.rule import effect_line
from robustness.formatting import count, number, share
from robustness.plots import drift as dplots
from robustness.plots import drift_context as cplots
from robustness.workspace import Workspace

SECTIONS = ["Columns", "Data quality", "Multivariate", "Predictions & target", "Over time", "Does it matter?", "Export"]
STATUS_ICON = {"pass": "✅", "warn": "⚠️", "fail": "❌", "error": "❌"}


def drift_columns(ws: Workspace) -> list[str]:
    return cache.input_columns(ws)


def _f(v) -> str:
    return number(v)


# The rule's practical thresholds (DriftConfig.min_*), as a user types them: (config key, label, unit scale
# shown -> stored, smallest value, step, format, help). Shares are typed in points / percent, stored as 0-1.
THRESHOLDS = (
    (
        "min_shift_sd",
        "Mean shift (SD)",
        1.0,
        0.0,
        0.01,
        "%.2f",
        "Numbers, dates and text lengths: the mean moving by this many reference standard deviations counts "
        "(0.05 SD: for incomes with an SD of 20,000, a shift of 1,000).",
    ),
    (
        "min_spread_ratio",
        "Spread ratio (×)",
        1.0,
        1.0,
        0.01,
        "%.2f",
        "Numbers, dates and text lengths: the standard deviation growing by this factor, or shrinking by it "
        "(1.1: 10 % wider, or narrower than 1/1.1 of the reference's), counts.",
    ),
    (
        "min_shape_sd",
        "Shape change (SD)",
        1.0,
        0.0,
        0.01,
        "%.2f",
        "Numbers, dates and text lengths: with mean and spread matched, the values differing by this many "
        "standard deviations on average (two peaks instead of one, a heavier tail) counts.",
    ),
    (
        "min_share_change",
        "Share change (points)",
        100.0,
        0.0,
        0.5,
        "%.1f",
        "Categories and yes/no columns: one category's share of the values moving by this many percentage "
        "points counts (2.5: from 30 % to 32.5 %).",
    ),
    (
        "min_new_category_share",
        "New category (% of values)",
        100.0,
        0.0,
        0.1,
        "%.1f",
        "Categories: a category absent from the reference counts once it makes up this share of the current "
        "values (0.5 %: 5 rows in 1,000).",
    ),
    (
        "min_text_auc",
        "Text content (AUC)",
        1.0,
        0.5,
        0.01,
        "%.2f",
        "Text columns: how well a classifier must tell current texts from reference texts by their words to "
        "count (0.5 = alike, 1 = always; 0.53: a topic growing by 6 points of the texts, when its words give "
        "it away).",
    ),
)


def threshold_inputs(defaults) -> dict[str, float]:
    """The practical thresholds' inputs (inside the settings form), as DriftConfig keys in its units."""
    out: dict[str, float] = {}
    cols = [c for _ in range(0, len(THRESHOLDS), 3) for c in st.columns(3)]  # rows of three
    for col, (key, label, scale, low, step, fmt, help_text) in zip(cols, THRESHOLDS):
        typed = col.number_input(
            label,
            min_value=low,
            max_value=0.99 if key == "min_text_auc" else None,
            value=float(getattr(defaults, key)) * scale,
            step=step,
            format=fmt,
            help=help_text,
            key=f"drift_{key}",
        )
        out[key] = float(typed) / scale
    return out


def metrics_row(result, target) -> None:
    """Columns drifted, dataset verdict, target drift and untested columns, side by side."""
    d = result.dataset
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Columns drifted", f"{count(d.n_drifted)} of {count(d.n_columns)}")
    c2.metric(
        "Share of columns drifted",
        share(d.drifted_share),
        help=f"The dataset as a whole counts as drifted from {share(d.share_threshold)} of the tested columns.",
    )
    if target is not None:
        c3.metric(f"Target '{target.feature}'", "drifted" if target.drifted else "no drift")
    c4.metric("Not tested", sum(f.status != "ok" for f in result.features))


def summary(ws: Workspace, result, target, config_key: str) -> None:
    metrics_row(result, target)
    skipped = [f for f in result.features if f.status != "ok"]
    drifted = sorted((f for f in result.features if f.drifted), key=lambda f: -(f.effect_size or 0))
    if drifted:
        plain = plain_words()
        st.markdown(
            "**Drifted columns**, largest effect first:\n"
            + "\n".join(
                f"- **{md(f.feature)}**"
                + ("" if plain else f" ({f.test}, effect {_f(f.effect_size)})")
                + f": {md(f.message)}"
                for f in drifted
            )
        )
    else:
        st.markdown("No column drifted beyond its threshold.")
    if ws.has_model:
        impact = cache.cached_impact(ws, ws.key(), config_key)
        if impact.status == "ok":
            st.info(md(impact.message))
    st.plotly_chart(dplots.drift_overview(result), width="stretch")
    for f in skipped:
        st.caption(md(f"{f.feature}: not tested. {f.message}"))


def render_section(section: str, ws: Workspace, result, target, config_key: str) -> None:
    {
        "Columns": lambda: columns_tab(ws, result),
        "Data quality": lambda: quality_tab(ws),
        "Multivariate": lambda: multivariate_tab(ws),
        "Predictions & target": lambda: predictions_tab(ws, config_key),
        "Over time": lambda: over_time_tab(ws, config_key),
        "Does it matter?": lambda: impact_tab(ws, config_key),
        "Export": lambda: export_tab(ws, result, target, config_key),
    }[section]()


def results_table(features) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "column": f.feature,
                "kind": f.kind.value,
                "test": f.test,
                "statistic": f.statistic,
                "p-value": f.p_value_adjusted,
                "raw p-value": f.p_value,
                "change": effect_line(f.effect),
                "effect size": f.effect_size,
                "threshold": f.threshold,
                "drifted": f.drifted,
                "status": f.status,
                "note": f.message,
            }
            for f in features
        ]
    )


RESULT_COLUMNS = {"p-value": st.column_config.NumberColumn(help="Benjamini–Hochberg adjusted")}


def columns_tab(ws: Workspace, result) -> None:
    order = sorted(result.features, key=lambda f: (f.status != "ok", -(f.effect_size or 0)))
    names = [f.feature for f in order]
    choice = st.selectbox(
        "Column", names, key="drift_column", format_func=lambda n: f"{n} {'🔴' if result.feature(n).drifted else ''}"
    )
    f = result.feature(choice)
    profile = result.profiles.get(choice)
    if f.status != "ok":
        st.warning(md(f"{choice} was not tested: {f.message}"))
    elif plain_words():
        st.markdown(
            md(("Changed between reference and current. " if f.drifted else "No significant change. ") + f.message)
        )
    else:
        pv = (
            ""
            if f.p_value is None
            else f", p-value {_f(f.p_value)} ({_f(f.p_value_adjusted)} Benjamini–Hochberg adjusted)"
            + (f", {effect_line(f.effect)}" if f.effect else "")
        )
        st.markdown(
            md(
                f"{f.test}: statistic {_f(f.statistic)}{pv}, effect size {_f(f.effect_size)}, "
                f"threshold {_f(f.threshold)} -> {'drifted' if f.drifted else 'no drift'}. {f.message} {f.details}"
            )
        )
    if profile is not None:
        left, right = st.columns(2)
        with left:
            st.plotly_chart(
                dplots.column_distribution(profile, f, reference_name=ws.reference.name, current_name=ws.current.name),
                width="stretch",
            )
        if profile.ecdf_x:
            with right:
                st.plotly_chart(
                    dplots.column_ecdf(profile, reference_name=ws.reference.name, current_name=ws.current.name),
                    width="stretch",
                )
    show_table(results_table(order), what="columns", column_config=RESULT_COLUMNS)


def quality_tab(ws: Workspace) -> None:
    report = cache.cached_quality(ws, ws.key())
    st.markdown(f"Overall: {STATUS_ICON.get(report.status, '')} **{report.status}**")
    shown = [x for x in report.findings if x.status != "pass"]
    if not shown:
        st.success("No data-quality problem found between the two files.")
    for finding in shown:
        icon = STATUS_ICON.get(finding.status, "")
        with st.expander(
            f"{icon} {finding.check.replace('_', ' ')}" + (f" · {finding.column}" if finding.column else ""),
            expanded=finding.status == "fail",
        ):
            st.markdown(md(finding.message))
            if finding.examples:
                st.caption("Example rows")
                show_table(pd.DataFrame(list(finding.examples)), what="example rows")
    show_table(
        pd.DataFrame(
            [
                {
                    "column": c.name,
                    "kind": c.kind.value,
                    "status": c.status,
                    "missing (reference)": c.missing_reference,
                    "missing (current)": c.missing_current,
                    "out of range": c.out_of_range_share,
                    "new categories": c.new_categories,
                    "vanished categories": c.vanished_categories,
                    "constant": c.constant,
                }
                for c in report.columns
            ]
        ),
        what="columns",
        shares=("missing (reference)", "missing (current)", "out of range"),
    )


def multivariate_tab(ws: Workspace) -> None:
    dc = cache.cached_domain_classifier(ws, ws.key())
    st.subheader("Can a classifier tell current rows from reference rows?")
    if dc.status != "ok":
        st.warning(md(dc.message))
    else:
        c1, c2 = st.columns(2)
        c1.metric("ROC AUC", number(dc.auc), help=f"0.5 means indistinguishable. {dc.ci_method}.")
        c2.metric("95% interval", f"{number(dc.ci_low)} – {number(dc.ci_high)}")
        (st.error if dc.drifted else st.success)(md(dc.message))
        st.plotly_chart(cplots.domain_reliance(dc), width="stretch")
    pca = cache.cached_pca(ws, ws.key())
    st.subheader("Does the joint structure of the data still fit?")
    if pca.status != "ok":
        st.warning(md(pca.message))
    else:
        (st.error if pca.drifted else st.success)(md(pca.message))
        st.plotly_chart(cplots.reconstruction_chunks(pca), width="stretch")


def predictions_tab(ws: Workspace, config_key: str) -> None:
    preds, target = cache.cached_prediction_drift(ws, ws.key(), config_key)
    st.subheader("The model's outputs")
    if preds is None:
        st.info("No model and no prediction columns are loaded, so output drift cannot be measured.")
    else:
        (st.error if preds.drifted else st.success)(md(preds.message))
        show_table(results_table(preds.features), what="outputs", column_config=RESULT_COLUMNS)
    st.subheader("The target")
    if target is None:
        st.info("No target column is marked (Model & data page).")
    else:
        (st.error if target.drifted else st.info)(md(target.message))
        if target.classes:
            show_table(
                pd.DataFrame(
                    {
                        "class": [ws.class_label(c) for c in target.classes],
                        "share in reference": list(target.reference_shares),
                        "share in current": list(target.current_shares),
                    }
                ),
                what="classes",
                shares=("share in reference", "share in current"),
            )


def over_time_tab(ws: Workspace, config_key: str) -> None:
    has_time = ws.roles.timestamp is not None
    c1, c2 = st.columns(2)
    modes = ["period", "size"] if has_time else ["size"]
    mode = c1.radio(
        "Windows",
        modes,
        horizontal=True,
        key="drift_window_mode",
        format_func=lambda m: "by calendar period" if m == "period" else "by number of rows",
    )
    if mode == "period":
        period = c2.selectbox(
            "Period",
            ["D", "W", "M"],
            index=1,
            key="drift_period",
            format_func={"D": "day", "W": "week", "M": "month"}.get,
        )
        size = None
    else:
        default = max(100, len(ws.current.frame) // 10)
        size = int(
            c2.number_input(
                "Rows per window", 30, max(30, len(ws.current.frame)), value=default, step=50, key="drift_window_size"
            )
        )
        period = None
    if not has_time:
        st.caption("No timestamp column is marked: windows follow the row order of the current file.")
    result = cache.cached_over_time(ws, ws.key(), config_key, mode, size, period)
    if result.message:
        st.caption(md(result.message))
    if result.features:
        names = list(result.features)
        shares = [(w.drifted_share or 0) for w in result.windows if w.status == "ok"]
        default = names[0]
        if shares:
            # the column that drifted in most windows
            counts = [sum(w.drifted[i] for w in result.windows if w.status == "ok") for i in range(len(names))]
            default = names[max(range(len(names)), key=counts.__getitem__)]
        feature = st.selectbox("Column", names, index=names.index(default), key="drift_time_column")
        st.plotly_chart(cplots.drift_over_time(result, feature), width="stretch")
        small = [w for w in result.windows if w.status != "ok"]
        for w in small:
            st.caption(md(f"Window {w.start} – {w.end}: {w.message}"))
    st.subheader("Change points in the model's output stream")
    if not ws.has_predictions:
        st.info("Needs a model or prediction columns.")
        return
    cp = cache.cached_change_points(ws, ws.key())
    st.markdown(md(cp.message))
    if cp.trace_index:
        st.plotly_chart(cplots.change_points(cp), width="stretch")


def impact_tab(ws: Workspace, config_key: str) -> None:
    if not ws.has_model:
        st.info(
            "Whether a drift matters depends on how much the model relies on the column, which needs "
            "a model file (predictions read from columns cannot be re-scored)."
        )
        return
    impact = cache.cached_impact(ws, ws.key(), config_key)
    if impact.status != "ok":
        st.warning(md(impact.message))
        return
    st.markdown(md(impact.message))
    st.caption(
        md(
            f"Reliance: {impact.method} ({impact.scoring}) when each column is shuffled, on "
            f"{count(impact.n_rows_used)} reference rows × {count(impact.n_repeats)} repeats (seed {impact.seed})."
        )
    )
    st.plotly_chart(cplots.impact_ranking(impact), width="stretch")
    show_table(
        pd.DataFrame(
            [
                {
                    "column": it.feature,
                    "effect size": it.effect_size,
                    "drifted": it.drifted,
                    "reliance": it.reliance,
                    "impact": it.impact,
                    "used by model": it.used_by_model,
                }
                for it in impact.items
            ]
        ),
        what="columns",
        shares=("reliance",),
    )


def export_tab(ws: Workspace, result, target, config_key: str) -> None:
    payload = result.to_dict()
    payload["reference"], payload["current"] = ws.reference.name, ws.current.name
    st.download_button(
        "Download drift result (JSON)",
        json.dumps(payload, indent=2, allow_nan=False),
        file_name="drift.json",
        mime="application/json",
    )
    st.markdown(
        "**Evidently report.** The same columns, tests and thresholds as an Evidently "
        "DataDriftPreset report, for teams that already use Evidently. Its HTML embeds the raw "
        "values of every column."
    )
    if st.button("Build the Evidently report", key="build_evidently"):
        st.session_state["evidently_for"] = (ws.key(), config_key)
    if st.session_state.get("evidently_for") == (ws.key(), config_key):
        export = cache.cached_evidently(ws, ws.key(), config_key)
        st.caption(md(export.note))
        c1, c2 = st.columns(2)
        c1.download_button("Download Evidently HTML", export.html, file_name="evidently_drift.html", mime="text/html")
        c2.download_button(
            "Download Evidently JSON", export.json, file_name="evidently_drift.json", mime="application/json"
        )
