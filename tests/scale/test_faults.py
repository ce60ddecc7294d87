"""Faults and bad input for drift on Parquet through Dask.

- Bad input (files whose schemas disagree, a column missing in some files, a path or glob with no
  Parquet files, a file that is not Parquet, an unreachable scheduler) is a specific DataError /
  ConfigError naming the file or column, and exit 2 through the CLI; an empty file is not an error
  and changes nothing.
- A worker process killed mid-run: the run gives the undisturbed result (Dask reschedules, the
  nanny restarts the worker) or a DataError saying no partial result was kept; never another result.
- ``Job.cancel()`` from another thread stops a run promptly and leaves the cluster usable.

The fault tests run on a LocalCluster of 2 worker processes, with partition summaries slowed down
(``slow_summarize``, imported by the workers from this module) so that a run lasts seconds.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import threading
import time

import numpy as np
import pandas as pd
import pytest

from robustness.cli import main
from robustness.drift import dask_engine, drift
from robustness.drift.chunked import drift_from_summaries, summarize_part
from robustness.drift.dask_engine import drift_parquet, summarize_in
from robustness.errors import ConfigError, DataError
from robustness.scale import Job, JobCancelled, connect, open_parquet, shutdown

WAIT_S = 120


def frame(seed: int, n: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.normal(shift, 1.0, n),
            "y": rng.exponential(1.0, n),
            "k": rng.integers(0, 1_000, n),
            "city": rng.choice(
                ["north", "south", "east", "west"], n, p=[0.4, 0.3, 0.2, 0.1] if not shift else [0.25, 0.3, 0.2, 0.25]
            ),
            "flag": rng.random(n) < 0.3,
        }
    )


def write(folder, frames) -> list:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, f in enumerate(frames):
        paths.append(folder / f"p{i:03d}.parquet")
        f.to_parquet(paths[-1], index=False)
    return paths


def split(f: pd.DataFrame, parts: int) -> list[pd.DataFrame]:
    return [f.iloc[idx].reset_index(drop=True) for idx in np.array_split(np.arange(len(f)), parts)]


def slow_summarize(frame, kinds, edges, *, pause: float):
    time.sleep(pause)
    return summarize_part(frame, kinds, edges)


def assert_same(got, expected) -> None:
    """The same result, up to the rounding of merging summaries in another order."""
    assert [f.feature for f in got.features] == [f.feature for f in expected.features]
    for g, e in zip(got.features, expected.features):
        assert (g.test, g.status, g.drifted, g.n_reference, g.n_current) == (
            e.test,
            e.status,
            e.drifted,
            e.n_reference,
            e.n_current,
        ), g
        assert g.statistic == pytest.approx(e.statistic, rel=1e-9, abs=1e-12), g.feature
        assert (g.p_value is None) == (e.p_value is None)
        if g.p_value is not None:
            assert g.p_value == pytest.approx(e.p_value, rel=1e-6, abs=1e-12), g.feature
    assert got.dataset == expected.dataset


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("faults")
    ref, cur = frame(1, 12_000), frame(2, 9_000, shift=0.3)
    write(root / "ref", split(ref, 6))
    write(root / "cur", split(cur, 3))
    # a column holding numbers in two files and text in one
    bad = split(cur, 3)
    bad[1] = bad[1].assign(k=bad[1]["k"].astype(str))
    write(root / "mixed", bad)
    # a column missing from one file
    gone = split(cur, 3)
    gone[1] = gone[1].drop(columns=["city"])
    write(root / "missing", gone)
    # the reference with empty files first and in the middle (strings of an empty frame are typed null)
    parts = split(ref, 6)
    write(root / "ref_empty", [ref.iloc[:0], *parts[:3], ref.iloc[:0], *parts[3:]])
    write(root / "cur_empty", [*split(cur, 3), cur.iloc[:0]])
    # a folder without Parquet files, and a file that is not Parquet
    (root / "csv").mkdir()
    cur.to_csv(root / "csv" / "cur.csv", index=False)
    (root / "csv" / "notes.parquet.txt").write_text("not parquet")
    (root / "fake").mkdir()
    (root / "fake" / "p000.parquet").write_text("this is not a parquet file")
    # the fault tests: enough partitions that a slowed run takes seconds
    write(root / "slow_ref", split(frame(3, 32_000), 16))
    write(root / "slow_cur", split(frame(4, 32_000, shift=0.2), 16))
    return root


@pytest.fixture(scope="module")
def client():
    c = connect(workers=2, processes=True)
    yield c
    shutdown(c)


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["reference", "current"])
def test_a_column_with_numbers_in_some_files_and_text_in_others(data, client, side):
    paths = (data / "mixed", data / "ref") if side == "reference" else (data / "ref", data / "mixed")
    with pytest.raises(DataError) as err:
        drift_parquet(str(paths[0]), str(paths[1]), client=client)
    text = str(err.value)
    assert text.startswith(f"The {side} Parquet files do not share one schema: column 'k' holds numbers (int64) in ")
    assert "p000.parquet' but text (string) in " in text and "p001.parquet' (1 of 3 files)" in text
    assert "Rewrite them with the same columns and types" in text


@pytest.mark.parametrize("side", ["reference", "current"])
def test_a_column_missing_from_some_files(data, client, side):
    paths = (data / "missing", data / "ref") if side == "reference" else (data / "ref", data / "missing")
    with pytest.raises(
        DataError,
        match=rf"The {side} Parquet files do not share one schema: column 'city' is "
        r"missing from 1 of 3 files \(for example '.*p001\.parquet'\)",
    ):
        drift_parquet(str(paths[0]), str(paths[1]), client=client)


def test_schema_errors_come_from_the_footers_before_any_task(data):
    # no client, no scheduler: open_parquet reads footers only
    with pytest.raises(DataError, match="column 'k' holds numbers"):
        open_parquet(str(data / "mixed"), "current")
    with pytest.raises(DataError, match="column 'city' is missing"):
        open_parquet(str(data / "missing"), "current", ["x", "city"])
    # a column the compared set leaves out may differ
    assert list(open_parquet(str(data / "missing"), "current", ["x", "k"]).columns) == ["x", "k"]
    with pytest.raises(DataError, match=r"The reference Parquet files have no column 'nope'\. Their columns: 'x'"):
        open_parquet(str(data / "ref"), "reference", ["x", "nope"])


def test_empty_files_contribute_nothing(data, client):
    # sample_rows below the row count: the sample (and so the bin edges) must not move either
    expected = drift_parquet(str(data / "ref"), str(data / "cur"), client=client, sample_rows=5_000)
    got = drift_parquet(str(data / "ref_empty"), str(data / "cur_empty"), client=client, sample_rows=5_000)
    assert_same(got, expected)
    assert {f.feature for f in got.features if f.drifted} >= {"x", "city"}


def test_number_types_and_null_files_read_as_one_column(data, client, tmp_path):
    a, b, c = split(frame(5, 6_000), 3)
    b = b.assign(k=b["k"].astype("float64").where(b.index % 7 != 0))  # int64 -> double with missing values
    c = c.assign(k=pd.Series([None] * len(c), dtype=object))  # a file where the column is all null
    write(tmp_path / "ref", [a, b, c])
    whole = pd.concat([a, b, c.assign(k=np.nan)], ignore_index=True)
    res = drift_parquet(str(tmp_path / "ref"), str(data / "cur"), client=client)
    k = next(f for f in res.features if f.feature == "k")
    assert k.status == "ok" and k.n_reference == int(whole["k"].notna().sum())
    memory = drift(whole, pd.concat([pd.read_parquet(p) for p in sorted((data / "cur").iterdir())]))
    assert {f.feature: f.drifted for f in res.features} == {f.feature: f.drifted for f in memory.features}


def test_paths_without_parquet_files(data, client):
    cases = [
        (data / "nope", r"The reference path '.*nope' does not exist\."),
        (data / "csv", r"The reference folder '.*csv' holds no Parquet files \(\*\.parquet, \*\.parq or \*\.pq\)\."),
        (data / "ref" / "*.csv", r"No files match the reference pattern '.*\*\.csv'\. Check the pattern"),
        (data / "csv" / "*", r"The reference file '.*cur\.csv' is not a readable Parquet file \(.*\)\. Remove it"),
        (data / "fake", r"The reference file '.*p000\.parquet' is not a readable Parquet file"),
    ]
    for path, message in cases:
        with pytest.raises(DataError, match=message):
            drift_parquet(str(path), str(data / "cur"), client=client)


def test_urls_whose_filesystem_is_missing_or_unknown():
    from importlib.util import find_spec

    cases = [("nope://x/ref.parquet", r"Cannot read the reference path 'nope://x/ref\.parquet'")]
    if find_spec("s3fs") is None:  # not a dependency: the user is told which package to install
        cases.append(
            (
                "s3://bucket/ref/",
                r"Reading the reference URL 's3://bucket/ref/' needs a filesystem package: Install s3fs",
            )
        )
    for url, message in cases:
        with pytest.raises(DataError, match=message):
            open_parquet(url, "reference")


def test_an_unreachable_scheduler_fails_in_seconds():
    start = time.monotonic()
    with pytest.raises(
        ConfigError,
        match=r"Cannot reach the Dask scheduler at 'tcp://127\.0\.0\.1:9' \(nothing "
        r"listens on port 9 of 127\.0\.0\.1\)\. Check the address",
    ):
        connect("tcp://127.0.0.1:9")
    assert time.monotonic() - start < 5
    with pytest.raises(ConfigError, match=r"no host named 'nohost\.invalid'"):
        connect("tcp://nohost.invalid:8786")
    with pytest.raises(ConfigError, match=r"is not a Dask scheduler address"):
        connect("tcp://host:notaport")


@pytest.mark.parametrize(
    "case", ["mixed-reference", "missing-reference", "mixed-current", "no-parquet", "glob", "scheduler"]
)
def test_bad_input_exits_2_with_one_line(data, client, case, capsys):
    ref, cur, extra, message = {
        "mixed-reference": ("mixed", "cur", [], "The reference Parquet files do not share one schema: column 'k'"),
        "missing-reference": ("missing", "cur", [], "column 'city' is missing from 1 of 3 files"),
        # the current data is opened on the cluster (here the module's, not a new one)
        "mixed-current": (
            "ref",
            "mixed",
            ["--scheduler", client.scheduler.address],
            "The current Parquet files do not share one schema: column 'k'",
        ),
        "no-parquet": ("csv", "cur", [], "holds no Parquet files"),
        "glob": ("ref/*.pq", "cur", [], "No files match the reference pattern"),
        "scheduler": ("ref", "cur", ["--scheduler", "tcp://127.0.0.1:9"], "nothing listens on port 9"),
    }[case]
    argv = [
        "drift",
        "--engine",
        "dask",
        "--workers",
        "1",
        "--reference",
        str(data / ref),
        "--current",
        str(data / cur),
        *extra,
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("robustness: error: ") and message in err[0], err


def test_the_cli_ignores_empty_files(data, client, tmp_path, capsys):
    out = {}
    for name, (ref, cur) in {"plain": ("ref", "cur"), "empty": ("ref_empty", "cur_empty")}.items():
        code = main(
            [
                "drift",
                "--engine",
                "dask",
                "--scheduler",
                client.scheduler.address,
                "--reference",
                str(data / ref),
                "--current",
                str(data / cur),
                "--json",
                str(tmp_path / f"{name}.json"),
            ]
        )
        out[name] = (code, json.loads((tmp_path / f"{name}.json").read_text()))
    capsys.readouterr()
    (code_a, a), (code_b, b) = out["plain"], out["empty"]
    assert code_a == code_b == 1
    assert [(f["feature"], f["drifted"], f["n_reference"], f["n_current"]) for f in a["features"]] == [
        (f["feature"], f["drifted"], f["n_reference"], f["n_current"]) for f in b["features"]
    ]


# -- a worker killed mid-run, cancellation ------------------------------------------------------


def _kill_a_busy_worker(client, job: Job, pids: dict, record: dict) -> None:
    """From another thread: once partitions are being summarised, SIGKILL a worker that is running one."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline and not record.get("stop"):
        if job.stage.startswith("Summarising") and 0 < job.fraction < 0.5:
            busy = [a for a, keys in client.processing().items() if keys and a in pids]
            if busy:
                record["fraction"] = job.fraction
                record["pid"] = pids[busy[0]]
                os.kill(pids[busy[0]], signal.SIGKILL)
                return
        time.sleep(0.01)


def _run_with_a_kill(client, data, monkeypatch, pause: float, record: dict):
    """Summaries of the slow datasets (job.run(), as the CLI), a busy worker killed on the way."""
    monkeypatch.setattr(dask_engine, "summarize_part", functools.partial(slow_summarize, pause=pause))
    pids = client.run(os.getpid)
    job = Job(lambda j: summarize_in(j, str(data / "slow_ref"), str(data / "slow_cur")), client)
    killer = threading.Thread(target=_kill_a_busy_worker, args=(client, job, pids, record), daemon=True)
    killer.start()
    try:
        return job.run()
    finally:
        record["stop"] = True
        killer.join(5)


def test_a_killed_worker_is_rescheduled_or_fails_clearly(data, client, monkeypatch):
    expected = drift_parquet(str(data / "slow_ref"), str(data / "slow_cur"), client=client)
    record: dict = {}
    try:
        r, c, kinds = _run_with_a_kill(client, data, monkeypatch, 0.3, record)
    except DataError as err:  # Dask could not reschedule: the run says so, with nothing kept
        assert "No partial result was kept" in str(err)
    else:
        assert_same(drift_from_summaries(r, c, kinds), expected)
    assert "pid" in record, "no worker was killed: the run ended first"
    assert record["fraction"] < 1
    # the cluster goes on: the killed process is gone (its nanny starts another, which can take long on
    # a loaded machine, so the test does not wait for it) and the same data gives the same result
    client.wait_for_workers(1, timeout=WAIT_S)
    assert record["pid"] not in client.run(os.getpid).values()
    monkeypatch.undo()
    assert_same(drift_parquet(str(data / "slow_ref"), str(data / "slow_cur"), client=client), expected)


def test_workers_that_keep_dying_fail_clearly(data, client, monkeypatch):
    # no retry allowed (distributed.scheduler.allowed-failures 0, set on the running local scheduler
    # rather than starting another cluster): the task on the killed worker is given up, so the run
    # must fail, and say so
    scheduler = client.cluster.scheduler
    allowed, scheduler.allowed_failures = scheduler.allowed_failures, 0
    record: dict = {}
    try:
        with pytest.raises(DataError, match=r"Dask workers kept dying .* No partial result was kept\."):
            _run_with_a_kill(client, data, monkeypatch, 1.0, record)
        assert "pid" in record
    finally:
        scheduler.allowed_failures = allowed


def test_cancel_from_another_thread_is_prompt_and_the_cluster_goes_on(data, client, monkeypatch):
    expected = drift_parquet(str(data / "slow_ref"), str(data / "slow_cur"), client=client)
    monkeypatch.setattr(dask_engine, "summarize_part", functools.partial(slow_summarize, pause=0.5))
    job = Job(lambda j: summarize_in(j, str(data / "slow_ref"), str(data / "slow_cur")), client).start()
    deadline = time.monotonic() + WAIT_S
    while not (job.stage.startswith("Summarising") and job.fraction > 0) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert job.fraction < 0.5, "the run ended before it could be cancelled"
    start = time.monotonic()
    threading.Thread(target=job.cancel).start()
    with pytest.raises(JobCancelled, match="no partial result was kept"):
        job.result(timeout=30)
    assert time.monotonic() - start < 5
    assert job.cancelled and job.done()
    monkeypatch.undo()
    assert_same(drift_parquet(str(data / "slow_ref"), str(data / "slow_cur"), client=client), expected)
