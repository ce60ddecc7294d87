"""Drift over time on Parquet datasets through Dask: per-window summaries, never the rows.

``drift_over_time_parquet(reference, current, timestamp=..., period="W", client=...)`` returns the
same :class:`~robustness.drift.windows.TimeDriftResult` as the in-memory ``drift_over_time`` with
``window="period"``, so the drift-over-time chart does not know which engine ran:

1. the reference is summarised once, as in :func:`robustness.drift.dask_engine.summarize_in`
   (column kinds and numeric bin edges from a uniform sample of at most ``sample_rows`` rows, then
   one :func:`~robustness.drift.chunked.summarize_part` per partition, merged on the workers);
2. every current partition parses its timestamps (the in-memory rules of ``windows._times``), floors
   them to the period and summarises each window it holds: ``{period: Part}``. These dicts merge key
   by key (``merge_parts``), pairwise on the workers (:meth:`robustness.scale.Job.map_reduce`), so a
   window that spans files is the exact merge of its pieces;
3. each window is tested against the reference with
   :func:`~robustness.drift.chunked.drift_from_summaries` (the in-memory decision rule), and the
   windows, labels, statuses ("too_few_rows" below ``min_rows``), message and band are built as in
   memory.

Exact: the windows, their labels and row counts, the rows without a timestamp, categorical and
boolean statistics. Approximate: numeric statistics, within the bounds of
:mod:`robustness.drift.binned`. The reference band is ``windows._band`` run on the reference sample:
when the reference has at most ``sample_rows`` rows the sample is the whole reference in file order
and the band is the in-memory one; above, its chunks (of the median window's row count) are cut from
the time-ordered uniform sample, so they measure the reference's variability at the window's size
over a longer stretch of time, and the message says so.

Windows of a fixed number of rows need a global row order, which a partitioned dataset does not
have: they raise a ``ConfigError`` asking for a calendar period. A partition or a merge holding more
than ``max_windows`` windows stops summarising (so a year of minutes cannot flood the workers) and
the run raises the in-memory ``ConfigError``. Unparsable timestamps raise the in-memory ``DataError``
(row numbers count rows across the files in order).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np
import pandas as pd

from robustness.drift.chunked import drift_from_summaries, merge_parts, numeric_edges, summarize_part
from robustness.drift.config import DriftConfig
from robustness.drift.dask_engine import SAMPLE_ROWS
from robustness.drift.windows import _PERIOD_ALIASES, TimeDriftResult, _label, _times, assemble
from robustness.errors import ConfigError, DataError
from robustness.io.infer import infer_schema
from robustness.scale import Job, open_parquet, sample_frame
from robustness.schema import ColumnKind

__all__ = ["drift_over_time_parquet", "windows_in"]

_W = "__windows__"  # {pandas Period: Part}
_EMPTY: dict[str, Any] = {_W: {}, "__no_time__": 0, "__bad__": None, "__over__": None}


def _period(period: str | None) -> str:
    p = _PERIOD_ALIASES.get(str(period).upper(), str(period)) if period else "W"
    try:
        pd.Series(pd.DatetimeIndex(["2024-01-01"])).dt.to_period(p)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{period!r} is not a calendar period; use D (day), W (week), M (month), Q or Y.") from exc
    return p


def summarize_windows(
    frame: pd.DataFrame,
    index: int,
    timestamp: str,
    period: str,
    kinds: Mapping[str, ColumnKind],
    edges: Mapping[str, np.ndarray],
    max_windows: int,
) -> dict:
    """One current partition (number ``index``): its summaries per period window, the rows without a
    timestamp, the first unparsable timestamp, or the window count when above ``max_windows``."""
    out: dict[str, Any] = {**_EMPTY, _W: {}}
    try:
        t = _times(frame, timestamp, "current")
    except DataError:  # unparsable values: reported by the client with the row across all files
        s = frame[timestamp]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bad = (s.notna() & pd.to_datetime(s, errors="coerce", utc=True).isna()).to_numpy()
        if not bad.any():  # not about values (a file whose column holds numbers): as in memory
            raise
        first = int(np.flatnonzero(bad)[0])
        out["__bad__"] = (int(bad.sum()), (index, first), str(s.iloc[first]))
        return out
    known = t.notna().to_numpy()
    out["__no_time__"] = int((~known).sum())
    pos = np.flatnonzero(known)
    keys = pd.Series(t.to_numpy()[pos]).dt.to_period(period).to_numpy()
    groups = pd.Series(pos).groupby(keys, sort=False)
    if groups.ngroups > max_windows:
        periods = cast(list[pd.Period], list(groups.groups))  # grouped by periods: the keys are Periods
        out["__over__"] = (groups.ngroups, min(periods), max(periods))
        return out
    out[_W] = {k: summarize_part(frame.iloc[g.to_numpy()], kinds, edges) for k, g in groups}
    return out


def merge_windows(a: dict, b: dict, *, max_windows: int) -> dict:
    """Window summaries merged key by key (the reference's plain Parts merge with ``merge_parts``)."""
    if _W not in a and _W not in b:
        return merge_parts(a, b)
    a, b = (x if _W in x else _EMPTY for x in (a, b))
    bads = [x["__bad__"] for x in (a, b) if x["__bad__"]]
    out = {
        _W: {},
        "__no_time__": a["__no_time__"] + b["__no_time__"],
        "__over__": None,
        "__bad__": (sum(x[0] for x in bads), *min(x[1:] for x in bads)) if bads else None,
    }
    overs = [x["__over__"] for x in (a, b) if x["__over__"]]
    if overs:  # a lower bound of the window count, and the span
        keys = [*a[_W], *b[_W]]
        out["__over__"] = (
            max(max(o[0] for o in overs), len(a[_W]), len(b[_W])),
            min([o[1] for o in overs] + keys),
            max([o[2] for o in overs] + keys),
        )
    if out["__bad__"] or out["__over__"]:
        return out
    wa, wb = a[_W], b[_W]
    merged = {
        k: merge_parts(wa[k], wb[k]) if k in wa and k in wb else wa.get(k, wb.get(k))
        for k in dict.fromkeys(list(wa) + list(wb))
    }
    if len(merged) > max_windows:
        out["__over__"] = (len(merged), min(merged), max(merged))
    else:
        out[_W] = merged
    return out


def windows_in(
    job: Job,
    reference: str,
    current: str,
    *,
    timestamp: str,
    features: Sequence[str] | None = None,
    kinds: Mapping[str, ColumnKind | str] | None = None,
    window: str = "period",
    size: int | None = None,
    period: str | None = "W",
    config: DriftConfig | Mapping | None = None,
    max_windows: int = 60,
    min_rows: int = 30,
    max_band_chunks: int = 20,
    sample_rows: int = SAMPLE_ROWS,
    seed: int = 0,
) -> TimeDriftResult:
    """Per-window drift of the current Parquet dataset against the reference, computed through ``job``."""
    import dask

    if window not in ("size", "period"):
        raise ConfigError(f'window must be "size" or "period", not {window!r}.')
    if window == "size" or size is not None:
        raise ConfigError(
            "Windows of a fixed number of rows need one global row order, which a Parquet dataset "
            "split over files and workers does not have. Use windows by calendar period "
            '(window="period", period D, W, M, Q or Y) with a timestamp column.'
        )
    if not timestamp:
        raise ConfigError("Windows by calendar period need a timestamp column. Choose one in the column roles.")
    p = _period(period)
    cfg = config if isinstance(config, DriftConfig) else DriftConfig.from_dict(config or {})
    ref = open_parquet(reference, "reference")
    cur = open_parquet(current, "current")
    _times(cur._meta, timestamp, "current")  # a missing or numeric timestamp column: the in-memory error
    features = [c for c in (features if features is not None else ref.columns) if c != timestamp]
    lacking = [c for c in features if c not in ref.columns]
    if lacking:
        raise ConfigError(
            f"The reference data has no column {', '.join(map(repr, lacking))}. Choose features "
            "that the reference holds."
        )
    ref = ref[features + ([timestamp] if timestamp in ref.columns else [])]
    cur = cur[[c for c in features if c in cur.columns] + [timestamp]]
    (n_ref,) = job.compute(ref.map_partitions(len).sum(), label="Counting reference rows")
    if int(n_ref) == 0:
        raise DataError("The reference Parquet dataset has no rows.")
    job.set_stage("Sampling the reference for column kinds, bin edges and the band")
    job.check()
    sample = sample_frame(ref, sample_rows, seed, n=int(n_ref)).reset_index(drop=True)
    given = {c: ColumnKind(k) for c, k in (kinds or {}).items()}
    inferred = infer_schema(sample[features]).kinds()
    column_kinds = {c: given.get(c, inferred[c]) for c in features}
    edges = numeric_edges(sample, column_kinds)
    part = dask.delayed(summarize_part, pure=True)
    per_window = dask.delayed(summarize_windows, pure=True)
    groups = {
        "reference": [part(d, column_kinds, edges) for d in ref[features].to_delayed()],
        "current": [
            per_window(d, i, timestamp, p, column_kinds, edges, max_windows) for i, d in enumerate(cur.to_delayed())
        ],
    }
    try:
        merged = job.map_reduce(
            groups, functools.partial(merge_windows, max_windows=max_windows), lambda: {"__rows__": 0}
        )
    except KeyError as exc:
        raise DataError(f"Some Parquet files lack column {exc}; every file must hold the compared columns.") from None
    ref_part, cur_windows = merged["reference"], merged["current"]
    if _W not in cur_windows:
        cur_windows = _EMPTY
    if cur_windows["__bad__"]:
        n_bad, (index, first), example = cur_windows["__bad__"]
        before = int(job.compute(cur.partitions[:index].map_partitions(len).sum())[0]) if index else 0
        raise DataError(
            f"Column '{timestamp}' in the current data has {n_bad} value(s) that are not dates (for "
            f"example {example[:40]!r}, row {before + first + 1}). Fix or remove them, or choose "
            "another timestamp column."
        )
    if cur_windows["__over__"]:
        n, first, last = cur_windows["__over__"]
        raise ConfigError(
            f"Windows of period {p!r} cut the current data into at least {n} windows (from "
            f"{_label(first.start_time)} to {_label(last.start_time)}), more than the {max_windows} "
            "allowed. Choose a longer period or raise max_windows."
        )
    job.set_stage("Testing each window")
    built = []
    for key in sorted(cur_windows[_W]):
        job.check()
        win = cur_windows[_W][key]
        n = int(win["__rows__"])
        res = None if n < min_rows else drift_from_summaries(ref_part, win, column_kinds, config=cfg)
        built.append((_label(key.start_time), _label(key.end_time.normalize()), n, res))
    job.set_stage("Reference band")
    note = None
    if len(sample) < int(n_ref):
        note = (
            f"The reference band comes from a uniform sample of {len(sample):,} of the reference's {int(n_ref):,} "
            "rows (chunks of the window's row count, over a longer stretch of time)."
        )
    return assemble(
        built,
        features,
        sample,
        kinds=column_kinds,
        timestamp=timestamp,
        window="period",
        size=None,
        period=p,
        config=cfg,
        min_rows=min_rows,
        max_band_chunks=max_band_chunks,
        n_missing=cur_windows["__no_time__"],
        band_note=note,
    )


def drift_over_time_parquet(
    reference: str,
    current: str,
    *,
    timestamp: str,
    features: Sequence[str] | None = None,
    kinds: Mapping[str, ColumnKind | str] | None = None,
    window: str = "period",
    size: int | None = None,
    period: str | None = "W",
    config: DriftConfig | Mapping | None = None,
    client=None,
    max_windows: int = 60,
    min_rows: int = 30,
    max_band_chunks: int = 20,
    sample_rows: int = SAMPLE_ROWS,
    seed: int = 0,
) -> TimeDriftResult:
    """Drift over time of two Parquet datasets on the Dask cluster of ``client`` (default scheduler when None)."""
    return Job(
        lambda job: windows_in(
            job,
            reference,
            current,
            timestamp=timestamp,
            features=features,
            kinds=kinds,
            window=window,
            size=size,
            period=period,
            config=config,
            max_windows=max_windows,
            min_rows=min_rows,
            max_band_chunks=max_band_chunks,
            sample_rows=sample_rows,
            seed=seed,
        ),
        client,
    ).run()
