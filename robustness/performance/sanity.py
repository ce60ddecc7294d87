"""Does the reference look like the model's training data?

Everything calibrated on the reference (the label-free performance estimate, the conformal
prediction sets and intervals) assumes the model meets the reference rows as it meets new data.
When the reference is the model's own training set, its scores on the reference are inflated and
those estimates are over-confident. ``reference_sanity(model, reference, target=...)`` looks for
two signs, on a seeded sample of at most ``max_rows`` labelled reference rows:

- **A fit far better than cross-validation** (when the model is a scikit-learn estimator): a clone
  of the estimator is re-fitted in ``folds``-fold cross-validation (stratified for classifiers) on
  the sample and compared with the model's own score on the same rows. The reference looks like
  training data when the model beats cross-validation

  - by at least ``ACCURACY_GAP`` (0.05) accuracy, for classifiers; or by at least
    ``NEAR_PERFECT_GAP`` (0.02) when its own score is near-perfect (below): on an easy task that
    cross-validates at 0.97 a model cannot beat cross-validation by 0.05, yet a perfect score on the
    reference still makes its prediction sets too small;
  - with errors at least ``ERROR_RATIO`` (1.5) times smaller, for regressors (RMSE in
    cross-validation over RMSE on the reference, computed as the root of
    (1 − R² in cross-validation) / (1 − R² on the reference)). R² gaps shrink near 1 (0.993 against
    0.941 is a gap of 0.05, yet errors 2.8 times as large on unseen rows, so prediction intervals
    about 2.8 times too narrow); the error ratio is what the intervals feel;

  and, in both cases, by more than ``SPREAD_FACTOR`` (2) times the spread (standard deviation) of
  the folds' scores, so that the gap is not noise. A model trained on many more rows than the
  re-fitted folds see can beat them somewhat for that reason alone; the thresholds leave room for it
  (on the demos, whose reference is held out, the gaps are 0.00-0.03 accuracy and an error ratio of
  about 1.3).
- **Near-perfect scores**, when the model cannot be re-fitted (ONNX, predictions read from columns,
  an estimator that cannot be cloned or fitted): accuracy of at least ``NEAR_PERFECT_ACCURACY``
  (0.99) with a log-loss of at most ``NEAR_PERFECT_LOG_LOSS`` (0.1, when the model gives
  probabilities; a random forest on its own training rows scores about 0.05-0.08), or R² of at least
  ``NEAR_PERFECT_R2`` (0.99). When cross-validation does run it decides: a re-fitted model that is
  near-perfect too means an easy task, not training data.

Cost: one prediction on the sample and ``folds`` fits on 80% of it (about 1-2 s per demo on one
core; the estimator's own settings, n_jobs included, are kept). Nothing here raises because a model
cannot be cloned or fitted: ``cv_skipped`` then says why there is no cross-validation and the
near-perfect rule alone decides; with no labelled reference ``checked`` is False. The fix in every
flagged case: a held-out validation set the model never saw in training.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
import warnings
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from robustness.errors import ConfigError, RobustnessError
from robustness.formatting import count, number
from robustness.jsonsafe import to_json_safe
from robustness.models import ModelAdapter, SklearnAdapter

__all__ = [
    "ReferenceSanity",
    "reference_sanity",
    "ACCURACY_GAP",
    "ERROR_RATIO",
    "NEAR_PERFECT_ACCURACY",
    "NEAR_PERFECT_GAP",
    "NEAR_PERFECT_LOG_LOSS",
    "NEAR_PERFECT_R2",
    "SPREAD_FACTOR",
]

ACCURACY_GAP = 0.05  # reference accuracy this much above cross-validation: fits the reference far better
NEAR_PERFECT_GAP = 0.02  # ... or this much above, when the reference accuracy is near-perfect
ERROR_RATIO = 1.5  # regressors: cross-validated RMSE this many times the reference RMSE
SPREAD_FACTOR = 2.0  # ... and the gap beyond this many standard deviations of the folds' scores
NEAR_PERFECT_ACCURACY = 0.99
NEAR_PERFECT_LOG_LOSS = 0.1
NEAR_PERFECT_R2 = 0.99
MIN_ROWS = 50  # fewer labelled reference rows: not checked
ADVICE = "upload a held-out validation set (rows the model never saw in training) as the reference"


@dataclass(frozen=True)
class ReferenceSanity:
    looks_like_training: bool
    reason: str  # one plain sentence with the numbers (and what to do when flagged)
    metric: str  # "accuracy" (classifiers) | "r2" (regressors)
    reference_score: float | None  # the model's score on the sampled reference rows
    cv_score: float | None  # mean score of a re-fitted clone over the folds; None when not cross-validated
    cv_spread: float | None = None  # standard deviation of the folds' scores
    log_loss: float | None = None  # classifiers with probabilities
    n_rows: int = 0  # labelled reference rows used
    folds: int = 0  # folds that were fitted and scored (0: no cross-validation)
    checked: bool = True  # False: neither sign could be looked at (reason says why)
    cv_skipped: str = ""  # why there is no cross-validation, when there is none
    seconds: float = 0.0

    @property
    def caveat(self) -> str:
        """The sentence other views show when the reference looks like training data, else ""."""
        if not self.looks_like_training:
            return ""
        name = _metric_name(self.metric)
        if self.cv_score is not None:
            facts = f"{name} {number(self.reference_score)} on it, {number(self.cv_score)} in cross-validation"
        elif self.log_loss is not None:
            facts = f"{name} {number(self.reference_score)} and log-loss {number(self.log_loss)} on it"
        else:
            facts = f"{name} {number(self.reference_score)} on it"
        what = "prediction sets" if self.metric == "accuracy" else "prediction intervals"
        return (
            f"The reference looks like the model's training data ({facts}): the label-free estimate and the "
            f"{what} will be over-confident; {ADVICE}."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "looks_like_training": self.looks_like_training,
            "reason": self.reason,
            "metric": self.metric,
            "reference_score": to_json_safe(self.reference_score),
            "cv_score": to_json_safe(self.cv_score),
            "cv_spread": to_json_safe(self.cv_spread),
            "log_loss": to_json_safe(self.log_loss),
            "n_rows": self.n_rows,
            "folds": self.folds,
            "checked": self.checked,
            "cv_skipped": self.cv_skipped,
            "caveat": self.caveat,
            "seconds": round(self.seconds, 3),
        }


# The answer for a model object and a reference's content, kept for the last few: a report asks twice
# (performance and uncertainty), and a run of reports on the same reference (the demo history, a CLI
# batch, the app's pages) asks again; the cross-validation is 1-2 s each time. The model is held weakly
# and compared by identity: a fitted model is not changed in place.
_MemoKey = tuple[int, str, str, int, int, int]  # (id(model), reference content hash, target, max_rows, folds, seed)
_MEMO: OrderedDict[_MemoKey, tuple[weakref.ref[ModelAdapter], ReferenceSanity]] = OrderedDict()
_MEMO_SIZE = 16
_MEMO_LOCK = threading.Lock()


def _content_key(frame: pd.DataFrame) -> str:
    h = hashlib.sha256()
    h.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return h.hexdigest()


def reference_sanity(
    model: ModelAdapter, reference: pd.DataFrame, *, target: str, max_rows: int = 2000, folds: int = 5, seed: int = 0
) -> ReferenceSanity:
    """Whether ``reference`` looks like ``model``'s training data (see the module docstring)."""
    try:
        ref = weakref.ref(model)
        key: _MemoKey | None = (id(model), _content_key(reference), target, max_rows, folds, seed)
    except TypeError:  # a model that cannot be referenced weakly, or a column pandas cannot hash: no memo
        key = None
    if key is not None:
        with _MEMO_LOCK:
            hit = _MEMO.get(key)
        if hit is not None and hit[0]() is model:
            return hit[1]
    result = _reference_sanity(model, reference, target=target, max_rows=max_rows, folds=folds, seed=seed)
    if key is not None:
        with _MEMO_LOCK:
            _MEMO[key] = (ref, result)
            _MEMO.move_to_end(key)
            while len(_MEMO) > _MEMO_SIZE:
                _MEMO.popitem(last=False)
    return result


def _reference_sanity(
    model: ModelAdapter, reference: pd.DataFrame, *, target: str, max_rows: int, folds: int, seed: int
) -> ReferenceSanity:
    if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < MIN_ROWS:
        raise ConfigError(f"max_rows must be a whole number of at least {MIN_ROWS}, not {max_rows!r}.")
    if isinstance(folds, bool) or not isinstance(folds, int) or folds < 2:
        raise ConfigError(f"folds must be a whole number of at least 2, not {folds!r}.")
    start = time.perf_counter()
    metric = "accuracy" if model.is_classifier else "r2"
    if target not in reference.columns:
        return _unchecked(
            metric, f"Not checked whether the reference is training data: it has no target column '{target}'.", start
        )
    rows = reference[reference[target].notna()]
    if len(rows) < MIN_ROWS:
        return _unchecked(
            metric,
            f"Not checked whether the reference is training data: only {count(len(rows))} "
            f"reference rows have a label (at least {MIN_ROWS} are needed).",
            start,
        )
    if len(rows) > max_rows:
        keep = np.sort(np.random.default_rng(seed).choice(len(rows), max_rows, replace=False))
        rows = rows.iloc[keep]
    try:
        score, log_loss = _own_score(model, rows, target)
    except RobustnessError as err:  # the model cannot score these rows: the other checks say so in full
        return _unchecked(metric, f"Not checked whether the reference is training data: {err}", start)
    if score is None:
        return _unchecked(
            metric,
            "Not checked whether the reference is training data: the target has a single "
            "value on the reference, so R² is undefined.",
            start,
        )
    fold_scores, skipped = _cross_validate(model, rows, target, folds=folds, seed=seed)
    n = len(rows)
    name = _metric_name(metric)
    on_ref = f"The model scores {name} {number(score)} on {count(n)} reference rows"
    if fold_scores is None:
        near = _near_perfect(metric, score, log_loss)
        ll = f" with log-loss {number(log_loss)}" if log_loss is not None else ""
        if near:
            reason = (
                f"{on_ref}{ll}, near-perfect as on training data ({skipped}, so this could not be "
                f"cross-checked); {ADVICE}."
            )
        else:
            reason = f"{on_ref}{ll}, not near-perfect, so it does not look like training data ({skipped})."
        return ReferenceSanity(
            near, reason, metric, score, None, None, log_loss, n, 0, True, skipped, time.perf_counter() - start
        )
    cv, spread = float(np.mean(fold_scores)), float(np.std(fold_scores))
    gap, near = score - cv, _near_perfect(metric, score, log_loss)
    cv_text = (
        f"{number(cv)} when re-fitted in {len(fold_scores)}-fold cross-validation on them "
        f"(folds spread ±{number(spread)})"
    )
    if metric == "accuracy":
        large, size = gap >= ACCURACY_GAP or (near and gap >= NEAR_PERFECT_GAP), f"{number(gap)} higher"
    else:
        ratio = _error_ratio(score, cv)
        large = ratio >= ERROR_RATIO
        size = (
            "errors far larger on unseen rows"
            if math.isinf(ratio)
            else f"errors {number(ratio)} times as large on unseen rows"
        )
    flagged = bool(large and gap > SPREAD_FACTOR * spread)
    if flagged:
        reason = (
            f"{on_ref} but {cv_text}, {size}: it fits the reference far better than data it has not seen, "
            f"as it would its training data; {ADVICE}."
        )
    elif near:
        reason = (
            f"{on_ref} and {cv_text}: near-perfect, but a model re-fitted on other reference rows comes "
            "close, so the task looks easy rather than the reference being training data."
        )
    else:
        reason = f"{on_ref} and {cv_text}: no sign that the reference is its training data."
    return ReferenceSanity(
        flagged, reason, metric, score, cv, spread, log_loss, n, len(fold_scores), True, "", time.perf_counter() - start
    )


# -- helpers ---------------------------------------------------------------------------------


def _unchecked(metric: str, reason: str, start: float) -> ReferenceSanity:
    return ReferenceSanity(
        False, reason, metric, None, None, checked=False, cv_skipped=reason, seconds=time.perf_counter() - start
    )


def _metric_name(metric: str) -> str:
    return "accuracy" if metric == "accuracy" else "R²"


def _near_perfect(metric: str, score: float, log_loss: float | None) -> bool:
    if metric == "accuracy":
        return score >= NEAR_PERFECT_ACCURACY and (log_loss is None or log_loss <= NEAR_PERFECT_LOG_LOSS)
    return score >= NEAR_PERFECT_R2


def _error_ratio(r2_reference: float, r2_cv: float) -> float:
    """RMSE in cross-validation over RMSE on the reference (both over the same target variance)."""
    unexplained_ref, unexplained_cv = max(1 - r2_reference, 0.0), max(1 - r2_cv, 0.0)
    if unexplained_ref == 0:
        return math.inf if unexplained_cv > 0 else 1.0
    return math.sqrt(unexplained_cv / unexplained_ref)


def _own_score(model: ModelAdapter, rows: pd.DataFrame, target: str) -> tuple[float | None, float | None]:
    """The model's accuracy (and log-loss) or R² on ``rows``."""
    from robustness.performance.evaluate import labelled

    d, _ = labelled(model, rows, target, name="reference")
    if model.is_classifier:
        accuracy = float(np.mean(d.y == d.pred))
        log_loss = None
        known = d.y >= 0
        if d.proba is not None and known.any():
            p = d.proba[np.flatnonzero(known), d.y[known]]
            log_loss = max(0.0, float(-np.mean(np.log(np.clip(p, 1e-15, 1.0)))))
        return accuracy, log_loss
    total = float(np.sum((d.y - d.y.mean()) ** 2))
    if total == 0:
        return None, None
    return 1 - float(np.sum((d.y - d.pred) ** 2)) / total, None


def _cross_validate(
    model: ModelAdapter, rows: pd.DataFrame, target: str, *, folds: int, seed: int
) -> tuple[np.ndarray | None, str]:
    """The folds' scores of a re-fitted clone, or None and why there are none."""
    from sklearn.base import clone
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score

    if not model.has_model:
        return None, "the predictions are read from columns, so there is no model to re-fit"
    estimator = getattr(model, "estimator", None)
    if not isinstance(model, SklearnAdapter) or estimator is None:
        return None, f"a {model.source} model cannot be re-fitted here"
    kind = type(estimator).__name__
    try:
        fresh = clone(estimator)
    except (TypeError, RuntimeError, ValueError) as exc:  # no get_params, or parameters it does not keep
        return None, f"the {kind} could not be copied for re-fitting ({type(exc).__name__})"
    try:
        X = model._model_input(rows.drop(columns=[target]), "the reference data")
    except RobustnessError as exc:  # its features include the target itself: nothing to learn it from
        return None, f"the {kind}'s inputs could not be separated from the target ({_short(exc)})"
    y = rows[target].to_numpy()
    if model.is_classifier:
        smallest = int(pd.Series(y).value_counts().min())
        n_splits = min(folds, smallest)
        if n_splits < 2:
            return None, "a class has a single labelled reference row, too few to cross-validate"
        splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    else:
        splitter = KFold(n_splits=folds, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # failed folds become NaN (error_score) and are counted below
        try:
            scores = cross_val_score(
                fresh, X, y, cv=splitter, scoring="accuracy" if model.is_classifier else "r2", error_score=np.nan
            )
        except ValueError as exc:  # scikit-learn raises this when every fold failed to fit
            return None, f"re-fitting the {kind} failed ({_last_line(exc)})"
    scores = np.asarray(scores, dtype=float)
    scores = scores[np.isfinite(scores)]
    if scores.size < 2:
        return None, f"re-fitting the {kind} failed on most folds"
    return scores, ""


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:160].rstrip(".")
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _last_line(exc: BaseException) -> str:
    """scikit-learn's "all fits failed" message ends with the fit's own error, e.g. 'RuntimeError: ...'."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[-1][:160].rstrip(".") if lines else type(exc).__name__
