"""Typed results of a champion vs challenger comparison: numbers and short texts, JSON through one helper."""

from __future__ import annotations

from dataclasses import dataclass, field

from robustness.jsonsafe import to_json_safe

__all__ = [
    "ComparisonResult",
    "Disagreement",
    "DisagreementSegment",
    "ImportanceComparison",
    "MetricComparison",
    "StressComparison",
    "TEST_LABELS",
]

#: How each paired test reads in sentences and tables.
TEST_LABELS = {
    "mcnemar_midp": "McNemar mid-p",
    "delong": "DeLong",
    "delong_ovr": "DeLong one-vs-rest",
    "paired_t": "paired t test",
    "wilcoxon": "Wilcoxon",
}


@dataclass(frozen=True)
class MetricComparison:
    name: str  # "accuracy" | "roc_auc" | "log_loss" | "brier" | "mae" | "rmse"
    data: str  # "reference" | "current"
    champion: float | None
    challenger: float | None
    difference: float | None  # challenger - champion
    low: float | None  # paired bootstrap percentile interval of the difference
    high: float | None
    p_value: float | None
    test: str  # "mcnemar_midp" | "delong" | "delong_ovr" (multiclass macro ROC AUC) | "paired_t" | "wilcoxon"
    higher_is_better: bool
    n_rows: int
    significant: bool  # p < alpha and the interval excludes 0
    details: dict = field(default_factory=dict)  # multiclass ROC AUC: "per_class" AUCs and DeLong p-values

    @property
    def direction(self) -> str:
        """'better' / 'worse' for the challenger when significant, else 'no_difference'."""
        if not self.significant or self.difference is None:
            return "no_difference"
        return "better" if (self.difference > 0) == self.higher_is_better else "worse"

    def to_dict(self) -> dict:
        return to_json_safe(
            {
                "name": self.name,
                "data": self.data,
                "champion": self.champion,
                "challenger": self.challenger,
                "difference": self.difference,
                "low": self.low,
                "high": self.high,
                "p_value": self.p_value,
                "test": self.test,
                "higher_is_better": self.higher_is_better,
                "n_rows": self.n_rows,
                "significant": self.significant,
                "direction": self.direction,
                "details": self.details,
            }
        )


@dataclass(frozen=True)
class DisagreementSegment:
    rule: str
    conditions: tuple[tuple[str, str, object], ...]
    size: int
    share: float  # of the data's rows
    disagreement: float  # share of the segment's rows where the two differ
    champion_right: float | None  # among the segment's disagreeing labelled rows: share the champion gets right
    challenger_right: float | None

    def to_dict(self) -> dict:
        return to_json_safe(
            {
                "rule": self.rule,
                "conditions": [[c, op, v] for c, op, v in self.conditions],
                "size": self.size,
                "share": self.share,
                "disagreement": self.disagreement,
                "champion_right": self.champion_right,
                "challenger_right": self.challenger_right,
            }
        )


@dataclass(frozen=True)
class Disagreement:
    data: str
    share: float  # rows where the predictions differ (classes; regression: by more than ``tolerance``)
    n_rows: int
    tolerance: float | None  # regression only
    champion_right: float | None  # over all disagreeing labelled rows
    challenger_right: float | None
    segments: tuple[DisagreementSegment, ...]

    def to_dict(self) -> dict:
        return to_json_safe(
            {
                "data": self.data,
                "share": self.share,
                "n_rows": self.n_rows,
                "tolerance": self.tolerance,
                "champion_right": self.champion_right,
                "challenger_right": self.challenger_right,
                "segments": [s.to_dict() for s in self.segments],
            }
        )


@dataclass(frozen=True)
class StressComparison:
    perturbation: str
    label: str
    severity: float
    champion: float | None  # flip rate (classifiers) or normalised mean |change| (regressors)
    challenger: float | None
    judged: bool  # the severity the stress verdicts judge this perturbation at
    champion_status: str
    challenger_status: str

    @property
    def more_robust(self) -> str:
        """'champion', 'challenger' or 'same' (within 0.01, or a value missing)."""
        if self.champion is None or self.challenger is None or abs(self.champion - self.challenger) < 0.01:
            return "same"
        return "champion" if self.champion < self.challenger else "challenger"

    def to_dict(self) -> dict:
        return to_json_safe(
            {
                "perturbation": self.perturbation,
                "label": self.label,
                "severity": self.severity,
                "champion": self.champion,
                "challenger": self.challenger,
                "judged": self.judged,
                "champion_status": self.champion_status,
                "challenger_status": self.challenger_status,
                "more_robust": self.more_robust,
            }
        )


@dataclass(frozen=True)
class ImportanceComparison:
    feature: str
    champion: float | None  # permutation importance (drop in the score when the column is shuffled)
    challenger: float | None
    champion_rank: int | None  # 1 = most important
    challenger_rank: int | None

    @property
    def rank_change(self) -> int | None:
        """Positive when the column matters more to the challenger (it moved up)."""
        if self.champion_rank is None or self.challenger_rank is None:
            return None
        return self.champion_rank - self.challenger_rank

    def to_dict(self) -> dict:
        return to_json_safe(
            {
                "feature": self.feature,
                "champion": self.champion,
                "challenger": self.challenger,
                "champion_rank": self.champion_rank,
                "challenger_rank": self.challenger_rank,
                "rank_change": self.rank_change,
            }
        )


@dataclass(frozen=True)
class ComparisonResult:
    task: str
    headline: str  # the metric the verdict is on ("accuracy" | "mae")
    alpha: float
    level: float
    n_boot: int
    seed: int
    metrics: tuple[MetricComparison, ...]
    disagreement: tuple[Disagreement, ...]
    stress: tuple[StressComparison, ...]
    importance: tuple[ImportanceComparison, ...]  # largest change of importance first
    verdict: str  # on the headline metric of the current data: "better" | "worse" | "no_difference"
    verdict_data: str  # the data the verdict is on ("current", or "reference" when current has no labels)
    verdict_reference: str | None
    summary: str
    findings: tuple[str, ...] = ()  # problems met on the way (a model raising on rows, a check that failed)
    notes: tuple[str, ...] = ()

    def metric(self, name: str, data: str = "current") -> MetricComparison | None:
        return next((m for m in self.metrics if m.name == name and m.data == data), None)

    @property
    def significantly_worse(self) -> bool:
        """The exit-1 condition: the challenger is significantly worse on the headline metric of current data."""
        m = self.metric(self.headline, "current")
        return m is not None and m.direction == "worse"

    def to_dict(self) -> dict:
        return to_json_safe(
            {
                "task": self.task,
                "headline": self.headline,
                "alpha": self.alpha,
                "level": self.level,
                "n_boot": self.n_boot,
                "seed": self.seed,
                "verdict": self.verdict,
                "verdict_data": self.verdict_data,
                "verdict_reference": self.verdict_reference,
                "summary": self.summary,
                "metrics": [m.to_dict() for m in self.metrics],
                "disagreement": [d.to_dict() for d in self.disagreement],
                "stress": [s.to_dict() for s in self.stress],
                "importance": [i.to_dict() for i in self.importance],
                "findings": list(self.findings),
                "notes": list(self.notes),
            }
        )
