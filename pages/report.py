"""Trust report: one pass/warn/fail scorecard over every check, exported as HTML, PDF and JSON."""

from __future__ import annotations

import json

import streamlit as st

from dashboard.shared import md, require_workspace, through_app
from dashboard.story import ICON, default_report, demo_checks, plain_words, session_report, verdict_box
from robustness.errors import RobustnessError
from robustness.formatting import number
from robustness.jsonsafe import to_json_safe
from robustness.report import AREAS, ReportConfig, build_report
from robustness.report.export import find_chromium, report_figures, to_html, to_json, to_pdf
from robustness.report.run import with_challenger
from robustness.report.scorecard import TrustReport, default_title, manifest
from robustness.report.story import STATUS_WORDS, VERDICT_WORDS, challenger_section, story_of, worst_first
from robustness.workspace import Workspace

through_app()


ws = require_workspace()
st.title("🛡️ Trust report")
st.markdown(
    "One scorecard for stakeholders: each check passes, warns or fails with a one-sentence reason. "
    "Download it as a self-contained HTML page, a PDF or JSON (for CI: `robustness report`)."
)

with st.expander("⚙️ Thresholds and checks", expanded=False):
    uploaded = st.file_uploader(
        "Settings file (TOML or JSON, a [report] table)", type=["toml", "json"], key="report_config_file"
    )
    with st.form("report_settings"):
        c1, c2, c3 = st.columns(3)
        warn = c1.number_input(
            "Warn at performance loss",
            0.0,
            5.0,
            0.05,
            step=0.01,
            format="%.2f",
            help="Relative drop of accuracy (or rise of MAE) against the reference.",
        )
        fail = c2.number_input("Fail at performance loss", 0.0, 5.0, 0.10, step=0.01, format="%.2f")
        alpha = c3.number_input(
            "Conformal α", 0.01, 0.5, 0.10, step=0.01, format="%.2f", help="Prediction sets aim to cover 1 − α of rows."
        )
        checks = st.multiselect("Checks", list(AREAS), default=list(AREAS))
        seed = st.number_input("Seed", 0, 2**31 - 1, 0)
        st.form_submit_button("Apply")

try:
    if uploaded is not None:
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / ("settings" + Path(uploaded.name).suffix.lower())
            path.write_bytes(uploaded.getvalue())
            config = ReportConfig.from_file(path)
        st.caption(f"Settings from {md(uploaded.name)} (the form above is ignored while a file is loaded).")
    else:
        config = ReportConfig(
            warn_degradation=float(warn),
            fail_degradation=float(fail),
            alpha=float(alpha),
            checks=tuple(checks) or AREAS,
            seed=int(seed),
        )
except RobustnessError as err:
    st.error(md(err))
    st.stop()


@st.cache_resource(show_spinner=False, max_entries=8)
def cached_report(_ws: Workspace, key: str, config_key: str, _config: ReportConfig):
    return build_report(_ws, _config)


config_key = json.dumps(config.to_dict(), sort_keys=True)


def full_report() -> TrustReport:
    """The whole report (results for the charts and exports, the manifest), computed once per workspace and
    settings. Called when the page needs more than the scorecard, and by the downloads when clicked."""
    return default_report(ws) if config == ReportConfig() else cached_report(ws, ws.key(), config_key, config)


# A demo's scorecard with the default settings is kept on disk (dashboard/snapshot.py): the page shows it at
# once, and the whole report is computed only for what needs it (charts, downloads, saving).
kept = demo_checks(ws.scenario, ws.key()) if ws.scenario and config == ReportConfig() else None
status = st.status("Running the checks…", expanded=False)
try:
    if kept is not None:
        report = TrustReport(default_title(ws), kept, {}, {}, 0.0)
        status.update(label="Checks kept from this demo's last run with the default settings", state="complete")
    else:
        report = session_report(ws) if config == ReportConfig() else full_report()
        status.update(label=f"Checks done in {number(report.seconds)} s", state="complete")
except RobustnessError as err:
    status.update(label="The report could not be built", state="error")
    st.error(md(err))
    st.stop()
if ws.has_challenger:  # the "Champion vs challenger" section: the Compare models page's comparison (same seed)
    from dashboard.compare_views import VERDICT_ICONS, comparison

    try:
        compared = comparison(ws, (1000, 0.05, int(config.seed)))
    except RobustnessError as err:
        st.warning(md(f"The champion vs challenger section is left out: {err}"))
    else:
        report = with_challenger(report, compared, name=ws.challenger_name, sha256=ws.challenger_sha256)


def exported() -> TrustReport:
    """What the downloads and the run history get: the whole report, with the same challenger section."""
    if report.results.keys() - {"compare"}:
        return report
    whole = full_report()
    if "compare" in report.results:
        whole = with_challenger(whole, report.results["compare"], name=ws.challenger_name, sha256=ws.challenger_sha256)
    return whole


story = story_of(report)
plain = plain_words()
counts = {s: sum(c.status == s for c in report.checks) for s in ("fail", "warn", "pass", "skipped")}
verdict_box(story, f"**Verdict: {STATUS_WORDS[story.verdict]}.** {story.sentence}")
for caveat in story.caveats:
    st.warning(md(caveat), icon="🔎")
st.caption(
    f"{counts['fail']} fail, {counts['warn']} warn, {counts['pass']} pass"
    + (f", {counts['skipped']} skipped" if counts["skipped"] else "")
    + ". Worst first."
)

for c in worst_first(report.checks):
    with st.container(border=True):
        st.markdown(f"{ICON[c.status]} **{md(c.name)}** · {STATUS_WORDS[c.status]}")
        st.markdown(md(c.plain_summary if plain else c.summary))
        if c.details:
            with st.expander("Details"):
                for d in c.details:
                    st.markdown(f"- {md(d)}")

section = challenger_section(report)
if section is not None:
    st.subheader("Champion vs challenger")
    st.caption(md(f"Champion: {section.champion} · challenger: {section.challenger}; both scored on the same rows."))
    box = {"better": st.success, "worse": st.error}.get(section.verdict, st.info)
    box(
        f"**{VERDICT_WORDS[section.verdict]}.** {md(section.headline)}  \n{md(section.difference)}  \n"
        f"{md(section.robustness)}",
        icon=VERDICT_ICONS[section.verdict],
    )
    st.caption("The exports carry this section; the whole comparison is on the 'Compare models' page.")

st.subheader("Download")
stem = "trust-report"
c1, c2, c3 = st.columns(3)
# Made when clicked (Streamlit runs the function then): the HTML embeds every chart and plotly.js, 4 MB.
c1.download_button("⬇️ HTML (opens offline)", lambda: to_html(exported()), file_name=f"{stem}.html", mime="text/html")
c2.download_button("⬇️ JSON", lambda: to_json(exported()), file_name=f"{stem}.json", mime="application/json")
if find_chromium() is None:
    c3.caption("PDF export prints the report with Chromium, which is not installed on this machine.")
elif c3.button("Prepare PDF"):
    import tempfile
    from pathlib import Path

    with st.spinner("Printing the report with headless Chromium…"):
        try:
            with tempfile.TemporaryDirectory() as tmp:
                pdf = to_pdf(exported(), Path(tmp) / f"{stem}.pdf").read_bytes()
        except RobustnessError as err:
            st.error(md(err))
        else:
            c3.download_button("⬇️ PDF", pdf, file_name=f"{stem}.pdf", mime="application/pdf")

st.subheader("Save to history")
from dashboard.history import PROJECT, default_project, run_store  # noqa: E402
from dashboard.shared import server_settings  # noqa: E402

with st.form("save_history", border=False):
    project = st.text_input("Project", value=default_project(ws), max_chars=200, key="history_project_name")
    saved = st.form_submit_button("💾 Save to history")
if saved:
    try:
        whole = exported()
        run_id = run_store(server_settings().history_db).save(whole, project=project, html=to_html(whole))
    except RobustnessError as err:
        st.error(md(err))
    else:
        st.session_state[PROJECT] = " ".join(project.split())
        st.success(f"Saved as run {run_id} of {md(st.session_state[PROJECT])}: see it on the History page.")

st.subheader("Charts in the report")
if report.results.keys() - {"compare"} or st.toggle("Show the report's charts", key="report_charts"):
    with st.spinner("Running every check for the charts…"):
        whole = exported()
    for _section, fig in report_figures(whole):
        st.plotly_chart(fig, width="stretch")
else:
    st.caption("The charts of the exported report (drift, stress, explanations, performance), drawn when asked for.")

with st.expander("Run manifest (to reproduce this run)"):
    st.json(json.loads(json.dumps(to_json_safe(report.manifest or manifest(ws, config)))))
