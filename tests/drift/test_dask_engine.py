"""Drift on Parquet datasets through Dask agrees with the in-memory engine; bad paths are specific."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from robustness.demo import _credit_frame
from robustness.drift import drift
from robustness.drift.dask_engine import connect, drift_parquet
from robustness.errors import ConfigError, DataError
from robustness.io.infer import infer_schema

FEATURES = [
    "age",
    "income",
    "loan_amount",
    "loan_term_months",
    "credit_history_years",
    "num_open_accounts",
    "debt_to_income",
    "employment_type",
    "region",
    "home_ownership",
    "has_cosigner",
]


def _write(frame: pd.DataFrame, folder, files: int) -> None:
    folder.mkdir()
    for i, part in enumerate(np.array_split(np.arange(len(frame)), files)):
        frame.iloc[part].to_parquet(folder / f"part-{i:03d}.parquet", index=False)


@pytest.fixture(scope="module")
def datasets(tmp_path_factory):
    root = tmp_path_factory.mktemp("parquet")
    ref = _credit_frame(np.random.default_rng(1), 60_000, current=False)[FEATURES]
    cur = _credit_frame(np.random.default_rng(2), 60_000, current=True)[FEATURES]
    _write(ref, root / "ref", 12)
    _write(cur, root / "cur", 9)
    return root, ref, cur


def test_dask_and_memory_engines_agree(datasets, client):
    root, ref, cur = datasets
    kinds = infer_schema(ref).kinds()
    res = drift_parquet(str(root / "ref"), str(root / "cur"), client=client, kinds=kinds)
    memory = drift(ref, cur, kinds=kinds)
    got = {f.feature: f for f in res.features}
    for f in memory.features:
        assert got[f.feature].drifted == f.drifted and got[f.feature].test == f.test, f.feature
    assert {f.feature for f in res.features if f.drifted} >= {"income", "employment_type"}
    assert res.dataset.n_drifted == memory.dataset.n_drifted


def test_a_glob_and_a_single_file_work(datasets, client):
    root, ref, _ = datasets
    res = drift_parquet(str(root / "ref" / "part-00*.parquet"), str(root / "ref" / "part-001.parquet"), client=client)
    assert res.dataset.n_columns == len(FEATURES)


def test_bad_paths_are_specific(datasets, tmp_path, client):
    root, _, _ = datasets
    with pytest.raises(DataError, match="does not exist"):
        drift_parquet(str(tmp_path / "nope"), str(root / "cur"), client=client)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="holds no Parquet files"):
        drift_parquet(str(tmp_path / "empty"), str(root / "cur"), client=client)


def test_a_column_missing_from_current_is_skipped(datasets, tmp_path, client):
    root, _, cur = datasets
    _write(cur.drop(columns=["income"]), tmp_path / "cur2", 3)
    res = drift_parquet(str(root / "ref"), str(tmp_path / "cur2"), client=client)
    f = next(f for f in res.features if f.feature == "income")
    assert f.status == "skipped" and not f.drifted


def test_unreachable_scheduler():
    with pytest.raises(ConfigError, match="Cannot reach the Dask scheduler"):
        connect("tcp://127.0.0.1:9")


def test_a_saved_reference_through_dask_equals_it_in_memory(datasets, client):
    """The Dask engine's reference summaries, kept as a saved run keeps them (merged to MIN_PER_BIN values a bin),
    and the current Parquet data summarised over their edges on the workers: the same result as the current
    table summarised in memory over the same edges (binned summaries merge exactly), and the in-memory verdicts."""
    from robustness.drift.dask_run import drift_run_in, saved_run_in
    from robustness.drift.saved import MIN_PER_BIN, SavedReference, decode, drift_from_saved, encode, summarize_current
    from robustness.scale import Job

    root, ref, cur = datasets
    run = Job(lambda job: drift_run_in(job, str(root / "ref"), str(root / "cur"), roles={}), client).run()
    kept = run.saved_reference()
    assert kept is not None and kept.rows == 60_000 and kept.features == FEATURES
    income = next(c.summary for c in kept.columns if c.column == "income")
    assert income.n / (income.edges.size - 1) >= MIN_PER_BIN  # the Dask engine's 8,192 bins merged
    saved = SavedReference.from_stored(
        "ref", [(c.column, c.role, c.kind.value, *encode(c.summary)) for c in kept.columns]
    )
    assert decode(*encode(income)).counts.tolist() == income.counts.tolist()
    on_dask = Job(lambda job: saved_run_in(job, saved, str(root / "cur")), client).run()
    part, extra = summarize_current(cur, saved)
    in_memory = drift_from_saved(saved, part, extra).result
    memory = drift(ref, cur, kinds=saved.kinds)
    for d, m, exact in zip(on_dask.result.features, in_memory.features, memory.features):
        assert (d.feature, d.test, d.drifted, d.statistic) == (m.feature, m.test, m.drifted, m.statistic)
        assert d.p_value == pytest.approx(m.p_value, rel=1e-9)
        assert (d.drifted, d.test) == (exact.drifted, exact.test), d.feature
    assert on_dask.reference_name == "ref" and on_dask.current_name == "cur"


def test_text_content_through_dask_equals_it_in_memory(tmp_path, client):
    """A text column's summaries (lengths and hashed term counts of every text, at most 5,000 a side) travel
    from the workers and merge: the same classifier result as in memory, to the last digit."""
    from tests.drift.test_power import _messages

    rng = np.random.default_rng(9)
    ref, cur = _messages(rng, 1500, 0.2), _messages(rng, 1200, 0.45)
    _write(ref, tmp_path / "ref", 4)
    _write(cur, tmp_path / "cur", 3)
    kinds = {"message": "text"}
    on_dask = drift_parquet(str(tmp_path / "ref"), str(tmp_path / "cur"), client=client, kinds=kinds).features[0]
    memory = drift(ref, cur, kinds=kinds).features[0]
    assert on_dask.test == memory.test == "tfidf" and on_dask.drifted and memory.drifted
    assert (on_dask.statistic, on_dask.p_value, on_dask.message) == (memory.statistic, memory.p_value, memory.message)
    assert on_dask.content.to_dict() == memory.content.to_dict()
