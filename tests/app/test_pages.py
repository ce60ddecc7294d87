"""Every page with a demo loaded, with uploads, and with bad uploads."""

import pickle
import re
from pathlib import Path

import pandas as pd
import pytest

MODEL_DATA = "pages/model_data.py"


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def plain(text: str) -> str:
    """What the user reads: markdown escapes of user-provided names removed."""
    return re.sub(r"\\(.)", r"\1", str(text))


def texts(at) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error] + [w.value for w in at.warning]
    parts += [i.value for i in at.info] + [s.value for s in at.success] + [c.value for c in at.caption]
    return plain("\n".join(str(p) for p in parts))


# The scorecard's own boxes (a failing check is shown red): findings about the model, not app errors.
VERDICT_BOX = re.compile(
    r"^(\*\*)?(Verdict|Data quality|Data drift|Stress tests|Explanation shift|Performance|Uncertainty)"
    r": (Fail|Warning|Pass|Not checked)\."
)


def problems(at) -> list[str]:
    """The error boxes a page shows, leaving out the scorecard's verdict and area boxes."""
    return [e.value for e in at.error if not VERDICT_BOX.match(str(e.value))]


def errors_of(at) -> str:
    return plain(" ".join(e.value for e in at.error))


def warnings_(at) -> str:
    return plain(" ".join(w.value for w in at.warning))


def uploader(at, label):
    (u,) = [u for u in at.file_uploader if u.label == label]
    return u


def upload(at, label, name, content: bytes):
    uploader(at, label).set_value((name, content, "application/octet-stream"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_overview_opens_with_credit_demo(app):
    assert "Model robustness overview" in app.title[0].value
    m = metrics(app)
    assert m["Reference rows"] == "4,000" and m["Current rows"] == "4,000"
    assert m["Input columns"] == "11"
    assert m["Model"] == "Binary"
    assert "Credit risk" in texts(app)
    # the new category of the story is pointed out
    assert (
        "'employment_type' has 1 category in credit current that credit reference never had ('gig-economy'"
        in warnings_(app)
    )
    # the navigation lists only the pages that exist
    assert app.selectbox(key="scenario_choice").value == "credit"


@pytest.mark.parametrize("scenario, task", [("energy", "Regression"), ("machines", "Multiclass")])
def test_sidebar_switches_scenario(app, scenario, task):
    app.selectbox(key="scenario_choice").set_value(scenario).run()
    assert not app.exception
    m = metrics(app)
    assert m["Model"] == task
    assert m["Reference rows"] == "3,000"


def test_model_data_page_shows_loaded_demo(app):
    app.switch_page(MODEL_DATA).run()
    assert not app.exception
    assert [u.label for u in app.file_uploader] == [
        "Model file",
        "Reference data",
        "Current data",
        "Challenger model (optional)",
    ]
    body = texts(app)
    assert "200 MB" in body  # the upload limit is stated
    assert "GradientBoostingClassifier" in body
    assert "target = default" in body
    # roles are pre-filled with the demo's roles
    assert app.selectbox(key=next(k for k in _keys(app) if k.startswith("role_target"))).value == "default"


def _keys(at):
    return [w.key for w in at.selectbox if w.key]


def _upload_demo(app, d: Path, model_name="model.skops"):
    app.switch_page(MODEL_DATA).run()
    upload(app, "Model file", model_name, (d / "model.skops").read_bytes())
    upload(app, "Reference data", "reference.csv", (d / "reference.csv").read_bytes())
    upload(app, "Current data", "current.csv", (d / "current.csv").read_bytes())
    return app


def _click(at, label):
    (b,) = [b for b in at.button if b.label == label]
    b.click().run()
    assert not at.exception, [e.value for e in at.exception]


def load_predictions_only(app, d: Path) -> None:
    """Load the exported demo's data with a prediction column and no model file."""
    import pandas as pd

    ref = pd.read_csv(d / "reference.csv")
    cur = pd.read_csv(d / "current.csv")
    ref["pred"], cur["pred"] = 0, 1
    app.switch_page(MODEL_DATA).run()
    upload(app, "Reference data", "r.csv", ref.to_csv(index=False).encode())
    upload(app, "Current data", "c.csv", cur.to_csv(index=False).encode())
    pred_key = next(w.key for w in app.selectbox if w.key and w.key.startswith("role_prediction"))
    app.selectbox(key=pred_key).set_value("pred").run()
    _click(app, "Load these files")


def test_upload_model_and_data_then_overview(app, exported):
    d = exported["machines"]
    _upload_demo(app, d)
    assert not problems(app), problems(app)
    # guessed roles from the exported files
    tgt = next(k for k in _keys(app) if k.startswith("role_target"))
    assert app.selectbox(key=tgt).value == "condition"
    _click(app, "Load these files")
    assert any("Loaded reference.csv (3,000 rows)" in s.value for s in app.success)
    assert app.session_state["workspace"].scenario is None  # the demo was replaced
    app.switch_page("pages/overview.py").run()
    m = metrics(app)
    assert m["Model"] == "Multiclass" and m["Current rows"] == "3,000"
    assert "Your files" in texts(app)


def test_data_without_model_uses_prediction_column(app, exported):
    d = exported["credit"]
    from robustness.demo import load_scenario

    s = load_scenario("credit")
    ref = pd.read_csv(d / "reference.csv")
    cur = pd.read_csv(d / "current.csv")
    for df in (ref, cur):
        proba = s.model.predict_proba(df[list(s.features)])[:, 1]
        df["prediction"] = (proba > 0.5).astype(int)
        df["proba_1"] = proba
        df["proba_0"] = 1 - proba
    app.switch_page(MODEL_DATA).run()
    upload(app, "Reference data", "ref_preds.csv", ref.to_csv(index=False).encode())
    upload(app, "Current data", "cur_preds.csv", cur.to_csv(index=False).encode())
    _click(app, "Load these files")
    assert not problems(app), problems(app)
    app.switch_page("pages/overview.py").run()
    body = texts(app)
    assert "needs a model file" in body  # views that need a model say so
    assert metrics(app)["Model"] == "Binary"


# ----------------------------------------------------------------- bad input keeps the demo
BAD_DATA = {
    "empty.csv": (b"", "empty"),
    "header_only.csv": (b"a,b,c\n", "no data rows"),
    "one_row.csv": (b"a,b\n1,2\n", "1 data row"),
    "dupes.csv": (b"a,b,a\n1,2,3\n4,5,6\n", "'a'"),
}


@pytest.mark.parametrize("name", list(BAD_DATA))
def test_bad_data_file_message_and_demo_kept(app, name):
    content, expected = BAD_DATA[name]
    app.switch_page(MODEL_DATA).run()
    upload(app, "Reference data", name, content)
    errors = errors_of(app)
    assert name in errors and expected.lower() in errors.lower(), errors
    app.switch_page("pages/overview.py").run()
    assert metrics(app)["Reference rows"] == "4,000"  # the demo is still loaded


def test_pickle_refused_without_running_it(app, tmp_path):
    sentinel = tmp_path / "pwned"
    payload = pickle.dumps(_Evil(sentinel))
    app.switch_page(MODEL_DATA).run()
    upload(app, "Model file", "evil.pkl", payload)
    errors = errors_of(app)
    assert "pickle" in errors.lower() and "Allow pickle files I trust" in errors
    assert not sentinel.exists()


class _Evil:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


def test_mismatched_columns_refused_and_demo_kept(app, exported):
    d = exported["credit"]
    cur = pd.read_csv(d / "current.csv").drop(columns=["income"])
    app.switch_page(MODEL_DATA).run()
    upload(app, "Model file", "model.skops", (d / "model.skops").read_bytes())
    upload(app, "Reference data", "reference.csv", (d / "reference.csv").read_bytes())
    upload(app, "Current data", "current.csv", cur.to_csv(index=False).encode())
    _click(app, "Load these files")
    errors = errors_of(app)
    assert "'income'" in errors and "current.csv" in errors
    assert app.session_state["workspace"].scenario == "credit"


def test_model_that_raises_is_reported(app, exported, tmp_path):
    import skops.io as sio
    from sklearn.dummy import DummyClassifier

    d = exported["credit"]
    ref = pd.read_csv(d / "reference.csv")
    # a model trained on one column whose dtype the data contradicts: predict raises
    model = DummyClassifier().fit(pd.DataFrame({"region": [1.0, 2.0]}), [0, 1])
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), DummyClassifier()).fit(pd.DataFrame({"region": [1.0, 2.0]}), [0, 1])
    app.switch_page(MODEL_DATA).run()
    upload(app, "Model file", "raises.skops", sio.dumps(model))
    upload(app, "Reference data", "reference.csv", (d / "reference.csv").read_bytes())
    upload(app, "Current data", "current.csv", (d / "current.csv").read_bytes())
    _click(app, "Load these files")
    errors = errors_of(app)
    assert "raised" in errors and "ValueError" in errors, errors
    assert app.session_state["workspace"].scenario == "credit"
    assert len(ref) == 4000


def test_file_over_upload_limit(app):
    from streamlit import config

    old = config.get_option("server.maxUploadSize")
    config.set_option("server.maxUploadSize", 1)
    try:
        app.switch_page(MODEL_DATA).run()
        assert "Up to 1 MB per file" in texts(app)
        big = ("x,y\n" + "1234567.0,7654321.0\n" * 80_000).encode()  # ~1.6 MB
        upload(app, "Current data", "big.csv", big)
        errors = errors_of(app)
        assert "big.csv" in errors and re.search(r"\b1(\.0)? MB limit", errors), errors
        app.switch_page("pages/overview.py").run()
        assert metrics(app)["Current rows"] == "4,000"
    finally:
        config.set_option("server.maxUploadSize", old)


def test_truncated_model_files(app, exported, tmp_path):
    good = (exported["credit"] / "model.skops").read_bytes()
    app.switch_page(MODEL_DATA).run()
    upload(app, "Model file", "model.skops", good[: len(good) // 2])
    errors = errors_of(app)
    assert "model.skops" in errors and ("damaged" in errors or "truncated" in errors), errors
    onnx_bytes = _machines_onnx()
    upload(app, "Model file", "model.onnx", onnx_bytes[: len(onnx_bytes) // 3])
    errors = errors_of(app)
    assert "model.onnx" in errors, errors
    assert app.session_state["workspace"].scenario == "credit"


def _machines_onnx(matrix: bool = False) -> bytes:
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline

    from robustness.demo import load_scenario

    s = load_scenario("machines")
    cols = ["vibration_mm_s", "bearing_temp_c", "pressure_bar", "rpm", "operating_hours"]
    model = make_pipeline(SimpleImputer(), RandomForestClassifier(n_estimators=20, max_depth=6, random_state=0))
    model.fit(s.reference[cols].astype("float32"), s.reference["condition"])
    types = [("X", FloatTensorType([None, len(cols)]))] if matrix else [(c, FloatTensorType([None, 1])) for c in cols]
    if matrix:
        model.fit(s.reference[cols].to_numpy("float32"), s.reference["condition"])
    return to_onnx(model, initial_types=types, options={id(model): {"zipmap": False}}).SerializeToString()


def test_onnx_model_upload(app, exported):
    d = exported["machines"]
    app.switch_page(MODEL_DATA).run()
    upload(app, "Model file", "machines.onnx", _machines_onnx())
    assert not problems(app), problems(app)
    upload(app, "Reference data", "reference.csv", (d / "reference.csv").read_bytes())
    upload(app, "Current data", "current.csv", (d / "current.csv").read_bytes())
    _click(app, "Load these files")
    assert not problems(app), problems(app)
    ws = app.session_state["workspace"]
    assert ws.model.source == "onnx" and ws.model.task.value == "multiclass"
    assert sorted(ws.model.classes) == ["failure", "normal", "wear"]
    app.switch_page("pages/overview.py").run()
    assert metrics(app)["Input columns"] == "5"


def test_untrusted_skops_type_needs_consent(app, exported):
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
    d = exported["credit"]
    app.switch_page(MODEL_DATA).run()
    upload(app, "Model file", "custom.skops", sio.dumps(model))
    errors = errors_of(app)
    assert "_operator.neg" in errors or "operator.neg" in errors, errors
    trust = [m for m in app.multiselect if m.label == "Trust these types"]
    assert trust, "no way offered to trust the types"
    trust[0].set_value(list(trust[0].options)).run()
    assert not problems(app), problems(app)
    upload(app, "Reference data", "reference.csv", (d / "reference.csv").read_bytes())
    upload(app, "Current data", "current.csv", (d / "current.csv").read_bytes())
    _click(app, "Load these files")
    assert not problems(app), problems(app)
    assert app.session_state["workspace"].model.feature_names == cols


def test_latin1_semicolon_files_load_with_notes(app):
    ref = "city;temp;label\n" + "".join(f"Zürich;{i % 17},5;{i % 2}\n" for i in range(200))
    cur = "city;temp;label\n" + "".join(f"Malmö;{i % 13},0;{i % 2}\n" for i in range(200))
    app.switch_page(MODEL_DATA).run()
    upload(app, "Reference data", "ref.csv", ref.encode("latin-1"))
    upload(app, "Current data", "cur.csv", cur.encode("latin-1"))
    body = texts(app)
    assert "latin-1" in body.lower() or "1252" in body, body
    assert "emicolon" in body, body
    _click(app, "Load these files")
    assert not problems(app), problems(app)
    ws = app.session_state["workspace"]
    assert ws.reference.frame["city"].iloc[0] == "Zürich"
    assert ws.current.frame["city"].iloc[0] == "Malmö"


def test_all_nan_and_constant_columns_are_reported(app):
    rows = "".join(f"{i},{i % 7},,same,{i % 2}\n" for i in range(100))
    content = ("x,y,empty,const,label\n" + rows).encode()
    app.switch_page(MODEL_DATA).run()
    upload(app, "Reference data", "ref.csv", content)
    upload(app, "Current data", "cur.csv", content)
    _click(app, "Load these files")
    assert not problems(app), problems(app)
    warnings = warnings_(app)
    assert "Column 'empty' in ref.csv has no values" in warnings
    assert "Column 'const' in ref.csv has the same value ('same')" in texts(app)


def test_user_strings_are_escaped_in_markdown(app):
    name = "**big**[click](http://evil.example)<img src=x>.csv"
    header = "a,<b>bold</b>,[link](http://evil.example),label"
    rows = "".join(f"{i},{i % 5},{i % 3},{i % 2}\n" for i in range(60))
    app.switch_page(MODEL_DATA).run()
    upload(app, "Reference data", name, (header + "\n" + rows).encode())
    upload(app, "Current data", "cur.csv", (header + "\n" + rows).encode())
    _click(app, "Load these files")
    app.switch_page("pages/overview.py").run()
    raw = [m.value for m in app.markdown] + [c.value for c in app.caption] + [w.value for w in app.warning]
    shown = [r for r in raw if "big" in r or "bold" in r or "evil" in r]
    assert shown, "the file name is not shown"
    unescaped = re.compile(r"(?<!\\)(\[click|\*\*big|<img|<b>)")
    for r in shown:
        assert not unescaped.search(r), r


def test_onnx_matrix_input_asks_for_feature_names(app, exported):
    d = exported["machines"]
    app.switch_page(MODEL_DATA).run()
    upload(app, "Model file", "matrix.onnx", _machines_onnx(matrix=True))
    assert "does not record which columns" in errors_of(app)
    (box,) = [t for t in app.text_input if t.label == "Feature names"]
    box.input("vibration_mm_s, bearing_temp_c, pressure_bar, rpm, operating_hours").run()
    assert not problems(app), problems(app)
    upload(app, "Reference data", "reference.csv", (d / "reference.csv").read_bytes())
    upload(app, "Current data", "current.csv", (d / "current.csv").read_bytes())
    _click(app, "Load these files")
    assert not problems(app), problems(app)
    assert app.session_state["workspace"].model.feature_names[0] == "vibration_mm_s"


def test_apply_roles_to_loaded_demo(app):
    app.switch_page(MODEL_DATA).run()
    id_key = next(k for k in _keys(app) if k.startswith("role_id"))
    app.selectbox(key=id_key).set_value("(none)").run()
    _click(app, "Apply roles and kinds")
    ws = app.session_state["workspace"]
    assert ws.roles.id is None and ws.roles.target == "default"
    assert ws.scenario == "credit"  # still the demo, with the user's roles


def test_target_guess_survives_trusting_types(app, exported):
    """Files first, then a LightGBM skops file whose types need consent: once trusted, the target is
    guessed with the model (as the CLI does), not left at (none) from the run without a model."""
    lightgbm = pytest.importorskip("lightgbm")
    import skops.io as sio

    from robustness.demo import load_scenario

    s = load_scenario("credit")
    cols = ["age", "income", "loan_amount", "num_open_accounts", "credit_history_years"]
    model = lightgbm.LGBMClassifier(n_estimators=20, verbose=-1).fit(s.reference[cols], s.reference["default"])
    d = exported["credit"]
    keep = cols + ["default", "application_id", "application_date"]  # the model's inputs, the target, roles
    ref = pd.read_csv(d / "reference.csv")[keep].rename(columns={"default": "status"})
    cur = pd.read_csv(d / "current.csv")[keep].rename(columns={"default": "status"})
    app.switch_page(MODEL_DATA).run()
    upload(app, "Reference data", "reference.csv", ref.to_csv(index=False).encode())
    upload(app, "Current data", "current.csv", cur.to_csv(index=False).encode())
    upload(app, "Model file", "lgbm.skops", sio.dumps(model))
    assert "lightgbm" in errors_of(app).lower()
    (trust,) = [m for m in app.multiselect if m.label == "Trust these types"]
    trust.set_value(list(trust.options)).run()
    assert not problems(app), problems(app)
    (target,) = [b for b in app.selectbox if b.label == "Target"]
    assert target.value == "status"
    app.run()  # and on every later run of the page
    (target,) = [b for b in app.selectbox if b.label == "Target"]
    assert target.value == "status"
    _click(app, "Load these files")
    assert not problems(app), problems(app)
    assert app.session_state["workspace"].roles.target == "status"
