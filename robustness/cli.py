"""The ``robustness`` command: the same backend as the dashboard, for terminals and CI.

Exit codes: 0 ok, 2 bad input (one line on stderr, no traceback). Later commands
(drift, stress, report) use 1 for "the check failed".
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from robustness.cli_options import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    feature_names,
    feature_names_option,
    model_file_options,
    write_json,
)
from robustness.errors import ConfigError, RobustnessError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors are bad input too: exit 2, one line
        self.print_usage(sys.stderr)
        _exit_bad(message)


def _exit_bad(message: str):
    print(f"robustness: error: {message}", file=sys.stderr)
    raise SystemExit(EXIT_BAD_INPUT)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="robustness", description="Robustness checks for machine-learning models.")
    p.add_argument("--version", action="version", version=_version())
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    ins = sub.add_parser("inspect", help="summarise a model file and check it against a data file")
    ins.add_argument("--model", required=True, help="model file: .skops, .onnx (or .pkl/.joblib with --allow-pickle)")
    ins.add_argument("--data", help="CSV or Parquet file to check the model's expected columns against")
    ins.add_argument("--target", help="target column in --data (default: guessed)")
    model_file_options(ins)
    feature_names_option(ins)
    ins.add_argument("--json", metavar="OUT", help="also write the summary as JSON ('-' for stdout)")

    dr = sub.add_parser(
        "drift",
        help="compare reference and current data column by column",
        description="The reference is a file (--reference) or a saved run's reference summaries (--reference-run "
        "ID, from robustness report --save). Exit 0 when the dataset has not drifted, 1 when it has, 2 on bad "
        "input (including a run id that does not exist, or a run saved without reference summaries).",
    )
    refs = dr.add_mutually_exclusive_group(required=True)
    refs.add_argument("--reference", help="reference data (CSV or Parquet)")
    refs.add_argument(
        "--reference-run",
        type=int,
        metavar="ID",
        help="use the reference summaries kept by a saved run (robustness report --save) instead of a reference "
        "file: no reference file is read; statistics on numbers are within the binned bounds of the reference's "
        "bins (README, drift)",
    )
    dr.add_argument("--current", required=True, help="current data (CSV or Parquet)")
    dr.add_argument("--config", help="JSON or TOML file with drift settings (alpha, thresholds, per-column tests)")
    dr.add_argument("--json", metavar="OUT", help="write the result as JSON ('-' for stdout)")
    dr.add_argument("--evidently-html", metavar="OUT", help="also export the comparison as an Evidently HTML report")
    dr.add_argument("--evidently-json", metavar="OUT", help="also export the comparison as Evidently JSON")
    for role in ("target", "prediction", "timestamp", "id"):
        dr.add_argument(f"--{role}", help=f"the {role} column (default: guessed); not counted as a feature")
    _engine_options(dr)
    from robustness.history.cli import db_option

    db_option(dr)  # with --reference-run

    stp = sub.add_parser(
        "stress",
        help="perturb the data and measure how the model's predictions change",
        description="Exit 0 on pass or warn, 1 on fail, 2 on bad input.",
    )
    stp.add_argument("--model", required=True, help="model file: .skops, .onnx (or .pkl/.joblib with --allow-pickle)")
    stp.add_argument("--data", required=True, help="data to perturb (CSV or Parquet)")
    stp.add_argument("--reference", help="reference data for the perturbations' scales (default: --data)")
    stp.add_argument("--target", help="label column in --data: adds accuracy/F1/AUC (or RMSE/MAE) changes")
    stp.add_argument("--config", help="JSON or TOML file with stress settings (perturbations, severities, thresholds)")
    stp.add_argument("--seed", type=int, help="random seed (overrides the config)")
    stp.add_argument("--json", metavar="OUT", help="write the result as JSON ('-' for stdout)")
    model_file_options(stp)
    _engine_options(stp)

    exq = sub.add_parser(
        "explain",
        help="SHAP attributions of the model's predictions, per input column",
        description="Explain a seeded sample of the rows with the SHAP explainer chosen for the model "
        "(Tree, Linear or Permutation). Exit 0 on success, 2 on bad input.",
    )
    exq.add_argument("--model", required=True, help="model file: .skops, .onnx (or .pkl/.joblib with --allow-pickle)")
    exq.add_argument("--data", required=True, help="rows to explain (CSV or Parquet)")
    exq.add_argument("--reference", help="background data the explainer compares against (default: --data)")
    exq.add_argument(
        "--rows",
        type=int,
        metavar="N",
        help="rows to explain (default 500; a seeded sample when there are more). Sets the config's "
        "'rows'; the permutation explainer keeps 'permutation_rows' (default 100)",
    )
    exq.add_argument("--background", type=int, metavar="N", help="background rows sampled (default 100)")
    from robustness.explain.config import METHODS

    exq.add_argument("--method", choices=METHODS, help="explainer (default: auto, chosen from the model)")
    exq.add_argument(
        "--config",
        help="JSON or TOML file with explain settings ([explain] table: method, rows, "
        "permutation_rows, background, permutations, seed)",
    )
    exq.add_argument("--seed", type=int, help="random seed of every sample (overrides the config)")
    feature_names_option(exq)
    exq.add_argument(
        "--json", metavar="OUT", help="write the result as JSON ('-' for stdout, which then holds only the JSON)"
    )
    model_file_options(exq)

    rep = sub.add_parser(
        "report",
        help="the trust report: a pass/warn/fail scorecard over every check, for people and CI",
        description="Runs data quality, drift, stress tests, explanation shift, performance and uncertainty "
        "checks. Exit 0 on pass or warn, 1 on fail, 2 on bad input.",
    )
    rep.add_argument("--model", help="model file: .skops, .onnx (or .pkl/.joblib with --allow-pickle)")
    rep.add_argument("--reference", required=True, help="reference data the model was validated on (CSV or Parquet)")
    rep.add_argument("--current", required=True, help="current data (CSV or Parquet); labels optional")
    rep.add_argument("--target", help="label column (default: guessed)")
    rep.add_argument(
        "--config",
        help="JSON or TOML file with report settings ([report] table: warn_degradation, "
        "fail_degradation, alpha, fail_coverage_gap, checks, seed, ...)",
    )
    rep.add_argument("--seed", type=int, help="random seed (overrides the config)")
    rep.add_argument(
        "--challenger",
        metavar="MODEL",
        help="a second model file (same formats and rules as --model): adds the 'Champion vs challenger' section, "
        "both models scored on the same rows (robustness compare has the whole comparison)",
    )
    rep.add_argument("--html", metavar="OUT", help="write the self-contained HTML report")
    rep.add_argument("--pdf", metavar="OUT", help="write the PDF report (printed by headless Chromium)")
    rep.add_argument("--json", metavar="OUT", help="write the JSON report ('-' for stdout, which then holds only it)")
    feature_names_option(rep)
    model_file_options(rep)
    _engine_options(rep)
    from robustness.cli_monitor import add_parser as add_monitor_parser
    from robustness.cli_monitor import add_prediction_options

    add_prediction_options(rep)  # without --model: checks that predictions allow run, the rest are skipped
    add_monitor_parser(sub)
    from robustness.history.cli import add_report_options, add_runs_parser

    add_report_options(rep)
    add_runs_parser(sub)
    from robustness.cli_compare import add_parser as add_compare_parser

    add_compare_parser(sub)

    demo = sub.add_parser("demo", help="built-in demo scenarios")
    dsub = demo.add_subparsers(dest="demo_command", required=True, parser_class=_Parser)
    exp = dsub.add_parser(
        "export",
        help="write model.skops, reference.csv, current.csv and scenario.json (and challenger.skops where the "
        "scenario ships one)",
    )
    exp.add_argument("directory", help="folder to write into (created if missing)")
    from robustness.demo import DEFAULT_SCENARIO, SCENARIOS

    exp.add_argument("--scenario", default=DEFAULT_SCENARIO, choices=SCENARIOS)
    dsub.add_parser("list", help="list the scenarios")
    return p


def _engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--engine",
        choices=("auto", "memory", "dask"),
        default="auto",
        help="dask: the data are Parquet files, folders or globs (local or fsspec URLs) summarised "
        "partition by partition on a Dask cluster; nothing but summaries and bounded samples "
        "reach this machine. memory: pandas, for inputs within the table budget "
        "(ROBUSTNESS_MAX_TABLE_MB, default total memory / 40; estimated before reading). auto "
        "(default): dask for folders, globs, URLs, Parquet inputs above the table budget in memory "
        "or above ROBUSTNESS_DASK_THRESHOLD_MB (1024) on disk, else memory",
    )
    p.add_argument(
        "--scheduler",
        help="with the Dask engine: an existing scheduler's address (default: "
        "DASK_SCHEDULER_ADDRESS, else a local cluster)",
    )
    p.add_argument("--workers", type=int, help="with the Dask engine: workers of the local cluster")
    p.add_argument("--memory-limit", help="with the Dask engine: memory per local worker, e.g. 2GB")


def _engine(args, *paths) -> str:
    from robustness.scale.choose import choose_engine

    choice = choose_engine(args.engine, paths, command=args.command)  # applies the table budget
    if choice.note:
        print(f"robustness: {choice.note}", file=sys.stderr)
    return choice.engine


def _cluster(args) -> dict:
    return {"scheduler": args.scheduler, "workers": args.workers, "memory_limit": args.memory_limit}


def _version() -> str:
    from robustness import __version__

    return f"robustness {__version__}"


def _cmd_inspect(args) -> int:
    from robustness.inspect import inspect_files

    report = inspect_files(
        args.model,
        data=args.data,
        target=args.target,
        allow_pickle=args.allow_pickle,
        trusted_types=args.trust,
        feature_names=feature_names(args),
    )
    print(report.text())
    if not report.ok:
        problem = report.model_error or (report.features.message() if report.features else "")
        print(f"robustness: error: {' '.join(problem.split())}", file=sys.stderr)
    if args.json:
        write_json(args.json, json.dumps(report.to_dict(), indent=2))
    return EXIT_OK if report.ok else EXIT_BAD_INPUT


def _cmd_drift(args) -> int:
    from robustness.drift import DriftConfig
    from robustness.drift.run import run_drift_files

    config = DriftConfig.from_file(args.config) if args.config else DriftConfig()
    roles = {r: getattr(args, r) for r in ("target", "prediction", "timestamp", "id")}
    if args.reference_run is not None:
        report = _drift_from_saved_run(args, config, roles)
    elif args.db:
        raise ConfigError("--db names the run store of --reference-run; give --reference-run ID, or leave --db out.")
    elif _engine(args, args.reference, args.current) == "dask":
        if args.evidently_html or args.evidently_json:
            raise ConfigError("The Evidently export needs the data in memory; use --engine memory to get it.")
        from robustness.drift.dask_run import run_drift_dask

        report = run_drift_dask(args.reference, args.current, config=config, roles=roles, **_cluster(args))
    else:
        report = run_drift_files(args.reference, args.current, config=config, roles=roles)
    print(report.text())
    payload = json.dumps(report.to_dict(), indent=2, allow_nan=False)
    if args.json:
        write_json(args.json, payload)
    if args.evidently_html or args.evidently_json:
        from robustness.drift.evidently_export import evidently_report

        export = evidently_report(report.reference, report.current, report.result)
        if args.evidently_html:
            Path(args.evidently_html).write_text(export.html, encoding="utf-8")
        if args.evidently_json:
            Path(args.evidently_json).write_text(export.json, encoding="utf-8")
        print(f"Evidently export: {export.note}")
    return EXIT_FAILED if report.result.dataset.drifted else EXIT_OK


def _drift_from_saved_run(args, config, roles: dict):
    """`drift --reference-run ID`: the saved run's reference summaries against the current data."""
    from robustness.drift.run import drift_run_from_saved
    from robustness.drift.saved import SavedReference
    from robustness.history.store import open_store

    if args.evidently_html or args.evidently_json:
        raise ConfigError(
            "The Evidently export needs the reference rows, which a saved run does not keep; use --reference FILE."
        )
    named = sorted(r for r, v in roles.items() if v)
    if named:
        raise ConfigError(
            f"--{named[0]}: with --reference-run the column roles are the saved run's; leave the role options out."
        )
    with open_store(args.db) as store:
        run, rows = store.reference(args.reference_run)
    name = f"{run.reference_name or 'reference'} (run {run.id})"
    saved = SavedReference.from_stored(name, [(r.column, r.role, r.kind, r.format, r.payload) for r in rows])
    if _engine(args, args.current) == "dask":
        from robustness.drift.dask_run import run_saved_dask

        return run_saved_dask(saved, args.current, config=config, **_cluster(args))
    return drift_run_from_saved(saved, args.current, config=config)


def _cmd_stress(args) -> int:
    from robustness.stress.run import run_stress_dask, run_stress_files

    options = dict(
        reference=args.reference,
        target=args.target,
        config=args.config,
        seed=args.seed,
        allow_pickle=args.allow_pickle,
        trusted_types=args.trust,
    )
    if _engine(args, args.data, args.reference) == "dask":
        report = run_stress_dask(args.model, args.data, **options, **_cluster(args))
    else:
        report = run_stress_files(args.model, args.data, **options)
    print(report.text())
    payload = json.dumps(report.to_dict(), indent=2, allow_nan=False)
    if args.json:
        write_json(args.json, payload)
    return EXIT_FAILED if report.result.verdict == "fail" else EXIT_OK


def _cmd_explain(args) -> int:
    from dataclasses import replace

    from robustness.explain.config import ExplainConfig
    from robustness.explain.run import run_explain_files

    config = ExplainConfig.from_file(args.config) if args.config else ExplainConfig()
    if args.method is not None:
        config = replace(config, method=args.method)
    if args.background is not None:
        config = replace(config, background=args.background)
    report = run_explain_files(
        args.model,
        args.data,
        reference=args.reference,
        rows=args.rows,
        config=config,
        seed=args.seed,
        allow_pickle=args.allow_pickle,
        trusted_types=args.trust,
        feature_names=feature_names(args),
    )
    payload = json.dumps(report.to_dict(), indent=2, allow_nan=False)
    if args.json == "-":  # stdout is the JSON document alone, ready for a pipe
        print(payload)
        return EXIT_OK
    print(report.text())
    if args.json:
        write_json(args.json, payload)
    return EXIT_OK


def _cmd_report(args) -> int:
    from robustness.report.export import to_html, to_json, to_pdf
    from robustness.report.run import report_dask, report_files

    options = dict(
        target=args.target,
        config=args.config,
        seed=args.seed,
        allow_pickle=args.allow_pickle,
        trusted_types=args.trust,
        feature_names=feature_names(args),
    )
    if args.challenger is not None and args.model is None:
        raise ConfigError("--challenger compares two model files: give the champion with --model.")
    if args.model is None:
        from robustness.cli_monitor import report_without_model

        report = report_without_model(args)
    elif _engine(args, args.reference, args.current) == "dask":
        if args.challenger is not None:
            raise ConfigError(
                "--challenger runs with the data in memory: use --engine memory, or robustness compare on a sample."
            )
        report = report_dask(args.model, args.reference, args.current, **options, **_cluster(args))
    else:
        report = report_files(args.model, args.reference, args.current, challenger_path=args.challenger, **options)
    payload = to_json(report)
    if args.html:
        Path(args.html).write_text(to_html(report), encoding="utf-8")
    if args.pdf:
        to_pdf(report, args.pdf)
    if args.json == "-":
        print(payload)
    else:
        print(f"{report.title}: {report.verdict.upper()}")
        for c in report.checks:
            print(f"  {c.status.upper():7s} {c.name}: {c.summary}")
        for out in (args.html, args.pdf):
            if out:
                print(f"wrote {out}")
        if args.json:
            write_json(args.json, payload)
    from robustness.history.cli import after_report

    after_report(args, report)  # --save, --notify: after the files are written
    return EXIT_FAILED if report.verdict == "fail" else EXIT_OK


def _cmd_demo(args) -> int:
    from robustness.demo import CHALLENGER_STORIES, SCENARIOS, export_challenger, export_scenario, scenario_text

    if args.demo_command == "list":
        for name in SCENARIOS:
            title, story = scenario_text(name)
            print(f"{name:10s} {title}: {story}" + (" (ships a challenger)" if name in CHALLENGER_STORIES else ""))
        return EXIT_OK
    paths = list(export_scenario(args.scenario, args.directory))
    if args.scenario in CHALLENGER_STORIES:  # robustness compare / report --challenger take it
        paths.append(export_challenger(args.scenario, args.directory))
    for path in paths:
        print(path)
    return EXIT_OK


class _ClosedPipeGuard:
    """stdout that outlives a reader who stops early (``robustness report ... | head``): once the pipe
    closes, the rest of the output goes to /dev/null and the command still returns its own exit code
    (1 for a failing report), instead of a BrokenPipeError turning it into 2 or 120."""

    def __init__(self, stream):
        self._stream = stream
        self.closed_early = False

    def _closed(self) -> None:
        self.closed_early = True
        try:  # the interpreter's own flush at exit must not hit the closed pipe either
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):  # not a real file (tests capture stdout)
            pass

    def write(self, text: str) -> int:
        if not self.closed_early:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._closed()
        return len(text)

    def flush(self) -> None:
        if not self.closed_early:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._closed()

    def __getattr__(self, name):
        return getattr(self._stream, name)


def main(argv: Sequence[str] | None = None) -> int:
    stdout = sys.stdout
    sys.stdout = guard = _ClosedPipeGuard(stdout)
    try:
        code = _main(argv)
        guard.flush()
        return code
    finally:
        sys.stdout = stdout


def _main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "inspect":
            return _cmd_inspect(args)
        if args.command == "demo":
            return _cmd_demo(args)
        if args.command == "drift":
            return _cmd_drift(args)
        if args.command == "stress":
            return _cmd_stress(args)
        if args.command == "explain":
            return _cmd_explain(args)
        if args.command == "report":
            return _cmd_report(args)
        if args.command == "monitor":
            from robustness.cli_monitor import run as run_monitor

            return run_monitor(args)
        if args.command == "compare":
            from robustness.cli_compare import run as run_compare

            return run_compare(args)
        if args.command == "runs":
            from robustness.history.cli import cmd_runs

            return cmd_runs(args)
    except RobustnessError as err:
        print(f"robustness: error: {' '.join(str(err).split())}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (OSError, UnicodeError) as err:  # a path that does not exist, no permission, ...
        print(f"robustness: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_BAD_INPUT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
