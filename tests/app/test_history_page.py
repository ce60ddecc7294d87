"""The History page and the Trust report's 'Save to history' button (AppTest), on a store of the test's own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from robustness.history import open_store
from tests.app.test_pages import texts
from tests.history.fakes import fake_report

HISTORY = "pages/history.py"
REPORT = "pages/report.py"


@pytest.fixture(autouse=True)
def store_url(tmp_path, monkeypatch):
    """The server's run store for this test (a server setting: the environment, never a widget)."""
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    monkeypatch.setenv("ROBUSTNESS_DB", url)
    monkeypatch.delenv("ROBUSTNESS_DEMO_HISTORY", raising=False)
    return url


def _seed(url: str) -> list[int]:
    """Three runs of 'credit': passing, then drift and accuracy worse, then a data-quality failure."""
    t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
    reports = [
        fake_report(),
        fake_report(
            ("pass", "warn", "pass", "pass", "warn", "pass"),
            drifted=("a",),
            accuracy=(0.8, 0.79, 0.81),
            current_hash="d" * 64,
        ),  # fmt: skip
        fake_report(
            ("fail", "warn", "pass", "pass", "warn", "pass"),
            drifted=("a", "b"),
            accuracy=(0.78, 0.77, 0.79),
            current_hash="e" * 64,
        ),  # fmt: skip
    ]
    with open_store(url) as store:
        ids = [
            store.save_json(text, rows=rows, project="credit", created_at=t0 + timedelta(days=7 * i))
            for i, (text, rows) in enumerate(reports)
        ]
        store.save_json(*fake_report()[:1], project="<b>other</b>", created_at=t0)
    return ids


def _open(app):
    app.switch_page(HISTORY).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_an_empty_store_says_how_to_fill_it(app):
    _open(app)
    assert "No runs saved yet" in texts(app)


def test_history_timeline_trends_runs_and_comparison(app, store_url):
    ids = _seed(store_url)
    _open(app)
    app.selectbox(key="history_pick").set_value("credit").run()
    body = texts(app)
    assert f"Latest run {ids[2]}" in body and f"Run {ids[2]} against run {ids[1]}: something got worse" in body
    charts = app.get("plotly_chart")
    assert len(charts) >= 1 + 6 + 2  # timeline, a trend per check, the comparison's two charts
    # the table of runs, newest first; the newest run's scorecard is open
    (table,) = app.dataframe
    assert list(table.value["run"]) == ids[::-1]
    assert f"Scorecard of run {ids[2]}" in body
    # compare the first and the last run
    app.selectbox(key="history_a").set_value(ids[0]).run()
    body = texts(app)
    assert not app.exception
    assert [s.value for s in app.error if "something got worse" in s.value]
    assert "Data quality" in body and "pass → fail (worse)" in body
    assert "Inputs that newly changed distribution: a, b" in body
    assert "A different current data" in body
    labels = [b.label for b in app.get("download_button")]
    assert "⬇️ The comparison as JSON" in labels
    # back to a better state: nothing worse
    app.selectbox(key="history_a").set_value(ids[2]).run()
    app.selectbox(key="history_b").set_value(ids[0]).run()
    assert [s.value for s in app.success if "nothing got worse" in s.value]


def test_project_names_are_escaped(app, store_url):
    _seed(store_url)
    _open(app)
    app.selectbox(key="history_pick").set_value("<b>other</b>").run()
    assert not app.exception
    assert "Save a second run" in texts(app)


def test_save_to_history_from_the_trust_report(app, store_url):
    app.switch_page(REPORT).run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.text_input(key="history_project_name").value == "credit (demo)"
    app.text_input(key="history_project_name").set_value("team credit")
    [b for b in app.button if b.label == "💾 Save to history"][0].click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert [s.value for s in app.success if "Saved as run 1 of team credit" in s.value]
    with open_store(store_url) as store:
        (run,) = store.list_runs()
        assert run.project == "team credit" and run.verdict == "fail" and store.get(run.id).has_html
        assert any(d.drifted for d in store.get(run.id).drift)
    # the project is remembered for the session: the History page opens on it, the button offers it again
    _open(app)
    assert app.selectbox(key="history_pick").value == "team credit"
    app.switch_page(REPORT).run()
    assert app.text_input(key="history_project_name").value == "team credit"


def test_the_demo_history_is_seeded_in_the_background(app, monkeypatch, store_url):
    """With ROBUSTNESS_DEMO_HISTORY=1 an empty store gets the demo's history without blocking the page."""
    import threading

    import robustness.history.seed as seed

    release = threading.Event()

    def fake_seed(store, *, progress=None, now=None):
        progress(0.5, "halfway")
        release.wait(30)
        text, rows = fake_report()
        return [store.save_json(text, rows=rows, project=seed.DEMO_PROJECT) for _ in range(2)]

    monkeypatch.setattr(seed, "seed_demo_history", fake_seed)
    monkeypatch.setenv("ROBUSTNESS_DEMO_HISTORY", "1")
    _open(app)
    # the page answers at once while the history is built, with its progress, not "nothing saved"
    assert "No runs saved yet" not in texts(app)
    (bar,) = app.get("progress")
    assert "Building a demo history" in bar.proto.text and bar.proto.value == 50
    release.set()
    with open_store(store_url) as store:
        for _ in range(100):
            if store.count(seed.DEMO_PROJECT) == 2:
                break
            threading.Event().wait(0.1)
    app.run()
    assert not app.exception
    assert app.selectbox(key="history_pick").value == seed.DEMO_PROJECT
