"""The drift tests: one registry entry per test, one implementation per summary type.

Every test is ``fn(reference, current, **options) -> TestOutcome`` on two summaries of the same type:
``NumericSummary`` (exact, in memory), ``BinnedSummary`` (Dask; within the bounds documented in
``robustness.drift.binned`` and ``robustness.drift.numeric``), ``CategoricalSummary`` (exact in both
engines) or ``TextSummary`` (text: lengths and a sample of hashed term counts, ``robustness.drift.text``;
a length test chosen for a text column reads its lengths). ``StatTest.supports(summary)`` says whether a
test has an implementation for a summary type; the rule (``robustness.drift.rule``) refuses an override
it cannot serve instead of running another test. Decisions (thresholds, Benjamini-Hochberg, effect sizes
in user units) are the rule's.

``effect_size`` is the same measure for every test of a column kind, so columns sort on one scale
whichever test decided:

- numerical, datetime and text-length columns: the normalised Wasserstein distance (W1 divided by the
  reference's standard deviation: "how many reference standard deviations the distribution moved");
  text columns under ``tfidf`` (their default): 2 AUC - 1 of the content classifier (0 = alike,
  1 = told apart every time), or the lengths' distance when there are too few texts to compare content;
- categorical and boolean columns: the Jensen-Shannon distance (natural log, as scipy's default;
  0 = identical, sqrt(ln 2) ~ 0.83 = disjoint).

Details per test:

- ``tfidf`` (the default for text): the TF-IDF domain classifier's p-value for AUC > 0.5 (DeLong, on
  out-of-fold scores) and ``ks_bf`` on the lengths, combined by Bonferroni; the statistic is the AUC. See
  ``robustness.drift.text`` for the features, the sample of at most 5,000 texts a side and its bound.
- ``ks_bf`` (the default for numbers): the two-sample Kolmogorov-Smirnov test (location and shape) and
  the Brown-Forsythe test (spread: Levene's test around the medians), combined by Bonferroni:
  p = min(1, 2 min(p_KS, p_BF)). The statistic is KS's D; the message gives both p-values. Chosen by
  measurement (``benchmarks/drift_power.py``; the issue #17 notes): at 300 rows per side KS alone
  flags an SD x1.3 change in 35 % of runs, KS + Brown-Forsythe in 97 %; Anderson-Darling (scipy's
  midrank version) flags 75 % but raises false alarms to 7.7 % on Poisson and 11 % on three-valued
  columns; Cramer-von Mises 48 %. KS + Brown-Forsythe stayed at or below alpha on normal, lognormal,
  t(3), Poisson and three-valued columns at 300 and 2,000 rows.
- ``ks``: D from the sorted arrays (in memory) or the binned CDFs; Smirnov's asymptotic p-value
  ``kstwo.sf(D, round(n m / (n + m)))``, as ``scipy.stats.ks_2samp(method="asymp")``, in both engines.
- ``cramervonmises``: ``scipy.stats.cramervonmises_2samp`` (exact data only: the Dask engine refuses it).
- ``wasserstein``: W1 computed from the sorted arrays (quantile form, linear time), divided by the
  reference's standard deviation; when the reference is constant, by the pooled standard deviation.
- ``chisquare``: Pearson's chi-square test of homogeneity on the 2 x k table of reference and current
  counts (``scipy.stats.chi2_contingency``, no continuity correction). evidently instead fits the
  current counts to the reference proportions as if the reference were the population
  (``chisquare_gof`` here, not registered): with 500 rows on each side it flags about 27 % of
  undrifted columns at alpha = 0.05 (homogeneity: 5 %).
- ``z``: pooled two-proportion z-test; statistic z for the share of the first category (in the
  summary's order: the most frequent), positive when its share fell. Needs exactly two categories.
- ``jensenshannon``, ``psi``, ``hellinger``: on category shares, or for numerical columns on the shares
  of ``bins`` reference-quantile buckets plus open buckets below/above the reference's range (through
  Dask the quantiles and the counts come from the binned summary: each bucket's share is within the
  share of one bin per edge of the exact one). ``psi`` replaces empty buckets by a share of 0.0001, or
  by the smallest non-empty share / 10^6 when that is at most 0.0001, as evidently does.
  ``hellinger`` is sqrt(1 - sum(sqrt(p * q))), in [0, 1], as evidently computes it for categories.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from robustness.drift.binned import BinnedSummary, binned_ks, binned_wasserstein
from robustness.drift.numeric import brown_forsythe, ks_pvalue, view
from robustness.drift.summaries import CategoricalSummary, NumericSummary
from robustness.drift.text import MIN_TEXTS, TextContent, TextSummary, compare_content, content_details, gini
from robustness.schema import ColumnKind

K = ColumnKind
_NUMERIC = frozenset({K.NUMERICAL, K.DATETIME, K.TEXT})
_CATEGORICAL = frozenset({K.CATEGORICAL, K.BOOLEAN})
SUMMARY_NAMES = {
    NumericSummary: "exact values",
    BinnedSummary: "binned values (Dask)",
    CategoricalSummary: "category counts",
    TextSummary: "texts",
}


class NotApplicable(ValueError):
    """The test cannot run on this data (e.g. ``z`` on three categories); the message says why."""


@dataclass(frozen=True)
class TestOutcome:
    __test__ = False  # not a pytest class

    statistic: float
    p_value: float | None  # None for distances
    effect_size: float
    note: str = ""  # a caveat for the column's message
    content: TextContent | None = None  # text columns: the content comparison


@dataclass(frozen=True)
class StatTest:
    __test__ = False

    name: str
    kinds: frozenset[ColumnKind]
    output: str  # "p_value" | "distance"
    default_threshold: float
    description: str
    impls: Mapping[type, Callable[..., TestOutcome]]

    @property
    def is_p_value(self) -> bool:
        return self.output == "p_value"

    def supports(self, summary) -> bool:
        return type(summary) in self.impls

    def __call__(self, reference, current, **options) -> TestOutcome:
        fn = self.impls.get(type(reference))
        if fn is None:
            what = SUMMARY_NAMES.get(type(reference), type(reference).__name__)
            raise NotApplicable(f"The test '{self.name}' has no implementation for {what}.")
        return fn(reference, current, **options)


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


def js_distance(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon distance (natural log) of two count or share vectors, as scipy computes it,
    with the divergence clipped at 0 so rounding never gives NaN."""
    p, q = p / p.sum(), q / q.sum()
    m = (p + q) / 2.0
    js = (special.rel_entr(p, m).sum() + special.rel_entr(q, m).sum()) / 2.0
    return float(math.sqrt(max(js, 0.0)))


def _shares(reference, current, bins: int = 30) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(reference, BinnedSummary):
        r, c = bucket_counts(reference, current, bins)
    else:
        r, c = reference.counts.astype(np.float64), current.counts.astype(np.float64)
    keep = (r + c) > 0
    r, c = r[keep], c[keep]
    return r / r.sum(), c / c.sum()


def bucket_counts(reference: BinnedSummary, current: BinnedSummary, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Counts below, within and above ``bins`` reference-quantile buckets, from binned summaries (the
    same buckets the in-memory summary uses, located within one bin)."""
    rv, cv = view(reference), view(current)
    probs = np.linspace(0.0, 1.0, bins + 1)
    edges = np.unique([rv.blocks.order_stat(p * (rv.n - 1))[0] for p in probs])
    if edges.size < 2:
        edges = np.repeat(edges, 2)
    out = []
    for v in (rv, cv):
        below = np.array([v.blocks.count_below(e) for e in edges])
        below[-1] = v.blocks.count_below(edges[-1], inclusive=True)  # the last bucket is closed
        out.append(np.diff(np.concatenate(([0.0], below, [float(v.n)]))))
    return out[0], out[1]


def _scale(reference, current) -> tuple[float, str]:
    if reference.std > 0:
        return reference.std, ""
    n1, n2 = reference.n, current.n
    var = (n1 * reference.std**2 + n2 * current.std**2 + n1 * n2 / (n1 + n2) * (reference.mean - current.mean) ** 2) / (
        n1 + n2
    )
    if var > 0:
        return math.sqrt(var), "The reference is constant, so the distance is scaled by both files' spread."
    return 1.0, ""


def wasserstein_norm(reference, current) -> tuple[float, str]:
    scale, note = _scale(reference, current)
    if isinstance(reference, BinnedSummary):
        w, bound = binned_wasserstein(reference, current)
        note = (
            note + " " if note else ""
        ) + f"Binned Wasserstein: within {bound / scale:.2g} of the exact value (reference SDs)."
        return w / scale, note
    return wasserstein1(reference.values, current.values) / scale, note


def numeric_effect(reference, current) -> float:
    return wasserstein_norm(reference, current)[0]


def categorical_effect(reference: CategoricalSummary, current: CategoricalSummary) -> float:
    return js_distance(*_shares(reference, current))


def _effect(reference, current) -> float:
    if isinstance(reference, CategoricalSummary):
        return categorical_effect(reference, current)
    return numeric_effect(reference, current)


def _ks_d(reference, current) -> tuple[float, str]:
    if isinstance(reference, BinnedSummary):
        d, bound = binned_ks(reference, current)
        return d, f"Binned KS: the exact statistic lies in [{d:.4f}, {d + bound:.4f}]."
    return ks_statistic(reference.values, current.values), ""


# -- the tests --------------------------------------------------------------------------------------


def ks(reference, current, **_) -> TestOutcome:
    d, note = _ks_d(reference, current)
    return TestOutcome(d, ks_pvalue(d, reference.n, current.n), numeric_effect(reference, current), note)


def ks_bf(reference, current, **_) -> TestOutcome:
    d, note = _ks_d(reference, current)
    p_ks = ks_pvalue(d, reference.n, current.n)
    w, p_bf, bound = brown_forsythe(view(reference), view(current))
    p = min(1.0, 2.0 * min(p_ks, p_bf))
    parts = f"KS D {d:.3g} (p {p_ks:.3g}), Brown-Forsythe W {w:.3g} (p {p_bf:.3g}); p = min(1, 2 x the smaller)."
    if bound:
        parts += f" Binned Brown-Forsythe: W within {bound:.2g} of the exact value."
    note = " ".join(x for x in (parts, note) if x)
    return TestOutcome(d, p, numeric_effect(reference, current), note)


def tfidf(reference: TextSummary, current: TextSummary, *, seed: int = 0, **_) -> TestOutcome:
    """Text columns: the TF-IDF domain classifier on the texts and KS + Brown-Forsythe on their lengths,
    combined by Bonferroni (``robustness.drift.text``)."""
    length = ks_bf(reference.lengths, current.lengths)
    content = None
    if reference.docs is not None and current.docs is not None:
        content = compare_content(reference.docs, current.docs, seed=seed)
    if content is None:
        fewer = min(reference.docs.n if reference.docs else 0, current.docs.n if current.docs else 0)
        note = (
            f"Content not compared: {fewer} texts on the smaller side, and {MIN_TEXTS} per file are needed to "
            f"cross-validate a classifier; the lengths decide. {length.note}"
        )
        return TestOutcome(length.statistic, length.p_value, length.effect_size, note)
    assert length.p_value is not None  # ks_bf gives a p-value
    p = min(1.0, 2.0 * min(content.p_value, length.p_value))
    note = (
        f"{content_details(content)} Lengths: {length.note} Content and lengths combined the same way: "
        f"p = min(1, 2 x the smaller of {content.p_value:.3g} and {length.p_value:.3g})."
    )
    return TestOutcome(content.auc, p, gini(content.auc), note, content)


def cramervonmises(reference: NumericSummary, current: NumericSummary, **_) -> TestOutcome:
    res = stats.cramervonmises_2samp(reference.values, current.values)
    return TestOutcome(float(res.statistic), float(np.clip(res.pvalue, 0.0, 1.0)), numeric_effect(reference, current))


def wasserstein(reference, current, **_) -> TestOutcome:
    w, note = wasserstein_norm(reference, current)
    return TestOutcome(w, None, w, note)


def chisquare(reference: CategoricalSummary, current: CategoricalSummary, **_) -> TestOutcome:
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


def z(reference: CategoricalSummary, current: CategoricalSummary, **_) -> TestOutcome:
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


def jensenshannon(reference, current, *, bins: int = 30, **_) -> TestOutcome:
    d = js_distance(*_shares(reference, current, bins))
    return TestOutcome(d, None, _effect(reference, current))


def _fill_zeros(shares: np.ndarray) -> np.ndarray:
    smallest = shares[shares > 0].min()
    return np.where(shares > 0, shares, smallest / 1e6 if smallest <= 1e-4 else 1e-4)


def psi(reference, current, *, bins: int = 30, **_) -> TestOutcome:
    p, q = _shares(reference, current, bins)
    p, q = _fill_zeros(p), _fill_zeros(q)
    value = float(np.sum((p - q) * np.log(p / q)))
    return TestOutcome(value, None, _effect(reference, current))


def hellinger(reference, current, *, bins: int = 30, **_) -> TestOutcome:
    p, q = _shares(reference, current, bins)
    value = math.sqrt(max(0.0, 1.0 - float(np.sqrt(p * q).sum())))
    return TestOutcome(value, None, _effect(reference, current))


_NUM = (NumericSummary, BinnedSummary)


def _on(fn, *types) -> dict:
    return dict.fromkeys(types, fn)


_ALL = _NUMERIC | _CATEGORICAL
_REGISTRY: dict[str, StatTest] = {
    t.name: t
    for t in (
        StatTest(
            "tfidf",
            frozenset({K.TEXT}),
            "p_value",
            0.05,
            "Text content: a TF-IDF domain classifier (cross-validated ROC AUC, DeLong) and KS + Brown-Forsythe "
            "on the lengths, Bonferroni-combined (p-value).",
            _on(tfidf, TextSummary),
        ),
        StatTest(
            "ks_bf",
            _NUMERIC,
            "p_value",
            0.05,
            "Kolmogorov-Smirnov (location, shape) and Brown-Forsythe (spread), Bonferroni-combined (p-value).",
            _on(ks_bf, *_NUM),
        ),
        StatTest("ks", _NUMERIC, "p_value", 0.05, "Two-sample Kolmogorov-Smirnov test (p-value).", _on(ks, *_NUM)),
        StatTest(
            "cramervonmises",
            _NUMERIC,
            "p_value",
            0.05,
            "Two-sample Cramer-von Mises test (p-value; exact data only, not through Dask).",
            _on(cramervonmises, NumericSummary),
        ),
        StatTest(
            "wasserstein",
            _NUMERIC,
            "distance",
            0.05,
            "Wasserstein-1 distance divided by the reference's standard deviation.",
            _on(wasserstein, *_NUM),
        ),
        StatTest(
            "chisquare",
            _CATEGORICAL,
            "p_value",
            0.05,
            "Chi-square test of homogeneity of reference and current category counts (p-value).",
            _on(chisquare, CategoricalSummary),
        ),
        StatTest(
            "z",
            _CATEGORICAL,
            "p_value",
            0.05,
            "Two-proportion z-test for columns with two categories (p-value).",
            _on(z, CategoricalSummary),
        ),
        StatTest(
            "jensenshannon",
            _ALL,
            "distance",
            0.05,
            "Jensen-Shannon distance of category or bucket shares (natural log).",
            _on(jensenshannon, *_NUM, CategoricalSummary),
        ),
        StatTest(
            "psi",
            _ALL,
            "distance",
            0.1,
            "Population stability index of category or bucket shares, empty buckets smoothed.",
            _on(psi, *_NUM, CategoricalSummary),
        ),
        StatTest(
            "hellinger",
            _ALL,
            "distance",
            0.1,
            "Hellinger distance of category or bucket shares.",
            _on(hellinger, *_NUM, CategoricalSummary),
        ),
    )
}


def registry() -> dict[str, StatTest]:
    """Test name -> StatTest (a copy: changing it changes nothing)."""
    return dict(_REGISTRY)
