import json

import numpy as np
import pandas as pd
import pytest

from robustness.drift.windows import change_points, drift_over_time, output_change_points
from robustness.errors import ConfigError, DataError
from robustness.formatting import number
from robustness.models import from_estimator


def _json(result):
    return json.loads(json.dumps(result.to_dict(), allow_nan=False))


@pytest.fixture(scope="module")
def credit():
    from robustness.demo import load_scenario

    return load_scenario("credit")


def _income(result):
    return result.features.index("income")


def test_windows_by_size_on_credit(credit):
    r = drift_over_time(
        credit.reference, credit.current, features=credit.features, timestamp="application_date", size=500
    )
    assert len(r.windows) == 8 and all(w.n_rows == 500 and w.status == "ok" for w in r.windows)
    assert r.ordered_by == "application_date" and r.window == "size" and r.size == 500
    i = _income(r)
    assert all(w.drifted[i] for w in r.windows)  # the income shift shows in every window
    assert r.band_chunk_size == 500 and r.n_band_chunks == 8
    assert all(w.effect_sizes[i] > r.band_upper[i] for w in r.windows)
    assert all(row[i] for row in r.above_band())
    assert r.windows[0].start.startswith("2024-07") and r.windows[-1].end.startswith("2024-12")
    assert all(lo <= mu <= hi for lo, mu, hi in zip(r.band_lower, r.band_mean, r.band_upper))
    assert r.tests[i] == "ks_bf" and r.thresholds[i] == pytest.approx(0.05)
    assert "income (8 of 8)" in r.message
    d = _json(r)
    assert len(d["windows"]) == 8 and d["band_upper"][i] is not None


def test_windows_by_month_on_credit(credit):
    r = drift_over_time(
        credit.reference,
        credit.current,
        features=credit.features,
        timestamp="application_date",
        window="period",
        period="M",
    )
    assert [w.start for w in r.windows] == [f"2024-{m:02d}-01" for m in range(7, 13)]
    assert r.windows[0].end == "2024-07-31"
    assert sum(w.n_rows for w in r.windows) == len(credit.current)
    i = _income(r)
    assert all(w.drifted[i] for w in r.windows) and r.period == "M"
    assert r.band_chunk_size == int(np.median([w.n_rows for w in r.windows]))
    _json(r)


def test_windows_without_timestamp_follow_row_order_and_report_small_windows(credit):
    cur = credit.current.iloc[:1050]
    r = drift_over_time(credit.reference, cur, features=["income", "region"], size=500, min_rows=60)
    assert r.ordered_by == "row order"
    assert [(w.start, w.end, w.n_rows) for w in r.windows] == [
        ("row 1", "row 500", 500),
        ("row 501", "row 1000", 500),
        ("row 1001", "row 1050", 50),
    ]
    last = r.windows[-1]
    assert last.status == "too_few_rows" and "50 rows" in last.message
    assert last.effect_sizes == (None, None) and last.drifted_share is None
    assert "1 window(s) had fewer than 60 rows" in r.message
    _json(r)


def test_windows_bad_inputs(credit):
    cur = credit.current.copy()
    cur["application_date"] = cur["application_date"].astype(str)
    cur.loc[cur.index[3], "application_date"] = "not a date"
    with pytest.raises(DataError, match="application_date"):
        drift_over_time(credit.reference, cur, features=["income"], timestamp="application_date")
    with pytest.raises(ConfigError, match="more than the 60"):
        drift_over_time(
            credit.reference,
            credit.current,
            features=["income"],
            timestamp="application_date",
            window="period",
            period="D",
        )
    with pytest.raises(ConfigError, match="timestamp"):
        drift_over_time(credit.reference, credit.current, features=["income"], window="period")
    with pytest.raises(ConfigError, match="calendar period"):
        drift_over_time(
            credit.reference,
            credit.current,
            features=["income"],
            timestamp="application_date",
            window="period",
            period="fortnight",
        )
    with pytest.raises(DataError, match="no column 'when'"):
        drift_over_time(credit.reference, credit.current, features=["income"], timestamp="when")
    # missing timestamps are counted, and too many size windows are merged up to max_windows
    cur = credit.current.copy()
    cur.loc[cur.index[:10], "application_date"] = pd.NaT
    r = drift_over_time(
        credit.reference, cur, features=["income"], timestamp="application_date", size=50, max_windows=20
    )
    assert r.n_rows_without_time == 10 and len(r.windows) == 20 and r.size == 200
    # a reference too small for the band
    r = drift_over_time(credit.reference.head(100), credit.current, features=["income"], size=400)
    assert r.n_band_chunks == 0 and r.band_upper == (None,) and "no reference band" in r.message


def test_adwin_finds_a_jump():
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(0, 1, 500), rng.normal(1.5, 1, 1000)]
    r = change_points(x, labels=[f"t{i}" for i in range(len(x))])
    assert r.indices and 500 <= r.indices[0] <= 800
    assert r.labels[0] == f"t{r.indices[0]}"
    assert r.mean_before[0] < 0.5 < r.mean_after[0]
    assert r.starts[0] <= r.indices[0] and abs(r.starts[0] - 500) < 300
    assert len(r.trace_index) <= 500 and r.n == 1500
    _json(r)


def test_adwin_message_in_the_one_number_format():
    """Means of 52,134 read "52,100" (not "5.21e+04"); an unlabelled position reads "row 1,234"."""
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(52_134, 10, 3000), rng.normal(60_000, 10, 3000)]
    r = change_points(x, stream="incomes")
    assert r.labels[0] == f"row {r.indices[0] + 1:,}" and "," in r.labels[0]
    assert r.message.endswith(f"(mean {number(r.mean_before[0])} before, {number(r.mean_after[0])} after).")
    assert "(mean 52,100 before, " in r.message and "e+" not in r.message
    quiet = change_points(rng.normal(0, 1, 2500))
    assert quiet.message == "ADWIN found no change in the mean of the values over 2,500 values."


def test_adwin_stationary_and_empty():
    rng = np.random.default_rng(1)
    assert change_points(rng.normal(0, 1, 3000)).indices == ()
    e = change_points([])
    assert e.n == 0 and e.indices == () and "empty" in e.message
    _json(e)
    r = change_points([1.0, np.nan, None, "x", 2.0])
    assert r.n == 2 and r.n_dropped == 3
    with pytest.raises(ConfigError):
        change_points([1.0, 2.0], labels=["a"])


def test_output_change_points_on_credit(credit):
    model = from_estimator(credit.model)
    with_y = output_change_points(model, credit.current, timestamp="application_date", target="default")
    assert with_y.n == len(credit.current) and "error" in with_y.stream
    without = output_change_points(model, credit.current)
    assert "probability" in without.stream
    # reference then current, in time order: the predicted risk rises where incomes fell
    both = pd.concat([credit.reference, credit.current], ignore_index=True)
    r = output_change_points(model, both, timestamp="application_date")
    assert r.indices and r.mean_after[0] > r.mean_before[0]
    assert r.labels[0].startswith("2024-")
    _json(r)
