"""Metrics of the stress suite in NumPy: sklearn's input validation would cost more than the
model on small cells. Cross-checked against sklearn in tests/stress/test_suite.py."""

from __future__ import annotations

import numpy as np


def classification_metrics(y: np.ndarray, pred: np.ndarray, proba: np.ndarray | None, k: int) -> dict[str, float]:
    """accuracy; f1 (binary: class index 1, else macro over the labels present); roc_auc (binary, or
    one-vs-rest macro over the classes present in y) when probabilities are given. y/pred are class indices."""
    out = {"accuracy": float(np.mean(y == pred))}
    if k == 2:
        out["f1"] = _f1(y == 1, pred == 1)
    else:
        labels = np.union1d(y, pred)
        out["f1"] = float(np.mean([_f1(y == c, pred == c) for c in labels]))
    if proba is not None:
        present = [c for c in range(k) if 0 < np.sum(y == c) < len(y)]
        if k == 2 and len(present) == 2:
            out["roc_auc"] = _auc(y == 1, proba[:, 1])
        elif k > 2 and len(present) >= 2:
            out["roc_auc"] = float(np.mean([_auc(y == c, proba[:, c]) for c in present]))
    return out


def regression_metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    ok = np.isfinite(y) & np.isfinite(pred)
    if not ok.any():
        return {}
    err = pred[ok] - y[ok]
    return {"rmse": float(np.sqrt(np.mean(err**2))), "mae": float(np.mean(np.abs(err)))}


def _f1(truth: np.ndarray, guess: np.ndarray) -> float:
    tp = np.sum(truth & guess)
    denom = 2 * tp + np.sum(~truth & guess) + np.sum(truth & ~guess)
    return float(2 * tp / denom) if denom else 0.0


def _auc(positive: np.ndarray, score: np.ndarray) -> float:
    """Mann-Whitney AUC with average ranks for ties (as scipy.stats.rankdata), from one argsort."""
    order = np.argsort(score)
    s, pos = score[order], positive[order]
    new = np.empty(s.size, dtype=bool)
    new[0] = True
    np.not_equal(s[1:], s[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], s.size)
    rank_sum = float(np.dot(np.add.reduceat(pos.astype(np.int64), starts), (starts + ends + 1) / 2.0))
    n_pos = int(pos.sum())
    n_neg = s.size - n_pos
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
