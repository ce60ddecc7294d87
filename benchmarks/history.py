"""Run history: saving, listing and diffing runs in a SQLite run store of 10,000 runs.

    .venv/bin/python benchmarks/history.py [--runs 10000] [--project-runs 1000] [--db PATH]

The runs are realistic in size: one real trust report of the credit demo (its JSON, about 9 KB, with
6 checks, 11 drift-tested columns and about 20 metrics, the rows `report --save` stores) is built once,
and each generated run varies its statuses, metric values, drifted columns and hashes. No HTML is stored
(`--save` keeps it only when `--html` is written). 1,000 of the runs belong to one project (``big``), the
others to 30 projects, interleaved in time.

Timed (in-process, after one warm-up call so imports are not counted; median of 5 repeats):

- ``save``: one ``RunStore.save_json`` (one transaction: the run, its checks, drift and metric rows), the
  mean over all saves (p50 and p95 shown too);
- ``list``: ``robustness runs list --json OUT`` over all 10,000 runs (opening the store included);
- ``diff``: ``robustness runs diff A B --json OUT`` on two runs of ``big``;
- ``page queries``: what the History page reads for ``big`` (projects, its newest 1,000 runs, their checks,
  the timeline's runs, counts, and the three runs the page opens: the latest two and one to compare).

Last line: ``save_ms=X list_ms=Y diff_ms=Z page_query_ms=W``. Goals: save <= 50, list <= 200, diff <= 100,
page queries <= 300.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from robustness.cli import main  # noqa: E402
from robustness.history import diff_runs, open_store  # noqa: E402
from robustness.history.extract import CheckRow, DriftRow, MetricRow, RunRows, rows_of  # noqa: E402

STATUSES = ("pass", "warn", "fail")


def base_report() -> tuple[dict, RunRows]:
    from robustness.demo import scenario_workspace
    from robustness.report import build_report

    report = build_report(scenario_workspace("credit"))
    d = report.to_dict()
    return d, rows_of(d, report.results)


def variant(base: dict, rows: RunRows, rng: random.Random) -> tuple[str, RunRows]:
    statuses = [rng.choices(STATUSES, weights=(6, 3, 1))[0] for _ in base["checks"]]
    report = json.loads(json.dumps(base))
    for c, s in zip(report["checks"], statuses):
        c["status"] = s
    rank = {"pass": 0, "warn": 1, "fail": 2}
    report["verdict"] = max(statuses, key=rank.__getitem__)
    for part in ("model", "reference", "current"):
        report["manifest"][part]["sha256"] = f"{rng.getrandbits(256):064x}"
    checks = tuple(
        CheckRow(**{**c.__dict__, "status": s, "value": None if c.value is None else c.value * rng.uniform(0.9, 1.1)})
        for c, s in zip(rows.checks, statuses)
    )
    drift = tuple(DriftRow(**{**d.__dict__, "drifted": rng.random() < 0.2}) for d in rows.drift)
    metrics = []
    for m in rows.metrics:
        shift = rng.uniform(-0.05, 0.05) * (abs(m.value) if m.value else 1)
        metrics.append(
            MetricRow(
                m.name,
                m.dataset,
                None if m.value is None else m.value + shift,
                None if m.low is None else m.low + shift,
                None if m.high is None else m.high + shift,
            )
        )
    return json.dumps(report, indent=2, ensure_ascii=False), RunRows(checks, drift, tuple(metrics))


BEST: dict[str, float] = {}  # name -> the fastest repeat (shown beside the median: this machine may be busy)


def timed(fn, repeats: int = 5, name: str = "") -> float:
    fn()  # warm-up: imports, the store's first open
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    BEST[name] = min(times)
    return statistics.median(times)


def cli(argv: list[str]) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)
    if code not in (0, 1):
        raise SystemExit(f"robustness {' '.join(argv)} exited {code}")


def page_queries(store, project: str) -> None:
    """What pages/history.py reads for one project (see its code)."""
    store.projects()
    runs = store.list_runs(project, limit=1000)
    store.check_history(project, limit=1000)
    store.count(project)
    store.count(project)
    store.list_runs(limit=1000)
    latest, previous = store.get(runs[-1].id), store.get(runs[-2].id)
    diff_runs(previous, latest)
    store.get(runs[-1].id)  # the scorecard opened below the table
    diff_runs(store.get(runs[-2].id), store.get(runs[-1].id))  # 'Compare two runs'


def run(n_runs: int, project_runs: int, db: Path) -> str:
    print("building one real trust report of the credit demo …", flush=True)
    base, rows = base_report()
    print(f"  its JSON: {len(json.dumps(base, indent=2)):,} bytes; {len(rows.checks)} checks, {len(rows.drift)} drift "
          f"columns, {len(rows.metrics)} metrics per run")  # fmt: skip
    rng = random.Random(0)
    url = f"sqlite:///{db}"
    store = open_store(url)
    every = max(1, n_runs // project_runs)
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    save_ms = []
    big_ids = []
    print(f"saving {n_runs:,} runs …", flush=True)
    for i in range(n_runs):
        text, r = variant(base, rows, rng)
        project = "big" if i % every == 0 and len(big_ids) < project_runs else f"project-{i % 30:02d}"
        began = time.perf_counter()
        run_id = store.save_json(text, rows=r, project=project, created_at=t0 + timedelta(hours=i))
        save_ms.append((time.perf_counter() - began) * 1000)
        if project == "big":
            big_ids.append(run_id)
    store.close()
    size_mb = db.stat().st_size / 1e6
    save = statistics.mean(save_ms)
    p50, p95 = statistics.median(save_ms), sorted(save_ms)[int(len(save_ms) * 0.95)]
    out = Path(tempfile.mkdtemp(prefix="history-bench-"))
    list_ms = timed(lambda: cli(["runs", "list", "--db", url, "--json", str(out / "list.json")]), name="list")
    listed = len(json.loads((out / "list.json").read_text()))
    a, b = big_ids[-2], big_ids[-1]
    diff_ms = timed(
        lambda: cli(["runs", "diff", str(a), str(b), "--db", url, "--json", str(out / "diff.json")]), name="diff"
    )
    with open_store(url) as store:
        page_ms = timed(lambda: page_queries(store, "big"), name="page")
        assert store.count("big") == project_runs
    print()
    print(f"store: {db} ({size_mb:,.1f} MB, {n_runs:,} runs, {listed:,} listed; 'big' has {len(big_ids):,})")
    print(f"{'measure':<28}{'ms':>10}{'best':>8}{'goal':>8}")
    for name, value, best, goal in (
        ("save (mean)", save, min(save_ms), 50),
        ("save (p50)", p50, None, 50),
        ("save (p95)", p95, None, 50),
        ("runs list (10,000 runs)", list_ms, BEST["list"], 200),
        ("runs diff", diff_ms, BEST["diff"], 100),
        ("History page queries", page_ms, BEST["page"], 300),
    ):
        print(f"{name:<28}{value:>10.1f}{'' if best is None else f'{best:.1f}':>8}{goal:>8}")
    import os

    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return f"save_ms={save:.1f} list_ms={list_ms:.1f} diff_ms={diff_ms:.1f} page_query_ms={page_ms:.1f}"


def cli_main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--project-runs", type=int, default=1_000)
    parser.add_argument("--db", type=Path, help="SQLite file to create (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="history-bench-") as tmp:
        db = args.db or Path(tmp) / "runs.db"
        if db.exists():
            raise SystemExit(f"{db} exists; give a new file")
        print(run(args.runs, args.project_runs, db))


if __name__ == "__main__":
    cli_main()
