"""What every ``robustness`` subcommand shares: exit codes, the model file's trust options, feature names and
JSON output. :mod:`robustness.cli` and the subcommands in modules of their own (:mod:`robustness.cli_monitor`,
:mod:`robustness.cli_compare`) import them from here, so none imports :mod:`robustness.cli` back (it imports
theirs to register their subcommands). The command modules sit above the packages: they draw (plots) and write
reports (report), which the monitor and compare packages could not import without a cycle, since the figures
read their results."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FAILED",
    "EXIT_OK",
    "feature_names",
    "feature_names_option",
    "model_file_options",
    "write_json",
]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def model_file_options(p: argparse.ArgumentParser) -> None:
    """--allow-pickle and --trust TYPE: what a model file may hold."""
    p.add_argument(
        "--allow-pickle",
        action="store_true",
        help="load pickle/joblib files; only for files you trust: loading a pickle runs code",
    )
    p.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="TYPE",
        help="accept an untrusted type in a .skops file (repeatable)",
    )


def feature_names_option(p: argparse.ArgumentParser) -> None:
    """--feature-names A,B,...; read it back with :func:`feature_names`."""
    p.add_argument(
        "--feature-names",
        metavar="A,B,...",
        help="the model's input columns in training order, for a model that takes one "
        "feature matrix and does not record them (e.g. some ONNX exports)",
    )


def feature_names(args) -> list[str] | None:
    """The names given with --feature-names, or None."""
    return [n.strip() for n in args.feature_names.split(",") if n.strip()] if args.feature_names else None


def write_json(out: str, payload: str) -> None:
    """``payload`` to the file ``out``, or to stdout when ``out`` is "-"."""
    if out == "-":
        print(payload)
    else:
        Path(out).write_text(payload + "\n", encoding="utf-8")
