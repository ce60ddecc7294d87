"""Our tests give evidently's values on the same data (legacy stattest functions of evidently 0.7).

Where the default binning differs we pass evidently's binning to compare like with like:
evidently bins a numerical column with more than 20 distinct reference values into Sturges
bins over both files combined, and otherwise compares the shares of each value; we bin
numerical columns into reference-quantile buckets plus open buckets outside the reference's
range (mergeable across chunks, and stable under heavy tails). evidently's chi-square is a
goodness-of-fit to the reference proportions (our unregistered ``chisquare_gof``); our
registered ``chisquare`` is the test of homogeneity (see ``robustness.drift.stattests``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from robustness.drift import registry
from robustness.drift.stattests import chisquare_gof
from robustness.drift.summaries import summarize_pair
from robustness.schema import ColumnKind


class _Evidently:
    """evidently's stattests module, imported by the first test that uses it: importing evidently takes
    seconds, which every pytest-xdist worker would otherwise spend collecting this module."""

    def __getattr__(self, name: str):
        return getattr(pytest.importorskip("evidently.legacy.calculations.stattests"), name)


evidently_stattests = _Evidently()

K = ColumnKind
NUM, CAT = "Numerical", "Categorical"  # evidently's ColumnType members
TOL = dict(rel=1e-6, abs=1e-9)


def _ev(test, ref, cur, kind=NUM) -> float:
    from evidently.legacy.core import ColumnType

    return float(test(pd.Series(ref), pd.Series(cur), ColumnType[kind], None).drift_score)


def _numbers(n: int, m: int, seed: int, shift: float = 0.1):
    rng = np.random.default_rng(seed)
    return rng.lognormal(3, 0.5, n), rng.lognormal(3 + shift, 0.55, m)


def _categories(n: int, m: int, seed: int, new: bool = False):
    rng = np.random.default_rng(seed)
    cats = ["red", "green", "blue", "grey", "black"]
    ref = rng.choice(cats, n, p=[0.3, 0.25, 0.2, 0.15, 0.1])
    cur = rng.choice(
        cats + (["pink"] if new else []),
        m,
        p=[0.28, 0.25, 0.2, 0.12, 0.1] + ([0.05] if new else []) if new else [0.28, 0.27, 0.2, 0.15, 0.1],
    )
    return ref, cur


def _sturges(ref, cur) -> np.ndarray:
    return np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")


@pytest.mark.parametrize("n,m,seed", [(200, 300, 0), (3000, 2000, 1), (20_000, 15_000, 2)])
def test_ks(n, m, seed):
    ref, cur = _numbers(n, m, seed)
    ours = registry()["ks"](*summarize_pair(ref, cur, K.NUMERICAL))
    # evidently runs scipy's default (exact up to 10,000 values per side); ours is Smirnov's asymptotic
    # p-value in both engines, which scipy's default also uses above 10,000
    close = dict(rel=1e-6, abs=1e-12) if max(n, m) > 10_000 else dict(rel=0.3, abs=1e-3)
    assert ours.p_value == pytest.approx(_ev(evidently_stattests.ks_stat_test, ref, cur), **close)


@pytest.mark.parametrize("n,m,seed", [(200, 300, 3), (3000, 2000, 4), (50_000, 50_000, 5)])
def test_wasserstein(n, m, seed):
    ref, cur = _numbers(n, m, seed)
    ours = registry()["wasserstein"](*summarize_pair(ref, cur, K.NUMERICAL))
    assert ours.statistic == pytest.approx(_ev(evidently_stattests.wasserstein_stat_test, ref, cur), **TOL)


@pytest.mark.parametrize("n,m,seed,new", [(300, 200, 6, False), (5000, 4000, 7, True)])
@pytest.mark.filterwarnings("ignore:divide by zero")
def test_chisquare_goodness_of_fit(n, m, seed, new):
    ref, cur = _categories(n, m, seed, new)
    r, c = summarize_pair(ref, cur, K.CATEGORICAL)
    theirs = _ev(evidently_stattests.chi_stat_test, ref, cur, CAT)
    if new:  # evidently divides by a zero expected count: p = 0; ours smooths and is finite but tiny
        assert theirs == 0 and chisquare_gof(r, c).p_value < 1e-10
    else:
        assert chisquare_gof(r, c).p_value == pytest.approx(theirs, **TOL)


@pytest.mark.parametrize("n,m,seed", [(300, 200, 8), (5000, 4000, 9)])
def test_z(n, m, seed):
    rng = np.random.default_rng(seed)
    ref, cur = rng.choice(["no", "yes"], n, p=[0.7, 0.3]), rng.choice(["no", "yes"], m, p=[0.66, 0.34])
    ours = registry()["z"](*summarize_pair(ref, cur, K.CATEGORICAL))
    assert ours.p_value == pytest.approx(_ev(evidently_stattests.z_stat_test, ref, cur, CAT), **TOL)


@pytest.mark.parametrize(
    "name,theirs",
    [("jensenshannon", "jensenshannon_stat_test"), ("psi", "psi_stat_test"), ("hellinger", "hellinger_stat_test")],
)
@pytest.mark.parametrize("n,m,seed,new", [(300, 200, 10, False), (5000, 4000, 11, True)])
def test_binned_tests_on_categories(name, theirs, n, m, seed, new):
    ref, cur = _categories(n, m, seed, new)
    ours = registry()[name](*summarize_pair(ref, cur, K.CATEGORICAL))
    assert ours.statistic == pytest.approx(_ev(getattr(evidently_stattests, theirs), ref, cur, CAT), **TOL)


@pytest.mark.parametrize("name,theirs", [("jensenshannon", "jensenshannon_stat_test"), ("psi", "psi_stat_test")])
@pytest.mark.parametrize("n,m,seed,shift", [(500, 400, 12, 0.05), (20_000, 30_000, 13, 0.3), (2000, 2000, 14, 2.0)])
def test_binned_tests_on_numbers_with_evidently_binning(name, theirs, n, m, seed, shift):
    ref, cur = _numbers(n, m, seed, shift)
    r, c = summarize_pair(ref, cur, K.NUMERICAL, edges=_sturges(ref, cur))
    assert r.counts[0] == r.counts[-1] == c.counts[0] == c.counts[-1] == 0
    ours = registry()[name](r, c)
    assert ours.statistic == pytest.approx(_ev(getattr(evidently_stattests, theirs), ref, cur), **TOL)


@pytest.mark.parametrize("name,theirs", [("jensenshannon", "jensenshannon_stat_test"), ("psi", "psi_stat_test")])
def test_binned_tests_on_few_valued_numbers_compare_value_shares(name, theirs):
    rng = np.random.default_rng(15)
    ref, cur = rng.poisson(4, 3000).astype(float), rng.poisson(4.3, 2500).astype(float)
    ours = registry()[name](*summarize_pair(ref, cur, K.CATEGORICAL))
    assert ours.statistic == pytest.approx(_ev(getattr(evidently_stattests, theirs), ref, cur), **TOL)


def test_default_binning_differs_but_agrees_on_the_verdict():
    ref, cur = _numbers(20_000, 20_000, 16, shift=0.3)
    ours = registry()["psi"](*summarize_pair(ref, cur, K.NUMERICAL))
    theirs = _ev(evidently_stattests.psi_stat_test, ref, cur)
    assert (ours.statistic >= 0.1) == (theirs >= 0.1)
    same = registry()["psi"](*summarize_pair(ref, _numbers(20_000, 20_000, 17, shift=0.0)[0], K.NUMERICAL))
    assert same.statistic < 0.01
