"""Drift over time: the univariate engine per window of current data, and change points in a stream.

``drift_over_time`` cuts the current data into windows, by row count (``window="size"``) or by calendar
period of the timestamp column (``window="period"``, e.g. "D", "W", "M"), in time order (row order
without a timestamp), and runs ``drift`` for every window against the full reference. Windows with fewer
than ``min_rows`` rows are reported with status "too_few_rows", never dropped.

The band per feature is nannyml style: the reference, in time (or row) order, is cut into contiguous
chunks of the window size (for period windows: the median window size); each chunk is compared with the
rest of the reference by the same engine, and the band is the mean ± 3 std of those effect sizes (lower
end clipped at 0; at most ``max_band_chunks`` chunks, evenly spread). An effect size above the band is
larger than the reference's own chunk-to-chunk variability. The test's own threshold (alpha for p-value
tests, a distance for distance tests) is reported alongside.

``change_points`` runs river's ADWIN (Bifet and Gavaldà, 2007) over a stream; ``output_change_points``
builds the stream from a model: the per-row error when labels are present, else its output.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import cast

import numpy as np
import pandas as pd

from robustness.errors import ConfigError, DataError
from robustness.formatting import count, number
from robustness.jsonsafe import finite_or_none
from robustness.models import ModelAdapter, Task

__all__ = [
    "ChangePointResult",
    "DriftWindow",
    "TimeDriftResult",
    "change_points",
    "drift_over_time",
    "output_change_points",
    "split_windows",
]

_PERIOD_ALIASES = {"ME": "M", "MS": "M", "QE": "Q", "QS": "Q", "YE": "Y", "YS": "Y", "A": "Y"}
_MAX_TRACE = 500


def _fl(values) -> list:
    return [
        finite_or_none(v) if isinstance(v, (float, int, np.floating)) and not isinstance(v, bool) else v for v in values
    ]


@dataclass(frozen=True)
class DriftWindow:
    index: int
    start: str  # first timestamp / period start, or "row N"
    end: str
    n_rows: int
    status: str  # "ok" | "too_few_rows" | "error"
    message: str
    effect_sizes: tuple[float | None, ...]  # in TimeDriftResult.features order
    drifted: tuple[bool, ...]
    drifted_share: float | None  # share of tested features that drifted


@dataclass(frozen=True)
class TimeDriftResult:
    features: tuple[str, ...]
    tests: tuple[str, ...]  # the test used per feature (in the first tested window)
    thresholds: tuple[float | None, ...]  # the test's threshold per feature
    band_mean: tuple[float | None, ...]  # reference chunk-vs-rest effect sizes, per feature
    band_lower: tuple[float | None, ...]
    band_upper: tuple[float | None, ...]
    band_chunk_size: int
    n_band_chunks: int
    windows: tuple[DriftWindow, ...]
    window: str  # "size" | "period"
    size: int | None
    period: str | None
    ordered_by: str  # the timestamp column, or "row order"
    min_rows: int
    n_rows_without_time: int  # current rows left out for a missing timestamp
    message: str

    def above_band(self) -> tuple[tuple[bool, ...], ...]:
        """Per window, per feature: effect size above the reference band."""
        return tuple(
            tuple(e is not None and u is not None and e > u for e, u in zip(w.effect_sizes, self.band_upper))
            for w in self.windows
        )

    def to_dict(self) -> dict:
        d = asdict(self)
        for key in ("thresholds", "band_mean", "band_lower", "band_upper"):
            d[key] = _fl(d[key])
        d["features"], d["tests"] = list(self.features), list(self.tests)
        d["windows"] = [
            {
                **asdict(w),
                "effect_sizes": _fl(w.effect_sizes),
                "drifted": list(w.drifted),
                "drifted_share": finite_or_none(w.drifted_share),
            }
            for w in self.windows
        ]
        return d


def _times(frame: pd.DataFrame, column: str, name: str) -> pd.Series:
    """Parsed timestamps (NaT where missing); DataError when present values are not dates."""
    if column not in frame.columns:
        raise DataError(
            f"The {name} data has no column '{column}' to order rows in time. Choose the timestamp "
            f"column in the column roles, or leave it empty to use the row order."
        )
    s = frame[column]
    if pd.api.types.is_datetime64_any_dtype(s):
        t = s
    elif pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        raise DataError(
            f"Column '{column}' in the {name} data holds numbers, not dates, so it cannot split "
            "the data into calendar periods. Choose a date column as the timestamp, or use "
            "windows of a fixed number of rows."
        )
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = pd.to_datetime(s, errors="coerce", utc=True)
        bad = s.notna() & t.isna()
        if bad.any():
            example = s[bad].iloc[0]
            raise DataError(
                f"Column '{column}' in the {name} data has {int(bad.sum())} value(s) that are not "
                f"dates (for example {str(example)[:40]!r}, row {int(np.flatnonzero(bad)[0]) + 1}). "
                "Fix or remove them, or choose another timestamp column."
            )
    if getattr(t.dt, "tz", None) is not None:
        t = t.dt.tz_convert("UTC").dt.tz_localize(None)
    return pd.Series(t.to_numpy(), index=frame.index)


def _label(t) -> str:
    t = pd.Timestamp(t)
    return t.date().isoformat() if t == t.normalize() else t.isoformat(sep=" ", timespec="seconds")


def split_windows(
    current: pd.DataFrame,
    timestamp: str | None,
    window: str,
    size: int | None,
    period: str | None,
    min_rows: int,
    max_windows: int,
) -> tuple[list, int, int | None, str | None]:
    """``current`` cut into windows by row count (``window="size"``) or calendar ``period``: [(start, end, positions)],
    the number of rows without a time, the effective size and period. Used by the performance-over-time view too."""
    if window not in ("size", "period"):
        raise ConfigError(f'window must be "size" or "period", not {window!r}.')
    n_missing = 0
    if timestamp is not None:
        t = _times(current, timestamp, "current")
        n_missing = int(t.isna().sum())
        order = np.flatnonzero(t.notna().to_numpy())
        order = order[np.argsort(t.to_numpy()[order], kind="stable")]
    elif window == "period":
        raise ConfigError(
            "Windows by calendar period need a timestamp column. Choose one in the column roles, "
            "or use windows of a fixed number of rows."
        )
    else:
        order = np.arange(len(current))
    if window == "size":
        size = int(size) if size else max(len(order) // 10, min_rows)
        if size < 1:
            raise ConfigError(f"The window size must be at least 1 row, not {size}.")
        if math.ceil(len(order) / size) > max_windows:
            size = math.ceil(len(order) / max_windows)
        out = []
        for b in range(0, len(order), size):
            pos = order[b : b + size]
            if timestamp is None:
                out.append((f"row {b + 1}", f"row {b + len(pos)}", pos))
            else:
                tt = t.to_numpy()[pos]
                out.append((_label(tt[0]), _label(tt[-1]), pos))
        return out, n_missing, size, None
    p = _PERIOD_ALIASES.get(str(period).upper(), str(period)) if period else "W"
    try:
        periods = pd.Series(t.to_numpy()[order]).dt.to_period(p)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{period!r} is not a calendar period; use D (day), W (week), M (month), Q or Y.") from exc
    groups = pd.Series(order).groupby(periods.to_numpy(), sort=True)
    if groups.ngroups > max_windows:
        raise ConfigError(
            f"Windows of period {p!r} cut the current data into {groups.ngroups} windows, more than "
            f"the {max_windows} allowed. Choose a longer period or raise max_windows."
        )
    out = []
    for key, g in groups:
        when = cast(pd.Period, key)  # grouped by periods: each key is a pandas Period
        out.append((_label(when.start_time), _label(when.end_time.normalize()), g.to_numpy()))
    return out, n_missing, None, p


def drift_over_time(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    features: Sequence[str],
    kinds=None,
    timestamp: str | None = None,
    window: str = "size",
    size: int | None = None,
    period: str | None = None,
    config=None,
    max_windows: int = 60,
    min_rows: int = 30,
    max_band_chunks: int = 20,
) -> TimeDriftResult:
    """Per-window drift of current vs the full reference, with a reference band. See the module docstring."""
    from robustness.drift import drift

    features = [c for c in features if c != timestamp]
    if kinds is None:  # infer once, not once per window
        from robustness.io.infer import infer_schema

        kinds = infer_schema(reference[[c for c in features if c in reference.columns]]).kinds()
    parts, n_missing, size, period = split_windows(current, timestamp, window, size, period, min_rows, max_windows)
    built = []
    for start, end, pos in parts:
        res = (
            None
            if len(pos) < min_rows
            else drift(reference, current.iloc[pos], kinds=kinds, columns=list(features), config=config)
        )
        built.append((start, end, len(pos), res))
    return assemble(
        built,
        features,
        reference,
        kinds=kinds,
        timestamp=timestamp,
        window=window,
        size=size,
        period=period,
        config=config,
        min_rows=min_rows,
        max_band_chunks=max_band_chunks,
        n_missing=n_missing,
    )


def assemble(
    built,
    features,
    band_reference: pd.DataFrame,
    *,
    kinds,
    timestamp: str | None,
    window: str,
    size: int | None,
    period: str | None,
    config,
    min_rows: int,
    max_band_chunks: int,
    n_missing: int,
    band_note: str | None = None,
) -> TimeDriftResult:
    """The TimeDriftResult from per-window results: ``built`` holds (start label, end label, rows,
    DriftResult or None when the window has too few rows); the band comes from ``band_reference``
    (``band_note`` is added to the message). Shared by the in-memory and the Dask engines."""
    windows, tests, thresholds = [], {}, {}
    for i, (start, end, n, res) in enumerate(built):
        if res is None:
            windows.append(
                DriftWindow(
                    i,
                    start,
                    end,
                    n,
                    "too_few_rows",
                    f"Only {n} rows (at least {min_rows} are needed); not tested.",
                    tuple(None for _ in features),
                    tuple(False for _ in features),
                    None,
                )
            )
            continue
        by = {f.feature: f for f in res.features}
        eff: list[float | None] = []
        flags: list[bool] = []
        for c in features:
            f = by.get(c)
            if f is None or f.status != "ok":
                eff.append(None)
                flags.append(False)
                continue
            eff.append(finite_or_none(f.effect_size) if f.effect_size is not None else None)
            flags.append(bool(f.drifted))
            if c not in tests:
                tests[c], thresholds[c] = f.test, finite_or_none(f.threshold)
        windows.append(
            DriftWindow(i, start, end, n, "ok", "", tuple(eff), tuple(flags), finite_or_none(res.dataset.drifted_share))
        )
    ok_sizes = [w.n_rows for w in windows if w.status == "ok"]
    chunk = (size or 0) if window == "size" else (int(np.median(ok_sizes)) if ok_sizes else 0)
    band, n_chunks, note = _band(band_reference, list(features), kinds, timestamp, chunk, config, max_band_chunks)
    if band_note:
        note = (note + " " if note else "") + band_note
    n_ok = len(ok_sizes)
    msg = f"{count(len(windows))} windows of current data compared with the full reference ({count(n_ok)} tested)."
    small = len(windows) - n_ok
    if small:
        msg += f" {count(small)} window(s) had fewer than {count(min_rows)} rows and were not tested."
    if n_missing:
        msg += f" {count(n_missing)} current row(s) without a timestamp were left out."
    tested = [w for w in windows if w.status == "ok"]
    counts = {c: sum(w.drifted[j] for w in tested) for j, c in enumerate(features)}
    often = sorted((c for c in features if tested and counts[c] >= len(tested) / 2), key=lambda c: -counts[c])
    if often:
        msg += (
            " Drifted in at least half of the tested windows: "
            + ", ".join(f"{c} ({counts[c]} of {len(tested)})" for c in often)
            + "."
        )
    elif tested:
        msg += " No feature drifted in half of the tested windows or more."
    if note:
        msg += " " + note
    return TimeDriftResult(
        features=tuple(features),
        tests=tuple(tests.get(c, "none") for c in features),
        thresholds=tuple(thresholds.get(c) for c in features),
        band_mean=band[0],
        band_lower=band[1],
        band_upper=band[2],
        band_chunk_size=int(chunk),
        n_band_chunks=n_chunks,
        windows=tuple(windows),
        window=window,
        size=size,
        period=period,
        ordered_by=timestamp or "row order",
        min_rows=min_rows,
        n_rows_without_time=int(n_missing),
        message=msg,
    )


def _band(
    reference: pd.DataFrame, features: list[str], kinds, timestamp: str | None, chunk: int, config, max_chunks: int
) -> tuple[tuple, int, str]:
    from robustness.drift import drift

    none = tuple(None for _ in features)
    n = len(reference) // chunk if chunk else 0
    if n < 3:
        return (
            (none, none, none),
            0,
            (
                f"The reference has too few rows for chunks of {count(chunk)} rows (at least 3 "
                "are needed), so there is no reference band."
            ),
        )
    order = np.arange(len(reference))
    if timestamp is not None and timestamp in reference.columns:
        t = _times(reference, timestamp, "reference").to_numpy()
        order = np.argsort(t, kind="stable")  # missing times sort last
    picked = np.unique(np.linspace(0, n - 1, min(n, max_chunks)).round().astype(int))
    effects: dict[str, list[float]] = {c: [] for c in features}
    for k in picked:
        inside = order[k * chunk : (k + 1) * chunk]
        mask = np.zeros(len(reference), bool)
        mask[inside] = True
        res = drift(reference.iloc[~mask], reference.iloc[mask], kinds=kinds, columns=list(features), config=config)
        for f in res.features:
            if f.feature in effects and f.status == "ok" and f.effect_size is not None and math.isfinite(f.effect_size):
                effects[f.feature].append(float(f.effect_size))
    mean: list[float | None] = []
    lower: list[float | None] = []
    upper: list[float | None] = []
    for c in features:
        v = np.array(effects[c])
        if len(v) < 3:
            mean.append(None)
            lower.append(None)
            upper.append(None)
            continue
        mu, sd = float(v.mean()), float(v.std(ddof=1))
        mean.append(mu)
        lower.append(max(mu - 3 * sd, 0.0) if v.min() >= 0 else mu - 3 * sd)
        upper.append(mu + 3 * sd)
    return (tuple(mean), tuple(lower), tuple(upper)), len(picked), ""


# --------------------------------------------------------------------------- change points
@dataclass(frozen=True)
class ChangePointResult:
    n: int  # finite values fed to ADWIN
    n_dropped: int  # missing / non-finite values skipped
    indices: tuple[int, ...]  # positions in the input where ADWIN signalled a change
    starts: tuple[int, ...]  # estimated start of the new regime (ADWIN's window after shrinking)
    labels: tuple[str, ...]  # labels at the signalling positions
    mean_before: tuple[float, ...]  # mean of the segment before each estimated start
    mean_after: tuple[float, ...]  # ... and after it (up to the next start)
    delta: float
    stream: str  # what the values are
    message: str
    trace_index: tuple[int, ...] = ()  # ADWIN's running mean, at most 500 points, for plots
    trace_mean: tuple[float, ...] = ()

    def to_dict(self) -> dict:
        d = asdict(self)
        for key in ("mean_before", "mean_after", "trace_mean"):
            d[key] = _fl(d[key])
        for key in ("indices", "starts", "labels", "trace_index"):
            d[key] = list(d[key])
        return d


def change_points(
    values: Sequence[float] | np.ndarray,
    *,
    delta: float = 0.002,
    labels: Sequence | None = None,
    stream: str = "values",
) -> ChangePointResult:
    """Where river's ADWIN detects a change in the mean of ``values`` (in the given order)."""
    from river.drift import ADWIN

    if not 0 < delta < 1:
        raise ConfigError(f"delta must be between 0 and 1, not {delta!r}.")
    x = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce").to_numpy(dtype=float)
    if labels is not None and len(labels) != len(x):
        raise ConfigError(f"{len(labels)} labels were given for {len(x)} values; give one label per value.")
    keep = np.flatnonzero(np.isfinite(x))
    adwin = ADWIN(delta=delta)
    hits, starts, trace = [], [], []
    traced = set(np.linspace(0, len(keep) - 1, min(len(keep), _MAX_TRACE)).round().astype(int).tolist())
    for j, i in enumerate(keep):
        adwin.update(float(x[i]))
        if adwin.drift_detected:
            hits.append(int(i))
            starts.append(int(keep[max(j - int(adwin.width) + 1, 0)]))
        if j in traced:
            trace.append((int(i), float(adwin.estimation)))
    bounds = [int(keep[0]) if len(keep) else 0] + starts + [len(x)]
    seg = [x[a:b][np.isfinite(x[a:b])] for a, b in zip(bounds[:-1], bounds[1:])]
    seg_mean = [float(s.mean()) if len(s) else float("nan") for s in seg]
    lab = tuple(str(labels[i]) if labels is not None else f"row {count(i + 1)}" for i in hits)
    if not len(keep):
        msg = "The stream is empty, so there are no change points."
    elif not hits:
        msg = f"ADWIN found no change in the mean of the {stream} over {count(len(keep))} values."
    else:
        first = f"first at {lab[0]} (mean {number(seg_mean[0])} before, {number(seg_mean[1])} after)"
        msg = f"ADWIN found {count(len(hits))} change(s) in the mean of the {stream}, {first}."
    return ChangePointResult(
        n=len(keep),
        n_dropped=len(x) - len(keep),
        indices=tuple(hits),
        starts=tuple(starts),
        labels=lab,
        mean_before=tuple(seg_mean[:-1]),
        mean_after=tuple(seg_mean[1:]),
        delta=float(delta),
        stream=stream,
        message=msg,
        trace_index=tuple(i for i, _ in trace),
        trace_mean=tuple(m for _, m in trace),
    )


def output_change_points(
    model: ModelAdapter,
    current: pd.DataFrame,
    *,
    timestamp: str | None = None,
    target: str | None = None,
    delta: float = 0.002,
) -> ChangePointResult:
    """ADWIN over the model's per-row error (labels present) or its output, in time order."""
    frame = current
    labels = None  # change_points names a position "row 1,234"
    if timestamp is not None:
        t = _times(current, timestamp, "current")
        order = np.argsort(t.to_numpy(), kind="stable")  # missing times last
        frame, t = current.iloc[order], t.iloc[order]
        labels = ["(no time)" if pd.isna(v) else _label(v) for v in t]
    values, what = _stream(model, frame, target)
    return change_points(values, delta=delta, labels=labels, stream=what)


def _stream(model: ModelAdapter, frame: pd.DataFrame, target: str | None) -> tuple[np.ndarray, str]:
    has_y = target is not None and target in frame.columns and frame[target].notna().any()
    pred = model.predict(frame)
    if model.task is Task.REGRESSION:
        p = pd.to_numeric(pd.Series(pred), errors="coerce").to_numpy(dtype=float)
        if has_y:
            actual = pd.to_numeric(frame[target], errors="coerce").to_numpy(dtype=float)
            return np.abs(actual - p), "absolute error"
        return p, "prediction"
    classes = [str(c) for c in (model.classes or [])]
    y = None if not has_y else np.array([None if pd.isna(v) else str(v) for v in frame[target]], dtype=object)
    if model.has_proba and classes:
        proba = model.predict_proba(frame)
        if y is not None:
            idx = {c: j for j, c in enumerate(classes)}
            p_true = np.array(
                [np.nan if v is None else (proba[r, idx[v]] if v in idx else 0.0) for r, v in enumerate(y)]
            )
            return 1.0 - p_true, "error (1 - probability of the true class)"
        if model.task is Task.BINARY and proba.shape[1] == 2:
            return proba[:, 1], f"probability of class {classes[1]}"
        return proba.max(axis=1), "probability of the predicted class"
    labels = np.array([str(v) for v in pred], dtype=object)
    if y is not None:
        return np.where(pd.isna(y), np.nan, (labels != y).astype(float)), "misclassification (0/1)"
    top = classes[-1] if model.task is Task.BINARY and classes else pd.Series(labels).mode().iloc[0]
    return (labels == top).astype(float), f"share predicted as {top}"
