"""Numeric statistics that read either summary: exact (sorted values, in memory) or binned (Dask).

Both summaries become a :class:`NumericView`: count, mean, sum of squared deviations, min, max and
:class:`~robustness.drift.binned.Blocks` (ordered runs of values). Exact data are atoms only, so every
statistic here is exact in memory (bound 0); through Dask, bins are atoms at their edges plus interiors
whose sum is known and whose positions are not, and each statistic returns its bound:

- **median**: exact unless it falls in an interior, then within that interior's extent;
- **Brown-Forsythe** (Levene's test around the medians, as ``scipy.stats.levene(center="median")``): the
  sums of squares come from the moments (exact), the mean absolute deviations from the blocks (exact
  for blocks on one side of the median; an interior straddling it is bounded by where its values could
  be); the statistic is evaluated at the ends of those intervals, and the bound is the widest gap;
- **shape distance**: the Wasserstein-1 distance between the two standardised distributions
  ((x - mean) / SD), i.e. what is left after the mean and the spread are matched; the quantile
  functions are linear within an interior, off by at most its width (over the SD) on its share.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from robustness.drift.binned import BinnedSummary, Blocks, blocks_of, exact_blocks


@dataclass(eq=False)
class NumericView:
    n: int
    mean: float
    m2: float  # sum of squared deviations from the mean
    min: float
    max: float
    exact: bool
    values: np.ndarray | None = None  # sorted values, exact data only
    source: BinnedSummary | None = None
    _blocks: Blocks | None = None

    @property
    def std(self) -> float:
        return math.sqrt(self.m2 / self.n) if self.n else 0.0

    @property
    def blocks(self) -> Blocks:
        """Built on first use (exact data rarely need them: the statistics below read the values)."""
        if self._blocks is None:
            if self.source is not None:
                self._blocks = blocks_of(self.source)
            else:
                assert self.values is not None  # exact views hold their values
                self._blocks = exact_blocks(self.values)
        return self._blocks

    def median(self) -> tuple[float, float]:
        if not self.n:
            return 0.0, 0.0
        if self.values is not None:
            v = self.values  # sorted: the middle one(s), as np.median
            return float((v[(self.n - 1) // 2] + v[self.n // 2]) / 2), 0.0
        return self.blocks.order_stat((self.n - 1) / 2)

    def abs_dev(self, c: float) -> tuple[float, float]:
        """(sum of |x - c|, bound)."""
        if self.values is not None:
            return float(np.abs(self.values - c).sum()), 0.0
        return self.blocks.abs_dev(c)


def view(summary) -> NumericView:
    """The view of a NumericSummary (exact) or a BinnedSummary, built once per summary."""
    cached = getattr(summary, "_view", None)
    if cached is not None:
        return cached
    if isinstance(summary, BinnedSummary):
        out = NumericView(summary.n, summary.mean, summary.m2, summary.min, summary.max, False, source=summary)
    else:
        v = summary.values
        m2 = summary.std**2 * v.size  # the summary's one pass over the deviations
        lo, hi = (summary.min, summary.max) if v.size else (0.0, 0.0)
        out = NumericView(int(v.size), summary.mean, m2, lo, hi, True, v)
    object.__setattr__(summary, "_view", out)  # frozen summaries: the view is derived data, built once
    return out


KS_LIMIT_FROM = 10_000  # effective sizes above this use the limiting distribution (kstwo.sf takes seconds there)


def ks_pvalue(d: float, n: int, m: int) -> float:
    """Smirnov's asymptotic two-sided p-value, as ``scipy.stats.ks_2samp(method="asymp")``
    (``kstwo.sf(D, round(n m / (n + m)))``); above an effective size of 10,000 its limit, Kolmogorov's
    distribution ``kstwobign.sf(D sqrt(en))``: within 1 % of it near p = 0.05 and 4 % at p = 1e-14 at that
    size, less above)."""
    en = n * m / (n + m)
    if en > KS_LIMIT_FROM:
        return float(np.clip(stats.kstwobign.sf(d * np.sqrt(en)), 0.0, 1.0))
    return float(np.clip(stats.kstwo.sf(d, np.round(en)), 0.0, 1.0))


def brown_forsythe(ref: NumericView, cur: NumericView) -> tuple[float, float, float]:
    """(W, p-value, bound on W): Levene's test around each sample's median (Brown and Forsythe)."""
    parts = []
    for s in (ref, cur):
        c, ec = s.median()
        a, ea = s.abs_dev(c)
        ss = s.m2 + s.n * (s.mean - c) ** 2  # sum of (x - c)^2 = sum of |x - c|^2
        imbalance = 0.0
        if ec:  # moving the centre by e changes the sum of |x - c| by at most e times the imbalance around it
            b = s.blocks
            below, above = b.count_below(c - ec, inclusive=True), s.n - b.count_below(c + ec)
            imbalance = abs(below - above) + (s.n - below - above)
        parts.append((s.n, a / s.n, (ea + ec * imbalance) / s.n, ss))
    n_total = ref.n + cur.n

    def w(z1: float, z2: float) -> float:
        (n1, _, _, ss1), (n2, _, _, ss2) = parts
        zbar = (n1 * z1 + n2 * z2) / n_total
        between = n1 * (z1 - zbar) ** 2 + n2 * (z2 - zbar) ** 2
        within = (ss1 - n1 * z1**2) + (ss2 - n2 * z2**2)
        if within <= 0:
            return 0.0 if between <= 0 else math.inf
        return (n_total - 2) * between / within

    (_, z1, e1, _), (_, z2, e2, _) = parts
    value = w(z1, z2)
    corners = [w(z1 + s1 * e1, z2 + s2 * e2) for s1 in (-1, 1) for s2 in (-1, 1)] if e1 or e2 else [value]
    bound = max(abs(x - value) for x in corners)
    p = float(stats.f.sf(value, 1, n_total - 2)) if math.isfinite(value) else 0.0
    return value, p, bound


def shape_distance(ref: NumericView, cur: NumericView) -> tuple[float, float]:
    """(W1 between the standardised distributions, bound), in standard deviations. 0 when either side
    is constant (no shape to compare)."""
    if ref.std == 0 or cur.std == 0:
        return 0.0, 0.0
    if ref.values is not None and cur.values is not None:  # exact: the same integral in linear time
        from robustness.drift.stattests import wasserstein1

        u = (ref.values - ref.mean) / ref.std
        v = (cur.values - cur.mean) / cur.std
        return wasserstein1(u, v), 0.0
    sides = []
    for s in (ref, cur):
        u, lo, hi = s.blocks.quantile_function()
        sides.append((u, (lo - s.mean) / s.std, (hi - s.mean) / s.std))
    grid = np.union1d(np.concatenate(([0.0], sides[0][0])), sides[1][0])
    grid = grid[(grid >= 0) & (grid <= 1)]
    u0, u1 = grid[:-1], grid[1:]
    du = u1 - u0
    mid = (u0 + u1) / 2
    ends, width = [], np.zeros_like(mid)
    for u, lo, hi in sides:
        i = np.minimum(np.searchsorted(u, mid, side="right"), u.size - 1)
        start = np.concatenate(([0.0], u[:-1]))[i]
        span = np.maximum(u[i] - start, 1e-300)
        slope = (hi[i] - lo[i]) / span
        ends.append((lo[i] + slope * (u0 - start), lo[i] + slope * (u1 - start)))
        width += hi[i] - lo[i]
    d0 = ends[0][0] - ends[1][0]
    d1 = ends[0][1] - ends[1][1]
    same = d0 * d1 >= 0
    area = np.where(same, np.abs(d0 + d1) / 2, (d0**2 + d1**2) / (2 * np.maximum(np.abs(d0 - d1), 1e-300)))
    value = float(np.sum(area * du))
    bound = 0.0 if ref.exact and cur.exact else float(np.sum(width * du))
    return value, bound
