"""Shared, cached views of the two tables for the quality checks, and message formatting.

Everything here is vectorised: conversions and masks over whole columns, Python loops
only over distinct values of mixed-type columns and over the few example rows.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pandas.api import types as ptypes
from pandas.api.types import infer_dtype
from pandas.tseries.api import guess_datetime_format  # type: ignore[attr-defined]  # why: public API, absent from pandas-stubs

from robustness.formatting import count, number, share
from robustness.jsonsafe import to_json_safe
from robustness.quality.results import QualityConfig
from robustness.schema import ColumnKind, ColumnRoles

_NUMBER_TYPES = {"integer", "floating", "mixed-integer-float", "decimal"}
_DATE_TYPES = {"datetime", "datetime64", "date"}
_NUMBER_RE = r"\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*"
TRUTH = {
    **dict.fromkeys(("1", "1.0", "yes", "true", "y", "t"), "True"),
    **dict.fromkeys(("0", "0.0", "no", "false", "n", "f"), "False"),
}
MAX_EXAMPLE_COLUMNS = 20


@dataclass
class Context:
    """The inputs of one quality run. ``ref``/``cur`` have a RangeIndex (positions); the
    original index labels are kept for the ``_row`` of example rows."""

    ref: pd.DataFrame
    cur: pd.DataFrame
    ref_labels: np.ndarray | None  # None in the Dask executor's per-partition contexts (no example rows)
    cur_labels: np.ndarray | None
    kinds: dict[str, ColumnKind]
    roles: ColumnRoles
    config: QualityConfig
    _types: dict = field(default_factory=dict)
    cache: dict = field(default_factory=dict)  # conversions and masks shared by the checks

    @classmethod
    def build(cls, reference, current, kinds, roles, config) -> Context:
        return cls(
            reference.reset_index(drop=True),
            current.reset_index(drop=True),
            reference.index.to_numpy(),
            current.index.to_numpy(),
            kinds,
            roles,
            config,
        )

    @property
    def shared(self) -> list[str]:
        cur = set(self.cur.columns)
        return [c for c in self.ref.columns if c in cur]

    def frame(self, side: str) -> pd.DataFrame:
        return self.ref if side == "reference" else self.cur

    def isna(self, side: str, col: str) -> np.ndarray:
        """Cached missing-value mask of a column."""
        key = ("isna", side, col)
        if key not in self.cache:
            self.cache[key] = self.frame(side)[col].isna().to_numpy()
        return self.cache[key]

    # -- types -------------------------------------------------------------------------------

    def ref_type(self, col: str) -> str:
        """The reference's value type: number, datetime, boolean, text, empty, mixed or other."""
        if col not in self._types:
            self._types[col] = _value_type(self.ref[col], self.kinds.get(col))
        return self._types[col]

    def bad_values(self, col: str) -> pd.Series:
        """Mask of current non-missing values that do not parse as the reference's type."""
        kind = self.ref_type(col)
        s = _plain(self.cur[col])
        present = pd.Series(~self.isna("current", col), index=s.index)
        if kind == "number":
            if _is_numeric(s) or ptypes.is_bool_dtype(s):
                return pd.Series(False, index=s.index)
            if _is_time(s):
                return present
            return present & pd.isna(self.parsed("current", col))
        if kind == "datetime":
            if ptypes.is_datetime64_any_dtype(s):
                return pd.Series(False, index=s.index)
            if not ptypes.is_object_dtype(s) and not ptypes.is_string_dtype(s):
                return present  # numbers, booleans: never dates
            return present & pd.isna(self.parsed("current", col))
        if kind == "boolean":
            if ptypes.is_bool_dtype(s):
                return pd.Series(False, index=s.index)
            allowed = set(TRUTH) | set(_lower_str(pd.Series(_plain(self.ref[col]).dropna().unique())))
            try:
                uniques = pd.Series(s[present].unique(), dtype=object)
            except TypeError:  # unhashable cells are never yes/no values
                return present & ~_lower_str(s).isin(allowed)
            accepted = uniques[_lower_str(uniques).isin(allowed).to_numpy()]
            return present & ~s.isin(accepted)
        if kind == "text":
            if ptypes.is_object_dtype(s) or ptypes.is_string_dtype(s):
                if infer_dtype(s, skipna=True) in ("string", "empty"):
                    return pd.Series(False, index=s.index)
                return present & ~s.map(lambda v: isinstance(v, str), na_action="ignore").fillna(True).astype(bool)
            sample = _plain(self.ref[col]).dropna().astype(str)
            sample = sample.sample(min(len(sample), 10_000), random_state=0)
            if _is_numeric(s) and len(sample) and sample.str.fullmatch(_NUMBER_RE).mean() >= 0.95:
                return pd.Series(False, index=s.index)  # reference holds numbers as text
            return present
        return pd.Series(False, index=s.index)

    def parsed(self, side: str, col: str) -> np.ndarray:
        """Float values of a number/datetime column (datetimes as ns since epoch, UTC), NaN
        for missing or unparseable values, converted like the reference's type."""
        key = (side, col)
        if key not in self.cache:
            s = _plain(self.frame(side)[col])
            if self.ref_type(col) == "datetime":
                self.cache[key] = _datetime_ns(s)
            else:
                self.cache[key] = _numbers(s)
        return self.cache[key]

    # -- examples ----------------------------------------------------------------------------

    def examples(self, side: str, positions, column: str | None = None, extra: dict | None = None) -> tuple:
        """Up to ``max_examples`` rows at ``positions`` as JSON-safe dicts with ``_row``.

        ``extra`` maps a position to more fields (e.g. ``_duplicate_of``). Wide tables show
        the finding's column, the id/timestamp/target columns and then the first others.
        """
        positions = [int(p) for p in list(positions)[: self.config.max_examples]]
        if not positions:
            return ()
        df, labels = self.frame(side), self.ref_labels if side == "reference" else self.cur_labels
        cols = list(df.columns)
        if len(cols) > MAX_EXAMPLE_COLUMNS:
            first = [c for c in (column, self.roles.id, self.roles.timestamp, self.roles.target) if c in cols]
            cols = list(dict.fromkeys(first + cols))[:MAX_EXAMPLE_COLUMNS]
        rows = df.iloc[positions][cols]
        out = []
        for pos, (_, row) in zip(positions, rows.iterrows()):
            d = {"_row": to_json_safe(labels[pos]) if labels is not None else None}
            d.update((str(k), to_json_safe(v)) for k, v in row.items())
            d.update(to_json_safe((extra or {}).get(pos, {})))
            out.append(d)
        return tuple(out)


# -- conversions -------------------------------------------------------------------------------


def _plain(s: pd.Series) -> pd.Series:
    return s.astype(object) if isinstance(s.dtype, pd.CategoricalDtype) else s


def _is_numeric(s: pd.Series) -> bool:
    return ptypes.is_numeric_dtype(s) and not ptypes.is_bool_dtype(s)


def _is_time(s: pd.Series) -> bool:
    return ptypes.is_datetime64_any_dtype(s) or ptypes.is_timedelta64_dtype(s)


def _lower_str(s: pd.Series) -> pd.Series:
    return s.astype(str).str.strip().str.lower()


def _value_type(s: pd.Series, kind: ColumnKind | None) -> str:
    s = _plain(s)
    if not s.notna().any():
        return "empty"
    if ptypes.is_bool_dtype(s):
        return "boolean"
    if ptypes.is_datetime64_any_dtype(s):
        return "datetime"
    if ptypes.is_timedelta64_dtype(s):
        return "other"
    if _is_numeric(s):
        return "number"
    if kind is ColumnKind.NUMERICAL:
        return "number"
    if kind is ColumnKind.DATETIME:
        return "datetime"
    if kind is ColumnKind.BOOLEAN:
        return "boolean"
    inferred = infer_dtype(s, skipna=True)
    if inferred == "string":
        return "text"
    if inferred in _NUMBER_TYPES:
        return "number"
    if inferred == "boolean":
        return "boolean"
    if inferred in _DATE_TYPES:
        return "datetime"
    return "mixed"


def _numbers(s: pd.Series) -> np.ndarray:
    if ptypes.is_bool_dtype(s) or _is_numeric(s):
        return s.to_numpy(dtype=float, na_value=np.nan)
    if _is_time(s):
        return np.full(len(s), np.nan)
    if infer_dtype(s, skipna=True) in _NUMBER_TYPES:
        return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    text = s.astype(str).str.strip().where(s.notna())
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _datetime_ns(s: pd.Series) -> np.ndarray:
    if ptypes.is_datetime64_any_dtype(s):
        dt = s
    elif ptypes.is_object_dtype(s) or ptypes.is_string_dtype(s):
        dt = _parse_dates(s)
    else:
        return np.full(len(s), np.nan)
    if getattr(dt.dt, "tz", None) is not None:
        dt = dt.dt.tz_convert("UTC").dt.tz_localize(None)
    ns = dt.astype("datetime64[ns]").to_numpy().astype("int64").astype(float)
    ns[dt.isna().to_numpy()] = np.nan
    return ns


def _parse_dates(s: pd.Series) -> pd.Series:
    present = s.dropna()
    if infer_dtype(present, skipna=True) in _DATE_TYPES:
        return pd.to_datetime(s, errors="coerce", utc=True)
    text = s.astype(str).str.strip().where(s.notna())
    head = text.dropna().head(30)
    formats = [f for f in dict.fromkeys(guess_datetime_format(v) for v in head) if f] + ["ISO8601"]
    best, best_share = None, -1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for fmt in formats[:4] + (["mixed"] if len(text) <= 200_000 else []):
            try:
                parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=True)
            except (ValueError, TypeError):
                continue
            share = parsed.notna().sum() / max(len(present), 1)
            if share > best_share:
                best, best_share = parsed, share
            if share >= 0.95:
                break
    return best if best is not None else pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns, UTC]")


def category_keys(values: pd.Index, boolean: bool) -> np.ndarray:
    """Comparable string keys for distinct category values: 1, 1.0 and "1" share the key "1";
    for boolean columns yes/true/1 become "True" and no/false/0 "False"."""
    if ptypes.is_bool_dtype(values.dtype):
        keys = np.where(values.to_numpy(dtype=bool), "True", "False").astype(object)
    elif ptypes.is_integer_dtype(values.dtype):
        keys = values.astype(str).to_numpy(dtype=object)
    elif ptypes.is_float_dtype(values.dtype):
        keys = _float_keys(values.to_numpy(dtype=float))
    elif infer_dtype(values, skipna=True) == "string":
        keys = values.to_numpy(dtype=object)
    else:
        keys = np.array([_one_key(v) for v in values], dtype=object)
    if boolean:
        lowered = pd.Series(keys, dtype=object).str.strip().str.lower()
        keys = lowered.map(TRUTH).fillna(pd.Series(keys, dtype=object)).to_numpy(dtype=object)
    return keys


def _float_keys(x: np.ndarray) -> np.ndarray:
    whole = np.isfinite(x) & (np.abs(x) < 1e15) & (np.floor(x) == x)
    out = x.astype(str).astype(object)
    out[whole] = x[whole].astype(np.int64).astype(str)
    return out


def _one_key(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "True" if v else "False"
    if isinstance(v, (int, float, np.integer, np.floating)):
        return str(_float_keys(np.array([float(v)]))[0])
    if isinstance(v, str):
        return v
    safe = to_json_safe(v)
    return safe if isinstance(safe, str) else str(safe)


# -- formatting --------------------------------------------------------------------------------


def pct(x: float) -> str:
    """A share in the one number format (robustness.formatting.share): 12.3%, 0.52%, 0.005%."""
    return share(x)


def num(x) -> str:
    """A value for a message: whole numbers with every digit (4,000), other numbers in the one format
    (robustness.formatting.number: 3 significant figures), timestamps ISO, strings quoted."""
    if isinstance(x, (float, np.floating)):
        if math.isnan(x):
            return "missing"
        if math.isinf(x):
            return "inf" if float(x) > 0 else "-inf"
        if x == int(x) and abs(float(x)) < 1e15:
            return count(int(x))
        return number(float(x))
    if isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_)):
        return count(int(x))
    if isinstance(x, str):
        return repr(x)
    safe = to_json_safe(x)
    return "missing" if safe is None else str(safe)


def listing(values, limit: int = 10) -> str:
    values = list(values)
    shown = ", ".join(num(v) if not isinstance(v, str) else f"'{v}'" for v in values[:limit])
    return shown + (f" (and {len(values) - limit} more)" if len(values) > limit else "")


def rows(n: int) -> str:
    return f"{count(n)} row{'s' if n != 1 else ''}"


def ns_to_text(x: float) -> str:
    return pd.Timestamp(int(x)).isoformat()
