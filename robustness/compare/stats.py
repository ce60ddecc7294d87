"""Paired statistics of two models scored on the same rows: the paired bootstrap, McNemar, DeLong, and tests on
per-row losses.

Everything here takes the two models' per-row outputs (never a model): the rows are resampled once per
bootstrap replicate and both models' prediction vectors are reused, so nothing is re-scored.

- :func:`paired_bootstrap`: per metric, the difference challenger − champion on ``n_boot`` resamples of the rows.
  Each chunk of resamples is one matrix of row indices; a metric that is a mean of per-row terms (accuracy,
  log loss, Brier score, MAE, squared error) differs by the mean of the per-row differences, so one gather
  per metric gives it; ROC AUC is the Mann-Whitney statistic from counts per tied-score group (ranks are
  computed once; a bincount and a cumulative sum per resample, no sort). Above ``BOOT_ROWS`` rows the
  m-out-of-n bootstrap keeps the cost flat (resamples of ``BOOT_ROWS`` rows, deviations rescaled by
  sqrt(m / n)), as :mod:`robustness.performance.metrics` does.
- :func:`mcnemar`: exact and mid-p McNemar test on the discordant pairs (champion right and challenger wrong,
  and the reverse), from the binomial distribution (scipy).
- :func:`delong`: DeLong's test of two correlated ROC AUCs with the fast O(n log n) algorithm of Sun & Xu
  (2014) on midranks; :func:`delong_slow` is the O(m n) definition through placement values, for tests.
- :func:`paired_t` (mean of per-row loss differences, Diebold-Mariano style) and :func:`wilcoxon_abs`
  (signed-rank test on the differences of absolute errors, scipy).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

__all__ = [
    "BOOT_ROWS",
    "auc_midrank",
    "delong",
    "delong_slow",
    "mcnemar",
    "paired_bootstrap",
    "paired_t",
    "percentile",
    "wilcoxon_abs",
]

BOOT_ROWS = 20_000  # above this many rows: the m-out-of-n bootstrap (see paired_bootstrap)
_CHUNK_CELLS = 4_000_000  # resamples x rows held in memory at once


# -- the paired bootstrap ----------------------------------------------------------------------------------


def _groups(score: np.ndarray) -> tuple[np.ndarray, int]:
    """Each row's tied-score group, numbered in increasing score, and the number of groups."""
    uniq, inv = np.unique(score, return_inverse=True)
    return inv.ravel(), int(uniq.size)


def _auc_of_keys(keys: np.ndarray, n_groups: int) -> np.ndarray:
    """ROC AUC of each resample from its rows' keys ``2 * score group + positive`` (shape (resamples, rows)):
    the Mann-Whitney statistic with ties as 1/2, from counts per score group (no sort per resample)."""
    b = keys.shape[0]
    flat = (keys + (np.arange(b, dtype=np.int64) * 2 * n_groups)[:, None]).ravel()
    counts = np.bincount(flat, minlength=b * 2 * n_groups).reshape(b, n_groups, 2).astype(float)
    wn, wp = counts[:, :, 0], counts[:, :, 1]
    below = np.cumsum(wn, axis=1)
    below -= wn  # negatives with a strictly lower score
    below += 0.5 * wn
    num = np.einsum("ij,ij->i", wp, below)
    den = wp.sum(axis=1) * wn.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / den, np.nan)


def paired_bootstrap(
    n: int,
    *,
    means: Mapping[str, np.ndarray] | None = None,
    aucs: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None,
    roots: tuple[str, ...] = (),
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Per metric, the difference challenger − champion on each of ``n_boot`` paired resamples of ``n`` rows.

    ``means[name] = (2, n) array``: the per-row terms of the champion (row 0) and the challenger (row 1) whose
    mean is the metric (accuracy: 1 for a correct row; MAE: absolute errors; ...). Names in ``roots`` are
    square roots of that mean (RMSE from squared errors). ``aucs[name] = (positive, champion score,
    challenger score)``: binary ROC AUC. One index matrix per chunk of resamples serves every metric and
    both models.
    """
    means, aucs = dict(means or {}), dict(aucs or {})
    if n == 0 or n_boot <= 0:
        return {k: np.full(max(n_boot, 0), np.nan) for k in [*means, *aucs]}
    m = min(n, BOOT_ROWS)
    shrink = math.sqrt(m / n) if m < n else 1.0
    rng = np.random.default_rng(seed)
    terms = {k: np.asarray(v, dtype=float).reshape(2, n) for k, v in means.items()}
    # a mean's difference is the mean of the per-row differences: one vector per metric (two for a root)
    vectors = {k: (t[1] - t[0],) if k not in roots else (t[0], t[1]) for k, t in terms.items()}
    keyed: dict[str, tuple[np.ndarray, int, np.ndarray, int]] = {}
    exact: dict[str, tuple[float, float]] = {}
    for k, (pos, a, b) in aucs.items():
        pos = np.asarray(pos, dtype=bool)
        g0, k0 = _groups(np.asarray(a, dtype=float))
        g1, k1 = _groups(np.asarray(b, dtype=float))
        if shrink != 1.0:
            # resamples of m rows: the scores' ranks in at most m bins (adjacent ranks share a bin) keep the cost
            # per resample O(m); the deviations are measured from the binned full-sample value and centred on the
            # exact one
            exact[k] = (auc_midrank(pos, a), auc_midrank(pos, b))
            g0, k0 = ((g0 * m) // k0, m) if k0 > m else (g0, k0)
            g1, k1 = ((g1 * m) // k1, m) if k1 > m else (g1, k1)
        keyed[k] = (2 * g0 + pos, k0, 2 * g1 + pos, k1)
    full, centre = {}, {}
    if shrink != 1.0:  # the full sample's values: the centre of the rescaled deviations
        whole = np.arange(n)[None, :]
        for k, vs in vectors.items():
            full[k] = centre[k] = tuple(float(v.mean()) for v in vs)
        for k, (c0, k0, c1, k1) in keyed.items():
            full[k] = (float(_auc_of_keys(c0[whole], k0)[0]), float(_auc_of_keys(c1[whole], k1)[0]))
            centre[k] = exact[k]

    def rescale(v: np.ndarray, k: str, j: int) -> np.ndarray:
        return v if shrink == 1.0 else centre[k][j] + (v - full[k][j]) * shrink

    out: dict[str, list[np.ndarray]] = {k: [] for k in [*means, *aucs]}
    widest = max([m] + [2 * max(k0, k1) for _, k0, _, k1 in keyed.values()])  # AUC counts: (resamples, 2 groups)
    step = max(1, _CHUNK_CELLS // widest)
    done = 0
    while done < n_boot:
        chunk = min(step, n_boot - done)  # resamples in this chunk
        idx = rng.integers(0, n, size=(chunk, m))
        for k, vs in vectors.items():
            vals = [rescale(v[idx].mean(axis=1), k, j) for j, v in enumerate(vs)]
            out[k].append(
                vals[0] if len(vals) == 1 else np.sqrt(np.maximum(vals[1], 0)) - np.sqrt(np.maximum(vals[0], 0))
            )
        for k, (c0, k0, c1, k1) in keyed.items():
            a0 = rescale(_auc_of_keys(c0[idx], k0), k, 0)
            a1 = rescale(_auc_of_keys(c1[idx], k1), k, 1)
            out[k].append(a1 - a0)
        done += chunk
    return {k: np.concatenate(v) for k, v in out.items()}


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


def _midrank(x: np.ndarray) -> np.ndarray:
    """1-based ranks with ties given their mean rank."""
    _, inv, counts = np.unique(x, return_inverse=True, return_counts=True)
    upper = np.cumsum(counts)
    return (upper - (counts - 1) / 2.0)[inv.ravel()]


def auc_midrank(positive: np.ndarray, score: np.ndarray) -> float:
    """Binary ROC AUC as the Mann-Whitney statistic on midranks (ties count 1/2)."""
    pos = np.asarray(positive, dtype=bool)
    m, n = int(pos.sum()), int((~pos).sum())
    if m == 0 or n == 0:
        return math.nan
    r = _midrank(np.asarray(score, dtype=float))
    return float((r[pos].sum() - m * (m + 1) / 2) / (m * n))


def _delong_result(aucs: np.ndarray, S: np.ndarray) -> dict[str, float]:
    diff = float(aucs[1] - aucs[0])
    var = float(S[0, 0] + S[1, 1] - 2 * S[0, 1])
    if not var > 1e-300 or not math.isfinite(var):  # identical scores (or a ranking the same on every pair)
        z, p = 0.0, 1.0 if abs(diff) < 1e-12 else 0.0
    else:
        from scipy.stats import norm

        z = diff / math.sqrt(var)
        p = float(min(1.0, 2 * norm.sf(abs(z))))
    return {"auc_champion": float(aucs[0]), "auc_challenger": float(aucs[1]), "difference": diff,
            "variance": max(var, 0.0), "z": float(z), "p_value": p}  # fmt: skip


def delong(positive: np.ndarray, champion_score: np.ndarray, challenger_score: np.ndarray) -> dict[str, float]:
    """DeLong, DeLong & Clarke-Pearson (1988) test of two correlated ROC AUCs, in O(n log n) (Sun & Xu 2014).

    Returns both AUCs, the difference challenger − champion, its variance, z and the two-sided p-value.
    """
    pos = np.asarray(positive, dtype=bool)
    m, n = int(pos.sum()), int((~pos).sum())
    if m < 2 or n < 2:
        return {"auc_champion": math.nan, "auc_challenger": math.nan, "difference": math.nan,
                "variance": math.nan, "z": math.nan, "p_value": math.nan}  # fmt: skip
    scores = np.vstack([np.asarray(champion_score, dtype=float), np.asarray(challenger_score, dtype=float)])
    X, Y = scores[:, pos], scores[:, ~pos]
    Z = np.hstack([X, Y])
    tx = np.vstack([_midrank(r) for r in X])
    ty = np.vstack([_midrank(r) for r in Y])
    tz = np.vstack([_midrank(r) for r in Z])
    aucs = tz[:, :m].sum(axis=1) / (m * n) - (m + 1.0) / (2.0 * n)
    v10 = (tz[:, :m] - tx) / n  # placement of each positive among the negatives
    v01 = 1.0 - (tz[:, m:] - ty) / m  # placement of each negative among the positives
    S = np.cov(v10) / m + np.cov(v01) / n
    return _delong_result(aucs, S)


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
    return _delong_result(np.asarray(aucs), S10 / m + S01 / n)


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
