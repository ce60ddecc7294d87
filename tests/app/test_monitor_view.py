"""The Performance page's 'Over time' view: label-free estimates per window on the demo (labels stop
arriving halfway), and on a model-free upload (prediction and probability columns only)."""

import json

import pandas as pd

from tests.app.test_pages import MODEL_DATA, _click, texts, upload

PERFORMANCE = "pages/performance.py"


def _figures(app) -> list[dict]:
    return [json.loads(c.proto.spec) for c in app.get("plotly_chart")]


def _titles(app) -> list[str]:
    return [f["layout"].get("title", {}).get("text", "") for f in _figures(app)]


def test_over_time_on_the_credit_demo(app):
    app.switch_page(PERFORMANCE).run()
    app.segmented_control(key="performance_section").set_value("Over time").run()
    assert not app.exception, [e.value for e in app.exception]
    assert "Accuracy per window, estimated without labels" in _titles(app)
    assert "labels arrive only until 2024-10-01" in texts(app)
    fig = next(f for f in _figures(app) if f["layout"]["title"]["text"].startswith("Accuracy per window"))
    names = [t.get("name", "") for t in fig["data"]]
    assert any(n.startswith("estimated: Confidence-based") for n in names)
    assert "realised (labels)" in names and any(n.startswith("reference band") for n in names)
    realised = next(t for t in fig["data"] if t.get("name") == "realised (labels)")["y"]
    assert realised[0] is not None and realised[-1] is None  # labels stop arriving halfway
    table = app.dataframe[-1].value
    assert len(table) == 26 and table["drifted columns"].str.contains("income").any()
    app.segmented_control(key="monitor_metric").set_value("roc_auc").run()
    assert "ROC AUC per window, estimated without labels" in _titles(app)


def test_over_time_without_a_model_file(app, exported):
    from robustness.models import load_model

    d = exported["credit"]
    model = load_model(d / "model.skops")
    frames = {}
    for name in ("reference", "current"):
        f = pd.read_csv(d / f"{name}.csv")
        f["pred"] = model.predict(f)
        f["proba_1"] = model.predict_proba(f)[:, 1]
        frames[name] = f
    app.switch_page(MODEL_DATA).run()
    upload(app, "Reference data", "r.csv", frames["reference"].to_csv(index=False).encode())
    upload(app, "Current data", "c.csv", frames["current"].to_csv(index=False).encode())
    pred_key = next(w.key for w in app.selectbox if w.key and w.key.startswith("role_prediction"))
    app.selectbox(key=pred_key).set_value("pred").run()
    _click(app, "Load these files")
    assert not app.exception, [e.value for e in app.exception]
    app.switch_page(PERFORMANCE).run()
    assert not app.exception, [e.value for e in app.exception]
    app.segmented_control(key="performance_section").set_value("Over time").run()  # the columns are measured too
    assert not app.exception, [e.value for e in app.exception]
    assert "Accuracy per window, estimated without labels" in _titles(app)
    assert "Demo story" not in texts(app)
