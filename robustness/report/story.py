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

from robustness.formatting import count
from robustness.report.scorecard import AREAS, STATUS_RANK, Check, TrustReport

__all__ = ["AREA_PAGES", "AreaStatus", "Finding", "Story", "story_of", "STATUS_WORDS", "worst_first"]

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
