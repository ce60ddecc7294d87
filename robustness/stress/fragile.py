"""Fragile rows and minimal changes: which predictions break first, and what flips one row.

- :func:`fragile_rows` ranks the suite's rows by the lowest severity at which any perturbation
  changed their predicted class (``run_stress`` keeps that per row and puts the top 20 in
  ``StressResult.fragile``).
- :func:`minimal_change` searches, black-box, for the smallest change of one row's inputs that
  changes a classifier's prediction. Distance: the sum over changed numerical columns of
  |Δ| / the reference standard deviation, plus 1 per changed categorical column. The search:

  1. every single-column move: numerical columns step away from the row's value in both
     directions by k × 0.1 standard deviations (k = 1, 2, ...) up to the reference range (or
     ``bounds``), whose ends are candidates too; categorical columns take each other reference
     category. Candidates are scored nearest first, in batches, and the search stops at the
     first batch holding a flip (so the flip found has the smallest single-column distance).
  2. if no single move flips the row: pairs, greedily. Columns are ranked by how far their best
     single move lowered the probability of the predicted class; for each of the top columns,
     its best move is combined with every single move of the other columns. The nearest flipping
     pair is then shortened along its first column.

  Every candidate row counts as one evaluation; the search never scores more than
  ``max_evaluations`` rows. Rows with a missing numerical value start from the reference median.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from robustness.errors import ConfigError, ModelError, RobustnessError
from robustness.formatting import class_label, count, number
from robustness.jsonsafe import py_scalar, to_json_safe
from robustness.models import ModelAdapter
from robustness.stress.perturbations import ReferenceStats

__all__ = ["FragileRow", "MinimalChange", "fragile_rows", "minimal_change"]

_FIRST_CHUNK = 64  # candidate rows in the first model call; doubling up to _CHUNK
_CHUNK = 512
_MAX_STEPS = 200  # numeric steps per direction (the step grows beyond range / 200)
_TOP_PAIRS = 5  # columns whose best move is combined with the others


@dataclass(frozen=True)
class FragileRow:
    row: object  # the index label in the data
    min_severity: float  # the lowest severity at which any perturbation flipped it
    perturbation: str  # which one (the first in suite order at that severity)
    values: dict[str, Any]  # the row's input values (JSON-safe)
    prediction: object
    flipped_to: object

    def to_dict(self) -> dict[str, Any]:
        return to_json_safe(
            {
                "row": self.row,
                "min_severity": self.min_severity,
                "perturbation": self.perturbation,
                "values": self.values,
                "prediction": self.prediction,
                "flipped_to": self.flipped_to,
            }
        )


@dataclass(frozen=True)
class MinimalChange:
    row: object
    found: bool
    original: object
    new_prediction: object | None
    changes: tuple[tuple[str, object, object], ...]  # (column, from, to)
    distance: float  # NaN when nothing was found
    evaluations: int
    message: str

    def to_dict(self) -> dict[str, Any]:
        return to_json_safe(
            {
                "row": self.row,
                "found": self.found,
                "original": self.original,
                "new_prediction": self.new_prediction,
                "changes": [list(c) for c in self.changes],
                "distance": self.distance,
                "evaluations": self.evaluations,
                "message": self.message,
            }
        )


def fragile_rows(
    sample: pd.DataFrame,
    *,
    min_severity: np.ndarray,
    perturbation: np.ndarray | Sequence[Any],
    prediction: np.ndarray | Sequence[Any],
    flipped_to: np.ndarray | Sequence[Any],
    confidence: np.ndarray | None = None,
    top: int = 20,
) -> tuple[FragileRow, ...]:
    """The ``top`` rows of ``sample`` that flipped at the lowest severity (never-flipped rows left out).

    Arrays are aligned with ``sample``'s rows: ``min_severity`` (inf = never flipped), the
    perturbation that flipped the row there, the unperturbed and the new prediction. Ties are
    broken by ``confidence`` (the unperturbed probability of the predicted class, lowest first),
    then by row order.
    """
    sev = np.asarray(min_severity, dtype=float)
    flipped = np.flatnonzero(np.isfinite(sev))
    if flipped.size == 0 or top <= 0:
        return ()
    conf = np.zeros(sev.size) if confidence is None else np.asarray(confidence, dtype=float)
    order = flipped[np.lexsort((flipped, conf[flipped], sev[flipped]))][:top]
    labels = sample.index
    out: list[FragileRow] = []
    for i in order:
        values = {str(k): v for k, v in to_json_safe(sample.iloc[i].to_dict()).items()}
        out.append(
            FragileRow(
                row=py_scalar(labels[i]),
                min_severity=float(sev[i]),
                perturbation=str(perturbation[i]),
                values=values,
                prediction=to_json_safe(prediction[i]),
                flipped_to=to_json_safe(flipped_to[i]),
            )
        )
    return tuple(out)


# -- minimal change --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Move:
    column: str
    value: object
    distance: float
    numeric: bool


def minimal_change(
    model: ModelAdapter,
    row: pd.Series | pd.DataFrame,
    stats: ReferenceStats,
    *,
    columns: Sequence[str] | None = None,
    max_evaluations: int = 2000,
    seed: int = 0,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    class_names: Mapping[str, str] | None = None,
) -> MinimalChange:
    """The smallest change of ``row`` (by the distance in the module docstring) that changes the
    classifier's predicted class, searched among single-column then two-column changes.

    ``columns``: the columns that may change (default: the model's inputs that ``stats``
    describes). ``bounds``: column -> (low, high) for numerical columns, instead of the reference
    range. ``seed`` only breaks ties between equally distant candidates. ``class_names`` (class as text ->
    name) names the classes in the message. Regressors get ``found=False`` with a message.
    """
    frame = _one_row(row)
    label = py_scalar(frame.index[0])
    inputs = getattr(model, "feature_names", None)
    if inputs is not None and all(c in frame.columns for c in inputs):
        frame = frame[list(inputs)]  # ids, dates and the target are not copied into every candidate
    if not model.is_classifier:
        return MinimalChange(
            label,
            False,
            None,
            None,
            (),
            math.nan,
            0,
            "Minimal change is defined for classifiers: a regressor's prediction has no class to "
            "flip. Use the what-if view to see how the prediction moves instead.",
        )
    if isinstance(max_evaluations, bool) or not isinstance(max_evaluations, int) or max_evaluations < 2:
        raise ConfigError(f"max_evaluations must be a whole number of at least 2, not {max_evaluations!r}.")
    cols = _columns(model, frame, stats, columns)
    limits = _bounds(bounds, stats, cols)
    search = _Search(model, frame, max_evaluations, class_names)
    moves = _single_moves(frame, stats, cols, limits, np.random.default_rng(seed))
    if not moves:
        return search.done(label, None, "No column can change: the chosen columns have no reference values.")

    best: _Found | None = None
    scored: list[tuple[_Move, float]] = []
    start, size = 0, _FIRST_CHUNK
    while start < len(moves) and search.left() > 0:
        chunk = moves[start : start + min(size, search.left())]
        start, size = start + len(chunk), min(2 * size, _CHUNK)
        flips, drops = search.score([[m] for m in chunk])
        scored += list(zip(chunk, drops))
        hits = [m for m, f in zip(chunk, flips) if f]
        if hits:
            best = ([hits[0]], search.last_labels[flips.tolist().index(True)])
            break
    if best is None and search.left() > 0:
        best = _pairs(search, moves, scored)
    if best is None:
        tried = search.evaluations - 1
        if len(scored) == len(moves) and search.left() > 0:
            message = (
                f"No change within the ranges flips this row (tried every single-column change and the most "
                f"promising two-column changes: {tried} changed rows)."
            )
        else:
            message = (
                f"No change flips this row within the evaluation budget of {max_evaluations} rows (tried "
                f"{tried} changed rows); raise max_evaluations to search further."
            )
        return search.done(label, None, message)
    return search.done(label, best, "")


#: A change that flips the row: (its moves, the new predicted label)
_Found = tuple[list[_Move], Any]


class _Search:
    def __init__(
        self, model: ModelAdapter, frame: pd.DataFrame, budget: int, class_names: Mapping[str, str] | None = None
    ) -> None:
        self.model, self.frame, self.budget, self.class_names = model, frame, budget, class_names
        self.proba = bool(getattr(model, "has_proba", False))
        self.evaluations = 0
        self.last_labels: np.ndarray = np.empty(0, dtype=object)
        try:
            labels, p = self._predict(frame)
        except Exception as exc:  # noqa: BLE001 - the model's own code may raise anything
            reason = exc if isinstance(exc, RobustnessError) else f"{type(exc).__name__}: {exc}"
            raise ModelError(f"The model cannot score this row, so no change can be searched: {reason}") from exc
        self.original = to_json_safe(labels[0])
        self._original_raw = labels[0]
        classes = getattr(model, "classes", None)
        self.classes = list(classes) if classes is not None else None
        self.k = (
            None
            if p is None or self.classes is None
            else self.classes.index(labels[0])
            if labels[0] in self.classes
            else None
        )
        self.p0 = None if self.k is None or p is None else float(p[0, self.k])

    def left(self) -> int:
        return self.budget - self.evaluations

    def _class(self, value: object) -> str:
        """A class in the message: its name when ``class_names`` gives one (robustness.formatting.class_label)."""
        return class_label(value, self.class_names) if self.class_names else _show(value)

    def _predict(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
        self.evaluations += len(X)
        if self.proba:
            p = np.asarray(self.model.predict_proba(X), dtype=float)
            classes = getattr(self.model, "classes", None)
            if classes is not None:
                return np.asarray(classes, dtype=object)[p.argmax(axis=1)], p
        return np.asarray(self.model.predict(X), dtype=object), None

    def score(self, edits: list[list[_Move]]) -> tuple[np.ndarray, np.ndarray]:
        """Whether each edited row flips, and how far it lowered P(original class) (0 without probabilities)."""
        X = _edited(self.frame, edits)
        try:
            labels, p = self._predict(X)
        except Exception:  # noqa: BLE001 - a candidate the model cannot score is not a flip
            return np.zeros(len(edits), dtype=bool), np.zeros(len(edits))
        self.last_labels = labels
        flips = np.array([lbl != self._original_raw for lbl in labels], dtype=bool)
        # with probabilities at the start (k set) the model gives them on every call
        drops = np.zeros(len(edits)) if self.k is None or self.p0 is None or p is None else self.p0 - p[:, self.k]
        return flips, np.nan_to_num(drops)

    def done(self, label: object, best: _Found | None, message: str) -> MinimalChange:
        if best is None:
            return MinimalChange(label, False, self.original, None, (), math.nan, self.evaluations, message)
        moves, new = best
        changes = tuple((m.column, to_json_safe(_value(self.frame, m.column)), to_json_safe(m.value)) for m in moves)
        distance = float(sum(m.distance for m in moves))
        described = " and ".join(f"'{c}' from {_show(a)} to {_show(b)}" for c, a, b in changes)
        message = (
            f"Changing {described} changes the prediction from {self._class(self.original)} to "
            f"{self._class(to_json_safe(new))} (distance {number(distance)}: reference standard deviations for "
            "numbers, 1 per category)."
        )
        return MinimalChange(
            label, True, self.original, to_json_safe(new), changes, distance, self.evaluations, message
        )


def _pairs(search: _Search, moves: list[_Move], scored: list[tuple[_Move, float]]) -> _Found | None:
    """Greedy two-column search from the single moves that lowered P(predicted class) most."""
    best_by_col: dict[str, tuple[_Move, float]] = {}
    for m, drop in scored:
        if m.column not in best_by_col or drop > best_by_col[m.column][1]:
            best_by_col[m.column] = (m, drop)
    ranked = sorted(best_by_col.values(), key=lambda md: (-md[1], md[0].distance))[:_TOP_PAIRS]
    found: tuple[list[_Move], Any, float] | None = None  # the moves, the new label, their distance
    for first, _ in ranked:
        others = [m for m in moves if m.column != first.column]
        if found is not None:  # only pairs that could beat the one found
            others = [m for m in others if m.distance + first.distance < found[2]]
        others = others[: search.left()]
        if not others:
            continue
        flips, _ = search.score([[first, m] for m in others])
        hits = np.flatnonzero(flips)
        if hits.size:
            i = hits[0]  # moves are sorted by distance
            found = ([first, others[i]], search.last_labels[i], first.distance + others[i].distance)
        if search.left() <= 0:
            break
    if found is None:
        return None
    first, second = found[0]
    # shorten the first move: the same column's nearer values, with the second move kept
    nearer = [
        m
        for m in moves
        if m.column == first.column
        and m.distance < first.distance
        and (
            not m.numeric
            or np.sign(_num(m.value) - _num(_value(search.frame, m.column)))
            == np.sign(_num(first.value) - _num(_value(search.frame, m.column)))
        )
    ][: search.left()]
    if nearer:
        flips, _ = search.score([[m, second] for m in nearer])
        hits = np.flatnonzero(flips)
        if hits.size:
            return [nearer[hits[0]], second], search.last_labels[hits[0]]
    return found[0], found[1]


def _single_moves(
    frame: pd.DataFrame,
    stats: ReferenceStats,
    cols: list[str],
    limits: dict[str, tuple[float, float]],
    rng: np.random.Generator,
) -> list[_Move]:
    moves: list[_Move] = []
    for col in cols:
        current = _value(frame, col)
        if col in stats.numeric:
            s = stats.numeric[col]
            std = s.std if math.isfinite(s.std) and s.std > 0 else s.scale()
            x0 = _num(current)
            x0 = s.median if not math.isfinite(x0) else x0
            lo, hi = limits[col]
            step = 0.1 * std
            reach = max(hi - x0, x0 - lo, 0.0)
            if reach / step > _MAX_STEPS:
                step = reach / _MAX_STEPS
            k = np.arange(1, int(math.ceil(reach / step)) + 1)
            values = _tidy(np.concatenate([x0 + k * step, x0 - k * step]), std)
            ends = np.array([lo, hi])
            if s.integer:
                values, ends = np.round(values), np.array([math.ceil(lo), math.floor(hi)], dtype=float)
            values = np.unique(np.concatenate([values, ends]))
            values = values[(values >= lo) & (values <= hi) & (values != x0)]
            moves += [_Move(col, float(v), abs(v - x0) / std, True) for v in values]
        elif col in stats.categorical:
            for v in stats.categorical[col].values:
                if not _same(v, current):
                    moves.append(_Move(col, v, 1.0, False))
    tie = rng.random(len(moves))
    order = sorted(range(len(moves)), key=lambda i: (moves[i].distance, tie[i]))
    return [moves[i] for i in order]


def _edited(frame: pd.DataFrame, edits: list[list[_Move]]) -> pd.DataFrame:
    """One copy of the row per edit, with the edit's moves applied, in the row's dtypes where they fit."""
    n = len(edits)
    data: dict[Any, np.ndarray] = {}
    for col in frame.columns:
        data[col] = np.repeat(frame[col].to_numpy(dtype=object), n)
    for i, moves in enumerate(edits):
        for m in moves:
            data[m.column][i] = m.value
    out = pd.DataFrame(data, columns=frame.columns)
    for col in frame.columns:
        dtype = frame[col].dtype
        if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            values = pd.to_numeric(out[col], errors="coerce")
            if pd.api.types.is_integer_dtype(dtype) and values.notna().all() and (values == values.round()).all():
                values = values.astype(dtype)
            out[col] = values
        elif pd.api.types.is_bool_dtype(dtype):
            try:
                out[col] = out[col].astype(dtype)
            except (TypeError, ValueError):
                pass
    return out


def _one_row(row: object) -> pd.DataFrame:
    if isinstance(row, pd.DataFrame):
        if len(row) != 1:
            raise ConfigError(f"minimal_change takes one row; the table given has {len(row)} rows. Pass df.iloc[[i]].")
        return row
    if isinstance(row, pd.Series):
        frame = row.to_frame().T
        return frame.infer_objects()
    raise ConfigError(
        f"minimal_change takes a row as a pandas Series or a one-row DataFrame, not {type(row).__name__}."
    )


def _columns(
    model: ModelAdapter, frame: pd.DataFrame, stats: ReferenceStats, columns: Sequence[str] | str | None
) -> list[str]:
    if columns is not None:
        cols = [columns] if isinstance(columns, str) else list(columns)
        bad = [c for c in cols if c not in frame.columns or (c not in stats.numeric and c not in stats.categorical)]
        if bad:
            raise ConfigError(
                f"Cannot change {', '.join(repr(c) for c in bad)}: not a column of the row with "
                "reference statistics (numerical or categorical). Choose from: "
                f"{', '.join(repr(c) for c in list(stats.numeric) + list(stats.categorical))}."
            )
        return cols
    inputs = getattr(model, "feature_names", None) or list(frame.columns)
    return [c for c in inputs if c in frame.columns and (c in stats.numeric or c in stats.categorical)]


def _bounds(
    bounds: Mapping[str, tuple[float, float]] | None, stats: ReferenceStats, cols: list[str]
) -> dict[str, tuple[float, float]]:
    out = {c: (stats.numeric[c].minimum, stats.numeric[c].maximum) for c in cols if c in stats.numeric}
    for col, pair in (bounds or {}).items():
        if col not in stats.numeric:
            raise ConfigError(
                f"Bounds were given for '{col}', which is not a numerical column with reference "
                "statistics; bounds apply to numerical columns only."
            )
        try:
            lo, hi = (float(v) for v in pair)
        except (TypeError, ValueError):
            raise ConfigError(f"The bounds of '{col}' must be two numbers (low, high), not {pair!r}.") from None
        if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
            raise ConfigError(f"The bounds of '{col}' must be finite with low <= high, not {pair!r}.")
        out[col] = (lo, hi)
    return out


def _tidy(values: np.ndarray, std: float) -> np.ndarray:
    """Round to about a hundredth of a standard deviation (1 significant digit of it), so a move reads
    as 10.3, not 10.30387996; the distance is measured from the rounded value."""
    decimals = -int(math.floor(math.log10(0.01 * std))) if std > 0 and math.isfinite(std) else 6
    return np.round(values, decimals)


def _value(frame: pd.DataFrame, col: str) -> Any:
    return py_scalar(frame[col].iloc[0])


def _num(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) or (pd.isna(a) and pd.isna(b))
    except (TypeError, ValueError):
        return False


def _show(v: object) -> str:
    """A value in a message: a whole number with every digit, another number in the one format (3 significant
    figures, robustness.formatting), text quoted."""
    if isinstance(v, float):
        return count(v) if v.is_integer() and abs(v) < 1e15 else number(v)
    return repr(v) if isinstance(v, str) else str(v)
