"""The first rows of a Parquet dataset, read from the files' first record batches: what role guessing
and feature checks need, in memory bounded by ``rows`` (Dask's ``head(npartitions=-1)`` would read
every partition)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from robustness.scale.cluster import inspect_parquet

__all__ = ["parquet_head"]


def parquet_head(path: str, name: str, rows: int = 2_000, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Up to ``rows`` rows from the start of the dataset (files in order, empty files skipped), text as
    Python strings as the in-memory reader gives it. DataError as ``open_parquet`` for a bad path."""
    import pyarrow.parquet as pq

    layout = inspect_parquet(path, name)
    frames, got = [], 0
    for f in layout.files:
        if got >= rows:
            break
        if not f.rows:
            continue
        with layout.fs.open(f.path, "rb") as handle:
            for batch in pq.ParquetFile(handle).iter_batches(batch_size=min(rows, 65_536), columns=columns):
                frames.append(batch.to_pandas())
                got += batch.num_rows
                if got >= rows:
                    break
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in (columns or layout.columns)})
    out = pd.concat(frames, ignore_index=True).head(rows)
    index = [c for c in out.columns if c.startswith("__index_level_")]
    return out.drop(columns=index)
