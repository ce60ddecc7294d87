"""The trust report's "Champion vs challenger" section in HTML, PDF and JSON: the verdict, the headline metric's
difference and interval, the robustness cost; every user string escaped."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from robustness.models import from_estimator
from robustness.report import ReportConfig, build_report
from robustness.report.export import find_chromium, report_figures, to_html, to_json, to_pdf
from robustness.report.run import compare_in_report, with_challenger
from robustness.report.story import challenger_section
from robustness.schema import ColumnRoles
from robustness.workspace import build_workspace, table_from_frame

EVIL = "<script>alert(1)</script>"
EVIL_MODEL = "<script>steal()</script>.skops"


def _frame(seed: int, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    y = (1.5 * x[:, 0] + 0.3 * x[:, 1] + 0.6 * rng.normal(size=n) > 0).astype(int)
    return pd.DataFrame({EVIL: x[:, 0], "b": x[:, 1], "y": y})


@pytest.fixture(scope="module")
def report():
    train = _frame(0)
    champion = from_estimator(LogisticRegression().fit(train[[EVIL, "b"]], train["y"]))
    # the challenger hardly uses the strong column: clearly worse, and leaning less on it
    challenger = from_estimator(
        DecisionTreeClassifier(max_depth=3, random_state=0).fit(train[["b"]].assign(**{EVIL: 0.0}), train["y"])
    )
    ws = build_workspace(
        table_from_frame(_frame(1), "ref<b>.csv"),
        table_from_frame(_frame(2), "cur.csv"),
        ColumnRoles(target="y"),
        model=champion,
        model_name="champion<i>.skops",
        model_sha256="a" * 64,
    ).with_challenger(challenger, name=EVIL_MODEL, sha256="b" * 64)
    config = ReportConfig(checks=("Performance",))
    base = build_report(ws, config)
    return with_challenger(base, compare_in_report(ws, config, n_boot=200), name=ws.challenger_name, sha256="b" * 64)


def test_the_section_says_verdict_difference_and_robustness(report):
    section = challenger_section(report)
    result = report.results["compare"]
    assert section.verdict == result.verdict == "worse"
    assert section.headline == "The challenger is worse than the champion on Accuracy (current data)."
    m = result.metric("accuracy", "current")
    assert section.difference.startswith(f"Accuracy on the current data ({m.n_rows:,} rows): challenger ")
    assert "paired 95% interval from -" in section.difference and "McNemar mid-p p-value" in section.difference
    assert section.robustness.startswith(("Robustness cost:", "No robustness cost:"))
    assert section.champion == "champion<i>.skops" and section.challenger == EVIL_MODEL
    assert challenger_section(build_report(report_ws_without(report), ReportConfig(checks=()))) is None


def report_ws_without(report):
    """A report without a challenger: the same frames, no comparison attached."""
    frame = _frame(1)
    return build_workspace(table_from_frame(frame, "r"), table_from_frame(frame, "c"), ColumnRoles(target="y"))


def test_html_has_the_section_and_escapes_every_user_string(report):
    for page in (to_html(report), to_html(report, for_print=True)):  # the PDF prints the second
        assert "<h2 id='challenger'>Champion vs challenger</h2>" in page
        assert "<script>alert" not in page and "<script>steal" not in page and "champion<i>" not in page
        assert "&lt;script&gt;steal()&lt;/script&gt;.skops" in page  # the challenger's name
        assert "champion&lt;i&gt;.skops" in page
        assert "WORSE</span> The challenger is worse than the champion on Accuracy (current data)." in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the column, in the comparison's paragraph
    sections = [s for s, _ in report_figures(report)]
    assert sections.count("Champion vs challenger") == 2  # metrics and stress charts


def test_json_carries_the_section_and_the_whole_comparison(report):
    payload = json.loads(to_json(report))
    section = payload["champion_vs_challenger"]
    assert section["verdict"] == "worse" and section["challenger"] == EVIL_MODEL
    assert section["headline"] and section["difference"] and section["robustness"]
    comparison = section["comparison"]
    assert {"metrics", "disagreement", "stress", "importance", "verdict", "summary"} <= set(comparison)
    assert {m["name"] for m in comparison["metrics"]} >= {"accuracy", "roc_auc"}
    assert payload["manifest"]["challenger"] == {"name": EVIL_MODEL, "sha256": "b" * 64}
    plain = json.loads(to_json(build_report(report_ws_without(report), ReportConfig(checks=()))))
    assert "champion_vs_challenger" not in plain and "challenger" not in plain["manifest"]


@pytest.mark.skipif(
    find_chromium() is None or shutil.which("pdftotext") is None, reason="needs Chromium and poppler-utils"
)
def test_pdf_prints_the_section(report, tmp_path):
    out = to_pdf(report, tmp_path / "report.pdf")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "Champion vs challenger" in flat and "The challenger is worse than the champion on Accuracy" in flat
    assert "<script>steal()</script>.skops" in flat  # shown as text, never run


@pytest.mark.slow
def test_report_files_with_the_demo_challenger(tmp_path):
    from robustness.demo import export_challenger, export_scenario
    from robustness.report.run import report_files

    export_scenario("credit", tmp_path)
    export_challenger("credit", tmp_path)
    report = report_files(
        tmp_path / "model.skops",
        tmp_path / "reference.csv",
        tmp_path / "current.csv",
        config=ReportConfig(checks=("Performance",)),
        challenger_path=tmp_path / "challenger.skops",
    )
    section = challenger_section(report)
    assert section.verdict == "no_difference" and section.challenger == "challenger.skops"
    assert section.robustness.startswith("Robustness cost: the challenger is more fragile")
    assert json.loads(to_json(report))["champion_vs_challenger"]["comparison"]["verdict_reference"] == "better"


def test_the_reports_test_names_are_the_comparisons():
    from robustness.compare import TEST_LABELS
    from robustness.report import story

    assert story._TESTS == TEST_LABELS
