"""`robustness report --save/--notify` and `robustness runs ...`, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from robustness.cli import main


@pytest.fixture
def cached_reports(demo_reports, monkeypatch):
    """`robustness report` on the credit demo without recomputing: report_files returns the session's
    reports (current = the reference, or the drifted current)."""
    import robustness.report.run as run

    def fake(model, reference, current, **_kw):
        return demo_reports["same" if str(current).endswith("reference.csv") else "drifted"]

    monkeypatch.setattr(run, "report_files", fake)
    return demo_reports["dir"]


def _report(d, current: str, *extra: str) -> list[str]:
    return ["report", "--model", str(d / "model.skops"), "--reference", str(d / "reference.csv"), "--current",
            str(d / current), "--engine", "memory", *extra]  # fmt: skip


def _run_id(out: str) -> int:
    lines = [line for line in out.splitlines() if line.startswith("run_id=")]
    assert len(lines) == 1, out
    return int(lines[0].removeprefix("run_id="))


@pytest.mark.slow  # the demo's trust reports (built once per session)
def test_save_list_show_diff_delete(db_url, cached_reports, tmp_path, capsys):
    d = cached_reports
    html_out, json_out = tmp_path / "a.html", tmp_path / "a.json"
    code = main(_report(d, "reference.csv", "--save", "--project", "credit", "--db", db_url, "--html", str(html_out),
                        "--json", str(json_out)))  # fmt: skip
    assert code == 1  # stress tests fail on the demo even without drift: the report's own exit code stays
    a = _run_id(capsys.readouterr().out)
    assert main(_report(d, "current.csv", "--save", "--project", "credit", "--db", db_url)) == 1
    b = _run_id(capsys.readouterr().out)
    assert b > a

    assert main(["runs", "list", "--db", db_url, "--project", "credit", "--json", str(tmp_path / "l.json")]) == 0
    listed = json.loads((tmp_path / "l.json").read_text())
    assert [r["id"] for r in listed] == [a, b]
    assert set(listed[0]) >= {"id", "project", "created_at", "verdict", "model_hash", "reference_hash", "current_hash"}
    assert listed[0]["reference_hash"] == listed[0]["current_hash"] != listed[1]["current_hash"]
    out = capsys.readouterr().out
    assert "credit" in out and "FAIL" in out

    # show gives back what report wrote
    assert main(["runs", "show", str(a), "--db", db_url, "--json", str(tmp_path / "s.json"), "--html",
                 str(tmp_path / "s.html")]) == 0  # fmt: skip
    assert (tmp_path / "s.json").read_text() == json_out.read_text()
    assert (tmp_path / "s.html").read_text() == html_out.read_text()
    assert main(["runs", "show", str(b), "--db", db_url, "--html", str(tmp_path / "b.html")]) == 0
    assert "scorecard alone" in capsys.readouterr().out
    assert "Data quality" in (tmp_path / "b.html").read_text()
    assert main(["runs", "show", str(b), "--db", db_url, "--json", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "fail"

    assert main(["runs", "diff", str(a), str(b), "--db", db_url, "--json", str(tmp_path / "d.json")]) == 1
    out = capsys.readouterr().out
    assert "Data quality: pass -> fail (worse)" in out and "Data drift: pass -> warn (worse)" in out
    assert "Columns newly drifted: income" in out
    diff = json.loads((tmp_path / "d.json").read_text())
    assert diff["worse"] and {"Data quality", "Data drift"} <= {c["area"] for c in diff["checks"]}
    assert main(["runs", "diff", str(b), str(a), "--db", db_url]) == 0  # back to the reference: better
    assert "nothing got worse" in capsys.readouterr().out
    assert main(["runs", "diff", str(a), str(a), "--db", db_url]) == 0

    assert main(["runs", "delete", str(a), "--db", db_url]) == 0
    capsys.readouterr()
    assert main(["runs", "show", str(a), "--db", db_url]) == 2
    assert f"no run {a}" in capsys.readouterr().err
    assert main(["runs", "diff", str(a), str(b), "--db", db_url]) == 2
    assert main(["runs", "delete", str(a), "--db", db_url]) == 2


def test_bad_ids_are_bad_input(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    with pytest.raises(SystemExit) as info:
        main(["runs", "diff", "1", "x", "--db", db])
    assert info.value.code == 2
    assert main(["runs", "show", "7", "--db", db]) == 2
    assert main(["runs", "list", "--db", db]) == 0
    assert "No runs" in capsys.readouterr().out


@pytest.mark.slow  # the demo's trust reports (built once per session)
def test_json_to_stdout_keeps_it_clean(cached_reports, tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    assert main(_report(cached_reports, "current.csv", "--save", "--db", db, "--json", "-")) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["verdict"] == "fail"
    assert _run_id(captured.err) == 1
    assert main(["runs", "list", "--db", db, "--json", "-"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["project"] == "default"


@pytest.mark.slow  # the demo's trust reports (built once per session)
def test_the_store_comes_from_the_environment(cached_reports, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("ROBUSTNESS_DB", raising=False)
    monkeypatch.setenv("ROBUSTNESS_HOME", str(tmp_path / "home"))
    assert main(_report(cached_reports, "current.csv", "--save")) == 1
    assert (tmp_path / "home" / "runs.db").is_file()
    monkeypatch.setenv("ROBUSTNESS_DB", f"sqlite:///{tmp_path / 'other.db'}")
    assert main(["runs", "list"]) == 0
    assert "No runs" in capsys.readouterr().out


@pytest.mark.slow  # the demo's trust reports (built once per session)
def test_a_newer_or_foreign_store_is_bad_input_and_untouched(cached_reports, tmp_path, capsys):
    bad = tmp_path / "runs.db"
    bad.write_bytes(b"not a database at all")
    html = tmp_path / "r.html"
    code = main(_report(cached_reports, "current.csv", "--save", "--db", f"sqlite:///{bad}", "--html", str(html)))
    assert code == 2 and "not a SQLite database" in capsys.readouterr().err
    assert bad.read_bytes() == b"not a database at all" and html.is_file()
    assert main(["runs", "list", "--db", f"sqlite:///{bad}"]) == 2


@pytest.mark.slow  # the demo's trust reports (built once per session)
def test_an_unreachable_postgresql_is_reported_quickly_and_the_files_are_written(cached_reports, tmp_path, capsys):
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"postgresql+psycopg://robot:hunter2@127.0.0.1:{silent.getsockname()[1]}/runs"
        html, out = tmp_path / "r.html", tmp_path / "r.json"
        began = time.monotonic()
        code = main(_report(cached_reports, "current.csv", "--save", "--db", url, "--html", str(html), "--json",
                            str(out)))  # fmt: skip
        assert time.monotonic() - began < 30
    err = capsys.readouterr().err
    assert code == 2 and "Could not open the run store" in err and "hunter2" not in err
    assert html.is_file() and json.loads(out.read_text())["verdict"] == "fail"


class _Hook:
    """A local webhook: records the JSON bodies posted to it, answers with ``status``."""

    def __init__(self, status: int = 200):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((self.path, self.headers["Content-Type"], json.loads(body)))
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/T0/secret-token"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.slow  # the demo's trust reports (built once per session)
def test_notify_posts_a_short_summary_on_warn_or_fail(cached_reports, tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    with _Hook() as hook:
        assert main(_report(cached_reports, "current.csv", "--save", "--project", "credit", "--db", db, "--notify",
                            hook.url)) == 1  # fmt: skip
    assert len(hook.received) == 1
    path, ctype, body = hook.received[0]
    assert path == "/hooks/T0/secret-token" and ctype == "application/json"
    assert body["verdict"] == "fail" and body["project"] == "credit" and body["run_id"] == 1
    assert body["text"].startswith("Trust report credit FAIL (run 1): ") and "://" not in body["text"]
    assert len(body["text"]) <= 600 and body["worst"][0]["status"] == "fail"
    assert capsys.readouterr().err == ""


@pytest.mark.slow  # the demo's trust reports (built once per session)
def test_a_failed_notification_changes_nothing_else(cached_reports, tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    with _Hook(status=500) as hook:
        code = main(_report(cached_reports, "current.csv", "--save", "--db", db, "--notify", hook.url))
    captured = capsys.readouterr()
    assert code == 1 and _run_id(captured.out) == 1
    assert "warning: The notification to http://127.0.0.1" in captured.err and "HTTP 500" in captured.err
    assert "secret-token" not in captured.err
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/hook"
    code = main(_report(cached_reports, "current.csv", "--save", "--db", db, "--notify", closed))
    captured = capsys.readouterr()
    assert code == 1 and _run_id(captured.out) == 2 and "could not be sent" in captured.err


@pytest.mark.slow  # the demo's trust reports (built once per session)
def test_no_notification_on_pass(demo_reports, monkeypatch, tmp_path):
    """A passing report posts nothing (the demo's reports never pass: one with every check passing is made)."""
    from dataclasses import replace

    import robustness.report.run as run

    same = demo_reports["same"]
    passing = replace(same, checks=tuple(replace(c, status="pass") for c in same.checks))
    monkeypatch.setattr(run, "report_files", lambda *a, **k: passing)
    with _Hook() as hook:
        assert main(_report(demo_reports["dir"], "reference.csv", "--notify", hook.url)) == 0
    assert hook.received == []


@pytest.mark.slow  # the demo's trust reports (built once per session)
def test_report_save_twice_and_diff_on_the_demo(tmp_path, capsys):
    """The issue's story for real: the demo's report on the reference as current, then on the drifted current;
    the diff names the checks that got worse and exits 1."""
    from robustness.demo import export_scenario

    d = tmp_path / "demo"
    export_scenario("credit", d)
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    main(_report(d, "reference.csv", "--save", "--project", "credit", "--db", db))
    a = _run_id(capsys.readouterr().out)
    main(_report(d, "current.csv", "--save", "--project", "credit", "--db", db))
    b = _run_id(capsys.readouterr().out)
    assert main(["runs", "diff", str(a), str(b), "--db", db]) == 1
    out = capsys.readouterr().out
    for line in ("Data quality: pass -> fail (worse)", "Data drift: pass -> warn (worse)", "Changed current data"):
        assert line in out
