"""Connecting to Dask and opening Parquet datasets, with errors written for the user.

:func:`open_parquet` checks a dataset before Dask reads a row: it lists the files the path stands
for (a file; a folder's ``*.parquet`` / ``*.parq`` / ``*.pq`` files, recursively, leaving out
``_``- and ``.``-prefixed names such as Spark's ``_temporary``; a glob's matches) and reads every
file's footer (schema and row count; never data), then:

- a path that does not exist, a folder without Parquet files, a glob that matches nothing, a file
  that is not Parquet: ``DataError`` naming the path and the fix;
- a column missing from some files, or holding different kinds of values in different files
  (numbers in one, text in another): ``DataError`` naming the column and a file of each kind.
  Types of one kind mix freely (int64 and double, string and dictionary, a column of nulls)
  and are read as one dtype;
- files with no rows contribute nothing: they are left out of the read and of the checks, so a
  dataset gives the same result with or without them.
"""

from __future__ import annotations

import os
import posixpath
import socket
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from robustness.errors import ConfigError, DataError

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

__all__ = [
    "ParquetLayout",
    "connect",
    "count_rows",
    "inspect_parquet",
    "open_parquet",
    "sample_frame",
    "sample_of",
    "shutdown",
]

PARQUET_EXTENSIONS = (".parquet", ".parq", ".pq")
CONNECT_SECONDS = 5.0  # the first TCP connection to a scheduler; Dask's handshake then has 10 s


def connect(
    scheduler: str | None = None, *, workers: int | None = None, memory_limit: str | None = None, processes: bool = True
):
    """A distributed Client: the scheduler at ``scheduler`` (or ``DASK_SCHEDULER_ADDRESS``), else a
    LocalCluster sized to this machine (``workers`` processes of one thread, ``memory_limit`` each)."""
    from distributed import Client, LocalCluster

    address = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS")
    if address:
        _probe(address)
        try:
            return Client(address, timeout="10s")
        except (OSError, TimeoutError, MemoryError, ValueError, AssertionError) as exc:
            if isinstance(exc, (MemoryError, ValueError, AssertionError)):  # Dask read another protocol's bytes
                reason = "the server there does not answer as a Dask scheduler"
            else:
                reason = " ".join(str(exc).split())[:200] or type(exc).__name__
            raise ConfigError(
                f"Cannot reach the Dask scheduler at {address!r} ({reason}). Check the address and "
                "that the scheduler is running, or leave --scheduler out to use a local cluster."
            ) from None
    # Scheduler, workers and dashboard listen on this machine only (threads talk in-process).
    local = {"host": "127.0.0.1"} if processes else {}
    cluster = LocalCluster(
        n_workers=workers or max(1, (os.cpu_count() or 2)),
        threads_per_worker=1,
        memory_limit=memory_limit or "auto",
        processes=processes,
        dashboard_address="127.0.0.1:0",
        **local,
    )
    return Client(cluster)


def _probe(address: str) -> None:
    """Fail in seconds, with the reason, when nothing listens at a TCP scheduler address (Dask itself
    retries for its whole timeout)."""
    from distributed.comm.addressing import parse_address, parse_host_port

    def unreachable(reason: str) -> ConfigError:
        return ConfigError(
            f"Cannot reach the Dask scheduler at {address!r} ({reason}). Check the address and that "
            "the scheduler is running, or leave --scheduler out to use a local cluster."
        )

    try:
        scheme, location = parse_address(address)
        if scheme not in ("tcp", "tls"):
            return
        host, port = parse_host_port(location, default_port=8786)
    except (ValueError, TypeError):
        raise ConfigError(
            f"{address!r} is not a Dask scheduler address. Write it as tcp://host:port "
            "(for example tcp://10.0.0.5:8786)."
        ) from None
    try:
        socket.create_connection((host, port), timeout=CONNECT_SECONDS).close()
    except socket.gaierror:
        raise unreachable(f"no host named {host!r}") from None
    except ConnectionRefusedError:
        raise unreachable(f"nothing listens on port {port} of {host}") from None
    except TimeoutError:
        raise unreachable(f"no answer from {host}:{port} within {CONNECT_SECONDS:g} s") from None
    except OSError as exc:
        raise unreachable(exc.strerror or str(exc)) from None


def shutdown(client) -> None:
    """Close ``client`` and, when it started its own LocalCluster, the cluster too."""
    if client is None:
        return
    cluster = getattr(client, "cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


# -- Parquet datasets ---------------------------------------------------------------------------


@dataclass
class _File:
    path: str
    rows: int
    types: dict  # column -> pyarrow DataType


@dataclass
class ParquetLayout:
    """What the footers of a dataset's files say (no data read)."""

    path: str
    name: str
    fs: AbstractFileSystem
    files: list[_File]
    partition_keys: set[str] = field(default_factory=set)  # hive folders: key=value

    @property
    def columns(self) -> list[str]:
        """Every column of any file holding rows (or of any file when none does), in first-seen order."""
        files = [f for f in self.files if f.rows] or self.files
        seen = dict.fromkeys(c for f in files for c in f.types)
        seen.update(dict.fromkeys(sorted(self.partition_keys)))
        return list(seen)

    def sources(self) -> list[str]:
        """The files to read: those with rows (all of them when none has rows)."""
        files = [f for f in self.files if f.rows] or self.files
        if _is_local(self.fs):
            return [f.path for f in files]
        return [self.fs.unstrip_protocol(f.path) for f in files]


def _is_local(fs) -> bool:
    from fsspec.implementations.local import LocalFileSystem

    return isinstance(fs, LocalFileSystem)


def _list_files(path: str, name: str) -> tuple[object, list[str], str]:
    """(filesystem, the files ``path`` stands for, their root folder)."""
    from fsspec.core import url_to_fs

    try:
        fs, root = url_to_fs(path)
    except ImportError as exc:  # fsspec names the package: "Install s3fs to access S3"
        raise DataError(
            f"Reading the {name} URL {path!r} needs a filesystem package: {' '.join(str(exc).split())}. "
            "Install it on this machine and on the Dask workers."
        ) from None
    except ValueError as exc:  # an unknown protocol
        raise DataError(f"Cannot read the {name} path {path!r}: {' '.join(str(exc).split())}.") from None
    if any(ch in path for ch in "*?["):
        matches = sorted(fs.glob(root))
        if not matches:
            raise DataError(
                f"No files match the {name} pattern {path!r}. Check the pattern (for example "
                "data/*.parquet) and that the files exist."
            )
        files: list[str] = []
        for m in matches:
            files.extend(_folder_files(fs, m) if fs.isdir(m) else [m])
        if not files:
            raise DataError(
                f"The {name} pattern {path!r} matches only folders without Parquet files "
                f"({', '.join(PARQUET_EXTENSIONS)})."
            )
        return fs, files, posixpath.commonpath(files)
    if not fs.exists(root):
        raise DataError(f"The {name} path {path!r} does not exist.")
    if fs.isdir(root):
        files = _folder_files(fs, root)
        if not files:
            raise DataError(f"The {name} folder {path!r} holds no Parquet files (*.parquet, *.parq or *.pq).")
        return fs, files, root
    return fs, [root], ""


def _folder_files(fs, folder: str) -> list[str]:
    out = []
    for f in fs.find(folder):
        rel = f[len(folder) :].strip("/").split("/") if f.startswith(folder) else [f.rsplit("/", 1)[-1]]
        if f.lower().endswith(PARQUET_EXTENSIONS) and not any(p.startswith(("_", ".")) for p in rel):
            out.append(f)
    return sorted(out)


def _footer(fs, path: str, name: str) -> _File:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        with fs.open(path, "rb") as handle:
            meta = pq.ParquetFile(handle).metadata
            schema = meta.schema.to_arrow_schema()
    except (pa.ArrowException, OSError, ValueError) as exc:
        text = " ".join(str(exc).split())[:200]
        raise DataError(
            f"The {name} file {path!r} is not a readable Parquet file ({text}). Remove it or rewrite it as Parquet."
        ) from None
    index = _index_columns(schema)
    return _File(path, int(meta.num_rows), {f.name: f.type for f in schema if f.name not in index})


def _index_columns(schema) -> set[str]:
    """The pandas index stored as columns (Dask reads it as the index, not as a column)."""
    import json

    raw = (schema.metadata or {}).get(b"pandas")
    names = {n for n in schema.names if n.startswith("__index_level_")}
    if raw:
        try:
            names |= {c for c in json.loads(raw).get("index_columns", []) if isinstance(c, str)}
        except (ValueError, AttributeError):
            pass
    return names


def inspect_parquet(path: str, name: str, *, check_files=None) -> ParquetLayout:
    """The files of a Parquet dataset and what their footers say (DataError when there are none).

    ``check_files(files)``, when given, sees the listed files before any of them is opened (the app
    refuses files outside its data roots there)."""
    path = str(path)
    fs, files, root = _list_files(path, name)
    if check_files is not None:
        check_files(files)
    if len(files) > 4:
        with ThreadPoolExecutor(max_workers=min(16, len(files))) as pool:
            footers = list(pool.map(lambda f: _footer(fs, f, name), files))
    else:
        footers = [_footer(fs, f, name) for f in files]
    keys = set()
    if root:
        for f in files:
            parts = f[len(root) :].strip("/").split("/")[:-1]
            keys |= {p.split("=", 1)[0] for p in parts if "=" in p}
    return ParquetLayout(path, name, fs, footers, keys)


def _kind_of(t) -> str | None:
    """The kind of values a Parquet column type holds (types of one kind can be read together)."""
    import pyarrow as pa

    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_null(t):
        return None
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "numbers"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or str(t) == "string_view":
        return "text"
    if pa.types.is_boolean(t):
        return "booleans"
    if pa.types.is_timestamp(t):
        return f"datetimes ({t.tz})" if t.tz else "datetimes"
    if pa.types.is_date(t):
        return "dates"
    return str(t)


_DTYPES = {"numbers": "float64", "text": "string[pyarrow]", "booleans": "boolean", "dates": "datetime64[ns]"}


def _target_dtype(kind: str):
    if kind.startswith("datetimes"):
        tz = kind[len("datetimes (") : -1] if "(" in kind else None
        return pd.DatetimeTZDtype("ns", tz) if tz else "datetime64[ns]"
    return _DTYPES.get(kind)


def check_columns(
    layout: ParquetLayout, columns: Sequence[str] | None = None, *, optional: bool = False
) -> tuple[list[str], dict]:
    """(the columns to read, dtypes to cast them to) after checking that every file holding rows
    has each column with one kind of values; DataError naming the column and the files otherwise.

    ``columns`` None: every column. ``optional``: a requested column that no file has is left out
    (the caller reports it); a column that only some files have is an error either way."""
    name = layout.name
    files = [f for f in layout.files if f.rows]
    available = layout.columns
    if columns is None:
        wanted = available
    else:
        wanted = list(dict.fromkeys(str(c) for c in columns))
        absent = [c for c in wanted if c not in available]
        if absent and not optional:
            raise DataError(
                f"The {name} Parquet files have no column {', '.join(map(repr, absent))}. Their "
                f"columns: {_names(available)}."
            )
        wanted = [c for c in wanted if c in available]
    casts: dict = {}
    n = len(files)
    for col in wanted:
        if col in layout.partition_keys or not files:
            continue
        lacking = [f.path for f in files if col not in f.types]
        if lacking:
            raise DataError(
                f"The {name} Parquet files do not share one schema: column {col!r} is missing from {len(lacking)} "
                f"of {n} files (for example {lacking[0]!r}). Rewrite them with the same columns and types, "
                "or move the files without it out of the dataset."
            )
        kinds: dict[str, str] = {}  # kind -> first file holding it
        for f in files:
            kind = _kind_of(f.types[col])
            if kind is not None:
                kinds.setdefault(kind, f.path)
        if len(kinds) > 1:
            (k1, f1), (k2, f2) = list(kinds.items())[:2]
            t1 = next(f.types[col] for f in files if f.path == f1)
            t2 = next(f.types[col] for f in files if f.path == f2)
            count = sum(_kind_of(f.types[col]) == k2 for f in files)
            raise DataError(
                f"The {name} Parquet files do not share one schema: column {col!r} holds {k1} ({t1}) in "
                f"{f1!r} but {k2} ({t2}) in {f2!r} ({count} of {n} files). Rewrite them with the same "
                "columns and types, or move the odd files out of the dataset."
            )
        types = {str(f.types[col]) for f in files}
        if len(types) > 1 and kinds:
            target = _target_dtype(next(iter(kinds)))
            if target is not None:
                casts[col] = target
    return wanted, casts


def _names(columns: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(map(repr, columns[:limit]))
    return shown + (f" and {len(columns) - limit} more" if len(columns) > limit else "") if columns else "none"


def open_parquet(
    path: str,
    name: str,
    columns: Sequence[str] | None = None,
    *,
    optional: bool = False,
    layout: ParquetLayout | None = None,
):
    """A Dask DataFrame over a Parquet file, folder or glob, after the checks of :func:`check_columns`
    on every file's footer (DataError with the reason when it cannot be read as one table).

    ``columns`` are the columns to read (default: all); with ``optional``, those that no file has
    are left out instead of raising."""
    import dask.dataframe as dd

    layout = layout or inspect_parquet(path, name)
    wanted, casts = check_columns(layout, columns, optional=optional)
    try:
        ddf = dd.read_parquet(layout.sources(), columns=wanted if columns is not None else None)
    except (ValueError, OSError, KeyError) as exc:
        text = " ".join(str(exc).split())[:300]
        if "schema" in text.lower():
            raise DataError(
                f"The {name} Parquet files do not share one schema ({text}). Rewrite them with the "
                "same columns and types."
            ) from None
        raise DataError(f"Cannot read the {name} Parquet dataset {str(path)!r}: {text}.") from None
    # partitions keep their file's dtype whatever the meta says (the first file's): cast them all
    casts = {c: t for c, t in casts.items() if c in ddf.columns}
    return ddf.astype(casts) if casts else ddf


def count_rows(ddf) -> int:
    return int(ddf.map_partitions(len).sum().compute())


def sample_of(ddf, rows: int, seed: int, n: int):
    """The lazy uniform sample of at most ``rows`` of the ``n`` rows of ``ddf`` (all rows when fewer)."""
    frac = min(1.0, rows / n) if n else 1.0
    return ddf.sample(frac=frac, random_state=seed) if frac < 1 else ddf


def sample_frame(ddf, rows: int, seed: int, *, n: int | None = None) -> pd.DataFrame:
    """A uniform sample of at most ``rows`` rows (all rows when there are fewer), collected to the client."""
    n = count_rows(ddf) if n is None else n
    if n == 0:
        return ddf.head(0, npartitions=-1)
    return sample_of(ddf, rows, seed, n).compute()
