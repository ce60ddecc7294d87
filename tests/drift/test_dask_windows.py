"""Drift over time on Parquet through Dask agrees with the in-memory drift_over_time, window by window."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from robustness.demo import _credit_frame
from robustness.drift.binned import BinnedSummary, binned_wasserstein
from robustness.drift.chunked import numeric_edges
from robustness.drift.dask_windows import drift_over_time_parquet
from robustness.drift.summaries import numeric_values
from robustness.drift.windows import drift_over_time
from robustness.errors import ConfigError, DataError
from robustness.io.infer import infer_schema
from robustness.schema import ColumnKind

FEATURES = [
    "age",
    "income",
    "loan_amount",
    "loan_term_months",
    "credit_history_years",
    "num_open_accounts",
    "debt_to_income",
    "employment_type",
    "region",
    "home_ownership",
    "has_cosigner",
]
REF_START, CUR_START = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-26")  # Mondays, 8 weeks apart
WEEK = pd.Timedelta(weeks=1)


def _frame(seed: int, n: int, start: pd.Timestamp, weeks: float, *, shifted: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = _credit_frame(rng, n, current=shifted)[FEATURES]
    frame.insert(
        0, "ts", (start + pd.to_timedelta(rng.random(n) * weeks * WEEK / pd.Timedelta(seconds=1), unit="s")).floor("s")
    )
    return frame


def _write(frame: pd.DataFrame, folder, cuts) -> None:
    """Files of uneven, contiguous slices (not aligned with weeks)."""
    folder.mkdir()
    bounds = [0, *cuts, len(frame)]
    for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
        frame.iloc[a:b].to_parquet(folder / f"part-{i:03d}.parquet", index=False)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("windows")
    ref = _frame(1, 8_000, REF_START, 8, shifted=False).sort_values("ts", ignore_index=True)
    cur = pd.concat(
        [
            _frame(2, 4_000, CUR_START, 4, shifted=False),  # weeks 1-4: as the reference
            _frame(3, 4_000, CUR_START + 4 * WEEK, 4, shifted=True),  # weeks 5-8: incomes fell, a new category
            _frame(4, 12, CUR_START + 8 * WEEK, 1, shifted=True),  # week 9: too few rows to test
        ],
        ignore_index=True,
    ).sort_values("ts", ignore_index=True)
    cur.loc[cur.index[::331][:25], "ts"] = pd.NaT  # rows without a timestamp, spread over the files
    _write(ref, root / "ref", [1_700, 3_900, 5_800])
    _write(cur, root / "cur", [1_400, 3_300, 4_350, 6_600])
    return root, ref, cur


@pytest.fixture(scope="module")
def results(data, client):
    root, ref, cur = data
    dask_result = drift_over_time_parquet(str(root / "ref"), str(root / "cur"), timestamp="ts", client=client)
    memory = drift_over_time(ref, cur, features=FEATURES, timestamp="ts", window="period", period="W")
    return dask_result, memory


def test_same_windows_rows_and_decisions(results):
    d, m = results
    assert [(w.index, w.start, w.end, w.n_rows, w.status, w.message) for w in d.windows] == [
        (w.index, w.start, w.end, w.n_rows, w.status, w.message) for w in m.windows
    ]
    assert len(d.windows) == 9 and d.windows[0].start == "2024-02-26" and d.windows[0].end == "2024-03-03"
    assert d.windows[-1].status == "too_few_rows" and d.windows[-1].effect_sizes == (None,) * len(FEATURES)
    assert d.n_rows_without_time == m.n_rows_without_time == 25
    assert sum(w.n_rows for w in d.windows) + 25 == 8_012
    assert (d.features, d.tests, d.thresholds) == (m.features, m.tests, m.thresholds)
    assert (d.window, d.size, d.period, d.ordered_by, d.min_rows) == ("period", None, "W", "ts", 30)
    assert (d.window, d.size, d.period, d.ordered_by, d.min_rows) == (
        m.window,
        m.size,
        m.period,
        m.ordered_by,
        m.min_rows,
    )
    for dw, mw in zip(d.windows, m.windows):
        assert dw.drifted == mw.drifted, dw.start
        assert dw.drifted_share == pytest.approx(mw.drifted_share), dw.start
    # the reference fits in the sample, so the band is the in-memory one
    assert (d.band_chunk_size, d.n_band_chunks) == (m.band_chunk_size, m.n_band_chunks) and d.n_band_chunks >= 3
    for key in ("band_mean", "band_lower", "band_upper"):
        assert getattr(d, key) == pytest.approx(getattr(m, key), rel=1e-9, abs=1e-12), key
    assert d.message == m.message
    assert d.to_dict().keys() == m.to_dict().keys()


def test_statistics_within_the_binned_bounds(data, results):
    _, ref, cur = data
    d, m = results
    kinds = infer_schema(ref[FEATURES]).kinds()
    edges = numeric_edges(ref, kinds)
    week = cur["ts"].dt.to_period("W")
    for i, (dw, mw) in enumerate(zip(d.windows, m.windows)):
        if dw.status != "ok":
            continue
        rows = cur[week == pd.Period(dw.start, "W")]
        assert len(rows) == dw.n_rows
        for j, c in enumerate(FEATURES):
            if kinds[c] in (ColumnKind.NUMERICAL, ColumnKind.DATETIME):
                r = BinnedSummary.of(numeric_values(ref[c], kinds[c])[0], edges[c])
                w = BinnedSummary.of(numeric_values(rows[c], kinds[c])[0], edges[c])
                bound = binned_wasserstein(r, w)[1] / r.std
            else:  # categorical and boolean: the same counts, the same test
                bound = 0.0
            assert abs(dw.effect_sizes[j] - mw.effect_sizes[j]) <= bound + 1e-9, (i, c)


def test_the_shift_shows_only_in_the_later_windows(results):
    d, _ = results
    tested = [w for w in d.windows if w.status == "ok"]
    assert len(tested) == 8
    for name in ("income", "employment_type"):
        j = d.features.index(name)
        assert [w.drifted[j] for w in tested] == [False] * 4 + [True] * 4, name
        above = [row[j] for row, w in zip(d.above_band(), d.windows) if w.status == "ok"]
        assert above[4:] == [True] * 4 and not any(above[:4]), name
    assert max(w.drifted_share for w in tested[:4]) < min(w.drifted_share for w in tested[4:])
    assert "income (4 of 8)" in d.message and "employment_type (4 of 8)" in d.message


def test_timestamp_errors_read_as_in_memory(data, client, tmp_path):
    root, ref, cur = data
    with pytest.raises(DataError) as memory:
        drift_over_time(ref, cur, features=FEATURES, timestamp="when", window="period")
    with pytest.raises(DataError) as dask_error:
        drift_over_time_parquet(str(root / "ref"), str(root / "cur"), timestamp="when", client=client)
    assert str(dask_error.value) == str(memory.value) and "'when'" in str(memory.value)

    text = cur.assign(ts=cur["ts"].dt.strftime("%Y-%m-%d %H:%M:%S").astype(object))
    text.loc[[5_000, 5_001, 7_300], "ts"] = ["not a date", "soon", "later"]  # in the 4th and 5th files
    _write(text, tmp_path / "text", [1_400, 3_300, 4_350, 6_600])
    with pytest.raises(DataError) as memory:
        drift_over_time(ref, text, features=FEATURES, timestamp="ts", window="period")
    with pytest.raises(DataError) as dask_error:
        drift_over_time_parquet(str(root / "ref"), str(tmp_path / "text"), timestamp="ts", client=client)
    assert str(dask_error.value) == str(memory.value)
    assert "3 value(s) that are not dates (for example 'not a date', row 5001)" in str(memory.value)


def test_windows_by_rows_and_too_many_windows_are_config_errors(data, client):
    root, ref, cur = data
    paths = str(root / "ref"), str(root / "cur")
    with pytest.raises(ConfigError, match="calendar period"):
        drift_over_time_parquet(*paths, timestamp="ts", window="size", client=client)
    with pytest.raises(ConfigError, match="not a calendar period"):
        drift_over_time_parquet(*paths, timestamp="ts", period="fortnight", client=client)
    with pytest.raises(ConfigError, match="more than the 60 allowed"):  # 64 days, no file holds 60 of them
        drift_over_time(ref, cur, features=FEATURES, timestamp="ts", window="period", period="D")
    with pytest.raises(ConfigError, match=r"at least \d+ windows .*more than the 60 allowed"):
        drift_over_time_parquet(*paths, timestamp="ts", period="D", client=client)
    with pytest.raises(ConfigError, match="more than the 5 allowed"):  # a single file already holds more
        drift_over_time_parquet(*paths, timestamp="ts", period="D", max_windows=5, client=client)
