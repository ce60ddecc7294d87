"""The drift engine on parts agrees with the in-memory engine on the same data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from robustness.demo import _credit_frame
from robustness.drift import drift
from robustness.drift.chunked import drift_from_parts, numeric_edges
from robustness.io.infer import infer_schema


def _parts(frame: pd.DataFrame, n: int):
    return [frame.iloc[i::n] for i in range(n)]


@pytest.fixture(scope="module")
def credit_big():
    ref = _credit_frame(np.random.default_rng(1), 60_000, current=False)
    cur = _credit_frame(np.random.default_rng(2), 60_000, current=True)
    feats = [c for c in ref.columns if c not in ("application_id", "application_date", "default")]
    kinds = infer_schema(ref[feats]).kinds()
    return ref[feats], cur[feats], kinds


def test_parts_and_memory_agree_on_every_decision(credit_big):
    ref, cur, kinds = credit_big
    edges = numeric_edges(ref.sample(50_000, random_state=0), kinds)
    chunked = drift_from_parts(_parts(ref, 13), _parts(cur, 7), kinds=kinds, edges=edges)
    memory = drift(ref, cur, kinds=kinds)
    got = {f.feature: f for f in chunked.features}
    for f in memory.features:
        g = got[f.feature]
        assert g.test == f.test and g.drifted == f.drifted, (f.feature, f.test, f.statistic, g.statistic)
        if f.test == "wasserstein":
            assert g.statistic == pytest.approx(f.statistic, abs=0.01)
        elif f.test in ("jensenshannon", "chisquare", "z"):
            assert g.statistic == pytest.approx(f.statistic, rel=1e-9)  # counts are exact
    assert chunked.dataset.n_drifted == memory.dataset.n_drifted
    assert {f.feature for f in chunked.features if f.drifted} >= {"income", "employment_type"}


def test_a_random_split_is_quiet():
    frame = _credit_frame(np.random.default_rng(3), 80_000, current=False)
    feats = [c for c in frame.columns if c not in ("application_id", "application_date", "default")]
    kinds = infer_schema(frame[feats]).kinds()
    ref, cur = frame.iloc[::2][feats], frame.iloc[1::2][feats]
    edges = numeric_edges(ref, kinds)
    res = drift_from_parts(_parts(ref, 5), _parts(cur, 9), kinds=kinds, edges=edges)
    assert not any(f.drifted for f in res.features), [(f.feature, f.statistic) for f in res.features if f.drifted]


def test_a_column_missing_from_current_parts_is_skipped(credit_big):
    ref, cur, kinds = credit_big
    edges = numeric_edges(ref.head(10_000), kinds)
    res = drift_from_parts(_parts(ref, 3), _parts(cur.drop(columns=["income"]), 3), kinds=kinds, edges=edges)
    f = next(f for f in res.features if f.feature == "income")
    assert f.status == "skipped" and "current file has no column" in f.message
