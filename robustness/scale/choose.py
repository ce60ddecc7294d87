"""Which engine runs a CLI command: in memory (pandas) or Dask.

``--engine dask`` is obeyed. ``--engine memory`` is obeyed unless a Parquet input would take more
memory than the table budget (``ROBUSTNESS_MAX_TABLE_MB``, see :mod:`robustness.settings`),
estimated from its footer without reading it: that is a DataError suggesting ``--engine dask``
(CLI exit 2), raised before anything is read. ``--engine auto`` (the default) picks Dask when an
input cannot be read into memory as one table (a folder, a glob, an fsspec URL), when a Parquet
input's estimated size in memory exceeds the table budget, or when the Parquet inputs together
exceed a size on disk (``ROBUSTNESS_DASK_THRESHOLD_MB``, default 1024 MB; Parquet usually grows
2-5x in memory), and says so. CSV files always run in memory (the Dask engine reads Parquet);
``read_table`` applies the budget to them.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from dataclasses import dataclass

from robustness.errors import ConfigError, DataError
from robustness.io.budget import MemoryEstimate, format_bytes, parquet_file_estimate, table_budget

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


def _over_budget(paths: Sequence[str]) -> tuple[str, MemoryEstimate, int] | None:
    """The first local Parquet file whose footer estimate exceeds the table budget."""
    budget = None
    for path in paths:
        if _is_many(path) or not os.path.isfile(path):
            continue
        try:
            with open(path, "rb") as f:
                if f.read(4) != b"PAR1":
                    continue
        except OSError:
            continue
        estimate = parquet_file_estimate(path)
        budget = table_budget() if budget is None else budget
        if estimate is not None and estimate.bytes > budget:
            return path, estimate, budget
    return None


def choose_engine(requested: str, paths: Sequence[str | None], *, command: str = "drift") -> EngineChoice:
    """The engine for ``command`` (named in messages) on the inputs ``paths`` (None entries ignored)."""
    if requested not in ENGINES:
        raise ConfigError(f"--engine must be one of {', '.join(ENGINES)}, not {requested!r}.")
    if requested == "dask":
        return EngineChoice(requested, None)
    given = [str(p) for p in paths if p]
    many = [p for p in given if _is_many(p)]
    if requested == "auto" and many:
        return EngineChoice(
            "dask",
            f"{many[0]} is a folder, a glob or a URL: using the Dask engine, which reads "
            "Parquet datasets partition by partition.",
        )
    over = _over_budget(given)
    if over is not None:
        path, estimate, budget = over
        size = (
            f"{path} would take about {format_bytes(estimate.bytes)} in memory ({estimate.shape}, "
            "estimated from its Parquet footer), more than the table budget of "
            f"{format_bytes(budget)} (ROBUSTNESS_MAX_TABLE_MB)"
        )
        if requested == "memory":
            raise DataError(
                f"{size}, so the in-memory engine does not read it. Run `robustness {command}` again with "
                "`--engine dask` (the Dask engine reads Parquet part by part), use a sample of the "
                "rows, or, if this machine has the memory, raise ROBUSTNESS_MAX_TABLE_MB."
            )
        return EngineChoice("dask", f"{size}: using the Dask engine, which reads Parquet part by part.")
    if requested == "memory":
        return EngineChoice(requested, None)
    sizes = [_parquet_bytes(p) for p in given]
    known = [s for s in sizes if s is not None]
    if sizes and len(known) == len(sizes):
        total, limit = sum(known), threshold_bytes()
        if total > limit:
            return EngineChoice(
                "dask",
                f"The Parquet inputs take {total / 2**20:,.0f} MB on disk, above "
                f"{limit / 2**20:,.0f} MB (ROBUSTNESS_DASK_THRESHOLD_MB): using the Dask "
                "engine; --engine memory forces pandas.",
            )
    return EngineChoice("memory", None)
