"""A small demo history: five weekly runs of the credit scenario with its story developing, so the History
page has something to show on a fresh server (``make run`` asks for it with ``ROBUSTNESS_DEMO_HISTORY=1``).

Week 1 is a half of the reference itself (nothing changed); in weeks 2 and 3 incomes fall by 8 % and 16 %;
in week 4 the first 'gig-economy' applicants arrive (a category the model never saw); week 5 is the demo's
current data (incomes down a quarter, 12 % gig-economy). Stress tests are left out of these runs: they
fail on every run of this model (a property of the model, not of the data), which would hide the story.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["DEMO_PROJECT", "seed_demo_history"]

DEMO_PROJECT = "credit (demo)"
WEEKS = 5


def _periods(scenario) -> list[tuple[str, Any]]:
    import pandas as pd

    ref, cur = scenario.reference, scenario.current
    n = len(ref) // 2

    def lower_income(frame, factor):
        out = frame.copy()
        out["income"] = (out["income"] * factor).round(-1)
        return out

    half = ref.sample(n, random_state=1)
    return [
        ("week 1", half),
        ("week 2", lower_income(ref.sample(n, random_state=2), 0.92)),
        ("week 3", lower_income(ref.sample(n, random_state=3), 0.84)),
        (
            "week 4",
            pd.concat(
                [
                    lower_income(ref.sample(int(n * 0.7), random_state=4), 0.8),
                    cur.sample(n - int(n * 0.7), random_state=4),
                ]
            ),
        ),
        ("week 5", cur),
    ]


def seed_demo_history(
    store, *, progress: Callable[[float, str], None] | None = None, now: datetime | None = None
) -> list[int]:
    """Save the demo history into ``store`` unless its demo project already has runs; the new run ids."""
    if store.count(DEMO_PROJECT):
        return []
    from robustness.demo import SEED, load_scenario
    from robustness.models import from_estimator
    from robustness.report import AREAS, ReportConfig, build_report
    from robustness.report.export import to_html
    from robustness.workspace import build_workspace, table_from_frame

    scenario = load_scenario("credit")
    config = ReportConfig(checks=tuple(a for a in AREAS if a != "Stress tests"), n_boot=100, explain_rows=300)
    model = from_estimator(scenario.model, source="demo")
    digest = hashlib.sha256(f"demo:credit:{SEED}".encode()).hexdigest()
    now = now or datetime.now(UTC)
    periods = _periods(scenario)
    reports = []
    for i, (label, frame) in enumerate(periods):
        if progress is not None:
            progress(i / len(periods), f"Checking {label} of the credit demo…")
        ws = build_workspace(
            table_from_frame(scenario.reference, "credit reference"),
            table_from_frame(frame.reset_index(drop=True), f"credit {label}"),
            scenario.roles,
            model=model,
            model_name=f"demo: {scenario.title}",
            model_sha256=digest,
            scenario="credit",
            class_names=scenario.class_names,
        )
        reports.append(build_report(ws, config, title=f"Trust report: credit demo, {label}"))
    if store.count(DEMO_PROJECT):  # someone else seeded meanwhile
        return []
    ids = []
    for i, report in enumerate(reports):
        when = now - timedelta(weeks=len(reports) - 1 - i)
        ids.append(store.save(report, project=DEMO_PROJECT, html=to_html(report), created_at=when))
    if progress is not None:
        progress(1.0, "Done")
    return ids
