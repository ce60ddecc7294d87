"""What changed between two stored runs, and whether anything got worse.

- checks whose status changed (pass -> warn -> fail and back); a check that ran in one run only is listed
  but is neither better nor worse;
- columns newly drifted, and columns no longer drifted;
- every metric both runs have, with its change and whether that change is beyond the runs' intervals
  (the intervals do not overlap; with one interval, the other value lies outside it);
- the model and data that changed, by hash.

Something got worse when a check's status worsened, a column newly drifted, or a metric moved the wrong
way beyond the intervals.
"""

from __future__ import annotations

from dataclasses import dataclass

from robustness.formatting import number
from robustness.history.extract import HEADLINE_LABELS, HIGHER_IS_BETTER
from robustness.history.store import Run, RunSummary

__all__ = ["CheckChange", "HashChange", "MetricChange", "RunDiff", "diff_runs"]

RANK = {"pass": 0, "warn": 1, "fail": 2}


@dataclass(frozen=True)
class CheckChange:
    area: str
    before: str  # pass | warn | fail | skipped | absent
    after: str
    direction: str  # worse | better | not comparable


@dataclass(frozen=True)
class MetricChange:
    name: str
    dataset: str
    before: float
    after: float
    before_low: float | None
    before_high: float | None
    after_low: float | None
    after_high: float | None
    beyond_intervals: bool | None  # None: neither run has an interval for it
    direction: str  # worse | better | unchanged | changed (no better side) | within intervals

    @property
    def change(self) -> float:
        return self.after - self.before

    @property
    def label(self) -> str:
        return HEADLINE_LABELS.get(self.name, self.name.replace("_", " "))


@dataclass(frozen=True)
class HashChange:
    part: str  # model | reference data | current data
    before: str | None
    after: str | None


@dataclass(frozen=True)
class RunDiff:
    a: RunSummary
    b: RunSummary
    checks: tuple[CheckChange, ...]
    newly_drifted: tuple[str, ...]
    no_longer_drifted: tuple[str, ...]
    metrics: tuple[MetricChange, ...]
    changed: tuple[HashChange, ...]
    all_checks: tuple[CheckChange, ...] = ()  # every check of either run; unchanged ones 'same'

    @property
    def worse_checks(self) -> tuple[CheckChange, ...]:
        return tuple(c for c in self.checks if c.direction == "worse")

    @property
    def worse_metrics(self) -> tuple[MetricChange, ...]:
        return tuple(m for m in self.metrics if m.direction == "worse")

    @property
    def worse(self) -> bool:
        return bool(self.worse_checks or self.newly_drifted or self.worse_metrics)

    def sentence(self) -> str:
        """One sentence: what got worse, or that nothing did."""
        parts = []
        if self.worse_checks:
            parts.append("worse checks: " + ", ".join(f"{c.area} ({c.before} → {c.after})" for c in self.worse_checks))
        if self.newly_drifted:
            parts.append("newly drifted: " + _names(self.newly_drifted))
        if self.worse_metrics:
            parts.append(
                "worse beyond the intervals: " + ", ".join(f"{m.label} ({m.dataset})" for m in self.worse_metrics)
            )
        head = f"Run {self.b.id} against run {self.a.id}"
        if not parts:
            return f"{head}: nothing got worse."
        return f"{head}: something got worse; " + "; ".join(parts) + "."

    def text(self) -> str:
        lines = [
            f"Run {self.a.id} ({_when(self.a)}, {self.a.verdict.upper()}) -> run {self.b.id} "
            f"({_when(self.b)}, {self.b.verdict.upper()})",
            self.sentence(),
        ]
        if self.checks:
            lines.append("Checks whose status changed:")
            lines += [f"  {c.area}: {c.before} -> {c.after} ({c.direction})" for c in self.checks]
        else:
            lines.append("No check changed status.")
        if self.newly_drifted:
            lines.append(f"Columns newly drifted: {', '.join(self.newly_drifted)}")
        if self.no_longer_drifted:
            lines.append(f"Columns no longer drifted: {', '.join(self.no_longer_drifted)}")
        moved = [m for m in self.metrics if m.direction != "unchanged"]
        if moved:
            lines.append("Metrics:")
            for m in moved:
                lines.append(
                    f"  {m.label} ({m.dataset}): {_fmt(m.before)}{_iv(m.before_low, m.before_high)} -> "
                    f"{_fmt(m.after)}{_iv(m.after_low, m.after_high)}, "
                    f"change {number(m.change, signed=True)}: {m.direction}"
                    + ("" if m.beyond_intervals is None else (", beyond the intervals" if m.beyond_intervals else ""))
                )
        for h in self.changed:
            lines.append(f"Changed {h.part}: {_short(h.before)} -> {_short(h.after)}")
        if not self.changed:
            lines.append("Same model and data files (by hash).")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            "worse": self.worse,
            "summary": self.sentence(),
            "checks": [c.__dict__ for c in self.checks],
            "newly_drifted": list(self.newly_drifted),
            "no_longer_drifted": list(self.no_longer_drifted),
            "metrics": [{**m.__dict__, "change": m.change, "label": m.label} for m in self.metrics],
            "changed": [h.__dict__ for h in self.changed],
        }


def _when(s: RunSummary) -> str:
    return s.created_at.strftime("%Y-%m-%d %H:%M UTC")


def _names(items, limit: int = 6) -> str:
    items = list(items)
    return ", ".join(items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _fmt(x: float) -> str:
    return number(x)


def _iv(low, high) -> str:
    return "" if low is None or high is None else f" [{number(low)}, {number(high)}]"


def _short(h: str | None) -> str:
    return "(none)" if not h else h[:12]


def _beyond(before, after) -> bool | None:
    a_iv = before.low is not None and before.high is not None
    b_iv = after.low is not None and after.high is not None
    if a_iv and b_iv:
        return after.low > before.high or after.high < before.low
    if a_iv:
        return not (before.low <= after.value <= before.high)
    if b_iv:
        return not (after.low <= before.value <= after.high)
    return None


def _metric_change(before, after) -> MetricChange:
    beyond = _beyond(before, after)
    change = after.value - before.value
    better_up = HIGHER_IS_BETTER.get(before.name)
    if change == 0:
        direction = "unchanged"
    elif beyond is False:
        direction = "within intervals"
    elif better_up is None:
        direction = "changed"
    elif beyond is None:  # no interval: the direction alone, never counted as worse
        direction = "higher" if change > 0 else "lower"
    else:
        direction = "better" if (change > 0) == better_up else "worse"
    return MetricChange(
        before.name,
        before.dataset,
        before.value,
        after.value,
        before.low,
        before.high,
        after.low,
        after.high,
        beyond,
        direction,
    )


def diff_runs(a: Run, b: Run) -> RunDiff:
    """What changed from run ``a`` to run ``b`` (``b`` is usually the later one)."""
    before = {c.area: c.status for c in a.checks}
    after = {c.area: c.status for c in b.checks}
    checks, every = [], []
    for area in list(before) + [x for x in after if x not in before]:
        s_a, s_b = before.get(area, "absent"), after.get(area, "absent")
        if s_a == s_b:
            every.append(CheckChange(area, s_a, s_b, "same"))
            continue
        if s_a in RANK and s_b in RANK:
            direction = "worse" if RANK[s_b] > RANK[s_a] else "better"
        else:
            direction = "not comparable"
        checks.append(CheckChange(area, s_a, s_b, direction))
        every.append(checks[-1])
    checks.sort(key=lambda c: ({"worse": 0, "better": 1}.get(c.direction, 2), -RANK.get(c.after, -1)))
    drifted_a = {d.column for d in a.drift if d.drifted}
    drifted_b = {d.column for d in b.drift if d.drifted}
    tested_b = {d.column for d in b.drift}
    newly = tuple(d.column for d in b.drift if d.drifted and d.column not in drifted_a)
    gone = tuple(d.column for d in a.drift if d.drifted and d.column not in drifted_b and d.column in tested_b)
    metrics_a = {(m.name, m.dataset): m for m in a.metrics if m.value is not None}
    metrics = tuple(
        _metric_change(metrics_a[(m.name, m.dataset)], m)
        for m in b.metrics
        if m.value is not None and (m.name, m.dataset) in metrics_a
    )
    changed = tuple(
        HashChange(part, x, y)
        for part, x, y in (
            ("model", a.summary.model_hash, b.summary.model_hash),
            ("reference data", a.summary.reference_hash, b.summary.reference_hash),
            ("current data", a.summary.current_hash, b.summary.current_hash),
        )
        if x != y
    )
    return RunDiff(a.summary, b.summary, tuple(checks), newly, gone, metrics, changed, tuple(every))
