"""Drift on Parquet datasets through Dask: partitions are summarised where they live and only the
summaries travel (see :mod:`robustness.drift.chunked` for what a summary holds and how tests run
on it).

``drift_parquet(reference, current, client=...)``:

1. opens both datasets with ``dask.dataframe.read_parquet`` (a file, a folder or a glob; local or
   any fsspec URL), reading only the columns compared;
2. infers column kinds and fixes the numeric bin edges from a uniform sample of the reference of
   at most ``sample_rows`` rows (the only rows that reach the client);
3. summarises every partition on the workers and merges the summaries in a tree
   (``dask.delayed``), then decides with the in-memory engine's rule.

Failures are specific: a path with no Parquet files, partitions whose schemas disagree, a column
missing in some files, an unreachable scheduler raise ``DataError`` / ``ConfigError`` (exit 2 in the
CLI). A worker that dies mid-run is Dask's to reschedule; if the run cannot finish, the error
says so and no partial result is returned.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence

import pandas as pd

from robustness.drift.chunked import drift_from_summaries, merge_parts, numeric_edges, summarize_part
from robustness.drift.config import DriftConfig
from robustness.drift.results import DriftResult
from robustness.errors import ConfigError, DataError
from robustness.io.infer import infer_schema
from robustness.schema import ColumnKind

__all__ = ["connect", "drift_parquet", "open_parquet", "summarize_parquet"]

SAMPLE_ROWS = 200_000


def connect(scheduler: str | None = None, *, workers: int | None = None, memory_limit: str | None = None,
            processes: bool = True):
    """A distributed Client: the scheduler at ``scheduler`` (or ``DASK_SCHEDULER_ADDRESS``), else a
    LocalCluster sized to this machine (``workers``, ``memory_limit`` per worker)."""
    from distributed import Client, LocalCluster

    address = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS")
    if address:
        try:
            return Client(address, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise ConfigError(f"Cannot reach the Dask scheduler at {address!r} ({exc}). Check the address and "
                              "that the scheduler is running, or leave --scheduler out to use a local cluster.") from None
    cluster = LocalCluster(n_workers=workers or max(1, (os.cpu_count() or 2)), threads_per_worker=1,
                           memory_limit=memory_limit or "auto", processes=processes, dashboard_address=":0")
    return Client(cluster)


def open_parquet(path: str, name: str, columns: Sequence[str] | None = None):
    """A Dask DataFrame over a Parquet file, folder or glob; DataError with the reason when it cannot be read."""
    import dask.dataframe as dd

    local = "://" not in str(path)
    if local and not (os.path.exists(path) or glob.glob(str(path))):
        raise DataError(f"The {name} path {path!r} does not exist.")
    if local and os.path.isdir(path) and not glob.glob(os.path.join(path, "**", "*.parquet"), recursive=True):
        raise DataError(f"The {name} folder {path!r} holds no Parquet files (*.parquet).")
    try:
        return dd.read_parquet(path, columns=list(columns) if columns is not None else None)
    except (ValueError, OSError, KeyError) as exc:
        text = " ".join(str(exc).split())[:300]
        if "schema" in text.lower():
            raise DataError(f"The {name} Parquet files do not share one schema ({text}). Rewrite them with the "
                            "same columns and types.") from None
        raise DataError(f"Cannot read the {name} Parquet dataset {path!r}: {text}.") from None


def _sample(ddf, rows: int, seed: int) -> pd.DataFrame:
    n = int(ddf.map_partitions(len).sum().compute())
    if n == 0:
        return ddf.head(0)
    frac = min(1.0, rows / n)
    return ddf.sample(frac=frac, random_state=seed).compute() if frac < 1 else ddf.compute()


def summarize_parquet(reference: str, current: str, *, columns: Sequence[str] | None = None,
                      kinds: dict[str, ColumnKind | str] | None = None, client=None,
                      sample_rows: int = SAMPLE_ROWS, seed: int = 0):
    """(reference summaries, current summaries, column kinds) of two Parquet datasets, computed on the
    Dask cluster of ``client`` (or the default scheduler when None)."""
    import dask

    ref = open_parquet(reference, "reference", columns)
    cur = open_parquet(current, "current")
    names = list(columns) if columns is not None else list(ref.columns)
    cur = cur[[c for c in names if c in cur.columns]]
    sample = _sample(ref, sample_rows, seed)
    if sample.empty:
        raise DataError("The reference Parquet dataset has no rows.")
    given = {c: ColumnKind(k) for c, k in (kinds or {}).items()}
    inferred = infer_schema(sample[names]).kinds()
    column_kinds = {c: given.get(c, inferred[c]) for c in names}
    edges = numeric_edges(sample, column_kinds)

    def tree(ddf):
        parts = [dask.delayed(summarize_part)(p, column_kinds, edges) for p in ddf.to_delayed()]
        if not parts:
            return dask.delayed(dict)(__rows__=0)
        while len(parts) > 1:
            parts = [dask.delayed(merge_parts)(parts[i], parts[i + 1]) if i + 1 < len(parts) else parts[i]
                     for i in range(0, len(parts), 2)]
        return parts[0]

    try:
        if client is not None:
            r, c = client.compute([tree(ref), tree(cur)], sync=True)
        else:
            r, c = dask.compute(tree(ref), tree(cur))
    except KeyError as exc:
        raise DataError(f"Some Parquet files lack column {exc}; every file must hold the compared columns.") from None
    except Exception as exc:  # noqa: BLE001 - distributed raises its own types; never return a partial result
        if type(exc).__name__ == "KilledWorker":
            raise DataError("Dask workers kept dying while reading a partition (most often: the partition needs "
                            "more memory than a worker has). Give the workers more memory (--memory-limit), or "
                            "write the Parquet files in smaller row groups. No partial result was kept.") from None
        raise
    return r, c, column_kinds


def drift_parquet(reference: str, current: str, *, columns: Sequence[str] | None = None,
                  kinds: dict[str, ColumnKind | str] | None = None, config: DriftConfig | None = None,
                  client=None, sample_rows: int = SAMPLE_ROWS, seed: int = 0) -> DriftResult:
    """Drift between two Parquet datasets (columns only in the reference come back "skipped")."""
    r, c, column_kinds = summarize_parquet(reference, current, columns=columns, kinds=kinds, client=client,
                                           sample_rows=sample_rows, seed=seed)
    return drift_from_summaries(r, c, column_kinds, config=config)
