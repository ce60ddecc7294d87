"""Drift that matters: how much the model relies on each drifted column.

Reliance is permutation importance on a reference sample (at most ``max_rows`` rows, ``n_repeats``
shuffles per column, seeded), computed with a small loop over the model adapter:

- with labels (``target`` given and present): the drop in ROC AUC (binary, with probabilities),
  accuracy (multiclass, or a classifier without probabilities) or R² (regression) when the column is
  shuffled; negative drops count as 0;
- without labels: the mean absolute change of the model's output when the column is shuffled (the
  positive-class probability for binary classifiers, half the summed absolute change of all class
  probabilities for multiclass, the prediction for regressors, the share of changed predicted classes
  for classifiers without probabilities).

Reliance is normalised to sum 1 over the model's input columns; columns the model does not take get 0.
The impact of a column is its drift effect size (from the drift result) times its reliance. The
summary calls a drift strong from effect size 0.3, moderate from 0.1 (the engine's default distance
threshold), slight below; "relies on" means at least 5% of the reliance, "barely uses" under 2%.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from robustness.drift.results import DriftResult
from robustness.jsonsafe import finite_or_none
from robustness.models import ModelAdapter, Task

__all__ = ["ImpactItem", "ImpactResult", "drift_impact"]

RELIES = 0.05  # a column with at least this share of the reliance is one the model relies on
BARELY = 0.02  # below this share the model barely uses the column


@dataclass(frozen=True)
class ImpactItem:
    feature: str
    effect_size: float | None
    drifted: bool
    reliance: float  # share of the model's total reliance, 0..1
    impact: float | None  # effect_size × reliance
    importance: float  # raw mean score drop (or output change) when shuffled
    importance_std: float
    used_by_model: bool


@dataclass(frozen=True)
class ImpactResult:
    status: str  # "ok" | "skipped"
    message: str  # the plain-language summary, or why it was skipped
    items: tuple[ImpactItem, ...] = ()  # ranked by impact, highest first
    relied_drifted: tuple[str, ...] = ()  # drifted columns the model relies on
    ignored_drifted: tuple[str, ...] = ()  # drifted columns the model barely uses
    method: str = ""  # "score drop" | "output change"
    scoring: str = ""  # "roc_auc" | "accuracy" | "r2" | "mean absolute output change"
    baseline_score: float | None = None
    n_rows_used: int = 0
    n_repeats: int = 0
    seed: int = 0

    def item(self, name: str) -> ImpactItem:
        for it in self.items:
            if it.feature == name:
                return it
        raise KeyError(name)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["items"] = [
            {
                **asdict(it),
                **{
                    k: finite_or_none(getattr(it, k))
                    for k in ("effect_size", "reliance", "impact", "importance", "importance_std")
                },
            }
            for it in self.items
        ]
        d["relied_drifted"], d["ignored_drifted"] = list(self.relied_drifted), list(self.ignored_drifted)
        d["baseline_score"] = finite_or_none(self.baseline_score)
        return d


def _scorer(model: ModelAdapter, X: pd.DataFrame, y: pd.Series | None):
    """(method, scoring name, score(X) -> float where higher is better, or output(X) -> array)."""
    from sklearn.metrics import accuracy_score, r2_score, roc_auc_score

    if y is not None:
        if model.task is Task.REGRESSION:
            yt = pd.to_numeric(y, errors="coerce").to_numpy(dtype=float)
            return "score drop", "r2", lambda Z: r2_score(yt, model.predict(Z))
        ys = np.array([str(v) for v in y], dtype=object)
        classes = [str(c) for c in (model.classes or [])]
        if model.task is Task.BINARY and model.has_proba and len(classes) == 2 and len(set(ys)) == 2:
            pos = ys == classes[1]
            return "score drop", "roc_auc", lambda Z: roc_auc_score(pos, model.predict_proba(Z)[:, 1])
        return "score drop", "accuracy", lambda Z: accuracy_score(ys, [str(v) for v in model.predict(Z)])
    if model.task is Task.REGRESSION:
        return (
            "output change",
            "mean absolute output change",
            lambda Z: pd.to_numeric(pd.Series(model.predict(Z)), errors="coerce").to_numpy(dtype=float),
        )
    if model.has_proba:
        if model.task is Task.BINARY:
            return "output change", "mean absolute output change", lambda Z: model.predict_proba(Z)[:, 1]
        return "output change", "mean absolute output change", lambda Z: model.predict_proba(Z) / 2.0
    return (
        "output change",
        "share of changed predictions",
        lambda Z: np.array([str(v) for v in model.predict(Z)], dtype=object),
    )


def _reliance(model: ModelAdapter, X: pd.DataFrame, y, columns: list[str], n_repeats: int, seed: int):
    method, scoring, fn = _scorer(model, X, y)
    rng = np.random.default_rng(seed)
    base = fn(X)
    baseline = float(base) if method == "score drop" else None
    imp = np.zeros((len(columns), n_repeats))
    for j, c in enumerate(columns):
        for r in range(n_repeats):
            Z = X.copy()
            Z[c] = X[c].to_numpy()[rng.permutation(len(X))]
            out = fn(Z)
            if baseline is not None:  # "score drop"
                imp[j, r] = baseline - float(out)
            elif out.dtype == object:
                imp[j, r] = float(np.mean(out != base))
            else:
                diff = np.abs(np.asarray(out, float) - np.asarray(base, float))
                imp[j, r] = float(np.nanmean(diff.sum(axis=1) if diff.ndim == 2 else diff))
    return method, scoring, baseline, imp.mean(axis=1), imp.std(axis=1)


def drift_impact(
    model: ModelAdapter,
    reference: pd.DataFrame,
    drift_result: DriftResult,
    *,
    target: str | None = None,
    n_repeats: int = 5,
    seed: int = 0,
    max_rows: int = 5000,
) -> ImpactResult:
    """Rank drifted columns by effect size × the model's reliance on them. See the module docstring."""
    if not model.has_model:
        return ImpactResult(
            "skipped",
            "How much the model relies on each column can only be measured with the "
            "model itself: only its predictions were loaded. Load the model file to see which "
            "drifted columns matter.",
        )
    drift_cols = [f.feature for f in drift_result.features]
    inputs = (
        list(model.feature_names)
        if model.feature_names is not None
        else [c for c in drift_cols if c in reference.columns]
    )
    missing = [c for c in inputs if c not in reference.columns]
    if missing:
        return ImpactResult(
            "skipped",
            f"The reference data lacks column(s) the model needs: "
            f"{', '.join(missing)}. Load reference data with the model's input columns.",
        )
    data = reference
    y = None
    if target is not None and target in reference.columns:
        data = reference[reference[target].notna()]
        y = data[target]
        if len(data) == 0:
            data, y = reference, None
    if len(data) > max_rows:
        data = data.iloc[np.sort(np.random.default_rng(seed).choice(len(data), max_rows, replace=False))]
        y = None if y is None else data[target]
    if len(data) < 10:
        return ImpactResult(
            "skipped",
            f"The reference data has {len(data)} rows; at least 10 are needed to "
            "measure how much the model relies on each column.",
        )
    X = data.reset_index(drop=True)
    y = None if y is None else y.reset_index(drop=True)
    tested = [c for c in inputs if c in drift_cols]
    method, scoring, baseline, imp, std = _reliance(model, X, y, tested, n_repeats, seed)
    pos = np.clip(np.nan_to_num(imp), 0.0, None)
    total = pos.sum()
    share = dict(zip(tested, pos / total if total > 0 else pos))
    raw = dict(zip(tested, zip(imp, std)))
    items = []
    for f in drift_result.features:
        rel = float(share.get(f.feature, 0.0))
        eff = finite_or_none(f.effect_size) if f.status == "ok" else None
        im, sd = raw.get(f.feature, (0.0, 0.0))
        items.append(
            ImpactItem(
                f.feature,
                eff,
                bool(f.drifted),
                rel,
                None if eff is None else eff * rel,
                float(np.nan_to_num(im)),
                float(np.nan_to_num(sd)),
                f.feature in inputs,
            )
        )
    items.sort(key=lambda it: (it.impact is None, -(it.impact or 0.0), -it.reliance))
    relied = tuple(it.feature for it in items if it.drifted and it.reliance >= RELIES)
    ignored = tuple(it.feature for it in items if it.drifted and it.reliance < BARELY)
    msg = _summary(items, relied, ignored, total > 0)
    return ImpactResult(
        "ok", msg, tuple(items), relied, ignored, method, scoring, finite_or_none(baseline), len(X), n_repeats, seed
    )


def _strength(effect: float | None) -> str:
    """Plain words for an effect size on the engine's distance scale (distance tests drift at 0.1)."""
    if effect is None:
        return "drifted"
    word = "strongly" if effect >= 0.3 else "moderately" if effect >= 0.1 else "slightly"
    return f"drifted {word}, effect size {effect:.2f}"


def _summary(items: list[ImpactItem], relied: tuple, ignored: tuple, any_reliance: bool) -> str:
    by = {it.feature: it for it in items}
    if not any_reliance:
        return (
            "Shuffling any single column does not change the model's results on the reference sample, so "
            "its reliance on each column could not be measured."
        )
    drifted = [it for it in items if it.drifted]
    if not drifted:
        top = [it for it in sorted(items, key=lambda it: -it.reliance) if it.reliance > 0][:2]
        names = " and ".join(f"{it.feature} ({it.reliance:.0%})" for it in top)
        return f"No column has drifted. The model relies most on {names}."
    parts = []
    if relied:
        desc = [f"{c} ({by[c].reliance:.0%} of its reliance; {_strength(by[c].effect_size)})" for c in relied]
        listed = desc[0] if len(desc) == 1 else f"{'; '.join(desc[:-1])} and {desc[-1]}"
        parts.append(
            f"The model relies on drifted column{'s' if len(relied) > 1 else ''} {listed}. "
            f"{'These drifts' if len(relied) > 1 else 'This drift'} can change its predictions."
        )
    else:
        parts.append(
            "None of the drifted columns carries much of the model's reliance (each under "
            f"{RELIES:.0%}), so the drift is unlikely to change its predictions much."
        )
    if ignored:
        verb = "drifted but the model barely uses it" if len(ignored) == 1 else "drifted but the model barely uses them"
        parts.append(f"{', '.join(ignored)} {verb}.")
    middle = [it.feature for it in drifted if it.feature not in relied and it.feature not in ignored]
    if middle:
        parts.append(
            f"{', '.join(middle)} drifted and carr{'ies' if len(middle) == 1 else 'y'} a small part "
            f"of the model's reliance ({BARELY:.0%}–{RELIES:.0%})."
        )
    return " ".join(parts)
