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


def test_pages_without_a_model_file_use_the_prediction_columns(app, exported):
    load_predictions_only(app, exported["credit"])  # prediction 0 on every reference row, 1 on every current one
    open_page(app, PERFORMANCE)
    assert "Predictions are read from the data's columns" in texts(app)
    m = metrics(app)
    ref = pd.read_csv(exported["credit"] / "reference.csv")
    cur = pd.read_csv(exported["credit"] / "current.csv")
    assert float(m["Accuracy, reference"]) == pytest.approx((ref["default"] == 0).mean(), abs=0.0005)
    assert float(m["Accuracy, current"]) == pytest.approx((cur["default"] == 1).mean(), abs=0.0005)
    assert "needs the model file" not in texts(app)  # the banner above says Performance ran: nothing contradicts it
    for section in SECTIONS:  # every view works off the columns (no probabilities here: said where needed)
        app.segmented_control(key="performance_section").set_value(section).run()
        assert not app.exception, (section, [e.value for e in app.exception])
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
    if not app.get("plotly_chart"):  # the scorecard came from the demo's snapshot: charts when asked for
        app.toggle(key="report_charts").set_value(True).run()
    assert app.get("plotly_chart")


def test_trust_report_of_a_demo_opens_from_its_kept_scorecard(app, monkeypatch, tmp_path):
    """The demo's scorecard (default settings) is kept on disk: the page shows it without running the checks
    again; the whole report is computed for what needs it (the charts here; the downloads when clicked)."""
    import robustness.report as report_pkg

    monkeypatch.setenv("ROBUSTNESS_CACHE_DIR", str(tmp_path))
    open_page(app, REPORT)  # nothing on disk: the checks run, and the scorecard is kept
    first = errors_of(app)
    assert "**Verdict: Fail.**" in first and list(tmp_path.glob("demo-credit-*.json"))

    import streamlit as st

    st.cache_resource.clear()  # a later server: nothing in memory
    builds = []
    build = report_pkg.build_report
    monkeypatch.setattr(report_pkg, "build_report", lambda *a, **k: builds.append(1) or build(*a, **k))
    app.switch_page(REPORT).run()
    assert not app.exception, [e.value for e in app.exception]
    assert builds == [] and errors_of(app) == first
    assert not app.get("plotly_chart") and [b for b in app.get("download_button") if "HTML" in b.label]
    app.toggle(key="report_charts").set_value(True).run()
    assert not app.exception, [e.value for e in app.exception]
    assert builds == [1] and app.get("plotly_chart")


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
