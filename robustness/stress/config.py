"""Stress-suite settings and conditions: what the suite measures is judged here, not in the suite.

``StressConfig`` is frozen, validated and JSON/TOML-round-trippable; ``from_dict`` / ``from_file``
raise ``ConfigError`` naming the bad key and value. Perturbation names are checked against the
registry in ``run_stress`` (where the columns are known), not here.

Conditions (deepchecks-style, separate from the measures):

- each perturbation is judged once, at its registry ``default_severity`` or, when that severity
  was not run, at the nearest configured non-zero severity (the higher one on a tie), by its flip
  rate (classifiers) or normalised mean |change| (regressors): "fail" at or above the fail
  threshold, "warn" at or above the warn threshold, else "pass"; "error" when the model failed
  on it (raised, or returned NaN for some rows);
- the suite verdict is the worst of these, an "error" counting as "fail": a model that crashes
  or returns NaN on plausible bad input is not robust to it (the verdict's message says so);
- verdicts come worst first (:func:`severity_key`): "fail" and "error" (errors first), then
  "warn", then "pass", each by its value, largest first (ties keep the registry order); the
  "worst" a report or page names is :func:`worst_verdict`, the first of that order;
- the robustness score is ``100 × (1 − mean over judged perturbations of min(1, value))``, a
  perturbation the model failed on counting as 1; rounded to one decimal (100 when nothing was
  judged).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Literal

from robustness.configfile import known_settings, load_section
from robustness.errors import ConfigError
from robustness.formatting import count, number, share
from robustness.schema import ColumnKind
from robustness.stress.perturbations import PerturbationSpec, family_of, label_of

if TYPE_CHECKING:
    from robustness.stress.results import PerturbationResult

#: Column kind -> the perturbation used for feature sensitivity (one column at a time).
DEFAULT_SENSITIVITY = {"numerical": "gaussian_noise", "categorical": "category_swap", "boolean": "category_swap"}
DEFAULT_SEVERITIES = (0.0, 0.1, 0.25, 0.5, 1.0)


def _default_sensitivity() -> dict[str, str]:
    return dict(DEFAULT_SENSITIVITY)


@dataclass(frozen=True)
class StressConfig:
    """Settings of the stress suite (see ``robustness.stress.suite.run_stress``).

    - ``perturbations``: registry names; None runs every registered perturbation that can act
      on the chosen columns.
    - ``severities``: each perturbation runs at each severity in [0, 1]; 0.0 (the unperturbed
      data) is always included: it is added when missing. Stored sorted, without duplicates.
    - ``columns``: the columns perturbed; None takes the model's input columns
      (``adapter.feature_names``) whose kind some perturbation can act on.
    - ``warn_flip_rate`` / ``fail_flip_rate``: classifier verdicts, on the share of predictions
      that change at each perturbation's default severity (at or above the threshold).
    - ``warn_change`` / ``fail_change``: regressor verdicts, on the mean |change of the
      prediction| divided by the target's standard deviation (the unperturbed predictions'
      when no labels are given).
    - ``max_rows``: rows sampled (seeded, without replacement) from the data.
    - ``seed``: seeds the sample and every perturbation.
    - ``sensitivity_perturbation``: column kind -> perturbation used for feature sensitivity.
    """

    perturbations: tuple[str, ...] | None = None
    severities: tuple[float, ...] = DEFAULT_SEVERITIES
    columns: tuple[str, ...] | None = None
    warn_flip_rate: float = 0.05
    fail_flip_rate: float = 0.10
    warn_change: float = 0.05
    fail_change: float = 0.10
    max_rows: int = 2000
    seed: int = 0
    sensitivity_perturbation: Mapping[str, str] = field(default_factory=_default_sensitivity)

    def __post_init__(self) -> None:
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731 - frozen
        set_("perturbations", _names("perturbations", self.perturbations))
        set_("columns", _names("columns", self.columns))
        set_("severities", _severities(self.severities))
        for name in ("warn_flip_rate", "fail_flip_rate", "warn_change", "fail_change"):
            v = _number(name, getattr(self, name))
            if not (v >= 0 and math.isfinite(v)):
                raise ConfigError(f"{name} must be a number of 0 or more, not {getattr(self, name)!r}.")
            set_(name, v)
        for warn, fail in (("warn_flip_rate", "fail_flip_rate"), ("warn_change", "fail_change")):
            if getattr(self, warn) > getattr(self, fail):
                raise ConfigError(
                    f"{warn} ({getattr(self, warn)}) is above {fail} ({getattr(self, fail)}); "
                    "the warning threshold must not exceed the failure threshold."
                )
        _check_int("max_rows", self.max_rows, minimum=1)
        _check_int("seed", self.seed, minimum=0)
        sens = self.sensitivity_perturbation
        if not isinstance(sens, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in sens.items()):
            raise ConfigError(
                "sensitivity_perturbation must map column kinds to perturbation names, e.g. "
                f"{json.dumps(DEFAULT_SENSITIVITY)}; not {sens!r}."
            )
        kinds = [k.value for k in ColumnKind]
        bad = [k for k in sens if k not in kinds]
        if bad:
            raise ConfigError(
                f"sensitivity_perturbation has the unknown column kind {bad[0]!r}; use {', '.join(kinds)}."
            )
        set_("sensitivity_perturbation", dict(sens))

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_dict(), sort_keys=True))

    def thresholds(self, *, classifier: bool) -> tuple[float, float]:
        """(warn, fail) for flip rates (classifiers) or normalised changes (regressors)."""
        return (self.warn_flip_rate, self.fail_flip_rate) if classifier else (self.warn_change, self.fail_change)

    def grade(self, value: float, *, classifier: bool) -> Grade:
        """ "pass" / "warn" / "fail" of one measured value."""
        warn, fail = self.thresholds(classifier=classifier)
        return "fail" if value >= fail else "warn" if value >= warn else "pass"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = list(v) if isinstance(v, tuple) else dict(v) if isinstance(v, Mapping) else v
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> StressConfig:
        return cls(**known_settings(d, cls, "stress"))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> StressConfig:
        """Read JSON or TOML; a top-level ``stress`` table/object is accepted too."""
        return load_section(path, "stress", cls.from_dict)


def _names(name: str, value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ConfigError(f"{name} must be a list of names (or null for the default), not {value!r}.")
    bad = [v for v in value if not isinstance(v, str) or not v]
    if bad:
        raise ConfigError(f"{name} must hold names (non-empty text); {bad[0]!r} is not one.")
    if not value:
        raise ConfigError(f"{name} is an empty list; give at least one name, or null for the default.")
    return tuple(dict.fromkeys(value))


def _severities(value: object) -> tuple[float, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ConfigError(f"severities must be a list of numbers from 0 to 1, not {value!r}.")
    out = {0.0}
    for v in value:
        x = _number("each severity", v)
        if not 0 <= x <= 1:
            raise ConfigError(f"severities must lie from 0 to 1; {v!r} does not. Use e.g. [0, 0.1, 0.25, 0.5, 1].")
        out.add(x)
    return tuple(sorted(out))


def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(float(value)):
        raise ConfigError(f"{name} must be a number, not {value!r}.")
    return float(value)


def _check_int(name: str, value: object, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{name} must be a whole number of at least {minimum}, not {value!r}.")


# -- conditions --------------------------------------------------------------------------------------

#: A measured value graded against the thresholds; also the suite's verdict.
Grade = Literal["pass", "warn", "fail"]
#: One perturbation's verdict: a grade, or "error" when the model failed on the perturbed data.
VerdictStatus = Literal["pass", "warn", "fail", "error"]
_GRADES: tuple[Grade, ...] = ("pass", "warn", "fail")
_RANK: dict[str, int] = {"pass": 0, "warn": 1, "fail": 2, "error": 2}


@dataclass(frozen=True)
class Verdict:
    perturbation: str  # the registry name: the stable id
    severity: float
    value: float | None  # flip rate or normalised mean |change|; None on error
    status: VerdictStatus
    message: str
    label: str = ""  # what people read ("Unit error ×10"); from the registry when not given
    family: str = ""  # the perturbation's family (robustness.stress.perturbations.FAMILIES); likewise

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", label_of(self.perturbation))
        if not self.family:
            object.__setattr__(self, "family", family_of(self.perturbation))

    def to_dict(self) -> dict[str, Any]:
        value = None if self.value is None or not math.isfinite(self.value) else float(self.value)
        return {
            "perturbation": self.perturbation,
            "label": self.label,
            "family": self.family,
            "severity": float(self.severity),
            "value": value,
            "status": self.status,
            "message": self.message,
        }


def judge(
    results: Iterable[PerturbationResult],
    names: Iterable[str],
    specs: Mapping[str, PerturbationSpec],
    config: StressConfig,
    *,
    classifier: bool,
) -> tuple[Verdict, ...]:
    """One verdict per perturbation in ``names`` that has non-skipped results at a severity above 0,
    worst first (:func:`severity_key`).

    ``results``: PerturbationResult-like (perturbation, severity, columns, status, errors,
    flip_rate, mean_abs_change); ``specs``: the registry (default_severity, description, label, family).
    """
    by_name: dict[str, list[PerturbationResult]] = {}
    for r in results:
        if r.status != "skipped" and r.severity > 0:
            by_name.setdefault(r.perturbation, []).append(r)
    out: list[Verdict] = []
    for name in names:
        runs = by_name.get(name)
        if runs:
            target = specs[name].default_severity
            r = min(runs, key=lambda r: (abs(r.severity - target), -r.severity))
            out.append(_verdict(r, specs[name], config, classifier))
    return worst_first(out)


def severity_key(v: Verdict) -> tuple[int, bool, float]:
    """Sort key, worst first: "fail"/"error" (an error before any measured failure), "warn", "pass";
    within one status the larger value first."""
    value = v.value if v.value is not None and math.isfinite(v.value) else 0.0
    return (-_RANK[v.status], v.status != "error", -value)


def worst_first(verdicts: Iterable[Verdict]) -> tuple[Verdict, ...]:
    """The verdicts in :func:`severity_key` order (stable: ties keep their order)."""
    return tuple(sorted(verdicts, key=severity_key))


def by_family(verdicts: Iterable[Verdict]) -> tuple[Verdict, ...]:
    """Worst first, grouped by family: the families in the order of their worst verdict, each family's
    verdicts worst first (so the first is still :func:`worst_verdict`). The order of the page's views."""
    ordered = worst_first(verdicts)
    first: dict[str, int] = {}
    for i, v in enumerate(ordered):
        first.setdefault(v.family, i)
    return tuple(sorted(ordered, key=lambda v: first[v.family]))


def worst_verdict(verdicts: Iterable[Verdict]) -> Verdict | None:
    """The worst verdict: the largest effect among those of the worst status (None when there are none)."""
    return min(verdicts, key=severity_key, default=None)


def suite_verdict(verdicts: Iterable[Verdict]) -> Grade:
    """The worst verdict; "error" counts as "fail"; "pass" when there are none."""
    return _GRADES[max((_RANK[v.status] for v in verdicts), default=0)]


def robustness_score(verdicts: Iterable[Verdict]) -> float:
    """100 × (1 − mean of min(1, value)), an "error" counting as 1; see the module docstring."""
    values = [1.0 if v.status == "error" or v.value is None else min(1.0, max(0.0, v.value)) for v in verdicts]
    return round(100.0 * (1.0 - (sum(values) / len(values) if values else 0.0)), 1)


def _verdict(r: PerturbationResult, spec: PerturbationSpec, config: StressConfig, classifier: bool) -> Verdict:
    """The verdict and its message, in words a user reads: the perturbation by its readable name, every number
    in the one format (robustness.formatting): "Unit error ×1000 on 7 columns at severity 0.25 changes 22.4% of
    predictions (fails at 10% or more). What it does: multiplies ... by 1,000, ..."."""
    description, family = spec.description, getattr(spec, "family", "")
    label = getattr(spec, "label", "") or label_of(r.perturbation)
    cols = list(r.columns)
    on = ", ".join(f"'{c}'" for c in cols) if 0 < len(cols) <= 3 else f"{count(len(cols))} columns"
    where = f"{label} on {on} at severity {number(r.severity)}"
    value = r.flip_rate if classifier else r.mean_abs_change
    if r.status == "error" or value is None:  # no measure without a row the model scored
        return Verdict(
            r.perturbation,
            r.severity,
            None,
            "error",
            f"The model fails under {where}: {'; '.join(r.errors) or 'no row could be scored'}. A model that "
            "cannot score such input counts as failing this perturbation.",
            label,
            family,
        )
    warn, fail = config.thresholds(classifier=classifier)
    status = config.grade(value, classifier=classifier)
    fmt = share if classifier else number
    what = (
        f"changes {fmt(value)} of predictions"
        if classifier
        else f"moves predictions by {fmt(value)} of their spread on average"
    )
    rule = {
        "fail": f"fails at {fmt(fail)} or more",
        "warn": f"warns at {fmt(warn)} or more, fails at {fmt(fail)}",
        "pass": f"below the {fmt(warn)} warning threshold",
    }[status]
    sentence = description[0].lower() + description[1:] if description else ""
    return Verdict(
        r.perturbation,
        r.severity,
        value,
        status,
        f"{where} {what} ({rule})." + (f" What it does: {sentence}" if sentence else ""),
        label,
        family,
    )
