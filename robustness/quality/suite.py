"""The quality suite: validate inputs once, run every check, collect a :class:`QualityReport`."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from robustness.errors import ConfigError, DataError, RobustnessError
from robustness.io.infer import infer_kind, infer_schema
from robustness.quality import checks as _checks
from robustness.quality._context import Context
from robustness.quality.results import ColumnQuality, QualityConfig, QualityFinding, QualityReport, worst
from robustness.schema import ColumnKind, ColumnRoles

#: Checks run once per table, before and after the column checks.
TABLE_CHECKS_FIRST = ("missing_column",)
TABLE_CHECKS_LAST = ("duplicate_rows",)
#: Checks run once per column present in both files, in this order.
COLUMN_CHECKS = (
    "missing_values",
    "type_mismatch",
    "out_of_range",
    "new_categories",
    "vanished_categories",
    "constant_column",
    "infinite_values",
)


def quality(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    kinds: Mapping[str, ColumnKind | str] | None = None,
    roles: ColumnRoles | None = None,
    config: QualityConfig | None = None,
) -> QualityReport:
    """Compare the data quality of ``current`` with ``reference``.

    ``kinds`` overrides the kinds inferred from reference (column -> kind). ``roles`` marks the
    id column (left out of duplicate, range and category checks) and the timestamp column (left
    out of the range check); the target and prediction columns are checked like features.
    Raises DataError / ConfigError for unusable inputs; a check that fails on a column becomes
    an "error" finding and the other checks still run.
    """
    reference, current = _frame(reference, "reference"), _frame(current, "current")
    config = config if config is not None else QualityConfig()
    if not isinstance(config, QualityConfig):
        raise ConfigError(
            "quality() takes its thresholds as a QualityConfig; build one with QualityConfig.from_dict({...})."
        )
    roles = roles if roles is not None else ColumnRoles()
    all_kinds = _kinds(reference, current, kinds)
    _check_roles(roles, reference, current)
    n_ref, n_cur = len(reference), len(current)
    if n_ref == 0 or n_cur == 0:
        empty = (_empty_finding(n_ref, n_cur),)
        return QualityReport(empty, _table(reference, current, all_kinds, empty), n_ref, n_cur, None, None, config)
    ctx = Context.build(reference, current, all_kinds, roles, config)
    findings: list[QualityFinding] = []
    for name in TABLE_CHECKS_FIRST:
        findings += _run(name, ctx, None)
    for name in COLUMN_CHECKS:
        for col in ctx.shared:
            findings += _run(name, ctx, col)
    for name in TABLE_CHECKS_LAST:
        findings += _run(name, ctx, None)
    findings_t = tuple(findings)
    dup = next((f for f in findings_t if f.check == "duplicate_rows"), None)
    return QualityReport(
        findings_t,
        _table(reference, current, all_kinds, findings_t),
        n_ref,
        n_cur,
        dup.reference_value if dup else None,
        dup.value if dup else None,
        config,
    )


def _run(name: str, ctx: Context, col: str | None) -> list[QualityFinding]:
    """Run one check (looked up by name now, so it can be replaced) and never raise."""
    fn = getattr(_checks, f"check_{name}")
    try:
        out = fn(ctx) if col is None else fn(ctx, col)
    except Exception as exc:  # noqa: BLE001 - a failing check is reported, the suite goes on
        reason = str(exc) if isinstance(exc, RobustnessError) else f"{type(exc).__name__}: {exc}"
        where = f" on column '{col}'" if col is not None else ""
        msg = (
            f"The {name.replace('_', ' ')} check could not run{where}: {reason}. The other checks still ran; "
            "look at this column's values for anything unusual, or report the problem with this message."
        )
        return [
            QualityFinding(
                "error", col, "fail", 0.0, None, msg, details={"check": name, "exception": type(exc).__name__}
            )
        ]
    if out is None:
        return []
    return [out] if isinstance(out, QualityFinding) else list(out)


# -- input validation --------------------------------------------------------------------------


def _frame(df, name: str) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise DataError(
            f"The {name} data must be a table (pandas DataFrame), not {type(df).__name__}. "
            "Load the file with robustness.io first."
        )
    names = [str(c) for c in df.columns]
    dups = sorted({c for c in names if names.count(c) > 1})
    if dups:
        raise DataError(
            f"The {name} data has duplicate column names: {', '.join(repr(c) for c in dups)}. "
            "Rename them so each is unique."
        )
    if any(not isinstance(c, str) for c in df.columns):
        df = df.set_axis(names, axis=1)
    return df


def _kinds(reference: pd.DataFrame, current: pd.DataFrame, kinds) -> dict[str, ColumnKind]:
    kinds = dict(kinds or {})
    in_ref = {c: k for c, k in kinds.items() if c in reference.columns}
    out = dict(infer_schema(reference, overrides=in_ref).kinds())
    for col in current.columns:
        if col in out:
            continue
        if col in kinds:
            try:
                out[col] = ColumnKind(kinds[col])
            except ValueError:
                raise ConfigError(
                    f"'{kinds[col]}' is not a column kind (column '{col}'). Use one of: "
                    f"{', '.join(k.value for k in ColumnKind)}."
                ) from None
        else:
            out[col] = infer_kind(current[col])
    unknown = [c for c in kinds if c not in out]
    if unknown:
        raise ConfigError(
            f"Cannot set the kind of {', '.join(repr(c) for c in unknown)}: no such column in "
            "reference or current. Pick columns that exist."
        )
    return out


def _check_roles(roles: ColumnRoles, reference: pd.DataFrame, current: pd.DataFrame) -> None:
    if not isinstance(roles, ColumnRoles):
        raise ConfigError("quality() takes column roles as a ColumnRoles; build one with ColumnRoles.from_dict({...}).")
    missing = [c for c in roles.role_columns() if c not in reference.columns and c not in current.columns]
    if missing:
        raise ConfigError(
            f"The role column{'s' if len(missing) > 1 else ''} {', '.join(repr(c) for c in missing)} "
            "is in neither reference nor current. Pick an existing column for that role, or none."
        )


def _empty_finding(n_ref: int, n_cur: int) -> QualityFinding:
    if n_ref == 0 and n_cur == 0:
        what = "Both reference and current have no rows"
    elif n_cur == 0:
        what = f"Current has no rows (reference has {n_ref:,})"
    else:
        what = f"Reference has no rows (current has {n_cur:,})"
    return QualityFinding(
        "empty_data",
        None,
        "fail",
        0.0,
        None,
        f"{what}, so there is nothing to compare and no quality check ran. Check that the "
        "file holds data beyond its header and that no filter removed every row.",
        details={"n_reference": n_ref, "n_current": n_cur},
    )


# -- the per-column table ----------------------------------------------------------------------


def _table(reference, current, kinds, findings) -> tuple[ColumnQuality, ...]:
    by = {(f.check, f.column): f for f in findings}
    cols = list(reference.columns) + [c for c in current.columns if c not in reference.columns]
    out = []
    for col in cols:
        in_ref, in_cur = col in reference.columns, col in current.columns
        miss = by.get(("missing_values", col))
        rng, new = by.get(("out_of_range", col)), by.get(("new_categories", col))
        gone = by.get(("vanished_categories", col))
        const, inf = by.get(("constant_column", col)), by.get(("infinite_values", col))
        out.append(
            ColumnQuality(
                name=col,
                kind=kinds[col],
                in_reference=in_ref,
                in_current=in_cur,
                missing_reference=miss.reference_value if miss else _missing(reference, col),
                missing_current=miss.value if miss else _missing(current, col),
                out_of_range_share=rng.value if rng and "skipped" not in rng.details else None,
                new_categories=new.details["n_new"] if new else None,
                vanished_categories=gone.details["n_vanished"] if gone else None,
                constant=bool(const and const.value == 1.0),
                n_infinite_current=inf.details["n_current"] if inf else None,
                status=worst(f.status for f in findings if f.column == col),
            )
        )
    return tuple(out)


def _missing(df: pd.DataFrame, col: str) -> float | None:
    if col not in df.columns or len(df) == 0:
        return None
    return float(df[col].isna().mean())


__all__ = ["quality", "COLUMN_CHECKS", "TABLE_CHECKS_FIRST", "TABLE_CHECKS_LAST"]
