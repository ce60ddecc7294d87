"""Trust report: generation time, and the HTML's size against an Evidently report of the same data.

    .venv/bin/python benchmarks/report.py [--rows 100000] [--no-pdf]

Cases (the credit scenario's fitted model, a GradientBoostingClassifier Pipeline):

- ``credit demo``: the demo's reference and current data (4,000 rows each);
- ``credit 100k``: 100,000 reference and 100,000 current rows from the scenario's generator
  (``_credit_frame(default_rng(1), n, current=False/True)``), labelled.

"ours" is ``build_report`` (data quality, drift, stress, explanation shift, performance,
conformal coverage) plus ``to_html``; the PDF time (headless Chromium printing the HTML) is
shown apart when Chromium is installed. "evidently" is an Evidently 0.7 ``Report`` with
``DataSummaryPreset`` and ``DataDriftPreset`` on the same reference and current frames (the
closest Evidently report to a data-quality + drift scorecard; it has no stress, explanation or
conformal sections), saved with ``get_html_str``. Sizes are of the HTML strings, UTF-8 bytes.

The last line is ``html_size_ratio_vs_evidently=X``: our HTML size / Evidently's, the worse
(largest) of the two cases. Goal: X <= 0.2.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from robustness.demo import _credit_frame, load_scenario, scenario_workspace  # noqa: E402
from robustness.models import from_estimator  # noqa: E402
from robustness.report import build_report  # noqa: E402
from robustness.report.export import find_chromium, to_html, to_pdf  # noqa: E402
from robustness.workspace import build_workspace, table_from_frame  # noqa: E402


def evidently_html(ref, cur) -> tuple[float, int]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from evidently import Dataset, Report
        from evidently.presets import DataDriftPreset, DataSummaryPreset

        start = time.perf_counter()
        snap = Report([DataSummaryPreset(), DataDriftPreset()]).run(Dataset.from_pandas(cur), Dataset.from_pandas(ref))
        page = snap.get_html_str(as_iframe=False)
        return time.perf_counter() - start, len(page.encode("utf-8"))


def ours(ws, pdf: bool) -> tuple[float, int, float | None, str]:
    start = time.perf_counter()
    report = build_report(ws)
    page = to_html(report)
    seconds = time.perf_counter() - start
    pdf_s = None
    if pdf and find_chromium():
        with tempfile.TemporaryDirectory() as d:
            t = time.perf_counter()
            to_pdf(report, Path(d) / "r.pdf")
            pdf_s = time.perf_counter() - t
    return seconds, len(page.encode("utf-8")), pdf_s, report.verdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows per side of the large case")
    parser.add_argument("--no-pdf", action="store_true", help="skip the PDF timing")
    args = parser.parse_args()

    s = load_scenario("credit")
    big_ref = _credit_frame(np.random.default_rng(1), args.rows, current=False)
    big_cur = _credit_frame(np.random.default_rng(2), args.rows, current=True)
    big = build_workspace(
        table_from_frame(big_ref, f"reference {args.rows // 1000}k"),
        table_from_frame(big_cur, f"current {args.rows // 1000}k"),
        s.roles,
        model=from_estimator(s.model, source="demo"),
        model_name="credit demo model",
        model_sha256="0" * 64,
    )
    cases = [("credit demo", scenario_workspace("credit")), (f"credit {args.rows // 1000}k", big)]
    print(
        f"{'case':<13} {'rows/side':>10} {'ours_s':>7} {'pdf_s':>6} {'ours_html':>10} {'evid_s':>7} "
        f"{'evid_html':>11} {'ratio':>6}  verdict",
        flush=True,
    )
    ratios = []
    for name, ws in cases:
        t, size, pdf_s, verdict = ours(ws, not args.no_pdf)
        et, esize = evidently_html(ws.reference.frame, ws.current.frame)
        ratio = size / esize
        ratios.append(ratio)
        pdf_txt = "-" if pdf_s is None else f"{pdf_s:.1f}"
        print(
            f"{name:<13} {len(ws.current.frame):>10,} {t:>7.1f} {pdf_txt:>6} {size / 1e6:>8.2f}MB {et:>7.1f} "
            f"{esize / 1e6:>9.2f}MB {ratio:>6.3f}  {verdict}",
            flush=True,
        )
    print(f"html_size_ratio_vs_evidently={max(ratios):.3f}")


if __name__ == "__main__":
    main()
