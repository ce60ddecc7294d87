"""Mergeable binned summaries: merging parts equals summarising the whole; binned KS and Wasserstein
lie within their documented bounds of the exact statistics (scipy) on the same data."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from robustness.drift.binned import BinnedSummary, binned_ks, binned_wasserstein, fixed_edges


def _data(kind: str, rng, n: int, shift: float = 0.0) -> np.ndarray:
    if kind == "normal":
        return rng.normal(shift, 1.0, n)
    if kind == "lognormal":
        return rng.lognormal(shift, 0.8, n)
    if kind == "discrete":  # heavy ties: whole numbers 0..9
        return rng.poisson(3 + shift, n).astype(float)
    if kind == "heavy":
        return rng.standard_t(2, n) + shift
    raise ValueError(kind)


@pytest.mark.parametrize("kind", ["normal", "lognormal", "discrete", "heavy"])
@pytest.mark.parametrize("shift", [0.0, 0.1, 1.0])
def test_binned_statistics_within_their_bounds_of_the_exact_ones(kind, shift):
    rng = np.random.default_rng(7)
    ref, cur = _data(kind, rng, 200_000), _data(kind, rng, 150_000, shift)
    edges = fixed_edges(rng.choice(ref, 50_000, replace=False))
    r, c = BinnedSummary.of(ref, edges), BinnedSummary.of(cur, edges)
    d, d_bound = binned_ks(r, c)
    exact_d = stats.ks_2samp(ref, cur).statistic
    assert d - 1e-12 <= exact_d <= d + d_bound + 1e-12
    w, w_bound = binned_wasserstein(r, c)
    exact_w = stats.wasserstein_distance(ref, cur)
    assert abs(exact_w - w) <= w_bound + 1e-12
    if kind in ("normal", "lognormal") and shift <= 0.1:  # near the thresholds, where decisions are close
        assert d_bound < 0.001
        assert w_bound < 0.006 * np.std(ref)
    # the default rule's decision (W / std against 0.05) is the same, or the bound says it is in doubt
    threshold, scale = 0.05, np.std(ref)
    assert (exact_w / scale >= threshold) == (w / scale >= threshold) or abs(w / scale - threshold) <= w_bound / scale


def test_merging_parts_equals_summarising_the_whole():
    rng = np.random.default_rng(1)
    values = rng.normal(5, 2, 100_000)
    values[rng.random(values.size) < 0.05] = np.nan
    values[:3] = [np.inf, -np.inf, np.inf]
    edges = fixed_edges(values[:10_000], bins=500)
    whole = BinnedSummary.of(values, edges)
    parts = [BinnedSummary.of(p, edges) for p in np.array_split(values, 17)]
    # a tree reduction, as a cluster would do it, plus an empty partition
    parts.append(BinnedSummary.of(np.array([]), edges))
    while len(parts) > 1:
        parts = [parts[i].merge(parts[i + 1]) if i + 1 < len(parts) else parts[i] for i in range(0, len(parts), 2)]
    merged = parts[0]
    assert np.array_equal(merged.counts, whole.counts)
    assert (merged.n, merged.n_missing, merged.n_posinf, merged.n_neginf) == (
        whole.n,
        whole.n_missing,
        whole.n_posinf,
        whole.n_neginf,
    )
    assert merged.mean == pytest.approx(whole.mean, rel=1e-12)
    assert merged.std == pytest.approx(whole.std, rel=1e-10)
    finite = values[np.isfinite(values)]
    assert merged.std == pytest.approx(finite.std(), rel=1e-10)
    assert (merged.min, merged.max) == (finite.min(), finite.max())
    assert merged.counts.sum() == finite.size


def test_values_outside_the_reference_edges_land_in_the_tails():
    edges = np.array([0.0, 1.0, 2.0])
    s = BinnedSummary.of(np.array([-5.0, 0.0, 0.5, 1.0, 2.0, 2.5, 9.0]), edges)
    assert s.counts.tolist() == [1, 2, 2, 2]  # below, [0,1), [1,2], above (np.histogram's closed last bin)


def test_merge_refuses_different_edges():
    a = BinnedSummary.of(np.arange(10.0), np.array([0.0, 5.0, 9.0]))
    b = BinnedSummary.of(np.arange(10.0), np.array([0.0, 4.0, 9.0]))
    with pytest.raises(ValueError, match="same bin edges"):
        a.merge(b)


def test_values_on_the_edges_give_exact_statistics_and_a_zero_bound():
    """Whole numbers: every value of the sample is an edge, so the binned KS and Wasserstein are the
    exact ones (scipy) and their bounds vanish; only values beyond the sample's range add to the bound."""
    rng = np.random.default_rng(3)
    ref, cur = rng.poisson(4.0, 100_000).astype(float), rng.poisson(4.3, 80_000).astype(float)
    cur = np.clip(cur, ref.min(), ref.max())  # inside the reference's support
    edges = fixed_edges(ref)
    r, c = BinnedSummary.of(ref, edges), BinnedSummary.of(cur, edges)
    d, d_bound = binned_ks(r, c)
    w, w_bound = binned_wasserstein(r, c)
    assert d_bound == 0.0 and w_bound == 0.0
    assert d == pytest.approx(stats.ks_2samp(ref, cur).statistic, abs=1e-12)
    assert w == pytest.approx(stats.wasserstein_distance(ref, cur), abs=1e-9)
    # a current value above every edge: the bound is that tail's share times its width, and still holds
    wide = np.append(cur, [ref.max() + 5.0] * 40)
    c2 = BinnedSummary.of(wide, edges)
    d2, d2_bound = binned_ks(r, c2)
    w2, w2_bound = binned_wasserstein(r, c2)
    assert d2_bound == pytest.approx(40 / wide.size)
    assert d2 - 1e-12 <= stats.ks_2samp(ref, wide).statistic <= d2 + d2_bound + 1e-12
    assert abs(stats.wasserstein_distance(ref, wide) - w2) <= w2_bound + 1e-12


def test_edge_counts_merge_like_the_whole():
    rng = np.random.default_rng(5)
    v = rng.integers(0, 50, 30_000).astype(float)
    edges = fixed_edges(v[:5_000])
    whole = BinnedSummary.of(v, edges)
    parts = BinnedSummary.of(v[:7_000], edges).merge(BinnedSummary.of(v[7_000:], edges))
    assert np.array_equal(whole.at_edge, parts.at_edge) and np.array_equal(whole.counts, parts.counts)
    assert whole.at_edge.sum() == np.isin(v, edges).sum()
