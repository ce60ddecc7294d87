"""Connecting to Dask and opening Parquet datasets, with errors written for the user."""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence

import pandas as pd

from robustness.errors import ConfigError, DataError

__all__ = ["connect", "count_rows", "open_parquet", "sample_frame", "shutdown"]


def connect(scheduler: str | None = None, *, workers: int | None = None, memory_limit: str | None = None,
            processes: bool = True):
    """A distributed Client: the scheduler at ``scheduler`` (or ``DASK_SCHEDULER_ADDRESS``), else a
    LocalCluster sized to this machine (``workers`` processes of one thread, ``memory_limit`` each)."""
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


def shutdown(client) -> None:
    """Close ``client`` and, when it started its own LocalCluster, the cluster too."""
    if client is None:
        return
    cluster = getattr(client, "cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def open_parquet(path: str, name: str, columns: Sequence[str] | None = None):
    """A Dask DataFrame over a Parquet file, folder or glob; DataError with the reason when it cannot be read."""
    import dask.dataframe as dd

    path = str(path)
    local = "://" not in path
    if local and not (os.path.exists(path) or glob.glob(path)):
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


def count_rows(ddf) -> int:
    return int(ddf.map_partitions(len).sum().compute())


def sample_frame(ddf, rows: int, seed: int, *, n: int | None = None) -> pd.DataFrame:
    """A uniform sample of at most ``rows`` rows (all rows when there are fewer), collected to the client."""
    n = count_rows(ddf) if n is None else n
    if n == 0:
        return ddf.head(0, npartitions=-1)
    frac = min(1.0, rows / n)
    return ddf.sample(frac=frac, random_state=seed).compute() if frac < 1 else ddf.compute()
