"""Drift settings: a frozen, validated, JSON/TOML-round-trippable configuration.

``DriftConfig.from_dict`` / ``from_file`` raise ``ConfigError`` naming the bad key and value.
Test names in ``overrides`` are checked against the registry here; whether a test suits a
column's kind can only be checked once the kinds are known, in ``drift()``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

from robustness.configfile import known_settings, load_section
from robustness.errors import ConfigError

_CORRECTIONS = ("bh", "none")


@dataclass(frozen=True)
class ColumnOverride:
    """Per-column choice of test (registry name) and/or threshold."""

    test: str | None = None
    threshold: float | None = None

    def to_dict(self) -> dict:
        return {"test": self.test, "threshold": self.threshold}


@dataclass(frozen=True)
class DriftConfig:
    """Settings of the univariate drift engine (see ``robustness.drift.engine`` for the rule).

    - ``alpha``: significance level for p-value tests, applied to Benjamini-Hochberg adjusted
      p-values when ``correction == "bh"``.
    - ``min_shift_sd``, ``min_spread_ratio``, ``min_shape_sd`` (numbers) and ``min_share_change``,
      ``min_new_category_share`` (categories, booleans) and ``min_text_auc`` (text content: the ROC AUC
      of a classifier telling current texts from reference texts; 0.5 = alike): how large a change must
      be to count, in user units (see ``robustness.drift.effects``). A column decided by a p-value drifts when it is
      significant AND at least one of its kind's effects reaches its threshold, at every size.
      Defaults are half the smallest change the rule promises to see (0.1 SD, SD x1.2, 5 points, a new
      category at 1 %), so the estimate clears the line once the test can see the change; text content
      0.53 (a topic a classifier knows perfectly growing by 6 points of share reaches AUC 0.5 + 0.06 / 2).
    - ``distance_threshold``: one threshold for every distance test chosen by override; None uses
      each test's registry default.
    - ``drift_share``: the dataset drifts when the share of drifted tested columns >= this.
    - ``large_sample``: no longer changes the test (the default rule is the same at every size);
      kept so existing configuration files and pages load.
    - ``max_categories``: the most frequent categories compared one by one, the rest pooled
      as "other".
    - ``bins``: histogram bins for plots, and reference-quantile buckets for binned tests
      (psi, jensenshannon, hellinger) on numerical columns.
    - ``overrides``: column -> ``ColumnOverride``.
    - ``seed``: the folds of the text content classifier (``tfidf``); the other tests are deterministic.
    """

    alpha: float = 0.05
    distance_threshold: float | None = None
    drift_share: float = 0.5
    large_sample: int = 5000
    min_shift_sd: float = 0.05
    min_spread_ratio: float = 1.1
    min_shape_sd: float = 0.05
    min_share_change: float = 0.025
    min_new_category_share: float = 0.005
    min_text_auc: float = 0.53
    max_categories: int = 50
    bins: int = 30
    correction: str = "bh"
    overrides: Mapping[str, ColumnOverride] = field(default_factory=dict)
    seed: int = 0

    def __post_init__(self) -> None:
        _check_fraction("alpha", self.alpha, open_right=True)
        _check_fraction("drift_share", self.drift_share, open_right=False)
        if self.distance_threshold is not None:
            _check_positive("distance_threshold", self.distance_threshold)
        _check_int("large_sample", self.large_sample, minimum=1)
        for name in ("min_shift_sd", "min_shape_sd", "min_share_change", "min_new_category_share"):
            v = _number(name, getattr(self, name))
            if not (v >= 0 and math.isfinite(v)):
                raise ConfigError(f"{name} must be a number of at least 0 (0 turns the size condition off), not {v!r}.")
        auc = _number("min_text_auc", self.min_text_auc)
        if not (0.5 <= auc < 1):
            raise ConfigError(f"min_text_auc must be at least 0.5 (0.5 turns it off) and below 1, not {auc!r}.")
        ratio = _number("min_spread_ratio", self.min_spread_ratio)
        if not (ratio >= 1 and math.isfinite(ratio)):
            raise ConfigError(f"min_spread_ratio must be at least 1 (1 turns it off), not {ratio!r}.")
        _check_int("max_categories", self.max_categories, minimum=1)
        _check_int("bins", self.bins, minimum=1)
        _check_int("seed", self.seed, minimum=0)
        if self.correction not in _CORRECTIONS:
            raise ConfigError(
                f"correction must be one of {', '.join(map(repr, _CORRECTIONS))}, not {self.correction!r}. "
                'Use "bh" (Benjamini-Hochberg) or "none".'
            )
        if not isinstance(self.overrides, Mapping):
            raise ConfigError(f"overrides must map column names to test settings, not {self.overrides!r}.")
        checked = {str(col): _override(col, value) for col, value in self.overrides.items()}
        object.__setattr__(self, "overrides", checked)

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_dict(), sort_keys=True))

    def to_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "overrides"}
        out["overrides"] = {col: o.to_dict() for col, o in self.overrides.items()}
        return out

    @classmethod
    def from_dict(cls, d: Mapping) -> DriftConfig:
        values = known_settings(d, cls, "drift")
        for name in (
            "alpha",
            "drift_share",
            "distance_threshold",
            "min_shift_sd",
            "min_spread_ratio",
            "min_shape_sd",
            "min_share_change",
            "min_new_category_share",
            "min_text_auc",
        ):
            if name in values and values[name] is not None:
                values[name] = _number(name, values[name])
        return cls(**values)

    @classmethod
    def from_file(cls, path) -> DriftConfig:
        """Read JSON or TOML; a top-level ``drift`` table/object is accepted too."""
        return load_section(path, "drift", cls.from_dict)


def _override(col, value) -> ColumnOverride:
    from robustness.drift.stattests import registry  # late import: stattests does not need config

    if isinstance(value, ColumnOverride):
        o = value
    elif isinstance(value, Mapping):
        bad = [k for k in value if k not in ("test", "threshold")]
        if bad:
            raise ConfigError(
                f"Override for column '{col}' has unknown setting {', '.join(map(repr, bad))}; "
                'use "test" and/or "threshold".'
            )
        threshold = value.get("threshold")
        if threshold is not None:
            threshold = _number(f"threshold of '{col}'", threshold)
        o = ColumnOverride(value.get("test"), threshold)
    else:
        raise ConfigError(
            f'Override for column \'{col}\' must be a table with "test" and/or "threshold", not {value!r}.'
        )
    tests = registry()
    if o.test is not None and o.test not in tests:
        raise ConfigError(
            f"Unknown drift test {o.test!r} for column '{col}'. Available tests: {', '.join(sorted(tests))}."
        )
    if o.threshold is not None:
        _check_positive(f"threshold of '{col}'", o.threshold)
        if o.test is not None and tests[o.test].output == "p_value" and o.threshold >= 1:
            raise ConfigError(
                f"The threshold of column '{col}' is a significance level for the p-value test "
                f"'{o.test}', so it must be between 0 and 1, not {o.threshold!r}."
            )
    return o


def _number(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{name} must be a number, not {value!r}.")
    return float(value)


def _check_fraction(name: str, value, *, open_right: bool) -> None:
    v = _number(name, value)
    ok = 0 < v < 1 if open_right else 0 < v <= 1
    if not ok or not math.isfinite(v):
        upper = "below 1" if open_right else "at most 1"
        raise ConfigError(f"{name} must be above 0 and {upper}, not {value!r}.")


def _check_positive(name: str, value) -> None:
    v = _number(name, value)
    if not (v > 0 and math.isfinite(v)):
        raise ConfigError(f"{name} must be a positive number, not {value!r}.")


def _check_int(name: str, value, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{name} must be a whole number of at least {minimum}, not {value!r}.")
