"""Sections of the Compare models page (and the challenger's part of other pages): widgets, figures and text;
the work is in :mod:`dashboard.compare_cache`."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from dashboard.compare_cache import Settings, cached_comparison, is_cached
from dashboard.shared import md
from dashboard.tables import show_table
from robustness.compare import TEST_LABELS, ComparisonResult
from robustness.formatting import count, number, share
from robustness.plots import compare as cplots
from robustness.plots.wording import metric_label
from robustness.report.story import VERDICT_WORDS
from robustness.workspace import Workspace

__all__ = [
    "VERDICT_ICONS",
    "VERDICT_WORDS",
    "comparison",
    "disagreement_section",
    "importance_section",
    "metrics_section",
    "no_challenger",
    "stress_section",
    "verdict_box",
]

VERDICT_ICONS = {"better": "✅", "worse": "❌", "no_difference": "⚖️"}


def no_challenger() -> None:
    st.info(
        "Load a challenger to compare: on 'Model & data', upload a second model file for the same target (a "
        "retrained candidate, say) under 'Challenger model (optional)'. This page then tests, on the same rows, "
        "whether it is better than the loaded model, where the two disagree and how robust each is. The credit "
        "demo ships one."
    )


def comparison(ws: Workspace, settings: Settings) -> ComparisonResult:
    """The workspace's comparison: from the cache, or computed now with a status box and a progress bar."""
    if is_cached(ws, settings):
        return cached_comparison(ws, settings)
    with st.status("Comparing the two models on the same rows…", expanded=True) as status:
        bar = st.progress(0.0, text="Starting…")
        start = time.perf_counter()
        try:
            result = cached_comparison(
                ws, settings, progress=lambda done, label: bar.progress(min(max(done, 0.0), 1.0), text=label)
            )
        except Exception:
            status.update(label="The comparison could not run", state="error", expanded=False)
            raise
        status.update(label=f"Compared in {number(time.perf_counter() - start)} s", state="complete", expanded=False)
    return result


def verdict_box(result: ComparisonResult) -> None:
    """The verdict paragraph, its first sentence in bold, in a box coloured by what it says."""
    first, _, rest = result.summary.partition(". ")
    box = {"better": st.success, "worse": st.error}.get(result.verdict, st.info)
    box(f"**{md(first)}.** {md(rest)}", icon=VERDICT_ICONS[result.verdict])
    for finding in result.findings:
        st.warning(md(finding), icon="🔎")
    for note in result.notes:
        st.caption(md(note))


def metrics_section(result: ComparisonResult, *, plain: bool) -> None:
    st.plotly_chart(cplots.metric_differences(result, plain=plain), width="stretch")
    if not result.metrics:
        return
    level = share(result.level)
    st.caption(
        f"The difference is challenger − champion on the same rows, with a paired bootstrap {level} interval "
        f"({count(result.n_boot)} resamples of rows, both models together). A difference counts when its test "
        f"gives a p-value below {number(result.alpha)} and its interval excludes 0. ↑ higher is better, ↓ lower "
        "is better."
    )
    show_table(
        pd.DataFrame(
            [
                {
                    "data": m.data,
                    "metric": metric_label(m.name, plain=plain) + (", macro" if m.details.get("per_class") else ""),
                    "champion": m.champion,
                    "challenger": m.challenger,
                    "difference": m.difference,
                    f"{level} low": m.low,
                    f"{level} high": m.high,
                    "p-value": m.p_value,
                    "test": TEST_LABELS.get(m.test, m.test),
                    "challenger is": cplots.DIRECTION_WORDS[m.direction],
                    "rows": m.n_rows,
                }
                for m in result.metrics
            ]
        ),
        what="metrics",
    )
    _per_class_auc(result)


def _per_class_auc(result: ComparisonResult) -> None:
    """A multiclass model's ROC AUC class by class: the macro AUC above is their mean."""
    macro = [m for m in result.metrics if m.details.get("per_class")]
    if not macro:
        return
    with st.expander("ROC AUC class by class", expanded=False):
        st.caption(
            "A multiclass model's ROC AUC is the macro one-vs-rest AUC: each class's AUC against the other classes, "
            "averaged. DeLong's test is for one binary AUC; its one-vs-rest form above tests the macro difference "
            "(the classes share the rows). Here each class's own DeLong p-value, and Holm's adjustment of it for "
            "testing every class."
        )
        show_table(
            pd.DataFrame(
                [
                    {
                        "data": m.data,
                        "class": str(row["class"]),
                        "champion": row["champion"],
                        "challenger": row["challenger"],
                        "difference": row["difference"],
                        "p-value": row["p_value"],
                        "Holm p-value": row["p_holm"],
                    }
                    for m in macro
                    for row in m.details["per_class"]
                ]
            ),
            what="classes",
        )


def disagreement_section(result: ComparisonResult) -> None:
    if not result.disagreement:
        return
    cols = st.columns(len(result.disagreement))
    for col, d in zip(cols, result.disagreement):
        col.metric(
            f"They disagree on ({d.data})",
            share(d.share),
            help=f"Of {count(d.n_rows)} {d.data} rows"
            + (f"; predictions more than {number(d.tolerance)} apart" if d.tolerance is not None else "")
            + ".",
        )
        if d.champion_right is not None:
            col.caption(
                f"Where they disagree, the champion is right on {share(d.champion_right)} of labelled rows, the "
                f"challenger on {share(d.challenger_right)}."
            )
    data = "current" if any(d.data == "current" for d in result.disagreement) else result.disagreement[0].data
    st.plotly_chart(cplots.disagreement_segments(result, data), width="stretch")
    d = next(x for x in result.disagreement if x.data == data)
    if d.segments:
        show_table(
            pd.DataFrame(
                [
                    {
                        "segment": s.rule,
                        "rows": s.size,
                        "share of the data": s.share,
                        "they disagree on": s.disagreement,
                        "champion right": s.champion_right,
                        "challenger right": s.challenger_right,
                    }
                    for s in d.segments
                ]
            ),
            what="segments",
            shares=("share of the data", "they disagree on", "champion right", "challenger right"),
        )
        st.caption(
            "Segments found by a shallow decision tree on where the two disagree; 'right' counts the labelled rows "
            "of the segment where the two disagree."
        )


def stress_section(result: ComparisonResult) -> None:
    st.plotly_chart(cplots.stress_flips(result), width="stretch")
    judged = [s for s in result.stress if s.judged]
    if not judged:
        return
    classifier = result.task != "regression"
    worse = sum(s.more_robust == "champion" for s in judged)
    better = sum(s.more_robust == "challenger" for s in judged)
    st.caption(
        f"Each perturbation at the severity its verdict is judged at, on the same rows and seed for both. The "
        f"challenger is more fragile under {count(worse)} of {count(len(judged))} perturbations and more robust "
        f"under {count(better)} (a gap under 1 point counts as the same)."
    )
    show_table(
        pd.DataFrame(
            [
                {
                    "perturbation": s.label,
                    "severity": s.severity,
                    "champion": s.champion,
                    "challenger": s.challenger,
                    "more robust": s.more_robust,
                    "champion status": s.champion_status,
                    "challenger status": s.challenger_status,
                }
                for s in judged
            ]
        ),
        what="perturbations",
        shares=("champion", "challenger") if classifier else (),
    )


def importance_section(result: ComparisonResult) -> None:
    st.plotly_chart(cplots.importance_ranks(result), width="stretch")
    if not result.importance:
        return
    st.caption(
        "Permutation importance: how much each model's score drops when the column's values are shuffled among the "
        "current rows; the columns whose importance changed most come first, with each one's rank (1 = the column "
        "a model relies on most)."
    )
    show_table(
        pd.DataFrame(
            [
                {
                    "column": i.feature,
                    "champion": i.champion,
                    "challenger": i.challenger,
                    "champion rank": i.champion_rank,
                    "challenger rank": i.challenger_rank,
                    "rank change": i.rank_change,
                }
                for i in result.importance
            ]
        ),
        what="columns",
        counts=("champion rank", "challenger rank", "rank change"),
    )
