"""Paired statistics: DeLong against its definition, AUC against scikit-learn, McNemar against statsmodels,
and calibration under the null over many seeds; the vectorised bootstrap against a loop over its own resamples
and against the numbers it gave before it was vectorised further; the one-vs-rest macro AUC of multiclass
models (bootstrap and the DeLong-type test) against scikit-learn, a direct O(m n) computation and its
calibration."""

import os

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
    g, k = stats._groups(a)
    one = stats._auc_of_keys(stats._auc_keys(y, g, k)[idx], k)[0]
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


# -- the vectorised bootstrap: the same numbers as a loop, and as before ------------------------------------


def _binary(n, seed):
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.35
    a = np.round(rng.normal(y * 1.0, 1), 2)  # ties
    b = np.round(a + rng.normal(0, 0.6, n), 2)
    c0, c1 = (a > 0.4) == y, (b > 0.4) == y
    means = {"accuracy": np.vstack([c0, c1]).astype(float), "brier": np.vstack([(a - y) ** 2, (b - y) ** 2])}
    return y, a, b, means


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _three_classes(n, seed, *, noise0=1.0, noise1=1.0, decimals=None):
    """Class codes 0..2 and two models' probabilities: the same signal, each with its own noise."""
    rng = np.random.default_rng(seed)
    y = rng.choice(3, n, p=[0.5, 0.3, 0.2])
    base = np.eye(3)[y] * 1.5
    P0 = _softmax(base + rng.normal(0, noise0, (n, 3)))
    P1 = _softmax(base + rng.normal(0, noise1, (n, 3)))
    if decimals is not None:
        P0, P1 = np.round(P0, decimals), np.round(P1, decimals)
    return y, P0, P1


def _macro(y, P):
    """One-vs-rest macro ROC AUC by its definition, through scikit-learn class by class."""
    return np.mean([roc_auc_score(y == c, P[:, c]) for c in range(P.shape[1])])


def test_bootstrap_equals_a_loop_over_its_resamples():
    """Every resample's difference is the metric recomputed on the drawn rows (scikit-learn for the AUCs):
    accuracy, Brier score, binary ROC AUC and the multiclass macro AUC, with tied scores."""
    n, n_boot, seed = 400, 40, 3
    y, a, b, means = _binary(n, 0)
    codes, P0, P1 = _three_classes(n, 1, decimals=2)
    boot = stats.paired_bootstrap(
        n, means=means, aucs={"auc": (y, a, b)}, macro_aucs={"macro": (codes, P0, P1)}, n_boot=n_boot, seed=seed
    )
    idx = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))  # the documented draw: one matrix
    for r, rows in enumerate(idx):
        for name, t in means.items():
            assert boot[name][r] == pytest.approx(t[1][rows].mean() - t[0][rows].mean(), abs=1e-12)
        assert boot["auc"][r] == pytest.approx(
            roc_auc_score(y[rows], b[rows]) - roc_auc_score(y[rows], a[rows]), abs=1e-12
        )
        assert boot["macro"][r] == pytest.approx(
            _macro(codes[rows], P1[rows]) - _macro(codes[rows], P0[rows]), abs=1e-12
        )


def test_m_out_of_n_equals_a_loop_over_its_resamples():
    """Above BOOT_ROWS rows: resamples of BOOT_ROWS rows whose deviation from the full-sample value is shrunk by
    sqrt(m / n) around it, for the binary and the macro AUC alike."""
    n, n_boot, seed = stats.BOOT_ROWS + 5000, 3, 4
    m, shrink = stats.BOOT_ROWS, np.sqrt(stats.BOOT_ROWS / n)
    y, a, b, _ = _binary(n, 2)
    codes, P0, P1 = _three_classes(n, 3, decimals=2)
    boot = stats.paired_bootstrap(n, aucs={"auc": (y, a, b)}, macro_aucs={"macro": (codes, P0, P1)},
                                  n_boot=n_boot, seed=seed)  # fmt: skip
    idx = np.random.default_rng(seed).integers(0, n, size=(n_boot, m))
    full = roc_auc_score(y, b) - roc_auc_score(y, a)
    full_macro = _macro(codes, P1) - _macro(codes, P0)
    for r, rows in enumerate(idx):
        one = roc_auc_score(y[rows], b[rows]) - roc_auc_score(y[rows], a[rows])
        assert boot["auc"][r] == pytest.approx(full + (one - full) * shrink, abs=1e-12)
        one = _macro(codes[rows], P1[rows]) - _macro(codes[rows], P0[rows])
        assert boot["macro"][r] == pytest.approx(full_macro + (one - full_macro) * shrink, abs=1e-12)


@pytest.mark.parametrize(
    ("n", "n_boot", "expected"),
    [
        (
            500,
            300,
            {
                "accuracy": ((-0.043049999999999984, 0.016), (-0.04, -0.042)),
                "brier": ((0.27173738000000003, 0.513161115), (0.3920742, 0.27825099999999997)),
                "roc_auc": (
                    (-0.06200317390683266, -0.009128447498552721),
                    (-0.07306437889960304, -0.04628153685483427),
                ),
            },
        ),
        (  # m-out-of-n, three chunks of resamples (worked on by two threads)
            25_000,
            450,
            {
                "accuracy": (
                    (-0.030053627824380823, -0.019653675661029303),
                    (-0.029392869737029637, -0.02796178623142977),
                    (-0.024652405624730082, -0.026933194961779865),
                ),
                "brier": (
                    (0.3363879648202066, 0.3673443070229142),
                    (0.3516173639675781, 0.36366798598405586),
                    (0.35711844001883203, 0.3546521688430486),
                ),
                "roc_auc": (
                    (-0.03594705266643115, -0.02835452313018761),
                    (-0.03175868004243043, -0.034619728346442113),
                    (-0.030459730950701425, -0.03111265914930028),
                ),
            },
        ),
    ],
)
def test_same_seed_same_intervals_as_before_the_faster_bootstrap(n, n_boot, expected):
    """The intervals, first and last resamples the bootstrap gave at commit 4e711c0 (before the integer AUC counts,
    the int8 accuracy differences, the shared midranks and the threads), to the last digit: the speed-up changed no
    number."""
    y, a, b, means = _binary(n, 11)
    boot = stats.paired_bootstrap(n, means=means, aucs={"roc_auc": (y, a, b)}, n_boot=n_boot, seed=7)
    for name, (interval, first, *last) in expected.items():
        assert stats.percentile(boot[name]) == interval
        assert tuple(boot[name][:2]) == first
        assert not last or tuple(boot[name][-2:]) == last[0]


def test_threads_change_no_number(monkeypatch):
    y, a, b, means = _binary(stats.BOOT_ROWS + 3000, 5)
    codes, P0, P1 = _three_classes(y.size, 6)
    kw = dict(means=means, aucs={"auc": (y, a, b)}, macro_aucs={"macro": (codes, P0, P1)}, n_boot=500, seed=2)
    assert stats._threads(500, stats.BOOT_ROWS) == min(2, os.cpu_count() or 1)
    threaded = stats.paired_bootstrap(y.size, **kw)
    monkeypatch.setattr(stats, "_MAX_THREADS", 1)
    serial = stats.paired_bootstrap(y.size, **kw)
    assert all(np.array_equal(threaded[k], serial[k]) for k in serial)


# -- multiclass: the one-vs-rest macro AUC ------------------------------------------------------------------


def _delong_ovr_direct(y, P0, P1):
    """The DeLong-type variance of the macro AUC difference from every (positive, negative) pair, O(m n) per
    class: each row's linearised term, summed over the classes, and the variance within each class."""
    k = P0.shape[1]
    term, diffs = np.zeros(y.size), []
    for c in range(k):
        pos = y == c
        v10, v01 = [], []
        for P in (P0, P1):
            x, z = P[pos, c][:, None], P[~pos, c][None, :]
            psi = (x > z) + 0.5 * (x == z)
            v10.append(psi.mean(axis=1))
            v01.append(psi.mean(axis=0))
        d = v10[1].mean() - v10[0].mean()
        diffs.append(d)
        term[pos] += (v10[1] - v10[0] - d) / pos.sum()
        term[~pos] += (v01[1] - v01[0] - d) / (~pos).sum()
    term /= k
    var = sum((y == c).sum() * np.var(term[y == c], ddof=1) for c in range(k))
    return float(np.mean(diffs)), float(var)


@pytest.mark.parametrize("decimals", [None, 1])
def test_delong_ovr_equals_a_direct_computation_and_sklearn(decimals):
    y, P0, P1 = _three_classes(150, 5, noise1=1.4, decimals=decimals)
    fast, per_class = stats.delong_ovr(y, P0, P1)
    diff, var = _delong_ovr_direct(y, P0, P1)
    assert fast["difference"] == pytest.approx(diff, abs=1e-12)
    assert fast["variance"] == pytest.approx(var, rel=1e-9)
    assert fast["auc_champion"] == pytest.approx(_macro(y, P0), abs=1e-12)
    assert fast["auc_challenger"] == pytest.approx(_macro(y, P1), abs=1e-12)
    if decimals is None:  # scikit-learn's own one-vs-rest macro (it wants rows summing to 1)
        assert fast["auc_champion"] == pytest.approx(roc_auc_score(y, P0, multi_class="ovr"), abs=1e-12)
    for c, row in enumerate(per_class):
        own = stats.delong(y == c, P0[:, c], P1[:, c])
        assert row["p_value"] == pytest.approx(own["p_value"], rel=1e-12)
        assert row["challenger"] == pytest.approx(roc_auc_score(y == c, P1[:, c]), abs=1e-12)


def test_delong_ovr_with_two_classes_is_delong():
    rng = np.random.default_rng(8)
    y = (rng.random(300) < 0.4).astype(int)
    a, b = 1 / (1 + np.exp(-rng.normal(y * 1.2, 1))), 1 / (1 + np.exp(-rng.normal(y * 1.0, 1)))
    ovr, _ = stats.delong_ovr(y, np.column_stack([1 - a, a]), np.column_stack([1 - b, b]))
    binary = stats.delong(y == 1, a, b)
    for key in ("auc_champion", "auc_challenger", "difference", "variance", "z", "p_value"):
        assert ovr[key] == pytest.approx(binary[key], rel=1e-9, abs=1e-14)


def test_holm_adjusted_per_class_p_values_match_statsmodels():
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    y, P0, P1 = _three_classes(400, 9, noise1=1.3)
    _, rows = stats.delong_ovr(y, P0, P1)
    raw = [r["p_value"] for r in rows]
    holm = multitest.multipletests(raw, method="holm")[1]
    assert [r["p_holm"] for r in rows] == pytest.approx(list(holm), rel=1e-12)


def test_delong_ovr_spread_matches_the_bootstrap():
    y, P0, P1 = _three_classes(600, 12, noise1=1.3)
    boot = stats.paired_bootstrap(600, macro_aucs={"m": (y, P0, P1)}, n_boot=2000, seed=1)["m"]
    d, _ = stats.delong_ovr(y, P0, P1)
    assert boot.std() == pytest.approx(np.sqrt(d["variance"]), rel=0.15)
    assert boot.mean() == pytest.approx(d["difference"], abs=0.005)


def test_delong_ovr_and_macro_bootstrap_calibrated_under_the_null():
    """Two models of equal true macro AUC (the same signal, noise of the same size): each test calls them
    different at no more than the nominal 5% plus two standard errors of the simulated rate."""
    alpha = 0.05
    reps = 400
    p = np.array([stats.delong_ovr(*_three_classes(300, 1000 + r))[0]["p_value"] for r in range(reps)])
    assert np.isfinite(p).all()
    assert 0 < np.mean(p < alpha) <= alpha + 2 * np.sqrt(alpha * (1 - alpha) / reps)  # 0.0475 here
    reps = 200
    calls = 0
    for r in range(reps):
        boot = stats.paired_bootstrap(300, macro_aucs={"m": _three_classes(300, 5000 + r)}, n_boot=200, seed=r)["m"]
        lo, hi = stats.percentile(boot)
        calls += lo > 0 or hi < 0
    assert 0 < calls / reps <= alpha + 2 * np.sqrt(alpha * (1 - alpha) / reps)  # 0.065 here


def test_clearly_better_multiclass_is_detected_and_identical_is_not():
    y, P0, P1 = _three_classes(500, 13, noise0=2.5, noise1=0.7)
    d, _ = stats.delong_ovr(y, P0, P1)
    assert d["difference"] > 0.05 and d["p_value"] < 0.001
    lo, _ = stats.percentile(stats.paired_bootstrap(500, macro_aucs={"m": (y, P0, P1)}, n_boot=300)["m"])
    assert lo > 0
    same, _ = stats.delong_ovr(y, P0, P0)
    assert same["difference"] == 0 and same["p_value"] == 1.0
    assert np.all(stats.paired_bootstrap(500, macro_aucs={"m": (y, P0, P0)}, n_boot=50)["m"] == 0)


def test_delong_ovr_needs_every_class():
    y, P0, P1 = _three_classes(60, 14)
    y = np.where(y == 2, 1, y)  # class 2 never appears
    d, per_class = stats.delong_ovr(y, P0, P1)
    assert np.isnan(d["p_value"]) and per_class == []
