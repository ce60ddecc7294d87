"""Trust report: the credit story in plain words, thresholds from config, exports (HTML offline,
escaped, no raw rows; PDF renders and holds the verdict; JSON contract), bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace

import numpy as np
import pytest

from robustness.demo import export_scenario, scenario_workspace
from robustness.errors import ConfigError, DataError
from robustness.report import AREAS, ReportConfig, build_report
from robustness.report.export import find_chromium, to_html, to_json, to_pdf
from robustness.report.run import report_files
from robustness.workspace import table_from_frame


@pytest.fixture(scope="module")
def credit_report():
    return build_report(scenario_workspace("credit"))


def test_credit_scorecard_says_what_fails_and_why(credit_report):
    r = credit_report
    assert [c.name for c in r.checks] == list(AREAS)
    assert r.verdict == "fail"
    quality = r.check("Data quality")
    assert quality.status == "fail" and "gig-economy" in quality.summary and "employment_type" in quality.summary
    drift = r.check("Data drift")
    assert drift.status == "warn" and "income" in drift.summary
    stress = r.check("Stress tests")
    assert stress.status == "fail" and "unit" in stress.summary
    assert r.check("Explanation shift").status in ("warn", "fail") and "income" in r.check("Explanation shift").summary
    perf = r.check("Performance")
    assert perf.metrics["source"] == "measured on current labels"
    assert perf.metrics["reference"] > perf.metrics["current"]  # accuracy fell, within the 5% tolerance
    assert perf.status == "pass"
    assert r.check("Uncertainty").status in ("warn", "fail") and "cover only" in r.check("Uncertainty").summary


def test_thresholds_come_from_the_config(credit_report):
    ws = scenario_workspace("credit")
    strict = build_report(ws, ReportConfig(warn_degradation=0.01, fail_degradation=0.03, checks=("Performance",)))
    assert [c.name for c in strict.checks] == ["Performance"]
    assert strict.check("Performance").status == "fail" and "worse" in strict.check("Performance").summary


def test_config_file_and_bad_settings(tmp_path):
    p = tmp_path / "r.toml"
    p.write_text("[report]\nwarn_degradation = 0.02\nfail_degradation = 0.2\nalpha = 0.05\n")
    cfg = ReportConfig.from_file(p)
    assert cfg.alpha == 0.05 and cfg.fail_degradation == 0.2
    bad = tmp_path / "bad.toml"
    bad.write_text("[report]\nwarn_degradation = 0.5\nfail_degradation = 0.1\n")
    with pytest.raises(ConfigError, match="must not exceed"):
        ReportConfig.from_file(bad)
    unknown = tmp_path / "u.json"
    unknown.write_text('{"report": {"colour": "red"}}')
    with pytest.raises(ConfigError, match="Unknown report setting 'colour'"):
        ReportConfig.from_file(unknown)
    with pytest.raises(ConfigError, match="Unknown report check"):
        ReportConfig(checks=("Vibes",))


def test_label_free_performance_when_current_has_no_labels():
    ws = scenario_workspace("credit")
    cur = ws.current.frame.drop(columns=["default"])
    ws2 = replace(ws, current=replace(ws.current, frame=cur, sha256="nolabels"))
    r = build_report(ws2, ReportConfig(checks=("Performance", "Uncertainty")))
    perf = r.check("Performance")
    assert "estimated without labels" in perf.summary and perf.metrics["low"] is not None
    assert r.check("Uncertainty").status == "skipped" and "no labels" in r.check("Uncertainty").summary


def test_json_contract(credit_report):
    d = json.loads(to_json(credit_report))
    assert d["verdict"] in ("pass", "warn", "fail")
    for c in d["checks"]:
        assert set(c) >= {"name", "status", "summary"} and c["status"] in ("pass", "warn", "fail", "skipped")
    m = d["manifest"]
    assert len(m["model"]["sha256"]) == 64 and len(m["reference"]["sha256"]) == 64
    assert m["roles"]["target"] == "default" and m["seed"] == 0 and m["config"]["alpha"] == 0.1
    assert m["packages"]["scikit-learn"] and m["packages"]["shap"] and m["python"]


def test_html_is_self_contained_small_and_holds_no_rows(credit_report):
    page = to_html(credit_report)
    assert "<script src" not in page and "http://" not in page.replace("http://www.w3.org", "")
    assert "https://" not in page
    assert len(page) < 1_000_000
    ws = scenario_workspace("credit")
    for value in ws.current.frame["application_id"].astype(str).head(50):
        assert value not in page  # no row identifiers
    assert "Overall: FAIL" in page


def test_user_strings_are_escaped_everywhere(tmp_path):
    ws = scenario_workspace("credit")
    evil = "<img src=x onerror=alert(1)>"
    ref = ws.reference.frame.rename(columns={"region": evil})
    cur = ws.current.frame.rename(columns={"region": evil})
    cur.loc[cur.index[:300], evil] = "</script><script>alert(2)</script>"
    from robustness.demo import load_scenario
    from robustness.models import from_estimator
    from robustness.schema import ColumnRoles
    from robustness.workspace import build_workspace

    s = load_scenario("credit")
    feats = [evil if c == "region" else c for c in s.features]
    ren = {"region": evil}
    X = s.reference.rename(columns=ren)
    from sklearn.base import clone

    model = clone(s.model)
    num = [c for c in feats if X[c].dtype.kind in "if"]
    model.set_params(
        preprocess__transformers=[
            ("num", model.named_steps["preprocess"].transformers[0][1], num),
            ("cat", model.named_steps["preprocess"].transformers[1][1], [c for c in feats if c not in num]),
        ]
    )
    model.fit(X[feats], X["default"])
    ws2 = build_workspace(
        table_from_frame(ref, "ref<b>.csv"),
        table_from_frame(cur, "cur<i>.csv"),
        ColumnRoles(target="default", id="application_id", timestamp="application_date"),
        model=from_estimator(model),
        model_name="<script>m</script>.skops",
        model_sha256="0" * 64,
    )
    r = build_report(ws2, ReportConfig(checks=("Data quality", "Data drift")))
    page = to_html(r)
    assert evil not in page and "<script>alert" not in page and "<script>m</script>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page or "\\u003cimg" in page
    assert "ref&lt;b&gt;.csv" in page


@pytest.mark.skipif(
    find_chromium() is None or shutil.which("pdftoppm") is None,
    reason="needs Chromium and poppler-utils (make browser installs them)",
)
def test_pdf_renders_and_holds_the_verdict(credit_report, tmp_path):
    out = to_pdf(credit_report, tmp_path / "report.pdf")
    assert out.read_bytes()[:5] == b"%PDF-"
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "2", str(out), str(tmp_path / "page")], check=True, timeout=60
    )
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and all(p.stat().st_size > 5000 for p in pages)
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "Overall: FAIL" in text and "Data quality" in text and "gig-economy" in text
    from PIL import Image

    img = np.asarray(Image.open(pages[0]).convert("L"))
    assert img.std() > 10  # not a blank page


def test_pdf_without_chromium_says_how_to_get_it(credit_report, tmp_path, monkeypatch):
    monkeypatch.setenv("ROBUSTNESS_CHROMIUM", "")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(ConfigError, match="apt-get install chromium"):
        to_pdf(credit_report, tmp_path / "x.pdf")


def test_bad_input_files(tmp_path):
    d = tmp_path / "credit"
    export_scenario("credit", d)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataError):
        report_files(d / "model.skops", empty, d / "current.csv")
    header_only = tmp_path / "header.csv"
    header_only.write_text((d / "reference.csv").read_text().splitlines()[0] + "\n")
    with pytest.raises(DataError, match="no data rows"):
        report_files(d / "model.skops", header_only, d / "current.csv")
    with pytest.raises(ConfigError, match="not in reference.csv"):
        report_files(d / "model.skops", d / "reference.csv", d / "current.csv", target="nope")


def test_labels_the_model_never_saw_and_a_one_class_current_sample():
    ws = scenario_workspace("credit")
    cur = ws.current.frame.copy()
    cur = cur[cur["default"] == 0].copy()
    cur.loc[cur.index[:50], "default"] = 9
    ws2 = replace(ws, current=replace(ws.current, frame=cur, sha256="odd"))
    r = build_report(ws2, ReportConfig(checks=("Performance", "Uncertainty")))
    assert r.check("Performance").status in ("pass", "warn", "fail")
    assert r.check("Uncertainty").status in ("pass", "warn", "fail")
    notes = r.results["performance"].current.notes
    assert any("never predicts" in n for n in notes)


def test_scorecard_and_html_write_numbers_in_the_one_format(credit_report):
    """Every sentence of the scorecard (technical, plain, details) and the HTML report's text: at most 3
    significant figures, thousands separated, shares as percents (robustness.formatting)."""
    import html as html_lib
    import re

    from tests.app.test_presentation import format_problems

    texts = [t for c in credit_report.checks for t in (c.summary, c.plain_summary, *c.details)]
    main = to_html(credit_report).split("<main>")[1].split("<h2>Run manifest</h2>")[0]  # not the manifest's JSON
    texts.append(html_lib.unescape(re.sub(r"<[^>]+>", " ", main)))
    bad = [f"{p} in {t[:100]!r}" for t in texts for p in format_problems(t)]
    assert not bad, "\n".join(bad)
    perf = credit_report.check("Performance")
    assert re.search(r"accuracy fell from \d+(\.\d)?% to \d+(\.\d)?%", perf.plain_summary), perf.plain_summary


def test_report_figures_split_metrics_and_say_plain_words(credit_report):
    from robustness.plots.wording import HIGHER, JARGON, LOWER
    from robustness.report.export import report_figures

    figs = dict((f.layout.title.text, f) for _, f in report_figures(credit_report))
    (metrics,) = [f for t, f in figs.items() if "95%" in t]
    assert [a.text for a in metrics.layout.annotations] == [HIGHER, LOWER]
    plain = report_figures(credit_report, plain=True, class_names={"0": "repaid", "1": "default"})
    words = json.dumps([f.layout.to_plotly_json() for _, f in plain], default=str)
    assert not any(w in words for w in JARGON), [w for w in JARGON if w in words]
    assert "'default'" in words  # the calibration curve names the positive class
