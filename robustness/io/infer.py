"""Column kinds, column roles and data issues of a loaded table.

Kind inference (``infer_kind``): the first rule that matches wins. String checks
look at most at 10,000 non-null values sampled with a fixed seed, so results are
deterministic and fast on millions of rows.

1. No non-null values: NUMERICAL for a numeric dtype, else CATEGORICAL.
2. BOOLEAN: bool dtype, or exactly two distinct non-null values that are {0, 1},
   {yes, no}, {true, false}, {y, n} or {t, f} (case-insensitive).
3. DATETIME: datetime64 dtype; or strings of which >= 95% look like dates (a
   year-month-day pattern or a month name next to a number, and not a plain
   number) and parse with one format guessed from the values, or as ISO 8601, or
   with pandas' "mixed" parser (on a small sample). Numbers never become dates.
4. Numeric dtype (timedeltas included): ID when integer-valued, all distinct and
   named like an identifier (id, *_id, *ID, *Id, uuid, guid, key, *_key); else
   NUMERICAL.
5. Strings and categories: ID when all values are distinct and either the name
   looks like an identifier (>= 2 values) or there are >= 20 values and >= 99% of
   them are tokens without whitespace of at most 100 characters. TEXT when more
   than 50% of values are distinct and either their mean length is > 40 characters
   or more than 50% of them have several words. Otherwise CATEGORICAL.

``ColumnInfo.note`` is "all values missing" (no non-null value) or "constant"
(one distinct non-null value).
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from pandas.api import types as ptypes
from pandas.tseries.api import guess_datetime_format  # type: ignore[attr-defined]  # why: public API, absent from pandas-stubs

from robustness.errors import ConfigError, DataError
from robustness.formatting import count, share
from robustness.schema import ColumnInfo, ColumnKind, ColumnRoles, Schema, as_kinds

_SAMPLE = 10_000
_ID_NAME = re.compile(r"(?i:id|uuid|guid|key)|.*[_\-. ](?i:id|uuid|guid|key)|.*[a-z0-9](?:ID|Id)")
_BOOL_PAIRS = {frozenset(p) for p in (("0", "1"), ("yes", "no"), ("true", "false"), ("y", "n"), ("t", "f"))}
_TRUTH = {
    **dict.fromkeys(("1", "1.0", "yes", "true", "y", "t"), True),
    **dict.fromkeys(("0", "0.0", "no", "false", "n", "f"), False),
}
_MONTH = r"(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DATE_LIKE = (
    r"\d{4}[-/.]\d{1,2}(?:[-/.]\d{1,2})?(?!\d)"
    r"|(?<!\d)\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})(?!\d)"
    rf"|{_MONTH}[ ,\-]+\d|\d[ ,\-]+{_MONTH}"
)
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_TARGET_EXACT = ("target", "label", "y", "class", "outcome")
_TARGET_OTHER = ("default", "churn", "is_fraud", "fraud", "survived", "price")
_PREDICTION = ("prediction", "pred", "y_pred", "predicted", "predictions", "y_hat", "yhat", "score")
_PROBA = re.compile(r"(?i)(?:proba|prob|p|probability)_(.+)|(.+)_proba")
_TIME_NAMES = ("timestamp", "datetime", "date", "time", "ts", "event_time", "created_at")


def infer_kind(series: pd.Series) -> ColumnKind:
    """The kind of one column, by the rules in the module docstring."""
    return _infer(series)[0]


def infer_schema(df: pd.DataFrame, *, overrides: Mapping[str, ColumnKind | str] | None = None) -> Schema:
    """Infer every column's kind; ``overrides`` (column -> kind) win over inference."""
    _require_unique_columns(df)
    columns = []
    for i, col in enumerate(df.columns):
        s = df.iloc[:, i]
        kind, n_unique, n_present = _infer(s)
        note = "all values missing" if n_present == 0 else "constant" if n_unique == 1 else ""
        missing = 1.0 - n_present / len(s) if len(s) else 1.0
        columns.append(ColumnInfo(str(col), kind, str(s.dtype), float(missing), int(n_unique), note))
    schema = Schema(tuple(columns))
    if not overrides:
        return schema
    unknown = [c for c in overrides if c not in schema.names()]
    if unknown:
        raise ConfigError(
            f"Cannot set the kind of {_quoted(unknown)}: no such column. Available columns: "
            f"{_short_list(schema.names())}. Pick columns from this list."
        )
    return schema.with_kinds(as_kinds(overrides))


def _require_unique_columns(df: pd.DataFrame) -> None:
    dups = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
    if dups:
        raise DataError(f"The table has duplicate column names: {_quoted(dups)}. Rename them so each is unique.")


def _nunique(s: pd.Series) -> int:
    try:
        return int(s.nunique(dropna=True))
    except TypeError:  # unhashable cells such as lists from Parquet
        return int(s.dropna().astype(str).nunique())


def _sample(present: pd.Series) -> pd.Series:
    return present.sample(n=_SAMPLE, random_state=0) if len(present) > _SAMPLE else present


def _infer(series: pd.Series) -> tuple[ColumnKind, int, int]:
    """(kind, distinct non-null count, non-null count)."""
    present = series.dropna()
    n, n_unique = len(present), _nunique(series)
    numeric = ptypes.is_numeric_dtype(series) and not ptypes.is_bool_dtype(series)
    if n == 0:
        kind = ColumnKind.NUMERICAL if numeric or ptypes.is_timedelta64_dtype(series) else ColumnKind.CATEGORICAL
        return kind, 0, 0
    if ptypes.is_bool_dtype(series):
        return ColumnKind.BOOLEAN, n_unique, n
    if ptypes.is_datetime64_any_dtype(series):
        return ColumnKind.DATETIME, n_unique, n
    if numeric or ptypes.is_timedelta64_dtype(series):
        if numeric and n_unique == 2 and set(present.unique().tolist()) == {0, 1}:
            return ColumnKind.BOOLEAN, n_unique, n
        if (
            n_unique == n
            and _looks_like_id_name(series.name)
            and (ptypes.is_integer_dtype(series) or (numeric and bool((np.mod(present, 1) == 0).all())))
        ):
            return ColumnKind.ID, n_unique, n
        return ColumnKind.NUMERICAL, n_unique, n
    if n_unique <= 12 and _lowered_uniques(present) in _BOOL_PAIRS:
        return ColumnKind.BOOLEAN, n_unique, n
    values = _sample(present).astype(str).str.strip()
    if _date_format(values) is not None:
        return ColumnKind.DATETIME, n_unique, n
    if n_unique == n and n >= 2:
        if _looks_like_id_name(series.name):
            return ColumnKind.ID, n_unique, n
        tokens = ~values.str.contains(r"\s") & (values.str.len() <= 100)
        if n >= 20 and tokens.mean() >= 0.99:
            return ColumnKind.ID, n_unique, n
    if n_unique / n > 0.5 and (values.str.len().mean() > 40 or values.str.contains(r"\S\s+\S").mean() > 0.5):
        return ColumnKind.TEXT, n_unique, n
    return ColumnKind.CATEGORICAL, n_unique, n


def _lowered_uniques(present: pd.Series) -> frozenset[str]:
    try:
        return frozenset(str(v).strip().lower() for v in present.unique())
    except TypeError:  # unhashable cells are never booleans
        return frozenset()


def _looks_like_id_name(name) -> bool:
    return isinstance(name, str) and _ID_NAME.fullmatch(name.strip()) is not None


def _date_format(values: pd.Series) -> str | None:
    """A format that parses >= 95% of ``values`` (stripped strings), "mixed", or None."""
    looks = values.str.contains(_DATE_LIKE) & ~values.str.fullmatch(_NUMBER)
    if len(values) == 0 or looks.mean() < 0.95:
        return None
    guesses: Counter[str] = Counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for value in values[looks].head(30):
            for dayfirst in (False, True):
                fmt = guess_datetime_format(value, dayfirst=dayfirst)
                if fmt:
                    guesses[fmt] += 1
        for fmt in [f for f, _ in guesses.most_common(4)] + ["ISO8601"]:
            parsed = pd.to_datetime(values, format=fmt, errors="coerce", utc=True)
            if parsed.notna().mean() >= 0.95:
                return fmt
        head = values.head(500)
        if pd.to_datetime(head, format="mixed", errors="coerce", utc=True).notna().mean() >= 0.95:
            return "mixed"
    return None


# -- roles -------------------------------------------------------------------------------------


def guess_roles(df: pd.DataFrame, *, schema: Schema | None = None) -> ColumnRoles:
    """Guess target, prediction, probability, timestamp and id columns from names and kinds.

    No column gets two roles. Pass ``schema`` to reuse an inferred schema.
    """
    kinds = (schema or infer_schema(df)).kinds()
    by_lower: dict[str, str] = {}
    for col in map(str, df.columns):
        by_lower.setdefault(col.strip().lower(), col)
    used: set[str] = set()

    def take(col: str | None) -> str | None:
        if col is not None:
            used.add(col)
        return col

    def first(names) -> str | None:
        return next((by_lower[n] for n in names if n in by_lower and by_lower[n] not in used), None)

    target = first(_TARGET_EXACT)
    if target is None:
        others = [by_lower[n] for n in _TARGET_OTHER if n in by_lower]
        target = others[0] if len(others) == 1 else None
    if target is not None and kinds.get(target) is ColumnKind.DATETIME:
        target = None
    target = take(target)
    prediction = take(first(_PREDICTION))
    probabilities: dict[str, str] = {}
    for col in map(str, df.columns):
        m = _PROBA.fullmatch(col.strip())
        if m is None or col in used:
            continue
        label = (m.group(1) or m.group(2)).strip()
        s = df[col]
        if label and label not in probabilities and ptypes.is_numeric_dtype(s) and not ptypes.is_bool_dtype(s):
            present = s.dropna()
            if len(present) and present.min() >= 0 and present.max() <= 1:
                probabilities[label] = col
                used.add(col)
    times = [c for c, k in kinds.items() if k is ColumnKind.DATETIME and c not in used]
    timestamp = take(
        next((c for n in _TIME_NAMES for c in times if c.strip().lower() == n), None)
        or next(
            (c for p in ("timestamp", "date", "time") for c in times if p in c.lower()), times[0] if times else None
        )
    )
    ids = [c for c, k in kinds.items() if k is ColumnKind.ID and c not in used]
    id_col = take(
        next((c for c in ids if c.strip().lower() == "id"), None)
        or next((c for c in ids if c.strip().lower().endswith("_id")), None)
        or next((c for c in ids if _looks_like_id_name(c)), ids[0] if ids else None)
    )
    return ColumnRoles(target, prediction, probabilities, timestamp, id_col)


def validate_roles(df: pd.DataFrame, roles: ColumnRoles, *, name: str) -> None:
    """Raise ConfigError when a role names a column missing from ``df`` or a column has two roles."""
    pairs = [
        ("target", roles.target),
        ("prediction", roles.prediction),
        ("timestamp", roles.timestamp),
        ("id", roles.id),
    ]
    pairs += [(f"probability of class '{k}'", v) for k, v in roles.probabilities.items()]
    named = [(role, col) for role, col in pairs if col is not None]
    missing = [(role, col) for role, col in named if col not in df.columns]
    if missing:
        what = ", ".join(f"the {role} column '{col}'" for role, col in missing)
        verb = "is" if len(missing) == 1 else "are"
        raise ConfigError(
            f"In {name}, {what} {verb} not among the columns. Available columns: "
            f"{_short_list([str(c) for c in df.columns])}. Pick another column for "
            f'{"that role" if len(missing) == 1 else "those roles"}, or choose "none" if {name} has no such column.'
        )
    owners: dict[str, list[str]] = {}
    for role, col in named:
        owners.setdefault(col, []).append(role)
    clashes = [f"'{col}' ({' and '.join(rs)})" for col, rs in owners.items() if len(rs) > 1]
    if clashes:
        raise ConfigError(
            f"In {name}, a column has more than one role: {', '.join(clashes)}. A column can have only one "
            'role; choose another column (or "none") for all but one of them.'
        )


# -- comparing reference and current ------------------------------------------------------------


@dataclass(frozen=True)
class ColumnComparison:
    only_in_reference: tuple[str, ...]
    only_in_current: tuple[str, ...]
    kind_mismatches: tuple[tuple[str, str, str], ...]  # (column, reference kind, current kind)
    reference_name: str = "reference"
    current_name: str = "current"

    @property
    def same_columns(self) -> bool:
        return not self.only_in_reference and not self.only_in_current

    def message(self) -> str:
        """User-facing summary of the differences; "" when columns and kinds agree."""
        ref, cur = self.reference_name, self.current_name
        parts = []
        if self.only_in_reference:
            n = len(self.only_in_reference)
            parts.append(
                f"{n} column{'s' if n > 1 else ''} of {ref} {'are' if n > 1 else 'is'} missing from "
                f"{cur}: {_short_list(self.only_in_reference)}."
            )
        if self.only_in_current:
            n = len(self.only_in_current)
            parts.append(
                f"{cur} has {n} column{'s' if n > 1 else ''} that {ref} does not have: "
                f"{_short_list(self.only_in_current)}."
            )
        if not self.same_columns:
            parts.append("Give both files the same columns: check for renamed columns or a different export.")
        if self.kind_mismatches:
            listed = "; ".join(f"'{c}' is {r} in {ref} but {k} in {cur}" for c, r, k in self.kind_mismatches[:10])
            more = f" (and {len(self.kind_mismatches) - 10} more)" if len(self.kind_mismatches) > 10 else ""
            parts.append(
                f"Column kinds differ: {listed}{more}. Check these columns for stray values such as "
                "'n/a' or a changed format, or set their kind explicitly."
            )
        return " ".join(parts)


def compare_columns(
    reference: pd.DataFrame, current: pd.DataFrame, *, reference_name: str = "reference", current_name: str = "current"
) -> ColumnComparison:
    """Columns present on one side only, and shared columns whose inferred kind differs.

    A side where the column is empty or constant does not count as a kind mismatch: its kind
    cannot be told from one value.
    """
    ref_cols, cur_cols = [str(c) for c in reference.columns], [str(c) for c in current.columns]
    ref_set, cur_set = set(ref_cols), set(cur_cols)
    only_ref = tuple(c for c in ref_cols if c not in cur_set)
    only_cur = tuple(c for c in cur_cols if c not in ref_set)
    mismatches = []
    for col in (c for c in ref_cols if c in cur_set):
        (rk, ru, _), (ck, cu, _) = _infer(reference[col]), _infer(current[col])
        if rk is not ck and ru > 1 and cu > 1:
            mismatches.append((col, rk.value, ck.value))
    return ColumnComparison(only_ref, only_cur, tuple(mismatches), reference_name, current_name)


# -- issues and coercion -----------------------------------------------------------------------


@dataclass(frozen=True)
class DataIssue:
    column: str | None
    severity: str  # "warning" or "info"
    message: str  # user-facing: what, where, what to do


def data_issues(df: pd.DataFrame, schema: Schema, *, name: str) -> list[DataIssue]:
    """Problems that do not stop the analysis but the user should know about.

    Missing values and constants are counted in ``df`` itself, so the schema may be the
    reference's when ``df`` is the current data; the schema gives the columns and kinds.
    """
    issues = []
    n = len(df)
    if n < 30:
        issues.append(
            DataIssue(
                None,
                "warning",
                (
                    f"{name} has only {n} row{'s' if n != 1 else ''}, so drift tests will have little power: real "
                    "changes "
                    "may go undetected. Use at least 30 rows, ideally several hundred."
                ),
            )
        )
    for info in schema.columns:
        if info.name not in df.columns:
            continue
        s, col = df[info.name], info.name
        n_present = int(s.notna().sum())
        if n_present == 0:
            issues.append(
                DataIssue(
                    col,
                    "warning",
                    (
                        f"Column '{col}' in {name} has no values (all missing), so it cannot be tested. Drop it, or "
                        "check "
                        "the export that produced the file."
                    ),
                )
            )
            continue
        if _nunique(s) == 1:
            value = s.dropna().iloc[0]
            value = f"'{value}'" if isinstance(value, str) else str(value)
            issues.append(
                DataIssue(
                    col,
                    "info",
                    (
                        f"Column '{col}' in {name} has the same value ({value}) in every row that has one; it carries "
                        "no "
                        "information about drift beyond that value changing. Drop it if it is not needed."
                    ),
                )
            )
        if ptypes.is_float_dtype(s):
            n_inf = int(np.isinf(s.to_numpy(dtype=float, na_value=np.nan)).sum())
            if n_inf:
                issues.append(
                    DataIssue(
                        col,
                        "warning",
                        (
                            f"Column '{col}' in {name} has {n_inf} infinite value{'s' if n_inf > 1 else ''} "
                            "(+inf/-inf, "
                            "often from a division by zero). Most statistics cannot use them; replace them with "
                            "missing "
                            "values or a finite cap in the source data."
                        ),
                    )
                )
        if n_present < 0.5 * n:
            issues.append(
                DataIssue(
                    col,
                    "warning",
                    (
                        f"Column '{col}' in {name} is {share(1 - n_present / n)} missing, so its results rest on "
                        f"{count(n_present)} values. Check the export, or drop the column if it is mostly empty."
                    ),
                )
            )
        if info.kind is ColumnKind.CATEGORICAL and ptypes.is_object_dtype(s):
            values = _sample(s.dropna()).astype(str).str.strip()
            numeric = values.str.fullmatch(_NUMBER)
            if 0.9 <= numeric.mean() < 1:
                odd = ", ".join(repr(v) for v in values[~numeric].unique()[:3])
                issues.append(
                    DataIssue(
                        col,
                        "warning",
                        (
                            f"Column '{col}' in {name} is read as text although {share(numeric.mean())} of its "
                            f"values are numbers; non-numbers such as {odd} make it categorical. If it is numeric, "
                            "clean those values or set its kind to numerical (they then count as missing)."
                        ),
                    )
                )
    return issues


def coerce_types(df: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """A copy with datetime columns as datetime64, boolean columns as pandas "boolean",
    numerical columns stored as text converted to numbers (unparseable -> NaN), category
    dtypes of categorical/text/id columns as object; numeric dtypes untouched."""
    out = df.copy()
    for info in schema.columns:
        if info.name not in out.columns:
            continue
        s = out[info.name]
        if info.kind is ColumnKind.DATETIME and not ptypes.is_datetime64_any_dtype(s):
            out[info.name] = _to_datetime(s)
        elif info.kind is ColumnKind.BOOLEAN and str(s.dtype) != "boolean":
            out[info.name] = _to_boolean(s)
        elif info.kind is ColumnKind.NUMERICAL and not ptypes.is_numeric_dtype(s) and not _is_time(s):
            out[info.name] = pd.to_numeric(s.astype(object), errors="coerce")
        elif isinstance(s.dtype, pd.CategoricalDtype):
            out[info.name] = s.astype(object)
    return out


def _is_time(s: pd.Series) -> bool:
    return ptypes.is_timedelta64_dtype(s) or ptypes.is_datetime64_any_dtype(s)


def _to_boolean(s: pd.Series) -> pd.Series:
    if ptypes.is_bool_dtype(s):
        return s.astype("boolean")
    if ptypes.is_numeric_dtype(s):
        mapped = s.map({0: False, 1: True})
    else:
        mapped = s.astype(str).str.strip().str.lower().map(_TRUTH).where(s.notna())
    return mapped.astype("boolean")


def _to_datetime(s: pd.Series) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if ptypes.is_numeric_dtype(s) and not ptypes.is_bool_dtype(s):  # epoch numbers: unit from magnitude
            finite = s.where(np.isfinite(s.astype(float)))
            scale = float(finite.abs().median()) if finite.notna().any() else 0.0
            unit: Literal["s", "ms", "us", "ns"] = (
                "s" if scale < 1e11 else "ms" if scale < 1e14 else "us" if scale < 1e17 else "ns"
            )
            return pd.to_datetime(finite, unit=unit, errors="coerce")
        text = s.astype(object).where(s.isna(), s.astype(str).str.strip())
        fmt = _date_format(_sample(text.dropna()).astype(str)) or "mixed"
        try:
            parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        except (ValueError, TypeError):
            parsed = None
        if parsed is None or not ptypes.is_datetime64_any_dtype(parsed):  # mixed time zones
            parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=True)
        return parsed


def _quoted(items) -> str:
    return ", ".join(f"'{c}'" for c in items)


def _short_list(items, limit: int = 15) -> str:
    items = list(items)
    shown = ", ".join(str(c) for c in items[:limit])
    return shown + (f", ... ({len(items) - limit} more)" if len(items) > limit else "")
