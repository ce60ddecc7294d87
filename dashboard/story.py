"""One verdict everywhere: the session's scorecard, computed once per loaded workspace, and the
status line each page opens with.

The scorecard is :func:`robustness.report.build_report` with the default settings, the same run as
``robustness report``; :func:`robustness.report.story.story_of` reads the verdict, the ranked
findings and one status per area off it. Every page that states a verdict reads it from here.

Computed once per workspace content (``st.cache_resource`` keyed by the workspace's content hash,
so a session only gets back the report of what it loaded itself). The demos' scorecards are also
kept on disk (``dashboard.snapshot``), so a fresh server shows a demo's verdict without recomputing it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import streamlit as st

from dashboard import snapshot
from dashboard.shared import md
from robustness.report.scorecard import Check, TrustReport
from robustness.report.story import STATUS_WORDS, Story, story_of

if TYPE_CHECKING:
    from robustness.workspace import Workspace

log = logging.getLogger("robustness.app")

ICON = {"pass": "✅", "warn": "⚠️", "fail": "❌", "skipped": "⏭️"}
PLAIN = "plain_words"  # session-state key of the sidebar's reading switch


def plain_words() -> bool:
    """Whether the visitor reads plain words (the default) or the technical facts."""
    return st.session_state.get(PLAIN, "Plain") == "Plain"


def reading_switch() -> None:
    """The sidebar's Plain / Technical switch (one setting for every page)."""
    st.segmented_control(
        "Words",
        ["Plain", "Technical"],
        key=PLAIN,
        default="Plain",
        selection_mode="single",
        help="Plain: the same facts in words a stakeholder reads. Technical: test names, statistics and intervals.",
    )
    if st.session_state.get(PLAIN) is None:  # a segmented control can be cleared: keep one mode
        st.session_state[PLAIN] = "Plain"


# ---------------------------------------------------------------- the scorecard, once
@st.cache_resource(show_spinner=False, max_entries=16)
def _report(_ws: Workspace, key: str) -> TrustReport:
    from robustness.report import ReportConfig, build_report

    return build_report(_ws, ReportConfig())


def demo_checks(scenario: str, key: str) -> tuple[Check, ...] | None:
    """A demo's checks from its snapshot on disk (written by a server of this code version)."""
    snap = snapshot.load(scenario)
    return snap.checks if snap is not None and snap.workspace_key == key and snap.checks else None


def session_report(ws: Workspace) -> TrustReport:
    """The loaded workspace's trust report (default settings), computed once, with progress."""
    key = ws.key()
    with st.spinner(
        "Running every check once for the scorecard (data quality, drift, stress, explanations, performance)…"
    ):
        report = _report(ws, key)
    if ws.scenario and demo_checks(ws.scenario, key) is None:
        snapshot.save(ws.scenario, key, checks=report.checks)
    return report


def default_report(ws: Workspace) -> TrustReport:
    """The same report as :func:`session_report`, without drawing anything: for work done outside the page's
    run (a download made when clicked)."""
    return _report(ws, ws.key())


def session_story(ws: Workspace) -> Story:
    """The story of the loaded workspace: from the disk cache for a demo, else from its report."""
    if ws.scenario:
        checks = demo_checks(ws.scenario, ws.key())
        if checks is not None:
            return story_of(TrustReport("", checks, {}, {}, 0.0))
    return story_of(session_report(ws))


def snapshot_story(snap: snapshot.DemoSnapshot) -> Story:
    """The story of a demo from its snapshot alone (the demo itself may still be building)."""
    return story_of(TrustReport("", snap.checks, {}, {}, 0.0))


# ---------------------------------------------------------------- what pages show
def verdict_box(story: Story, text: str) -> None:
    box = {"fail": st.error, "warn": st.warning}.get(story.verdict, st.success)
    box(text, icon=ICON.get(story.verdict))


def area_banner(ws: Workspace, area: str) -> None:
    """The page's opening line: its area's status and one-sentence reason, from the scorecard."""
    if not ws.has_model and area in ("Stress tests", "Explanation shift"):
        return  # the page itself says why it cannot run
    if not ws.has_predictions and area in ("Performance", "Uncertainty"):
        return
    story = session_story(ws)
    a = story.area(area)
    if a is None:
        return
    word = STATUS_WORDS[a.status]
    said = a.text(plain_words())
    for caveat in story.caveats:  # the page shows each caveat once, on its own
        said = said.replace(" " + caveat, "")
    text = f"**{area}: {word}.** {md(said)}"
    {"fail": st.error, "warn": st.warning, "pass": st.success}.get(a.status, st.info)(text, icon=ICON.get(a.status))
