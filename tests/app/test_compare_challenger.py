"""The challenger slot on Model & data: the demo's challenger, an uploaded one through the model's own loading
path, and bad challengers refused with a specific message while the model and the data stay loaded."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP, TIMEOUT
from tests.app.test_pages import MODEL_DATA, _Evil, _machines_onnx, errors_of, problems, texts, upload

CHALLENGER = "Challenger model (optional)"


def ws_of(at):
    return at.session_state["workspace"]


def _click(at, label: str) -> None:
    (b,) = [b for b in at.button if b.label == label]
    b.click().run()
    assert not at.exception, [e.value for e in at.exception]


def _buttons(at) -> list[str]:
    return [b.label for b in at.button]


@pytest.fixture(scope="module")
def challenger_file(tmp_path_factory) -> bytes:
    from robustness.demo import export_challenger

    return export_challenger("credit", tmp_path_factory.mktemp("challenger")).read_bytes()


def _credit_model(columns: list[str], estimator=None) -> bytes:
    """A skops pipeline trained on the credit demo's reference, on ``columns`` (renamed ones are missing from
    the data)."""
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from robustness.demo import load_scenario

    s = load_scenario("credit")
    X = s.reference[["age", "loan_amount", "num_open_accounts"]].fillna(0)
    X.columns = columns
    model = make_pipeline(StandardScaler(), estimator if estimator is not None else LogisticRegression(max_iter=500))
    return sio.dumps(model.fit(X, s.reference["default"]))


def _models_and_data_unchanged(at, before) -> None:
    ws = ws_of(at)
    assert ws.model is before.model and ws.reference is before.reference and ws.current is before.current
    assert ws.challenger is before.challenger


def test_the_demo_loads_its_challenger(app):
    ws = ws_of(app)
    assert ws.has_challenger and ws.challenger_name.startswith("demo challenger:")
    assert ws.challenger.task == ws.model.task and ws.challenger_sha256 != ws.model_sha256
    app.switch_page(MODEL_DATA).run()
    assert not app.exception
    assert [u.label for u in app.file_uploader][-1] == CHALLENGER
    body = texts(app).replace("**", "")
    assert "Challenger (demo challenger: Credit risk" in body and "PolynomialFeatures" in body
    assert "Loaded: demo 'credit'" in " ".join(c.value for c in app.sidebar.caption)
    assert "with a challenger" in " ".join(c.value for c in app.sidebar.caption)


def test_remove_then_upload_a_challenger(app, challenger_file):
    app.switch_page(MODEL_DATA).run()
    champion = ws_of(app).model
    _click(app, "Remove the challenger")
    assert not ws_of(app).has_challenger and ws_of(app).model is champion
    assert "Removed the challenger demo challenger" in texts(app)
    upload(app, CHALLENGER, "retrained.skops", challenger_file)
    assert not problems(app), problems(app)
    assert "retrained.skops" in texts(app)  # the caption under the uploader names the file in full
    assert not ws_of(app).has_challenger  # nothing changes before the button
    _click(app, "Load the challenger")
    ws = ws_of(app)
    assert ws.has_challenger and ws.challenger_name == "retrained.skops" and ws.model is champion
    assert "Loaded the challenger retrained.skops" in texts(app)
    assert ws.challenger.predict(ws.current.frame.head(5)).shape == (5,)
    # roles re-applied: the challenger stays
    _click(app, "Apply roles and kinds")
    assert ws_of(app).challenger_name == "retrained.skops"


def test_challenger_loads_with_new_files(app, exported, challenger_file):
    d = exported["credit"]
    app.switch_page(MODEL_DATA).run()
    upload(app, "Model file", "model.skops", (d / "model.skops").read_bytes())
    upload(app, CHALLENGER, "challenger.skops", challenger_file)
    upload(app, "Reference data", "reference.csv", (d / "reference.csv").read_bytes())
    upload(app, "Current data", "current.csv", (d / "current.csv").read_bytes())
    assert "Load the challenger" not in _buttons(app)  # new files: the one button loads them all
    _click(app, "Load these files")
    assert not problems(app), problems(app)
    ws = ws_of(app)
    assert ws.scenario is None and ws.model_name == "model.skops" and ws.challenger_name == "challenger.skops"
    assert "with model model.skops and challenger challenger.skops" in texts(app)


@pytest.mark.parametrize(
    "case",
    ["corrupt", "columns", "regressor", "raises", "pickle", "multiclass"],
)
def test_bad_challenger_is_refused_and_the_rest_stays(app, case, challenger_file, exported, tmp_path):
    app.switch_page(MODEL_DATA).run()
    before = ws_of(app)
    name, content, expected = {
        "corrupt": ("broken.skops", challenger_file[: len(challenger_file) // 2], ["broken.skops"]),
        "columns": (
            "other_columns.skops",
            _credit_model(["age", "loan_amount", "open_accounts_total"]),
            ["needs 1 column that the credit reference data lacks", "'open_accounts_total'"],
        ),
        "regressor": (
            "energy.skops",
            (exported["energy"] / "model.skops").read_bytes(),
            ["The champion is a binary classifier and the challenger a regressor"],
        ),
        "raises": (
            "raises.skops",
            _raising_model(),
            ["The challenger cannot be used", "ValueError"],
        ),
        "pickle": ("evil.pkl", pickle.dumps(_Evil(tmp_path / "pwned")), ["pickle", "Allow pickle files I trust"]),
        "multiclass": ("machines.onnx", _machines_onnx(), ["a multiclass classifier (3 classes)"]),
    }[case]
    upload(app, CHALLENGER, name, content)
    if "Load the challenger" in _buttons(app):  # the file loads as a model: the pair is checked on the button
        _click(app, "Load the challenger")
    errors = errors_of(app)
    assert all(e in errors for e in expected), errors
    assert not (tmp_path / "pwned").exists()
    _models_and_data_unchanged(app, before)
    app.switch_page("pages/overview.py").run()
    assert not app.exception
    assert ws_of(app).model is before.model


def _raising_model() -> bytes:
    """Trained on numbers in 'region', which the data holds as text: the pipeline raises ValueError."""
    import skops.io as sio
    from sklearn.dummy import DummyClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), DummyClassifier()).fit(pd.DataFrame({"region": [1.0, 2.0]}), [0, 1])
    return sio.dumps(model)


def test_a_bad_challenger_with_new_files_still_loads_the_files(app, exported):
    d = exported["credit"]
    app.switch_page(MODEL_DATA).run()
    upload(app, "Model file", "model.skops", (d / "model.skops").read_bytes())
    upload(app, CHALLENGER, "regressor.skops", (exported["energy"] / "model.skops").read_bytes())
    upload(app, "Reference data", "reference.csv", (d / "reference.csv").read_bytes())
    upload(app, "Current data", "current.csv", (d / "current.csv").read_bytes())
    _click(app, "Load these files")
    ws = ws_of(app)
    assert ws.scenario is None and ws.model_name == "model.skops" and not ws.has_challenger
    errors = errors_of(app)
    assert "The challenger regressor.skops was not loaded" in errors and "a regressor" in errors, errors


def test_untrusted_challenger_types_need_consent(app):
    import operator

    import skops.io as sio
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    from robustness.demo import load_scenario

    s = load_scenario("credit")
    cols = ["age", "loan_amount", "num_open_accounts"]
    model = make_pipeline(FunctionTransformer(operator.neg), LogisticRegression(max_iter=500))
    model.fit(s.reference[cols], s.reference["default"])
    app.switch_page(MODEL_DATA).run()
    upload(app, CHALLENGER, "custom.skops", sio.dumps(model))
    assert "operator.neg" in errors_of(app)
    assert "Load the challenger" not in _buttons(app)
    (trust,) = [m for m in app.multiselect if m.label == "Trust these types"]
    trust.set_value(list(trust.options)).run()
    assert not problems(app), problems(app)
    _click(app, "Load the challenger")
    assert ws_of(app).challenger_name == "custom.skops"
    assert ws_of(app).challenger.feature_names == cols


def test_one_session_never_sees_another_sessions_challenger(app, challenger_file):
    other = AppTest.from_file(APP, default_timeout=TIMEOUT)
    other.run()
    app.switch_page(MODEL_DATA).run()
    _click(app, "Remove the challenger")
    upload(app, CHALLENGER, "mine.skops", challenger_file)
    _click(app, "Load the challenger")
    assert ws_of(app).challenger_name == "mine.skops"
    other.switch_page(MODEL_DATA).run()
    assert ws_of(other).challenger_name.startswith("demo challenger:")
    assert "mine.skops" not in texts(other)
