"""``robustness monitor``, and the model-free options (``--prediction``, ``--proba``, ``--proba-prefix``)
shared with ``robustness report``. ``robustness/cli.py`` registers them; the logic lives here."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from robustness.errors import ConfigError, DataError
from robustness.formatting import interval, number

if TYPE_CHECKING:
    from robustness.io.data import LoadedTable
    from robustness.models import ModelAdapter
    from robustness.monitor import MonitorResult

__all__ = [
    "MonitorRun",
    "add_parser",
    "add_prediction_options",
    "monitor_files",
    "report_without_model",
    "run",
    "to_html",
]


def add_prediction_options(p: argparse.ArgumentParser) -> None:
    """--prediction / --proba / --proba-prefix: the model's outputs as columns of the data, instead of --model."""
    p.add_argument("--prediction", metavar="COL", help="without --model: the column holding the model's predictions")
    p.add_argument(
        "--proba", metavar="COL", help="without --model, binary: the column holding the positive class's probability"
    )
    p.add_argument(
        "--proba-prefix",
        metavar="PREFIX",
        help="without --model: one probability column per class, named PREFIX + class label (e.g. proba_)",
    )


def add_parser(sub) -> None:
    from robustness.cli_options import feature_names_option, model_file_options

    mon = sub.add_parser(
        "monitor",
        help="estimated performance per time window without labels, with reference bands, alerts and drift",
        description="Cuts the current data into windows (calendar periods or row chunks) and estimates each "
        "window's performance without labels (confidence-based, ATC, importance weighting), beside the realised "
        "value where labels exist. Exit 0 when no window alerts, 1 when any does, 2 on bad input.",
    )
    mon.add_argument("--reference", required=True, help="labelled reference data (CSV or Parquet)")
    mon.add_argument("--current", required=True, help="current data (CSV or Parquet); labels optional")
    mon.add_argument("--model", help="model file: .skops, .onnx (or .pkl/.joblib with --allow-pickle)")
    add_prediction_options(mon)
    mon.add_argument("--target", help="label column (default: guessed); required in the reference")
    mon.add_argument("--timestamp", help="timestamp column ordering the rows (default: guessed)")
    mon.add_argument("--id", help="ID column, not an input (default: guessed)")
    how = mon.add_mutually_exclusive_group()
    how.add_argument("--period", help="windows by calendar period of the timestamp: day, week, month or quarter")
    how.add_argument("--chunk", type=int, metavar="ROWS", help="windows of this many rows (default: a tenth)")
    mon.add_argument("--min-rows", type=int, default=30, help="windows with fewer rows are not estimated (30)")
    mon.add_argument("--no-drift", action="store_true", help="skip the per-window drift of inputs and outputs")
    mon.add_argument("--seed", type=int, default=0, help="random seed of every interval (0)")
    mon.add_argument(
        "--json", metavar="OUT", help="write the result as JSON ('-' for stdout, which then holds only it)"
    )
    mon.add_argument("--html", metavar="OUT", help="write the chart and table as a self-contained HTML page")
    mon.add_argument(
        "--save", action="store_true", help="keep the run in the run store (prints run_id=N); see `robustness runs`"
    )
    mon.add_argument("--project", help="with --save: the project the run belongs to (default: 'default')")
    mon.add_argument(
        "--db",
        metavar="URL",
        help="with --save: the run store, a SQLAlchemy URL such as sqlite:////path/runs.db (default: ROBUSTNESS_DB, "
        "else sqlite in ROBUSTNESS_HOME or ~/.robustness/runs.db)",
    )
    feature_names_option(mon)
    model_file_options(mon)


def _adapter(args, reference):
    """The model file's adapter, or one over prediction columns."""
    given = [f for f, v in (("--prediction", args.prediction), ("--proba", args.proba), ("--proba-prefix",
             args.proba_prefix)) if v is not None]  # fmt: skip
    if args.model is not None:
        if given:
            raise ConfigError(f"Give --model or prediction columns ({', '.join(given)}), not both.")
        from robustness.models import load_model

        names = [n.strip() for n in args.feature_names.split(",") if n.strip()] if args.feature_names else None
        return load_model(args.model, allow_pickle=args.allow_pickle, trusted_types=args.trust, feature_names=names)
    from robustness.monitor.inputs import adapter_from_columns

    return adapter_from_columns(
        reference, prediction=args.prediction, proba=args.proba, proba_prefix=args.proba_prefix, target=args.target
    )


@dataclass(frozen=True, eq=False)
class MonitorRun:
    """A monitoring run from files: the result, and what the run history records about its inputs."""

    result: MonitorResult
    model: ModelAdapter
    reference: LoadedTable
    current: LoadedTable
    target: str
    timestamp: str | None
    model_name: str
    model_sha256: str | None


def monitor_files(args) -> MonitorRun:
    """Read both files, resolve the model and the column roles, and run ``monitor``."""
    from robustness.io.data import read_table
    from robustness.io.infer import guess_roles
    from robustness.monitor import monitor
    from robustness.monitor.inputs import prediction_columns

    reference, current = read_table(args.reference), read_table(args.current)
    ref, cur = reference.frame, current.frame
    if ref.empty:
        raise DataError(f"The reference file {reference.name} has no rows; the estimates calibrate on it.")
    model = _adapter(args, ref)
    guessed = guess_roles(ref)
    target = args.target or guessed.target
    if target is None:
        raise DataError(
            f"No label column was named and none could be guessed in {reference.name}: the label-free estimates "
            "calibrate on a labelled reference. Name the label column with --target."
        )
    if target not in ref.columns:
        raise DataError(
            f"The reference file {reference.name} has no label column '{target}': the label-free estimates calibrate "
            f"on a labelled reference. Columns there: {', '.join(map(str, list(ref.columns)[:15]))}."
        )
    timestamp = args.timestamp or (guessed.timestamp if guessed.timestamp in cur.columns else None)
    if args.period and timestamp is None:
        raise ConfigError(
            "--period cuts the data into calendar periods of a timestamp column, but none was named and none could "
            "be guessed: name it with --timestamp, or use windows of a row count (--chunk)."
        )
    exclude = [c for c in (args.id or guessed.id, guessed.prediction, *guessed.probabilities.values()) if c]
    exclude = [c for c in exclude if c != target and c != timestamp and c not in prediction_columns(model)] + list(
        prediction_columns(model)
    )
    result = monitor(
        model,
        ref,
        cur,
        target=target,
        timestamp=timestamp,
        period=args.period,
        chunk=args.chunk,
        exclude=exclude,
        drift=not args.no_drift,
        min_rows=args.min_rows,
        seed=args.seed,
    )
    if args.model is not None:
        name, digest = Path(args.model).name, hashlib.sha256(Path(args.model).read_bytes()).hexdigest()
    else:
        name, digest = "predictions from columns", None
    return MonitorRun(result, model, reference, current, target, timestamp, name, digest)


def _save(args, run: MonitorRun, html: str | None) -> int:
    """``--save``: the run in the run store; HistoryError (exit 2) when the store cannot take it."""
    from robustness.history.monitor_runs import monitor_manifest, save_monitor

    def table(t: LoadedTable) -> dict:
        return {"name": t.name, "sha256": t.sha256, "rows": len(t.frame), "columns": len(t.frame.columns)}

    manifest = monitor_manifest(
        run.result,
        model_name=run.model_name,
        model_sha256=run.model_sha256,
        model_summary=run.model.summary().to_dict(),
        reference=table(run.reference),
        current=table(run.current),
        roles={"target": run.target, "timestamp": run.timestamp, **_prediction_roles(args)},
        settings={
            "period": args.period,
            "chunk": args.chunk,
            "min_rows": args.min_rows,
            "drift": not args.no_drift,
            "seed": args.seed,
        },
    )
    return save_monitor(
        run.result,
        project=args.project or "default",
        title=f"Monitoring: {run.model_name} on {run.current.name}",
        manifest=manifest,
        url=args.db,
        html=html,
    )


def _prediction_roles(args) -> dict:
    return {k: v for k, v in (("prediction", args.prediction), ("proba", args.proba),
            ("proba_prefix", args.proba_prefix)) if v is not None}  # fmt: skip


def _text(result) -> str:
    from robustness.performance.metrics import LABELS

    head = result.metrics[0]
    lines = [
        f"Monitoring {result.task} model: {len(result.windows)} windows by "
        + (f"period {result.period}" if result.period else f"chunks of {result.chunk:,} rows")
        + f", ordered by {result.ordered_by}; headline {LABELS.get(head, head)} (95% interval)."
    ]
    for w in result.windows:
        e = w.estimate(head)
        if w.status != "ok" or e is None:
            est = w.message
        else:
            est = f"{number(e.value)} ({interval(e.low, e.high)}) {e.method}"
        real = w.realised_value(head)
        real = f"  realised {number(real)}" if real is not None else ""
        flag = f"  ALERT: {'; '.join(a.message for a in w.alerts)}" if w.alerts else ""
        lines.append(f"  {w.start} .. {w.end}  {w.rows:>7,} rows  {est}{real}{flag}")
    for note in result.notes:
        lines.append(f"  note: {note}")
    lines.append(f"Verdict: {result.verdict.upper()}. {result.summary()}")
    return "\n".join(lines)


def to_html(result, title: str = "Monitoring without labels") -> str:
    """One self-contained page: the chart per metric (plotly.js embedded, opens offline) and the JSON."""
    import gzip
    import html

    import plotly.io as pio

    from robustness.plots.monitor import over_time
    from robustness.report.export import plotly_bundle_gz, script_safe_json

    figs = [over_time(result, m) for m in result.metrics]
    divs, calls = [], []
    for i, fig in enumerate(figs):
        divs.append(f'<div id="chart-{i}" style="height:{fig.layout.height or 420}px"></div>')
        calls.append(f"Plotly.newPlot('chart-{i}', {script_safe_json(pio.to_json(fig, validate=False))});")
    summary = html.escape(result.summary())
    payload = html.escape(json.dumps(result.to_dict(), indent=1, allow_nan=False))
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<script>{gzip.decompress(plotly_bundle_gz()).decode('utf-8')}</script></head>"
        f"<body style='font-family:sans-serif;max-width:1100px;margin:auto'><h1>{html.escape(title)}</h1>"
        f"<p><b>Verdict: {result.verdict.upper()}</b>. {summary}</p>{''.join(divs)}"
        f"<details><summary>JSON</summary><pre>{payload}</pre></details>"
        f"<script>{''.join(calls)}</script></body></html>"
    )


def run(args) -> int:
    """The ``monitor`` command: exit 0 without alerts, 1 with any (2 when --save cannot reach the store)."""
    from robustness.cli_options import EXIT_FAILED, EXIT_OK, write_json

    if not args.save and (args.project or args.db):
        print("robustness: note: --project and --db take effect with --save", file=sys.stderr)
    done = monitor_files(args)
    result = done.result
    payload = json.dumps(result.to_dict(), indent=2, allow_nan=False)
    page = to_html(result) if args.html else None
    if page is not None:
        Path(args.html).write_text(page, encoding="utf-8")
    if args.json == "-":
        print(payload)
    else:
        print(_text(result))
        if args.json:
            write_json(args.json, payload)
    if args.save:
        run_id = _save(args, done, page)
        print(f"run_id={run_id}", file=sys.stderr if args.json == "-" else sys.stdout)
    return EXIT_FAILED if result.verdict == "alert" else EXIT_OK


def report_without_model(args):
    """``robustness report`` from prediction columns: the checks predictions allow run, the rest are skipped
    with the reason (the scorecard decides which need a model file)."""
    from robustness.io.data import read_table
    from robustness.report.run import report_config, report_roles
    from robustness.report.scorecard import build_report
    from robustness.schema import ColumnRoles
    from robustness.workspace import build_workspace

    if getattr(args, "engine", "memory") == "dask":
        raise ConfigError("Predictions read from columns need the data in memory; use --engine memory.")
    cfg = report_config(args.config, args.seed)
    reference, current = read_table(args.reference), read_table(args.current)
    if reference.frame.empty:
        raise DataError(f"The reference file {reference.name} has no rows; the report compares current data with it.")
    if current.frame.empty:
        raise DataError(f"The current file {current.name} has no rows; there is nothing to check.")
    model = _adapter(args, reference.frame)
    guessed = report_roles(reference.frame, reference.name, None, args.target)
    probabilities = {str(k): v for k, v in model.probabilities.items()}
    roles = ColumnRoles(
        target=guessed.target,
        prediction=model.prediction,
        probabilities=probabilities,
        timestamp=guessed.timestamp if guessed.timestamp not in (model.prediction, *probabilities.values()) else None,
        id=guessed.id if guessed.id not in (model.prediction, *probabilities.values()) else None,
    )
    ws = build_workspace(reference, current, roles, model=model, model_name="predictions from columns")
    return build_report(ws, cfg)
