"""The history side of the ``robustness`` command: ``report --save/--notify`` and ``robustness runs ...``.

Registered by robustness/cli.py (``add_report_options``, ``add_runs_parser``, ``after_report``,
``cmd_runs``). Exit codes: 0 ok, 1 ``runs diff`` found something worse, 2 bad input (an unknown run id,
a store that cannot be opened).
"""

from __future__ import annotations

import argparse
import html as html_lib
import json
import sys
from pathlib import Path

__all__ = [
    "DEFAULT_PROJECT",
    "add_report_options",
    "add_runs_parser",
    "after_report",
    "cmd_runs",
    "db_option",
    "scorecard_html",
]

DEFAULT_PROJECT = "default"
EXIT_OK, EXIT_WORSE = 0, 1


def db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        metavar="URL",
        help="the run store: a SQLAlchemy URL such as sqlite:////path/runs.db or "
        "postgresql+psycopg://user:password@host/dbname (default: ROBUSTNESS_DB, else "
        "sqlite in ROBUSTNESS_HOME or ~/.robustness/runs.db)",
    )


def add_report_options(rep: argparse.ArgumentParser) -> None:
    rep.add_argument(
        "--save", action="store_true", help="keep the run in the run store (prints run_id=N); see `robustness runs`"
    )
    rep.add_argument("--project", help=f"with --save: the project the run belongs to (default: {DEFAULT_PROJECT!r})")
    db_option(rep)
    rep.add_argument(
        "--notify",
        metavar="URL",
        help="when the verdict is warn or fail, POST a short JSON summary (a 'text' line chat webhooks accept) "
        "to URL; a failed post is reported on stderr and changes nothing else",
    )


def add_runs_parser(sub) -> None:
    runs = sub.add_parser(
        "runs",
        help="the run history: list, show, diff and delete saved trust reports",
        description="Saved runs (robustness report --save). Exit 0 ok, 1 when `runs diff` finds something "
        "worse, 2 on bad input.",
    )
    rsub = runs.add_subparsers(dest="runs_command", required=True, parser_class=type(runs))
    lst = rsub.add_parser("list", help="the saved runs, oldest first")
    lst.add_argument("--project", help="only this project's runs")
    lst.add_argument("--json", metavar="OUT", help="write the list as JSON ('-' for stdout)")
    db_option(lst)
    show = rsub.add_parser("show", help="a saved run's scorecard; its report files back")
    show.add_argument("run_id", type=int, metavar="ID")
    show.add_argument("--html", metavar="OUT", help="write the run's HTML report")
    show.add_argument(
        "--json", metavar="OUT", help="write the run's JSON report ('-' for stdout, which then holds only it)"
    )
    db_option(show)
    diff = rsub.add_parser(
        "diff",
        help="what changed from run A to run B; exit 1 when something got worse",
        description="Checks whose status changed, columns newly drifted or no longer drifted, metrics with their "
        "change and whether it is beyond the runs' intervals, and the model or data that changed (by hash). "
        "Exit 0 when nothing got worse, 1 when something did, 2 on bad input.",
    )
    diff.add_argument("a", type=int, metavar="A", help="the earlier run's id")
    diff.add_argument("b", type=int, metavar="B", help="the later run's id")
    diff.add_argument("--json", metavar="OUT", help="write the diff as JSON ('-' for stdout, which then holds only it)")
    db_option(diff)
    delete = rsub.add_parser("delete", help="remove a saved run")
    delete.add_argument("run_id", type=int, metavar="ID")
    db_option(delete)


def _open(args):
    from robustness.history.store import open_store

    return open_store(getattr(args, "db", None))


def _write(out: str, text: str) -> None:
    if out == "-":
        print(text)
    else:
        Path(out).write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")


def after_report(args, report, *, html: str | None = None) -> None:
    """``report --save`` and ``--notify``, once the report's files are written. A store that cannot be opened
    raises HistoryError (exit 2); a failed notification is only reported on stderr."""
    run_id, project, failure = None, None, None
    if getattr(args, "save", False):
        from robustness.history.store import HistoryError

        project = args.project or DEFAULT_PROJECT
        try:
            with _open(args) as store:
                if html is None and args.html and Path(args.html).is_file():
                    html = Path(args.html).read_text(encoding="utf-8")
                run_id = store.save(report, project=project, html=html)
        except HistoryError as exc:
            failure = exc
        else:
            line = f"run_id={run_id}"
            print(line, file=sys.stderr if args.json == "-" else sys.stdout)
    elif args.project or args.db:
        print("robustness: note: --project and --db take effect with --save", file=sys.stderr)
    if getattr(args, "notify", None) and report.verdict in ("warn", "fail"):
        from robustness.history.notify import notification, post_notification
        from robustness.history.store import HistoryError

        try:
            post_notification(args.notify, notification(report, project=project, run_id=run_id))
        except HistoryError as exc:
            print(f"robustness: warning: {exc}", file=sys.stderr)
    if failure is not None:
        raise failure


def cmd_runs(args) -> int:
    with _open(args) as store:
        if args.runs_command == "list":
            return _list(store, args)
        if args.runs_command == "show":
            return _show(store, args)
        if args.runs_command == "diff":
            return _diff(store, args)
        if args.runs_command == "delete":
            store.delete(args.run_id)
            print(f"deleted run {args.run_id} from {store.where}")
            return EXIT_OK
    return 2


def _list(store, args) -> int:
    runs = store.list_runs(args.project)
    if args.json:
        # one run per line: json's C encoder (indent=2 falls back to the pure-Python one, 3x slower on 10,000 runs)
        encode = json.JSONEncoder(ensure_ascii=False).encode
        body = ",\n  ".join(encode(r.to_dict()) for r in runs)
        _write(args.json, f"[\n  {body}\n]" if runs else "[]")
        if args.json == "-":
            return EXIT_OK
    if not runs:
        print(f"No runs{f' of project {args.project!r}' if args.project else ''} in {store.where}.")
        return EXIT_OK
    lines = [f"{'id':>6}  {'project':20s} {'created (UTC)':19s} {'verdict':7s} {'model':12s} {'reference':12s} current"]
    lines += [
        f"{r.id:>6}  {r.project[:20]:20s} {r.created_at.isoformat(' ')[:19]} {r.verdict.upper():7s} "
        f"{(r.model_hash or '-')[:12]:12s} {(r.reference_hash or '-')[:12]:12s} {(r.current_hash or '-')[:12]}"
        for r in runs
    ]
    print("\n".join(lines))
    return EXIT_OK


def _show(store, args) -> int:
    run = store.get(args.run_id)
    if args.json == "-":
        print(run.report_json)
    else:
        s = run.summary
        report = run.report
        print(f"Run {s.id} of {s.project!r}, {s.created_at:%Y-%m-%d %H:%M UTC}")
        print(f"{report.get('title', '')}: {s.verdict.upper()}")
        for c in report.get("checks", []):
            print(f"  {str(c.get('status', '')).upper():7s} {c.get('name')}: {c.get('summary')}")
        if args.json:
            _write(args.json, run.report_json)
            print(f"wrote {args.json}")
    if args.html:
        page = store.html(run.id) if run.has_html else None
        Path(args.html).write_text(page or scorecard_html(run), encoding="utf-8")
        note = "" if page else " (the run was saved without its HTML report: the scorecard alone, no charts)"
        print(f"wrote {args.html}{note}", file=sys.stderr if args.json == "-" else sys.stdout)
    return EXIT_OK


def _diff(store, args) -> int:
    from robustness.history.diff import diff_runs

    d = diff_runs(store.get(args.a), store.get(args.b))
    if args.json == "-":
        print(json.dumps(d.to_dict(), indent=2, ensure_ascii=False, allow_nan=False))
    else:
        print(d.text())
        if args.json:
            _write(args.json, json.dumps(d.to_dict(), indent=2, ensure_ascii=False, allow_nan=False))
    return EXIT_WORSE if d.worse else EXIT_OK


STATUS_COLOUR = {"pass": "#1E8E3E", "warn": "#E37400", "fail": "#D93025", "skipped": "#80868B"}


def scorecard_html(run) -> str:
    """A self-contained page with a run's scorecard, from its stored JSON (for runs saved without HTML).
    Every string is escaped: project names, titles and summaries may come from anyone."""
    e = lambda x: html_lib.escape(str(x), quote=True)  # noqa: E731
    report, s = run.report, run.summary
    rows = "".join(
        f"<tr><td><b>{e(c.get('name', ''))}</b></td><td><span style='background:"
        f"{STATUS_COLOUR.get(c.get('status'), '#80868B')};color:#fff;padding:2px 8px;border-radius:4px'>"
        f"{e(str(c.get('status', '')).upper())}</span></td><td>{e(c.get('summary', ''))}</td></tr>"
        for c in report.get("checks", [])
    )
    manifest = e(json.dumps(run.manifest, indent=2, ensure_ascii=False, default=str))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(report.get("title", "Trust report"))}</title>
<style>body{{font-family:sans-serif;max-width:1000px;margin:24px auto;color:#202124}}
table{{border-collapse:collapse;width:100%}}td,th{{text-align:left;padding:8px;border-bottom:1px solid #dadce0}}
pre{{background:#f1f3f4;padding:12px;font-size:11px;white-space:pre-wrap}}</style></head><body>
<h1>{e(report.get("title", "Trust report"))}</h1>
<p>Run {s.id} of project <b>{e(s.project)}</b>, saved {e(f"{s.created_at:%Y-%m-%d %H:%M UTC}")}.
Overall: <b>{e(s.verdict.upper())}</b>. This run was saved without its HTML report: the scorecard alone, no charts.</p>
<table><thead><tr><th>Check</th><th>Status</th><th>Why</th></tr></thead><tbody>{rows}</tbody></table>
<h2>Run manifest</h2><pre>{manifest}</pre></body></html>
"""
