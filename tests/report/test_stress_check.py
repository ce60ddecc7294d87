"""The trust report's stress check names the true worst perturbation (the largest effect among the
worst-status verdicts), in technical words (summary) and in plain words (plain), on every demo."""

from __future__ import annotations

import pytest

from robustness.demo import SCENARIOS, scenario_workspace
from robustness.report import ReportConfig, build_report
from robustness.stress import registry

JARGON = ("severity", "standard deviation", "flip rate", "perturbation", "_")


@pytest.fixture(scope="module", params=SCENARIOS)
def stress(request):
    report = build_report(scenario_workspace(request.param), ReportConfig(checks=("Stress tests",)))
    return request.param, report.check("Stress tests"), report.results["stress"]


def test_the_worst_named_is_the_largest_effect_on_every_demo(stress):
    name, check, result = stress
    worst_status = {"fail": ("fail", "error"), "warn": ("warn",), "pass": ("pass",)}[check.status]
    candidates = [v for v in result.verdicts if v.status in worst_status]
    largest = max(candidates, key=lambda v: v.value)
    assert check.metrics["worst"] == largest.perturbation
    assert check.effect == pytest.approx(largest.value)
    assert largest.message in check.summary  # the technical sentence: the readable name and the numbers
    assert largest.message.startswith(f"{largest.label} on ") and f"'{largest.perturbation}'" not in check.summary
    if name == "energy":  # the first failing in registry order (gaussian_noise, 0.18) is not the worst (0.97)
        assert largest.perturbation in ("unit_x10", "unit_x1000") and "gaussian_noise" not in check.summary


def test_plain_words_say_the_same_facts_without_ids_or_jargon(stress):
    _, check, result = stress
    worst = next(v for v in result.verdicts if v.perturbation == check.metrics["worst"])
    assert registry()[worst.perturbation].plain(worst.severity) in check.plain
    assert not any(word in check.plain.lower() for word in JARGON), check.plain
    failing = sum(v.status in ("fail", "error") for v in result.verdicts)
    assert f"{failing} of {len(result.verdicts)} kinds of error fail" in check.plain
    d = check.to_dict()
    assert d["plain"] == check.plain and d["effect"] == pytest.approx(worst.value, abs=1e-4)


def test_a_passing_suite_has_plain_words_and_an_effect_too():
    from types import SimpleNamespace

    from robustness.report.scorecard import _stress
    from robustness.stress.config import Verdict

    verdicts = (
        Verdict("rounding", 0.25, 0.03, "pass", "m", "Rounding", "noise"),
        Verdict("typo", 0.25, 0.01, "pass", "m", "Typos", "categories"),
    )
    res = SimpleNamespace(verdicts=verdicts, verdict="pass", score=98.0, task="binary")
    ws = SimpleNamespace(roles=SimpleNamespace(target=None))
    check = _stress(ws, ReportConfig(), {"stress": res})
    assert check.status == "pass" and check.effect == pytest.approx(0.03)
    assert check.plain.startswith("The model's decisions hold up under realistic data errors")
