"""Per-column summaries, computed once per column and read by every test.

A numerical summary holds the sorted finite values, counts of missing and infinite values,
mean and standard deviation, and a histogram over bin edges fixed from the reference. A
categorical summary holds value counts over categories aligned between reference and current
(the most frequent ``max_categories`` of both files together, the rest pooled as ``"other"``).
Both merge by concatenation/summation, so the same tests can later read summaries merged
from the chunks of a distributed engine.

This module also turns a raw column into what the summaries need (``numeric_values``,
``category_counts``): datetimes become epoch seconds, text becomes its length in characters,
and a column mixing numbers and text is reported as such so the engine can compare it as
categories of strings.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from robustness.drift.results import ColumnProfile
from robustness.io.infer import coerce_types
from robustness.schema import ColumnInfo, ColumnKind, Schema

OTHER = "other"
K = ColumnKind
_TRUTH = {
    **dict.fromkeys(("1", "1.0", "yes", "true", "y", "t"), "True"),
    **dict.fromkeys(("0", "0.0", "no", "false", "n", "f"), "False"),
}


@dataclass(frozen=True, eq=False)
class NumericSummary:
    values: np.ndarray  # sorted finite values (float64)
    n_missing: int
    n_posinf: int
    n_neginf: int
    mean: float
    std: float  # population standard deviation (ddof=0), as numpy and evidently
    edges: np.ndarray  # bin edges fixed from the reference
    counts: np.ndarray  # below edges[0], the len(edges)-1 bins (np.histogram rules), above edges[-1]

    @property
    def n(self) -> int:
        return int(self.values.size)

    @property
    def n_inf(self) -> int:
        return self.n_posinf + self.n_neginf

    @property
    def min(self) -> float:
        return float(self.values[0])

    @property
    def max(self) -> float:
        return float(self.values[-1])

    def merge(self, other: NumericSummary) -> NumericSummary:
        """The summary of both parts (exact: the sorted values merge; edges stay this summary's)."""
        values = np.sort(np.concatenate([self.values, other.values]), kind="mergesort")
        return NumericSummary(
            values,
            self.n_missing + other.n_missing,
            self.n_posinf + other.n_posinf,
            self.n_neginf + other.n_neginf,
            float(values.mean()) if values.size else 0.0,
            float(values.std()) if values.size else 0.0,
            self.edges,
            histogram(values, self.edges),
        )


@dataclass(frozen=True, eq=False)
class CategoricalSummary:
    categories: tuple[str, ...]  # the same tuple in the reference's and the current's summary
    counts: np.ndarray  # int64, aligned with categories
    n_missing: int
    n_distinct: int  # distinct values in this file before pooling
    pooled: bool = False  # the last category is the pooled rest ("other")

    @property
    def n(self) -> int:
        return int(self.counts.sum())

    def merge(self, other: CategoricalSummary) -> CategoricalSummary:
        """Counts over the same categories add."""
        if self.categories != other.categories:
            raise ValueError("Only summaries over the same categories can be merged.")
        return CategoricalSummary(
            self.categories,
            self.counts + other.counts,
            self.n_missing + other.n_missing,
            max(self.n_distinct, other.n_distinct),
            self.pooled,
        )


Summary = NumericSummary | CategoricalSummary


# -- numerical --------------------------------------------------------------------------------------


def numeric_summary(raw: np.ndarray, *, edges: np.ndarray | None = None, bins: int = 30) -> NumericSummary:
    """Summarise float values (NaN = missing). Without ``edges``, edges are the ``bins``
    quantiles of these values (use for the reference, then pass its edges for the current)."""
    raw = np.asarray(raw, dtype=np.float64)
    finite = np.isfinite(raw)
    n_finite = int(np.count_nonzero(finite))
    n_nan = int(np.count_nonzero(np.isnan(raw)))
    n_posinf = int(np.count_nonzero(raw == np.inf))
    n_neginf = raw.size - n_finite - n_nan - n_posinf
    values = raw[finite] if n_finite < raw.size else raw.copy()
    values.sort()
    mean = float(values.mean()) if values.size else 0.0
    if values.size:  # one pass for the spread; numeric.view reads it back as n * std^2
        dev = values - mean
        std = float(np.sqrt(np.dot(dev, dev) / values.size))
        del dev
    else:
        std = 0.0
    if edges is None:
        edges = quantile_edges(values, bins)
    return NumericSummary(values, n_nan, n_posinf, n_neginf, mean, std, edges, histogram(values, edges))


def quantile_edges(sorted_values: np.ndarray, bins: int) -> np.ndarray:
    """Unique edges at the 0, 1/bins, ..., 1 quantiles (linear interpolation) of sorted values."""
    if sorted_values.size == 0:
        return np.array([0.0, 0.0])
    edges = np.unique(sorted_quantiles(sorted_values, np.linspace(0.0, 1.0, bins + 1)))
    return edges if edges.size > 1 else np.repeat(edges, 2)


def sorted_quantiles(v: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """np.quantile (linear interpolation) of already sorted values, without re-sorting."""
    pos = probs * (v.size - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, v.size - 1)
    return v[lo] + (pos - lo) * (v[hi] - v[lo])


def histogram(sorted_values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts below edges[0], in each bin [e_i, e_i+1) (the last bin closed, as np.histogram),
    and above edges[-1]: len(edges) + 1 numbers."""
    left = np.searchsorted(sorted_values, edges, side="left")
    right = np.searchsorted(sorted_values, edges[-1], side="right")
    bounds = np.concatenate(([0], left[:-1], [right, sorted_values.size]))
    return np.diff(bounds).astype(np.int64)


def union_edges(ref: NumericSummary, cur: NumericSummary, bins: int) -> np.ndarray:
    """Equal-width edges over both files' range, for plots."""
    lo, hi = min(ref.min, cur.min), max(ref.max, cur.max)
    if lo == hi:
        return np.array([lo - 0.5, lo + 0.5])
    return np.linspace(lo, hi, bins + 1)


def numeric_values(series: pd.Series, kind: ColumnKind) -> tuple[np.ndarray | None, int]:
    """(float values with NaN for missing, number of present values that could not be read).

    Numerical: numbers (booleans as 0/1, timedeltas as seconds, datetimes as epoch seconds);
    None when the column holds text that is not a number (a mixed-type column).
    Datetime: epoch seconds; text that is not a date counts as missing (second element).
    Text: length in characters of each present value.
    """
    if kind is ColumnKind.TEXT:
        out = np.full(len(series), np.nan)
        present = series.notna().to_numpy()
        out[present] = series[present].astype(str).str.len().to_numpy(dtype=np.float64)
        return out, 0
    if ptypes.is_datetime64_any_dtype(series) or ptypes.is_timedelta64_dtype(series):
        return _time_seconds(series), 0
    if kind is ColumnKind.DATETIME:
        n_present = int(series.notna().sum())
        schema = Schema((ColumnInfo("x", ColumnKind.DATETIME, str(series.dtype), 0.0, 0),))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = coerce_types(pd.DataFrame({"x": series.to_numpy()}), schema)["x"]
        if not ptypes.is_datetime64_any_dtype(parsed):
            return np.full(len(series), np.nan), n_present
        values = _time_seconds(parsed)
        return values, n_present - int(np.count_nonzero(~np.isnan(values)))
    if ptypes.is_bool_dtype(series) or ptypes.is_numeric_dtype(series):
        return series.to_numpy(dtype=np.float64, na_value=np.nan), 0
    try:
        numbers = pd.to_numeric(series.dropna(), errors="coerce")
    except (TypeError, ValueError):
        return None, 0
    if int(numbers.isna().sum()) or not ptypes.is_numeric_dtype(numbers):
        return None, 0
    out = np.full(len(series), np.nan)
    out[series.notna().to_numpy()] = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
    return out, 0


def _time_seconds(series: pd.Series) -> np.ndarray:
    if ptypes.is_timedelta64_dtype(series):
        arr = series.to_numpy(dtype="timedelta64[ns]")
        out = arr.astype(np.int64).astype(np.float64) / 1e9
        out[np.isnat(arr)] = np.nan
        return out
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    arr = series.to_numpy()
    if arr.dtype.kind != "M":
        arr = arr.astype("datetime64[us]")
    unit, _ = np.datetime_data(arr.dtype)
    scale = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}.get(unit)
    if scale is None:
        arr, scale = arr.astype("datetime64[us]"), 1e6
    out = arr.view(np.int64).astype(np.float64) / scale
    out[np.isnat(arr)] = np.nan
    return out


# -- categorical ------------------------------------------------------------------------------------


def category_counts(series: pd.Series, kind: ColumnKind) -> tuple[pd.Series, int, bool]:
    """(counts indexed by the values as strings, missing count, mixes numbers and text).

    Integral floats are written as integers (1.0 -> "1") so an int column and a float column
    with missing values agree; for booleans yes/no, 1/0, true/false, y/n, t/f become "True"/"False".
    """
    try:
        counts = series.value_counts(dropna=True, sort=False)
    except TypeError:  # unhashable cells (lists from Parquet)
        counts = series.dropna().astype(str).value_counts(sort=False)
    counts = counts[counts > 0]
    n_missing = int(len(series) - counts.sum())
    labels: pd.Index
    if kind is not ColumnKind.BOOLEAN and ptypes.infer_dtype(counts.index, skipna=False) == "string":
        families, labels = {"text"}, counts.index.astype(object)  # the common case, without a Python loop
    else:
        keys = list(counts.index)
        families = {_family(k) for k in keys}
        labels = pd.Index([_label(k, kind) for k in keys], dtype=object)
    out = pd.Series(counts.to_numpy(dtype=np.int64), index=labels)
    if not labels.is_unique:
        out = out.groupby(level=0, sort=False).sum()
    mixed = kind is not ColumnKind.BOOLEAN and "number" in families and "text" in families
    return out, n_missing, mixed


def _family(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (int, float, np.number)):
        return "number"
    return "text" if isinstance(value, str) else "other"


def _label(value, kind: ColumnKind) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)
    elif isinstance(value, np.integer):
        value = int(value)
    text = str(value)
    if kind is ColumnKind.BOOLEAN:
        return _TRUTH.get(text.strip().lower(), text)
    return text


def align_categories(
    ref: pd.Series, cur: pd.Series, ref_missing: int, cur_missing: int, *, max_categories: int
) -> tuple[CategoricalSummary, CategoricalSummary]:
    """Summaries over the same categories: the ``max_categories`` most frequent in both files
    together (ties by name), the rest pooled as ``OTHER`` ("other"; "(other)" if a kept
    category is itself called "other")."""
    both = ref.add(cur, fill_value=0).sort_index().sort_values(ascending=False, kind="stable")
    order = both.index
    kept = list(order[:max_categories])
    r = ref.reindex(kept, fill_value=0).to_numpy(dtype=np.int64)
    c = cur.reindex(kept, fill_value=0).to_numpy(dtype=np.int64)
    cats = tuple(kept)
    pooled = len(order) > max_categories
    if pooled:
        other = OTHER if OTHER not in kept else "(other)"
        r = np.append(r, int(ref.sum()) - int(r.sum()))
        c = np.append(c, int(cur.sum()) - int(c.sum()))
        cats = cats + (other,)
    return (
        CategoricalSummary(cats, r, ref_missing, len(ref), pooled),
        CategoricalSummary(cats, c, cur_missing, len(cur), pooled),
    )


def summarize_pair(
    reference,
    current,
    kind: ColumnKind | str,
    *,
    bins: int = 30,
    max_categories: int = 50,
    edges: np.ndarray | None = None,
) -> tuple[Summary, Summary]:
    """Summaries of two samples (array-likes or Series) for tests and cross-checks.

    Numerical-like kinds use the numerical path (``edges`` overrides the reference quantile
    edges); categorical and boolean kinds the categorical path.
    """
    kind = ColumnKind(kind)
    ref, cur = pd.Series(reference), pd.Series(current)
    if kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN):
        (rc, rm, _), (cc, cm, _) = category_counts(ref, kind), category_counts(cur, kind)
        return align_categories(rc, cc, rm, cm, max_categories=max_categories)
    rv, _ = numeric_values(ref, kind)
    cv, _ = numeric_values(cur, kind)
    if rv is None or cv is None:
        raise ValueError("values are not numbers")
    r = numeric_summary(rv, edges=None if edges is None else np.asarray(edges, dtype=np.float64), bins=bins)
    return r, numeric_summary(cv, edges=r.edges)


def column_profile(col: str, kind: ColumnKind, ref, cur, rows_ref: int, rows_cur: int, bins: int) -> ColumnProfile:
    """Small plot data of one column: histogram on shared equal-width edges and ECDF on a grid of
    both files' percentiles (numerical-like), or the aligned category counts. Never raw rows."""
    missing = {
        "missing_reference": ref.n_missing / max(rows_ref, 1),
        "missing_current": cur.n_missing / max(rows_cur, 1),
    }
    if isinstance(ref, CategoricalSummary):
        return ColumnProfile(
            col,
            kind,
            categories=ref.categories,
            category_counts_reference=tuple(int(x) for x in ref.counts),
            category_counts_current=tuple(int(x) for x in cur.counts),
            **missing,
        )
    edges = union_edges(ref, cur, bins)
    probs = np.linspace(0.0, 1.0, 100)
    grid = np.unique(np.concatenate([sorted_quantiles(ref.values, probs), sorted_quantiles(cur.values, probs)]))

    def ecdf(s: NumericSummary) -> tuple[float, ...]:
        return tuple((np.searchsorted(s.values, grid, side="right") / s.n).tolist())

    return ColumnProfile(
        col,
        kind,
        bin_edges=tuple(edges.tolist()),
        counts_reference=tuple(histogram(ref.values, edges)[1:-1].tolist()),
        counts_current=tuple(histogram(cur.values, edges)[1:-1].tolist()),
        ecdf_x=tuple(grid.tolist()),
        ecdf_reference=ecdf(ref),
        ecdf_current=ecdf(cur),
        **missing,
    )


def fmt_share(share: float) -> str:
    if 0 < share < 0.001:
        return "<0.1%"
    return f"{share:.0%}" if share >= 0.095 or share == 0 else f"{share:.1%}"
