"""The 'Performance' and 'Trust report' pages on the demos, without labels, and without a model."""

import json

import pandas as pd
import pytest

from tests.app.test_pages import MODEL_DATA, _click, errors_of, load_predictions_only, metrics, texts, upload

PERFORMANCE = "pages/performance.py"
REPORT = "pages/report.py"
SECTIONS = ["Metrics", "Without labels", "Weak segments", "Uncertainty", "Groups", "Over time"]


def open_page(app, page, scenario=None):
    if scenario:
        app.selectbox(key="scenario_choice").set_value(scenario).run()
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _upload_without_labels(app, exported):
    d = exported["credit"]
    cur = pd.read_csv(d / "current.csv").drop(columns=["default"])
    app.switch_page(MODEL_DATA).run()
    upload(app, "Model file", "model.skops", (d / "model.skops").read_bytes())
    upload(app, "Reference data", "reference.csv", (d / "reference.csv").read_bytes())
    upload(app, "Current data", "current.csv", cur.to_csv(index=False).encode())
    _click(app, "Load these files")
    assert not app.exception, [e.value for e in app.exception]


def test_performance_sections_on_credit(app):
    open_page(app, PERFORMANCE)
    m = metrics(app)
    assert float(m["Accuracy, reference"]) == pytest.approx(0.869, abs=0.002)
    assert float(m["Accuracy, current"]) < float(m["Accuracy, reference"])
    for section in SECTIONS + ["Curves"]:
        app.segmented_control(key="performance_section").set_value(section).run()
        assert not app.exception, (section, [e.value for e in app.exception])
        assert app.get("plotly_chart") or section in ("Weak segments",), section
    app.segmented_control(key="performance_section").set_value("Uncertainty").run()
    assert "Coverage on current data" in errors_of(app) + texts(app)


@pytest.mark.parametrize("scenario", ["energy", "machines"])
def test_performance_on_regression_and_multiclass(app, scenario):
    open_page(app, PERFORMANCE, scenario)
    label = "MAE" if scenario == "energy" else "Accuracy"
    assert f"{label}, current" in metrics(app)
    section = "Residuals" if scenario == "energy" else "Curves"
    app.segmented_control(key="performance_section").set_value(section).run()
    assert not app.exception and app.get("plotly_chart")


def test_performance_without_current_labels_is_estimated(app, exported):
    _upload_without_labels(app, exported)
    open_page(app, PERFORMANCE)
    assert "estimated from the reference" in texts(app)
    app.segmented_control(key="performance_section").set_value("Without labels").run()
    assert not app.exception
    assert "Confidence-based" in texts(app) or app.get("plotly_chart")


def test_pages_need_a_model(app, exported):
    load_predictions_only(app, exported["credit"])
    open_page(app, PERFORMANCE)
    assert "needs the model file" in texts(app)
    open_page(app, REPORT)
    assert "No model file was given" in texts(app)  # model checks are skipped, data checks still run
    assert "Data drift" in texts(app)


def test_trust_report_on_credit(app):
    open_page(app, REPORT)
    body = texts(app)
    assert "**Verdict: Fail.**" in errors_of(app)
    for area in ("Data quality", "Data drift", "Stress tests", "Explanation shift", "Performance", "Uncertainty"):
        assert area in body
    assert "gig-economy" in body
    labels = [b.label for b in app.get("download_button")]
    assert any("HTML" in lbl for lbl in labels) and any("JSON" in lbl for lbl in labels)
    assert app.get("plotly_chart")


def test_trust_report_thresholds_from_the_form(app):
    open_page(app, REPORT)
    app.multiselect[0].set_value(["Performance"])
    app.number_input[0].set_value(0.01)
    app.number_input[1].set_value(0.02)
    (submit,) = [b for b in app.button if "Apply" in b.label] or [None]
    if submit is None:
        app.get("form_submit_button")[0].click()
    else:
        submit.click()
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert "**Verdict: Fail.**" in errors_of(app)
    assert "less accurate on current data" in texts(app)  # plain words by default
    app.segmented_control(key="plain_words").set_value("Technical").run()
    assert "worse" in texts(app) and "95% interval" in texts(app)  # the technical sentence, same check


def test_trust_report_settings_file_with_a_bad_key(app):
    open_page(app, REPORT)
    upload(
        app,
        "Settings file (TOML or JSON, a [report] table)",
        "bad.json",
        json.dumps({"report": {"colour": "red"}}).encode(),
    )
    app.run()
    assert not app.exception
    assert "Unknown report setting 'colour'" in errors_of(app)
