"""A stress result in plain words: what the trust report and the Stress tests page say first.

No registry names, severities or statistics jargon: a perturbation is named by its plain phrase
(``PerturbationSpec.plain``: "a unit error (×10) in 25% of values"), an effect by what it does to
the predictions ("changes 22.8% of its predictions", "moves its predictions on average by 97.1% of
their normal variation"). The worst verdict is :func:`~robustness.stress.config.worst_verdict`,
so every sentence names the same one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from robustness.formatting import number, share
from robustness.models import Task
from robustness.stress.config import Verdict, worst_verdict
from robustness.stress.perturbations import phrase_of

if TYPE_CHECKING:
    from robustness.stress.results import StressResult

__all__ = [
    "counts_in_words",
    "effect_in_words",
    "percent",
    "plain_summary",
    "short_effect",
    "short_size",
    "verdict_in_words",
]


def percent(value: float) -> str:
    """A share as the one number format writes it (robustness.formatting.share): 22.8% from 0.228, 5.6%."""
    return share(value)


def effect_in_words(value: float, *, classifier: bool) -> str:
    """What one measured value does to the predictions, e.g. "changes 22.8% of its predictions"."""
    if classifier:
        return f"changes {percent(value)} of its predictions"
    size = f"{number(value)} times" if value >= 1 else percent(value) + " of"
    return f"moves its predictions on average by {size} their normal variation"


def short_size(v: Verdict) -> str:
    """A verdict's value as a percent ("22.8%": of predictions changed, or of their normal variation); "error"."""
    return "error" if v.status == "error" or v.value is None else percent(v.value)


def short_effect(v: Verdict, *, classifier: bool) -> str:
    """ "22.8% of predictions change", "predictions move by 97.1% of their normal variation",
    "the model cannot score it"."""
    if v.status == "error" or v.value is None:
        return "the model cannot score it"
    if classifier:
        return f"{short_size(v)} of predictions change"
    return f"predictions move by {short_size(v)} of their normal variation"


def verdict_in_words(v: Verdict, *, classifier: bool) -> str:
    """One verdict in plain words: "a unit error (×10) in 25% of values changes 22.8% of its predictions"."""
    what = phrase_of(v.perturbation, v.severity)
    if v.status == "error" or v.value is None:
        return f"the model cannot score data with {what}"
    return f"{what} {effect_in_words(v.value, classifier=classifier)}"


def counts_in_words(verdicts: Iterable[Verdict]) -> str:
    """ "4 of 14 kinds of error fail, 3 warn" (errors count as failing);
    "none of the 14 kinds of error warns or fails"."""
    verdicts = list(verdicts)
    n = len(verdicts)
    failing = sum(v.status in ("fail", "error") for v in verdicts)
    warning = sum(v.status == "warn" for v in verdicts)
    crashed = sum(v.status == "error" for v in verdicts)
    kinds = f"{n} kind{'s' if n != 1 else ''} of error"
    if not failing and not warning:
        return f"none of the {kinds} tried warns or fails" if n != 1 else "the one kind of error tried passes"
    parts = []
    if failing:
        parts.append(
            f"{failing} of {kinds} fail{'s' if failing == 1 else ''}"
            + (f" ({crashed} because the model cannot score the data)" if crashed else "")
        )
    if warning:
        verb = "warns" if warning == 1 else "warn"
        parts.append(f"{warning} {verb}" if parts else f"{warning} of {kinds} {verb}")
    return ", ".join(parts)


def plain_summary(result: StressResult) -> str:
    """The stress result in one sentence a stakeholder reads (the trust report's ``plain``), e.g. "Realistic
    data errors change the model's decisions: a unit error (×10) in 25% of values changes 22.8% of its
    predictions; 4 of 14 kinds of error fail, 3 warn."."""
    verdicts = tuple(result.verdicts)
    worst = worst_verdict(verdicts)
    classifier = result.task != Task.REGRESSION
    noun = "decisions" if classifier else "predictions"
    if worst is None:
        return "No kind of data error could be tried on the model's inputs."
    said = verdict_in_words(worst, classifier=classifier)
    counts = counts_in_words(verdicts)
    if worst.status == "pass":
        return f"The model's {noun} hold up under realistic data errors: at most, {said}; {counts}."
    if worst.status == "error":
        return f"Realistic data errors break the model: {said}; {counts}."
    some = "some of " if worst.status == "warn" else ""
    return f"Realistic data errors change {some}the model's {noun}: {said}; {counts}."
