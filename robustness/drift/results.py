"""Typed drift results: data, not figures. One function serialises them to JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from robustness.jsonsafe import finite_or_none as _finite
from robustness.schema import ColumnKind

if TYPE_CHECKING:
    from robustness.drift.effects import Effect
    from robustness.drift.text import TextContent


@dataclass(frozen=True)
class FeatureDrift:
    """The drift verdict for one column."""

    feature: str
    kind: ColumnKind
    test: str  # registry name, e.g. "ks", "wasserstein", "psi"; "none" when not tested
    statistic: float | None  # None only when the column could not be tested
    p_value: float | None  # raw, from ``test``; None for distance-based tests
    effect_size: float | None  # a distance on a common scale (see robustness.drift.stattests)
    threshold: float  # alpha for p-value tests, the distance threshold otherwise
    drifted: bool
    n_reference: int = 0  # non-missing values used
    n_current: int = 0
    status: str = "ok"  # "ok" | "skipped" (not testable, with a reason) | "error"
    message: str = ""  # plain-language reason or caveat ("all values missing in current", ...)
    p_value_adjusted: float | None = None  # Benjamini-Hochberg across the columns (= p_value with correction "none")
    effect: Effect | None = None  # the practical size in user units that the decision weighed
    details: str = ""  # for statisticians: the test's own statistics and p-values, approximation bounds
    content: TextContent | None = None  # text columns: the content classifier's AUC, interval and words

    @property
    def p_value_raw(self) -> float | None:
        """The raw p-value (the name earlier versions used; ``p_value`` is raw now)."""
        return self.p_value

    def to_dict(self) -> dict:
        """JSON-safe: the CLI contract's fields plus status, message and sample sizes."""
        return {
            "feature": self.feature,
            "kind": ColumnKind(self.kind).value,
            "test": self.test,
            "statistic": _finite(self.statistic),
            "p_value": _finite(self.p_value),
            "p_value_adjusted": _finite(self.p_value_adjusted),
            "effect_size": _finite(self.effect_size),
            "effect": None if self.effect is None else self.effect.to_dict(),
            "threshold": _finite(self.threshold),
            "drifted": bool(self.drifted),
            "status": self.status,
            "message": self.message,
            "details": self.details,
            "content": None if self.content is None else self.content.to_dict(),
            "n_reference": int(self.n_reference),
            "n_current": int(self.n_current),
        }


def find_feature(features, name: str) -> FeatureDrift:
    """The result for column ``name`` (KeyError if there is none)."""
    for f in features:
        if f.feature == name:
            return f
    raise KeyError(name)


@dataclass(frozen=True)
class ColumnProfile:
    """Small summaries of one column for plots: never raw rows."""

    feature: str
    kind: ColumnKind
    # numerical-like columns: shared bin edges and counts, and ECDF points
    bin_edges: tuple[float, ...] = ()
    counts_reference: tuple[int, ...] = ()
    counts_current: tuple[int, ...] = ()
    ecdf_x: tuple[float, ...] = ()  # common grid
    ecdf_reference: tuple[float, ...] = ()
    ecdf_current: tuple[float, ...] = ()
    # categorical-like columns: top-k categories (+ "other") and their counts
    categories: tuple[str, ...] = ()
    category_counts_reference: tuple[int, ...] = ()
    category_counts_current: tuple[int, ...] = ()
    missing_reference: float = 0.0
    missing_current: float = 0.0


@dataclass(frozen=True)
class DatasetDrift:
    n_columns: int  # columns tested (status "ok")
    n_drifted: int
    drifted_share: float
    share_threshold: float
    drifted: bool


@dataclass(frozen=True)
class DriftResult:
    features: tuple[FeatureDrift, ...]
    dataset: DatasetDrift
    profiles: dict[str, ColumnProfile] = field(default_factory=dict)
    config: dict = field(default_factory=dict)  # the effective DriftConfig as a dict

    def feature(self, name: str) -> FeatureDrift:
        return find_feature(self.features, name)

    def to_dict(self) -> dict:
        """The JSON contract of `robustness drift --json`."""
        return {
            "features": [f.to_dict() for f in self.features],
            "dataset": {
                "drifted_share": self.dataset.drifted_share,
                "drifted": self.dataset.drifted,
                "n_columns": self.dataset.n_columns,
                "n_drifted": self.dataset.n_drifted,
                "share_threshold": self.dataset.share_threshold,
            },
            "config": self.config,
        }
