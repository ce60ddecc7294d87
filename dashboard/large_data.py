"""The "Large dataset" section of Model & data: two Parquet datasets (paths or URLs) checked for
drift through Dask, with progress, a link to Dask's dashboard and a Cancel button.

The run is the CLI's ``robustness drift --engine dask``: a :class:`robustness.scale.Job` from
:func:`robustness.drift.dask_run.drift_job`, started in a thread. A fragment re-runs every
``POLL_SECONDS`` to show its progress; when the job is done the whole app re-runs and the result
moves into ``st.session_state`` (per browser session: never shared, kept across page switches).
Clicking Cancel re-runs the script, whose callback cancels the job; nothing of it is kept.

What a visitor may read is the server's setting (:mod:`robustness.settings`): without
``ROBUSTNESS_DATA_ROOTS`` the section only says how to enable it; with it, every path is resolved
and refused outside the roots (:mod:`robustness.scale.allowed`), before a file is opened. The Dask
scheduler is the server's too (``DASK_SCHEDULER_ADDRESS``): a visitor cannot name one, since a
Dask client unpickles what its scheduler sends. Without it, a local cluster bound to 127.0.0.1 is
made once per server (``st.cache_resource``) and shared by every session. Tests replace
:func:`connect_local`.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from importlib.util import find_spec

import streamlit as st

from dashboard.drift_views import RESULT_COLUMNS, metrics_row, results_table
from dashboard.shared import md, server_settings
from dashboard.tables import show_table
from robustness.drift.dask_run import drift_job
from robustness.drift.run import DriftRun
from robustness.errors import ConfigError, RobustnessError
from robustness.formatting import count, number, share
from robustness.plots import drift as dplots
from robustness.scale import Job, connect
from robustness.scale.allowed import check_files, resolve_allowed
from robustness.scale.cluster import inspect_parquet
from robustness.settings import ENV_DATA_ROOTS, ENV_SCHEDULER, ServerSettings

log = logging.getLogger("robustness.app")

TITLE = "🗄️ Large dataset (Parquet through Dask)"
POLL_SECONDS = 0.3
LOCAL_WORKERS = 2

# session-state keys: widgets, their kept values (widget state is dropped on other pages), the run
REFERENCE, CURRENT = "large_reference", "large_current"
RUNNING, FINISHED, NOTE = "large_running", "large_finished", "large_note"
CANCELLED = "Cancelled; nothing was kept."


@dataclass
class Running:
    job: Job
    reference: str
    current: str
    where: str  # "a local cluster ..." or "the scheduler at ..."
    started: float


@dataclass(frozen=True)
class Finished:
    run: DriftRun
    reference: str
    current: str
    where: str
    seconds: float
    dashboard: str | None


# ---------------------------------------------------------------- clients
@dataclass(frozen=True)
class _Held:
    """A client in a box: st.cache_resource refuses to hold awaitables, and a distributed Client is one."""

    client: object


@st.cache_resource(show_spinner=False)
def _local_client() -> _Held:
    return _Held(connect(workers=LOCAL_WORKERS, processes=True))


def connect_local():
    """The client used when no scheduler address is given (tests replace this function)."""
    return _local_client().client


@st.cache_resource(show_spinner=False, max_entries=2)
def _remote_client(address: str) -> _Held:
    return _Held(connect(address))


def client_for(settings: ServerSettings):
    """(client, where it runs): the server's scheduler when it sets one, else its local cluster."""
    address = settings.scheduler
    if not address:
        return connect_local(), f"a local cluster on this server ({LOCAL_WORKERS} workers)"
    try:
        client = _remote_client(address).client
        if getattr(client, "status", "running") in ("closing", "closed"):  # the scheduler went away since
            _remote_client.clear(address)
            client = _remote_client(address).client
    except ConfigError as err:  # the details name the address: for the log, not for a visitor
        log.warning("Dask scheduler unreachable: %s", err)
        raise ConfigError(
            "Cannot reach the Dask scheduler this server is set to use. Try again later, or tell the "
            f"server's administrator (the address is set by {ENV_SCHEDULER})."
        ) from None
    return client, "the server's Dask scheduler"


# ---------------------------------------------------------------- state changes
def _set_note(kind: str, text: str) -> None:
    st.session_state[NOTE] = (kind, text)


def _cancel() -> None:
    running = st.session_state.pop(RUNNING, None)
    if running is not None:
        running.job.cancel()
    _set_note("info", CANCELLED)


def _check_path(path: str, name: str, settings: ServerSettings) -> str:
    """The path resolved inside the data roots, after its files' footers were read (no rows); raises
    the user-facing error of a path that cannot be used."""
    resolved = resolve_allowed(path, settings)
    inspect_parquet(resolved, name, check_files=lambda files: check_files(files, settings))
    return resolved


def _start(reference: str, current: str) -> None:
    st.session_state.pop(NOTE, None)
    earlier = st.session_state.pop(RUNNING, None)
    if earlier is not None:  # one run per session at a time
        earlier.job.cancel()
    if not reference or not current:
        _set_note("error", "Give both a reference and a current Parquet path (a file, a folder or a glob).")
        return
    settings = server_settings()
    try:
        with st.spinner("Checking the Parquet files…"):  # fails here, before a cluster starts
            ref_path = _check_path(reference, "reference", settings)
            cur_path = _check_path(current, "current", settings)
        with st.spinner("Reaching the Dask cluster…"):
            client, where = client_for(settings)
        job = drift_job(ref_path, cur_path, client=client).start()
    except RobustnessError as err:
        _set_note("error", str(err))
        return
    st.session_state[RUNNING] = Running(job, reference, current, where, time.monotonic())
    st.rerun()  # redraw the section with the run's progress and the Run button disabled


def _collect() -> None:
    """Move a finished job's result (or its error) into the session; earlier results stay on error."""
    running = st.session_state.get(RUNNING)
    if running is None or not running.job.done():
        return
    del st.session_state[RUNNING]
    try:
        run = running.job.result(timeout=0)
    except RobustnessError as err:
        _set_note("error", str(err))
        return
    st.session_state.pop(NOTE, None)
    st.session_state[FINISHED] = Finished(
        run,
        running.reference,
        running.current,
        running.where,
        time.monotonic() - running.started,
        running.job.dashboard_link,
    )


def is_active() -> bool:
    """Whether the section has something to show (to open its expander)."""
    return any(st.session_state.get(k) is not None for k in (RUNNING, FINISHED, NOTE))


# ---------------------------------------------------------------- view
def _text(column, label: str, key: str, default: str = "", **kwargs) -> str:
    """A text input whose value survives visits to other pages (Streamlit drops unrendered widgets' state)."""
    kept = f"{key}_kept"
    if key not in st.session_state:
        st.session_state[key] = st.session_state.get(kept, default)
    value = column.text_input(label, key=key, **kwargs)
    st.session_state[kept] = value
    return value.strip()


@st.fragment(run_every=POLL_SECONDS)
def _progress() -> None:
    running = st.session_state.get(RUNNING)
    if running is None or running.job.done():
        st.rerun()  # the whole section shows the result, the error or the cancellation
    job = running.job
    st.progress(min(max(job.fraction, 0.0), 1.0), text=f"{job.stage}…")
    link = job.dashboard_link
    dash = f" · [Dask dashboard]({link})" if link else ""
    st.caption(md(f"Running on {running.where} for {count(time.monotonic() - running.started)} s") + dash)
    st.button("Cancel", key="large_cancel", on_click=_cancel, help="Stops the run on the cluster; nothing is kept.")


def _show(done: Finished) -> None:
    result, target = done.run.result, done.run.target
    d = result.dataset
    st.markdown(f"**Result** for {md(done.reference)} (reference) vs {md(done.current)} (current)")
    dash = f" · [Dask dashboard]({done.dashboard})" if done.dashboard else ""
    st.caption(md(f"Ran on {done.where} in {number(done.seconds)} s") + dash)
    verdict = (
        f"**{d.n_drifted} of {d.n_columns} columns drifted** ({share(d.drifted_share)}; the dataset counts "
        f"as drifted at {share(d.share_threshold)}): " + ("**dataset drifted**" if d.drifted else "no dataset drift")
    )
    (st.warning if d.drifted else st.success)(verdict)
    metrics_row(result, target)
    st.plotly_chart(dplots.drift_overview(result), width="stretch", key="large_drift_overview")
    order = sorted(result.features, key=lambda f: (f.status != "ok", -(f.effect_size or 0)))
    show_table(results_table(order), what="columns", column_config=RESULT_COLUMNS, key="large_results")
    st.download_button(
        "Download the result (JSON)",
        json.dumps(done.run.to_dict(), indent=2, allow_nan=False),
        file_name="drift-dask.json",
        mime="application/json",
        key="large_download",
    )


def render() -> None:
    _collect()
    settings = server_settings()
    if not settings.server_paths:
        st.markdown(
            "Check two **Parquet datasets** that are too large to upload for drift, the same check as "
            "`robustness drift --engine dask`, from folders on this server. **This server does not allow it**: "
            f"its administrator enables it by naming the folders visitors may read in `{ENV_DATA_ROOTS}` "
            "(README: Deploying for a team). Until then, upload files above, or run the CLI on your own machine."
        )
        return
    roots = ", ".join(f"`{md(r)}`" for r in settings.data_roots)
    urls = (
        " or a URL starting with " + ", ".join(f"`{s}://`" for s in sorted(settings.url_schemes))
        if settings.url_schemes
        else ""
    )
    st.markdown(
        "Check two **Parquet datasets** that are too large to upload for drift, the same check as "
        f"`robustness drift --engine dask`. Give a file, a folder or a glob inside {roots}{urls}. "
        "Paths are read by this server and its Dask workers, not by your browser; only per-partition "
        "summaries travel. Runs on "
        + (
            "the server's Dask scheduler."
            if settings.scheduler
            else f"a local Dask cluster on this server ({LOCAL_WORKERS} worker processes, shared by every visitor)."
        )
    )
    first = settings.data_roots[0]
    c_ref, c_cur = st.columns(2)
    reference = _text(c_ref, "Reference Parquet path", REFERENCE, placeholder=f"{first}/reference/")
    current = _text(c_cur, "Current Parquet path", CURRENT, placeholder=f"{first}/current/*.parquet")
    running = st.session_state.get(RUNNING)
    if st.button("Run drift check", type="primary", key="large_run", disabled=running is not None):
        _start(reference, current)
    note = st.session_state.get(NOTE)
    if note is not None:
        kind, text = note
        (st.error if kind == "error" else st.info)(md(text))
    if running is not None:
        if not settings.scheduler and find_spec("bokeh") is None:
            st.caption("The Dask dashboard page needs the `bokeh` package, which this server does not have.")
        _progress()
    finished = st.session_state.get(FINISHED)
    if finished is not None:
        if note is not None or running is not None:
            st.caption("The last finished check:")
        _show(finished)
