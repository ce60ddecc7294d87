"""Weak segments and group metrics.

:func:`weak_segments` finds slices of the data where the model errs much more than overall:
a shallow regression tree (scikit-learn, depth ≤ 3, leaves of at least ``min_size`` rows) is
fitted to the per-row error (classifiers: 1 for a wrong prediction; regressors: |error|) on the
input columns. Categorical columns enter as their categories ordered by mean error, so one split
can group any categories ("region in {North, East}"). Each leaf whose error is above the overall
one whose bootstrap interval of the metric (accuracy or MAE) excludes the overall value becomes a
readable rule with its size, metric and interval; leaves are ranked by the excess error they
carry (size × gap).

:func:`group_metrics` gives the headline metric per group of a column the user marks as
sensitive, with intervals, and the largest gap between groups (groups smaller than
``min_group`` rows are listed but left out of the gap, with a note).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from robustness.errors import DataError
from robustness.formatting import count, interval, number
from robustness.jsonsafe import to_json_safe
from robustness.models import ModelAdapter
from robustness.performance.evaluate import _predict, labelled
from robustness.performance.metrics import LABELS, Labelled, metric_values

if TYPE_CHECKING:
    from sklearn.tree import DecisionTreeRegressor

__all__ = ["Condition", "GroupMetrics", "Segment", "group_metrics", "weak_segments"]

# one step of a rule, (column, op, value): "<" / ">=" a float bound, "in" a tuple of categories (as text),
# "present" (value None) when the column's missing values went the other way
ConditionOp = Literal["<", ">=", "in", "present"]
Condition = tuple[str, ConditionOp, Any]


@dataclass(frozen=True)
class Segment:
    rule: str  # "income < 20,000 and region in {North}"
    conditions: tuple[Condition, ...]
    size: int
    share: float
    metric: str  # "accuracy" | "mae"
    value: float
    low: float | None
    high: float | None
    overall: float

    @property
    def text(self) -> str:
        """The segment in the one number format: "income < 20,300: Accuracy 0.678 against 0.83 overall (950 rows,
        95% interval 0.653–0.706)"."""
        return self.sentence(LABELS.get(self.metric, self.metric))

    def sentence(self, metric_name: str) -> str:
        """:attr:`text` with the metric called ``metric_name`` (a page's plain name for it, say)."""
        within = (
            f", 95% interval {interval(self.low, self.high)}" if self.low is not None and self.high is not None else ""
        )
        return (
            f"{self.rule}: {metric_name} {number(self.value)} against {number(self.overall)} overall "
            f"({count(self.size)} rows{within})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "conditions": [[c, op, to_json_safe(v)] for c, op, v in self.conditions],
            "size": self.size,
            "share": self.share,
            "metric": self.metric,
            "value": to_json_safe(self.value),
            "low": to_json_safe(self.low),
            "high": to_json_safe(self.high),
            "overall": to_json_safe(self.overall),
            "text": self.text,
        }


def _row_errors(d: Labelled) -> np.ndarray:
    return (d.pred != d.y).astype(float) if d.classifier else np.abs(d.pred - d.y)


def encode_for_tree(frame: pd.DataFrame, err: np.ndarray) -> tuple[np.ndarray, dict[str, list[str] | None]]:
    """``frame`` as a float matrix for a decision tree over the errors ``err``: categories as codes ordered by
    their mean error (the order per column; None for numeric columns), missing values as NaN."""
    cols: list[np.ndarray] = []
    orders: dict[str, list[str] | None] = {}
    for c in frame.columns:
        s = frame[c]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            v = s.to_numpy(dtype=float, na_value=np.nan)
            cols.append(np.where(np.isfinite(v), v, np.nan))
            orders[c] = None
        else:
            present = s.notna().to_numpy()
            text = np.array([str(x) if ok else None for x, ok in zip(s.astype(object), present)], dtype=object)
            means = pd.Series(err, index=frame.index).groupby(text).mean().sort_values()
            order = list(means.index)
            code = {v: i for i, v in enumerate(order)}
            cols.append(np.array([np.nan if v is None else code[v] for v in text], dtype=float))
            orders[c] = order
    return np.column_stack(cols), orders


def weak_segments(
    model: ModelAdapter,
    data: pd.DataFrame,
    *,
    target: str,
    features: Sequence[str] | None = None,
    max_depth: int = 3,
    min_size: int | None = None,
    n_boot: int = 200,
    seed: int = 0,
    max_segments: int = 5,
) -> tuple[Segment, ...]:
    from sklearn.tree import DecisionTreeRegressor

    d, _ = labelled(model, data, target)
    if d.n < 40:
        raise DataError(f"Only {d.n} labelled rows: finding weak segments needs at least 40.")
    frame = data[data[target].notna()]
    feats = [c for c in (features or model.feature_names or []) if c in frame.columns and c != target]
    if not feats:
        raise DataError("No input column to describe segments with.")
    err = _row_errors(d)
    X, orders = encode_for_tree(frame[feats], err)
    min_size = min_size or max(30, int(0.02 * d.n))
    tree = DecisionTreeRegressor(max_depth=max_depth, min_samples_leaf=min_size, random_state=seed)
    # missing values go their own way: scikit-learn trees route NaN natively
    tree.fit(X, err)
    leaves = tree.apply(X)
    headline = "accuracy" if d.classifier else "mae"
    overall = float(1 - err.mean()) if d.classifier else float(err.mean())
    paths = leaf_paths(tree, feats, orders, {c for j, c in enumerate(feats) if np.isnan(X[:, j]).any()})
    out: list[tuple[float, Segment]] = []
    for leaf in np.unique(leaves):
        rows = leaves == leaf
        if err[rows].mean() <= err.mean():
            continue
        sub = Labelled(d.y[rows], d.pred[rows], None, d.classes)
        m = metric_values(sub, n_boot=n_boot, seed=seed, names=(headline,))[0]
        if (
            m.value is None
            or m.low is None
            or m.high is None
            or (m.high >= overall if d.classifier else m.low <= overall)
        ):
            continue  # not clearly worse than overall: its interval reaches the overall value
        conds = paths[leaf]
        out.append(
            (
                float(rows.sum() * (err[rows].mean() - err.mean())),
                Segment(
                    rule_text(conds),
                    tuple(conds),
                    int(rows.sum()),
                    float(rows.mean()),
                    headline,
                    float(m.value),
                    m.low,
                    m.high,
                    overall,
                ),
            )
        )
    out.sort(key=lambda t: -t[0])
    return tuple(s for _, s in out[:max_segments])


def leaf_paths(
    tree: DecisionTreeRegressor, feats: Sequence[str], orders: Mapping[str, Sequence[str] | None], gaps: set[str]
) -> dict[int, list[Condition]]:
    """leaf -> the conditions (column, op, value) on the way to it in a fitted tree over :func:`encode_for_tree`."""
    t = tree.tree_
    out: dict[int, list[Condition]] = {}

    def walk(node: int, conds: list[Condition]) -> None:
        if t.children_left[node] == -1:
            out[node] = _simplify(conds)
            return
        col, thr = feats[t.feature[node]], t.threshold[node]
        order = orders[col]
        nan_left = bool(t.missing_go_to_left[node]) if hasattr(t, "missing_go_to_left") else True
        left: Condition
        right: Condition
        if order is None:
            left, right = (col, "<", float(thr)), (col, ">=", float(thr))
        else:
            cut = int(math.floor(thr)) + 1
            left, right = (col, "in", tuple(order[:cut])), (col, "in", tuple(order[cut:]))
        present: list[Condition] = [(col, "present", None)] if col in gaps else []  # missing values go one way only
        walk(t.children_left[node], conds + [left] + ([] if nan_left else present))
        walk(t.children_right[node], conds + [right] + ([] if not nan_left else present))

    walk(0, [])
    return out


def _simplify(conds: Sequence[Condition]) -> list[Condition]:
    """Merge conditions on the same column: the tightest bounds, the intersection of category sets."""
    merged: dict[tuple[str, ConditionOp], Any] = {}
    for col, op, v in conds:
        key = (col, op)
        if key not in merged:
            merged[key] = v
        elif op == "<":
            merged[key] = min(merged[key], v)
        elif op == ">=":
            merged[key] = max(merged[key], v)
        elif op == "in":
            merged[key] = tuple(x for x in merged[key] if x in v)
    return [(c, op, v) for (c, op), v in merged.items()]


def rule_text(conds: Sequence[Condition]) -> str:
    """A leaf's conditions as one readable rule, e.g. "age < 30 and plan = basic"."""
    parts: list[str] = []
    for col, op, v in conds:
        if op == "present":
            continue
        if op == "in":
            parts.append(f"{col} = {v[0]}" if len(v) == 1 else f"{col} in {{{', '.join(map(str, v))}}}")
        else:
            parts.append(f"{col} {op} {number(v)}")
    return " and ".join(parts) or "all rows"


@dataclass(frozen=True)
class GroupMetrics:
    column: str
    metric: str
    groups: tuple[tuple[str, int, float | None, float | None, float | None], ...]  # (group, n, value, low, high)
    gap: float | None  # largest - smallest value among groups of at least min_group rows
    best: str | None
    worst: str | None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "metric": self.metric,
            "gap": to_json_safe(self.gap),
            "best": self.best,
            "worst": self.worst,
            "notes": list(self.notes),
            "groups": [
                {"group": g, "n": n, "value": to_json_safe(v), "low": to_json_safe(lo), "high": to_json_safe(hi)}
                for g, n, v, lo, hi in self.groups
            ],
        }


def group_metrics(
    model: ModelAdapter,
    data: pd.DataFrame,
    *,
    target: str,
    column: str,
    min_group: int = 30,
    n_boot: int = 200,
    seed: int = 0,
    max_groups: int = 30,
) -> GroupMetrics:
    if column not in data.columns:
        raise DataError(f"There is no column '{column}' to group by.")
    frame = data[data[target].notna()] if target in data.columns else data
    pred, proba = _predict(model, frame, "current")
    d, _ = labelled(model, frame, target, predictions=(pred, proba))
    headline = "accuracy" if d.classifier else "mae"
    keys = frame[column].astype(object).where(frame[column].notna(), "(missing)").map(str).to_numpy()
    counts = pd.Series(keys).value_counts()
    notes: list[str] = []
    if len(counts) > max_groups:
        notes.append(f"'{column}' has {len(counts)} groups; the {max_groups} largest are shown.")
        counts = counts.iloc[:max_groups]
    rows: list[tuple[str, int, float | None, float | None, float | None]] = []
    for g, n in counts.items():
        mask = keys == g
        sub = Labelled(d.y[mask], d.pred[mask], None if d.proba is None else d.proba[mask], d.classes)
        m = metric_values(sub, n_boot=n_boot if n >= 2 else 0, seed=seed, names=(headline,))[0]
        rows.append((str(g), int(n), m.value, m.low, m.high))
    small = [g for g, n, *_ in rows if n < min_group]
    if small:
        notes.append(
            f"Groups with fewer than {min_group} rows ({', '.join(small[:5])}) are shown but left out of "
            "the gap: their metric is too uncertain."
        )
    judged = [(g, v) for g, n, v, *_ in rows if n >= min_group and v is not None]
    if len(judged) >= 2:
        higher_better = d.classifier
        best = max(judged, key=lambda t: t[1] if higher_better else -t[1])
        worst = min(judged, key=lambda t: t[1] if higher_better else -t[1])
        gap = abs(best[1] - worst[1])
        return GroupMetrics(column, headline, tuple(rows), gap, best[0], worst[0], tuple(notes))
    notes.append("Fewer than two groups are large enough to compare.")
    return GroupMetrics(column, headline, tuple(rows), None, None, None, tuple(notes))
