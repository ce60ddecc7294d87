"""How the pages present their facts (issue #15): one number format, classes by name, charts split by
which way is better, Plain words without jargon on the Explainability and Performance pages, and tables
that show every row they claim."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from robustness.plots.wording import HIGHER, JARGON, LOWER
from tests.app.test_pages import MODEL_DATA, plain

ROOT = Path(__file__).resolve().parents[2]
OVERVIEW, DRIFT, STRESS = "pages/overview.py", "pages/drift.py", "pages/stress.py"
EXPLAIN, PERFORMANCE, REPORT = "pages/explain.py", "pages/performance.py", "pages/report.py"
EXPLAIN_SECTIONS = ["Importance", "Beeswarm", "Dependence", "Single row", "PDP / ICE", "Shift", "What-if"]
PERFORMANCE_SECTIONS = ["Metrics", "Curves", "Without labels", "Uncertainty"]


def go(app, page, key=None, section=None):
    app.switch_page(page).run()
    if key and section:
        app.segmented_control(key=key).set_value(section).run()
    assert not app.exception, (page, section, [e.value for e in app.exception])
    return app


def charts(app) -> list[dict]:
    return [json.loads(c.proto.spec) for c in app.get("plotly_chart")]


def words_of(app) -> list[tuple[str, str]]:
    """(where, text) for everything a reader sees: text elements, metrics with their help, table headers,
    and the charts' titles, axis titles, panel captions, legend entries and hover templates."""
    out = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "subheader", "title"):
        out += [(kind, plain(e.value)) for e in getattr(app, kind)]
    out += [("metric", f"{m.label}: {m.value} {m.delta or ''} {m.proto.help}") for m in app.metric]
    out += [("table header", " | ".join(map(str, d.value.columns))) for d in app.dataframe]
    for fig in charts(app):
        lay = fig["layout"]
        out.append(("chart title", str(lay.get("title", {}).get("text", ""))))
        out += [(f"chart {k}", str((v.get("title") or {}).get("text", ""))) for k, v in lay.items() if "axis" in k]
        out += [("chart caption", str(a.get("text", ""))) for a in lay.get("annotations", [])]
        out += [("chart trace", f"{t.get('name', '')} {t.get('hovertemplate', '')}") for t in fig["data"]]
    return out


# ------------------------------------------------------------------ one number format
# A number token: not part of a word, an ID (APP-0900000), a date or a version.
NUMBER = re.compile(r"(?<![\w.\-/:#^×÷])(-?\d[\d,]*(?:\.\d+)?)(%?)(?![\w]*[-:/.]?\d)")


def format_problems(text: str) -> list[str]:
    """Number tokens with more than 3 significant figures (decimals) or without thousands separators
    (4 digits or more; whole numbers such as counts may keep every digit; years 19xx/20xx pass)."""
    found = []
    for m in NUMBER.finditer(text):
        token = m.group(1).lstrip("-")
        whole, _, frac = token.partition(".")
        whole = whole.rstrip(",")
        if "," in whole and not re.fullmatch(r"\d{1,3}(,\d{3})+", whole):
            if all(len(p) <= 3 for p in whole.split(",")):
                continue  # a list such as "1,2,3"
            found.append(f"{token}: thousands not separated by commas")
            continue
        digits = whole.replace(",", "")
        if frac and len((digits + frac).lstrip("0")) > 3:
            found.append(f"{token}: more than 3 significant figures")
        year = not frac and len(digits) == 4 and digits[:2] in ("19", "20")
        if len(digits) >= 4 and "," not in whole and not year:
            found.append(f"{token}: no thousands separator")
    return found


def test_format_problems_finds_what_the_rule_forbids():
    assert format_problems("accuracy 0.869, 4,000 rows, 45.7%, 1,230,000 and 0.000123 in 2024") == []
    assert format_problems("APP-0900123 on 2024-07-01, version 1.67.0, R2, ×1000, seed 0") == []
    assert format_problems("accuracy 0.8693") == ["0.8693: more than 3 significant figures"]
    assert format_problems("over 4000 values") == ["4000: no thousands separator"]
    assert format_problems("-0.03934 and 12.30%") == [
        "0.03934: more than 3 significant figures",
        "12.30: more than 3 significant figures",
    ]


PAGES = [
    (OVERVIEW, None, [None]),
    (MODEL_DATA, None, [None]),
    (DRIFT, "drift_section", ["Columns", "Data quality", "Multivariate", "Predictions & target", "Over time"]),
    (STRESS, None, [None]),
    (EXPLAIN, "explain_section", ["Importance", "Single row", "Shift", "What-if"]),
    (PERFORMANCE, "performance_section", ["Metrics", "Without labels", "Weak segments", "Uncertainty", "Groups"]),
    (REPORT, None, [None]),
    ("pages/compare.py", None, [None]),
]


@pytest.mark.parametrize("scenario", ["credit", "energy"])
def test_every_page_writes_numbers_in_the_one_format(app, scenario):
    if scenario != "credit":
        app.selectbox(key="scenario_choice").set_value(scenario).run()
    bad = []
    for page, key, sections in PAGES:
        for section in sections:
            go(app, page, key, section)
            for where, text in words_of(app):
                if where.startswith(("chart", "table")):
                    continue  # charts format with d3 (tests/plots); tables through dashboard.tables
                bad += [f"{page} {section or ''} ({where}): {p} in {text[:120]!r}" for p in format_problems(text)]
    assert not bad, "\n".join(bad)


# ------------------------------------------------------------------ classes by name
def test_credit_classes_are_named_on_every_page(app):
    ws = app.session_state["workspace"]
    assert ws.class_names == {"0": "repaid", "1": "default"}
    go(app, OVERVIEW)
    (predicted,) = [f for f in charts(app) if f["layout"]["title"]["text"] == "Predicted classes"]
    assert [tuple(t["x"]) for t in predicted["data"]] == [("repaid", "default")] * 2

    go(app, PERFORMANCE, "performance_section", "Metrics")
    matrices = [f for f in charts(app) if f["layout"]["title"]["text"].startswith("Confusion matrix")]
    assert len(matrices) == 2
    for f in matrices:
        assert list(f["data"][0]["x"]) == ["repaid", "default"] and list(f["data"][0]["y"]) == ["repaid", "default"]
    table = app.dataframe[0].value
    assert "'default'" in " ".join(table["what it measures"])  # precision and recall name the positive class
    go(app, PERFORMANCE, "performance_section", "Curves")
    calibration = " ".join(m.value for m in app.markdown)
    assert "When the model gives 'default' a probability of about" in calibration

    go(app, EXPLAIN, "explain_section", "Importance")
    assert "'default'" in plain(app.info[0].value)
    importance = charts(app)[0]  # the second: the demo's challenger beside the model
    assert "'default'" in importance["layout"]["title"]["text"] and "'1'" not in importance["layout"]["title"]["text"]
    go(app, EXPLAIN, "explain_section", "Single row")
    assert {m.label: m.value for m in app.metric}["Prediction"].split(" · ")[0] in ("repaid", "default")

    go(app, DRIFT, "drift_section", "Predictions & target")
    shares = [d.value for d in app.dataframe if "share in current" in d.value.columns]
    assert shares and set(shares[0]["class"]) == {"repaid", "default"}

    go(app, STRESS)
    fragile = [d.value for d in app.dataframe if "becomes" in d.value.columns]
    assert fragile and set(fragile[0]["prediction"]) | set(fragile[0]["becomes"]) <= {"repaid", "default"}


def test_class_names_typed_on_model_and_data_replace_the_numbers(app):
    go(app, MODEL_DATA)
    (names,) = [t for t in app.text_input if t.label == "Class names (optional)"]
    assert names.value == "0 = repaid, 1 = default"  # the demo's names, editable
    names.set_value("0 = paid back, 1 = defaulted").run()
    (apply,) = [b for b in app.button if b.label == "Apply roles and kinds"]
    apply.click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.session_state["workspace"].class_names == {"0": "paid back", "1": "defaulted"}
    go(app, OVERVIEW)
    (predicted,) = [f for f in charts(app) if f["layout"]["title"]["text"] == "Predicted classes"]
    assert list(predicted["data"][0]["x"]) == ["paid back", "defaulted"]


def test_machines_labels_are_their_own_names(app):
    app.selectbox(key="scenario_choice").set_value("machines").run()
    go(app, OVERVIEW)
    (predicted,) = [f for f in charts(app) if f["layout"]["title"]["text"] == "Predicted classes"]
    assert set(predicted["data"][0]["x"]) == {"normal", "wear", "failure"}
    go(app, MODEL_DATA)
    assert not [t for t in app.text_input if t.label == "Class names (optional)"]  # text labels need no names


def test_the_demo_export_says_the_class_names():
    from robustness.demo import load_scenario, scenario_class_names

    assert load_scenario("credit").manifest()["class_names"] == {"0": "repaid", "1": "default"}
    assert scenario_class_names("credit") == {"0": "repaid", "1": "default"}
    assert scenario_class_names("machines") == {} and scenario_class_names("nope") == {}


# ------------------------------------------------------------------ higher is better / lower is better
@pytest.mark.parametrize(
    "scenario, higher, lower",
    [
        ("credit", {"Accuracy", "F1 (precision and recall together)"}, {"Probability error"}),
        ("energy", {"Variation explained (R²)"}, {"Average error (MAE)", "Typical error (RMSE)"}),
    ],
)
def test_performance_metrics_chart_is_split_by_direction(app, scenario, higher, lower):
    if scenario != "credit":
        app.selectbox(key="scenario_choice").set_value(scenario).run()
    go(app, PERFORMANCE, "performance_section", "Metrics")
    (fig,) = [f for f in charts(app) if "95%" in f["layout"]["title"]["text"]]
    captions = [a["text"] for a in fig["layout"]["annotations"]]
    assert captions == [HIGHER, LOWER]
    by_panel = {"x": set(), "x2": set()}
    for trace in fig["data"]:
        by_panel[trace.get("xaxis", "x")] |= {x.replace("<br>", " ") for x in trace["x"]}  # long names on two lines
    assert higher <= by_panel["x"] and lower <= by_panel["x2"] and not by_panel["x"] & by_panel["x2"]
    said = " ".join(c.value for c in app.caption)
    assert f"**{HIGHER}:**" in said and f"**{LOWER}:**" in said
    assert set(app.dataframe[0].value["better"]) == {"higher", "lower"}


def test_the_reports_metrics_chart_is_split_too():
    from robustness.demo import scenario_workspace
    from robustness.report import ReportConfig, build_report
    from robustness.report.export import report_figures

    report = build_report(scenario_workspace("credit"), ReportConfig(checks=("Performance",)))
    (fig,) = [f for section, f in report_figures(report) if "95%" in str(f.layout.title.text)]
    assert [a.text for a in fig.layout.annotations] == [HIGHER, LOWER]


# ------------------------------------------------------------------ plain words
def _jargon(app) -> list[str]:
    return [
        f"{where}: {word!r} in {text[:140]!r}"
        for where, text in words_of(app)
        for word in JARGON
        if word.lower() in text.lower()
    ]


def test_plain_mode_has_no_jargon_on_explain_and_performance_and_technical_does(app):
    assert app.segmented_control(key="plain_words").value == "Plain"
    found = []
    for section in EXPLAIN_SECTIONS:
        go(app, EXPLAIN, "explain_section", section)
        found += [f"Explainability {section}: {j}" for j in _jargon(app)]
    for section in PERFORMANCE_SECTIONS:
        go(app, PERFORMANCE, "performance_section", section)
        found += [f"Performance {section}: {j}" for j in _jargon(app)]
    assert not found, "\n".join(found)

    app.segmented_control(key="plain_words").set_value("Technical").run()
    seen = ""
    for section in ("Importance", "Single row", "Shift"):
        go(app, EXPLAIN, "explain_section", section)
        seen += " ".join(t for _, t in words_of(app))
    assert "SHAP value" in seen and "log-odds" in seen
    seen = ""
    for section in ("Metrics", "Curves"):
        go(app, PERFORMANCE, "performance_section", section)
        seen += " ".join(t for _, t in words_of(app))
    assert "Brier score" in seen and "ECE" in seen


def test_plain_section_names_on_the_explainability_page(app):
    go(app, EXPLAIN)
    control = app.segmented_control(key="explain_section")
    assert "Every row" in control.options and "Beeswarm" not in control.options
    app.segmented_control(key="plain_words").set_value("Technical").run()
    go(app, EXPLAIN)
    assert "Beeswarm" in app.segmented_control(key="explain_section").options


# ------------------------------------------------------------------ tables
# The pages of the story and the views they share (pages added since, such as History, have their own tests).
STORY_FILES = [
    "pages/overview.py",
    "pages/model_data.py",
    "pages/drift.py",
    "pages/stress.py",
    "pages/explain.py",
    "pages/performance.py",
    "pages/report.py",
    "pages/present.py",
    "dashboard/drift_views.py",
    "dashboard/explain_views.py",
    "dashboard/large_data.py",
    "dashboard/story.py",
    "dashboard/tables.py",
]


def test_every_table_goes_through_the_one_helper():
    """st.dataframe is called in dashboard/tables.py (every row in view up to 40, else a caption) and for
    Model & data's previews of the raw data, which say how many rows they show."""
    calls = {f: (ROOT / f).read_text(encoding="utf-8").count("st.dataframe(") for f in STORY_FILES}
    assert {k: v for k, v in calls.items() if v} == {"dashboard/tables.py": 1, "pages/model_data.py": 1}


def test_previews_say_how_many_rows_they_show(app):
    go(app, MODEL_DATA)
    said = " ".join(c.value for c in app.caption)
    assert said.count("The first 200 of 4,000 rows") == 2


def test_hidden_rows_are_counted():
    from dashboard.tables import MAX_TABLE_ROWS, hidden_rows_note, table_height

    assert hidden_rows_note(12) is None and table_height(12) == 38 + 35 * 12
    assert table_height(500) == table_height(MAX_TABLE_ROWS)
    assert hidden_rows_note(MAX_TABLE_ROWS + 5, what="columns") == (
        f"{MAX_TABLE_ROWS + 5} columns in the table: 5 of them are below the visible part; scroll inside the "
        "table to see them."
    )
    assert hidden_rows_note(20, total=4000) == "Showing the first 20 of 4,000 rows."
