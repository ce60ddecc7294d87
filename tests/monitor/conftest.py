"""Simulated monitoring data with known truth: the model's score is a monotone, miscalibrated function of
the true log-odds, so under covariate shift (inputs move, P(label | inputs) stays) P(label | score) holds
and the calibrated estimates are unbiased."""

import numpy as np
import pandas as pd
import pytest

from robustness.models import PredictionsAdapter, Task


def simulate(rng: np.random.Generator, n: int, mu: float, k: int = 2) -> pd.DataFrame:
    x = rng.normal(mu, 1.0, size=(n, 2))
    if k == 2:
        logit = 1.5 * x[:, 0] - 1.0 * x[:, 1]
        y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
        score = 1 / (1 + np.exp(-(0.7 * logit + 0.2)))  # over-smoothed and shifted: needs calibration
        P = np.column_stack([1 - score, score])
    else:
        L = np.column_stack([x[:, 0], x[:, 1], -x[:, 0] - x[:, 1]]) * 1.5
        Pt = np.exp(L) / np.exp(L).sum(axis=1, keepdims=True)
        y = (rng.random((n, 1)) > Pt.cumsum(axis=1)[:, :-1]).sum(axis=1)
        P = np.exp(0.7 * L) / np.exp(0.7 * L).sum(axis=1, keepdims=True)
    d = pd.DataFrame({"x0": x[:, 0], "x1": x[:, 1], "y": y, "pred": P.argmax(axis=1)})
    for j in range(k):
        d[f"p_{j}"] = P[:, j]
    return d


def columns_adapter(k: int = 2) -> PredictionsAdapter:
    return PredictionsAdapter(
        prediction="pred",
        task=Task.BINARY if k == 2 else Task.MULTICLASS,
        classes=list(range(k)),
        probabilities={j: f"p_{j}" for j in range(k)},
    )


@pytest.fixture
def shifted():
    """A labelled reference and a current file whose inputs drift window after window."""
    rng = np.random.default_rng(7)
    ref = simulate(rng, 3000, 0.0)
    cur = pd.concat([simulate(rng, 400, m) for m in np.linspace(0, 1.5, 6)], ignore_index=True)
    cur["ts"] = pd.Timestamp("2025-01-06") + pd.to_timedelta(np.arange(len(cur)) * 3600 * 24 * 42 // len(cur), "s")
    ref["ts"] = pd.Timestamp("2024-06-03") + pd.to_timedelta(np.arange(len(ref)) * 3600 * 24 * 84 // len(ref), "s")
    return ref, cur


@pytest.fixture
def files(tmp_path, shifted):
    """ref.csv and cur.csv with a logistic regression's predictions ('pred') and probabilities ('p1') as
    columns, the current labels missing after row 1200, and the model itself (model.skops)."""
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    ref, cur = shifted
    est = LogisticRegression().fit(ref[["x0", "x1"]], ref["y"])
    for frame in (ref, cur):
        frame.drop(columns=["pred", "p_0", "p_1"], inplace=True)
        frame["pred"] = est.predict(frame[["x0", "x1"]])
        frame["p1"] = est.predict_proba(frame[["x0", "x1"]])[:, 1]
    cur.loc[cur.index[1200:], "y"] = np.nan
    ref.to_csv(tmp_path / "ref.csv", index=False)
    cur.to_csv(tmp_path / "cur.csv", index=False)
    est.feature_names_in_ = np.array(["x0", "x1"], dtype=object)
    sio.dump(est, tmp_path / "model.skops")
    return tmp_path
