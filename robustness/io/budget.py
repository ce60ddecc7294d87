"""The table budget: how much memory a table will take once read, estimated before it is read.

A few hundred kilobytes of Parquet can describe a hundred million rows (a constant column is
stored as one dictionary value and a run length), and CSV text grows 4-7 times in pandas. So
``read_table`` estimates a table's size in memory first and refuses it, with a
:class:`~robustness.errors.DataError`, above the budget: ``ROBUSTNESS_MAX_TABLE_MB`` (see
:mod:`robustness.settings`; default total memory / 40).

How the estimates are made (bytes of the pandas frame; the larger of its Arrow and pandas forms
where they differ):

- **Parquet, from the footer** (nothing but the footer is read): rows x the width of each
  column's type: 1-8 bytes for numbers, booleans, timestamps; 9 for integer and boolean columns
  that may hold nulls (pandas makes them float64, Int64 or object); 8 (a pointer) plus a Python
  object for dates, times and decimals (one object per cell). Text and binary columns: an 8-byte
  pointer per cell plus the column's uncompressed bytes (the average uncompressed bytes per value
  times the rows). Nested columns: a pointer plus a 112-byte object per cell, plus twice the
  uncompressed bytes. Rows are the larger of the footer's total and the sum over row groups (the
  reader goes by the row groups).
- **Parquet, from the values** (only when the footer estimate fits and the file has text
  columns): the text columns are read as dictionaries (indices plus each distinct value once,
  never expanded) and counted exactly: the Arrow strings they expand to (4-byte offsets plus
  the bytes of every value) and the pandas column (a pointer per cell plus one Python object,
  49 bytes + its length, per distinct value; pyarrow shares equal strings). This catches a short
  file whose one long string repeats on every row.
- **CSV, from a sample of whole lines**: rows = lines in the sample x (text bytes / sample
  bytes); 8 bytes per cell (numbers, and the pointer of a text cell), plus one Python string
  (49 bytes + its length) per distinct value of a text column, with the sample's share of
  distinct values scaled to all rows (pandas also shares equal strings). At least the text's own
  size, which is in memory while it is parsed.

Left alone: a footer that lies about its sizes, and text pages encoded with DELTA_BYTE_ARRAY
(shared prefixes) that expand far beyond their bytes while they are decoded; a process-level
memory limit (cgroup, ``systemd MemoryMax``) is the backstop for those.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from robustness.errors import DataError
from robustness.settings import ENV_MAX_TABLE_MB, max_table_bytes

__all__ = [
    "MemoryEstimate",
    "csv_estimate",
    "format_bytes",
    "parquet_file_estimate",
    "parquet_footer_estimate",
    "parquet_values_estimate",
    "table_budget",
    "table_too_large",
    "text_columns",
]

_POINTER = 8
_PY_STR = 49  # sys.getsizeof("") in CPython: every str object pandas holds
_PY_BYTES = 33  # sys.getsizeof(b"")
_PY_OBJECT = 112  # a numpy array / dict / list object holding one nested cell
_CSV_SAMPLE_ROWS = 2000
_NA_TOKENS = {"", "na", "n/a", "nan", "null", "none", "-nan", "#n/a", "<na>", "true", "false"}


@dataclass(frozen=True)
class MemoryEstimate:
    bytes: int
    rows: int
    columns: int
    basis: str  # what it was estimated from, for messages: "its Parquet footer", ...

    @property
    def shape(self) -> str:
        return f"{self.rows:,} rows x {self.columns:,} column{'s' if self.columns != 1 else ''}"


def table_budget() -> int:
    """The table budget in bytes: ``ROBUSTNESS_MAX_TABLE_MB``, else total memory / 40. Only that
    variable is read, so a mistake in another server setting does not stop tables from loading."""
    raw = os.environ.get(ENV_MAX_TABLE_MB)
    return max_table_bytes({} if raw is None else {ENV_MAX_TABLE_MB: raw})


def format_bytes(n: float) -> str:
    if n >= 1024**3:
        return f"{n / 1024**3:,.1f} GB"
    if n >= 1024**2:
        return f"{n / 1024**2:,.0f} MB"
    return f"{n / 1024:,.0f} KB" if n >= 1024 else f"{int(n)} bytes"


def table_too_large(name: str, estimate: MemoryEstimate, budget: int, *, parquet: bool) -> DataError:
    """The refusal: how big, the budget and its setting, what to do."""
    if parquet:
        advice = (
            "Use a sample of the rows (for example a random 10%), or run the checks on the Dask engine, "
            "which reads Parquet part by part: in the CLI `robustness drift --engine dask` (also report "
            "and stress), in the app the large-dataset section."
        )
    else:
        advice = (
            "Use a sample of the rows (for example a random 10%), or save the data as Parquet and run the "
            "checks on the Dask engine: in the CLI `robustness drift --engine dask` (also report and "
            "stress), in the app the large-dataset section."
        )
    return DataError(
        f"{name} would take about {format_bytes(estimate.bytes)} in memory once read ("
        f"{estimate.shape}, estimated from {estimate.basis}), more than the table budget of "
        f"{format_bytes(budget)} (ROBUSTNESS_MAX_TABLE_MB). {advice} If this machine has the memory, whoever "
        "runs it can raise ROBUSTNESS_MAX_TABLE_MB."
    )


# -- Parquet ---------------------------------------------------------------------------------------


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t)


def text_columns(schema: pa.Schema) -> list[str]:
    """Top-level text and binary columns: read as dictionaries, counted from their values."""
    return [f.name for f in schema if _is_text(f.type)]


def _leaves(t: pa.DataType) -> int:
    """Parquet leaf columns an Arrow type is stored in."""
    if pa.types.is_struct(t):
        return sum(_leaves(t.field(i).type) for i in range(t.num_fields))
    if pa.types.is_map(t):
        return _leaves(t.key_type) + _leaves(t.item_type)
    if (
        pa.types.is_list(t)
        or pa.types.is_large_list(t)
        or pa.types.is_fixed_size_list(t)
        or getattr(pa.types, "is_list_view", lambda _: False)(t)
    ):
        return _leaves(t.value_type)
    return 1


def _cell_bytes(t: pa.DataType, nullable: bool) -> int | None:
    """Bytes per cell of a fixed-width column in pandas; None for text and nested columns."""
    if pa.types.is_boolean(t) or pa.types.is_integer(t):
        return 9 if nullable else max(1, t.bit_width // 8)
    if pa.types.is_floating(t) or pa.types.is_timestamp(t) or pa.types.is_duration(t):
        return t.bit_width // 8
    if pa.types.is_date(t):
        return _POINTER + 32  # datetime.date objects
    if pa.types.is_time(t):
        return _POINTER + 48  # datetime.time objects
    if pa.types.is_decimal(t):
        return _POINTER + 104  # decimal.Decimal objects
    if pa.types.is_fixed_size_binary(t):
        return max(t.byte_width, _POINTER + _PY_BYTES + t.byte_width)
    if pa.types.is_null(t):
        return _POINTER
    if pa.types.is_dictionary(t):
        return max(1, t.index_type.bit_width // 8)  # plus the dictionary: counted from the bytes
    return None


def parquet_footer_estimate(meta: pq.FileMetaData, schema: pa.Schema) -> tuple[MemoryEstimate, list[int]]:
    """The estimate from the footer alone, and each top-level column's share of it."""
    rows = max(meta.num_rows, sum(meta.row_group(i).num_rows for i in range(meta.num_row_groups)))
    spans, start = [], 0
    for field in schema:
        n = _leaves(field.type)
        spans.append(range(start, start + n))
        start += n
    if start != meta.num_columns:  # an unusual schema: count every column as text over all the bytes
        total = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        per = [rows * _POINTER for _ in schema]
        if per:
            per[0] += total
        return MemoryEstimate(sum(per), rows, len(schema), "its Parquet footer"), per
    per = []
    for field, span in zip(schema, spans):
        t = field.type
        needs_nulls = pa.types.is_boolean(t) or pa.types.is_integer(t)
        nullable, uncompressed = False, 0
        if needs_nulls or _cell_bytes(t, False) is None or pa.types.is_dictionary(t):
            for i in range(meta.num_row_groups):
                group = meta.row_group(i)
                for j in span:
                    chunk = group.column(j)
                    uncompressed += max(0, chunk.total_uncompressed_size)
                    if needs_nulls and not nullable:
                        stats = chunk.statistics if chunk.is_stats_set else None
                        nullable = stats is None or stats.null_count is None or stats.null_count > 0
        width = _cell_bytes(t, nullable)
        if pa.types.is_dictionary(t):
            per.append(rows * width + uncompressed)
        elif width is not None:
            per.append(rows * width)
        elif (
            _is_text(t)
            or getattr(pa.types, "is_string_view", lambda _: False)(t)
            or getattr(pa.types, "is_binary_view", lambda _: False)(t)
        ):
            per.append(rows * _POINTER + uncompressed)
        else:
            per.append(rows * (_POINTER + _PY_OBJECT) + 2 * uncompressed)
    return MemoryEstimate(sum(per), rows, len(schema), "its Parquet footer"), per


def parquet_file_estimate(path: str | os.PathLike) -> MemoryEstimate | None:
    """The footer estimate of a local Parquet file, or None when it cannot be read as Parquet."""
    try:
        pfile = pq.ParquetFile(path)
        return parquet_footer_estimate(pfile.metadata, pfile.schema_arrow)[0]
    except (pa.ArrowException, OSError, ValueError, TypeError, IndexError):
        return None


def _dictionary_column_bytes(column: pa.ChunkedArray, binary: bool, large: bool) -> int:
    """Exact bytes of a column read as dictionaries: max(Arrow strings it expands to, pandas objects)."""
    rows = len(column)
    expanded, objects = rows * (8 if large else 4), rows * _POINTER
    header = _PY_BYTES if binary else _PY_STR
    for chunk in column.chunks:
        lengths = pc.binary_length(chunk.dictionary).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
        if len(lengths) == 0:
            continue
        counts = pc.value_counts(chunk.indices)  # memory: one entry per distinct index
        used = counts.field("values")
        valid = pc.is_valid(used)
        used = used.filter(valid).to_numpy(zero_copy_only=False).astype(np.int64)
        times = counts.field("counts").filter(valid).to_numpy(zero_copy_only=False)
        expanded += int(lengths[used] @ times)
        objects += int(lengths.sum()) + header * len(lengths)
    return max(expanded, objects)


def parquet_values_estimate(table: pa.Table, schema: pa.Schema, footer: list[int], rows: int) -> MemoryEstimate:
    """The footer estimate with the text columns (read as dictionaries) counted from their values."""
    per = list(footer)
    for i, field in enumerate(schema):
        col = table.column(i)
        if _is_text(field.type) and pa.types.is_dictionary(col.type):
            binary = pa.types.is_binary(field.type) or pa.types.is_large_binary(field.type)
            large = pa.types.is_large_string(field.type) or pa.types.is_large_binary(field.type)
            per[i] = _dictionary_column_bytes(col, binary, large)
    return MemoryEstimate(sum(per), max(rows, table.num_rows), len(schema), "its Parquet values")


def decode_dictionaries(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """The text columns read as dictionaries turned back into their stored types."""
    columns = []
    for i, field in enumerate(schema):
        col = table.column(i)
        if _is_text(field.type) and pa.types.is_dictionary(col.type):
            try:
                col = col.cast(field.type)
            except pa.ArrowCapacityError:  # more than 2 GB of text in one row group
                col = col.cast(pa.large_binary() if pa.types.is_binary(field.type) else pa.large_string())
                field = field.with_type(col.type)
        columns.append(col)
        schema = schema.set(i, field)
    return pa.Table.from_arrays(columns, schema=schema)


# -- CSV -------------------------------------------------------------------------------------------


def _is_number(cell: str) -> bool:
    cell = cell.strip()
    if cell.lower() in _NA_TOKENS:
        return True
    try:
        float(cell.replace(",", ".") if "," in cell else cell)
    except ValueError:
        return False
    return True


def csv_estimate(
    text_bytes: int, sample_bytes: int, header: Sequence[str], rows: Sequence[Sequence[str]], *, truncated: bool
) -> MemoryEstimate:
    """pandas' frame from CSV text, from a sample of whole lines (see the module docstring)."""
    sample = rows[:_CSV_SAMPLE_ROWS]
    n_rows = len(rows)
    if truncated and sample_bytes > 0:
        n_rows = int(len(rows) * text_bytes / sample_bytes) + 1
    per_cell, objects = len(header) * _POINTER, 0.0
    for j in range(len(header)):
        values = [r[j] for r in sample if len(r) > j]
        if not values or all(_is_number(v) for v in values):
            continue
        distinct = set(values)
        share = len(distinct) / len(values)
        mean_len = sum(len(v.encode("utf-8", "replace")) for v in distinct) / len(distinct)
        objects += share * (_PY_STR + mean_len)
    frame = int(n_rows * (per_cell + objects))
    return MemoryEstimate(max(text_bytes, frame), n_rows, len(header), "a sample of its lines")
