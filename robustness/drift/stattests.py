"""The drift tests: one small function each, one signature, one registry.

Every test is ``fn(reference: Summary, current: Summary) -> TestOutcome`` and reads only the
precomputed summaries (``robustness.drift.summaries``). Decisions (thresholds, the
Benjamini-Hochberg correction) are the engine's.

``effect_size`` is the same measure for every test of a column kind, so columns sort on one
scale whichever test decided:

- numerical, datetime and text-length columns: the normalised Wasserstein distance (W1 divided
  by the reference's standard deviation: "how many reference standard deviations the
  distribution moved");
- categorical and boolean columns: the Jensen-Shannon distance (natural log, as scipy's
  default; 0 = identical, sqrt(ln 2) ~ 0.83 = disjoint).

Both read 0 for identical inputs, and 0.1 is the default line for both: for the Wasserstein
distance a shift of 0.1 reference standard deviations, for the Jensen-Shannon distance about a
14-point change in the share of a 30-50% category (a 10-point change reads about 0.07).

Details per test:

- ``ks``: two-sample Kolmogorov-Smirnov. Up to 10,000 values per side scipy's ``ks_2samp``
  (exact p-value); above, D from the sorted arrays and Smirnov's asymptotic p-value exactly as
  scipy computes it (``kstwo.sf(D, round(n*m/(n+m)))``).
- ``wasserstein``: W1 computed from the sorted arrays (quantile form, linear time), divided by
  the reference's standard deviation; when the reference is constant, by the pooled standard
  deviation (evidently divides by max(std, 0.001), which depends on the unit of the column).
- ``chisquare``: Pearson's chi-square test of homogeneity on the 2 x k table of reference and
  current counts (``scipy.stats.chi2_contingency``, no continuity correction). Its expected
  counts come from the pooled proportions, which approach the reference proportions when the
  reference is the larger file, and a category unseen in the reference needs no special case
  (its expected counts are positive). evidently instead fits the current counts to the
  reference proportions as if the reference were the population (``chisquare_gof`` here, not
  registered): that ignores the reference's own sampling noise, so with 500 rows on each side
  it flags about 27% of undrifted columns at alpha = 0.05, and about 87% when the current
  file is ten times larger (homogeneity: 5%). ``chisquare_gof`` gives a category absent from
  the reference a pseudo-count of 0.5 in every reference cell instead of dividing by zero.
- ``z``: pooled two-proportion z-test; statistic z for the share of the first category (in
  the summary's order: the most frequent), positive when its share fell. Needs exactly two
  categories.
- ``jensenshannon``, ``psi``, ``hellinger``: on category shares, or for numerical columns on
  the shares of ``bins`` reference-quantile buckets plus open buckets below/above the
  reference's range (evidently bins numerical columns with Sturges' rule on both files
  combined). ``psi`` replaces empty buckets by a share of 0.0001, or by the smallest non-empty
  share / 10^6 when that is at most 0.0001, as evidently does. ``hellinger`` is
  sqrt(1 - sum(sqrt(p * q))), in [0, 1], as evidently computes it for categories.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from robustness.drift.summaries import CategoricalSummary, NumericSummary, Summary
from robustness.schema import ColumnKind

K = ColumnKind
_NUMERIC = frozenset({K.NUMERICAL, K.DATETIME, K.TEXT})
_CATEGORICAL = frozenset({K.CATEGORICAL, K.BOOLEAN})
_EXACT_KS_MAX = 10_000  # scipy's 'auto' switch to the asymptotic p-value


class NotApplicable(ValueError):
    """The test cannot run on this data (e.g. ``z`` on three categories); the message says why."""


@dataclass(frozen=True)
class TestOutcome:
    __test__ = False  # not a pytest class

    statistic: float
    p_value: float | None  # None for distances
    effect_size: float
    note: str = ""  # a caveat for the column's message


@dataclass(frozen=True)
class StatTest:
    __test__ = False

    name: str
    kinds: frozenset[ColumnKind]
    output: str  # "p_value" | "distance"
    default_threshold: float
    description: str
    fn: Callable[[Summary, Summary], TestOutcome]

    @property
    def is_p_value(self) -> bool:
        return self.output == "p_value"

    def __call__(self, reference: Summary, current: Summary) -> TestOutcome:
        return self.fn(reference, current)


# -- shared computations ----------------------------------------------------------------------------


def wasserstein1(u: np.ndarray, v: np.ndarray) -> float:
    """W1 between two samples given as sorted arrays, via the quantile functions.

    The quantile functions are steps at i/n and j/m; on the merged grid (integers over the
    common denominator n*m/gcd) the integral is a sum over at most n+m intervals.
    """
    n, m = u.size, v.size
    if n == m:
        return float(np.abs(u - v).mean())
    g = math.gcd(n, m)
    a, b = m // g, n // g  # u steps by a, v by b, total length n*a
    i = np.arange(1, n + 1, dtype=np.int64) * a
    j = np.arange(1, m + 1, dtype=np.int64) * b
    grid = np.empty(n + m, dtype=np.int64)
    grid[np.arange(n, dtype=np.int64) + i // b] = i  # v first on ties; ties are empty intervals
    grid[np.arange(m, dtype=np.int64) + (j - 1) // a] = j
    del i, j
    width = np.empty(n + m, dtype=np.float64)
    width[0] = grid[0]
    np.subtract(grid[1:], grid[:-1], out=width[1:], casting="unsafe")
    iu = (grid + (a - 1)) // a - 1
    diff = u[iu]
    del iu
    grid += b - 1
    grid //= b
    grid -= 1
    diff -= v[grid]
    np.abs(diff, out=diff)
    return float(np.dot(diff, width) / (n * a))


def ks_statistic(u: np.ndarray, v: np.ndarray) -> float:
    """sup |F_u - F_v| from sorted arrays, evaluated at the last copy of each distinct value."""
    best = 0.0
    for x, y in ((u, v), (v, u)):
        last = np.flatnonzero(np.append(x[1:] != x[:-1], True))
        diff = (last + 1) / x.size - np.searchsorted(y, x[last], side="right") / y.size
        best = max(best, float(np.abs(diff).max()))
    return best


def _shares(reference: Summary, current: Summary) -> tuple[np.ndarray, np.ndarray]:
    r, c = reference.counts.astype(np.float64), current.counts.astype(np.float64)
    keep = (r + c) > 0
    r, c = r[keep], c[keep]
    return r / r.sum(), c / c.sum()


def js_distance(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon distance (natural log) of two count or share vectors, as scipy computes it,
    with the divergence clipped at 0 so rounding never gives NaN."""
    p, q = p / p.sum(), q / q.sum()
    m = (p + q) / 2.0
    js = (special.rel_entr(p, m).sum() + special.rel_entr(q, m).sum()) / 2.0
    return float(math.sqrt(max(js, 0.0)))


def _scale(reference: NumericSummary, current: NumericSummary) -> tuple[float, str]:
    if reference.std > 0:
        return reference.std, ""
    n1, n2 = reference.n, current.n
    var = (n1 * reference.std**2 + n2 * current.std**2 + n1 * n2 / (n1 + n2) * (reference.mean - current.mean) ** 2) / (
        n1 + n2
    )
    if var > 0:
        return math.sqrt(var), "The reference is constant, so the distance is scaled by both files' spread."
    return 1.0, ""


def wasserstein_norm(reference: NumericSummary, current: NumericSummary) -> tuple[float, str]:
    scale, note = _scale(reference, current)
    return wasserstein1(reference.values, current.values) / scale, note


def numeric_effect(reference: NumericSummary, current: NumericSummary) -> float:
    return wasserstein_norm(reference, current)[0]


def categorical_effect(reference: CategoricalSummary, current: CategoricalSummary) -> float:
    return js_distance(*_shares(reference, current))


def _effect(reference: Summary, current: Summary) -> float:
    if isinstance(reference, NumericSummary):
        return numeric_effect(reference, current)
    return categorical_effect(reference, current)


# -- the tests --------------------------------------------------------------------------------------


def ks(reference: NumericSummary, current: NumericSummary) -> TestOutcome:
    u, v = reference.values, current.values
    if max(u.size, v.size) <= _EXACT_KS_MAX:
        with warnings.catch_warnings():  # scipy falls back to the asymptotic p-value itself
            warnings.simplefilter("ignore", RuntimeWarning)
            res = stats.ks_2samp(u, v)
        d, p = float(res.statistic), float(res.pvalue)
    else:
        d = ks_statistic(u, v)
        en = u.size * v.size / (u.size + v.size)
        p = float(np.clip(stats.kstwo.sf(d, np.round(en)), 0.0, 1.0))
    return TestOutcome(d, p, numeric_effect(reference, current))


def wasserstein(reference: NumericSummary, current: NumericSummary) -> TestOutcome:
    w, note = wasserstein_norm(reference, current)
    return TestOutcome(w, None, w, note)


def chisquare(reference: CategoricalSummary, current: CategoricalSummary) -> TestOutcome:
    r, c = reference.counts.astype(np.float64), current.counts.astype(np.float64)
    keep = (r + c) > 0
    effect = categorical_effect(reference, current)
    if int(keep.sum()) < 2:
        return TestOutcome(0.0, 1.0, effect)
    res = stats.chi2_contingency(np.vstack([r[keep], c[keep]]), correction=False)
    return TestOutcome(float(res.statistic), float(res.pvalue), effect)


def chisquare_gof(reference: CategoricalSummary, current: CategoricalSummary) -> TestOutcome:
    """evidently's chi-square: goodness of fit of the current counts to expected counts from the
    reference proportions, as if the reference were the population. Not registered (see the
    module docstring); kept for cross-checks with evidently."""
    r, c = reference.counts.astype(np.float64), current.counts.astype(np.float64)
    keep = (r + c) > 0
    r, c = r[keep], c[keep]
    effect = categorical_effect(reference, current)
    if r.size < 2:
        return TestOutcome(0.0, 1.0, effect)
    note = ""
    if (r == 0).any():
        r = r + 0.5
        note = "Categories absent from the reference were given a pseudo-count of 0.5 there."
    res = stats.chisquare(c, r / r.sum() * c.sum())
    return TestOutcome(float(res.statistic), float(res.pvalue), effect, note)


def z(reference: CategoricalSummary, current: CategoricalSummary) -> TestOutcome:
    r, c = reference.counts.astype(np.float64), current.counts.astype(np.float64)
    keep = (r + c) > 0
    if int(keep.sum()) > 2:
        raise NotApplicable(
            f"The z-test compares two categories, but this column has {int(keep.sum())}; "
            "use chisquare or jensenshannon for it."
        )
    effect = categorical_effect(reference, current)
    r, c = r[keep], c[keep]
    if r.size < 2:
        return TestOutcome(0.0, 1.0, effect)
    n1, n2 = r.sum(), c.sum()
    pooled = (r[0] + c[0]) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    stat = float((r[0] / n1 - c[0] / n2) / se)
    return TestOutcome(stat, float(min(1.0, 2 * stats.norm.sf(abs(stat)))), effect)


def jensenshannon(reference: Summary, current: Summary) -> TestOutcome:
    d = js_distance(*_shares(reference, current))
    effect = d if isinstance(reference, CategoricalSummary) else numeric_effect(reference, current)
    return TestOutcome(d, None, effect)


def _fill_zeros(shares: np.ndarray) -> np.ndarray:
    smallest = shares[shares > 0].min()
    return np.where(shares > 0, shares, smallest / 1e6 if smallest <= 1e-4 else 1e-4)


def psi(reference: Summary, current: Summary) -> TestOutcome:
    p, q = _shares(reference, current)
    p, q = _fill_zeros(p), _fill_zeros(q)
    value = float(np.sum((p - q) * np.log(p / q)))
    return TestOutcome(value, None, _effect(reference, current))


def hellinger(reference: Summary, current: Summary) -> TestOutcome:
    p, q = _shares(reference, current)
    value = math.sqrt(max(0.0, 1.0 - float(np.sqrt(p * q).sum())))
    return TestOutcome(value, None, _effect(reference, current))


_ALL = _NUMERIC | _CATEGORICAL
_REGISTRY: dict[str, StatTest] = {
    t.name: t
    for t in (
        StatTest("ks", _NUMERIC, "p_value", 0.05, "Two-sample Kolmogorov-Smirnov test (p-value).", ks),
        StatTest(
            "wasserstein",
            _NUMERIC,
            "distance",
            0.05,
            "Wasserstein-1 distance divided by the reference's standard deviation.",
            wasserstein,
        ),
        StatTest(
            "chisquare",
            _CATEGORICAL,
            "p_value",
            0.05,
            "Chi-square test of homogeneity of reference and current category counts (p-value).",
            chisquare,
        ),
        StatTest(
            "z", _CATEGORICAL, "p_value", 0.05, "Two-proportion z-test for columns with two categories (p-value).", z
        ),
        StatTest(
            "jensenshannon",
            _ALL,
            "distance",
            0.05,
            "Jensen-Shannon distance of category or bucket shares (natural log).",
            jensenshannon,
        ),
        StatTest(
            "psi",
            _ALL,
            "distance",
            0.1,
            "Population stability index of category or bucket shares, empty buckets smoothed.",
            psi,
        ),
        StatTest("hellinger", _ALL, "distance", 0.1, "Hellinger distance of category or bucket shares.", hellinger),
    )
}


def registry() -> dict[str, StatTest]:
    """Test name -> StatTest (a copy: changing it changes nothing)."""
    return dict(_REGISTRY)
