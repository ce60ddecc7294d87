"""Trust report exports: a self-contained HTML file, a PDF printed from it, and JSON.

The HTML opens offline: it embeds plotly.js's cartesian bundle (gzip + base64, unpacked by the
browser's DecompressionStream; ``for_print=True`` embeds it uncompressed so it runs
synchronously) and the figures as JSON. It holds aggregates only (scores, statistics, curves,
bins), never data rows, and every string that comes from the user's files (column names,
categories, file names) is HTML-escaped; figure JSON inside ``<script>`` has ``<``, ``>`` and
``&`` written as JSON escapes so no string can close the script.

The PDF is the print-HTML printed by headless Chromium (``--print-to-pdf``): real text, charts
as vector graphics, readable in any PDF viewer. Chromium is looked up as ``ROBUSTNESS_CHROMIUM``,
then ``chromium``, ``chromium-browser``, ``google-chrome`` on the PATH.
"""

from __future__ import annotations

import base64
import gzip
import html
import json
import os
import shutil
import subprocess
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

from robustness.errors import ConfigError
from robustness.report.scorecard import TrustReport

__all__ = ["to_html", "to_json", "to_pdf", "report_figures", "find_chromium"]

PLOTLY_BUNDLE = "plotly-cartesian-2.35.2.min.js.gz"
STATUS_COLOUR = {"pass": "#1E8E3E", "warn": "#E37400", "fail": "#D93025", "skipped": "#80868B"}
STATUS_ICON = {"pass": "✓", "warn": "!", "fail": "✗", "skipped": "–"}
CHALLENGER_SECTION = "Champion vs challenger"
VERDICT_COLOUR = {"better": "#1E8E3E", "worse": "#D93025", "no_difference": "#80868B"}


@lru_cache(maxsize=1)
def plotly_bundle_gz() -> bytes:
    """The Plotly.js bundle shipped with the package, gzipped: inlined so reports open offline."""
    return resources.files("robustness.report").joinpath("assets", PLOTLY_BUNDLE).read_bytes()


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def script_safe_json(obj_json: str) -> str:
    """JSON text made safe inside a <script> element (``<``, ``>`` and ``&`` as unicode escapes)."""
    return obj_json.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def report_figures(report: TrustReport, *, plain: bool = False, class_names=None) -> list[tuple[str, go.Figure]]:
    """(section, figure) for the areas that ran: aggregates only. ``plain``: the figures' words for
    stakeholders (Present mode in Plain words); ``class_names``: class as text -> name."""
    from robustness.plots import drift as dplots
    from robustness.plots import performance as pplots
    from robustness.plots import stress as splots

    r = report.results
    figs: list[tuple[str, object]] = []
    if "drift" in r:
        figs.append(("Data drift", dplots.drift_overview(r["drift"].result, top=20)))
    if "stress" in r:
        figs.append(("Stress tests", splots.severity_curves(r["stress"])))
        if r["stress"].feature_sensitivity:
            figs.append(("Stress tests", splots.sensitivity_ranking(r["stress"], top=15)))
    if "explain" in r:
        from robustness.plots import explain as eplots

        figs.append(
            (
                "Explanation shift",
                eplots.shift_chart(r["explain"][2], max_features=15, plain=plain, class_names=class_names),
            )
        )
    if "performance" in r:
        perf = r["performance"]
        figs.append(("Performance", pplots.metric_comparison(perf, plain=plain)))
        if perf.task != "regression" and any(
            d is not None and d.calibration is not None for d in (perf.reference, perf.current)
        ):
            figs.append(("Performance", pplots.calibration_curve(perf, class_names=class_names, plain=plain)))
    if "estimate" in r:
        metric = "accuracy" if report.check("Performance").metrics.get("metric") == "accuracy" else "mae"
        figs.append(("Performance", pplots.label_free(r["estimate"], metric, plain=plain)))
    if "conformal" in r and r["conformal"].current is not None:
        figs.append(("Uncertainty", pplots.coverage_chart(r["conformal"], plain=plain)))
    if "compare" in r:  # a challenger: see robustness.report.run.with_challenger
        from robustness.plots import compare as cplots

        figs.append((CHALLENGER_SECTION, cplots.metric_differences(r["compare"], plain=plain)))
        if any(s.judged for s in r["compare"].stress):
            figs.append((CHALLENGER_SECTION, cplots.stress_flips(r["compare"])))
    return figs


_CSS = """
:root { --ink:#202124; --muted:#5f6368; --line:#dadce0; }
* { box-sizing: border-box; }
body { font-family: Inter, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; color: var(--ink); margin: 0;
       background: #f8f9fa; }
main { max-width: 1000px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line);
     padding-bottom: 4px; }
.meta { color: var(--muted); font-size: 13px; margin-bottom: 16px; }
.verdict { display: inline-block; padding: 6px 14px; border-radius: 6px; color: #fff; font-weight: 700;
           font-size: 18px; letter-spacing: .5px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; vertical-align: top; padding: 8px 10px; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; }
.badge { display: inline-block; min-width: 64px; text-align: center; padding: 2px 8px; border-radius: 4px;
         color: #fff; font-weight: 700; font-size: 12px; }
ul.details { margin: 4px 0 0 18px; padding: 0; color: var(--muted); font-size: 13px; }
.chart { width: 100%; min-height: 300px; margin: 8px 0 16px; page-break-inside: avoid; }
pre { background: #f1f3f4; padding: 12px; font-size: 11px; overflow-x: auto; white-space: pre-wrap;
      word-break: break-all; }
.note { color: var(--muted); font-size: 12px; }
@media print { body { background: #fff; } main { padding: 0; max-width: none; } h2 { page-break-after: avoid; }
               tr { page-break-inside: avoid; } }
"""

_LOADER_GZ = """
(async function () {
  const status = document.getElementById('chart-status');
  try {
    const b64 = document.getElementById('plotly-gz').textContent.trim();
    const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    const code = await new Response(stream).text();
    const s = document.createElement('script'); s.text = code; document.head.appendChild(s);
    drawCharts();
  } catch (err) {
    if (status) status.textContent = 'Charts need a browser with DecompressionStream '
      + '(Chrome 80+, Firefox 113+, Safari 16.4+): ' + err;
  }
})();
"""

_DRAW = """
function drawCharts() {
  const figs = JSON.parse(document.getElementById('figures').textContent);
  figs.forEach(function (f, i) {
    Plotly.newPlot('chart-' + i, f.data, f.layout, {displaylogo: false, responsive: true,
                                                  displayModeBar: !PRINT, staticPlot: PRINT});
  });
  const status = document.getElementById('chart-status'); if (status) status.textContent = '';
  document.body.setAttribute('data-charts', 'ready');
}
"""


def _challenger_html(report: TrustReport) -> str:
    """The "Champion vs challenger" section (empty without a challenger): the verdict, the headline metric's
    difference with its paired interval, the robustness cost and the metrics table, every string escaped."""
    from robustness.formatting import number
    from robustness.performance.metrics import LABELS
    from robustness.report.story import VERDICT_WORDS, challenger_section

    section = challenger_section(report)
    if section is None:
        return ""
    result = report.results["compare"]
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{_e(v)}</td>"
            for v in (
                m.data,
                LABELS.get(m.name, m.name),
                number(m.champion),
                number(m.challenger),
                number(m.difference, signed=True),
                f"{number(m.low, signed=True)} to {number(m.high, signed=True)}",
                number(m.p_value),
                m.direction.replace("_", " "),
            )
        )
        + "</tr>"
        for m in result.metrics
    )
    table = (
        "<table><thead><tr><th>Data</th><th>Metric</th><th>Champion</th><th>Challenger</th><th>Difference</th>"
        f"<th>Paired interval</th><th>p-value</th><th>Challenger is</th></tr></thead><tbody>{rows}</tbody></table>"
        if rows
        else ""
    )
    findings = "".join(f"<li>{_e(f)}</li>" for f in section.findings)
    return (
        f"<h2 id='challenger'>{_e(CHALLENGER_SECTION)}</h2>"
        f"<p class='meta'>Champion: {_e(section.champion)} · challenger: {_e(section.challenger)}; both scored on "
        "the same rows.</p>"
        f"<p><span class='badge' style='background:{VERDICT_COLOUR.get(section.verdict, '#80868B')}'>"
        f"{_e(VERDICT_WORDS.get(section.verdict, section.verdict).upper())}</span> {_e(section.headline)}</p>"
        f"<p>{_e(section.difference)}</p><p>{_e(section.robustness)}</p>"
        f"{f'<ul class=details>{findings}</ul>' if findings else ''}{table}"
        f"<p class='note'>{_e(section.summary)}</p>"
    )


def to_html(report: TrustReport, *, for_print: bool = False) -> str:
    """The report as one self-contained HTML page (see the module docstring)."""
    verdict = report.verdict
    m = report.manifest
    rows = []
    for c in report.checks:
        details = "".join(f"<li>{_e(d)}</li>" for d in c.details)
        rows.append(
            f"<tr><td><b>{_e(c.name)}</b></td>"
            f"<td><span class='badge' style='background:{STATUS_COLOUR[c.status]}'>{STATUS_ICON[c.status]} "
            f"{_e(c.status.upper())}</span></td>"
            f"<td>{_e(c.summary)}{f'<ul class=details>{details}</ul>' if details else ''}</td></tr>"
        )
    figs = report_figures(report)
    sections, fig_json = [], []
    current = None
    for i, (section, fig) in enumerate(figs):
        if section != current:
            sections.append(f"<h2>{_e(section)}</h2>")
            current = section
        fig.update_layout(width=None, autosize=True)
        sections.append(f"<div class='chart' id='chart-{i}'></div>")
        fig_json.append(json.loads(pio.to_json(fig, validate=False, pretty=False)))
    figures = script_safe_json(json.dumps(fig_json, allow_nan=False, separators=(",", ":")))
    manifest_text = _e(json.dumps(m, indent=2, ensure_ascii=False, default=str))
    counts = {s: sum(c.status == s for c in report.checks) for s in ("fail", "warn", "pass", "skipped")}
    headline = f"{counts['fail']} check(s) fail, {counts['warn']} warn, {counts['pass']} pass" + (
        f", {counts['skipped']} skipped" if counts["skipped"] else ""
    )
    if for_print:
        js = (
            f"<script>{gzip.decompress(plotly_bundle_gz()).decode('utf-8')}</script>"
            f"<script>const PRINT = true;{_DRAW}drawCharts();</script>"
        )
    else:
        b64 = base64.b64encode(plotly_bundle_gz()).decode("ascii")
        js = (
            f"<script type='text/plain' id='plotly-gz'>{b64}</script>"
            f"<script>const PRINT = false;{_DRAW}{_LOADER_GZ}</script>"
        )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(report.title)}</title><style>{_CSS}</style></head>
<body data-charts="pending"><main>
<h1>{_e(report.title)}</h1>
<div class="meta">Created {_e(m.get("created", ""))} · model {_e(m["model"].get("name") or "—")} ·
reference {_e(m["reference"]["name"])} ({m["reference"]["rows"]:,} rows) · current {_e(m["current"]["name"])}
({m["current"]["rows"]:,} rows)</div>
<p><span class="verdict" style="background:{STATUS_COLOUR[verdict]}">Overall: {_e(verdict.upper())}</span>
&nbsp; {_e(headline)}.</p>
<h2>Scorecard</h2>
<table><thead><tr><th>Check</th><th>Status</th><th>Why</th></tr></thead><tbody>{"".join(rows)}</tbody></table>
{_challenger_html(report)}
<p class="note" id="chart-status">{"" if for_print else "Drawing charts…"}</p>
{"".join(sections)}
<h2>Run manifest</h2>
<p class="note">Everything needed to reproduce this run: file hashes, column roles, settings, seed and package
versions. Only aggregates appear in this report; no data rows.</p>
<pre>{manifest_text}</pre>
</main>
<script type="application/json" id="figures">{figures}</script>
{js}
</body></html>
"""


def to_json(report: TrustReport) -> str:
    """The report as JSON; with a challenger, ``champion_vs_challenger`` holds the section's sentences and the
    whole comparison (``comparison``: the fields of ``robustness compare --json``)."""
    from robustness.report.story import challenger_section

    payload = report.to_dict()
    section = challenger_section(report)
    if section is not None:
        payload["champion_vs_challenger"] = {**section.to_dict(), "comparison": report.results["compare"].to_dict()}
    return json.dumps(payload, indent=2, allow_nan=False, ensure_ascii=False)


def find_chromium() -> str | None:
    for candidate in (os.environ.get("ROBUSTNESS_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and (shutil.which(candidate) or Path(candidate).is_file()):
            return shutil.which(candidate) or candidate
    return None


def to_pdf(report: TrustReport, out: str | Path, *, timeout: float = 120) -> Path:
    """Print the report to ``out`` with headless Chromium; ConfigError when Chromium is missing or fails."""
    exe = find_chromium()
    if exe is None:
        raise ConfigError(
            "PDF export prints the report with Chromium, which is not installed here. Install it "
            "(Debian/Ubuntu: apt-get install chromium) or set ROBUSTNESS_CHROMIUM to its path; the "
            "HTML and JSON exports work without it."
        )
    out = Path(out).resolve()
    with tempfile.TemporaryDirectory(prefix="robustness-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(to_html(report, for_print=True), encoding="utf-8")
        cmd = [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-extensions",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            "--no-pdf-header-footer",
            "--run-all-compositor-stages-before-draw",
            "--virtual-time-budget=20000",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise ConfigError(f"Chromium did not finish printing the PDF within {timeout:.0f} s.") from None
        if done.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] if done.stderr else []
            raise ConfigError(
                f"Chromium could not print the PDF (exit {done.returncode}{': ' + tail[0][:200] if tail else ''})."
            )
    return out
