"""Column kinds, column roles and the inferred schema of a dataset."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


def as_kinds(kinds) -> dict[str, ColumnKind]:
    """``{column: kind}`` with every kind a ColumnKind; ConfigError naming a bad one."""
    from robustness.errors import ConfigError

    checked: dict[str, ColumnKind] = {}
    for col, kind in kinds.items():
        try:
            checked[col] = ColumnKind(kind)
        except ValueError:
            raise ConfigError(
                f"'{kind}' is not a column kind (column '{col}'). Use one of: {', '.join(k.value for k in ColumnKind)}."
            ) from None
    return checked


class ColumnKind(StrEnum):
    NUMERICAL = "numerical"
    CATEGORICAL = "categorical"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    TEXT = "text"
    ID = "id"


@dataclass(frozen=True)
class ColumnRoles:
    """Which columns are not model features.

    ``probabilities`` maps a class label (as a string) to the column that holds
    the predicted probability of that class.
    """

    target: str | None = None
    prediction: str | None = None
    probabilities: dict[str, str] = field(default_factory=dict)
    timestamp: str | None = None
    id: str | None = None

    def role_columns(self) -> list[str]:
        cols = [self.target, self.prediction, self.timestamp, self.id]
        cols += list(self.probabilities.values())
        seen: list[str] = []
        for c in cols:
            if c is not None and c not in seen:
                seen.append(c)
        return seen

    def to_dict(self) -> dict:
        return {
            "target": self.target,
            "prediction": self.prediction,
            "probabilities": dict(self.probabilities),
            "timestamp": self.timestamp,
            "id": self.id,
        }

    @classmethod
    def from_dict(cls, d: dict) -> ColumnRoles:
        return cls(
            target=d.get("target"),
            prediction=d.get("prediction"),
            probabilities=dict(d.get("probabilities") or {}),
            timestamp=d.get("timestamp"),
            id=d.get("id"),
        )


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    kind: ColumnKind
    dtype: str
    missing_share: float
    n_unique: int
    note: str = ""  # e.g. "all values missing", "constant"


@dataclass(frozen=True)
class Schema:
    columns: tuple[ColumnInfo, ...]

    def kinds(self) -> dict[str, ColumnKind]:
        return {c.name: c.kind for c in self.columns}

    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def __getitem__(self, name: str) -> ColumnInfo:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def with_kinds(self, overrides: Mapping[str, ColumnKind | str]) -> Schema:
        cols = []
        for c in self.columns:
            if c.name in overrides:
                k = ColumnKind(overrides[c.name])
                c = ColumnInfo(c.name, k, c.dtype, c.missing_share, c.n_unique, c.note)
            cols.append(c)
        return Schema(tuple(cols))
