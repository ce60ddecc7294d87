"""Perturbations for stress tests: one small function each, one signature, one registry.

Every perturbation is ``fn(data, stats, severity, rng, *, columns) -> DataFrame`` and returns a
new table (the input is never modified). ``severity`` runs from 0 (no change: the result equals
the input, values and dtypes) to 1 (the strongest change); the description of each registry
entry says how severity maps to a magnitude that is set from the reference data
(:class:`~robustness.stress._stats.ReferenceStats`). Columns not chosen are untouched.

Which rows change:

- perturbations that transform a value (``gaussian_noise``, ``unit_*``, ``category_swap``,
  ``typo``, ``rounding``, ``quantile_shift``) act on the values present: a share ``severity``
  of the non-missing values (noise, rounding and quantile shift: all of them); missing values
  stay missing;
- perturbations that set a value (``missing_*``, ``unseen_category``, ``outliers``,
  ``replace_*``) act on a share ``severity`` of all rows, so at severity 1 the column holds
  nothing but the new value.

Shares are exact: ``round(severity * n)`` rows, drawn at random without replacement.

Dtypes are kept, except where the change cannot be stored in the column's dtype:

- missing values in an integer column make it float64 (NaN), in a bool column object (NaN);
  nullable, float, object and category columns keep their dtype;
- ``unit_div1000`` makes an integer column float64: a unit error can change the type;
- a categorical-dtype column gains the new values (``unseen_category``, ``typo``) as categories;
- an integer column whose new values no longer fit its dtype (negative outliers in an unsigned
  column, say) becomes float64.

Numerical columns holding only whole numbers (``NumericStats.integer``) get whole numbers back
from ``gaussian_noise``, ``outliers``, ``replace_median`` and ``quantile_shift``.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from robustness.errors import ConfigError, DataError
from robustness.schema import ColumnKind
from robustness.stress._stats import (
    _PERCENTS,
    UNSEEN,
    CategoricalStats,
    NumericStats,
    ReferenceStats,
    _choose,
    _codes,
    _everyone,
    _holds_strings,
    _numeric_back,
    _present,
    _whole,
    _blanked,
    _with_values,
    numeric_values,
    reference_cdf,
    rounding_step,
    typos,
    unseen_value,
)

__all__ = [  # the stats classes are re-exported: import them from here or from robustness.stress
    "CategoricalStats", "NumericStats", "PerturbationSpec", "ReferenceStats", "UNSEEN", "applicable",
    "perturb", "perturbed_columns", "reference_cdf", "register", "registry", "rounding_step", "typos", "unseen_value",
]

K = ColumnKind
_NUMERIC = frozenset({K.NUMERICAL})
_CATEGORIES = frozenset({K.CATEGORICAL, K.BOOLEAN})
_FILLABLE = frozenset({K.NUMERICAL, K.CATEGORICAL, K.BOOLEAN, K.TEXT})
_SCOPES = ("each", "one")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")

Perturbation = Callable[..., pd.DataFrame]
ColumnFn = Callable[[pd.Series, object, float, np.random.Generator], "pd.Series | None"]


@dataclass(frozen=True)
class PerturbationSpec:
    name: str
    kinds: frozenset[ColumnKind]  # column kinds it applies to
    description: str  # one plain sentence, with how severity maps to magnitude
    fn: Perturbation
    scope: str  # "each": every chosen column; "one": only the first chosen column
    default_severity: float = 0.25  # the suite's "default severity" for verdicts


_REGISTRY: dict[str, PerturbationSpec] = {}
# Extra conditions of the built-ins on a column's stats (e.g. category_swap needs two categories).
_REQUIRES: dict[str, Callable[[ReferenceStats, str], bool]] = {}


# -- from a column function to the uniform signature ---------------------------------------------


def _frame_fn(column_fn: ColumnFn, table: str | None, *, one: bool = False) -> Perturbation:
    """Turn a per-column function into a perturbation with the uniform signature.

    ``table`` names the stats the column needs ("numeric", "categorical" or None for none);
    columns without them, or absent from ``data``, are skipped. ``one``: only the first
    remaining column is perturbed. The returned function also carries ``changes``: the same
    work returning only the changed columns (the suite stacks those without building a table
    per perturbed copy).
    """

    def changes(data: pd.DataFrame, stats: ReferenceStats, severity: float, rng: np.random.Generator,
                *, columns: Sequence[str]) -> dict[str, object]:
        changed: dict[str, object] = {}
        if severity <= 0:
            return changed
        lookup = getattr(stats, table) if table else stats.kinds
        usable = [c for c in columns if c in data.columns and c in lookup]
        for col in usable[:1] if one else usable:
            new = column_fn(data[col], lookup[col] if table else None, severity, rng)
            if new is not None:
                changed[col] = new
        return changed

    def fn(data: pd.DataFrame, stats: ReferenceStats, severity: float, rng: np.random.Generator,
           *, columns: Sequence[str]) -> pd.DataFrame:
        out = data.copy()
        for col, new in changes(data, stats, severity, rng, columns=columns).items():
            out[col] = new
        return out

    fn.__name__ = fn.__qualname__ = column_fn.__name__.lstrip("_")
    fn.__doc__ = column_fn.__doc__
    fn.changes = changes  # type: ignore[attr-defined]
    return fn


# -- numerical ------------------------------------------------------------------------------------


def _gaussian_noise(series, stats: NumericStats, severity, rng):
    """Add N(0, (severity * reference std)^2) to every value."""
    x = numeric_values(series)
    if x is None or not stats.std > 0:
        return None
    return _numeric_back(series, _whole(x + rng.normal(0.0, severity * stats.std, x.size), series, stats))


def _unit_error(factor: float, name: str) -> ColumnFn:
    def column_fn(series, stats: NumericStats, severity, rng):
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


def _outliers(series, stats: NumericStats, severity, rng):
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


def _replace_median(series, stats: NumericStats, severity, rng):
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


def _rounding(series, stats: NumericStats, severity, rng):
    """Round every value to the nearest multiple of ``rounding_step(stats, severity)``."""
    x, step = numeric_values(series), rounding_step(stats, severity)
    if x is None or step == 0 or not np.isfinite(x).any():
        return None
    if step < np.nanmax(np.abs(x[np.isfinite(x)])) * 1e-15:  # finer than float precision: no change
        return None
    return _numeric_back(series, np.round(x, -round(math.log10(step))))


def _quantile_shift(series, stats: NumericStats, severity, rng):
    """x -> F^-1(min(F(x) + severity/2, 1)); values never move down (those above the max stay)."""
    x = numeric_values(series)
    if x is None or severity <= 0:
        return None
    u = np.minimum(reference_cdf(x, stats.quantiles) + 0.5 * severity, 1.0)
    new = np.fmax(np.interp(u, _PERCENTS, np.asarray(stats.quantiles)), x)
    return _numeric_back(series, _whole(np.where(np.isnan(x), np.nan, new), series, stats))


# -- missing values -------------------------------------------------------------------------------


def _missing(series, _stats, severity, rng):
    """Blank a share = severity of the cells (NaN, None or NA as the dtype allows)."""
    rows = _choose(rng, _everyone(series), severity)
    return _blanked(series, rows) if rows.any() else None


# -- categories -----------------------------------------------------------------------------------


def _category_swap(series, stats: CategoricalStats, severity, rng):
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


def _unseen_category(series, stats: CategoricalStats, severity, rng):
    """Set a share = severity of rows to a value never seen in the reference."""
    rows = _choose(rng, _everyone(series), severity)
    if not rows.any():
        return None
    return _with_values(series, rows, np.full(int(rows.sum()), unseen_value(series, stats), dtype=object))


def _replace_mode(series, stats: CategoricalStats, severity, rng):
    """Set a share = severity of rows to the most common reference category."""
    if stats.mode is None:
        return None
    rows = _choose(rng, _everyone(series), severity)
    if not rows.any():
        return None
    return _with_values(series, rows, np.full(int(rows.sum()), stats.mode, dtype=object))


def _typo(series, stats: CategoricalStats, severity, rng):
    """Give a share = severity of present string values a typo-like change."""
    if not _holds_strings(series):
        return None
    rows = _choose(rng, _present(series), severity)
    if not rows.any():
        return None
    return _with_values(series, rows, typos(series.to_numpy(dtype=object)[rows], rng))


# -- registry -------------------------------------------------------------------------------------


def registry() -> dict[str, PerturbationSpec]:
    """All registered perturbations by name (a copy: changing it changes nothing here)."""
    return dict(_REGISTRY)


def register(name: str, fn: Perturbation, *, kinds: Iterable[ColumnKind | str] | ColumnKind | str,
             description: str, scope: str = "each", default_severity: float = 0.25,
             replace: bool = False) -> None:
    """Add a user-defined perturbation with the uniform signature
    ``fn(data, stats, severity, rng, *, columns) -> DataFrame`` (a new table; severity 0 = no change).
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ConfigError(f"{name!r} is not a valid perturbation name. Use letters, digits, '_' or '-', "
                          "starting with a letter (e.g. 'sensor_drift').")
    if name in _REGISTRY and not replace:
        raise ConfigError(f"A perturbation named '{name}' is already registered. Choose another name, "
                          "or pass replace=True to replace it.")
    if not callable(fn):
        raise ConfigError(f"The function of perturbation '{name}' is not callable. Pass a function "
                          "fn(data, stats, severity, rng, *, columns) that returns a new table.")
    if not isinstance(description, str) or not description.strip():
        raise ConfigError(f"Perturbation '{name}' needs a description: one sentence saying what it does "
                          "and how severity sets its strength.")
    if scope not in _SCOPES:
        raise ConfigError(f"Scope '{scope}' of perturbation '{name}' is not one of: {', '.join(_SCOPES)}.")
    _REGISTRY[name] = PerturbationSpec(name, _checked_kinds(kinds, name), description.strip(), fn, scope,
                                       _checked_severity(default_severity, name))
    _REQUIRES.pop(name, None)


def _checked_kinds(kinds, name: str) -> frozenset[ColumnKind]:
    items = [kinds] if isinstance(kinds, (str, ColumnKind)) else list(kinds or ())
    try:
        checked = frozenset(ColumnKind(k) for k in items)
    except ValueError:
        checked = frozenset()
    if not checked:
        raise ConfigError(f"Perturbation '{name}' needs the column kinds it applies to, from: "
                          f"{', '.join(k.value for k in ColumnKind)} (got {kinds!r}).")
    return checked


def _checked_severity(severity, name: str) -> float:
    ok = isinstance(severity, numbers.Real) and not isinstance(severity, bool) and 0 <= severity <= 1
    if not ok:
        raise ConfigError(f"Severity {severity!r} for perturbation '{name}' is not a number from 0 to 1. "
                          "Use 0 for no change up to 1 for the strongest change.")
    return float(severity)


def _spec(name: str) -> PerturbationSpec:
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ConfigError(f"Unknown perturbation {name!r}. Choose one of: {', '.join(_REGISTRY)}.") from None


def applicable(name: str, stats: ReferenceStats, columns: Sequence[str]) -> list[str]:
    """The chosen columns this perturbation can act on (in their order).

    A column qualifies when its kind is one of the perturbation's kinds and, for the built-ins,
    the reference gives what the perturbation needs (numeric stats, two categories for
    ``category_swap``, string values for ``typo``). For scope "one", ``perturb`` then acts on
    the first of them only.
    """
    spec = _spec(name)
    needs = _REQUIRES.get(name)
    return [c for c in _column_list(columns)
            if stats.kinds.get(c) in spec.kinds and (needs is None or needs(stats, c))]


def perturb(name: str, data: pd.DataFrame, stats: ReferenceStats, severity: float, *,
            columns: Sequence[str], seed: int | np.random.Generator) -> pd.DataFrame:
    """Apply perturbation ``name`` at ``severity`` (0..1) to the applicable ``columns`` of ``data``.

    Returns a new table; ``data`` is not modified. Same seed, same result.
    """
    spec, level, targets, rng = _prepared(name, data, stats, severity, columns, seed)
    if level == 0 or not targets:
        return data.copy()
    return _checked_table(name, data, spec.fn(data, stats, level, rng, columns=targets))


def perturbed_columns(name: str, data: pd.DataFrame, stats: ReferenceStats, severity: float, *,
                      columns: Sequence[str], seed: int | np.random.Generator) -> dict[str, object]:
    """What :func:`perturb` changes, without building the table: ``{column: new values}``.

    The values are numpy arrays or pandas Series of ``len(data)``, in the dtype ``perturb``
    gives that column; columns not listed are unchanged. Same seed, same values as ``perturb``.
    A user-defined perturbation's table is returned whole (every column).
    """
    spec, level, targets, rng = _prepared(name, data, stats, severity, columns, seed)
    if level == 0 or not targets:
        return {}
    changes = getattr(spec.fn, "changes", None)
    if changes is not None:
        return changes(data, stats, level, rng, columns=targets)
    out = _checked_table(name, data, spec.fn(data, stats, level, rng, columns=targets))
    return {col: out[col] for col in out.columns}


def _prepared(name, data, stats, severity, columns, seed):
    spec = _spec(name)
    level = _checked_severity(severity, name)
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"Perturbation '{name}' needs a table (a pandas DataFrame), not {type(data).__name__}.")
    chosen = _column_list(columns)
    unknown = [c for c in chosen if c not in data.columns]
    if unknown:
        raise ConfigError(f"Cannot perturb {', '.join(repr(c) for c in unknown[:10])}: no such column in the "
                          f"data. Available columns: {', '.join(map(str, list(data.columns)[:20]))}.")
    rng = _generator(seed)
    targets = applicable(name, stats, chosen)
    if spec.scope == "one":
        targets = targets[:1]
    return spec, level, targets, rng


def _checked_table(name: str, data: pd.DataFrame, out) -> pd.DataFrame:
    if not isinstance(out, pd.DataFrame) or len(out) != len(data) or list(out.columns) != list(data.columns):
        raise ConfigError(f"Perturbation '{name}' did not return a table with the rows and columns of its "
                          "input. A perturbation must return a new DataFrame of the same shape.")
    return out


def _column_list(columns) -> list[str]:
    return [columns] if isinstance(columns, str) else list(columns)


def _generator(seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return np.random.default_rng(int(seed))
    raise ConfigError(f"The seed {seed!r} is not an integer or a numpy Generator. Pass a whole number such as 0.")


# -- built-ins ------------------------------------------------------------------------------------


def _builtin(name: str, column_fn: ColumnFn, table: str | None, kinds: frozenset[ColumnKind],
             description: str, requires: Callable[[ReferenceStats, str], bool], *, scope: str = "each") -> None:
    register(name, _frame_fn(column_fn, table, one=scope == "one"), kinds=kinds,
             description=description, scope=scope)
    _REQUIRES[name] = requires


def _has_numeric(stats: ReferenceStats, col: str) -> bool:
    return col in stats.numeric


def _has_categories(n: int) -> Callable[[ReferenceStats, str], bool]:
    return lambda stats, col: col in stats.categorical and len(stats.categorical[col].values) >= n


def _has_strings(stats: ReferenceStats, col: str) -> bool:
    cat = stats.categorical.get(col)
    return cat is not None and bool(cat.values) and all(isinstance(v, str) for v in cat.values)


def _any(stats: ReferenceStats, col: str) -> bool:
    return True


_SHARE = "a share = severity of the"
_builtin("gaussian_noise", _gaussian_noise, "numeric", _NUMERIC,
         "Adds Gaussian noise with standard deviation = severity × the column's reference standard "
         "deviation (whole-number columns stay whole).", _has_numeric)
for _factor, _label, _example in ((10, "unit_x10", "centimetres recorded as millimetres"),
                                  (1000, "unit_x1000", "kilograms recorded as grams"),
                                  (1e-3, "unit_div1000", "grams recorded as kilograms")):
    _verb = "Multiplies" if _factor >= 1 else "Divides"
    _builtin(_label, _unit_error(_factor, f"_{_label}"), "numeric", _NUMERIC,
             f"{_verb} {_SHARE} values by {1000 if _factor < 1 else _factor}, a unit error such as "
             f"{_example}" + (" (whole-number columns become decimal)." if _factor < 1 else "."), _has_numeric)
_builtin("missing_random", _missing, None, _FILLABLE,
         f"Blanks {_SHARE} cells of every chosen column (an integer column becomes decimal, a true/false "
         "column holds objects).", _any)
_builtin("missing_column", _missing, None, _FILLABLE,
         f"Blanks {_SHARE} rows in one column (the first chosen); at severity 1 the whole column is missing.",
         _any, scope="one")
_builtin("category_swap", _category_swap, "categorical", _CATEGORIES,
         f"Replaces {_SHARE} values by another category seen in the reference, drawn by the reference shares.",
         _has_categories(2))
_builtin("unseen_category", _unseen_category, "categorical", frozenset({K.CATEGORICAL}),
         f"Replaces {_SHARE} values by a category never seen in the reference ('{UNSEEN}', or max + 1 in a "
         "numeric column).", _has_categories(0))
_builtin("typo", _typo, "categorical", frozenset({K.CATEGORICAL, K.TEXT}),
         f"Gives {_SHARE} text values a typo: a case change, a leading or trailing space, or a doubled or "
         "dropped character.", _has_strings)
_builtin("outliers", _outliers, "numeric", _NUMERIC,
         f"Sets {_SHARE} values beyond the reference extremes: 1 to 3 interquartile ranges above the 99th "
         "or below the 1st percentile.", _has_numeric)
_builtin("replace_median", _replace_median, "numeric", _NUMERIC,
         f"Replaces {_SHARE} values by the reference median (severity 1 gives a constant column).", _has_numeric)
_builtin("replace_mode", _replace_mode, "categorical", _CATEGORIES,
         f"Replaces {_SHARE} values by the most common reference category (severity 1 gives a constant column).",
         _has_categories(1))
_builtin("rounding", _rounding, "numeric", _NUMERIC,
         "Rounds every value to a step of 10^round(log10(severity × the reference interquartile range)), "
         "coarser as severity grows.", _has_numeric)
_builtin("quantile_shift", _quantile_shift, "numeric", _NUMERIC,
         "Moves every value up the reference distribution by severity × 50 percentile points (at severity "
         "0.5 a value at the median moves to the 75th percentile).", _has_numeric)
del _factor, _label, _example, _verb
