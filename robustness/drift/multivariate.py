"""Multivariate drift: changes that no single column shows on its own.

``domain_classifier``
    A histogram gradient-boosting classifier (native categorical support) learns to tell reference rows
    from current rows on a balanced subsample (at most ``max_rows`` per side). Its stratified k-fold
    out-of-fold ROC AUC comes with a DeLong 95% confidence interval (computed on the pooled out-of-fold
    scores). The data drifted when the CI's lower bound exceeds ``0.5 + margin``. Reliance per raw column
    is the permutation importance (drop in ROC AUC) on each held-out fold, averaged over folds.
    Datetime, text and id columns are left out: they tell periods apart trivially.

``pca_reconstruction``
    Numerical columns are imputed with reference medians, the most frequent categories (missing values
    included) one-hot encoded, everything standardised with reference statistics, then a PCA keeping
    ``n_components`` (default 90% of the variance) is fit on the reference. The drift signal is the mean
    Euclidean distance between a row and its reconstruction. Thresholds come from the reference's own
    chunk-to-chunk variability (nannyml style), k-fold style so that no chunk is scored by a PCA fit on
    it: the reference is cut into chunks of ``chunk_size`` rows, and each chunk is scored by an encoder
    and PCA fit on the rest of the reference. The band is mean ± 3 std of those chunk errors. Current
    chunks (in row order) and the whole current data are scored by the encoder and PCA fit on the full
    reference. The data drifted when the whole current error leaves the band, or when at least half of
    the current chunks (and at least two) do: the band is made for chunks, so a mean over all current rows
    inside it can still hide a shift that most chunks show.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from robustness.errors import ConfigError
from robustness.formatting import count, interval, number
from robustness.jsonsafe import finite_or_none
from robustness.schema import ColumnKind

__all__ = [
    "DomainClassifierResult",
    "ReconstructionResult",
    "delong",
    "delong_ci",
    "domain_classifier",
    "domain_matrix",
    "pca_reconstruction",
]

MIN_ROWS = 50
_UNUSED_KINDS = (ColumnKind.DATETIME, ColumnKind.TEXT, ColumnKind.ID)
_MAX_CATEGORIES = 250  # histogram GBM: category codes must stay below max_bins (255)


def _kinds(frame: pd.DataFrame, features: Sequence[str], kinds: Mapping | None) -> dict[str, ColumnKind]:
    from robustness.io.infer import infer_kind

    kinds = dict(kinds or {})
    return {c: ColumnKind(kinds[c]) if c in kinds else infer_kind(frame[c]) for c in features}


def _names(cols: Sequence[str], k: int = 2) -> str:
    cols = list(cols)[:k]
    return " and ".join([", ".join(cols[:-1]), cols[-1]] if len(cols) > 2 else cols) if cols else ""


def _sample(frame: pd.DataFrame, n: int, seed: int, *, keep_order: bool = False) -> pd.DataFrame:
    if len(frame) <= n:
        return frame
    idx = np.random.default_rng(seed).choice(len(frame), n, replace=False)
    return frame.iloc[np.sort(idx) if keep_order else idx]


def _usable(
    reference: pd.DataFrame, current: pd.DataFrame, features: Sequence[str], kinds: Mapping | None
) -> tuple[dict[str, ColumnKind], list[str]]:
    """Features present in both frames and of a usable kind; the rest with reasons."""
    missing = [c for c in features if c not in reference.columns or c not in current.columns]
    present = [c for c in features if c not in missing]
    k = _kinds(reference, present, kinds)
    notes = [f"{c} (not in both datasets)" for c in missing]
    notes += [f"{c} ({k[c].value} column)" for c in present if k[c] in _UNUSED_KINDS]
    return {c: v for c, v in k.items() if v not in _UNUSED_KINDS}, notes


# --------------------------------------------------------------------------- domain classifier
@dataclass(frozen=True)
class DomainClassifierResult:
    status: str  # "ok" | "skipped"
    message: str
    auc: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    ci_method: str = "DeLong 95% CI on pooled out-of-fold scores"
    margin: float = 0.05
    drifted: bool = False
    features: tuple[str, ...] = ()  # ranked by importance, most relied on first
    importances: tuple[float, ...] = ()  # mean drop in ROC AUC when the column is permuted
    importance_std: tuple[float, ...] = ()
    left_out: tuple[str, ...] = ()  # columns not used, with the reason in brackets
    n_rows_used: int = 0  # both sides together
    n_reference_used: int = 0
    n_current_used: int = 0
    folds: int = 0
    seed: int = 0

    def to_dict(self) -> dict:
        d = asdict(self)
        for key in ("auc", "ci_low", "ci_high"):
            d[key] = finite_or_none(d[key])
        for key in ("features", "importances", "importance_std", "left_out"):
            d[key] = [finite_or_none(v) if isinstance(v, float) else v for v in d[key]]
        return d


def domain_matrix(ref: pd.DataFrame, cur: pd.DataFrame, kinds: dict[str, ColumnKind]) -> tuple[np.ndarray, np.ndarray]:
    """Float matrix (categories as codes, missing as NaN) and the categorical mask."""
    both = pd.concat([ref[list(kinds)], cur[list(kinds)]], ignore_index=True)
    cols, is_cat = [], []
    for c, kind in kinds.items():
        s = both[c]
        if kind is ColumnKind.NUMERICAL and s.dtype != bool:
            v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            cols.append(np.where(np.isfinite(v), v, np.nan))
            is_cat.append(False)
        else:
            text = s.astype(str).astype(object)
            text[s.isna().to_numpy()] = None
            s = text
            top = s.value_counts().index[:_MAX_CATEGORIES]
            codes = pd.Categorical(s, categories=top).codes.astype(float)
            other = s.notna().to_numpy() & (codes < 0)
            codes[codes < 0] = np.nan
            codes[other] = len(top)  # rarer categories share one code
            cols.append(codes)
            is_cat.append(True)
    return np.column_stack(cols), np.array(is_cat)


def delong(y: np.ndarray, score: np.ndarray) -> tuple[float, float]:
    """ROC AUC of ``score`` for ``y`` (1 = positive) and its DeLong standard error (midranks handle ties)."""
    from scipy.stats import rankdata

    y = np.asarray(y).astype(bool)
    pos, neg = score[y], score[~y]
    m, n = len(pos), len(neg)
    r_all = rankdata(np.concatenate([pos, neg]))
    v10 = (r_all[:m] - rankdata(pos)) / n  # per positive: share of negatives scored lower
    v01 = 1.0 - (r_all[m:] - rankdata(neg)) / m
    auc = float(v10.mean())
    return auc, math.sqrt(max(np.var(v10, ddof=1) / m + np.var(v01, ddof=1) / n, 0.0))


def delong_ci(y: np.ndarray, score: np.ndarray, *, level: float = 0.95) -> tuple[float, float, float]:
    """ROC AUC and its DeLong confidence interval."""
    from scipy.stats import norm

    auc, se = delong(y, score)
    z = float(norm.ppf(0.5 + level / 2))
    return auc, max(0.0, auc - z * se), min(1.0, auc + z * se)


def _fit_folds(cv, X, y, is_cat, oof, imp, seed, n_repeats) -> None:
    """Out-of-fold scores into ``oof`` and per-fold permutation importances into ``imp``."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.inspection import permutation_importance

    for i, (tr, te) in enumerate(cv.split(X, y)):
        clf = HistGradientBoostingClassifier(
            max_iter=80,
            learning_rate=0.1,
            max_leaf_nodes=15,
            min_samples_leaf=20,
            categorical_features=is_cat,
            early_stopping=False,
            random_state=seed + i,
        )
        clf.fit(X[tr], y[tr])
        oof[te] = clf.predict_proba(X[te])[:, 1]
        pi = permutation_importance(
            clf, X[te], y[te], scoring="roc_auc", n_repeats=n_repeats, random_state=seed + i, n_jobs=1
        )
        imp[i] = pi.importances_mean


def domain_classifier(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    features: Sequence[str],
    kinds: Mapping[str, ColumnKind | str] | None = None,
    folds: int = 5,
    seed: int = 0,
    max_rows: int = 20_000,
    margin: float = 0.05,
    n_repeats: int = 3,
) -> DomainClassifierResult:
    """Can a classifier tell current rows from reference rows? See the module docstring."""
    from sklearn.model_selection import StratifiedKFold
    from threadpoolctl import threadpool_limits

    if isinstance(folds, bool) or not isinstance(folds, int) or folds < 2:
        raise ConfigError(f"folds must be a whole number of at least 2, not {folds!r}.")
    if not 0 <= margin < 0.5:
        raise ConfigError(f"margin must be at least 0 and below 0.5 (an AUC of 0.5 + margin), not {margin!r}.")
    base: dict[str, Any] = dict(margin=margin, folds=folds, seed=seed)
    kinds_used, left_out = _usable(reference, current, features, kinds)
    n = min(len(reference), len(current), max(int(max_rows), MIN_ROWS))
    if min(len(reference), len(current)) < MIN_ROWS:
        return DomainClassifierResult(
            "skipped",
            (
                f"The domain classifier needs at least {MIN_ROWS} rows on each side; the reference has "
                f"{count(len(reference))} and the current data {count(len(current))}. Load more rows."
            ),
            **base,
        )
    if not kinds_used:
        return DomainClassifierResult(
            "skipped",
            "No numerical or categorical feature columns to compare"
            + (f"; left out: {', '.join(left_out)}." if left_out else "."),
            left_out=tuple(left_out),
            **base,
        )
    ref, cur = _sample(reference, n, seed), _sample(current, n, seed + 1)
    empty = [c for c in kinds_used if ref[c].isna().all() and cur[c].isna().all()]
    left_out += [f"{c} (all values missing)" for c in empty]
    kinds_used = {c: k for c, k in kinds_used.items() if c not in empty}
    if not kinds_used:
        return DomainClassifierResult(
            "skipped",
            f"Every feature column is empty; left out: {', '.join(left_out)}.",
            left_out=tuple(left_out),
            **base,
        )
    X, is_cat = domain_matrix(ref, cur, kinds_used)
    y = np.r_[np.zeros(len(ref), int), np.ones(len(cur), int)]
    names = list(kinds_used)
    oof = np.zeros(len(y))
    imp = np.zeros((folds, len(names)))
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    with threadpool_limits(1):  # OpenMP threads spin badly when the CPU is shared: one is as fast here
        _fit_folds(cv, X, y, is_cat, oof, imp, seed, n_repeats)
    auc, lo, hi = delong_ci(y, oof)
    mean, std = imp.mean(axis=0), imp.std(axis=0)
    order = np.argsort(-mean, kind="stable")
    ranked = [names[j] for j in order]
    drifted = lo > 0.5 + margin
    relied = [names[j] for j in order if mean[j] > 0.005] or ranked[:1]
    verdict = (
        "so the data has drifted"
        if drifted
        else f"which is not clearly above {number(0.5 + margin)}, so no multivariate drift is flagged"
    )
    msg = (
        f"A classifier tells current from reference rows with ROC AUC {number(auc)} "
        f"(95% CI {interval(lo, hi)}), {verdict}"
    )
    msg += f"; it relies most on {_names(relied)}." if drifted else "."
    if left_out:
        msg += f" Left out: {', '.join(left_out)}."
    return DomainClassifierResult(
        "ok",
        msg,
        auc=auc,
        ci_low=lo,
        ci_high=hi,
        drifted=bool(drifted),
        features=tuple(ranked),
        importances=tuple(float(mean[j]) for j in order),
        importance_std=tuple(float(std[j]) for j in order),
        left_out=tuple(left_out),
        n_rows_used=len(y),
        n_reference_used=len(ref),
        n_current_used=len(cur),
        **base,
    )


# --------------------------------------------------------------------------- PCA reconstruction
@dataclass(frozen=True)
class ReconstructionResult:
    status: str  # "ok" | "skipped"
    message: str
    drifted: bool = False
    reference_error: float | None = None  # mean of the reference chunks' errors
    current_error: float | None = None  # the whole current data
    lower_threshold: float | None = None
    upper_threshold: float | None = None
    reference_errors: tuple[float, ...] = ()  # one per reference chunk (k-fold style)
    current_errors: tuple[float, ...] = ()  # one per current chunk, in row order
    current_labels: tuple[str, ...] = ()  # "rows 1–400", ...
    current_alerts: tuple[bool, ...] = ()  # chunk outside the band
    chunk_size: int = 0
    n_components: int = 0
    explained_variance: float | None = None
    n_encoded_columns: int = 0
    features: tuple[str, ...] = ()
    left_out: tuple[str, ...] = ()
    n_reference_used: int = 0
    n_current_used: int = 0

    def to_dict(self) -> dict:
        d = asdict(self)
        for key in ("reference_error", "current_error", "lower_threshold", "upper_threshold", "explained_variance"):
            d[key] = finite_or_none(d[key])
        for key in ("reference_errors", "current_errors"):
            d[key] = [finite_or_none(v) for v in d[key]]
        for key in ("current_labels", "current_alerts", "features", "left_out"):
            d[key] = list(d[key])
        return d


class _Encoder:
    """Reference-fitted imputation, top-category one-hot encoding and standardisation."""

    def __init__(self, kinds: dict[str, ColumnKind], top: int = 10):
        self.kinds, self.top = kinds, top

    @staticmethod
    def _cats(s: pd.Series) -> pd.Series:
        return s.astype(object).where(s.notna(), "(missing)").map(str)

    def fit(self, frame: pd.DataFrame) -> _Encoder:
        self.medians, self.categories = {}, {}
        for c, kind in self.kinds.items():
            if kind is ColumnKind.NUMERICAL and frame[c].dtype != bool:
                med = pd.to_numeric(frame[c], errors="coerce").replace([np.inf, -np.inf], np.nan).median()
                self.medians[c] = 0.0 if pd.isna(med) else float(med)
            else:
                self.categories[c] = list(self._cats(frame[c]).value_counts().index[: self.top])
        raw = self._raw(frame)
        self.mean, std = raw.mean(axis=0), raw.std(axis=0)
        self.std = np.where(std > 0, std, 1.0)
        return self

    def _raw(self, frame: pd.DataFrame) -> np.ndarray:
        cols = []
        for c, med in self.medians.items():
            v = pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            cols.append(np.where(np.isfinite(v), v, med)[:, None])
        for c, cats in self.categories.items():
            s = self._cats(frame[c]).to_numpy()
            cols.append((s[:, None] == np.array(cats, dtype=object)[None, :]).astype(float))
        return np.hstack(cols)

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        return (self._raw(frame) - self.mean) / self.std


def _fit_pca(frame: pd.DataFrame, kinds: dict[str, ColumnKind], n_components: float | int, seed: int):
    from sklearn.decomposition import PCA

    enc = _Encoder(kinds).fit(frame)
    Z = enc.transform(frame)
    k = n_components if isinstance(n_components, float) and n_components < 1 else int(n_components)
    if not isinstance(k, float):
        k = max(1, min(k, Z.shape[1], Z.shape[0] - 1))
    pca = PCA(n_components=k, svd_solver="full", random_state=seed).fit(Z)
    return enc, pca


def _errors(enc: _Encoder, pca, frame: pd.DataFrame) -> np.ndarray:
    Z = enc.transform(frame)
    return np.linalg.norm(Z - pca.inverse_transform(pca.transform(Z)), axis=1)


def _informative(frame: pd.DataFrame, kinds: dict[str, ColumnKind]) -> tuple[dict, list[str]]:
    keep, notes = {}, []
    for c, kind in kinds.items():
        s = frame[c]
        if s.isna().all():
            notes.append(f"{c} (all values missing in the reference)")
        elif s.nunique(dropna=False) < 2:
            notes.append(f"{c} (constant in the reference)")
        else:
            keep[c] = kind
    return keep, notes


def pca_reconstruction(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    features: Sequence[str],
    kinds: Mapping[str, ColumnKind | str] | None = None,
    chunk_size: int | None = None,
    n_components: float | int = 0.9,
    seed: int = 0,
    max_rows: int = 50_000,
) -> ReconstructionResult:
    """PCA reconstruction error of current vs the reference's own band. See the module docstring."""
    if min(len(reference), len(current)) < MIN_ROWS:
        return ReconstructionResult(
            "skipped",
            (
                f"PCA reconstruction needs at least {MIN_ROWS} rows on each side; the reference has "
                f"{count(len(reference))} and the current data {count(len(current))}. Load more rows."
            ),
        )
    kinds_used, left_out = _usable(reference, current, features, kinds)
    ref = _sample(reference, max_rows, seed, keep_order=True)
    cur = _sample(current, max_rows, seed + 1, keep_order=True)
    kinds_used, notes = _informative(ref, kinds_used)
    left_out += notes
    if not kinds_used:
        return ReconstructionResult(
            "skipped",
            "No informative numerical or categorical feature columns"
            + (f"; left out: {', '.join(left_out)}." if left_out else "."),
            left_out=tuple(left_out),
        )
    size = int(chunk_size) if chunk_size else max(len(ref) // 10, 10)
    n_chunks = len(ref) // size
    if n_chunks < 3:
        return ReconstructionResult(
            "skipped",
            (
                f"Chunks of {count(size)} rows cut the {count(len(ref))} reference rows into {count(n_chunks)} "
                "chunk(s); at least 3 are needed to measure the reference's own variability. Choose a smaller "
                "chunk size."
            ),
            chunk_size=size,
            left_out=tuple(left_out),
        )
    # k-fold style: each reference chunk is scored by an encoder + PCA fit on the rest of the reference
    perm = np.random.default_rng(seed).permutation(len(ref))[: n_chunks * size].reshape(n_chunks, size)
    ref_err = []
    for i in range(n_chunks):
        rest = np.setdiff1d(np.arange(len(ref)), perm[i])
        enc, pca = _fit_pca(ref.iloc[rest], kinds_used, n_components, seed)
        ref_err.append(float(_errors(enc, pca, ref.iloc[perm[i]]).mean()))
    mu, sd = float(np.mean(ref_err)), float(np.std(ref_err, ddof=1))
    lower, upper = max(mu - 3 * sd, 0.0), mu + 3 * sd
    enc, pca = _fit_pca(ref, kinds_used, n_components, seed)
    row_err = _errors(enc, pca, cur)
    cur_err = float(row_err.mean())
    bounds = list(range(0, len(cur), size))
    chunks = [row_err[b : b + size] for b in bounds]
    if len(chunks) > 1 and len(chunks[-1]) < size // 2:  # a short last chunk joins the one before
        chunks[-2] = np.r_[chunks[-2], chunks[-1]]
        chunks, bounds = chunks[:-1], bounds[:-1]
    cur_chunks = [float(c.mean()) for c in chunks]
    labels = [f"rows {count(b + 1)}–{count(b + len(c))}" for b, c in zip(bounds, chunks)]
    alerts = [not (lower <= e <= upper) for e in cur_chunks]
    drifted = not (lower <= cur_err <= upper) or (sum(alerts) >= 2 and sum(alerts) >= len(alerts) / 2)
    where = "above" if cur_err > upper else "below" if cur_err < lower else "within"
    msg = (
        f"PCA reconstruction error is {number(cur_err)} on current data, {where} the reference band of "
        f"{interval(lower, upper)} (mean ± 3 std of {count(n_chunks)} reference chunks of {count(size)} rows); "
    )
    msg += (
        "current rows fit the structure of the reference less well (the joint distribution of the columns has changed)."
        if drifted
        else "the joint structure of the columns looks unchanged."
    )
    if any(alerts):
        msg += f" {count(sum(alerts))} of {count(len(alerts))} current chunks fall outside the band."
    if left_out:
        msg += f" Left out: {', '.join(left_out)}."
    return ReconstructionResult(
        "ok",
        msg,
        drifted=bool(drifted),
        reference_error=mu,
        current_error=cur_err,
        lower_threshold=lower,
        upper_threshold=upper,
        reference_errors=tuple(ref_err),
        current_errors=tuple(cur_chunks),
        current_labels=tuple(labels),
        current_alerts=tuple(alerts),
        chunk_size=size,
        n_components=int(pca.n_components_),
        explained_variance=float(pca.explained_variance_ratio_.sum()),
        n_encoded_columns=int(pca.n_features_in_),
        features=tuple(kinds_used),
        left_out=tuple(left_out),
        n_reference_used=len(ref),
        n_current_used=len(cur),
    )
