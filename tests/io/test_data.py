"""read_table: formats, encodings, delimiters and every bad input a user can upload."""

from __future__ import annotations

import gzip
import hashlib
import io
import string

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from robustness.errors import DataError
from robustness.io.data import DEFAULT_MAX_BYTES, LoadedTable, read_table


def _frame(n: int = 50, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 90, n),
            "income": rng.normal(50_000, 10_000, n).round(2),
            "city": rng.choice(["Zürich", "Genève", "Bern"], n),
            "member": rng.random(n) > 0.5,
        }
    )


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def _error(source, name=None, **kwargs) -> str:
    with pytest.raises(DataError) as info:
        read_table(source, name, **kwargs)
    return str(info.value)


# -- good inputs ---------------------------------------------------------------------------------


def test_default_limit_matches_streamlit_upload_limit():
    assert DEFAULT_MAX_BYTES == 200 * 1024 * 1024


def test_plain_csv():
    table = read_table(b"a,b\n1,2\n3,4\n", "current.csv")
    assert isinstance(table, LoadedTable)
    assert (table.format, table.encoding, table.delimiter, table.name) == ("csv", "utf-8", ",", "current.csv")
    assert table.frame.to_dict("list") == {"a": [1, 3], "b": [2, 4]}
    assert table.n_bytes == 12 and table.notes == ()
    assert table.sha256 == hashlib.sha256(b"a,b\n1,2\n3,4\n").hexdigest()


def test_utf8_bom_is_not_part_of_the_first_column_name():
    table = read_table("\ufeffcity,n\nZürich,1\ncafé,2\n".encode("utf-8"), "bom.csv")
    assert list(table.frame.columns) == ["city", "n"]
    assert table.frame["city"].tolist() == ["Zürich", "café"]


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_latin1_csv_decodes_accented_characters(encoding):
    text = "city;name;note\nZürich;François;café crème\nSão Paulo;Jürgen;naïve\nMünchen;Élodie;€5\n"
    if encoding == "latin-1":
        text = text.replace("€", "E")
    table = read_table(text.encode(encoding), "reference.csv")
    assert table.encoding == "cp1252"
    assert table.frame["city"].tolist() == ["Zürich", "São Paulo", "München"]
    assert table.frame["name"].tolist() == ["François", "Jürgen", "Élodie"]
    assert "café crème" in table.frame["note"].tolist()
    assert any("not UTF-8" in note for note in table.notes)


def test_semicolon_delimited_with_decimal_comma():
    table = read_table(b"a;b;city\n1,5;2,0;Bern\n3,25;4,0;Basel\n", "current.csv")
    assert table.delimiter == ";"
    assert table.frame["a"].tolist() == [1.5, 3.25]
    assert table.frame["b"].dtype == np.float64
    assert "Semicolon-delimited." in table.notes
    assert any("Decimal commas" in note for note in table.notes)


def test_semicolon_with_decimal_points_keeps_points():
    table = read_table(b"a;b\n1.5;x,y\n2.5;z\n", "current.csv")
    assert table.delimiter == ";"
    assert table.frame["a"].tolist() == [1.5, 2.5]
    assert table.frame["b"].tolist() == ["x,y", "z"]


def test_tab_delimited():
    table = read_table(b"a\tb\tc\n1\t2\tx y\n3\t4\tz\n", "data.tsv")
    assert table.delimiter == "\t"
    assert table.frame.shape == (2, 3)
    assert table.frame["c"].tolist() == ["x y", "z"]


def test_pipe_delimited_txt_and_quoted_fields():
    table = read_table(b'a|b\n"x|y"|1\n"two\nlines"|2\n', "data.txt")
    assert table.delimiter == "|"
    assert table.frame["a"].tolist() == ["x|y", "two\nlines"]


def test_single_column_csv():
    table = read_table(b"x\n1\n2\n3\n", "one_col.csv")
    assert list(table.frame.columns) == ["x"] and len(table.frame) == 3


def test_gzip_csv():
    raw = gzip.compress(b"a,b\n1,2\n3,4\n")
    table = read_table(raw, "current.csv.gz")
    assert table.frame.shape == (2, 2) and table.format == "csv"
    assert table.sha256 == hashlib.sha256(raw).hexdigest() and table.n_bytes == len(raw)


def test_inf_values_survive_csv_and_parquet():
    table = read_table(b"a,b\n1,inf\n2,-inf\n3,\n4,1.5\n", "current.csv")
    values = table.frame["b"].tolist()
    assert values[0] == np.inf and values[1] == -np.inf and np.isnan(values[2])
    df = pd.DataFrame({"x": [1.0, np.inf, -np.inf]})
    back = read_table(_parquet_bytes(df), "current.parquet").frame
    assert np.isposinf(back["x"][1]) and np.isneginf(back["x"][2])


def test_parquet_round_trip_keeps_dtypes():
    df = pd.DataFrame(
        {
            "i": np.array([1, 2, 3], dtype="int64"),
            "i32": np.array([1, 2, 3], dtype="int32"),
            "f": [1.5, np.nan, 2.5],
            "s": ["a", None, "c"],
            "b": [True, False, True],
            "d": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
            "c": pd.Categorical(["x", "y", "x"]),
            "n": pd.array([1, None, 3], dtype="Int64"),
        }
    )
    table = read_table(_parquet_bytes(df), "reference.parquet")
    assert (table.format, table.encoding, table.delimiter) == ("parquet", None, None)
    pd.testing.assert_frame_equal(table.frame, df)


def test_parquet_index_becomes_columns():
    df = _frame(5).set_index("city")
    buf = io.BytesIO()
    df.to_parquet(buf)
    table = read_table(buf.getvalue(), "ref.parquet")
    assert "city" in table.frame.columns and isinstance(table.frame.index, pd.RangeIndex)


def test_parquet_detected_from_content_without_extension():
    table = read_table(_parquet_bytes(_frame(5)), "export")
    assert table.format == "parquet" and any("Parquet" in note for note in table.notes)


def test_path_and_bytes_give_same_frame_and_hash(tmp_path):
    df = _frame(30)
    csv_path = tmp_path / "current.csv"
    df.to_csv(csv_path, index=False)
    from_path = read_table(csv_path)
    from_bytes = read_table(csv_path.read_bytes(), "current.csv")
    assert from_path.name == "current.csv"
    pd.testing.assert_frame_equal(from_path.frame, from_bytes.frame)
    assert from_path.sha256 == from_bytes.sha256
    pq_path = tmp_path / "current.parquet"
    df.to_parquet(pq_path, index=False)
    a, b = read_table(str(pq_path)), read_table(pq_path.read_bytes(), "current.parquet")
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert a.sha256 == b.sha256 == hashlib.sha256(pq_path.read_bytes()).hexdigest()


def test_trailing_delimiter_and_row_labels():
    trailing = read_table(b"a,b\n1,2,\n3,4,\n", "t.csv").frame
    assert trailing.to_dict("list") == {"a": [1, 3], "b": [2, 4]}
    labelled = read_table(b'"a","b"\n"1",5,6\n"2",7,8\n', "r.csv")
    assert labelled.frame.to_dict("list") == {"a": [5, 7], "b": [6, 8]}
    assert any("row labels" in note for note in labelled.notes)


# -- bad inputs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [b"", b"   \n\n  \t\n"])
def test_empty_file(raw):
    msg = _error(raw, "current.csv")
    assert msg.startswith("current.csv is empty")
    assert "header row" in msg


def test_missing_path(tmp_path):
    msg = _error(tmp_path / "nope.csv")
    assert "nope.csv was not found" in msg


def test_header_only_csv():
    msg = _error(b"age,income,city\n", "current.csv")
    assert "current.csv has a header (3 columns: age, income, city) but no data rows" in msg


def test_header_only_parquet():
    msg = _error(_parquet_bytes(_frame(5).iloc[:0]), "reference.parquet")
    assert "reference.parquet has a header" in msg and "no data rows" in msg


def test_one_row_file():
    msg = _error(b"a,b\n1,2\n", "current.csv")
    assert "current.csv has only 1 data row" in msg and "at least 2 are needed" in msg


def test_fewer_than_min_rows():
    msg = _error(b"a,b\n1,2\n3,4\n5,6\n", "current.csv", min_rows=10)
    assert "only 3 data rows" in msg and "at least 10" in msg


def test_over_the_size_limit(tmp_path):
    raw = _frame(200).to_csv(index=False).encode()
    msg = _error(raw, "big.csv", max_bytes=1024)
    assert msg.startswith("big.csv is ") and "more than the 1.0 KB limit" in msg
    assert "server.maxUploadSize" in msg and ".streamlit/config.toml" in msg and "sample" in msg
    path = tmp_path / "big.csv"
    path.write_bytes(raw)
    assert "1.0 KB limit" in _error(path, max_bytes=1024)
    mb = _error(b"x" * (3 * 1024 * 1024), "huge.csv", max_bytes=2 * 1024 * 1024)
    assert "3.0 MB" in mb and "2.0 MB limit" in mb
    assert read_table(raw, "big.csv", max_bytes=None).frame.shape == (200, 4)


def test_gzip_bomb_is_limited_by_decompressed_size():
    raw = gzip.compress(b"a,b\n" + b"1,2\n" * 10_000)
    assert "when decompressed" in _error(raw, "current.csv.gz", max_bytes=len(raw) + 100)


def test_duplicate_column_names_csv():
    msg = _error(b"age,income,age,city,city\n1,2,3,a,b\n4,5,6,c,d\n", "current.csv")
    assert "current.csv has duplicate column names" in msg
    assert "'age' (2 times)" in msg and "'city' (2 times)" in msg and "income" not in msg


def test_duplicate_column_names_parquet():
    table = pa.Table.from_arrays([pa.array([1, 2]), pa.array([3, 4]), pa.array([5, 6])], names=["x", "y", "x"])
    buf = io.BytesIO()
    pq.write_table(table, buf)
    msg = _error(buf.getvalue(), "reference.parquet")
    assert "reference.parquet has duplicate column names: 'x' (2 times)" in msg


def test_corrupt_parquet():
    raw = bytearray(_parquet_bytes(_frame(100)))
    raw[8:-8] = np.random.default_rng(1).integers(0, 256, len(raw) - 16, dtype=np.uint8).tobytes()
    msg = _error(bytes(raw), "current.parquet")
    assert "current.parquet is a damaged Parquet file" in msg and "Export it again" in msg


def test_truncated_parquet():
    raw = _parquet_bytes(_frame(100))
    msg = _error(raw[: len(raw) // 2], "current.parquet")
    assert "current.parquet is a truncated Parquet file" in msg


def test_text_named_parquet():
    msg = _error(b"a,b\n1,2\n3,4\n", "current.parquet")
    assert "current.parquet is not a Parquet file" in msg and "rename it to .csv" in msg


def test_binary_junk_as_csv():
    junk = np.random.default_rng(7).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    msg = _error(junk, "current.csv")
    assert "current.csv is not a CSV text file" in msg and "binary" in msg


def test_excel_renamed_to_csv():
    msg = _error(b"PK\x03\x04" + b"\x14\x00" * 50, "current.csv")
    assert "current.csv is not a CSV text file" in msg and "Excel" in msg


def test_unsupported_extension():
    msg = _error(b"PK\x03\x04 whatever", "current.xlsx")
    assert "current.xlsx has the unsupported file type '.xlsx'" in msg
    assert "CSV" in msg and "Parquet" in msg and "CSV UTF-8" in msg
    assert "'.json'" in _error(b'{"a": 1}', "data.json")


def test_undecodable_bytes():
    # random high bytes: invalid UTF-8, not cp1252-like text, and no encoding makes sense of them
    noise = np.random.default_rng(3).integers(128, 256, 300, dtype=np.uint8).tobytes()
    msg = _error(b"a,b\n" + noise + b",1\nx,2\n", "current.csv")
    assert "current.csv is not UTF-8 text" in msg and "CSV UTF-8" in msg


def test_ragged_line_reports_line_number():
    msg = _error(b"a,b\n1,2\n3,4\n5,6,7\n8,9\n", "current.csv")
    assert "current.csv could not be parsed" in msg and "line 4" in msg
    first = _error(b"a,b\n1,2,3\n3,4\n5,6\n", "current.csv")
    assert "line 2 has 3 fields but the header has 2" in first


def test_undetectable_delimiter():
    msg = _error(b"a\n1,2\n3;4\n5|6|7\n", "current.csv")
    assert "delimiter of current.csv could not be detected" in msg


# -- properties ----------------------------------------------------------------------------------

_names = st.lists(st.text(string.ascii_letters, min_size=1, max_size=8), min_size=1, max_size=4, unique=True)
_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)


@st.composite
def _frames(draw):
    names = draw(_names)
    n = draw(st.integers(2, 15))
    cols = {"key": draw(st.lists(st.integers(-(10**6), 10**6), min_size=n, max_size=n))}
    for name in names:
        values = draw(
            st.one_of(
                st.lists(st.integers(-(10**9), 10**9), min_size=n, max_size=n),
                st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=n, max_size=n),
                st.lists(_text, min_size=n, max_size=n),
            )
        )
        cols[f"c_{name}"] = values
    return pd.DataFrame(cols)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(df=_frames(), sep=st.sampled_from([",", ";", "\t", "|"]))
def test_any_frame_written_as_csv_reads_back_with_same_shape(df, sep):
    raw = df.to_csv(index=False, sep=sep).encode("utf-8")
    table = read_table(raw, "prop.csv")
    assert table.frame.shape == df.shape
    assert list(table.frame.columns) == list(df.columns)
    assert table.frame["key"].tolist() == df["key"].tolist()
    if df.shape[1] > 1:
        assert table.delimiter == sep


@settings(max_examples=50, deadline=None)
@given(df=_frames())
def test_parquet_bytes_and_csv_agree_on_shape_and_hash_is_stable(df):
    df = df.astype({c: str for c in df.columns if df[c].dtype == object})
    raw = _parquet_bytes(df)
    first, second = read_table(raw, "a.parquet"), read_table(raw, "b.parquet")
    assert first.sha256 == second.sha256 == hashlib.sha256(raw).hexdigest()
    pd.testing.assert_frame_equal(first.frame, df)
