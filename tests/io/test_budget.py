"""The table budget's estimates: close to what pandas holds, every column type read as before."""

from __future__ import annotations

import datetime as dt
import decimal
import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from robustness.errors import ConfigError, DataError
from robustness.io.budget import (
    csv_estimate,
    format_bytes,
    parquet_footer_estimate,
    parquet_values_estimate,
    table_budget,
)
from robustness.io.data import read_table
from robustness.settings import ENV_DATA_ROOTS, ENV_MAX_TABLE_MB


def _bytes(table: pa.Table, **kwargs) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf, **kwargs)
    return buf.getvalue()


def _footer(data: bytes):
    pfile = pq.ParquetFile(io.BytesIO(data))
    return parquet_footer_estimate(pfile.metadata, pfile.schema_arrow)


def test_budget_comes_from_its_setting_only(monkeypatch):
    monkeypatch.setenv(ENV_MAX_TABLE_MB, "64")
    monkeypatch.setenv(ENV_DATA_ROOTS, "/no/such/folder")  # another setting's mistake does not matter here
    assert table_budget() == 64 * 2**20
    monkeypatch.setenv(ENV_MAX_TABLE_MB, "lots")
    with pytest.raises(ConfigError, match="ROBUSTNESS_MAX_TABLE_MB"):
        table_budget()


def test_format_bytes():
    assert [format_bytes(n) for n in (12, 2048, 5 * 2**20, 3 * 2**30 // 2)] == ["12 bytes", "2 KB", "5 MB", "1.5 GB"]


def test_numeric_footer_estimate_is_what_pandas_holds():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "i8": rng.integers(0, 100, 100_000).astype("int8"),
            "i64": rng.integers(0, 9, 100_000),
            "f": rng.normal(size=100_000),
            "b": rng.random(100_000) > 0.5,
            "t": pd.date_range("2024-01-01", periods=100_000, freq="min"),
        }
    )
    estimate, per = _footer(_bytes(pa.Table.from_pandas(df)))
    assert estimate.rows == 100_000 and estimate.columns == 5
    assert per == [100_000 * w for w in (1, 8, 8, 1, 8)]
    assert estimate.bytes == df.memory_usage(index=False).sum()


def test_nullable_integers_count_as_nine_bytes():
    table = pa.table({"n": pa.array([1, None, 3] * 1000, pa.int32()), "m": pa.array([1, 2, 3] * 1000, pa.int32())})
    _, per = _footer(_bytes(table))
    assert per == [9 * 3000, 4 * 3000]
    _, per = _footer(_bytes(table, write_statistics=False))  # unknown: may hold nulls
    assert per == [9 * 3000, 9 * 3000]


def test_text_is_counted_from_its_values():
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {"city": rng.choice(["Zürich", "Genève", "Bern"], 200_000), "id": [f"customer-{i}" for i in range(200_000)]}
    )
    data = _bytes(pa.Table.from_pandas(df, preserve_index=False))
    footer, per = _footer(data)
    stored = pq.ParquetFile(io.BytesIO(data)).schema_arrow  # the types as stored, not as read
    as_dictionaries = pq.ParquetFile(io.BytesIO(data), read_dictionary=["city", "id"]).read()
    values = parquet_values_estimate(as_dictionaries, stored, per, footer.rows)
    objects = sum(49 + len(s.encode()) for s in set(df["id"]) | set(df["city"]))
    held = 2 * 8 * 200_000 + objects
    assert values.basis == "its Parquet values"
    assert 0.9 * held < values.bytes < 1.3 * held  # pandas shares equal strings: one object per distinct value


@pytest.mark.parametrize(
    "column",
    [
        pa.array(["a", None, "ccc"] * 50, pa.large_string()),
        pa.array([b"\x00\x01", None, b"zz"] * 50, pa.binary()),
        pa.array([b"x", b"y", None] * 50, pa.large_binary()),
        pa.array(["u", "v", "w"] * 50).dictionary_encode(),
        pa.array([[1, 2], None, []] * 50, pa.list_(pa.int64())),
        pa.array([{"a": 1, "b": "x"}, None, {"a": 2, "b": None}] * 50),
        pa.array([dt.date(2024, 1, 1), None, dt.date(2024, 3, 1)] * 50),
        pa.array([decimal.Decimal("1.50"), None, decimal.Decimal("2.25")] * 50, pa.decimal128(5, 2)),
        pa.array([dt.datetime(2024, 1, 1), None, dt.datetime(2024, 1, 2)] * 50, pa.timestamp("us", tz="UTC")),
        pa.array([True, None, False] * 50),
        pa.array([b"abcd", b"efgh", None] * 50, pa.binary(4)),
    ],
    ids=lambda c: str(c.type),
)
def test_every_column_type_reads_as_it_did(column):
    table = pa.table({"col": column, "n": pa.array(np.arange(150))})
    data = _bytes(table)
    expected = pq.ParquetFile(io.BytesIO(data)).read().to_pandas()
    pd.testing.assert_frame_equal(read_table(data, "t.parquet").frame, expected)
    assert _footer(data)[0].bytes > 0


def test_a_table_just_over_the_budget_is_refused_and_just_under_loads():
    df = pd.DataFrame({"x": np.arange(100_000, dtype=np.int64)})  # 800,000 bytes
    data = _bytes(pa.Table.from_pandas(df, preserve_index=False))
    assert read_table(data, "x.parquet", max_table_bytes=800_000).frame.shape == (100_000, 1)
    with pytest.raises(
        DataError,
        match=r"x.parquet would take about 781 KB in memory once read \(100,000 rows x 1 "
        r"column, estimated from its Parquet footer\), more than the table budget of "
        r"781 KB",
    ):
        read_table(data, "x.parquet", max_table_bytes=799_999)


def test_the_checks_before_the_budget_still_come_first():
    table = pa.table({"x": pa.array([], pa.int64())})
    with pytest.raises(DataError, match="has a header .* but no data rows"):
        read_table(_bytes(table), "empty.parquet", max_table_bytes=1)  # nothing to hold: no budget error


def test_csv_estimate_from_a_sample():
    rows = [["1.5", "Zürich", "a"], ["2", "Bern", "b"], ["", "Zürich", "c"], ["3e5", "Bern", "d"]]
    estimate = csv_estimate(1000, 100, ["x", "city", "code"], rows, truncated=True)
    assert estimate.rows == 41 and estimate.columns == 3 and estimate.basis == "a sample of its lines"
    per_row = 3 * 8 + 0.5 * (49 + 5.5) + 1.0 * (49 + 1)  # 8 per cell; 2 cities (UTF-8 bytes) in 4 rows; 4 codes
    assert estimate.bytes == max(1000, int(41 * per_row))
    small = csv_estimate(10, 10, ["x"], [["1"]], truncated=False)
    assert (small.rows, small.bytes) == (1, 10)  # never less than the text itself
