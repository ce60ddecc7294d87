"""Which engine runs a CLI command: in memory (pandas) or Dask.

``--engine memory`` and ``--engine dask`` are obeyed. ``--engine auto`` (the default) picks Dask
when an input cannot be read into memory as one table (a folder, a glob, an fsspec URL) or when
the Parquet inputs together exceed a size on disk (``ROBUSTNESS_DASK_THRESHOLD_MB``, default
1024 MB; Parquet usually grows 2-5x in memory), and says so. CSV files always run in memory: the
Dask engine reads Parquet.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from dataclasses import dataclass

from robustness.errors import ConfigError

__all__ = ["EngineChoice", "choose_engine", "threshold_bytes"]

ENGINES = ("auto", "memory", "dask")
PARQUET = (".parquet", ".pq", ".parq")


@dataclass(frozen=True)
class EngineChoice:
    engine: str  # "memory" | "dask"
    note: str | None  # why "auto" chose it (printed on stderr), None when the user chose


def threshold_bytes() -> int:
    raw = os.environ.get("ROBUSTNESS_DASK_THRESHOLD_MB", "1024")
    try:
        mb = float(raw)
    except ValueError:
        raise ConfigError(f"ROBUSTNESS_DASK_THRESHOLD_MB must be a number of megabytes, not {raw!r}.") from None
    return int(mb * 1024 * 1024)


def _is_many(path: str) -> bool:
    return "://" in path or any(ch in path for ch in "*?[") or os.path.isdir(path)


def _parquet_bytes(path: str) -> int | None:
    """Size on disk of a local Parquet file, folder or glob (None when it is not Parquet or not local)."""
    if "://" in path:
        return None
    if os.path.isdir(path):
        files = glob.glob(os.path.join(path, "**", "*"), recursive=True)
    else:
        files = glob.glob(path)
    files = [f for f in files if os.path.isfile(f) and f.lower().endswith(PARQUET)]
    return sum(os.path.getsize(f) for f in files) if files else None


def choose_engine(requested: str, paths: Sequence[str | None]) -> EngineChoice:
    if requested not in ENGINES:
        raise ConfigError(f"--engine must be one of {', '.join(ENGINES)}, not {requested!r}.")
    if requested != "auto":
        return EngineChoice(requested, None)
    given = [str(p) for p in paths if p]
    many = [p for p in given if _is_many(p)]
    if many:
        return EngineChoice("dask", f"{many[0]} is a folder, a glob or a URL: using the Dask engine, which reads "
                                    "Parquet datasets partition by partition.")
    sizes = [_parquet_bytes(p) for p in given]
    if sizes and all(s is not None for s in sizes):
        total, limit = sum(sizes), threshold_bytes()
        if total > limit:
            return EngineChoice("dask", f"The Parquet inputs take {total / 2**20:,.0f} MB on disk, above "
                                        f"{limit / 2**20:,.0f} MB (ROBUSTNESS_DASK_THRESHOLD_MB): using the Dask "
                                        "engine; --engine memory forces pandas.")
    return EngineChoice("memory", None)
