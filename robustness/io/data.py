"""Read a reference or current dataset (CSV or Parquet) into a DataFrame.

``read_table`` takes raw bytes (from an uploader) or a path and returns a
:class:`LoadedTable`: the frame plus what was detected and user-facing notes.
Every problem a user can cause raises :class:`~robustness.errors.DataError`
with a message that names the file and says what to do.

Detection rules:

- Format: from the extension (.csv .tsv .txt -> CSV; .parquet .pq -> Parquet;
  a trailing .gz is gunzipped first). Content starting with the Parquet magic
  ``PAR1`` is read as Parquet whatever the name; a name without an extension is
  read as CSV otherwise. Any other extension is refused.
- Encoding: UTF-8 (with or without BOM), UTF-16 with BOM; otherwise
  Windows-1252/Latin-1 when the bytes decode and look like Western-European
  text (accented letters inside words); otherwise charset-normalizer's guess.
- Delimiter: ``,`` ``;`` TAB ``|`` are each tried on a sample of whole lines
  (quotes respected). The header must split into >= 2 fields; the delimiter
  giving the header's field count on the largest share of lines wins, ties go
  to more columns, then to the order above (TAB first for .tsv). A file in which
  no line has a delimiter is one column.
- Decimal comma: with a non-comma delimiter, when sampled cells look like
  ``1,5`` and none like ``1.5``.

Memory: before a table is parsed its size in memory is estimated (Parquet from the footer, then
from the text columns' dictionaries; CSV from a sample of lines; see :mod:`robustness.io.budget`)
and a table above the budget (``max_table_bytes``, default ``ROBUSTNESS_MAX_TABLE_MB``) is refused.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import os
import re
import warnings
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from robustness.errors import DataError
from robustness.io import budget as _budget

DEFAULT_MAX_BYTES: int = 200 * 1024 * 1024  # .streamlit/config.toml server.maxUploadSize = 200 (MB)

CSV_EXTENSIONS = (".csv", ".tsv", ".txt")
PARQUET_EXTENSIONS = (".parquet", ".pq")
SUPPORTED_FORMATS = "CSV (.csv, .tsv, .txt) and Parquet (.parquet, .pq), optionally gzip-compressed (.csv.gz)"

_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_SAMPLE_BYTES = 256 * 1024
_DEC_COMMA = re.compile(r"[-+]?\d+,\d+")
_DEC_POINT = re.compile(r"[-+]?\d*\.\d+(?:[eE][-+]?\d+)?")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class LoadedTable:
    frame: pd.DataFrame
    name: str  # file name shown to the user, e.g. "current.csv"
    format: str  # "csv" or "parquet"
    encoding: str | None  # Python codec name, e.g. "utf-8", "cp1252"; None for parquet
    delimiter: str | None  # "," ";" "\t" "|"; None for parquet
    sha256: str  # hex digest of the raw bytes as given
    n_bytes: int
    notes: tuple[str, ...]  # user-facing notes about what was detected


def read_table(
    source: bytes | str | os.PathLike,
    name: str | None = None,
    *,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    max_table_bytes: int | None = None,
    min_rows: int = 2,
) -> LoadedTable:
    """Load a CSV or Parquet file given as raw bytes or as a path.

    ``name`` is the file name shown in messages (defaults to the path's base
    name, or "uploaded file" for bytes). ``max_bytes=None`` disables the size
    limit. ``max_table_bytes`` is the table budget: the most memory the table may
    take once read, estimated before it is parsed (None: the server's setting,
    ``robustness.settings.max_table_bytes()``). Objects with ``getvalue()``
    (``io.BytesIO``, Streamlit's ``UploadedFile``) are accepted as bytes, with their ``.name``.
    """
    budget = _budget.table_budget() if max_table_bytes is None else int(max_table_bytes)
    raw, name = _read_source(source, name, max_bytes)
    _check_size(len(raw), name, max_bytes)
    notes: list[str] = []
    data, fmt = _unpack(raw, name, max_bytes, notes)
    if not data or data.isspace() or data in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        what = "0 bytes" if not raw else "only whitespace"
        raise DataError(
            f"{name} is empty ({what}). Upload a CSV or Parquet file with a header row and at least "
            f"{min_rows} data rows; if you exported it, check that the export finished."
        )
    if fmt == "parquet":
        frame, encoding, delimiter = _read_parquet(data, name, notes, budget), None, None
    else:
        frame, encoding, delimiter = _read_csv(data, name, notes, budget)
    _check_shape(frame, name, min_rows)
    sha = hashlib.sha256(raw).hexdigest()
    return LoadedTable(frame, name, fmt, encoding, delimiter, sha, len(raw), tuple(notes))


# -- source, size, format ----------------------------------------------------------------------


def _read_source(source, name: str | None, max_bytes: int | None) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), name or "uploaded file"
    if hasattr(source, "getvalue"):
        return bytes(source.getvalue()), name or getattr(source, "name", None) or "uploaded file"
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"read_table expects bytes or a path, not {type(source).__name__}")
    path = Path(source)
    name = name or path.name
    if path.is_dir():
        raise DataError(f"{name} is a folder, not a file ({path}). Give the path of a CSV or Parquet file.")
    try:
        _check_size(path.stat().st_size, name, max_bytes)
        return path.read_bytes(), name
    except FileNotFoundError:
        raise DataError(f"{name} was not found at {path}. Check the path, or upload the file instead.") from None
    except OSError as e:
        raise DataError(
            f"{name} could not be read ({e.strerror}). Check that it exists and that you may read it."
        ) from None


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    return f"{n / 1024:.1f} KB" if n >= 1024 else f"{n} bytes"


def _check_size(n: int, name: str, max_bytes: int | None, what: str = "") -> None:
    if max_bytes is not None and n > max_bytes:
        raise DataError(
            f"{name} is {what}{_size(n)}, more than the {_size(max_bytes)} limit. Upload a sample of the rows "
            "(for example a random 10%), save it as Parquet (usually much smaller than CSV), or, if this machine "
            "has the memory, raise server.maxUploadSize in .streamlit/config.toml."
        )


def _unpack(raw: bytes, name: str, max_bytes: int | None, notes: list[str]) -> tuple[bytes, str]:
    """Gunzip if needed and decide the format: returns (data, "csv" | "parquet")."""
    lower = name.lower()
    data = raw
    if lower.endswith(".gz") or raw[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as f:
                data = f.read(-1 if max_bytes is None else max_bytes + 1)
        except (OSError, EOFError, zlib.error) as e:
            raise DataError(
                f"{name} is not a valid gzip file ({e}). Compress it again, or upload the uncompressed file."
            ) from None
        _check_size(len(data), name, max_bytes, what="when decompressed ")
        lower = lower.removesuffix(".gz")
        notes.append("Decompressed from gzip.")
    ext = os.path.splitext(lower)[1]
    if data[:4] == b"PAR1":
        if ext not in PARQUET_EXTENSIONS:
            notes.append("Read as Parquet: the content is Parquet although the name does not end in .parquet.")
        return data, "parquet"
    if ext in PARQUET_EXTENSIONS:
        return data, "parquet"
    if ext in CSV_EXTENSIONS or ext == "":
        return data, "csv"
    hint = " Save the sheet as 'CSV UTF-8' and upload that." if ext.startswith(".xl") or ext == ".ods" else ""
    raise DataError(f"{name} has the unsupported file type '{ext}'. Supported formats are {SUPPORTED_FORMATS}.{hint}")


def _check_duplicates(columns: list[str], name: str) -> None:
    dups = [f"'{c}' ({n} times)" for c, n in Counter(columns).items() if n > 1 and c != ""]
    if dups:
        raise DataError(
            f"{name} has duplicate column names: {', '.join(dups)}. Each column needs a unique name; "
            "rename or remove the duplicates in the file and upload it again."
        )


def _check_shape(frame: pd.DataFrame, name: str, min_rows: int) -> None:
    n_rows, n_cols = frame.shape
    if n_cols == 0:
        raise DataError(f"{name} has no columns. Upload a file with a header row and data rows.")
    if n_rows == 0:
        cols = ", ".join(map(str, frame.columns[:8])) + (", ..." if n_cols > 8 else "")
        raise DataError(
            f"{name} has a header ({n_cols} columns: {cols}) but no data rows. Export it again with its rows "
            f"and upload a file with at least {min_rows} rows."
        )
    if n_rows < min_rows:
        raise DataError(
            f"{name} has only {n_rows} data row{'s' if n_rows != 1 else ''}, but at least {min_rows} are needed "
            "to compare distributions. Upload more rows (a few hundred or more give reliable drift tests)."
        )


# -- Parquet -----------------------------------------------------------------------------------


def _read_parquet(data: bytes, name: str, notes: list[str], budget: int) -> pd.DataFrame:
    if data[:4] != b"PAR1":
        raise DataError(
            f"{name} is not a Parquet file (it does not start with the Parquet marker PAR1). If it is a CSV file, "
            "rename it to .csv; otherwise export it as Parquet again."
        )
    if len(data) < 12 or data[-4:] != b"PAR1":
        raise DataError(
            f"{name} is a truncated Parquet file: its footer is missing, so the export or upload was cut off. "
            "Export or copy the file again and upload the complete file."
        )
    try:
        pfile = pq.ParquetFile(io.BytesIO(data))
        schema = pfile.schema_arrow
        _check_duplicates(list(schema.names), name)
        estimate, per_column = _budget.parquet_footer_estimate(pfile.metadata, schema)
        if estimate.bytes > budget:  # refused from the footer: no page is read
            raise _budget.table_too_large(name, estimate, budget, parquet=True)
        text = _budget.text_columns(schema)
        if text:  # text read as dictionaries: each distinct value once, counted before it is expanded
            pfile = pq.ParquetFile(io.BytesIO(data), read_dictionary=text)
        table = pfile.read()
        if text:
            estimate = _budget.parquet_values_estimate(table, schema, per_column, estimate.rows)
            if estimate.bytes > budget:
                raise _budget.table_too_large(name, estimate, budget, parquet=True)
            table = _budget.decode_dictionaries(table, schema)
        del pfile
        frame = table.to_pandas()
        del table
    except (pa.ArrowException, OSError, ValueError, TypeError, IndexError) as e:
        detail = str(e).splitlines()[0][:200] if str(e) else type(e).__name__
        raise DataError(
            f"{name} is a damaged Parquet file and cannot be read ({detail}). Export it again from its source, "
            "or upload the data as CSV."
        ) from None
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0 or frame.index.step != 1:
        named = [str(n) for n in frame.index.names if n is not None]
        frame = frame.reset_index(drop=not named)
        if named:
            notes.append(f"The stored index was turned into column(s): {', '.join(named)}.")
        _check_duplicates(list(map(str, frame.columns)), name)
    return frame


# -- CSV ---------------------------------------------------------------------------------------


def _read_csv(data: bytes, name: str, notes: list[str], budget: int) -> tuple[pd.DataFrame, str, str]:
    body, encoding = _decode(data, name, notes)
    truncated = len(body) > _SAMPLE_BYTES
    sample_bytes = body[: body.rfind(b"\n", 0, _SAMPLE_BYTES) + 1 or _SAMPLE_BYTES] if truncated else body
    sample = sample_bytes.decode("utf-8", errors="replace")
    if len(_CONTROL.findall(sample)) > 0.01 * len(sample):
        _raise_binary(name, "control characters")
    prefer_tab = name.lower().removesuffix(".gz").endswith(".tsv")
    delimiter, records = _sniff_delimiter(sample, name, truncated=truncated, prefer_tab=prefer_tab)
    header, rows = records[0], records[1:]
    _check_duplicates(header, name)
    estimate = _budget.csv_estimate(len(body), len(sample_bytes), header, rows, truncated=truncated)
    if estimate.bytes > budget:
        raise _budget.table_too_large(name, estimate, budget, parquet=False)
    kwargs: dict = {"index_col": False}
    if rows and len(rows[0]) > len(header):
        if all(len(r) == len(header) + 1 and r[-1] == "" for r in rows):
            notes.append("Ignored the delimiter at the end of each data line.")
        elif all(len(r) == len(header) + 1 for r in rows):
            kwargs["index_col"] = None  # pandas reads the header-less first column as row labels
            notes.append("The first column had no header (row labels, as R writes them) and was dropped.")
        else:
            raise DataError(
                f"{name} could not be read: line 2 has {len(rows[0])} fields but the header has {len(header)} "
                f"({_DELIMITER_NAMES[delimiter]}-delimited). Fix that line (often an unquoted "
                f"'{delimiter}' inside a value; put such values in double quotes) and upload again."
            )
    if delimiter != ",":
        notes.append(f"{_DELIMITER_NAMES[delimiter].capitalize()}-delimited.")
        if _has_decimal_comma(rows):
            kwargs["decimal"] = ","
            notes.append("Decimal commas (1,5) were read as numbers.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.BytesIO(body), sep=delimiter, encoding="utf-8", engine="c", low_memory=False, **kwargs
            )
    except pd.errors.EmptyDataError:
        raise DataError(f"{name} is empty (no header line). Upload a file with a header row and data rows.") from None
    except (pd.errors.ParserError, pd.errors.ParserWarning, ValueError) as e:
        m = re.search(r"(?:line|row) (\d+)", str(e))
        detail = str(e).split("C error: ")[-1].strip().rstrip(".")
        where = f" at line {m.group(1)}" if m and m.group(0) not in detail else ""
        raise DataError(
            f"{name} could not be parsed as {_DELIMITER_NAMES[delimiter]}-delimited CSV{where}: {detail}. "
            f"Check that line for an unquoted '{delimiter}' or quote character inside a value, fix it "
            "(put such values in double quotes), and upload again."
        ) from None
    if kwargs["index_col"] is None:
        frame = frame.reset_index(drop=True)
    return frame, encoding, delimiter


def _raise_binary(name: str, what: str) -> None:
    raise DataError(
        f"{name} is not a CSV text file: it contains binary data ({what}). If it is a Parquet file, name it "
        "*.parquet; if it is an Excel workbook, save it as 'CSV UTF-8'; if it is UTF-16 text without a "
        "byte-order mark, save it as UTF-8. Then upload it again."
    )


def _decode(data: bytes, name: str, notes: list[str]) -> tuple[bytes, str]:
    """Return the text as UTF-8 bytes without BOM, and the detected encoding."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:], "utf-8-sig"
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise DataError(
                f"{name} starts like UTF-16 text but byte {e.start} cannot be decoded. Save it as 'CSV UTF-8' "
                "and upload again."
            ) from None
        notes.append("Decoded as UTF-16 (not UTF-8).")
        return text.encode("utf-8"), "utf-16"
    if data[:4] == b"PK\x03\x04":
        _raise_binary(name, "it is a ZIP archive, as Excel .xlsx files are")
    if b"\x00" in data[:8192]:
        _raise_binary(name, "NUL bytes")
    bad = _utf8_error_offset(data)
    if bad is None:
        return data, "utf-8"
    encoding, decoded = _guess_legacy_encoding(data[:_SAMPLE_BYTES]), None
    try:
        decoded = data.decode(encoding) if encoding else None
    except (UnicodeDecodeError, LookupError):
        pass
    if decoded is None or encoding is None:
        raise DataError(
            f"{name} is not UTF-8 text (invalid byte at position {bad}) and its encoding could not be "
            "determined. Open it in a spreadsheet or text editor, save it as 'CSV UTF-8', and upload again."
        )
    label = "Windows-1252/Latin-1" if encoding == "cp1252" else encoding
    notes.append(f"Decoded as {label} (not UTF-8); check that accented characters look right.")
    return decoded.encode("utf-8"), encoding


def _utf8_error_offset(data: bytes) -> int | None:
    """Offset of the first invalid UTF-8 byte, or None; decodes in chunks to bound memory."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view, step = memoryview(data), 1 << 20
    for start in range(0, len(data), step):
        try:
            decoder.decode(view[start : start + step], final=start + step >= len(data))
        except UnicodeDecodeError as e:
            return max(0, start + e.start)
    return None


def _guess_legacy_encoding(sample: bytes) -> str | None:
    try:
        text = sample.decode("cp1252")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        runs = _NON_ASCII_RUN.findall(text)
        total = sum(map(len, runs))
        # Western text has accented letters inside ASCII words ("Zürich"); other scripts read as
        # cp1252 give long runs of non-ASCII letters ("Ìîñêâà").
        if total and sum(len(r) for r in runs if len(r) <= 2) >= 0.8 * total:
            return "cp1252"
    matches = list(charset_normalizer.from_bytes(sample))
    if not matches:
        return None
    # Prefer a Windows code page (what Excel writes) over a DOS/Mac one of similar quality.
    windows = [
        m
        for m in matches
        if any(c.startswith("cp125") for c in m.could_be_from_charset)
        and m.percent_chaos <= matches[0].percent_chaos + 5
    ]
    chosen = windows[0] if windows else matches[0]
    names = set(chosen.could_be_from_charset)
    if {"cp1252", "latin_1"} & names:
        return "cp1252"
    return min((c for c in names if c.startswith("cp125")), default=chosen.encoding)


def _sniff_delimiter(sample: str, name: str, *, truncated: bool, prefer_tab: bool) -> tuple[str, list[list[str]]]:
    order = ("\t", ",", ";", "|") if prefer_tab else _DELIMITERS
    best, best_key, single_column = None, None, True
    for rank, delim in enumerate(order):
        try:
            records = [r for r in csv.reader(io.StringIO(sample), delimiter=delim) if r]
        except csv.Error:
            continue
        if truncated and len(records) > 1:
            records = records[:-1]
        if not records:
            continue
        if any(len(r) > 1 for r in records):
            single_column = False
        n = len(records[0])
        if n < 2:
            continue
        rows = records[1:]
        # n + 1 fields on every line: a trailing delimiter or header-less row labels (handled later)
        share = max(sum(len(r) == n + k for r in rows) for k in (0, 1)) / len(rows) if rows else 1.0
        key = (share, n, -rank)
        if best_key is None or key > best_key:
            best, best_key = (delim, records), key
    if best is not None and best_key is not None and best_key[0] >= 0.5:
        return best
    if single_column and best is None:
        records = [r for r in csv.reader(io.StringIO(sample)) if r]
        return ",", records[:-1] if truncated and len(records) > 1 else records
    raise DataError(
        f"The column delimiter of {name} could not be detected: no delimiter among comma, semicolon, tab "
        "and pipe splits the header and most lines into the same number of fields. Check that the first line "
        "is the header and that values containing the delimiter are in double quotes, then upload again."
    )


def _has_decimal_comma(rows: list[list[str]]) -> bool:
    n_comma = n_point = 0
    for row in rows[:2000]:
        for cell in row:
            cell = cell.strip()
            if _DEC_COMMA.fullmatch(cell):
                n_comma += 1
            elif _DEC_POINT.fullmatch(cell):
                n_point += 1
    return n_comma > 0 and n_point == 0
