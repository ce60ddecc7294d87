"""Cutting data into windows: calendar periods of a timestamp column, or chunks of a row count.

Rows are put in time order (row order without a timestamp); rows without a timestamp are left out
and counted. Labels and the rule match ``robustness.drift.windows`` so per-window drift lines up.
"""

from __future__ import annotations

import warnings
from typing import cast

import numpy as np
import pandas as pd

from robustness.errors import ConfigError, DataError

__all__ = ["PERIODS", "cut", "parse_period", "timestamps"]

PERIODS = {"day": "D", "d": "D", "week": "W", "w": "W", "month": "M", "m": "M", "quarter": "Q", "q": "Q"}


def parse_period(period: str) -> str:
    p = PERIODS.get(str(period).strip().lower())
    if p is None:
        raise ConfigError(f"{period!r} is not a calendar period; use day, week, month or quarter.")
    return p


def timestamps(frame: pd.DataFrame, column: str, name: str) -> pd.Series:
    """Parsed timestamps, timezone-naive UTC, NaT where missing; DataError when present values are not dates."""
    if column not in frame.columns:
        raise DataError(
            f"The {name} data has no timestamp column '{column}'. Columns there: "
            f"{', '.join(map(str, list(frame.columns)[:15]))}. Name the right one with --timestamp."
        )
    s = frame[column]
    if pd.api.types.is_datetime64_any_dtype(s):
        t = s
    elif pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        raise DataError(
            f"Column '{column}' in the {name} data holds numbers, not dates, so it cannot split the data into "
            "calendar periods. Name a date column with --timestamp, or use windows of a row count (--chunk)."
        )
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = pd.to_datetime(s, errors="coerce", utc=True)
        bad = s.notna() & t.isna()
        if bad.any():
            raise DataError(
                f"Column '{column}' in the {name} data has {int(bad.sum())} value(s) that are not dates (for example "
                f"{str(s[bad].iloc[0])[:40]!r}, row {int(np.flatnonzero(bad.to_numpy())[0]) + 1}). Fix or remove them."
            )
    if getattr(t.dt, "tz", None) is not None:
        t = t.dt.tz_convert("UTC").dt.tz_localize(None)
    return pd.Series(t.to_numpy(), index=frame.index)


def _label(t) -> str:
    t = pd.Timestamp(t)
    return t.date().isoformat() if t == t.normalize() else t.isoformat(sep=" ", timespec="seconds")


def cut(
    frame: pd.DataFrame, *, timestamp: str | None, period: str | None, chunk: int | None, name: str = "current"
) -> tuple[list[tuple[str, str, np.ndarray]], int]:
    """Windows as (start, end, positions) in time order, and the number of rows left out for a missing
    timestamp. ``period`` (a pandas period alias, see ``parse_period``) needs ``timestamp``."""
    if period is not None and timestamp is None:
        raise ConfigError(
            "Windows by calendar period (--period) need a timestamp column: name it with --timestamp, "
            "or use windows of a row count (--chunk)."
        )
    n_missing = 0
    t = None
    if timestamp is not None:
        t = timestamps(frame, timestamp, name)
        n_missing = int(t.isna().sum())
        order = np.flatnonzero(t.notna().to_numpy())
        order = order[np.argsort(t.to_numpy()[order], kind="stable")]
    else:
        order = np.arange(len(frame))
    if period is None:
        size = int(chunk) if chunk else max(len(order) // 10, 1)
        if size < 1:
            raise ConfigError(f"The chunk size must be at least 1 row, not {size}.")
        out = []
        for b in range(0, len(order), size):
            pos = order[b : b + size]
            if t is None:
                out.append((f"row {b + 1}", f"row {b + len(pos)}", pos))
            else:
                tt = t.to_numpy()[pos]
                out.append((_label(tt[0]), _label(tt[-1]), pos))
        return out, n_missing
    assert t is not None  # a period needs the timestamp: refused above without one
    periods = pd.Series(t.to_numpy()[order]).dt.to_period(period)
    groups = pd.Series(order).groupby(periods.to_numpy(), sort=True)
    out = []
    for key, g in groups:
        k = cast(pd.Period, key)  # the group keys are the periods themselves
        out.append((_label(k.start_time), _label(k.end_time.normalize()), g.to_numpy()))
    return out, n_missing
