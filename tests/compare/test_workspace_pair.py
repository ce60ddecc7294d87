"""A challenger in the workspace: recorded beside the model, keyed apart from it, checked before it is loaded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from robustness.compare import CompareError, check_challenger
from robustness.errors import ModelError
from robustness.models import from_estimator, from_predictions
from robustness.workspace import build_workspace, table_from_frame


def _frame(seed: int, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    return pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "y": (x[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(int)})


@pytest.fixture(scope="module")
def models():
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    train = _frame(0)
    return (
        from_estimator(LogisticRegression().fit(train[["a", "b"]], train["y"])),
        from_estimator(DecisionTreeClassifier(max_depth=3, random_state=0).fit(train[["a", "b"]], train["y"])),
    )


@pytest.fixture
def ws(models):
    from robustness.schema import ColumnRoles

    return build_workspace(
        table_from_frame(_frame(1), "ref"),
        table_from_frame(_frame(2), "cur"),
        ColumnRoles(target="y"),
        model=models[0],
        model_name="champion.skops",
        model_sha256="a" * 64,
    )


def test_a_challenger_changes_the_pair_key_not_the_champions_key(ws, models):
    paired = ws.with_challenger(models[1], name="challenger.skops", sha256="b" * 64)
    assert paired.has_challenger and not ws.has_challenger
    assert paired.key() == ws.key()  # every view of the champion stays valid
    assert paired.pair_key() != ws.pair_key()
    assert paired.pair_key() != ws.with_challenger(models[1], name="x", sha256="c" * 64).pair_key()
    seen = paired.challenger_workspace()
    assert seen.model is models[1] and seen.model_name == "challenger.skops" and seen.key() != ws.key()
    assert seen.reference is ws.reference and seen.roles == ws.roles and not seen.has_challenger
    assert not paired.without_challenger().has_challenger
    with pytest.raises(ModelError, match="No challenger is loaded"):
        ws.challenger_workspace()


def test_a_challenger_needs_a_model_file_beside_it(ws, models):
    frame = ws.reference.frame.assign(p=0)
    preds = build_workspace(
        table_from_frame(frame, "ref"),
        table_from_frame(frame, "cur"),
        ws.roles,
        model=from_predictions(prediction="p", probabilities={}, reference=frame),
    )
    with pytest.raises(ModelError, match="no model file is loaded"):
        preds.with_challenger(models[1], name="c", sha256="b" * 64)


def test_check_challenger_names_what_is_wrong(ws, models):
    frames = {"ref.csv": ws.reference.frame, "cur.csv": ws.current.frame}
    check_challenger(models[0], models[1], frames)  # a fine pair passes
    with pytest.raises(CompareError, match="needs 1 column that the cur.csv data lacks: 'b'"):
        check_challenger(models[0], models[1], {**frames, "cur.csv": ws.current.frame.drop(columns="b")})

    from sklearn.tree import DecisionTreeClassifier

    class Broken(DecisionTreeClassifier):
        def predict(self, X, check_input=True):
            raise ValueError("boom on purpose")

        def predict_proba(self, X, check_input=True):
            raise ValueError("boom on purpose")

    broken = Broken(max_depth=2).fit(ws.reference.frame[["a", "b"]], ws.reference.frame["y"])
    with pytest.raises(ModelError, match="The challenger cannot be used: .*boom on purpose"):
        check_challenger(models[0], from_estimator(broken), frames)
