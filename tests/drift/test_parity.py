"""One rule, two executors: every registry test x every column kind x with/without an override x
with/without missing values, through the in-memory engine and the Dask engine's code path (parts
summarised, merged, judged): the same decision, test and skip reason; statistics within the documented
bounds (exact on counts and on whole numbers, whose values sit on the bin edges, and on text content:
with at most 5,000 texts a side both engines keep every text, so the classifier sees the same data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from robustness.drift import DriftConfig, drift, registry
from robustness.drift.chunked import drift_from_parts, numeric_edges
from robustness.drift.rule import UnsupportedTest
from robustness.errors import ConfigError
from robustness.schema import ColumnKind

K = ColumnKind
N = 3000
KINDS = {
    "numeric": K.NUMERICAL,
    "whole": K.NUMERICAL,
    "categorical": K.CATEGORICAL,
    "boolean": K.BOOLEAN,
    "datetime": K.DATETIME,
    "text": K.TEXT,
    "id": K.ID,
}
EXACT = {"categorical", "boolean", "text"}  # counts, or whole numbers on the bin edges
# the documented bounds, generous for the continuous columns (see robustness.drift.binned / numeric)
TOL = {
    "tfidf": 0.0,
    "cramervonmises": 0.0,
    "chisquare": 0.0,
    "z": 0.0,
    "ks": 0.01,
    "ks_bf": 0.01,
    "wasserstein": 0.01,
    "psi": 0.02,
    "jensenshannon": 0.01,
    "hellinger": 0.01,
}


def _frame(seed: int, *, changed: bool, missing: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    shift = 0.4 if changed else 0.0
    words = np.array(["ok", "fine thanks", "a longer sentence here", "short", "medium text"])
    df = pd.DataFrame(
        {
            "numeric": rng.normal(50 + 10 * shift, 10 * (1.5 if changed else 1), N),
            "whole": rng.poisson(3 + 2 * shift, N),
            "categorical": rng.choice(
                list("abcd"), N, p=[0.4, 0.3, 0.2, 0.1] if not changed else [0.25, 0.3, 0.2, 0.25]
            ),
            "boolean": rng.random(N) < (0.3 + (0.2 if changed else 0)),
            "datetime": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 86400 * (60 if changed else 30), N), unit="s"),
            "text": words[rng.choice(5, N, p=[0.2, 0.2, 0.2, 0.2, 0.2] if not changed else [0.1, 0.1, 0.5, 0.1, 0.2])],
            "id": np.arange(N) + (N if changed else 0),
        }
    )
    if missing:
        for col in df:
            df[col] = df[col].astype(object).where(rng.random(N) > 0.1, None)
            if col in ("numeric", "whole"):
                df[col] = pd.to_numeric(df[col])
            elif col == "datetime":
                df[col] = pd.to_datetime(df[col])
    return df


@pytest.fixture(scope="module", params=[False, True], ids=["complete", "missing"])
def frames(request):
    missing = request.param
    ref = _frame(1, changed=False, missing=missing)
    cur = pd.concat(  # a changed half and an unchanged half: some verdicts drift, some do not
        [
            _frame(2, changed=True, missing=missing).iloc[: N // 2],
            _frame(3, changed=False, missing=missing).iloc[N // 2 :],
        ]
    )
    stable = _frame(4, changed=False, missing=missing)
    edges = numeric_edges(ref, KINDS)
    return _Split(ref), _Split(cur), _Split(stable), edges


class _Split:
    """A frame and its parts (3 or 4 per column), cut once."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self.parts = {c: [frame[[c]].iloc[i::k] for i in range(k)] for c, k in zip(frame, [3, 4, 3, 4, 3, 4, 3])}


def _both(ref: _Split, cur: _Split, col, edges, config):
    kinds = {col: KINDS[col]}
    memory = drift(ref.frame[[col]], cur.frame[[col]], kinds=kinds, config=config).feature(col)
    parts = drift_from_parts(ref.parts[col], cur.parts[col], kinds=kinds, edges=edges, config=config)
    return memory, parts.features[0]


def _same(m, d, col, name):
    assert (d.status, d.test, d.drifted) == (m.status, m.test, m.drifted), (col, name, m, d)
    if m.status != "ok":
        assert d.message == m.message
        return
    assert (d.n_reference, d.n_current) == (m.n_reference, m.n_current)
    assert (d.p_value is None) == (m.p_value is None)
    if col in EXACT or KINDS[col] is K.CATEGORICAL:
        assert d.statistic == pytest.approx(m.statistic, rel=1e-9, abs=1e-12), (col, name)
        if m.p_value is not None:
            assert d.p_value == pytest.approx(m.p_value, rel=1e-6, abs=1e-300), (col, name)
    else:
        assert d.statistic == pytest.approx(m.statistic, abs=TOL[m.test]), (col, name)
    assert d.effect.name == m.effect.name and d.effect.value == pytest.approx(m.effect.value, rel=0.02, abs=0.01)
    assert (d.content is None) == (m.content is None)
    if m.content is not None:  # text content: the same texts, the same classifier, the same numbers
        assert (d.content.auc, d.content.ci_low, d.content.ci_high, d.content.p_value) == (
            m.content.auc,
            m.content.ci_low,
            m.content.ci_high,
            m.content.p_value,
        )
        assert (d.content.words_current, d.content.words_reference) == (
            m.content.words_current,
            m.content.words_reference,
        )
        assert d.message == m.message


@pytest.mark.parametrize("col", list(KINDS))
@pytest.mark.parametrize("name", [None, *sorted(registry())])
def test_parity(frames, col, name):
    ref, cur, stable, edges = frames
    test = registry().get(name)
    config = DriftConfig(overrides={col: {"test": name}} if name else {})
    if test is not None and KINDS[col] not in test.kinds:  # the same refusal from both engines
        with pytest.raises(ConfigError, match=f"'{name}' does not apply to column '{col}'"):
            drift(ref.frame, cur.frame, kinds={col: KINDS[col]}, columns=[col], config=config)
        with pytest.raises(ConfigError, match=f"'{name}' does not apply to column '{col}'"):
            _both(ref, cur, col, edges, config)
        return
    for other in (cur, stable):
        if name == "cramervonmises":  # needs the exact values: the Dask path refuses, naming column and test
            m = drift(ref.frame, other.frame, kinds={col: KINDS[col]}, columns=[col], config=config).feature(col)
            assert m.test == "cramervonmises"
            with pytest.raises(UnsupportedTest, match=f"'cramervonmises' set for column '{col}'"):
                _both(ref, other, col, edges, config)
            continue
        m, d = _both(ref, other, col, edges, config)
        _same(m, d, col, name)
        if col == "id":
            assert m.status == "skipped" and "identifiers" in m.message
        elif name is None:
            default = {K.NUMERICAL: "ks_bf", K.DATETIME: "ks_bf", K.TEXT: "tfidf"}.get(KINDS[col], m.test)
            assert m.test == default and (m.content is not None) == (KINDS[col] is K.TEXT)
            assert m.drifted == (other is cur), (col, m)


def test_psi_override_runs_psi_through_the_dask_path(frames):
    ref, cur, _, edges = frames
    config = DriftConfig(overrides={"numeric": {"test": "psi", "threshold": 0.2}})
    m, d = _both(ref, cur, "numeric", edges, config)
    assert m.test == d.test == "psi" and m.threshold == d.threshold == 0.2 and d.p_value is None
    assert d.statistic == pytest.approx(m.statistic, abs=0.02)
