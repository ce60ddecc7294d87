"""What figures and pages call things, in Plain or Technical words.

Plain words name what a number means to someone who relies on the model ("Probability error",
"how much each input pushes the prediction"); Technical words are the names a data scientist
searches for ("Brier score", "mean |SHAP value|", "log-odds", "ECE"). Plain never uses the
jargon in :data:`JARGON` on its own.
"""

from __future__ import annotations

from robustness.formatting import count, number, share
from robustness.performance.metrics import HIGHER_IS_BETTER, LABELS

__all__ = [
    "HIGHER",
    "JARGON",
    "LOWER",
    "calibration_sentence",
    "contribution_label",
    "higher_is_better",
    "metric_label",
    "metric_meaning",
    "scale_label",
]

#: Words Plain mode does not use on their own.
JARGON = ("log-odds", "Brier", "ECE", "SHAP")

HIGHER = "Higher is better ↑"
LOWER = "Lower is better ↓"

_PLAIN_METRICS = {
    "accuracy": "Accuracy",
    "precision": "Precision",
    "recall": "Recall",
    "f1": "F1 (precision and recall together)",
    "roc_auc": "Ranking quality (ROC AUC)",
    "pr_auc": "Precision-recall quality (PR AUC)",
    "log_loss": "Penalty for confident mistakes",
    "brier": "Probability error",
    "mae": "Average error (MAE)",
    "rmse": "Typical error (RMSE)",
    "r2": "Variation explained (R²)",
}
_MEANING = {
    "accuracy": "the share of predictions that are right",
    "precision": "of the rows predicted as {positive}, the share that truly are",
    "recall": "of the rows that truly are {positive}, the share the model finds",
    "f1": "precision and recall in one number",
    "roc_auc": "how well the model ranks {positive} rows above the others (0.5 = chance, 1 = perfect)",
    "pr_auc": "precision averaged over every threshold",
    "log_loss": "how heavily confident wrong predictions weigh (0 = none)",
    "brier": "the average squared gap between the predicted probability and what happened (0 = none)",
    "mae": "the average size of an error, in the target's unit",
    "rmse": "the typical size of an error, large errors weighed more",
    "r2": "the share of the target's variation the model explains (1 = all)",
}
_PLAIN_SCALES = {
    "log-odds": "model score",
    "raw score": "model score",
    "probability": "probability",
    "prediction": "prediction",
}


def metric_label(name: str, *, plain: bool) -> str:
    """ "Probability error" (plain) or "Brier score" (technical)."""
    return _PLAIN_METRICS.get(name, LABELS.get(name, name)) if plain else LABELS.get(name, name)


def metric_meaning(name: str, positive: str | None = None) -> str:
    """What the metric measures, in words ("{positive}": the positive class's name)."""
    text = _MEANING.get(name, "")
    return text.replace("{positive}", f"'{positive}'" if positive else "the positive class")


def higher_is_better(name: str) -> bool:
    return HIGHER_IS_BETTER.get(name, True)


def scale_label(scale: str, *, plain: bool) -> str:
    """The scale explanations are on: "log-odds" (technical) or "model score" (plain)."""
    return _PLAIN_SCALES.get(scale, scale) if plain else scale


def contribution_label(*, plain: bool, mean: bool = False) -> str:
    """ "mean |SHAP value|" / "SHAP value" (technical); "average push" / "push" (plain)."""
    if plain:
        return "average push, either way" if mean else "push on the prediction"
    return "mean |SHAP value|" if mean else "SHAP value"


def _pick_bin(cal, near: float = 0.8) -> int | None:
    """The calibration bin to speak of: the one nearest ``near`` among bins with a fair share of the rows."""
    counts = list(cal.counts)
    if not counts:
        return None
    total = sum(counts)
    fair = [i for i, n in enumerate(counts) if n >= max(20, 0.02 * total)] or list(range(len(counts)))
    return min(fair, key=lambda i: (abs(float(cal.confidence[i]) - near), -counts[i]))


def calibration_sentence(cal, *, positive: str | None = None, plain: bool = True, dataset: str = "") -> str:
    """Calibration in one sentence: "When the model says about 80%, it is right 74% of the time; its
    probabilities are off by 3.5 points on average." (plain) or the ECE with its bins (technical)."""
    where = f" on {dataset}" if dataset else ""
    if not plain:
        return (
            f"Expected calibration error (ECE){where}: {number(cal.ece)} ({cal.what}, "
            f"{count(len(cal.counts))} non-empty bins of ten)."
        )
    i = _pick_bin(cal)
    off = f"its probabilities are off by {number(100 * cal.ece)} percentage points on average{where}"
    if i is None:
        return off[0].upper() + off[1:] + "."
    said, seen, n = share(cal.confidence[i]), share(cal.observed[i]), count(cal.counts[i])
    if "positive" in cal.what:
        name = f"'{positive}'" if positive else "the positive class"
        head = f"When the model gives {name} a probability of about {said}, it happens {seen} of the time"
    else:
        head = f"When the model says it is about {said} sure, it is right {seen} of the time"
    return f"{head} ({n} rows{where}); {off.replace(where, '')}."
