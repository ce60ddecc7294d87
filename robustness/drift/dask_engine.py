"""Drift on Parquet datasets through Dask: partitions are summarised where they live and only the
summaries travel (see :mod:`robustness.drift.chunked` for what a summary holds and how tests run
on it).

``drift_parquet(reference, current, client=...)``:

1. opens both datasets with ``dask.dataframe.read_parquet`` (a file, a folder or a glob; local or
   any fsspec URL), reading only the columns compared, once every file's footer has been checked
   (:func:`robustness.scale.cluster.open_parquet`: one schema across the files; files without
   rows left out, so they change nothing);
2. infers column kinds and fixes the numeric bin edges from a uniform sample of the reference of
   at most ``sample_rows`` rows (the only rows that reach the client);
3. summarises every partition on the workers and merges the summaries pairwise on the workers
   as they complete (:meth:`robustness.scale.Job.map_reduce`: memory bounded by the partition
   size, progress and cancellation), then decides with the in-memory engine's rule.

Failures are specific: a path with no Parquet files, a glob that matches nothing, files whose
schemas disagree, a column missing in some files, an unreachable scheduler raise ``DataError`` /
``ConfigError`` (exit 2 in the CLI), before any partition is read. A worker that dies mid-run is
Dask's to reschedule; if the run cannot finish, the error says so and no partial result is returned.
"""

from __future__ import annotations

from collections.abc import Sequence

from robustness.drift.chunked import drift_from_summaries, merge_parts, numeric_edges, summarize_part
from robustness.drift.config import DriftConfig
from robustness.drift.results import DriftResult
from robustness.errors import DataError
from robustness.io.infer import infer_schema
from robustness.scale import Job, connect, open_parquet
from robustness.scale.cluster import sample_of
from robustness.schema import ColumnKind

__all__ = ["connect", "drift_parquet", "open_parquet", "summarize_in", "summarize_parquet"]

SAMPLE_ROWS = 200_000


def summarize_in(
    job: Job,
    reference: str,
    current: str,
    *,
    columns: Sequence[str] | None = None,
    kinds: dict[str, ColumnKind | str] | None = None,
    sample_rows: int = SAMPLE_ROWS,
    seed: int = 0,
):
    """(reference summaries, current summaries, column kinds), computed through ``job``."""
    import dask

    ref = open_parquet(reference, "reference", columns)  # both checked (footers only) before any work
    names = list(columns) if columns is not None else list(ref.columns)
    cur = open_parquet(current, "current", names, optional=True)  # a column it lacks is "skipped"
    (n_ref,) = job.compute(ref.map_partitions(len).sum(), label="Counting reference rows")
    if int(n_ref) == 0:
        raise DataError("The reference Parquet dataset has no rows.")
    (sample,) = job.compute(
        sample_of(ref, sample_rows, seed, int(n_ref)), label="Sampling the reference for column kinds and bin edges"
    )
    given = {c: ColumnKind(k) for c, k in (kinds or {}).items()}
    inferred = infer_schema(sample[names]).kinds()
    column_kinds = {c: given.get(c, inferred[c]) for c in names}
    edges = numeric_edges(sample, column_kinds)
    summarize = dask.delayed(summarize_part, pure=True)
    groups = {
        "reference": [summarize(p, column_kinds, edges) for p in ref.to_delayed()],
        "current": [summarize(p, column_kinds, edges) for p in cur.to_delayed()],
    }
    try:
        merged = job.map_reduce(groups, merge_parts, lambda: {"__rows__": 0})
    except KeyError as exc:
        raise DataError(f"Some Parquet files lack column {exc}; every file must hold the compared columns.") from None
    return merged["reference"], merged["current"], column_kinds


def summarize_parquet(
    reference: str,
    current: str,
    *,
    columns: Sequence[str] | None = None,
    kinds: dict[str, ColumnKind | str] | None = None,
    client=None,
    sample_rows: int = SAMPLE_ROWS,
    seed: int = 0,
):
    """(reference summaries, current summaries, column kinds) of two Parquet datasets, computed on the
    Dask cluster of ``client`` (or the default scheduler when None)."""
    return Job(
        lambda job: summarize_in(
            job, reference, current, columns=columns, kinds=kinds, sample_rows=sample_rows, seed=seed
        ),
        client,
    ).run()


def drift_parquet(
    reference: str,
    current: str,
    *,
    columns: Sequence[str] | None = None,
    kinds: dict[str, ColumnKind | str] | None = None,
    config: DriftConfig | None = None,
    client=None,
    sample_rows: int = SAMPLE_ROWS,
    seed: int = 0,
) -> DriftResult:
    """Drift between two Parquet datasets (columns only in the reference come back "skipped")."""
    r, c, column_kinds = summarize_parquet(
        reference, current, columns=columns, kinds=kinds, client=client, sample_rows=sample_rows, seed=seed
    )
    return drift_from_summaries(r, c, column_kinds, config=config)
