"""``robustness compare``: champion vs challenger on the same rows. ``robustness/cli.py`` registers it; the logic
lives here. Exit 0 when the challenger is not significantly worse on the headline metric of the current data, 1
when it is, 2 on bad input."""

from __future__ import annotations

import argparse
import hashlib
import html
import json
from pathlib import Path

from robustness.errors import DataError

__all__ = ["add_parser", "compare_files", "run", "to_html", "to_json"]


def add_parser(sub) -> None:
    from robustness.cli_options import feature_names_option, model_file_options

    p = sub.add_parser(
        "compare",
        help="champion vs challenger: two models on the same rows, with paired tests and intervals",
        description="Scores both models on the reference and current data and compares them paired: metric "
        "differences with paired bootstrap intervals, McNemar (accuracy), DeLong (ROC AUC; for multiclass models "
        "the one-vs-rest macro AUC with a DeLong-type test), Wilcoxon (absolute errors), disagreement and where it "
        "concentrates, stress tests and permutation importance for both. "
        "Exit 0 when the challenger is not significantly worse on the headline metric (accuracy or MAE) of the "
        "current data, 1 when it is, 2 on bad input.",
    )
    p.add_argument("--model", required=True, help="the champion's model file (.skops, .onnx; pickle with opt-in)")
    p.add_argument("--challenger", required=True, help="the challenger's model file")
    p.add_argument("--reference", required=True, help="reference data (CSV or Parquet)")
    p.add_argument("--current", required=True, help="current data (CSV or Parquet); labels optional")
    p.add_argument("--target", help="label column (default: guessed)")
    p.add_argument("--alpha", type=float, default=0.05, help="significance level of the paired tests (0.05)")
    p.add_argument("--n-boot", type=int, default=1000, help="paired bootstrap resamples (1000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (0)")
    p.add_argument("--tolerance", type=float, help="regressors: predictions differing by more disagree")
    p.add_argument("--no-stress", action="store_true", help="skip the stress suite")
    p.add_argument("--no-importance", action="store_true", help="skip permutation importance")
    p.add_argument("--json", metavar="OUT", help="write the result as JSON ('-' for stdout, which then holds only it)")
    p.add_argument("--html", metavar="OUT", help="write a self-contained HTML page")
    feature_names_option(p)
    model_file_options(p)


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def compare_files(args: argparse.Namespace):
    """Load both models and both files, guess the target, and run :func:`robustness.compare.compare`."""
    from robustness.compare import compare
    from robustness.io.data import read_table
    from robustness.io.infer import guess_roles
    from robustness.models import load_model

    names = [n.strip() for n in args.feature_names.split(",") if n.strip()] if args.feature_names else None
    kw = dict(allow_pickle=args.allow_pickle, trusted_types=args.trust, feature_names=names)
    champion, challenger = load_model(args.model, **kw), load_model(args.challenger, **kw)
    reference, current = read_table(args.reference), read_table(args.current)
    if reference.frame.empty:
        raise DataError(f"The reference file {reference.name} has no rows; load a file with rows.")
    if current.frame.empty:
        raise DataError(f"The current file {current.name} has no rows; load a file with rows.")
    target = args.target or guess_roles(reference.frame).target
    if args.target and args.target not in reference.frame.columns and args.target not in current.frame.columns:
        raise DataError(
            f"Neither {reference.name} nor {current.name} has the label column '{args.target}'. Columns there: "
            f"{', '.join(map(str, list(current.frame.columns)[:15]))}."
        )
    same = _sha256(args.model) == _sha256(args.challenger)
    return compare(
        champion,
        challenger,
        reference.frame,
        current.frame,
        target=target,
        alpha=args.alpha,
        n_boot=args.n_boot,
        seed=args.seed,
        tolerance=args.tolerance,
        stress=not args.no_stress,
        importance=not args.no_importance,
        same_file=same,
    )


def to_json(result) -> dict:
    """The CLI's JSON: ``metrics``, ``disagreement``, ``stress``, ``importance``, ``verdict``, ``summary`` and the
    rest of the result."""
    return result.to_dict()


def _text(result) -> str:
    from robustness.formatting import interval, number, share
    from robustness.performance.metrics import LABELS

    lines = [f"Champion vs challenger ({result.task}); headline {LABELS.get(result.headline, result.headline)}."]
    for m in result.metrics:
        lines.append(
            f"  {m.data:9s} {LABELS.get(m.name, m.name):12s} champion {number(m.champion):>7s}  challenger "
            f"{number(m.challenger):>7s}  diff {number(m.difference, signed=True):>8s}  "
            f"[{interval(m.low, m.high)}]  p {number(m.p_value)} ({m.test}){'  *' if m.significant else ''}"
        )
        for row in m.details.get("per_class", []):  # a multiclass model's macro ROC AUC, class by class
            lines.append(
                f"  {'':9s} {('· ' + str(row['class']))[:12]:12s} champion {number(row['champion']):>7s}  challenger "
                f"{number(row['challenger']):>7s}  DeLong p {number(row['p_value'])} (Holm {number(row['p_holm'])})"
            )
    for d in result.disagreement:
        lines.append(f"  disagreement on {d.data}: {share(d.share)} of {d.n_rows:,} rows")
        for s in d.segments[:3]:
            lines.append(f"    {s.rule}: {share(s.disagreement)} of {s.size:,} rows")
    judged = [s for s in result.stress if s.judged]
    if judged:
        lines.append("  stress (at each perturbation's judged severity): champion / challenger")
        for s in judged:
            lines.append(f"    {s.label:28s} {share(s.champion):>7s} / {share(s.challenger):>7s}  ({s.more_robust})")
    for f in result.findings:
        lines.append(f"  finding: {f}")
    for n in result.notes:
        lines.append(f"  note: {n}")
    lines.append(result.summary)
    return "\n".join(lines)


def to_html(result, title: str = "Champion vs challenger") -> str:
    """One self-contained page (plotly.js embedded, opens offline); every user-provided string escaped."""
    import gzip

    import plotly.graph_objects as go
    import plotly.io as pio

    from robustness.formatting import D3_NUMBER
    from robustness.performance.metrics import LABELS
    from robustness.report.export import plotly_bundle_gz, script_safe_json

    e = html.escape
    figs = []
    cur = [m for m in result.metrics if m.low is not None]
    if cur:
        fig = go.Figure()
        for data, colour in (("reference", "#7f7f7f"), ("current", "#1f77b4")):
            ms = [m for m in cur if m.data == data]
            if not ms:
                continue
            fig.add_trace(
                go.Scatter(
                    x=[m.difference for m in ms],
                    y=[LABELS.get(m.name, m.name) for m in ms],
                    error_x=dict(
                        type="data",
                        symmetric=False,
                        array=[m.high - m.difference for m in ms],
                        arrayminus=[m.difference - m.low for m in ms],
                    ),
                    mode="markers",
                    name=data,
                    marker=dict(color=colour, size=10),
                    hovertemplate="%{y}: %{x:" + D3_NUMBER + "}<extra>%{fullData.name}</extra>",
                )
            )
        fig.add_vline(x=0, line_dash="dot")
        fig.update_layout(title="Challenger − champion, with paired 95% intervals", height=360)
        figs.append(fig)
    judged = [s for s in result.stress if s.judged]
    if judged:
        fig = go.Figure()
        for who, colour in (("champion", "#1f77b4"), ("challenger", "#d62728")):
            fig.add_trace(
                go.Bar(
                    x=[getattr(s, who) for s in judged],
                    y=[s.label for s in judged],
                    orientation="h",
                    name=who,
                    marker_color=colour,
                )
            )
        measure = "share of flipped predictions" if result.task != "regression" else "normalised change"
        fig.update_layout(title=f"Stress: {measure}", barmode="group", height=40 * len(judged) + 160)
        figs.append(fig)
    divs, calls = [], []
    for i, fig in enumerate(figs):
        divs.append(f'<div id="chart-{i}" style="height:{fig.layout.height or 420}px"></div>')
        calls.append(f"Plotly.newPlot('chart-{i}', {script_safe_json(pio.to_json(fig, validate=False))});")
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{e(str(v))}</td>"
            for v in (
                m.data,
                LABELS.get(m.name, m.name),
                _n(m.champion),
                _n(m.challenger),
                _n(m.difference),
                f"{_n(m.low)} to {_n(m.high)}",
                _n(m.p_value),
                m.test,
                m.direction,
            )  # fmt: skip
        )
        + "</tr>"
        for m in result.metrics
    )
    table = (
        "<table border=1 cellpadding=4 style='border-collapse:collapse'><tr><th>data</th><th>metric</th>"
        "<th>champion</th><th>challenger</th><th>difference</th><th>interval</th><th>p-value</th><th>test</th>"
        f"<th>result</th></tr>{rows}</table>"
    )
    items = "".join(f"<li>{e(x)}</li>" for x in (*result.findings, *result.notes))
    payload = e(json.dumps(result.to_dict(), indent=1, allow_nan=False))
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{e(title)}</title>"
        f"<script>{gzip.decompress(plotly_bundle_gz()).decode('utf-8')}</script></head>"
        f"<body style='font-family:sans-serif;max-width:1100px;margin:auto'><h1>{e(title)}</h1>"
        f"<p><b>Verdict: {e(result.verdict.replace('_', ' ').upper())}</b>. {e(result.summary)}</p>"
        f"{table}{'<ul>' + items + '</ul>' if items else ''}{''.join(divs)}"
        f"<details><summary>JSON</summary><pre>{payload}</pre></details>"
        f"<script>{''.join(calls)}</script></body></html>"
    )


def _n(x) -> str:
    from robustness.formatting import number

    return number(x)


def run(args) -> int:
    """The ``compare`` command: exit 1 when the challenger is significantly worse on current data's headline."""
    from robustness.cli_options import EXIT_FAILED, EXIT_OK, write_json

    result = compare_files(args)
    payload = json.dumps(to_json(result), indent=2, allow_nan=False)
    if args.html:
        Path(args.html).write_text(to_html(result), encoding="utf-8")
    if args.json == "-":
        print(payload)
    else:
        print(_text(result))
        if args.json:
            write_json(args.json, payload)
    return EXIT_FAILED if result.significantly_worse else EXIT_OK
