"""The 'Explainability' page on the demos, its sections, the what-if form, and the bad cases."""

import dataclasses
import json
import re

import pytest

from tests.app.test_pages import errors_of, plain, problems, texts

EXPLAIN = "pages/explain.py"
SECTIONS = ["Importance", "Beeswarm", "Dependence", "Single row", "PDP / ICE", "Shift", "What-if"]


def open_explain(app, scenario=None):
    if scenario:
        app.selectbox(key="scenario_choice").set_value(scenario).run()
    app.switch_page(EXPLAIN).run()
    ok(app)
    return app


def ok(app):
    assert not app.exception, [e.value for e in app.exception]
    assert not problems(app), problems(app)


def section(app, name):
    app.segmented_control(key="explain_section").set_value(name).run()
    ok(app)
    return app


def charts(app) -> list[dict]:
    return [json.loads(c.proto.spec) for c in app.get("plotly_chart")]


def button(app, label):
    (b,) = [b for b in app.button if b.label == label]
    return b


@pytest.mark.parametrize("scenario", ["credit", "energy", "machines"])
def test_every_section_renders(app, scenario):
    open_explain(app, None if scenario == "credit" else scenario)
    assert app.title[0].value == "💡 Explainability"
    info = plain(app.info[0].value)
    assert "How to read this page" in info and "500 of" in info and "SHAP" not in info  # plain words by default
    app.segmented_control(key="plain_words").set_value("Technical").run()
    info = plain(app.info[0].value)
    assert "Explainer: Tree SHAP" in info and "Rows explained:" in info and "500 of" in info
    assert "Additivity checked" in texts(app)
    classes = {"credit": None, "energy": None, "machines": ["failure", "normal", "wear"]}[scenario]
    for name in SECTIONS:
        section(app, name)
        assert app.get("plotly_chart"), f"{name}: no chart"
        if classes:  # multiclass: a class selector wherever a chart is per class
            pickers = [s for s in app.selectbox if s.label == "Class"]
            assert name == "Shift" or pickers, f"{name}: no class selector"
            for p in pickers:
                assert set(classes) <= set(p.options)
        else:
            assert not [s for s in app.selectbox if s.label == "Class"], name


def test_credit_importance_names_raw_columns(app):
    open_explain(app)
    app.segmented_control(key="plain_words").set_value("Technical").run()
    table = app.dataframe[0].value
    assert "employment_type" in set(table["column"])
    assert table.shape[0] == 11
    assert "permutation importance" in table.columns  # scikit-learn's, beside SHAP
    fig = charts(app)[0]  # the second: the demo's challenger beside the model
    shown = json.dumps(fig["data"])
    assert "employment_type" in shown and "cat__" not in shown and "num__" not in shown
    assert "log-odds" in fig["layout"]["title"]["text"]
    assert "with the labels in 'default'" in texts(app)


def test_machines_class_selector_switches_the_chart(app):
    open_explain(app, "machines")
    picker = app.selectbox(key="explain_imp_output")
    assert picker.options == ["all classes (stacked)", "failure", "normal", "wear"]
    assert len(charts(app)[0]["data"]) == 4  # three stacked classes + permutation importance
    picker.set_value("wear").run()
    ok(app)
    fig = charts(app)[0]
    assert len(fig["data"]) == 2 and "for 'wear'" in fig["layout"]["title"]["text"]  # plain words: no "class"


def test_whatif_edit_changes_the_prediction(app):
    open_explain(app)
    section(app, "What-if")
    before = next(m.value for m in app.markdown if "Prediction:" in m.value)
    assert "the row as it is in the data" in plain(before)
    (income,) = [n for n in app.number_input if n.label == "income"]
    income.set_value(2_000.0)
    button(app, "Predict").click().run()
    ok(app)
    after = plain(next(m.value for m in app.markdown if "Prediction:" in m.value))
    assert after != plain(before) and "before changing income" in after


def test_counterfactual_on_credit_finds_a_change(app):
    open_explain(app)
    section(app, "What-if")
    assert [s for s in app.subheader if "Smallest change" in s.value]
    button(app, "Search").click().run()
    ok(app)
    found = plain(" ".join(s.value for s in app.success))
    assert "Changing" in found and "changes the prediction from" in found, texts(app)


def test_single_row_offers_worst_errors_and_fragile_rows(app):
    from types import SimpleNamespace

    from robustness.jsonsafe import to_json_safe
    from robustness.stress import FragileRow

    # what the stress page leaves in the session: one row of this workspace, one of another
    ws = app.session_state["workspace"]
    frame = ws.current.frame
    mine = FragileRow(
        row=int(frame.index[7]),
        min_severity=0.05,
        perturbation="gaussian_noise",
        values=to_json_safe(frame.iloc[7][ws.feature_columns()].to_dict()),
        prediction=0,
        flipped_to=1,
    )
    other = FragileRow(
        row=int(frame.index[8]),
        min_severity=0.05,
        perturbation="gaussian_noise",
        values={"income": -1.0},
        prediction=0,
        flipped_to=1,
    )
    app.session_state["stress_results"] = {"run": SimpleNamespace(fragile=(mine, other))}
    open_explain(app)
    section(app, "Single row")
    mode = app.radio(key="explain_row_mode")
    assert mode.options == ["by ID", "by row number", "worst errors", "stress-test fragile rows"]
    mode.set_value("worst errors").run()
    ok(app)
    worst = app.selectbox(key="explain_row_worst")
    # as robustness.performance writes them (AppTest lists the shown texts): classes by the demo's names, the
    # confidence as a share in the one number format
    for text in worst.options:
        assert re.fullmatch(
            r"row \d+: predicted (repaid|default) \(\d+(\.\d)?% sure\), actually (repaid|default)", text
        )
    # names typed later on Model & data relabel the list (they are not part of the workspace key)
    app.session_state["workspace"] = dataclasses.replace(ws, class_names={"0": "paid", "1": "late"})
    app.run()
    renamed = app.selectbox(key="explain_row_worst").options
    assert [t.split(":")[0] for t in renamed] == [t.split(":")[0] for t in worst.options]
    assert all(re.search(r"predicted (paid|late) .* actually (paid|late)$", t) for t in renamed), renamed
    app.session_state["workspace"] = ws
    app.run()
    app.radio(key="explain_row_mode").set_value("stress-test fragile rows").run()
    ok(app)
    (shown,) = app.selectbox(key="explain_row_fragile").options  # the other workspace's row is left out
    assert shown.startswith(f"row {mine.row}: repaid → default under Gaussian noise at severity 0.05")  # names, not ids
    assert [m for m in app.metric if m.label == "Prediction"]


def test_linear_on_a_tree_model_is_an_error_and_the_page_goes_on(app):
    open_explain(app)
    (method,) = [s for s in app.selectbox if s.label == "Explainer"]
    method.set_value("linear")
    button(app, "Apply settings").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert "linear explainer cannot explain this model" in errors_of(app)
    assert app.title[0].value == "💡 Explainability"
    (method,) = [s for s in app.selectbox if s.label == "Explainer"]
    method.set_value("auto")
    button(app, "Apply settings").click().run()
    ok(app)
    assert "How to read this page" in plain(app.info[0].value)
    app.segmented_control(key="plain_words").set_value("Technical").run()
    assert "Explainer: Tree SHAP" in plain(app.info[0].value)


def test_needs_a_model(app, exported):
    from tests.app.test_pages import load_predictions_only

    load_predictions_only(app, exported["credit"])
    app.switch_page(EXPLAIN).run()
    assert not app.exception
    assert "Explanations need the model file" in texts(app)
    assert not app.get("plotly_chart")
