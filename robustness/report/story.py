"""The story a dashboard tells first: the verdict, the findings that matter most, one status per area.

Everything here is read off one :class:`~robustness.report.scorecard.TrustReport`, so the Overview,
each page's opening line, Present mode and the exported report cannot disagree.

Ranking rule for findings: severity first (fail, then warn), then the size of the effect on the
model (``Check.effect``), each area measuring it in its own natural unit, scaled so that 1 is
"as large as it gets":

- Performance: the relative loss of the headline metric (0.1 = 10 % worse);
- Uncertainty: the coverage shortfall relative to its target (0.9 -> 0.71 gives 0.21);
- Stress tests: the worst perturbation's effect (share of decisions flipped, or mean change in
  standard deviations of the prediction) at the default severity;
- Explanation shift: the largest change of one input's attribution, as a share of the reference's
  whole attribution;
- Data drift: the share of inputs that drifted;
- Data quality: the share of rows the worst finding touches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from robustness.formatting import count, number, share
from robustness.report.scorecard import AREAS, STATUS_RANK, Check, TrustReport

if TYPE_CHECKING:
    from robustness.compare import ComparisonResult

__all__ = [
    "AREA_PAGES",
    "AreaStatus",
    "ChallengerSection",
    "Finding",
    "Story",
    "challenger_section",
    "story_of",
    "STATUS_WORDS",
    "worst_first",
]

#: The page (file in pages/) that shows each area.
AREA_PAGES = {
    "Data quality": "drift.py",
    "Data drift": "drift.py",
    "Stress tests": "stress.py",
    "Explanation shift": "explain.py",
    "Performance": "performance.py",
    "Uncertainty": "performance.py",
}

STATUS_WORDS = {"pass": "Pass", "warn": "Warning", "fail": "Fail", "skipped": "Not checked"}

# What a finding means for the people who rely on the model, and what to do about it.
_CONSEQUENCE = {
    "Data quality": (
        "Some current rows are unlike anything the model was built on, so its predictions there are guesses."
    ),
    "Data drift": (
        "The model now sees data that differ from what it was validated on, so its validated accuracy may not hold."
    ),
    "Stress tests": (
        "Ordinary data errors in production (wrong units, noise, missing values) would change its decisions."
    ),
    "Explanation shift": "The model now reaches its predictions differently than when it was validated.",
    "Performance": "The model is measurably less accurate on the data it sees now.",
    "Uncertainty": (
        "The model is more sure of itself than it should be, so its confidence cannot be taken at face value."
    ),
}
_NEXT_STEP = {
    "Data quality": (
        "Fix the data feed (units, entry errors, new categories) or retrain on data that covers these cases."
    ),
    "Data drift": "Check whether the change is real; if it is, retrain or recalibrate on recent data.",
    "Stress tests": (
        "Add input validation (ranges, units, allowed categories) in front of the model, or train it on noisier data."
    ),
    "Explanation shift": (
        "Review the inputs whose influence changed with the model's owners before trusting new decisions."
    ),
    "Performance": "Do not rely on the model's decisions unchecked; retrain on recent labelled data.",
    "Uncertainty": "Recalibrate the model's confidence on recent labelled data before using its scores for thresholds.",
}


@dataclass(frozen=True)
class AreaStatus:
    area: str
    status: str  # pass | warn | fail | skipped
    reason: str  # the check's technical sentence
    plain: str  # the same facts in words
    page: str  # file in pages/

    def text(self, plain: bool) -> str:
        return self.plain if plain else self.reason


@dataclass(frozen=True)
class Finding:
    area: str
    status: str  # warn | fail
    headline: str  # plain sentence: what was found
    technical: str  # the check's technical sentence
    consequence: str  # what it means
    next_step: str  # what to do
    effect: float
    page: str


@dataclass(frozen=True)
class Story:
    verdict: str  # pass | warn | fail
    sentence: str  # the verdict in one sentence
    areas: tuple[AreaStatus, ...]
    findings: tuple[Finding, ...]  # every warn/fail, worst first
    next_step: str
    caveats: tuple[str, ...] = ()  # what limits the conclusions themselves (e.g. a reference that is training data)

    def area(self, name: str) -> AreaStatus | None:
        return next((a for a in self.areas if a.area == name), None)

    def top(self, n: int = 3) -> tuple[Finding, ...]:
        return self.findings[:n]

    def to_dict(self) -> dict:
        return {
            "verdict": self.verdict,
            "sentence": self.sentence,
            "next_step": self.next_step,
            "caveats": list(self.caveats),
            "areas": [{"area": a.area, "status": a.status, "reason": a.reason, "plain": a.plain} for a in self.areas],
            "findings": [
                {
                    "area": f.area,
                    "status": f.status,
                    "headline": f.headline,
                    "consequence": f.consequence,
                    "next_step": f.next_step,
                    "effect": round(f.effect, 4),
                }
                for f in self.findings
            ],
        }


def story_of(report: TrustReport) -> Story:
    areas = tuple(
        AreaStatus(c.name, c.status, c.summary, c.plain_summary, AREA_PAGES.get(c.name, "report.py"))
        for c in report.checks
        if c.name in AREAS
    )
    ranked = [c for c in worst_first(report.checks) if c.status in ("warn", "fail")]
    findings = tuple(
        Finding(
            c.name,
            c.status,
            c.plain_summary,
            c.summary,
            _CONSEQUENCE.get(c.name, ""),
            _NEXT_STEP.get(c.name, ""),
            float(c.effect),
            AREA_PAGES.get(c.name, "report.py"),
        )
        for c in ranked
    )
    verdict = report.verdict
    failing = [f.area.lower() for f in findings if f.status == "fail"]
    warning = [f.area.lower() for f in findings if f.status == "warn"]
    judged = sum(a.status != "skipped" for a in areas)
    if verdict == "fail":
        sentence = (
            f"Do not trust this model on the current data as it is: {_count(len(failing))} of {judged} checks "
            f"fail ({_join(failing)})" + (f" and {_count(len(warning))} warn." if warning else ".")
        )
    elif verdict == "warn":
        sentence = (
            f"Usable with care: nothing fails, but {_count(len(warning))} of {judged} checks warn ({_join(warning)})."
        )
    else:
        sentence = f"Trustworthy on the current data: all {judged} checks pass."
    skipped = [a.area.lower() for a in areas if a.status == "skipped"]
    if skipped:
        sentence += f" Not checked: {_join(skipped)}."
    next_step = (
        findings[0].next_step if findings else "Keep monitoring: run these checks again on the next batch of data."
    )
    caveats = tuple(
        dict.fromkeys(
            str(c.metrics["caveat"]) for c in report.checks if isinstance(c.metrics, dict) and c.metrics.get("caveat")
        )
    )
    return Story(verdict, sentence, areas, findings, next_step, caveats)


def worst_first(checks) -> list[Check]:
    """Checks ordered by severity (fail, warn, pass, skipped), then by effect on the model, then area order."""
    return sorted(
        checks,
        key=lambda c: (-STATUS_RANK[c.status], -c.effect, AREAS.index(c.name) if c.name in AREAS else len(AREAS)),
    )


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def _count(n: int) -> str:
    return "no" if n == 0 else count(n)


# ---------------------------------------------------------------- champion vs challenger
VERDICT_WORDS = {"better": "Better", "worse": "Worse", "no_difference": "No significant difference"}
# robustness.compare.TEST_LABELS, repeated: importing the comparison would load numpy and pandas on the first page
_TESTS = {
    "mcnemar_midp": "McNemar mid-p",
    "delong": "DeLong",
    "delong_ovr": "DeLong one-vs-rest",
    "paired_t": "paired t test",
    "wilcoxon": "Wilcoxon",
}


@dataclass(frozen=True)
class ChallengerSection:
    """The report's "Champion vs challenger" section: the verdict, the headline metric's difference with its
    paired interval, and the robustness cost, in sentences (plain text: the exports escape them)."""

    champion: str  # the models' names (file or demo names)
    challenger: str
    verdict: str  # better | worse | no_difference (on the headline metric of the current data)
    verdict_data: str  # the data the verdict is on
    headline: str  # the verdict in one sentence
    difference: str  # the headline metric: both values, the difference, its interval and test
    robustness: str  # the robustness cost under the stress suite
    summary: str  # the comparison's whole paragraph
    findings: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "champion": self.champion,
            "challenger": self.challenger,
            "verdict": self.verdict,
            "verdict_data": self.verdict_data,
            "headline": self.headline,
            "difference": self.difference,
            "robustness": self.robustness,
            "summary": self.summary,
            "findings": list(self.findings),
        }


def challenger_section(report: TrustReport) -> ChallengerSection | None:
    """The section of a report a comparison was attached to (:func:`robustness.report.run.with_challenger`), or
    None."""
    result = report.results.get("compare") if isinstance(report.results, dict) else None
    if result is None:
        return None
    names = report.manifest.get("challenger") or {}
    champion = str((report.manifest.get("model") or {}).get("name") or "the model")
    return challenger_story(result, champion=champion, challenger=str(names.get("name") or "the challenger"))


def challenger_story(result: ComparisonResult, *, champion: str, challenger: str) -> ChallengerSection:
    from robustness.performance.metrics import LABELS

    label = LABELS.get(result.headline, result.headline)
    m = result.metric(result.headline, result.verdict_data) if result.verdict_data != "none" else None
    word = {"better": "better than", "worse": "worse than", "no_difference": "not significantly different from"}
    if m is None:
        headline = "Neither data set has labels, so no metric of the two models could be compared."
        difference = "No labelled rows: no difference of a metric could be measured."
    else:
        headline = f"The challenger is {word[result.verdict]} the champion on {label} ({result.verdict_data} data)."
        within = (
            f"paired {share(result.level)} interval from {number(m.low, signed=True)} to {number(m.high, signed=True)}"
            if m.low is not None and m.high is not None
            else "no interval"
        )
        test = f"{_TESTS.get(m.test, m.test)} p-value {number(m.p_value)}" if m.p_value is not None else "no test"
        difference = (
            f"{label} on the {m.data} data ({count(m.n_rows)} rows): challenger {number(m.challenger)} against "
            f"champion {number(m.champion)}, a difference of {number(m.difference, signed=True)} ({within}; {test})."
        )
    return ChallengerSection(
        champion=champion,
        challenger=challenger,
        verdict=result.verdict,
        verdict_data=result.verdict_data,
        headline=headline,
        difference=difference,
        robustness=_robustness_cost(result),
        summary=result.summary,
        findings=tuple(result.findings),
    )


def _robustness_cost(result: ComparisonResult) -> str:
    judged = [s for s in result.stress if s.judged]
    if not judged:
        return "Robustness not compared: the stress suite did not run for both models."
    classifier = result.task != "regression"
    value = share if classifier else number
    measure = "of predictions flip" if classifier else "mean change of the predictions relative to their spread"
    fragile = [s for s in judged if s.more_robust == "champion"]
    sturdier = [s for s in judged if s.more_robust == "challenger"]
    if fragile:
        w = max(fragile, key=lambda s: (s.challenger or 0.0) - (s.champion or 0.0))
        return (
            f"Robustness cost: the challenger is more fragile under {count(len(fragile))} of {count(len(judged))} "
            f"perturbations; worst {w.label}: {value(w.challenger)} {measure} against {value(w.champion)} for the "
            "champion" + (f"; it is more robust under {count(len(sturdier))}." if sturdier else ".")
        )
    if sturdier:
        return (
            f"No robustness cost: the challenger is more robust under {count(len(sturdier))} of "
            f"{count(len(judged))} perturbations and as robust under the rest."
        )
    return f"No robustness cost: the two react alike to all {count(len(judged))} perturbations."
