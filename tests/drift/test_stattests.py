"""Each drift test against scipy (or a direct formula) on the same data; the registry; overrides."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial import distance

from robustness.drift import ColumnOverride, DriftConfig, default_test, drift, registry
from robustness.drift.stattests import NotApplicable, chisquare_gof, ks_statistic, wasserstein1
from robustness.drift.summaries import CategoricalSummary, histogram, summarize_pair
from robustness.errors import ConfigError
from robustness.schema import ColumnKind

K = ColumnKind
TOL = dict(rel=1e-9, abs=1e-12)
SIZES = [(7, 5), (300, 300), (800, 1300), (12_001, 15_000), (20_000, 9_999)]


def _numeric(n: int, m: int, seed: int = 0, shift: float = 0.2, ties: bool = False):
    rng = np.random.default_rng(seed)
    ref, cur = rng.normal(10, 2, n), rng.normal(10 + shift, 2.2, m)
    if ties:
        ref, cur = ref.round(), cur.round()
    return ref, cur


def _cats(n: int, m: int, seed: int = 0, new: bool = False):
    rng = np.random.default_rng(seed)
    cats = ["a", "b", "c", "d"]
    ref = rng.choice(cats, n, p=[0.4, 0.3, 0.2, 0.1])
    cur = rng.choice(cats + ["e"] if new else cats, m, p=[0.35, 0.3, 0.2, 0.05, 0.1] if new else [0.4, 0.25, 0.25, 0.1])
    return ref, cur


@pytest.mark.parametrize("n,m", SIZES)
@pytest.mark.parametrize("ties", [False, True])
def test_ks_matches_scipy(n, m, ties):
    ref, cur = _numeric(n, m, ties=ties)
    r, c = summarize_pair(ref, cur, K.NUMERICAL)
    out = registry()["ks"](r, c)
    expected = stats.ks_2samp(ref, cur, method="asymp")  # both engines use Smirnov's asymptotic p-value
    assert out.statistic == pytest.approx(expected.statistic, **TOL)
    assert out.p_value == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)
    assert ks_statistic(np.sort(ref), np.sort(cur)) == pytest.approx(expected.statistic, **TOL)


@pytest.mark.parametrize("n,m", SIZES + [(1, 3), (2, 2)])
@pytest.mark.parametrize("ties", [False, True])
def test_wasserstein_matches_scipy(n, m, ties):
    ref, cur = _numeric(n, m, seed=1, ties=ties)
    assert wasserstein1(np.sort(ref), np.sort(cur)) == pytest.approx(stats.wasserstein_distance(ref, cur), **TOL)
    if n < 2:
        return
    r, c = summarize_pair(ref, cur, K.NUMERICAL)
    out = registry()["wasserstein"](r, c)
    assert out.statistic == pytest.approx(stats.wasserstein_distance(ref, cur) / np.std(ref), **TOL)
    assert out.p_value is None and out.effect_size == out.statistic


def test_wasserstein_of_constant_reference_uses_pooled_spread():
    r, c = summarize_pair(np.full(50, 3.0), np.r_[np.full(25, 3.0), np.full(25, 5.0)], K.NUMERICAL)
    out = registry()["wasserstein"](r, c)
    pooled = np.std(np.r_[np.full(75, 3.0), np.full(25, 5.0)])
    assert out.statistic == pytest.approx(1.0 / pooled, **TOL) and "constant" in out.note


@pytest.mark.parametrize("n,m,new", [(50, 70, False), (1000, 1000, False), (5000, 800, True)])
def test_chisquare_is_scipys_test_of_homogeneity(n, m, new):
    ref, cur = _cats(n, m, seed=2, new=new)
    r, c = summarize_pair(ref, cur, K.CATEGORICAL)
    out = registry()["chisquare"](r, c)
    table = pd.crosstab(np.r_[np.zeros(n), np.ones(m)], np.r_[ref, cur]).to_numpy()
    expected = stats.chi2_contingency(table, correction=False)
    assert out.statistic == pytest.approx(expected.statistic, **TOL)
    assert out.p_value == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)
    assert out.effect_size == pytest.approx(distance.jensenshannon(table[0] / n, table[1] / m), **TOL)


@pytest.mark.parametrize("n,m", [(50, 70), (5000, 800)])
def test_chisquare_gof_matches_scipy(n, m):
    ref, cur = _cats(n, m, seed=2)
    r, c = summarize_pair(ref, cur, K.CATEGORICAL)
    out = chisquare_gof(r, c)
    rc, cc = pd.Series(ref).value_counts(), pd.Series(cur).value_counts()
    keys = sorted(set(rc.index) | set(cc.index))
    f_obs = np.array([cc.get(k, 0) for k in keys], float)
    f_exp = np.array([rc.get(k, 0) for k in keys], float) * m / n
    expected = stats.chisquare(f_obs, f_exp)
    assert out.statistic == pytest.approx(expected.statistic, **TOL)
    assert out.p_value == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)


def test_chisquare_gof_with_a_category_unseen_in_reference_is_finite_and_documented():
    ref, cur = _cats(400, 400, seed=3, new=True)
    r, c = summarize_pair(ref, cur, K.CATEGORICAL)
    out = chisquare_gof(r, c)
    smoothed = r.counts + 0.5
    expected = stats.chisquare(c.counts, smoothed / smoothed.sum() * c.n)
    assert math.isfinite(out.statistic) and out.p_value == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)
    assert out.p_value < 1e-6 and "pseudo-count" in out.note


def test_chisquare_keeps_its_level_where_the_goodness_of_fit_variant_does_not():
    rng = np.random.default_rng(11)
    p = [0.4, 0.3, 0.2, 0.1]
    cats = tuple("abcd")
    hom = gof = 0
    for _ in range(400):
        r = CategoricalSummary(cats, rng.multinomial(500, p), 0, 4)
        c = CategoricalSummary(cats, rng.multinomial(500, p), 0, 4)
        hom += registry()["chisquare"](r, c).p_value < 0.05
        gof += chisquare_gof(r, c).p_value < 0.05
    assert hom / 400 < 0.09 and gof / 400 > 0.18


@pytest.mark.parametrize("n,m,pr,pc", [(100, 120, 0.3, 0.45), (2000, 1500, 0.1, 0.11), (30, 30, 0.5, 0.5)])
def test_z_matches_2x2_chi2_without_continuity_correction(n, m, pr, pc):
    rng = np.random.default_rng(4)
    ref, cur = rng.random(n) < pr, rng.random(m) < pc
    r, c = summarize_pair(ref, cur, K.BOOLEAN)
    out = registry()["z"](r, c)
    table = np.array([[ref.sum(), n - ref.sum()], [cur.sum(), m - cur.sum()]])
    chi2, p, _, _ = stats.chi2_contingency(table, correction=False)
    assert out.statistic**2 == pytest.approx(chi2, **TOL)
    assert out.p_value == pytest.approx(p, rel=1e-9, abs=1e-300)
    assert out.effect_size == pytest.approx(distance.jensenshannon(r.counts / n, c.counts / m), **TOL)


def test_z_refuses_more_than_two_categories():
    r, c = summarize_pair(*_cats(100, 100), K.CATEGORICAL)
    with pytest.raises(NotApplicable, match="two categories"):
        registry()["z"](r, c)


@pytest.mark.parametrize("new", [False, True])
def test_jensenshannon_and_hellinger_on_categories(new):
    ref, cur = _cats(700, 900, seed=5, new=new)
    r, c = summarize_pair(ref, cur, K.CATEGORICAL)
    p, q = r.counts / r.n, c.counts / c.n
    assert registry()["jensenshannon"](r, c).statistic == pytest.approx(distance.jensenshannon(p, q), **TOL)
    hell = np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)) / np.sqrt(2)
    assert registry()["hellinger"](r, c).statistic == pytest.approx(hell, **TOL)


def test_binned_tests_on_numbers_use_reference_quantile_buckets():
    ref, cur = _numeric(3000, 2000, seed=6, shift=0.5)
    r, c = summarize_pair(ref, cur, K.NUMERICAL, bins=10)
    edges = np.quantile(ref, np.linspace(0, 1, 11))
    assert np.allclose(r.edges, edges, rtol=1e-9, atol=1e-12)
    inner = np.histogram(cur, edges)[0]
    assert c.counts[1:-1].tolist() == inner.tolist()
    assert c.counts[0] == (cur < edges[0]).sum() and c.counts[-1] == (cur > edges[-1]).sum()
    p, q = r.counts / r.n, c.counts / c.n
    keep = (p + q) > 0
    js = registry()["jensenshannon"](r, c)
    assert js.statistic == pytest.approx(distance.jensenshannon(p[keep], q[keep]), **TOL)
    assert js.effect_size == pytest.approx(stats.wasserstein_distance(ref, cur) / np.std(ref), **TOL)


def _psi_direct(p: np.ndarray, q: np.ndarray) -> float:
    def fill(x):
        small = x[x > 0].min()
        return np.where(x > 0, x, small / 1e6 if small <= 1e-4 else 1e-4)

    p, q = fill(p), fill(q)
    return float(sum((pi - qi) * math.log(pi / qi) for pi, qi in zip(p, q)))


@pytest.mark.parametrize("new", [False, True])
def test_psi_against_the_formula(new):
    ref, cur = _cats(2000, 1000, seed=7, new=new)
    r, c = summarize_pair(ref, cur, K.CATEGORICAL)
    out = registry()["psi"](r, c)
    assert out.statistic == pytest.approx(_psi_direct(r.counts / r.n, c.counts / c.n), **TOL)
    assert math.isfinite(out.statistic) and (out.statistic > 0.1) == new


def test_histogram_follows_numpy_rules():
    rng = np.random.default_rng(8)
    values = np.sort(rng.integers(0, 10, 500).astype(float))
    edges = np.array([1.0, 3.0, 3.0, 5.0, 8.0])
    counts = histogram(values, edges)
    assert counts[1:-1].tolist() == np.histogram(values, edges)[0].tolist()
    assert counts[0] == (values < 1).sum() and counts[-1] == (values > 8).sum() and counts.sum() == 500


def test_identical_inputs_give_zero_distances_and_p_value_one():
    ref = np.random.default_rng(9).normal(size=400)
    r, c = summarize_pair(ref, ref.copy(), K.NUMERICAL)
    for name in ("ks", "wasserstein", "jensenshannon", "psi", "hellinger"):
        out = registry()[name](r, c)
        assert out.statistic == pytest.approx(0.0, abs=1e-12) and out.effect_size == pytest.approx(0.0, abs=1e-12)
        assert out.p_value in (None, 1.0)


def test_registry_contents():
    reg = registry()
    assert {"ks", "chisquare", "z", "wasserstein", "jensenshannon", "psi", "hellinger"} <= set(reg)
    for name, t in reg.items():
        assert t.name == name and t.output in ("p_value", "distance") and t.description and t.kinds
        assert K.ID not in t.kinds and t.default_threshold > 0
    assert reg["ks"].output == "p_value" and reg["wasserstein"].default_threshold == 0.05
    assert {t.output for n, t in reg.items() if n in ("chisquare", "z", "ks")} == {"p_value"}
    assert all(reg[n].default_threshold == 0.05 for n in ("wasserstein", "jensenshannon"))
    assert reg["psi"].default_threshold == 0.1
    assert K.TEXT in reg["ks"].kinds and K.BOOLEAN in reg["z"].kinds and K.CATEGORICAL in reg["psi"].kinds
    reg.pop("ks")
    assert "ks" in registry()  # a copy


@pytest.mark.parametrize(
    "kind,n,cats,expected",
    [
        (K.NUMERICAL, 500, None, "ks_bf"),
        (K.NUMERICAL, 5000, None, "ks_bf"),  # the same test at every size
        (K.DATETIME, 1000, None, "ks_bf"),
        (K.TEXT, 1001, None, "tfidf"),  # content and length (robustness.drift.text)
        (K.CATEGORICAL, 300, 2, "z"),
        (K.CATEGORICAL, 300, 5, "chisquare"),
        (K.CATEGORICAL, 3000, 2, "z"),
        (K.BOOLEAN, 10, 2, "z"),
        (K.BOOLEAN, 10**6, 2, "z"),
        (K.ID, 100, None, "none"),
    ],
)
def test_default_rule(kind, n, cats, expected):
    assert default_test(kind, n, 10**6, cats) == expected


def _frames():
    rng = np.random.default_rng(10)
    df = pd.DataFrame({"x": rng.normal(size=200), "c": rng.choice(["a", "b", "c"], 200)})
    return df.iloc[:100], df.iloc[100:]


def test_overrides_change_test_and_threshold():
    ref, cur = _frames()
    cfg = DriftConfig(overrides={"x": ColumnOverride(test="psi", threshold=5.0), "c": {"test": "jensenshannon"}})
    res = drift(ref, cur, config=cfg)
    assert res.feature("x").test == "psi" and res.feature("x").threshold == 5.0 and not res.feature("x").drifted
    assert res.feature("c").test == "jensenshannon" and res.feature("c").threshold == 0.05
    res = drift(ref, cur, config=DriftConfig(distance_threshold=1e-9, overrides={"x": {"test": "wasserstein"}}))
    assert res.feature("x").drifted and res.feature("x").threshold == 1e-9


@pytest.mark.parametrize(
    "overrides,needle",
    [
        ({"x": {"test": "nope"}}, "'x'"),
        ({"x": {"test": "chisquare"}}, "'x'"),
        ({"c": {"test": "ks"}}, "'c'"),
        ({"c": {"test": "z"}}, None),  # data-dependent: reported on the column
        ({"zz": {"test": "ks"}}, ""),  # a column not compared: ignored, so one config serves all calls
        ({"x": {"threshold": -1}}, "'x'"),
        ({"x": {"test": "ks", "threshold": 5}}, "'x'"),
        ({"x": {"tset": "ks"}}, "'x'"),
        ({"x": "ks"}, "'x'"),
    ],
)
def test_override_validation(overrides, needle):
    ref, cur = _frames()
    if needle == "":
        assert drift(ref, cur, config={"overrides": overrides}).dataset.n_columns == 2
        return
    if needle is None:
        f = drift(ref, cur, config={"overrides": overrides}).feature("c")
        assert f.status == "error" and "two categories" in f.message and f.statistic is None
        return
    with pytest.raises(ConfigError, match=needle):
        drift(ref, cur, config=DriftConfig.from_dict({"overrides": overrides}))


@pytest.mark.parametrize("seed,ties", [(0, False), (1, True), (2, False)])
def test_ks_bf_and_shape_match_scipy_and_the_binned_bounds_hold(seed, ties):
    """ks_bf = min(1, 2 min(KS asymptotic p, Brown-Forsythe p)) from scipy; the shape distance is
    scipy's Wasserstein distance of the standardised values; through bins, each within its bound."""
    from robustness.drift.binned import BinnedSummary, fixed_edges
    from robustness.drift.numeric import brown_forsythe, shape_distance, view

    rng = np.random.default_rng(seed)
    ref = rng.normal(50, 10, 4000)
    cur = rng.normal(51, 12, 3000)
    if ties:
        ref, cur = np.round(ref / 5), np.round(cur / 5)
    out = registry()["ks_bf"](*summarize_pair(ref, cur, K.NUMERICAL))
    p_ks = stats.ks_2samp(ref, cur, method="asymp").pvalue
    p_bf = stats.levene(ref, cur, center="median").pvalue
    assert out.p_value == pytest.approx(min(1.0, 2 * min(p_ks, p_bf)), rel=1e-9)
    assert out.statistic == pytest.approx(stats.ks_2samp(ref, cur).statistic, abs=1e-12)
    r, c = summarize_pair(ref, cur, K.NUMERICAL)
    z = stats.wasserstein_distance((ref - ref.mean()) / ref.std(), (cur - cur.mean()) / cur.std())
    assert shape_distance(view(r), view(c)) == (pytest.approx(z, abs=1e-9), 0.0)
    edges = fixed_edges(ref[:2000], 512)
    br, bc = view(BinnedSummary.of(ref, edges)), view(BinnedSummary.of(cur, edges))
    w, _, bound = brown_forsythe(br, bc)
    assert abs(w - stats.levene(ref, cur, center="median").statistic) <= bound + 1e-9
    shape, shape_bound = shape_distance(br, bc)
    assert abs(shape - z) <= shape_bound + 1e-9
    if ties:  # whole values on the edges: Brown-Forsythe is exact
        assert bound == 0  # tails beyond the sample are interiors, but on one side of the medians
