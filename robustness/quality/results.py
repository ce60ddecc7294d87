"""Typed data-quality results and the configurable pass/warn/fail conditions.

Results are data: numbers, short lists and JSON-safe example rows. ``to_dict`` gives
the JSON contract; ``json.dumps(report.to_dict(), allow_nan=False)`` always works.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from robustness.errors import ConfigError
from robustness.jsonsafe import to_json_safe
from robustness.schema import ColumnKind

#: Every value ``QualityFinding.check`` can take.
CheckName = Literal[
    "empty_data",
    "missing_column",
    "missing_values",
    "type_mismatch",
    "out_of_range",
    "new_categories",
    "vanished_categories",
    "duplicate_rows",
    "constant_column",
    "infinite_values",
    "error",
]
CHECKS: tuple[CheckName, ...] = (
    "empty_data",
    "missing_column",
    "missing_values",
    "type_mismatch",
    "out_of_range",
    "new_categories",
    "vanished_categories",
    "duplicate_rows",
    "constant_column",
    "infinite_values",
    "error",
)
#: A finding's status, from best to worst.
Severity = Literal["pass", "warn", "fail"]
STATUSES: tuple[Severity, ...] = ("pass", "warn", "fail")
_RANK: dict[str, int] = {s: i for i, s in enumerate(STATUSES)}


def worst(statuses: Iterable[Severity]) -> Severity:
    """The most severe of ``statuses`` ("pass" when there are none)."""
    return max(statuses, key=_RANK.__getitem__, default="pass")


@dataclass(frozen=True)
class QualityConfig:
    """Conditions that turn measured quantities into pass / warn / fail.

    A share at or above its ``*_warn`` threshold warns, at or above ``*_fail`` fails; a
    share of exactly 0 always passes, so a threshold of 0 means "any".
    """

    missing_increase_warn: float = 0.05  # absolute increase in a column's missing share
    missing_increase_fail: float = 0.20
    out_of_range_warn: float = 0.01  # share of current values outside the reference [min, max]
    out_of_range_fail: float = 0.05
    new_category_warn: float = 0.01  # share of current rows holding categories unseen in reference
    new_category_fail: float = 0.05
    vanished_category_warn: float = 0.01  # share of reference rows holding categories absent in current
    vanished_category_fail: float = 0.05
    duplicate_warn: float = 0.01  # share of duplicated rows in current
    duplicate_fail: float = 0.10
    type_mismatch_warn: float = 0.0  # share of current values that do not parse as the reference's type
    type_mismatch_fail: float = 0.05
    infinite_warn: float = 0.0  # share of current rows holding +inf/-inf
    infinite_fail: float = 0.01
    constant_status: Severity = "warn"  # a column that varies in reference but is constant in current
    missing_column_status: Severity = "fail"  # a feature column of reference absent from current
    extra_column_status: Severity = "warn"  # a column only current has
    max_examples: int = 5  # example rows per finding

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name.endswith(("_warn", "_fail")):
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                    raise ConfigError(
                        f"Quality setting '{f.name}' is {value!r}; it is a share, so give a number from 0 to 1."
                    )
            elif f.name.endswith("_status"):
                if value not in STATUSES:
                    raise ConfigError(f"Quality setting '{f.name}' is {value!r}; use one of: {', '.join(STATUSES)}.")
            elif f.name == "max_examples":
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ConfigError(f"Quality setting 'max_examples' is {value!r}; give a whole number of 0 or more.")
        for f in dataclasses.fields(self):
            if f.name.endswith("_warn"):
                fail = f.name[: -len("_warn")] + "_fail"
                if getattr(self, f.name) > getattr(self, fail):
                    raise ConfigError(
                        f"Quality setting '{f.name}' ({getattr(self, f.name)}) is above '{fail}' "
                        f"({getattr(self, fail)}); the warning threshold must not exceed the failure threshold."
                    )

    def grade(self, value: float, name: str) -> Severity:
        """The status of a measured share under the ``{name}_warn`` / ``{name}_fail`` thresholds."""
        if not value > 0:
            return "pass"
        if value >= getattr(self, f"{name}_fail"):
            return "fail"
        if value >= getattr(self, f"{name}_warn"):
            return "warn"
        return "pass"

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping | None) -> QualityConfig:
        d = dict(d or {})
        known = [f.name for f in dataclasses.fields(cls)]
        unknown = [k for k in d if k not in known]
        if unknown:
            raise ConfigError(
                f"Unknown quality setting{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(repr(k) for k in unknown)}. Valid settings: {', '.join(known)}."
            )
        return cls(**d)


@dataclass(frozen=True)
class QualityFinding:
    """One check's verdict on one column (``column`` is None for table-level checks)."""

    check: CheckName
    column: str | None
    status: Severity
    value: float  # the measured quantity, e.g. share of current values out of range
    reference_value: float | None  # the same quantity in reference where meaningful
    message: str  # plain language: what, where, what to do, with numbers
    examples: tuple[dict, ...] = ()  # JSON-safe example rows, row index label under "_row"
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return to_json_safe(
            {
                "check": self.check,
                "column": self.column,
                "status": self.status,
                "value": self.value,
                "reference_value": self.reference_value,
                "message": self.message,
                "examples": list(self.examples),
                "details": self.details,
            }
        )


@dataclass(frozen=True)
class ColumnQuality:
    """One row of the per-column table. None where a quantity does not apply or was not measured."""

    name: str
    kind: ColumnKind
    in_reference: bool = True
    in_current: bool = True
    missing_reference: float | None = None
    missing_current: float | None = None
    out_of_range_share: float | None = None  # numerical / datetime features only
    new_categories: int | None = None  # distinct categories; categorical / boolean only
    vanished_categories: int | None = None
    constant: bool = False  # one distinct non-missing value in current
    n_infinite_current: int | None = None  # numeric columns only
    status: Severity = "pass"  # worst finding on this column

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["kind"] = self.kind.value
        return to_json_safe(d)


@dataclass(frozen=True)
class QualityReport:
    findings: tuple[QualityFinding, ...]
    columns: tuple[ColumnQuality, ...]
    n_reference: int
    n_current: int
    duplicate_share_reference: float | None  # None when not measured (empty data, check error)
    duplicate_share_current: float | None
    config: QualityConfig = QualityConfig()

    @property
    def status(self) -> Severity:
        """The worst status over all findings."""
        return worst(f.status for f in self.findings)

    @property
    def issues(self) -> tuple[QualityFinding, ...]:
        """Findings that warn or fail, failures first (otherwise in check order)."""
        bad = [f for f in self.findings if f.status != "pass"]
        return tuple(sorted(bad, key=lambda f: -_RANK[f.status]))

    def finding(self, check: str, column: str | None = None) -> QualityFinding:
        """The finding of ``check`` on ``column``; KeyError when there is none."""
        for f in self.findings:
            if f.check == check and f.column == column:
                return f
        raise KeyError((check, column))

    def column(self, name: str) -> ColumnQuality:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_dict(self) -> dict:
        counts = {s: sum(f.status == s for f in self.findings) for s in STATUSES}
        return to_json_safe(
            {
                "status": self.status,
                "n_reference": self.n_reference,
                "n_current": self.n_current,
                "duplicate_share_reference": self.duplicate_share_reference,
                "duplicate_share_current": self.duplicate_share_current,
                "counts": counts,
                "findings": [f.to_dict() for f in self.findings],
                "columns": [c.to_dict() for c in self.columns],
                "config": self.config.to_dict(),
            }
        )
