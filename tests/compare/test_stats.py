"""Paired statistics: DeLong against its definition, AUC against scikit-learn, McNemar against statsmodels,
and calibration under the null over many seeds."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from robustness.compare import stats


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("decimals", [None, 1])
def test_fast_delong_equals_slow_exact(seed, decimals):
    rng = np.random.default_rng(seed)
    n = 120
    y = rng.random(n) < 0.35
    a = rng.normal(y * 1.0, 1)
    b = a + rng.normal(0, 0.7, n)
    if decimals is not None:  # many ties
        a, b = np.round(a, decimals), np.round(b, decimals)
    fast, slow = stats.delong(y, a, b), stats.delong_slow(y, a, b)
    for k in ("auc_champion", "auc_challenger", "difference", "variance", "z", "p_value"):
        assert fast[k] == pytest.approx(slow[k], rel=1e-9, abs=1e-12)
    assert fast["auc_champion"] == pytest.approx(roc_auc_score(y, a), abs=1e-12)
    assert fast["auc_challenger"] == pytest.approx(roc_auc_score(y, b), abs=1e-12)
    assert stats.auc_midrank(y, a) == pytest.approx(roc_auc_score(y, a), abs=1e-12)


def test_bootstrap_auc_matches_delong_spread_and_sklearn():
    rng = np.random.default_rng(0)
    n = 400
    y = rng.random(n) < 0.4
    a = rng.normal(y * 1.0, 1)
    b = a + rng.normal(0, 0.5, n)
    boot = stats.paired_bootstrap(n, aucs={"auc": (y, a, b)}, n_boot=2000, seed=1)["auc"]
    d = stats.delong(y, a, b)
    assert boot.std() == pytest.approx(np.sqrt(d["variance"]), rel=0.15)
    assert boot.mean() == pytest.approx(roc_auc_score(y, b) - roc_auc_score(y, a), abs=0.005)
    # one resample, recomputed with scikit-learn on the drawn rows
    idx = np.random.default_rng(5).integers(0, n, size=(1, n))
    W = np.bincount(idx[0], minlength=n)
    rows = np.repeat(np.arange(n), W)
    one = stats._auc_of_keys((2 * stats._groups(a)[0] + y)[idx], stats._groups(a)[1])[0]
    assert one == pytest.approx(roc_auc_score(y[rows], a[rows]), abs=1e-12)


def test_mcnemar_against_statsmodels():
    sm = pytest.importorskip("statsmodels.stats.contingency_tables")
    rng = np.random.default_rng(3)
    for _ in range(5):
        a, b = rng.random(150) < 0.7, rng.random(150) < 0.75
        t = np.array([[np.sum(a & b), np.sum(a & ~b)], [np.sum(~a & b), np.sum(~a & ~b)]])
        assert stats.mcnemar(a, b)["p_exact"] == pytest.approx(sm.mcnemar(t, exact=True).pvalue, rel=1e-9)
        assert stats.mcnemar(a, b)["p_mid"] <= stats.mcnemar(a, b)["p_exact"]


def test_identical_inputs_give_zero_and_p_one():
    rng = np.random.default_rng(0)
    y = rng.random(300) < 0.5
    s = rng.random(300)
    c = (s > 0.5) == y
    boot = stats.paired_bootstrap(300, means={"acc": np.vstack([c, c])}, aucs={"auc": (y, s, s)}, n_boot=200)
    assert np.all(boot["acc"] == 0) and np.all(boot["auc"] == 0)
    assert stats.mcnemar(c, c)["p_mid"] == 1.0
    assert stats.delong(y, s, s)["p_value"] == 1.0
    assert stats.paired_t(s, s) == 1.0 and stats.wilcoxon_abs(s, s) == 1.0


def test_null_calibration_mcnemar_and_bootstrap():
    """Two models of equal true accuracy (0.8), errors correlated: each test calls them different at no more
    than the nominal 5% (plus two standard errors of the simulated rate) over 400 seeds."""
    reps, n, alpha = 400, 300, 0.05
    rng = np.random.default_rng(2024)
    calls_mc, calls_boot = 0, 0
    for r in range(reps):
        shared = rng.random(n)
        own0, own1 = rng.random(n), rng.random(n)
        c0 = np.where(rng.random(n) < 0.5, shared, own0) < 0.8
        c1 = np.where(rng.random(n) < 0.5, shared, own1) < 0.8
        calls_mc += stats.mcnemar(c0, c1)["p_mid"] < alpha
        boot = stats.paired_bootstrap(n, means={"acc": np.vstack([c0, c1]).astype(float)}, n_boot=400, seed=r)
        lo, hi = stats.percentile(boot["acc"])
        calls_boot += lo > 0 or hi < 0
    bound = alpha + 2 * np.sqrt(alpha * (1 - alpha) / reps)
    assert calls_mc / reps <= bound
    assert calls_boot / reps <= bound


def test_clearly_better_is_detected():
    rng = np.random.default_rng(1)
    n = 500
    c0, c1 = rng.random(n) < 0.7, rng.random(n) < 0.85
    assert stats.mcnemar(c0, c1)["p_mid"] < 0.001
    lo, hi = stats.percentile(stats.paired_bootstrap(n, means={"a": np.vstack([c0, c1]).astype(float)})["a"])
    assert lo > 0


def test_m_out_of_n_bootstrap_above_boot_rows():
    rng = np.random.default_rng(0)
    n = stats.BOOT_ROWS * 2
    y = rng.random(n) < 0.4
    a = rng.normal(y * 1.0, 1)
    b = a + rng.normal(0, 0.5, n)
    boot = stats.paired_bootstrap(n, aucs={"auc": (y, a, b)}, n_boot=300, seed=0)["auc"]
    d = stats.delong(y, a, b)
    assert boot.std() == pytest.approx(np.sqrt(d["variance"]), rel=0.25)
    assert np.median(boot) == pytest.approx(d["difference"], abs=3 * np.sqrt(d["variance"]))
