"""One verdict everywhere: the Overview's verdict and top findings, and each page's opening status,
agree with the trust report that `robustness report` writes for the same demo."""

from __future__ import annotations

import json
import re

import pytest

from robustness.demo import SCENARIOS, scenario_workspace
from robustness.report import ReportConfig, build_report
from robustness.report.story import STATUS_WORDS, story_of
from tests.app.test_pages import plain

PAGES = {
    "pages/drift.py": ("Data quality", "Data drift"),
    "pages/stress.py": ("Stress tests",),
    "pages/explain.py": ("Explanation shift",),
    "pages/performance.py": ("Performance", "Uncertainty"),
}


@pytest.fixture(scope="module")
def reports():
    """What `robustness report --json` holds for each demo (the CLI calls the same build_report)."""
    return {
        name: json.loads(json.dumps(build_report(scenario_workspace(name), ReportConfig()).to_dict()))
        for name in SCENARIOS
    }


def _words(text: str) -> str:
    return plain(text).replace("**", "")


def _alerts(at) -> list[str]:
    """The alert boxes in page order."""
    boxes = [a for kind in ("error", "warning", "success", "info") for a in getattr(at, kind)]
    order = {id(node): i for i, node in enumerate(at.main)}  # AppTest iterates the tree in page order
    return [_words(a.value) for a in sorted(boxes, key=lambda a: order.get(id(a), 1e9))]


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_overview_tells_the_reports_story(app, reports, scenario):
    from dashboard.shared import demo_workspace

    app.session_state["scenario_choice"] = scenario
    app.session_state["workspace"] = demo_workspace(scenario)
    app.switch_page("pages/overview.py").run()
    assert not app.exception, [e.value for e in app.exception]
    want = reports[scenario]
    first = _alerts(app)[0]  # the first box on the page is the verdict
    assert first.startswith(f"Verdict: {STATUS_WORDS[want['verdict']]}."), first
    checks = {c["name"]: c for c in want["checks"]}
    rank = {"fail": 0, "warn": 1}
    expected = sorted(
        (c for c in want["checks"] if c["status"] in rank), key=lambda c: (rank[c["status"]], -c["effect"])
    )[:3]
    shown = [t for t in (_words(m.value) for m in app.markdown) if re.match(r"^\S+ \d\. ", t)]
    assert len(shown) >= len(expected)
    for i, c in enumerate(expected, start=1):
        assert f"{i}. {c['name']}:" in shown[i - 1] and checks[c["name"]]["plain"] in shown[i - 1], shown[i - 1]
    # every area's tile says the report's status
    tiles = [_words(m.value) for m in app.markdown if "  \n" in m.value]
    for name, c in checks.items():
        assert any(STATUS_WORDS[c["status"]] in t and t.endswith(name) for t in tiles), (name, tiles)
    assert app.get("page_link"), "each finding links to the page that shows it"


@pytest.mark.parametrize("scenario", ["credit", "energy"])
def test_each_page_opens_with_the_scorecards_status(app, reports, scenario):
    from dashboard.shared import demo_workspace

    app.session_state["scenario_choice"] = scenario
    app.session_state["workspace"] = demo_workspace(scenario)
    checks = {c["name"]: c for c in reports[scenario]["checks"]}
    for page, areas in PAGES.items():
        app.switch_page(page).run()
        assert not app.exception, (page, [e.value for e in app.exception])
        alerts = _alerts(app)
        for i, area in enumerate(areas):
            c = checks[area]
            assert alerts[i] == f"{area}: {STATUS_WORDS[c['status']]}. {c['plain']}", (page, alerts[i])


def test_story_ranks_by_severity_then_effect(reports):
    story = story_of(build_report(scenario_workspace("energy"), ReportConfig()))
    statuses = [f.status for f in story.findings]
    assert statuses == sorted(statuses, key=lambda s: s != "fail")
    fails = [f.effect for f in story.findings if f.status == "fail"]
    assert fails == sorted(fails, reverse=True)
    assert story.findings[0].area == "Performance"  # MAE 5.6x: the largest effect on the model
    assert story.verdict == reports["energy"]["verdict"] == "fail"


def test_present_mode_walks_the_story(app):
    from dashboard.shared import PAGES_DIR

    app.switch_page(str(PAGES_DIR / "present.py")).run()
    headings = []
    for _ in range(5):
        assert not app.exception, [e.value for e in app.exception]
        headings.append(app.title[0].value)
        nxt = app.button(key="present_next")
        if nxt.disabled:
            break
        nxt.click().run()
    assert headings == [
        "1. The verdict",
        "2. What changed",
        "3. Does it matter to the model?",
        "4. How fragile is it?",
        "5. What to do",
    ]
    assert app.button(key="present_next").disabled and not app.button(key="present_prev").disabled
    assert "Add input validation" in " ".join(m.value for m in app.markdown)  # credit: stress fails: what to do
    app.button(key="present_prev").click().run()
    assert app.title[0].value == "4. How fragile is it?"
    assert app.get("plotly_chart")


def test_caveats_are_collected_once_from_the_checks():
    from robustness.report.scorecard import Check, TrustReport

    caveat = "The reference looks like the model's training data."
    checks = (
        Check("Performance", "pass", "ok", metrics={"caveat": caveat}),
        Check("Uncertainty", "warn", "low", metrics={"caveat": caveat}, effect=0.1),
    )
    story = story_of(TrustReport("", checks, {}, {}, 0.0))
    assert story.caveats == (caveat,) and story.to_dict()["caveats"] == [caveat]
    assert [f.area for f in story.findings] == ["Uncertainty"]
