"""At a few million rows, on a LocalCluster of 2 worker processes, the Dask engine agrees with the
in-memory engine on the same data.

2,000,000 reference and 2,000,000 current rows (22 numeric columns stored as float32 or int32, 4
categorical and boolean ones) in 20 Parquet files each. For every column: the same test and the
same decision; numeric statistics within the documented bound of :mod:`robustness.drift.binned`
of the in-memory (exact) ones, themselves checked against scipy on a few columns; categorical
statistics equal. The injected shifts (mean shifts of 0.1 and 0.05 SD, a wider spread, a
15-point change in one category's share) are found, nothing else is; a random split of the
reference into two halves is quiet in both engines.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy import stats

from robustness.drift import drift
from robustness.drift.binned import BinnedSummary, binned_ks, binned_wasserstein
from robustness.drift.chunked import CategoryCounts, drift_from_summaries
from robustness.drift.config import DriftConfig
from robustness.drift.dask_engine import summarize_parquet
from robustness.scale import connect, shutdown

ROWS, FILES = 2_000_000, 20
F32 = np.float32
SEGMENTS = ["retail", "sme", "corporate", "public", "private"]
REGIONS = [f"region-{i:02d}" for i in range(12)]
CHANNELS = ["web", "branch", "phone"]
# a 0.05-SD shift sits at the default Wasserstein threshold (0.05); with its own threshold of
# 0.025 it is a clear case at this size (sampling noise in W is about 0.001 SD)
CONFIG = DriftConfig.from_dict({"overrides": {"mean_shift_005": {"threshold": 0.025}}})
SHIFTED = {"mean_shift_01", "mean_shift_005", "wider", "segment"}
DISCRETE = {"counts"}  # integer-valued: see check_agreement
SCIPY_CHECKED = ["n0", "lognormal_b", "student_t3", "counts", "with_missing", "mean_shift_01"]


def generate(seed: int, n: int, *, shifted: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cols: dict[str, np.ndarray] = {}
    for i in range(10):
        cols[f"n{i}"] = (rng.standard_normal(n, dtype=F32) * F32(0.5 + i) + F32(10 * i - 20)).astype(F32)
    cols["lognormal_a"] = rng.lognormal(0.0, 0.5, n).astype(F32)
    cols["lognormal_b"] = rng.lognormal(1.0, 1.0, n).astype(F32)
    cols["exponential"] = rng.exponential(2.0, n).astype(F32)
    cols["uniform"] = rng.uniform(-3.0, 3.0, n).astype(F32)
    cols["student_t3"] = rng.standard_t(3, n).astype(F32)
    cols["bimodal"] = np.where(rng.random(n) < 0.3, rng.normal(-2, 0.5, n), rng.normal(1.5, 1.0, n)).astype(F32)
    cols["counts"] = rng.poisson(4.0, n).astype(np.int32)  # heavy ties
    with_missing = rng.standard_normal(n, dtype=F32)
    with_missing[rng.random(n) < 0.05] = np.nan
    cols["with_missing"] = with_missing
    cols["mean_shift_01"] = rng.standard_normal(n, dtype=F32) + F32(0.1 if shifted else 0.0)
    cols["mean_shift_005"] = rng.standard_normal(n, dtype=F32) + F32(0.05 if shifted else 0.0)
    cols["wider"] = rng.standard_normal(n, dtype=F32) * F32(1.2 if shifted else 1.0)
    cols["price"] = (rng.gamma(2.0, 50.0, n)).astype(F32)
    frame = pd.DataFrame(cols)
    share = [0.15, 0.25, 0.2, 0.15, 0.25] if shifted else [0.3, 0.25, 0.2, 0.15, 0.1]
    frame["segment"] = pd.Categorical.from_codes(rng.choice(5, n, p=share), SEGMENTS)
    frame["region"] = pd.Categorical.from_codes(rng.integers(0, 12, n), REGIONS)
    frame["channel"] = pd.Categorical.from_codes(rng.choice(3, n, p=[0.6, 0.3, 0.1]), CHANNELS)
    frame["active"] = rng.random(n) < 0.7
    return frame


def write(frame: pd.DataFrame, folder, files: int) -> None:
    """Plain Parquet: float32 / int32 / bool columns, categories as plain strings (not dictionaries)."""
    folder.mkdir()
    for i, idx in enumerate(np.array_split(np.arange(len(frame)), files)):
        lo, hi = int(idx[0]), int(idx[-1]) + 1
        arrays = {}
        for col in frame.columns:
            s = frame[col].iloc[lo:hi]
            if isinstance(s.dtype, pd.CategoricalDtype):
                arrays[col] = pa.array(np.asarray(s.cat.categories)[s.cat.codes.to_numpy()], type=pa.string())
            else:
                arrays[col] = pa.array(s.to_numpy(), from_pandas=True)
        pq.write_table(pa.table(arrays), folder / f"part-{i:03d}.parquet")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("scale")
    ref = generate(11, ROWS, shifted=False)
    cur = generate(12, ROWS, shifted=True)
    write(ref, root / "ref", FILES)
    write(cur, root / "cur", FILES)
    order = np.random.default_rng(13).permutation(ROWS)
    half_a = ref.iloc[np.sort(order[: ROWS // 2])].reset_index(drop=True)
    half_b = ref.iloc[np.sort(order[ROWS // 2 :])].reset_index(drop=True)
    write(half_a, root / "half_a", FILES // 2)
    write(half_b, root / "half_b", FILES // 2)
    return root, {"ref": ref, "cur": cur, "half_a": half_a, "half_b": half_b}


@pytest.fixture(scope="module")
def client():
    c = connect(workers=2, processes=True)
    yield c
    shutdown(c)


def finite(frame: pd.DataFrame, col: str) -> np.ndarray:
    v = frame[col].to_numpy(dtype=np.float64)
    return v[np.isfinite(v)]


def check_agreement(dask_result, ref_summary, cur_summary, memory_result, ref, cur, *, scipy_columns=()):
    got = {f.feature: f for f in dask_result.features}
    assert list(got) == [f.feature for f in memory_result.features]
    for m in memory_result.features:
        d = got[m.feature]
        assert (d.kind, d.test, d.status, d.drifted) == (m.kind, m.test, m.status, m.drifted), m.feature
        assert (d.n_reference, d.n_current) == (m.n_reference, m.n_current), m.feature
        r, c = ref_summary[m.feature], cur_summary[m.feature]
        if isinstance(r, BinnedSummary):  # the default ks_bf: KS D from the bins, within its bound
            ks, ks_bound = binned_ks(r, c)
            assert m.test == "ks_bf"
            assert d.statistic == pytest.approx(ks, abs=1e-12)
            assert d.statistic - 1e-12 <= m.statistic <= d.statistic + ks_bound + 1e-12, (m.feature, ks_bound)
            if m.feature in DISCRETE:  # integers on the edges: the estimate is close
                assert abs(d.statistic - m.statistic) < 0.002, (m.feature, d.statistic, m.statistic)
            if m.feature in scipy_columns:
                x, y = finite(ref, m.feature), finite(cur, m.feature)
                assert m.statistic == pytest.approx(stats.ks_2samp(x, y, method="asymp").statistic, abs=1e-12)
                w, w_bound = binned_wasserstein(r, c)
                exact_w = stats.wasserstein_distance(x, y) / x.std()
                assert m.effect_size == pytest.approx(exact_w, rel=1e-6), m.feature
                assert abs(w / r.std - exact_w) <= w_bound / r.std + 1e-9, m.feature
        else:
            assert isinstance(r, CategoryCounts)
            assert d.statistic == pytest.approx(m.statistic, rel=1e-9, abs=1e-12), m.feature
            # before Benjamini-Hochberg: the adjusted p-values also depend on the numeric columns' (binned) ones
            assert d.p_value_raw == pytest.approx(m.p_value_raw, rel=1e-6, abs=1e-12), m.feature
    assert (dask_result.dataset.n_columns, dask_result.dataset.n_drifted, dask_result.dataset.drifted) == (
        memory_result.dataset.n_columns,
        memory_result.dataset.n_drifted,
        memory_result.dataset.drifted,
    )


def run_both(root, frames, client, ref_name, cur_name):
    r, c, kinds = summarize_parquet(str(root / ref_name), str(root / cur_name), client=client)
    dask_result = drift_from_summaries(r, c, kinds, config=CONFIG)
    memory_result = drift(frames[ref_name], frames[cur_name], config=CONFIG)
    return dask_result, memory_result, r, c


def test_injected_shifts_found_and_both_engines_agree(data, client):
    root, frames = data
    dask_result, memory_result, r, c = run_both(root, frames, client, "ref", "cur")
    assert len(dask_result.features) == 26
    check_agreement(dask_result, r, c, memory_result, frames["ref"], frames["cur"], scipy_columns=SCIPY_CHECKED)
    assert {f.feature for f in dask_result.features if f.drifted} == SHIFTED
    assert {f.feature for f in memory_result.features if f.drifted} == SHIFTED


def test_a_random_split_is_quiet_in_both_engines(data, client):
    root, frames = data
    dask_result, memory_result, r, c = run_both(root, frames, client, "half_a", "half_b")
    check_agreement(dask_result, r, c, memory_result, frames["half_a"], frames["half_b"])
    assert not [f.feature for f in dask_result.features if f.drifted]
    assert not [f.feature for f in memory_result.features if f.drifted]
    assert not dask_result.dataset.drifted
