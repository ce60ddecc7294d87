"""The run store on SQLite and on PostgreSQL: the same test functions on both (``db_url``)."""

from __future__ import annotations

import hashlib
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from robustness.history import HistoryError, RunNotFoundError, diff_runs, open_store
from robustness.history.store import HEAD, _known_revisions
from tests.history.fakes import fake_report

ROOT = Path(__file__).resolve().parents[2]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_save_list_get_delete(db_url):
    text, rows = fake_report()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    with open_store(db_url) as store:
        a = store.save_json(text, rows=rows, project="credit", created_at=t0, html="<p>é <b>report</b></p>")
        b = store.save_json(text, rows=rows, project="credit", created_at=t0 + timedelta(days=1))
        c = store.save_json(text, rows=rows, project="energy", created_at=t0 + timedelta(days=2))
        assert [r.id for r in store.list_runs()] == [a, b, c]
        assert [r.id for r in store.list_runs("credit")] == [a, b]
        assert [r.id for r in store.list_runs("credit", limit=1)] == [b]
        assert store.projects() == ["credit", "energy"] and store.count("credit") == 2
        run = store.get(a)
        assert run.report_json == text and run.report["verdict"] == "pass"
        assert run.summary.created_at == t0 and run.summary.model_hash == "m" * 64
        assert run.manifest["reference"]["sha256"] == "r" * 64
        assert [c.area for c in run.checks] == [c.area for c in rows.checks]
        perf = next(c for c in run.checks if c.area == "Performance")
        assert (perf.headline, perf.value, perf.low, perf.high) == ("accuracy", 0.87, 0.86, 0.88)
        assert {(m.name, m.dataset) for m in run.metrics} >= {("accuracy", "current"), ("coverage", "current")}
        assert len(run.drift) == 5 and run.has_html and store.html(a) == "<p>é <b>report</b></p>"
        assert not store.get(b).has_html and store.html(b) is None
        history = store.check_history("credit")
        assert len(history) == 12 and {h["run_id"] for h in history} == {a, b}
        assert len(store.check_history("credit", limit=1)) == 6
        store.delete(a)
        assert [r.id for r in store.list_runs()] == [b, c]
        with pytest.raises(RunNotFoundError, match=f"no run {a}"):
            store.get(a)
        with pytest.raises(RunNotFoundError):
            store.delete(a)


def test_a_project_name_is_needed(db_url):
    text, rows = fake_report()
    with open_store(db_url) as store, pytest.raises(HistoryError, match="project"):
        store.save_json(text, rows=rows, project="  ")


def test_opening_again_keeps_the_runs_and_the_revision(db_url):
    text, rows = fake_report()
    with open_store(db_url) as store:
        store.save_json(text, rows=rows, project="p")
    with open_store(db_url) as store:
        assert store.count() == 1
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == HEAD


def test_head_is_the_newest_migration():
    from alembic.script import ScriptDirectory

    import robustness.history.store as store_module

    script = ScriptDirectory(str(Path(store_module.__file__).with_name("migrations")))
    assert script.get_current_head() == HEAD
    assert HEAD in _known_revisions()


def test_migrations_build_what_schema_py_describes(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from robustness.history.schema import metadata

    with open_store(db_url) as store, store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diffs == []


def test_a_store_from_a_newer_version_is_refused_and_left_alone(db_url):
    with open_store(db_url) as store, store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    path = Path(sa.make_url(db_url).database) if db_url.startswith("sqlite") else None
    before = _digest(path) if path else None
    with pytest.raises(HistoryError, match="newer version of robustness.*'9999'.*left as it is"):
        open_store(db_url)
    if path:
        assert _digest(path) == before
    else:
        engine = sa.create_engine(db_url)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "9999"
        engine.dispose()


def test_a_file_that_is_not_a_database_is_refused_and_left_alone(tmp_path):
    bad = tmp_path / "runs.db"
    bad.write_text("name,value\na,1\n")
    before = _digest(bad)
    with pytest.raises(HistoryError, match="not a SQLite database.*left as it is"):
        open_store(f"sqlite:///{bad}")
    assert _digest(bad) == before and sorted(p.name for p in tmp_path.iterdir()) == ["runs.db"]


def test_another_programs_sqlite_database_is_left_alone(tmp_path):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE customers (name TEXT)")
    conn.commit()
    conn.close()
    before = _digest(other)
    with pytest.raises(HistoryError, match="database of something else"):
        open_store(f"sqlite:///{other}")
    assert _digest(other) == before


def test_default_location_and_environment(tmp_path, monkeypatch):
    from robustness.history.store import default_url

    assert default_url({"ROBUSTNESS_HOME": str(tmp_path)}) == f"sqlite:///{tmp_path / 'runs.db'}"
    assert default_url({"ROBUSTNESS_DB": "postgresql+psycopg://h/db", "ROBUSTNESS_HOME": "x"}) == (
        "postgresql+psycopg://h/db"
    )
    assert default_url({}).endswith("/.robustness/runs.db")
    monkeypatch.setenv("ROBUSTNESS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ROBUSTNESS_DB", raising=False)
    with open_store() as store:
        assert store.where == str(tmp_path / "home" / "runs.db")
    assert (tmp_path / "home" / "runs.db").is_file()


def test_an_unreachable_server_is_reported_within_seconds():
    """A server that accepts the connection and never answers: the connect timeout ends the wait."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        began = time.monotonic()
        with pytest.raises(HistoryError, match="Could not open the run store") as info:
            open_store(f"postgresql+psycopg://user:secret@127.0.0.1:{port}/runs", connect_timeout=2)
        assert time.monotonic() - began < 10
        assert "secret" not in str(info.value)


_WRITER = """
import sys, time
from pathlib import Path
from robustness.history import open_store
from tests.history.fakes import fake_report
url, gate, i = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
text, rows = fake_report(current_hash=f"{i:064d}")
(gate / f"ready-{i}").touch()
while not (gate / "go").exists():
    time.sleep(0.002)
with open_store(url) as store:
    print(store.save_json(text, rows=rows, project=f"writer-{i}"))
"""


@pytest.mark.slow  # eight interpreters
def test_eight_processes_saving_at_once_all_keep_their_run(db_url, tmp_path):
    """Eight processes open a new store (its migration included) and save at the same moment: each waits,
    imports done, until all eight are ready."""
    gate = tmp_path / "gate"
    gate.mkdir()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, db_url, str(gate), str(i)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(8)
    ]
    deadline = time.monotonic() + 120
    while len(list(gate.glob("ready-*"))) < 8 and time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            break
        time.sleep(0.01)
    (gate / "go").touch()
    outs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, [err[-2000:] for _out, err in outs]
    ids = sorted(int(out.strip()) for out, _err in outs)
    assert len(set(ids)) == 8
    with open_store(db_url) as store:
        runs = store.list_runs()
        assert sorted(r.id for r in runs) == ids
        assert sorted(r.project for r in runs) == [f"writer-{i}" for i in range(8)]
        assert all(len(store.get(i).checks) == 6 for i in ids)


@pytest.mark.slow  # the demo's trust reports
def test_diff_of_the_demo_story(db_url, demo_reports):
    """Current = reference, then the drifted current: the checks that worsened, the new drift, the data."""
    with open_store(db_url) as store:
        a = store.save(demo_reports["same"], project="credit")
        b = store.save(demo_reports["drifted"], project="credit")
        d = diff_runs(store.get(a), store.get(b))
    worse = {c.area for c in d.worse_checks}
    assert {"Data quality", "Data drift"} <= worse
    assert {"income", "employment_type"} <= set(d.newly_drifted) and not d.no_longer_drifted
    assert [h.part for h in d.changed] == ["current data"]
    acc = next(m for m in d.metrics if (m.name, m.dataset) == ("accuracy", "current"))
    assert acc.change < 0 and acc.beyond_intervals and acc.direction == "worse"
    assert d.worse and "Data quality (pass → fail)" in d.sentence()
