"""Typed results of the stress suite: data, not figures; each serialises to JSON-safe dicts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from robustness.jsonsafe import to_json_safe
from robustness.models import Task
from robustness.stress.config import Grade, StressConfig, Verdict
from robustness.stress.fragile import FragileRow
from robustness.stress.perturbations import family_of, label_of

#: How one perturbation cell ran: "ok", "error" (the model failed) or "skipped" (the perturbation could not be applied).
RunStatus = Literal["ok", "error", "skipped"]
#: One cell graded as its verdict would be (see ``StressResult.status_of``).
CellStatus = Literal["pass", "warn", "fail", "error", "skipped"]


@dataclass(frozen=True)
class PerturbationResult:
    perturbation: str
    severity: float
    columns: tuple[str, ...]
    flip_rate: float | None  # classifiers
    mean_proba_change: float | None  # classifiers with probabilities
    mean_abs_change: float | None  # regressors, normalised by the spread
    metrics: dict[str, float]
    errors: tuple[str, ...]
    n_rows: int  # rows the measures are computed on (the sample minus rows the model returned NaN for)
    status: RunStatus
    seed: int = 0  # the perturbation's seed: perturb(name, sample, stats, severity, columns=..., seed=seed)

    def to_dict(self, task: Task | str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "perturbation": self.perturbation,
            "label": label_of(self.perturbation),
            "family": family_of(self.perturbation),
            "severity": self.severity,
            "columns": list(self.columns),
        }
        regression = task == Task.REGRESSION if task is not None else self.mean_abs_change is not None
        if regression:
            out["mean_abs_change"] = self.mean_abs_change
        else:
            out["flip_rate"] = self.flip_rate
            out["mean_proba_change"] = self.mean_proba_change
        out.update(
            metrics=dict(self.metrics), errors=list(self.errors), n_rows=self.n_rows, status=self.status, seed=self.seed
        )
        return to_json_safe(out)


@dataclass(frozen=True)
class FeatureSensitivity:
    feature: str
    perturbation: str
    severity: float
    sensitivity: float  # flip rate (classifiers) or normalised mean |change| (regressors); NaN on error
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        return to_json_safe(
            {
                "feature": self.feature,
                "perturbation": self.perturbation,
                "severity": self.severity,
                "sensitivity": self.sensitivity,
                "error": self.error,
            }
        )


@dataclass(frozen=True)
class StressResult:
    task: Task
    seed: int
    n_rows: int
    columns: tuple[str, ...]
    results: tuple[PerturbationResult, ...]
    feature_sensitivity: tuple[FeatureSensitivity, ...]  # most sensitive first; errors last
    verdicts: tuple[Verdict, ...]  # worst first (robustness.stress.config.severity_key)
    verdict: Grade  # any "error" verdict makes it "fail"
    score: float  # 0..100, see the module docstring
    baseline: dict[str, float]
    config: dict[str, Any]  # StressConfig.to_dict() of the run
    stopped: bool = False
    fragile: tuple[FragileRow, ...] = ()  # classifiers: up to 20 rows that flip at the lowest severities
    notes: tuple[str, ...] = ()

    @property
    def is_classifier(self) -> bool:
        return self.task != Task.REGRESSION

    def thresholds(self) -> tuple[float, float]:
        """(warn, fail) of this run: flip rates (classifiers) or normalised changes (regressors)."""
        keys = ("warn_flip_rate", "fail_flip_rate") if self.is_classifier else ("warn_change", "fail_change")
        cfg = self.config or {}
        warn, fail = (float(cfg.get(k, getattr(StressConfig, k))) for k in keys)
        return warn, fail

    def value_of(self, p: PerturbationResult) -> float | None:
        """The measure the verdicts judge: flip rate (classifiers) or normalised mean |change| (regressors)."""
        value = p.flip_rate if self.is_classifier else p.mean_abs_change
        return None if value is None or not math.isfinite(value) else float(value)

    def status_of(self, p: PerturbationResult) -> CellStatus:
        """One cell graded as its verdict would be: "pass" / "warn" / "fail", "error" when the model failed on
        it, "skipped" when the perturbation could not be applied."""
        if p.status in ("error", "skipped"):
            return p.status
        value = self.value_of(p)
        if value is None:
            return "error"
        warn, fail = self.thresholds()
        return "fail" if value >= fail else "warn" if value >= warn else "pass"

    def result(self, perturbation: str, severity: float) -> PerturbationResult:
        for r in self.results:
            if r.perturbation == perturbation and math.isclose(r.severity, severity):
                return r
        raise KeyError((perturbation, severity))

    def to_dict(self) -> dict[str, Any]:
        """The CLI JSON contract; ``json.dumps(..., allow_nan=False)`` always works."""
        return to_json_safe(
            {
                "task": self.task.value,
                "seed": self.seed,
                "n_rows": self.n_rows,
                "columns": list(self.columns),
                "verdict": self.verdict,
                "score": self.score,
                "stopped": self.stopped,
                "baseline": dict(self.baseline),
                "results": [r.to_dict(self.task) for r in self.results],
                "feature_sensitivity": [f.to_dict() for f in self.feature_sensitivity],
                "verdicts": [v.to_dict() for v in self.verdicts],
                "fragile": [f.to_dict() for f in self.fragile],
                "notes": list(self.notes),
                "config": self.config,
            }
        )
