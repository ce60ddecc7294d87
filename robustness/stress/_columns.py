"""The built-in perturbations' column functions: ``fn(series, stats, severity, rng) -> new values | None``.

``robustness.stress.perturbations`` turns each into the uniform perturbation signature and
registers it (name, label, family, description); see its docstring for which rows change and
when a dtype changes. ``None`` means "nothing to change in this column".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypeAlias, TypeVar

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from robustness.stress._stats import (
    _PERCENTS,
    CategoricalStats,
    ColumnValues,
    NumericStats,
    _blanked,
    _choose,
    _codes,
    _everyone,
    _holds_strings,
    _numeric_back,
    _present,
    _whole,
    _with_values,
    numeric_values,
    reference_cdf,
    rounding_step,
    typos,
    unseen_value,
)

S = TypeVar("S")
#: ``fn(series, stats, severity, rng) -> new values | None``; ``stats`` is the column's NumericStats,
#: CategoricalStats, or None for the functions that need none (which one: the ``table`` it is registered with).
ColumnFn: TypeAlias = Callable[[pd.Series, S, float, np.random.Generator], "ColumnValues | None"]


# -- numerical ------------------------------------------------------------------------------------


def _gaussian_noise(
    series: pd.Series, stats: NumericStats, severity: float, rng: np.random.Generator
) -> ColumnValues | None:
    """Add N(0, (severity * reference std)^2) to every value."""
    x = numeric_values(series)
    if x is None or not stats.std > 0:
        return None
    return _numeric_back(series, _whole(x + rng.normal(0.0, severity * stats.std, x.size), series, stats))


def _unit_error(factor: float, name: str) -> ColumnFn[NumericStats]:
    def column_fn(
        series: pd.Series, stats: NumericStats, severity: float, rng: np.random.Generator
    ) -> ColumnValues | None:
        x = numeric_values(series)
        if x is None:
            return None
        rows = _choose(rng, ~np.isnan(x), severity)
        if not rows.any():
            return None
        new = x.copy()
        new[rows] = new[rows] * factor if factor >= 1 else new[rows] / round(1 / factor)
        return _numeric_back(series, new, keep_int=factor >= 1)

    column_fn.__name__ = name
    column_fn.__doc__ = f"Scale a share = severity of the present values by {factor:g}."
    return column_fn


def _outliers(series: pd.Series, stats: NumericStats, severity: float, rng: np.random.Generator) -> ColumnValues | None:
    """Set a share = severity of rows to q99 + k*IQR or q01 - k*IQR, k uniform in [1, 3]."""
    x = numeric_values(series)
    if x is None:
        return None
    rows = _choose(rng, _everyone(series), severity)
    m = int(rows.sum())
    if not m:
        return None
    k, up = rng.uniform(1.0, 3.0, m), rng.random(m) < 0.5
    spread = stats.iqr if stats.iqr > 0 else stats.scale()
    value = np.where(up, stats.q99 + k * spread, stats.q01 - k * spread)
    if stats.integer or ptypes.is_integer_dtype(series):
        value = np.where(up, np.ceil(value), np.floor(value))
    new = x.copy()
    new[rows] = value
    return _numeric_back(series, new)


def _replace_median(
    series: pd.Series, stats: NumericStats, severity: float, rng: np.random.Generator
) -> ColumnValues | None:
    """Set a share = severity of rows to the reference median (rounded in whole-number columns)."""
    x = numeric_values(series)
    if x is None:
        return None
    rows = _choose(rng, _everyone(series), severity)
    if not rows.any():
        return None
    new = x.copy()
    new[rows] = _whole(np.array([stats.median]), series, stats)[0]
    return _numeric_back(series, new)


def _rounding(series: pd.Series, stats: NumericStats, severity: float, rng: np.random.Generator) -> ColumnValues | None:
    """Round every value to the nearest multiple of ``rounding_step(stats, severity)``."""
    x, step = numeric_values(series), rounding_step(stats, severity)
    if x is None or step == 0 or not np.isfinite(x).any():
        return None
    if step < np.nanmax(np.abs(x[np.isfinite(x)])) * 1e-15:  # finer than float precision: no change
        return None
    return _numeric_back(series, np.round(x, -round(math.log10(step))))


def _quantile_shift(
    series: pd.Series, stats: NumericStats, severity: float, rng: np.random.Generator
) -> ColumnValues | None:
    """x -> F^-1(min(F(x) + severity/2, 1)); values never move down (those above the max stay)."""
    x = numeric_values(series)
    if x is None or severity <= 0:
        return None
    u = np.minimum(reference_cdf(x, stats.quantiles) + 0.5 * severity, 1.0)
    new = np.fmax(np.interp(u, _PERCENTS, np.asarray(stats.quantiles)), x)
    return _numeric_back(series, _whole(np.where(np.isnan(x), np.nan, new), series, stats))


# -- missing values -------------------------------------------------------------------------------


def _missing(series: pd.Series, _stats: None, severity: float, rng: np.random.Generator) -> ColumnValues | None:
    """Blank a share = severity of the cells (NaN, None or NA as the dtype allows)."""
    rows = _choose(rng, _everyone(series), severity)
    return _blanked(series, rows) if rows.any() else None


# -- categories -----------------------------------------------------------------------------------


def _category_swap(
    series: pd.Series, stats: CategoricalStats, severity: float, rng: np.random.Generator
) -> ColumnValues | None:
    """Give a share = severity of present values another reference category, by reference shares."""
    if len(stats.values) < 2:
        return None
    rows = _choose(rng, _present(series), severity)
    if not rows.any():
        return None
    p = np.asarray(stats.shares, dtype=float)
    p = p / p.sum()
    cum = np.cumsum(p)
    cum[-1] = 1.0
    codes = _codes(series.to_numpy(dtype=object)[rows], stats)
    known = codes >= 0
    own = np.where(known, p[codes.clip(0)], 0.0)
    before = np.where(known, (cum - p)[codes.clip(0)], 1.0)
    u = rng.random(codes.size) * (1.0 - own)  # a draw from the other categories' shares
    pick = np.searchsorted(cum, np.where(u >= before, u + own, u), side="right").clip(0, p.size - 1)
    clash = pick == codes  # floating-point edge cases only
    pick[clash] = (pick[clash] + 1) % p.size
    return _with_values(series, rows, np.asarray(stats.values, dtype=object)[pick])


def _unseen_category(
    series: pd.Series, stats: CategoricalStats, severity: float, rng: np.random.Generator
) -> ColumnValues | None:
    """Set a share = severity of rows to a value never seen in the reference."""
    rows = _choose(rng, _everyone(series), severity)
    if not rows.any():
        return None
    return _with_values(series, rows, np.full(int(rows.sum()), unseen_value(series, stats), dtype=object))


def _replace_mode(
    series: pd.Series, stats: CategoricalStats, severity: float, rng: np.random.Generator
) -> ColumnValues | None:
    """Set a share = severity of rows to the most common reference category."""
    if stats.mode is None:
        return None
    rows = _choose(rng, _everyone(series), severity)
    if not rows.any():
        return None
    return _with_values(series, rows, np.full(int(rows.sum()), stats.mode, dtype=object))


def _typo(series: pd.Series, stats: CategoricalStats, severity: float, rng: np.random.Generator) -> ColumnValues | None:
    """Give a share = severity of present string values a typo-like change."""
    if not _holds_strings(series):
        return None
    rows = _choose(rng, _present(series), severity)
    if not rows.any():
        return None
    return _with_values(series, rows, typos(series.to_numpy(dtype=object)[rows], rng))
