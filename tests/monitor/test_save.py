"""`robustness monitor --save`: the run kept in the run store (SQLite), then listed, shown and compared by
`robustness runs`; a store that cannot take it is exit 2."""

import hashlib
import json

import pytest

from robustness.cli import main
from robustness.history import open_store
from robustness.history.monitor_runs import monitor_document, monitor_rows
from robustness.monitor import monitor
from tests.monitor.conftest import columns_adapter


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def _monitor(files, *extra):
    return ["monitor", "--reference", files / "ref.csv", "--current", files / "cur.csv", "--target", "y",
            "--timestamp", "ts", "--period", "week", *extra]  # fmt: skip


def _run_id(out: str) -> int:
    lines = [line for line in out.splitlines() if line.startswith("run_id=")]
    assert len(lines) == 1, out
    return int(lines[0].removeprefix("run_id="))


@pytest.mark.slow  # two monitoring runs with drift, about 8 s
def test_save_then_list_show_and_diff(files, capsys):
    db = f"sqlite:///{files / 'runs.db'}"
    code, out, _ = _run(capsys, *_monitor(files, "--prediction", "pred", "--proba", "p1", "--save", "--project",
                        "loans", "--db", db, "--json", files / "c.json", "--html", files / "c.html"))  # fmt: skip
    written = json.loads((files / "c.json").read_text())
    assert code == (1 if written["verdict"] == "alert" else 0)
    a = _run_id(out)
    code_m, out_m, _ = _run(capsys, *_monitor(files, "--model", files / "model.skops", "--save", "--project", "loans",
                            "--db", db))  # fmt: skip
    b = _run_id(out_m)
    assert code_m == code and b > a

    assert main(["runs", "list", "--db", db, "--project", "loans", "--json", str(files / "l.json")]) == 0
    listed = {r["id"]: r for r in json.loads((files / "l.json").read_text())}
    assert set(listed) == {a, b}
    expected_verdict = "fail" if written["verdict"] == "alert" else "pass"
    assert listed[a]["verdict"] == listed[b]["verdict"] == expected_verdict
    assert listed[a]["title"] == "Monitoring: predictions from columns on cur.csv"
    assert listed[a]["model_hash"] is None
    assert listed[b]["model_hash"] == hashlib.sha256((files / "model.skops").read_bytes()).hexdigest()
    assert listed[a]["reference_hash"] == hashlib.sha256((files / "ref.csv").read_bytes()).hexdigest()
    capsys.readouterr()

    # show: the stored document holds the monitor's JSON exactly as --json wrote it, and its HTML page
    assert main(["runs", "show", str(a), "--db", db, "--json", "-", "--html", str(files / "s.html")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["kind"] == "monitor" and doc["monitor"] == written
    assert [c["name"] for c in doc["checks"]] == ["Performance", "Data drift"]
    assert (files / "s.html").read_text() == (files / "c.html").read_text()
    assert main(["runs", "show", str(a), "--db", db]) == 0
    text = capsys.readouterr().out
    assert f"Run {a} of 'loans'" in text and "Performance:" in text and "Data drift:" in text

    # the rows the history's trends and diffs read: the last estimated window's metrics, with intervals
    with open_store(db) as store:
        run = store.get(a)
    last = [w for w in written["windows"] if w["status"] == "ok"][-1]
    rows = {(m.name, m.dataset): m for m in run.metrics}
    est = last["estimated"]["accuracy"]
    assert rows[("accuracy", "current (estimated)")].value == pytest.approx(est["value"])
    assert rows[("accuracy", "current (estimated)")].low == pytest.approx(est["low"])
    assert rows[("accuracy", "reference")].value == pytest.approx(written["reference_bands"]["accuracy"]["mean"])
    perf = next(c for c in run.checks if c.area == "Performance")
    assert perf.headline == "accuracy" and perf.value == pytest.approx(est["value"])
    alerting = {c for w in written["windows"] for al in w["alerts"] if al["kind"] == "drift" for c in al["columns"]}
    assert {d.column for d in run.drift if d.drifted} == alerting

    # the same windows from the model file and from its prediction columns: nothing got worse
    assert main(["runs", "diff", str(a), str(b), "--db", db]) == 0
    assert "nothing got worse" in capsys.readouterr().out


def test_save_with_json_to_stdout_keeps_stdout_for_the_json(files, capsys):
    db = f"sqlite:///{files / 'runs.db'}"
    _, out, err = _run(capsys, *_monitor(files, "--prediction", "pred", "--proba", "p1", "--no-drift", "--save",
                       "--db", db, "--json", "-"))  # fmt: skip
    assert json.loads(out)["windows"]  # stdout is the JSON document alone
    assert _run_id(err) == 1
    with open_store(db) as store:
        assert [r.project for r in store.list_runs()] == ["default"]


def test_a_store_that_cannot_take_the_run_is_exit_2(files, capsys):
    bad = files / "notes.db"
    bad.write_text("not a database")
    code, out, err = _run(capsys, *_monitor(files, "--prediction", "pred", "--proba", "p1", "--no-drift", "--save",
                          "--db", f"sqlite:///{bad}", "--json", files / "out.json"))  # fmt: skip
    assert code == 2
    assert "is not a SQLite database" in err and "run_id=" not in out
    assert bad.read_text() == "not a database"  # left as it was
    assert json.loads((files / "out.json").read_text())["windows"]  # the files were written before the save


def test_project_without_save_is_noted(tmp_path, capsys):
    argv = ["monitor", "--reference", tmp_path / "nope.csv", "--current", tmp_path / "nope.csv", "--prediction", "p",
            "--proba", "q", "--chunk", "100", "--project", "x"]  # fmt: skip
    code, _, err = _run(capsys, *argv)
    assert code == 2  # the missing file; the note comes first
    assert "--project and --db take effect with --save" in err


@pytest.mark.slow  # two monitoring runs, about 2.5 s
def test_stored_verdict_follows_the_alerts(shifted):
    """fail exactly when a window alerts (the monitor's exit 1); a performance alert fails Performance, a drift
    alert fails Data drift; without drift the drift check is skipped and does not count."""
    ref, cur = shifted
    for drift in (True, False):
        res = monitor(columns_adapter(), ref, cur, target="y", timestamp="ts", period="week", drift=drift, seed=1)
        doc = monitor_document(res, title="t", manifest={})
        checks = {c["name"]: c for c in doc["checks"]}
        assert (doc["verdict"] == "fail") == (res.verdict == "alert")
        perf_alert = any(a.kind == "performance" for a in res.alerts)
        assert (checks["Performance"]["status"] == "fail") == perf_alert
        if drift:
            assert (checks["Data drift"]["status"] == "fail") == any(a.kind == "drift" for a in res.alerts)
            assert {d.column for d in monitor_rows(res, doc).drift} == set(res.drift.features)
        else:
            assert checks["Data drift"]["status"] == "skipped" and not monitor_rows(res, doc).drift
        assert json.loads(json.dumps(doc, allow_nan=False)) == doc
