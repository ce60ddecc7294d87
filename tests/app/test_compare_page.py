"""The Compare models page: the credit demo's challenger story, the verdict first, every section, the one number
format, escaped names, and what the page says without a challenger."""

from __future__ import annotations

import json

import pytest

from tests.app.test_compare_challenger import CHALLENGER, _click, ws_of
from tests.app.test_pages import MODEL_DATA, texts, upload
from tests.app.test_presentation import format_problems

COMPARE = "pages/compare.py"


def _charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_the_page_is_in_the_navigation():
    from dashboard.navigation import available_pages

    assert ("compare.py", "Compare models", "⚖️") in available_pages()


def test_the_demo_tells_the_challengers_story(app):
    app.switch_page(COMPARE).run()
    assert not app.exception, [e.value for e in app.exception]
    # the verdict comes first: the first box of the page, right after the line naming the two models
    verdict = app.info[0].value
    assert not app.error and not app.success and not app.warning
    assert verdict.startswith("**Verdict on the current data: NO SIGNIFICANT DIFFERENCE on Accuracy.**")
    # better on reference accuracy, not on current, more fragile under unit errors
    assert "On the reference data (4,000 rows) the challenger is better on Accuracy" in verdict
    assert "On the current data (4,000 rows) the challenger is not significantly different on Accuracy" in verdict
    assert "Robustness cost: the challenger is more fragile" in verdict and "worst Unit error" in verdict
    assert "The demo's challenger" in texts(app)
    assert [s.value for s in app.subheader] == [
        "Metrics, paired",
        "Where the two disagree",
        "Stress tests, both models",
        "The columns each model relies on",
    ]
    charts = _charts(app)
    assert len(charts) == 4
    names = {t.get("name") for c in charts for t in c["data"]}
    assert {"champion", "challenger"} <= names
    stress = charts[2]
    champion, challenger = (dict(zip(t["y"], t["x"])) for t in stress["data"][:2])
    unit = next(k for k in champion if k.startswith("Unit error ×1000"))
    assert challenger[unit] > champion[unit] + 0.05
    tables = {tuple(d.value.columns)[0]: d.value for d in app.dataframe}
    metrics = tables["data"]
    ref_acc = metrics[(metrics["data"] == "reference") & (metrics["metric"] == "Accuracy")].iloc[0]
    cur_acc = metrics[(metrics["data"] == "current") & (metrics["metric"] == "Accuracy")].iloc[0]
    assert ref_acc["challenger is"] == "better" and cur_acc["challenger is"] == "no significant difference"
    assert ref_acc["95% low"] > 0 and cur_acc["95% low"] < 0 < cur_acc["95% high"]
    assert {"segment", "perturbation", "column"} <= set(tables)
    assert [m.label for m in app.metric] == ["They disagree on (reference)", "They disagree on (current)"]


def test_numbers_in_the_one_format(app):
    app.switch_page(COMPARE).run()
    words = [
        e.value for kind in ("markdown", "caption", "info", "warning", "success", "error") for e in getattr(app, kind)
    ]
    words += [f"{m.value} {m.proto.help}" for m in app.metric]
    bad = [f"{p} in {w[:100]!r}" for w in words for p in format_problems(str(w))]
    assert not bad, bad


def test_settings_recompute(app):
    app.switch_page(COMPARE).run()
    (n_boot,) = [n for n in app.number_input if n.label == "Bootstrap resamples"]
    n_boot.set_value(200)
    (apply,) = [b for b in app.button if b.label == "Apply"]
    apply.click().run()
    assert not app.exception
    assert "(200 resamples of rows" in texts(app)


def test_without_a_challenger_the_page_says_how_to_load_one(app):
    app.switch_page(MODEL_DATA).run()
    _click(app, "Remove the challenger")
    app.switch_page(COMPARE).run()
    assert not app.exception
    assert "Load a challenger to compare" in app.info[0].value
    assert not app.get("plotly_chart")
    app.selectbox(key="scenario_choice").set_value("energy").run()
    app.switch_page(COMPARE).run()
    assert "Load a challenger to compare" in app.info[0].value


def test_names_are_escaped(app):
    import tempfile
    from pathlib import Path

    from robustness.demo import export_challenger

    with tempfile.TemporaryDirectory() as tmp:
        content = export_challenger("credit", Path(tmp)).read_bytes()
    name = "<script>alert(1)</script>_*x*_.skops"
    app.switch_page(MODEL_DATA).run()
    upload(app, CHALLENGER, name, content)
    _click(app, "Load the challenger")
    assert ws_of(app).challenger_name == name
    app.switch_page(COMPARE).run()
    assert not app.exception
    intro = app.markdown[0].value
    assert "\\<script\\>alert(1)\\</script\\>\\_\\*x\\*\\_.skops" in intro and "<script>" not in intro


def test_a_failing_comparison_is_reported(app, monkeypatch):
    from robustness.compare import CompareError

    def fail(*args, **kwargs):
        raise CompareError("The two models cannot be compared here: on purpose.")

    monkeypatch.setattr("dashboard.compare_cache.compare_workspace", fail)
    app.switch_page(COMPARE).run()
    assert not app.exception
    assert "cannot be compared here: on purpose" in app.error[0].value
    assert not app.get("plotly_chart")


@pytest.mark.parametrize("words", ["Plain", "Technical"])
def test_both_reading_modes(app, words):
    app.segmented_control(key="plain_words").set_value(words).run()
    app.switch_page(COMPARE).run()
    assert not app.exception
    rows = _charts(app)[0]["data"][0]["y"]
    assert ("Ranking quality (ROC AUC) ↑ (current)" in rows) == (words == "Plain")


def test_the_trust_report_has_the_section(app):
    app.switch_page("pages/report.py").run()
    assert not app.exception, [e.value for e in app.exception]
    heads = [s.value for s in app.subheader]
    assert "Champion vs challenger" in heads and heads.index("Champion vs challenger") < heads.index("Download")
    box = next(i.value for i in app.info if "not significantly different" in i.value)
    assert box.startswith("**No significant difference.** The challenger is not significantly different from the")
    assert "paired 95% interval from -" in box and "Robustness cost: the challenger is more fragile" in box
    assert "Unit error ×1000" in box
    assert not format_problems(box), format_problems(box)
    if not _charts(app):  # the scorecard came from the demo's snapshot: the charts are drawn when asked for
        app.toggle(key="report_charts").set_value(True).run()
    titles = [c["layout"]["title"]["text"] for c in _charts(app)]
    assert "Champion vs challenger on the same rows" in titles


def test_a_multiclass_pair(app):
    """The machines demo (3 classes) with a second multiclass model as challenger: the page compares them,
    ROC AUC as the macro one-vs-rest AUC with its DeLong-type test, and class by class in an expander."""
    from tests.app.test_pages import _machines_onnx

    app.selectbox(key="scenario_choice").set_value("machines").run()
    app.switch_page(MODEL_DATA).run()
    upload(app, CHALLENGER, "machines.onnx", _machines_onnx())
    _click(app, "Load the challenger")
    assert ws_of(app).challenger_name == "machines.onnx" and ws_of(app).model.task.value == "multiclass"
    app.switch_page(COMPARE).run()
    assert not app.exception, [e.value for e in app.exception]
    verdict = ([b.value for kind in ("success", "error", "info") for b in getattr(app, kind)] or [""])[0]
    assert verdict.startswith("**Verdict on the current data:") and "on Accuracy" in verdict
    tables = {tuple(d.value.columns)[:2]: d.value for d in app.dataframe}
    metrics = tables[("data", "metric")]
    auc = metrics[metrics["metric"].str.endswith("ROC AUC), macro")]  # plain words: "Ranking quality (ROC AUC)"
    assert list(auc["data"]) == ["reference", "current"]
    assert set(auc["test"]) == {"DeLong one-vs-rest"} and auc["p-value"].between(0, 1).all()
    by_class = tables[("data", "class")]
    assert sorted(set(by_class["class"])) == ["failure", "normal", "wear"] and len(by_class) == 6
    assert (by_class["Holm p-value"] >= by_class["p-value"]).all()
    assert any(e.label == "ROC AUC class by class" for e in app.expander)
    assert len(_charts(app)) == 4
