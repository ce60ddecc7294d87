"""The "Large dataset" section of Model & data: two Parquet datasets (paths or URLs) checked for
drift through Dask, with progress, a link to Dask's dashboard and a Cancel button.

The run is the CLI's ``robustness drift --engine dask``: a :class:`robustness.scale.Job` from
:func:`robustness.drift.dask_run.drift_job`, started in a thread. A fragment re-runs every
``POLL_SECONDS`` to show its progress; when the job is done the whole app re-runs and the result
moves into ``st.session_state`` (per browser session: never shared, kept across page switches).
Clicking Cancel re-runs the script, whose callback cancels the job; nothing of it is kept.

The local cluster is made once per server (``st.cache_resource``) and shared by every session;
a scheduler address gets its own client per address. Tests replace :func:`connect_local`.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from importlib.util import find_spec

import streamlit as st

from dashboard.drift_views import RESULT_COLUMNS, results_table, metrics_row
from dashboard.shared import md
from robustness.drift.dask_run import drift_job
from robustness.drift.run import DriftRun
from robustness.errors import RobustnessError
from robustness.plots import drift as dplots
from robustness.scale import Job, connect, open_parquet

TITLE = "🗄️ Large dataset (Parquet through Dask)"
POLL_SECONDS = 0.3
LOCAL_WORKERS = 2
ENV_SCHEDULER = "DASK_SCHEDULER_ADDRESS"

# session-state keys: widgets, their kept values (widget state is dropped on other pages), the run
REFERENCE, CURRENT, SCHEDULER = "large_reference", "large_current", "large_scheduler"
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


@st.cache_resource(show_spinner=False, max_entries=8)
def _remote_client(address: str) -> _Held:
    return _Held(connect(address))


def client_for(address: str):
    """(client, where it runs): one client per scheduler address, else the server's local cluster."""
    if not address:
        client = connect_local()
        if os.environ.get(ENV_SCHEDULER):
            return client, f"the scheduler at {os.environ[ENV_SCHEDULER]} ({ENV_SCHEDULER})"
        return client, f"a local cluster on this server ({LOCAL_WORKERS} workers)"
    client = _remote_client(address).client
    if getattr(client, "status", "running") in ("closing", "closed"):  # the scheduler went away since
        _remote_client.clear(address)
        client = _remote_client(address).client
    return client, f"the scheduler at {address}"


# ---------------------------------------------------------------- state changes
def _set_note(kind: str, text: str) -> None:
    st.session_state[NOTE] = (kind, text)


def _cancel() -> None:
    running = st.session_state.pop(RUNNING, None)
    if running is not None:
        running.job.cancel()
    _set_note("info", CANCELLED)


def _check_path(path: str, name: str) -> None:
    """Raises the user-facing error of a path that cannot be opened (metadata only; no rows read)."""
    open_parquet(path, name)  # a URL whose filesystem package is missing is a DataError saying which


def _start(reference: str, current: str, address: str) -> None:
    st.session_state.pop(NOTE, None)
    earlier = st.session_state.pop(RUNNING, None)
    if earlier is not None:  # one run per session at a time
        earlier.job.cancel()
    if not reference or not current:
        _set_note("error", "Give both a reference and a current Parquet path (a file, a folder, a glob or a URL).")
        return
    try:
        with st.spinner("Checking the Parquet files…"):  # fails here, before a cluster starts
            _check_path(reference, "reference")
            _check_path(current, "current")
        with st.spinner(f"Connecting to {address}…" if address else "Starting or reaching the local Dask cluster…"):
            client, where = client_for(address)
        job = drift_job(reference, current, client=client).start()
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
    st.session_state[FINISHED] = Finished(run, running.reference, running.current, running.where,
                                          time.monotonic() - running.started, running.job.dashboard_link)


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
    st.caption(md(f"Running on {running.where} for {time.monotonic() - running.started:.0f} s") + dash)
    st.button("Cancel", key="large_cancel", on_click=_cancel, help="Stops the run on the cluster; nothing is kept.")


def _show(done: Finished) -> None:
    result, target = done.run.result, done.run.target
    d = result.dataset
    st.markdown(f"**Result** for {md(done.reference)} (reference) vs {md(done.current)} (current)")
    dash = f" · [Dask dashboard]({done.dashboard})" if done.dashboard else ""
    st.caption(md(f"Ran on {done.where} in {done.seconds:.1f} s") + dash)
    verdict = (f"**{d.n_drifted} of {d.n_columns} columns drifted** ({d.drifted_share:.0%}; the dataset counts "
               f"as drifted at {d.share_threshold:.0%}): "
               + ("**dataset drifted**" if d.drifted else "no dataset drift"))
    (st.warning if d.drifted else st.success)(verdict)
    metrics_row(result, target)
    st.plotly_chart(dplots.drift_overview(result), width="stretch", key="large_drift_overview")
    order = sorted(result.features, key=lambda f: (f.status != "ok", -(f.effect_size or 0)))
    st.dataframe(results_table(order), hide_index=True, width="stretch", column_config=RESULT_COLUMNS,
                 height=min(700, 40 + 35 * len(order)))
    st.download_button("Download the result (JSON)", json.dumps(done.run.to_dict(), indent=2, allow_nan=False),
                       file_name="drift-dask.json", mime="application/json", key="large_download")


def render() -> None:
    _collect()
    st.markdown(
        "Check two **Parquet datasets** that are too large to upload for drift, the same check as "
        "`robustness drift --engine dask`. Give a file, a folder, a glob (`/data/current/*.parquet`) or an "
        "fsspec URL (`s3://bucket/reference/`); URLs need the filesystem package (`s3fs`, `gcsfs`, `adlfs`) "
        "on this server and the workers. Paths are read by this server and the Dask workers, not by your browser; "
        "only per-partition summaries travel."
    )
    env = os.environ.get(ENV_SCHEDULER, "")
    c_ref, c_cur, c_sched = st.columns([2, 2, 1.4])
    reference = _text(c_ref, "Reference Parquet path or URL", REFERENCE,
                      placeholder="/data/reference/ or s3://bucket/reference/")
    current = _text(c_cur, "Current Parquet path or URL", CURRENT, placeholder="/data/current/*.parquet")
    scheduler = _text(
        c_sched, "Dask scheduler (optional)", SCHEDULER, default=env, placeholder="tcp://host:8786",
        help="The address of a running Dask scheduler. Empty: a local cluster on this server, started once "
        f"and shared ({LOCAL_WORKERS} worker processes)."
        + (f" {ENV_SCHEDULER} is set on this server, so an empty field uses {env}." if env else ""),
    )
    running = st.session_state.get(RUNNING)
    if st.button("Run drift check", type="primary", key="large_run", disabled=running is not None):
        _start(reference, current, scheduler)
    note = st.session_state.get(NOTE)
    if note is not None:
        kind, text = note
        (st.error if kind == "error" else st.info)(md(text))
    if running is not None:
        if not scheduler and not env and find_spec("bokeh") is None:
            st.caption("The Dask dashboard page needs the `bokeh` package, which this server does not have.")
        _progress()
    finished = st.session_state.get(FINISHED)
    if finished is not None:
        if note is not None or running is not None:
            st.caption("The last finished check:")
        _show(finished)
