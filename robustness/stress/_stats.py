"""What the perturbations know about the reference data: one summary per column, computed once.

``ReferenceStats.from_frame(reference)`` reads every column once; the perturbations then set
data-aware magnitudes from it (noise scaled by the reference standard deviation, outliers
beyond the reference extremes, categories drawn by their reference shares).

- numerical columns -> :class:`NumericStats` (from the finite values; a column with none gets
  no stats and is not perturbed by the numerical perturbations);
- categorical, boolean and text columns -> :class:`CategoricalStats` (text: the 50 most
  common values only, so their shares may sum to less than 1);
- datetime and id columns are recorded in ``kinds`` but are not perturbed.

Below the stats: the column helpers the perturbations share (drawing rows, writing values back
in the column's dtype, the reference CDF, the rounding step, unseen values, typos).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from robustness.errors import ConfigError, DataError
from robustness.io.infer import infer_kind
from robustness.jsonsafe import py_scalar
from robustness.schema import ColumnKind, as_kinds

if TYPE_CHECKING:
    from pandas.api.extensions import ExtensionDtype

#: A column's new values as the perturbations give them: a numpy array for numpy dtypes, a Series for pandas' own.
ColumnValues: TypeAlias = "np.ndarray | pd.Series"

K = ColumnKind
NUMERIC_KINDS = frozenset({K.NUMERICAL})
CATEGORY_KINDS = frozenset({K.CATEGORICAL, K.BOOLEAN, K.TEXT})
TEXT_TOP = 50  # text columns keep their most common values only
_PERCENTS = np.linspace(0.0, 1.0, 101)
UNSEEN = "__unseen__"


@dataclass(frozen=True)
class NumericStats:
    median: float
    mean: float
    std: float
    iqr: float
    minimum: float
    maximum: float
    q01: float
    q99: float
    quantiles: tuple[float, ...]  # 101 points, 0..100th percentile, for quantile_shift
    integer: bool  # all finite values are whole numbers

    def scale(self) -> float:
        """A positive spread: the IQR, else the std, else the range, else |median|, else 1."""
        for value in (self.iqr, self.std, self.maximum - self.minimum, abs(self.median)):
            if np.isfinite(value) and value > 0:
                return float(value)
        return 1.0


@dataclass(frozen=True)
class CategoricalStats:
    categories: tuple[str, ...]  # by frequency, most common first; str() of values, for display
    values: tuple[Any, ...]  # the original values in the same order (str, bool, int, ...)
    shares: tuple[float, ...]  # share of all non-missing reference values
    mode: object  # the most common value (None when the column is empty)

    @cached_property
    def index(self) -> pd.Index:
        """The values as a lookup index (built once: every perturbed copy looks values up)."""
        return pd.Index(list(self.values), dtype=object)


@dataclass(frozen=True)
class ReferenceStats:
    kinds: dict[str, ColumnKind]
    numeric: dict[str, NumericStats]
    categorical: dict[str, CategoricalStats]

    @classmethod
    def from_frame(
        cls,
        reference: pd.DataFrame,
        *,
        kinds: Mapping[str, ColumnKind | str] | None = None,
        columns: Sequence[str] | None = None,
    ) -> ReferenceStats:
        """Summarise ``columns`` (default: all) of ``reference``.

        ``kinds`` (column -> kind) wins over inference; columns it does not name are inferred
        with :func:`robustness.io.infer.infer_kind`.
        """
        if not isinstance(reference, pd.DataFrame):
            raise DataError("The reference data must be a table (a pandas DataFrame).")
        names = list(reference.columns)
        chosen = names if columns is None else list(columns)
        _require_known(chosen, names, "summarise")
        given = _checked_kinds(kinds or {}, names)
        out_kinds: dict[str, ColumnKind] = {}
        numeric: dict[str, NumericStats] = {}
        categorical: dict[str, CategoricalStats] = {}
        for col in chosen:
            series = reference[col]
            kind = given.get(col) or infer_kind(series)
            out_kinds[col] = kind
            if kind in NUMERIC_KINDS:
                stats = numeric_stats(series)
                if stats is not None:
                    numeric[col] = stats
            elif kind in CATEGORY_KINDS:
                categorical[col] = categorical_stats(series, top=TEXT_TOP if kind is K.TEXT else None)
        return cls(out_kinds, numeric, categorical)


def _require_known(chosen: Sequence[str], names: Sequence[str], verb: str) -> None:
    unknown = [c for c in chosen if c not in names]
    if unknown:
        listed = ", ".join(f"'{c}'" for c in unknown[:10])
        raise ConfigError(
            f"Cannot {verb} {listed}: no such column in the reference data. Available columns: "
            f"{', '.join(map(str, names[:20]))}{' ...' if len(names) > 20 else ''}."
        )


def _checked_kinds(kinds: Mapping[str, ColumnKind | str], names: Sequence[str]) -> dict[str, ColumnKind]:
    _require_known(list(kinds), names, "set the kind of")
    return as_kinds(kinds)


def numeric_values(series: pd.Series) -> np.ndarray | None:
    """The column as float64 (NaN for missing), or None when it does not hold numbers.

    Read-only: it may share memory with ``series`` (callers copy before changing values).
    """
    dtype = series.dtype
    if isinstance(dtype, np.dtype):  # no pandas NA possible: a plain (cheap) conversion
        if dtype.kind not in "iuf":
            return None
        values = series.to_numpy(dtype=np.float64)
    elif ptypes.is_bool_dtype(series) or not ptypes.is_numeric_dtype(series):
        return None
    else:
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    values = values.view()
    values.flags.writeable = False
    return values


def numeric_stats(series: pd.Series) -> NumericStats | None:
    """Stats of the finite values; None when the column has none (or does not hold numbers)."""
    values = numeric_values(series)
    if values is None:
        return None
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    q = np.quantile(finite, _PERCENTS)
    q25, q75 = np.quantile(finite, [0.25, 0.75])
    return NumericStats(
        median=float(q[50]),
        mean=float(finite.mean()),
        std=float(finite.std(ddof=1 if finite.size > 1 else 0)),
        iqr=float(q75 - q25),
        minimum=float(q[0]),
        maximum=float(q[100]),
        q01=float(q[1]),
        q99=float(q[99]),
        quantiles=tuple(float(v) for v in q),
        integer=bool(np.all(finite == np.round(finite))),
    )


def categorical_stats(series: pd.Series, *, top: int | None = None) -> CategoricalStats:
    """Categories by frequency (most common first) with their shares of non-missing values."""
    present = series.dropna()
    try:
        counts = present.value_counts(dropna=True)
    except TypeError:  # unhashable cells, e.g. lists from Parquet
        counts = present.astype(str).value_counts(dropna=True)
    counts = counts[counts > 0]  # a categorical dtype lists unused categories with 0
    if top is not None:
        counts = counts.iloc[:top]
    values = tuple(py_scalar(v) for v in counts.index)
    total = max(len(present), 1)
    return CategoricalStats(
        categories=tuple(str(v) for v in values),
        values=values,
        shares=tuple(float(c) / total for c in counts.to_numpy()),
        mode=values[0] if values else None,
    )


# -- column helpers shared by the perturbations -----------------------------------------------------


def _choose(rng: np.random.Generator, eligible: np.ndarray, share: float) -> np.ndarray:
    """A mask of exactly round(share * eligible.sum()) eligible rows, drawn without replacement."""
    idx = np.flatnonzero(eligible)
    k = int(round(share * idx.size))
    mask = np.zeros(eligible.size, dtype=bool)
    if k:
        mask[rng.choice(idx, size=k, replace=False)] = True
    return mask


def _present(series: pd.Series) -> np.ndarray:
    return ~pd.isna(series.to_numpy()) if isinstance(series.dtype, np.dtype) else series.notna().to_numpy()


def _everyone(series: pd.Series) -> np.ndarray:
    return np.ones(len(series), dtype=bool)


def _whole(values: np.ndarray, series: pd.Series, stats: NumericStats) -> np.ndarray:
    """Round to whole numbers when the column holds whole numbers only."""
    return np.round(values) if stats.integer or ptypes.is_integer_dtype(series) else values


def _numeric_back(series: pd.Series, new: np.ndarray, *, keep_int: bool = True) -> ColumnValues:
    """``new`` (a fresh float64 array) in the dtype of ``series`` when it fits there, else in float64.

    A numpy array for numpy dtypes, a Series for pandas' own (nullable) dtypes.
    """
    dtype: np.dtype | ExtensionDtype = series.dtype
    if ptypes.is_integer_dtype(series.dtype):
        nullable = not isinstance(series.dtype, np.dtype)
        present = new[~np.isnan(new)]
        info = np.iinfo(_numpy_int(series.dtype))
        fits = (
            keep_int
            and (nullable or present.size == new.size)
            and bool(np.all(np.isfinite(present)) and np.all(present == np.round(present)))
            and (present.size == 0 or (present.min() >= info.min and present.max() <= info.max))
        )
        dtype = series.dtype if fits else pd.Float64Dtype() if nullable else np.dtype(np.float64)
    if isinstance(dtype, np.dtype):
        return new.astype(dtype, copy=False)
    return pd.Series(new, index=series.index, name=series.name).astype(dtype)


def _numpy_int(dtype: np.dtype | ExtensionDtype) -> np.dtype:
    """The numpy integer dtype of an integer column: its own, or the one a nullable dtype keeps as ``numpy_dtype``."""
    return dtype if isinstance(dtype, np.dtype) else np.dtype(getattr(dtype, "numpy_dtype", None))


def _with_values(series: pd.Series, rows: np.ndarray, new: np.ndarray) -> ColumnValues:
    """``series`` with ``new`` at ``rows``, in its dtype where it can hold them (a numpy array for
    numpy dtypes, a Series for pandas' own)."""
    values = series.to_numpy(dtype=object, copy=True)
    values[rows] = new
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        known = list(series.cat.categories)
        seen = set(known)
        extra = [v for v in pd.unique(np.asarray(new, dtype=object)) if v not in seen]
        cat = pd.Categorical(values, categories=known + extra, ordered=series.cat.ordered)
        return pd.Series(cat, index=series.index, name=series.name)
    if isinstance(dtype, np.dtype) and dtype.kind in "O":
        return values
    if isinstance(dtype, np.dtype) and dtype.kind in "iufb":
        try:
            return values.astype(dtype)
        except (TypeError, ValueError):
            return values
    out = pd.Series(values, index=series.index, name=series.name, dtype=object)
    try:
        return out.astype(series.dtype)
    except (TypeError, ValueError):
        return out


def _blanked(series: pd.Series, rows: np.ndarray) -> ColumnValues:
    """``series`` with missing values at ``rows``: NaN (an integer column becomes float64, a bool
    column object), NaT in datetimes; pandas' own dtypes through ``Series.mask``."""
    dtype = series.dtype
    if not isinstance(dtype, np.dtype) or dtype.kind not in "fiubOmM":
        return series.mask(rows)
    if dtype.kind in "iu":
        values = series.to_numpy(dtype=np.float64)
    elif dtype.kind == "b":
        values = series.to_numpy(dtype=object)
    else:
        values = series.to_numpy(copy=True)
    values[rows] = np.datetime64("NaT") if dtype.kind == "M" else np.timedelta64("NaT") if dtype.kind == "m" else np.nan
    return values


def _codes(values: np.ndarray, stats: CategoricalStats) -> np.ndarray:
    """The position of each value among the reference values (-1: not a reference value)."""
    return stats.index.get_indexer(pd.Index(np.asarray(values, dtype=object), dtype=object))


def rounding_step(stats: NumericStats, severity: float) -> float:
    """10 ** round(log10(severity * IQR)); the IQR falls back to ``stats.scale()`` when it is 0.

    0.0 (no rounding) when severity * IQR is 0.
    """
    size = severity * (stats.iqr if stats.iqr > 0 else stats.scale())
    return 10.0 ** round(math.log10(size)) if 0 < size < math.inf else 0.0


def reference_cdf(x: np.ndarray, quantiles: Sequence[float]) -> np.ndarray:
    """F(x) from the 101 reference percentiles, linear between them; mid-rank on ties."""
    q = np.asarray(quantiles, dtype=float)
    lo, hi = np.searchsorted(q, x, side="left"), np.searchsorted(q, x, side="right")
    i = np.clip(lo, 1, q.size - 1)
    gap = q[i] - q[i - 1]
    inside = (i - 1 + (x - q[i - 1]) / np.where(gap > 0, gap, 1.0)) / (q.size - 1)
    tied = (lo + hi - 1) / 2 / (q.size - 1)
    f = np.where(hi > lo, tied, np.where(lo == 0, 0.0, np.where(lo >= q.size, 1.0, inside)))
    return np.where(np.isnan(x), np.nan, f)


def unseen_value(series: pd.Series, stats: CategoricalStats) -> int | float | str:
    """A value absent from the reference: max + 1 in a numeric column, else "__unseen__" (made unique)."""
    if ptypes.is_numeric_dtype(series) and not ptypes.is_bool_dtype(series):
        seen = [float(v) for v in stats.values if isinstance(v, numbers.Real) and not isinstance(v, bool)]
        values = numeric_values(series)
        seen += [] if values is None else values.tolist()
        finite = [v for v in seen if math.isfinite(v)]
        number = math.floor(max(finite, default=0.0)) + 1
        return number if ptypes.is_integer_dtype(series) else float(number)
    taken = set(stats.categories) | {str(v) for v in stats.values}
    text, i = UNSEEN, 1
    while text in taken:
        i += 1
        text = f"__unseen_{i}__"
    return text


def _holds_strings(series: pd.Series) -> bool:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return ptypes.infer_dtype(series.cat.categories, skipna=True) in ("string", "empty")
    return ptypes.infer_dtype(series, skipna=True) in ("string", "empty")


def typos(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One typo-like change per string, at random: a case flip, a leading or trailing space,
    or a doubled or dropped character. Every result differs from its input.

    The draws are made per row; the strings are built once per distinct (value, change), since
    a column holds few distinct values (a category repeats across thousands of rows).
    """
    codes, distinct = pd.factorize(np.asarray(values, dtype=object))
    uniq = [str(v) for v in distinct]
    n = codes.size
    length = np.fromiter((len(v) for v in uniq), dtype=np.int64, count=len(uniq))[codes] if n else codes
    op = rng.integers(0, 4, n)  # 0 case, 1 space, 2 doubled, 3 dropped
    pos = np.minimum((rng.random(n) * np.maximum(length, 1)).astype(np.int64), np.maximum(length - 1, 0))
    pick = rng.integers(0, 3, n)  # 0 upper, 1 lower, 2 title
    front = rng.random(n) < 0.5  # where the space goes
    cased = [_cased(v) for v in uniq]  # per value and pick: the case change (None: none changes it)
    no_case = np.fromiter((c[0] is None for c in cased), dtype=bool, count=len(uniq))[codes] if n else op < 0
    op = np.where(((op == 0) & no_case) | (length == 0), 1, op)
    op = np.where((op == 3) & (length < 2), 2, op)
    param = np.where(op == 0, pick, np.where(op == 1, front, pos))
    width = int(length.max(initial=0)) + 3
    keys, inverse = np.unique((codes * 4 + op) * width + param, return_inverse=True)
    made = np.empty(keys.size, dtype=object)
    for i, key in enumerate(keys.tolist()):
        rest, k = divmod(key, width)
        code, kind = divmod(rest, 4)
        v = uniq[code]
        made[i] = (
            cased[code][k]
            if kind == 0
            else (" " + v if k else v + " ")
            if kind == 1
            else v[: k + 1] + v[k:]
            if kind == 2
            else v[:k] + v[k + 1 :]
        )
    return made[inverse.ravel()]


def _cased(value: str) -> tuple[str | None, str | None, str | None]:
    """For each drawn case (upper, lower, title): the changed string, falling back to the first
    of upper, lower, title that changes it; (None, None, None) when none does."""
    variants = (value.upper(), value.lower(), value.title())
    firsts = [v for v in variants if v != value]
    if not firsts:
        return (None, None, None)
    upper, lower, title = (v if v != value else firsts[0] for v in variants)
    return upper, lower, title
