"""The "Large dataset" section of Model & data: Parquet folders checked for drift through Dask.

The section runs on a threads-only cluster here (``connect_local`` is replaced), and its verdict
and table must agree with ``drift_parquet`` on the same folders.
"""

import time

import numpy as np
import pytest

import dashboard.large_data as ld
from robustness.demo import _credit_frame
from robustness.drift.dask_engine import drift_parquet
from robustness.drift.dask_run import drift_job, parquet_roles
from robustness.formatting import share
from robustness.scale import Job, JobCancelled
from robustness.settings import ENV_DATA_ROOTS, ENV_SCHEDULER, ENV_URL_SCHEMES
from tests.app.test_pages import MODEL_DATA, errors_of, metrics, problems, texts

WAIT_S = 120


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("large")
    for name, current, seed in (("ref", False, 1), ("cur", True, 2)):
        frame = _credit_frame(np.random.default_rng(seed), 6_000, current=current)
        (root / name).mkdir()
        for i, part in enumerate(np.array_split(np.arange(len(frame)), 3)):
            frame.iloc[part].to_parquet(root / name / f"part-{i}.parquet", index=False)
    (root / "empty").mkdir()
    return root


@pytest.fixture(scope="module")
def cluster(client):
    return client


@pytest.fixture
def page(app, cluster, folders, monkeypatch):
    monkeypatch.setattr(ld, "connect_local", lambda: cluster)
    monkeypatch.delenv(ENV_SCHEDULER, raising=False)
    monkeypatch.delenv(ENV_URL_SCHEMES, raising=False)
    monkeypatch.setenv(ENV_DATA_ROOTS, str(folders))
    app.switch_page(MODEL_DATA).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def start(at, reference, current):
    at.text_input(key=ld.REFERENCE).set_value(str(reference))
    at.text_input(key=ld.CURRENT).set_value(str(current))
    at.button(key="large_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def wait_done(at):
    """Wait for the job's thread, then re-run the page once (as the progress fragment does when the job
    is done). The page is not re-run while the job reads Parquet: AppTest parses the scripts again on
    every run, and CPython 3.11's ast.parse is not thread-safe against pyarrow's ast.literal_eval in the
    in-process workers ("AST constructor recursion depth mismatch", python/cpython#106905)."""
    running = at.session_state[ld.RUNNING]
    deadline = time.monotonic() + WAIT_S
    while not running.job.done():
        assert time.monotonic() < deadline, "the drift check did not finish in time"
        time.sleep(ld.POLL_SECONDS)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert ld.RUNNING not in at.session_state
    return at


def result_table(at):
    (table,) = [d.value for d in at.dataframe if {"drifted", "threshold", "status"} <= set(d.value.columns)]
    return table


def expected(folders, cluster):
    """drift_parquet on the same folders and columns (the role columns left out, as the section does)."""
    roles, columns = parquet_roles(str(folders / "ref"))
    features = [c for c in columns if c not in set(roles.role_columns())]
    return drift_parquet(str(folders / "ref"), str(folders / "cur"), columns=features, client=cluster)


def test_section_is_there_and_idle(page, folders):
    assert page.expander[0].label == ld.TITLE
    assert page.text_input(key=ld.REFERENCE).placeholder == f"{folders}/reference/"
    assert not [t for t in page.text_input if "scheduler" in t.label.lower()]  # the server's setting, not a field
    assert "Columns drifted" not in metrics(page)
    assert str(folders) in texts(page)  # where paths may point


def test_section_is_off_without_data_roots(app, monkeypatch):
    monkeypatch.delenv(ENV_DATA_ROOTS, raising=False)
    app.switch_page(MODEL_DATA).run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.expander[0].label == ld.TITLE
    # no path inputs (the page's own text inputs, such as class names, are outside the section)
    assert not [t for t in app.text_input if "Parquet" in t.label], [t.label for t in app.text_input]
    assert not [b for b in app.button if b.key == "large_run"]
    assert "does not allow it" in texts(app) and ENV_DATA_ROOTS in texts(app)


def test_run_shows_what_drift_parquet_finds(page, folders, cluster):
    ws_before = page.session_state["workspace"]
    start(page, folders / "ref", folders / "cur")
    # the job runs in a thread; the first run shows its progress and a Cancel button
    assert ld.RUNNING in page.session_state
    wait_done(page)
    assert not problems(page), errors_of(page)

    want = expected(folders, cluster)
    d = want.dataset
    assert metrics(page)["Columns drifted"] == f"{d.n_drifted} of {d.n_columns}"
    assert metrics(page)["Share of columns drifted"] == share(d.drifted_share)
    assert f"{d.n_drifted} of {d.n_columns} columns drifted" in texts(page)
    assert "Target 'default'" in metrics(page)  # the target is tested apart, as in the CLI
    table = result_table(page).set_index("column")
    assert set(table.index) == {f.feature for f in want.features}
    for f in want.features:
        row = table.loc[f.feature]
        assert (row["test"], bool(row["drifted"]), row["status"]) == (f.test, f.drifted, f.status), f.feature
        assert row["statistic"] == pytest.approx(f.statistic)
        assert row["threshold"] == pytest.approx(f.threshold)
    assert any(c.proto.label == "Download the result (JSON)" for c in page.get("download_button"))
    assert len(page.get("plotly_chart")) == 1

    # the uploaded/demo workspace is untouched; the result survives a visit to another page
    assert page.session_state["workspace"] is ws_before
    page.switch_page("pages/overview.py").run()
    page.switch_page(MODEL_DATA).run()
    assert not page.exception
    assert metrics(page)["Columns drifted"] == f"{d.n_drifted} of {d.n_columns}"
    assert page.text_input(key=ld.REFERENCE).value == str(folders / "ref")  # the paths are kept too

    # a bad path afterwards: its message, and the earlier result stays
    start(page, folders / "nope", folders / "cur")
    assert "does not exist" in errors_of(page)
    assert metrics(page)["Columns drifted"] == f"{d.n_drifted} of {d.n_columns}"


@pytest.mark.parametrize(
    "reference, message",
    [
        ("nope", "The reference path"),
        ("empty", "holds no Parquet files"),
        ("", "Give both a reference and a current Parquet path"),
        ("s3://bucket/reference/", "This path is not allowed"),
    ],
)
def test_bad_paths_say_why(page, folders, reference, message):
    ref = reference if reference in ("", "s3://bucket/reference/") else folders / reference
    start(page, ref, folders / "cur")
    assert message in errors_of(page)
    assert ld.RUNNING not in page.session_state
    assert "Columns drifted" not in metrics(page)


def test_an_allowed_url_scheme_reaches_fsspec(page, folders, monkeypatch):
    monkeypatch.setenv(ENV_URL_SCHEMES, "s3")
    start(page, "s3://bucket/reference/", folders / "cur")
    assert "needs a filesystem package" in errors_of(page)


def test_the_servers_scheduler_gets_its_own_client(page, folders, cluster, monkeypatch):
    address = cluster.scheduler.address
    monkeypatch.setenv(ENV_SCHEDULER, address)
    start(page, folders / "ref", folders / "cur")
    wait_done(page)
    assert not problems(page), errors_of(page)
    assert "Ran on the server's Dask scheduler" in texts(page)
    assert address not in texts(page)  # a visitor is not told where it is
    want = expected(folders, cluster).dataset
    assert metrics(page)["Columns drifted"] == f"{want.n_drifted} of {want.n_columns}"
    client = ld._remote_client(address).client
    assert client is not cluster and client.scheduler.address == address  # the one the page used
    client.close()


def test_unreachable_scheduler(page, folders, monkeypatch):
    monkeypatch.setenv(ENV_SCHEDULER, "tcp://127.0.0.1:9")
    start(page, folders / "ref", folders / "cur")
    assert "Cannot reach the Dask scheduler" in errors_of(page)
    assert ld.RUNNING not in page.session_state


def test_cancel_keeps_nothing(page, folders, monkeypatch):
    """A run that would take long (it waits, checking for cancellation, before the real work) is cancelled."""

    def slow_drift_job(reference, current, **kwargs):
        real = drift_job(reference, current, **kwargs)

        def work(job):
            for _ in range(int(WAIT_S / 0.05)):
                job.check()
                time.sleep(0.05)
            return real.run()

        return Job(work, kwargs.get("client"), label="Waiting")

    monkeypatch.setattr(ld, "drift_job", slow_drift_job)
    start(page, folders / "ref", folders / "cur")
    job = page.session_state[ld.RUNNING].job
    assert page.get("progress"), "no progress bar while the job runs"
    assert page.button(key="large_run").disabled
    page.button(key="large_cancel").click().run()
    assert not page.exception, [e.value for e in page.exception]
    assert ld.CANCELLED in texts(page)
    assert ld.RUNNING not in page.session_state
    assert "Columns drifted" not in metrics(page)
    assert not page.get("progress")
    with pytest.raises(JobCancelled):
        job.result(timeout=30)
    assert not page.button(key="large_run").disabled
