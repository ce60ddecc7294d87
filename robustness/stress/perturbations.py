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

What people read: the registry name is the stable id (JSON, configs); each entry also has a
``label`` ("Unit error ×10"), a ``family`` (one of :data:`FAMILIES`) and a plain ``phrase`` for the
change at a given severity ("a unit error (×10) in 25% of values"). Families of the built-ins:
noise (``gaussian_noise``, ``rounding``: values blurred), unit errors (``unit_*``), missing values
(``missing_*``, and ``replace_median`` / ``replace_mode``: the defaults a feed fills gaps with),
categories (``category_swap``, ``unseen_category``, ``typo``), outliers (``outliers``) and shifts
(``quantile_shift``, the one that fits none of the others).
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd

from robustness.errors import ConfigError, DataError
from robustness.formatting import count, share
from robustness.schema import ColumnKind
from robustness.stress._columns import (
    ColumnFn,
    _category_swap,
    _gaussian_noise,
    _missing,
    _outliers,
    _quantile_shift,
    _replace_median,
    _replace_mode,
    _rounding,
    _typo,
    _unit_error,
    _unseen_category,
)
from robustness.stress._stats import (  # re-exported: the stats and the helpers their users need
    UNSEEN,
    CategoricalStats,
    ColumnValues,
    NumericStats,
    ReferenceStats,
    reference_cdf,
    rounding_step,
    typos,
    unseen_value,
)

__all__ = [  # the stats classes are re-exported: import them from here or from robustness.stress
    "CategoricalStats",
    "FAMILIES",
    "NumericStats",
    "PerturbationSpec",
    "ReferenceStats",
    "UNSEEN",
    "applicable",
    "family_of",
    "label_of",
    "perturb",
    "perturbed_columns",
    "phrase_of",
    "reference_cdf",
    "register",
    "registry",
    "rounding_step",
    "typos",
    "unseen_value",
]

#: The families perturbations are grouped in (display order); "other" holds what fits none.
FAMILIES = ("noise", "unit errors", "missing values", "categories", "outliers", "shifts", "other")

K = ColumnKind
_NUMERIC = frozenset({K.NUMERICAL})
_CATEGORIES = frozenset({K.CATEGORICAL, K.BOOLEAN})
_FILLABLE = frozenset({K.NUMERICAL, K.CATEGORICAL, K.BOOLEAN, K.TEXT})
_SCOPES = ("each", "one")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")

#: ``fn(data, stats, severity, rng, *, columns) -> DataFrame`` (user functions may name the arguments as they like)
Perturbation = Callable[..., pd.DataFrame]
S = TypeVar("S")


@dataclass(frozen=True)
class PerturbationSpec:
    name: str
    kinds: frozenset[ColumnKind]  # column kinds it applies to
    description: str  # one plain sentence, with how severity maps to magnitude
    fn: Perturbation
    scope: str  # "each": every chosen column; "one": only the first chosen column
    default_severity: float = 0.25  # the suite's "default severity" for verdicts
    label: str = ""  # the name people read ("Unit error ×10"); ``name`` stays the id
    family: str = "other"  # one of FAMILIES
    phrase: str | Callable[[float], str] = ""  # the change in plain words; "{share}" -> severity as a percent

    def plain(self, severity: float) -> str:
        """The change at ``severity`` in plain words, e.g. "a unit error (×10) in 25% of values"."""
        if callable(self.phrase):
            return self.phrase(severity)
        text = self.phrase or f"{_lower_first(self.label or _default_label(self.name))} at {{share}} strength"
        return text.replace("{share}", share(severity))


_REGISTRY: dict[str, PerturbationSpec] = {}
# Extra conditions of the built-ins on a column's stats (e.g. category_swap needs two categories).
_REQUIRES: dict[str, Callable[[ReferenceStats, str], bool]] = {}


# -- from a column function to the uniform signature ---------------------------------------------


def _numeric_table(stats: ReferenceStats) -> Mapping[str, NumericStats]:
    return stats.numeric


def _categorical_table(stats: ReferenceStats) -> Mapping[str, CategoricalStats]:
    return stats.categorical


def _no_table(stats: ReferenceStats) -> Mapping[str, None]:
    return dict.fromkeys(stats.kinds)


def _frame_fn(
    column_fn: ColumnFn[S], table: Callable[[ReferenceStats], Mapping[str, S]], *, one: bool = False
) -> Perturbation:
    """Turn a per-column function into a perturbation with the uniform signature.

    ``table`` picks the stats the column function takes (:func:`_numeric_table`, :func:`_categorical_table`,
    or :func:`_no_table`: None for every column); columns without them, or absent from ``data``, are skipped.
    ``one``: only the first remaining column is perturbed. The returned function also carries ``changes``: the same
    work returning only the changed columns (the suite stacks those without building a table
    per perturbed copy).
    """

    def changes(
        data: pd.DataFrame, stats: ReferenceStats, severity: float, rng: np.random.Generator, *, columns: Sequence[str]
    ) -> dict[str, ColumnValues]:
        changed: dict[str, ColumnValues] = {}
        if severity <= 0:
            return changed
        lookup = table(stats)
        usable = [c for c in columns if c in data.columns and c in lookup]
        for col in usable[:1] if one else usable:
            new = column_fn(data[col], lookup[col], severity, rng)
            if new is not None:
                changed[col] = new
        return changed

    def fn(
        data: pd.DataFrame, stats: ReferenceStats, severity: float, rng: np.random.Generator, *, columns: Sequence[str]
    ) -> pd.DataFrame:
        out = data.copy()
        for col, new in changes(data, stats, severity, rng, columns=columns).items():
            out[col] = new
        return out

    fn.__name__ = fn.__qualname__ = column_fn.__name__.lstrip("_")
    fn.__doc__ = column_fn.__doc__
    fn.changes = changes  # type: ignore[attr-defined]  # a function attribute, read back by perturbed_columns
    return fn


# -- registry -------------------------------------------------------------------------------------


def registry() -> dict[str, PerturbationSpec]:
    """All registered perturbations by name (a copy: changing it changes nothing here)."""
    return dict(_REGISTRY)


def register(
    name: str,
    fn: Perturbation,
    *,
    kinds: Iterable[ColumnKind | str] | ColumnKind | str,
    description: str,
    scope: str = "each",
    default_severity: float = 0.25,
    label: str | None = None,
    family: str = "other",
    phrase: str | Callable[[float], str] = "",
    replace: bool = False,
) -> None:
    """Add a user-defined perturbation with the uniform signature
    ``fn(data, stats, severity, rng, *, columns) -> DataFrame`` (a new table; severity 0 = no change).

    ``label``: the name people read (default: the name with spaces, "sensor_drift" -> "Sensor drift");
    ``family``: one of :data:`FAMILIES`; ``phrase``: the change in plain words, "{share}" standing
    for the severity as a percent ("drifting sensors in {share} of rows"), or a function of the severity.
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ConfigError(
            f"{name!r} is not a valid perturbation name. Use letters, digits, '_' or '-', "
            "starting with a letter (e.g. 'sensor_drift')."
        )
    if name in _REGISTRY and not replace:
        raise ConfigError(
            f"A perturbation named '{name}' is already registered. Choose another name, "
            "or pass replace=True to replace it."
        )
    if not callable(fn):
        raise ConfigError(
            f"The function of perturbation '{name}' is not callable. Pass a function "
            "fn(data, stats, severity, rng, *, columns) that returns a new table."
        )
    if not isinstance(description, str) or not description.strip():
        raise ConfigError(
            f"Perturbation '{name}' needs a description: one sentence saying what it does "
            "and how severity sets its strength."
        )
    if scope not in _SCOPES:
        raise ConfigError(f"Scope '{scope}' of perturbation '{name}' is not one of: {', '.join(_SCOPES)}.")
    if family not in FAMILIES:
        raise ConfigError(f"Family {family!r} of perturbation '{name}' is not one of: {', '.join(FAMILIES)}.")
    if label is not None and (not isinstance(label, str) or not label.strip()):
        raise ConfigError(f"The label of perturbation '{name}' must be non-empty text, e.g. 'Sensor drift'.")
    if not (callable(phrase) or isinstance(phrase, str)):
        raise ConfigError(
            f"The phrase of perturbation '{name}' must be text such as 'drifting sensors in {{share}} "
            "of rows', or a function of the severity."
        )
    _REGISTRY[name] = PerturbationSpec(
        name,
        _checked_kinds(kinds, name),
        description.strip(),
        fn,
        scope,
        _checked_severity(default_severity, name),
        label.strip() if label else _default_label(name),
        family,
        phrase,
    )
    _REQUIRES.pop(name, None)


def _default_label(name: str) -> str:
    words = re.sub(r"[_\-]+", " ", str(name)).strip()
    return words[:1].upper() + words[1:]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def label_of(name: str) -> str:
    """The label people read for perturbation ``name`` (a readable form of the name when it is not registered)."""
    spec = _REGISTRY.get(name)
    return spec.label if spec is not None and spec.label else _default_label(name)


def family_of(name: str) -> str:
    """The family of perturbation ``name`` ("other" when it is not registered)."""
    spec = _REGISTRY.get(name)
    return spec.family if spec is not None else "other"


def phrase_of(name: str, severity: float) -> str:
    """Perturbation ``name`` at ``severity`` in plain words ("a unit error (×10) in 25% of values")."""
    spec = _REGISTRY.get(name)
    if spec is None:
        return f"{_lower_first(_default_label(name))} at {share(severity)} strength"
    return spec.plain(severity)


def _checked_kinds(kinds: Iterable[ColumnKind | str] | ColumnKind | str, name: str) -> frozenset[ColumnKind]:
    items = [kinds] if isinstance(kinds, (str, ColumnKind)) else list(kinds or ())
    try:
        checked = frozenset(ColumnKind(k) for k in items)
    except ValueError:
        checked = frozenset()
    if not checked:
        raise ConfigError(
            f"Perturbation '{name}' needs the column kinds it applies to, from: "
            f"{', '.join(k.value for k in ColumnKind)} (got {kinds!r})."
        )
    return checked


def _checked_severity(severity: object, name: str) -> float:
    if not (isinstance(severity, numbers.Real) and not isinstance(severity, bool) and 0 <= float(severity) <= 1):
        raise ConfigError(
            f"Severity {severity!r} for perturbation '{name}' is not a number from 0 to 1. "
            "Use 0 for no change up to 1 for the strongest change."
        )
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
    return [c for c in _column_list(columns) if stats.kinds.get(c) in spec.kinds and (needs is None or needs(stats, c))]


def perturb(
    name: str,
    data: pd.DataFrame,
    stats: ReferenceStats,
    severity: float,
    *,
    columns: Sequence[str],
    seed: int | np.random.Generator,
) -> pd.DataFrame:
    """Apply perturbation ``name`` at ``severity`` (0..1) to the applicable ``columns`` of ``data``.

    Returns a new table; ``data`` is not modified. Same seed, same result.
    """
    spec, level, targets, rng = _prepared(name, data, stats, severity, columns, seed)
    if level == 0 or not targets:
        return data.copy()
    return _checked_table(name, data, spec.fn(data, stats, level, rng, columns=targets))


def perturbed_columns(
    name: str,
    data: pd.DataFrame,
    stats: ReferenceStats,
    severity: float,
    *,
    columns: Sequence[str],
    seed: int | np.random.Generator,
) -> dict[str, ColumnValues]:
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


def _prepared(
    name: str,
    data: pd.DataFrame,
    stats: ReferenceStats,
    severity: float,
    columns: Sequence[str],
    seed: int | np.random.Generator,
) -> tuple[PerturbationSpec, float, list[str], np.random.Generator]:
    spec = _spec(name)
    level = _checked_severity(severity, name)
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"Perturbation '{name}' needs a table (a pandas DataFrame), not {type(data).__name__}.")
    chosen = _column_list(columns)
    unknown = [c for c in chosen if c not in data.columns]
    if unknown:
        raise ConfigError(
            f"Cannot perturb {', '.join(repr(c) for c in unknown[:10])}: no such column in the "
            f"data. Available columns: {', '.join(map(str, list(data.columns)[:20]))}."
        )
    rng = _generator(seed)
    targets = applicable(name, stats, chosen)
    if spec.scope == "one":
        targets = targets[:1]
    return spec, level, targets, rng


def _checked_table(name: str, data: pd.DataFrame, out: object) -> pd.DataFrame:
    if not isinstance(out, pd.DataFrame) or len(out) != len(data) or list(out.columns) != list(data.columns):
        raise ConfigError(
            f"Perturbation '{name}' did not return a table with the rows and columns of its "
            "input. A perturbation must return a new DataFrame of the same shape."
        )
    return out


def _column_list(columns: Sequence[str] | str) -> list[str]:
    return [columns] if isinstance(columns, str) else list(columns)


def _generator(seed: object) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return np.random.default_rng(int(seed))
    raise ConfigError(f"The seed {seed!r} is not an integer or a numpy Generator. Pass a whole number such as 0.")


# -- built-ins ------------------------------------------------------------------------------------


def _builtin(
    name: str,
    column_fn: ColumnFn[S],
    table: Callable[[ReferenceStats], Mapping[str, S]],
    kinds: frozenset[ColumnKind],
    description: str,
    requires: Callable[[ReferenceStats, str], bool],
    *,
    label: str,
    family: str,
    phrase: str | Callable[[float], str],
    scope: str = "each",
) -> None:
    register(
        name,
        _frame_fn(column_fn, table, one=scope == "one"),
        kinds=kinds,
        description=description,
        scope=scope,
        label=label,
        family=family,
        phrase=phrase,
    )
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
_builtin(
    "gaussian_noise",
    _gaussian_noise,
    _numeric_table,
    _NUMERIC,
    "Adds Gaussian noise with standard deviation = severity × the column's reference standard "
    "deviation (whole-number columns stay whole).",
    _has_numeric,
    label="Gaussian noise",
    family="noise",
    phrase="random noise ({share} of each input's normal variation) on every value",
)
for _factor, _label, _example, _sign in (
    (10, "unit_x10", "centimetres recorded as millimetres", "×10"),
    (1000, "unit_x1000", "kilograms recorded as grams", "×1000"),
    (1e-3, "unit_div1000", "grams recorded as kilograms", "÷1000"),
):
    _verb = "Multiplies" if _factor >= 1 else "Divides"
    _builtin(
        _label,
        _unit_error(_factor, f"_{_label}"),
        _numeric_table,
        _NUMERIC,
        f"{_verb} {_SHARE} values by {count(1000 if _factor < 1 else _factor)}, a unit error such as "
        f"{_example}" + (" (whole-number columns become decimal)." if _factor < 1 else "."),
        _has_numeric,
        label=f"Unit error {_sign}",
        family="unit errors",
        phrase=f"a unit error ({_sign}) in {{share}} of values",
    )
_builtin(
    "missing_random",
    _missing,
    _no_table,
    _FILLABLE,
    f"Blanks {_SHARE} cells of every chosen column (an integer column becomes decimal, a true/false "
    "column holds objects).",
    _any,
    label="Missing values",
    family="missing values",
    phrase="missing values in {share} of cells",
)
_builtin(
    "missing_column",
    _missing,
    _no_table,
    _FILLABLE,
    f"Blanks {_SHARE} rows in one column (the first chosen); at severity 1 the whole column is missing.",
    _any,
    scope="one",
    label="Missing column",
    family="missing values",
    phrase="one input missing in {share} of rows",
)
_builtin(
    "category_swap",
    _category_swap,
    _categorical_table,
    _CATEGORIES,
    f"Replaces {_SHARE} values by another category seen in the reference, drawn by the reference shares.",
    _has_categories(2),
    label="Swapped categories",
    family="categories",
    phrase="a wrong category in {share} of values",
)
_builtin(
    "unseen_category",
    _unseen_category,
    _categorical_table,
    frozenset({K.CATEGORICAL}),
    f"Replaces {_SHARE} values by a category never seen in the reference ('{UNSEEN}', or max + 1 in a numeric column).",
    _has_categories(0),
    label="Unseen category",
    family="categories",
    phrase="a category the model never saw in {share} of rows",
)
_builtin(
    "typo",
    _typo,
    _categorical_table,
    frozenset({K.CATEGORICAL, K.TEXT}),
    f"Gives {_SHARE} text values a typo: a case change, a leading or trailing space, or a doubled or "
    "dropped character.",
    _has_strings,
    label="Typos",
    family="categories",
    phrase="typos in {share} of text values",
)
_builtin(
    "outliers",
    _outliers,
    _numeric_table,
    _NUMERIC,
    f"Sets {_SHARE} values beyond the reference extremes: 1 to 3 interquartile ranges above the 99th "
    "or below the 1st percentile.",
    _has_numeric,
    label="Outliers",
    family="outliers",
    phrase="extreme values in {share} of rows",
)
_builtin(
    "replace_median",
    _replace_median,
    _numeric_table,
    _NUMERIC,
    f"Replaces {_SHARE} values by the reference median (severity 1 gives a constant column).",
    _has_numeric,
    label="Median filled in",
    family="missing values",
    phrase="a typical value filled in for {share} of values",
)
_builtin(
    "replace_mode",
    _replace_mode,
    _categorical_table,
    _CATEGORIES,
    f"Replaces {_SHARE} values by the most common reference category (severity 1 gives a constant column).",
    _has_categories(1),
    label="Top category filled in",
    family="missing values",
    phrase="the most common category filled in for {share} of values",
)
_builtin(
    "rounding",
    _rounding,
    _numeric_table,
    _NUMERIC,
    "Rounds every value to a step of 10^round(log10(severity × the reference interquartile range)), "
    "coarser as severity grows.",
    _has_numeric,
    label="Rounding",
    family="noise",
    phrase="every value rounded to a coarser step",
)
_builtin(
    "quantile_shift",
    _quantile_shift,
    _numeric_table,
    _NUMERIC,
    "Moves every value up the reference distribution by severity × 50 percentile points (at severity "
    "0.5 a value at the median moves to the 75th percentile).",
    _has_numeric,
    label="Upward shift",
    family="shifts",
    phrase=lambda severity: (
        "every value shifted upward (a middle value becomes higher than "
        f"{share(0.5 + 0.5 * severity)} of normal values)"
    ),
)
del _factor, _label, _example, _verb, _sign
