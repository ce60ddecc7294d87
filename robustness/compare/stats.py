"""Paired statistics of two models scored on the same rows: the paired bootstrap, McNemar, DeLong, and tests on
per-row losses.

Everything here takes the two models' per-row outputs (never a model): the rows are resampled once per
bootstrap replicate and both models' prediction vectors are reused, so nothing is re-scored.

- :func:`paired_bootstrap`: per metric, the difference challenger − champion on ``n_boot`` resamples of the rows.
  Each chunk of resamples is one matrix of row indices; a metric that is a mean of per-row terms (accuracy,
  log loss, Brier score, MAE, squared error) differs by the mean of the per-row differences, so one gather
  per metric gives it (accuracy's -1/0/1 differences as int8: exact sums, an eighth of the bytes); ROC AUC is
  the Mann-Whitney statistic from integer counts per tied-score group (ranks are computed once; a bincount
  and a cumulative sum per resample, no sort, a few resamples per pass so the counts stay in cache), and the
  one-vs-rest macro AUC of a multiclass model the mean of its classes' AUCs on the same resamples. Above
  ``BOOT_ROWS`` rows the m-out-of-n bootstrap keeps the cost flat (resamples of ``BOOT_ROWS`` rows, deviations
  rescaled by sqrt(m / n)), as :mod:`robustness.performance.metrics` does. Chunks are drawn in order from one
  seeded generator and worked on by up to two threads (numpy releases the GIL in that work): the same seed
  gives the same resamples and numbers whatever the threads.
- :func:`mcnemar`: exact and mid-p McNemar test on the discordant pairs (champion right and challenger wrong,
  and the reverse), from the binomial distribution (scipy).
- :func:`delong`: DeLong's test of two correlated ROC AUCs with the fast O(n log n) algorithm of Sun & Xu
  (2014) on midranks; :func:`delong_slow` is the O(m n) definition through placement values, for tests.
  :func:`delong_ovr`: the same placement values for the one-vs-rest macro AUC of multiclass models (DeLong's
  test is binary; its linearisation, summed over the classes that share the rows, gives the macro
  difference's variance, and DeLong's own with two classes).
- :func:`paired_t` (mean of per-row loss differences, Diebold-Mariano style) and :func:`wilcoxon_abs`
  (signed-rank test on the differences of absolute errors, scipy).
"""

from __future__ import annotations

import math
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

__all__ = [
    "BOOT_ROWS",
    "auc_midrank",
    "delong",
    "delong_ovr",
    "delong_slow",
    "mcnemar",
    "paired_bootstrap",
    "paired_t",
    "percentile",
    "wilcoxon_abs",
]

T = TypeVar("T")

BOOT_ROWS = 20_000  # above this many rows: the m-out-of-n bootstrap (see paired_bootstrap)
_CHUNK_CELLS = 4_000_000  # resamples x rows held in memory at once
_MAX_THREADS = 2  # chunks of resamples worked on at once (numpy releases the GIL in their work)
_AUC_CELLS = 1 << 18  # AUC count table cells per pass (2 MB of int64: stays in cache)


# -- the paired bootstrap ----------------------------------------------------------------------------------


def _groups(score: np.ndarray) -> tuple[np.ndarray, int]:
    """Each row's tied-score group, numbered in increasing score, and the number of groups."""
    uniq, inv = np.unique(score, return_inverse=True)
    return inv.ravel(), int(uniq.size)


def _auc_keys(positive: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Each row's key for :func:`_auc_of_keys`: ``positive * n_groups + score group``."""
    return np.asarray(positive, dtype=bool).astype(np.int64) * n_groups + np.asarray(groups, dtype=np.int64)


def _auc_of_keys(keys: np.ndarray, n_groups: int) -> np.ndarray:
    """ROC AUC of each resample from its rows' keys ``positive * n_groups + score group`` (shape (resamples,
    rows)): the Mann-Whitney statistic with ties as 1/2, from counts per score group (no sort per resample).

    Counts are integers and the numerator is accumulated doubled (2 x negatives strictly below + tied), so the
    value is the exact ratio, rounded once. A few resamples at a time, so the count table stays in cache."""
    b = keys.shape[0]
    out = np.empty(b)
    step = max(1, _AUC_CELLS // (2 * n_groups))
    for s in range(0, b, step):
        part = keys[s : s + step]
        r = part.shape[0]
        flat = (part + (np.arange(r, dtype=np.int64) * (2 * n_groups))[:, None]).ravel()
        counts = np.bincount(flat, minlength=r * 2 * n_groups).reshape(r, 2, n_groups)
        wn, wp = counts[:, 0, :], counts[:, 1, :]
        below2 = np.cumsum(wn, axis=1)
        below2 *= 2
        below2 -= wn  # 2 x (negatives with a strictly lower score) + negatives with the same score
        num2 = np.einsum("ij,ij->i", wp, below2)
        den = wp.sum(axis=1) * wn.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[s : s + r] = np.where(den > 0, num2 / (2.0 * den), np.nan)
    return out


@dataclass(frozen=True)
class _AucPart:
    """One binary ROC AUC of both models inside a bootstrap (a class against the rest, for the macro AUC)."""

    keys0: np.ndarray
    groups0: int
    keys1: np.ndarray
    groups1: int
    exact: tuple[float, float] | None  # the unbinned full-sample AUCs (m-out-of-n only)


def _auc_part(pos: np.ndarray, a: np.ndarray, b: np.ndarray, m: int, binned: bool) -> _AucPart:
    g0, k0 = _groups(a)
    g1, k1 = _groups(b)
    exact = None
    if binned:
        # resamples of m rows: the scores' ranks in at most m bins (adjacent ranks share a bin) keep the cost per
        # resample O(m); the deviations are measured from the binned full-sample value and centred on the exact one
        exact = (_auc_of_groups(pos, g0, k0), _auc_of_groups(pos, g1, k1))
        g0, k0 = ((g0 * m) // k0, m) if k0 > m else (g0, k0)
        g1, k1 = ((g1 * m) // k1, m) if k1 > m else (g1, k1)
    return _AucPart(_auc_keys(pos, g0, k0), k0, _auc_keys(pos, g1, k1), k1, exact)


def _resamples(n: int, n_boot: int, seed: int, widest: int) -> Iterator[np.ndarray]:
    """The bootstrap's row indices, one (resamples, min(n, BOOT_ROWS)) matrix per chunk; ``widest``: the
    largest row of work per resample (rows drawn, or two counts per AUC score group), which sizes the chunks."""
    m = min(n, BOOT_ROWS)
    rng = np.random.default_rng(seed)
    step = max(1, _CHUNK_CELLS // widest)
    done = 0
    while done < n_boot:
        chunk = min(step, n_boot - done)
        yield rng.integers(0, n, size=(chunk, m))
        done += chunk


def _mean_vector(v: np.ndarray) -> np.ndarray:
    """A per-row difference, as int8 when it holds small whole numbers (accuracy: -1, 0, 1), whose sums are exact
    and gather eight times fewer bytes; the mean is then the same number as the float mean's."""
    if v.size and np.all(np.abs(v) <= 127) and np.all(v == np.round(v)):
        return v.astype(np.int8)
    return v


def _row_means(v: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """The mean of ``v`` over the rows of each resample (a row of ``idx``)."""
    if v.dtype == np.int8:
        return np.take(v, idx).sum(axis=1, dtype=np.int64) / idx.shape[1]
    return np.take(v, idx).mean(axis=1)


def paired_bootstrap(
    n: int,
    *,
    means: Mapping[str, np.ndarray] | None = None,
    aucs: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None,
    macro_aucs: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None,
    roots: tuple[str, ...] = (),
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Per metric, the difference challenger − champion on each of ``n_boot`` paired resamples of ``n`` rows.

    ``means[name] = (2, n) array``: the per-row terms of the champion (row 0) and the challenger (row 1) whose
    mean is the metric (accuracy: 1 for a correct row; MAE: absolute errors; ...). Names in ``roots`` are
    square roots of that mean (RMSE from squared errors). ``aucs[name] = (positive, champion score,
    challenger score)``: binary ROC AUC. ``macro_aucs[name] = (class codes 0..k-1, champion probabilities,
    challenger probabilities)`` with (n, k) probabilities: the one-vs-rest macro ROC AUC (the mean over classes
    of each class's AUC against the rest; NaN on a resample that misses a class). One index matrix per chunk
    of resamples serves every metric and both models.
    """
    means, aucs, macro_aucs = dict(means or {}), dict(aucs or {}), dict(macro_aucs or {})
    names = [*means, *aucs, *macro_aucs]
    if n == 0 or n_boot <= 0:
        return {k: np.full(max(n_boot, 0), np.nan) for k in names}
    m = min(n, BOOT_ROWS)
    shrink = math.sqrt(m / n) if m < n else 1.0
    terms = {k: np.asarray(v, dtype=float).reshape(2, n) for k, v in means.items()}
    # a mean's difference is the mean of the per-row differences: one vector per metric (two for a root)
    vectors = {k: (_mean_vector(t[1] - t[0]),) if k not in roots else (t[0], t[1]) for k, t in terms.items()}
    parts: dict[str, list[_AucPart]] = {}
    for k, (pos, a, b) in aucs.items():
        parts[k] = [_auc_part(np.asarray(pos, dtype=bool), np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                              m, shrink != 1.0)]  # fmt: skip
    for k, (codes, A, B) in macro_aucs.items():
        codes, A, B = np.asarray(codes), np.asarray(A, dtype=float), np.asarray(B, dtype=float)
        parts[k] = [_auc_part(codes == c, A[:, c], B[:, c], m, shrink != 1.0) for c in range(A.shape[1])]
    full: dict[str, tuple[float, ...]] = {}
    centre: dict[str, tuple[float, ...]] = {}
    if shrink != 1.0:  # the full sample's values: the centre of the rescaled deviations
        whole = np.arange(n)[None, :]
        for k, vs in vectors.items():
            full[k] = centre[k] = tuple(float(np.mean(v)) for v in vs)
        for k, ps in parts.items():
            for j, p in enumerate(ps):
                full[f"{k}/{j}"] = (float(_auc_of_keys(p.keys0[whole], p.groups0)[0]),
                                    float(_auc_of_keys(p.keys1[whole], p.groups1)[0]))  # fmt: skip
                centre[f"{k}/{j}"] = p.exact or full[f"{k}/{j}"]

    def rescale(v: np.ndarray, k: str, j: int) -> np.ndarray:
        return v if shrink == 1.0 else centre[k][j] + (v - full[k][j]) * shrink

    def chunk(idx: np.ndarray) -> dict[str, np.ndarray]:
        res = {}
        for k, vs in vectors.items():
            vals = [rescale(_row_means(v, idx), k, j) for j, v in enumerate(vs)]
            res[k] = vals[0] if len(vals) == 1 else np.sqrt(np.maximum(vals[1], 0)) - np.sqrt(np.maximum(vals[0], 0))
        for k, ps in parts.items():
            diffs = []
            for j, p in enumerate(ps):
                a0 = rescale(_auc_of_keys(np.take(p.keys0, idx), p.groups0), f"{k}/{j}", 0)
                a1 = rescale(_auc_of_keys(np.take(p.keys1, idx), p.groups1), f"{k}/{j}", 1)
                diffs.append(a1 - a0)
            res[k] = diffs[0] if len(diffs) == 1 else np.mean(diffs, axis=0)
        return res

    # the widest row of work (rows drawn, or an AUC's two counts per score group) sizes the chunks of resamples
    widest = max([m] + [2 * max(p.groups0, p.groups1) for ps in parts.values() for p in ps])
    out: dict[str, list[np.ndarray]] = {k: [] for k in names}
    for res in _in_order(chunk, _resamples(n, n_boot, seed, widest), threads=_threads(n_boot, widest)):
        for k, v in res.items():
            out[k].append(v)
    return {k: np.concatenate(v) for k, v in out.items()}


def _threads(n_boot: int, widest: int) -> int:
    """Threads for the bootstrap's chunks: one when there is one chunk, else up to two (numpy releases the GIL in
    the gathers, bincounts and cumulative sums that make up a chunk's work)."""
    chunks = -(-n_boot // max(1, _CHUNK_CELLS // widest))
    return 1 if chunks <= 1 else min(_MAX_THREADS, os.cpu_count() or 1)


def _in_order(fn: Callable[[np.ndarray], T], items: Iterable[np.ndarray], *, threads: int) -> Iterator[T]:
    """``fn`` over ``items`` in their order, on up to ``threads`` threads with no more items in flight than
    threads; ``items`` is drawn from this thread only, so a seeded generator draws the same resamples."""
    if threads <= 1:
        yield from map(fn, items)
        return
    from concurrent.futures import Future, ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=threads) as pool:
        pending: deque[Future[T]] = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= threads:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def percentile(samples: np.ndarray, level: float = 0.95) -> tuple[float | None, float | None]:
    """The central ``level`` percentile interval of bootstrap ``samples`` (non-finite dropped); None below 10."""
    samples = np.asarray(samples, dtype=float)
    samples = samples[np.isfinite(samples)]
    if samples.size < 10:
        return None, None
    a = (1 - level) / 2
    lo, hi = np.quantile(samples, [a, 1 - a])
    return float(lo), float(hi)


# -- McNemar -----------------------------------------------------------------------------------------------


def mcnemar(champion_correct: np.ndarray, challenger_correct: np.ndarray) -> dict[str, float | int]:
    """McNemar's test of equal accuracy on paired rows: exact (two-sided binomial) and mid-p p-values.

    ``b``: rows only the champion gets right, ``c``: rows only the challenger gets right; under equal accuracy
    b ~ Binomial(b + c, 1/2). Mid-p = exact − P(B = min(b, c)) (Fagerland, Lydersen & Laake 2013).
    """
    from scipy.stats import binom

    a, bb = np.asarray(champion_correct, dtype=bool), np.asarray(challenger_correct, dtype=bool)
    b, c = int((a & ~bb).sum()), int((~a & bb).sum())
    n, k = b + c, min(b, c)
    if n == 0:
        return {"b": b, "c": c, "p_exact": 1.0, "p_mid": 1.0}
    exact = min(1.0, 2 * float(binom.cdf(k, n, 0.5)))
    mid = exact - float(binom.pmf(k, n, 0.5)) if b != c else 1.0 - float(binom.pmf(k, n, 0.5))
    return {"b": b, "c": c, "p_exact": exact, "p_mid": min(1.0, max(0.0, mid))}


# -- DeLong ------------------------------------------------------------------------------------------------


def _group_midranks(groups: np.ndarray, n_groups: int) -> np.ndarray:
    """The midrank of each tied-score group (1-based; ties share their mean rank) among the rows of ``groups``."""
    counts = np.bincount(groups, minlength=n_groups)
    return np.cumsum(counts) - (counts - 1) / 2.0


def _midrank(x: np.ndarray) -> np.ndarray:
    """1-based ranks with ties given their mean rank."""
    g, k = _groups(x)
    return _group_midranks(g, k)[g]


def _auc_of_groups(pos: np.ndarray, groups: np.ndarray, n_groups: int) -> float:
    m, n = int(pos.sum()), int((~pos).sum())
    if m == 0 or n == 0:
        return math.nan
    r = _group_midranks(groups, n_groups)[groups]
    return float((r[pos].sum() - m * (m + 1) / 2) / (m * n))


def auc_midrank(positive: np.ndarray, score: np.ndarray) -> float:
    """Binary ROC AUC as the Mann-Whitney statistic on midranks (ties count 1/2)."""
    return _auc_of_groups(np.asarray(positive, dtype=bool), *_groups(np.asarray(score, dtype=float)))


def _diff_variance(S: np.ndarray) -> float:
    """The variance of AUC(challenger) − AUC(champion) from their 2 x 2 covariance."""
    return float(S[0, 0] + S[1, 1] - 2 * S[0, 1])


def _delong_result(aucs: np.ndarray, var: float) -> dict[str, float]:
    diff = float(aucs[1] - aucs[0])
    if not var > 1e-300 or not math.isfinite(var):  # identical scores (or a ranking the same on every pair)
        z, p = 0.0, 1.0 if abs(diff) < 1e-12 else 0.0
    else:
        from scipy.stats import norm

        z = diff / math.sqrt(var)
        p = float(min(1.0, 2 * norm.sf(abs(z))))
    return {"auc_champion": float(aucs[0]), "auc_challenger": float(aucs[1]), "difference": diff,
            "variance": max(var, 0.0), "z": float(z), "p_value": p}  # fmt: skip


def _placements(pos: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Both models' AUCs and DeLong placement values, from midranks (Sun & Xu 2014): ``scores`` is (2, rows);
    returns the AUCs (2,), each positive's share of negatives scored below it, ties 1/2 (2, positives), and each
    negative's share of positives scored above it (2, negatives)."""
    m, n = int(pos.sum()), int((~pos).sum())
    within_pos, within_neg, among_all = [], [], []
    for r in scores:  # one sort per model: midranks among all rows, the positives and the negatives, by group
        g, k = _groups(r)
        gx, gy = g[pos], g[~pos]
        every = _group_midranks(g, k)
        among_all.append(np.concatenate([every[gx], every[gy]]))
        within_pos.append(_group_midranks(gx, k)[gx])
        within_neg.append(_group_midranks(gy, k)[gy])
    tx, ty, tz = np.vstack(within_pos), np.vstack(within_neg), np.vstack(among_all)
    aucs = tz[:, :m].sum(axis=1) / (m * n) - (m + 1.0) / (2.0 * n)
    v10 = (tz[:, :m] - tx) / n  # placement of each positive among the negatives
    v01 = 1.0 - (tz[:, m:] - ty) / m  # placement of each negative among the positives
    return aucs, v10, v01


_NO_DELONG = {"auc_champion": math.nan, "auc_challenger": math.nan, "difference": math.nan,
              "variance": math.nan, "z": math.nan, "p_value": math.nan}  # fmt: skip


def delong(positive: np.ndarray, champion_score: np.ndarray, challenger_score: np.ndarray) -> dict[str, float]:
    """DeLong, DeLong & Clarke-Pearson (1988) test of two correlated ROC AUCs, in O(n log n) (Sun & Xu 2014).

    Returns both AUCs, the difference challenger − champion, its variance, z and the two-sided p-value.
    """
    pos = np.asarray(positive, dtype=bool)
    m, n = int(pos.sum()), int((~pos).sum())
    if m < 2 or n < 2:
        return dict(_NO_DELONG)
    scores = np.vstack([np.asarray(champion_score, dtype=float), np.asarray(challenger_score, dtype=float)])
    aucs, v10, v01 = _placements(pos, scores)
    return _delong_result(aucs, _diff_variance(np.cov(v10) / m + np.cov(v01) / n))


def delong_ovr(
    codes: np.ndarray, champion_proba: np.ndarray, challenger_proba: np.ndarray
) -> tuple[dict[str, float], list[dict[str, float]]]:
    """A DeLong-type test of two correlated one-vs-rest macro ROC AUCs (multiclass), from the same placement
    values as :func:`delong`.

    DeLong's test is for one binary AUC. The macro AUC is the mean over the k classes of each class's AUC
    against the rest, all on the same rows, so the k binary differences are correlated (a row of class c is a
    positive of c's AUC and a negative of every other's). Each class's AUC difference is linearised as DeLong's
    is, into one term per row (a positive's placement deviation over the class's positives, a negative's over
    its negatives); a row's term for the macro difference is the mean of its k terms, and the variance is the
    sum over classes of (rows of the class) x (variance of the terms within the class), the class counts held
    fixed as DeLong holds the positives and negatives fixed. With two classes this is DeLong's variance
    exactly. ``codes``: each row's class index (0..k-1); probabilities (rows, k) in the same class order.

    Returns what :func:`delong` returns, for the macro AUCs, and per class (in column order) both AUCs, the
    difference, its own binary DeLong p-value (``p_value``, unadjusted) and the Holm-adjusted one (``p_holm``).
    """
    y = np.asarray(codes, dtype=np.int64)
    P = [np.asarray(champion_proba, dtype=float), np.asarray(challenger_proba, dtype=float)]
    k = P[0].shape[1]
    rows = np.bincount(y, minlength=k) if y.size else np.zeros(k, dtype=np.int64)
    if k < 2 or (rows < 2).any() or (y.size - rows < 2).any():
        return dict(_NO_DELONG), []
    term = np.zeros(y.size)  # each row's linearised contribution to the macro difference, x k
    aucs = np.zeros((2, k))
    per_class: list[dict[str, float]] = []
    for c in range(k):
        pos = y == c
        m, n = int(rows[c]), int(y.size - rows[c])
        a, v10, v01 = _placements(pos, np.vstack([P[0][:, c], P[1][:, c]]))
        aucs[:, c] = a
        diff = float(a[1] - a[0])
        term[pos] += (v10[1] - v10[0] - diff) / m
        term[~pos] += (v01[1] - v01[0] - diff) / n
        own = _delong_result(a, _diff_variance(np.cov(v10) / m + np.cov(v01) / n))
        per_class.append({"champion": own["auc_champion"], "challenger": own["auc_challenger"],
                          "difference": own["difference"], "p_value": own["p_value"]})  # fmt: skip
    term /= k
    var = float(sum(rows[c] * np.var(term[y == c], ddof=1) for c in range(k)))
    out = _delong_result(aucs.mean(axis=1), var)
    for row, p in zip(per_class, _holm([r["p_value"] for r in per_class])):
        row["p_holm"] = p
    return out, per_class


def _holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment (family-wise error), in the input order."""
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p)
    adj = np.maximum.accumulate(np.minimum(1.0, (p.size - np.arange(p.size)) * p[order]))
    out = np.empty(p.size)
    out[order] = adj
    return [float(x) for x in out]


def delong_slow(positive: np.ndarray, champion_score: np.ndarray, challenger_score: np.ndarray) -> dict[str, float]:
    """DeLong's test from its definition: placement values from every (positive, negative) pair, O(m n).
    For tests of :func:`delong` on small data."""
    pos = np.asarray(positive, dtype=bool)
    m, n = int(pos.sum()), int((~pos).sum())
    V10, V01, aucs = [], [], []
    for s in (np.asarray(champion_score, dtype=float), np.asarray(challenger_score, dtype=float)):
        x, y = s[pos][:, None], s[~pos][None, :]
        psi = (x > y) + 0.5 * (x == y)  # (m, n)
        V10.append(psi.mean(axis=1))
        V01.append(psi.mean(axis=0))
        aucs.append(psi.mean())
    S10 = np.cov(np.vstack(V10))
    S01 = np.cov(np.vstack(V01))
    return _delong_result(np.asarray(aucs), _diff_variance(S10 / m + S01 / n))


# -- tests on per-row losses -------------------------------------------------------------------------------


def paired_t(champion_loss: np.ndarray, challenger_loss: np.ndarray) -> float:
    """Two-sided p-value of a zero mean difference of per-row losses (t test on the paired differences)."""
    from scipy.stats import t as student

    d = np.asarray(challenger_loss, dtype=float) - np.asarray(champion_loss, dtype=float)
    d = d[np.isfinite(d)]
    if d.size < 2:
        return math.nan
    sd = float(d.std(ddof=1))
    if sd == 0 or not math.isfinite(sd):
        return 1.0 if abs(float(d.mean())) < 1e-15 else 0.0
    tstat = float(d.mean()) / (sd / math.sqrt(d.size))
    return float(min(1.0, 2 * student.sf(abs(tstat), d.size - 1)))


def wilcoxon_abs(champion_abs_error: np.ndarray, challenger_abs_error: np.ndarray) -> float:
    """Two-sided Wilcoxon signed-rank p-value on the paired differences of absolute errors (zeros dropped);
    1 when the two errors are equal on every row."""
    from scipy.stats import wilcoxon

    d = np.asarray(challenger_abs_error, dtype=float) - np.asarray(champion_abs_error, dtype=float)
    d = d[np.isfinite(d)]
    if not np.any(d != 0):
        return 1.0
    if np.count_nonzero(d) < 2:
        return 1.0
    return float(wilcoxon(d, zero_method="wilcox", alternative="two-sided").pvalue)
