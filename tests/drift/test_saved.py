"""A reference kept as summaries (robustness.drift.saved): what is stored holds no row and no single value,
survives the trip through bytes unchanged, and judged against the current data gives the verdicts of a run
with the reference table, its statistics within the binned bounds the result states."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from robustness.drift import DriftConfig, drift
from robustness.drift.binned import BinnedSummary, binned_ks, fixed_edges
from robustness.drift.chunked import CategoryCounts, Seen
from robustness.drift.saved import (
    MIN_PER_BIN,
    SavedReference,
    coarsen,
    decode,
    drift_from_saved,
    encode,
    summarize_current,
    summarize_reference,
)
from robustness.errors import DataError
from robustness.schema import ColumnKind, ColumnRoles

K = ColumnKind
KINDS = {
    "id": K.ID,
    "amount": K.NUMERICAL,
    "visits": K.NUMERICAL,
    "when": K.DATETIME,
    "plan": K.CATEGORICAL,
    "active": K.BOOLEAN,
    "label": K.BOOLEAN,
    "score": K.NUMERICAL,
}
ROLES = ColumnRoles(target="label", prediction="score", id="id")


def _frame(seed: int, n: int, *, changed: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    amount = rng.lognormal(3 + (0.15 if changed else 0), 0.7, n)
    amount[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame(
        {
            "id": np.arange(n) + seed * 10**6,
            "amount": amount,
            "visits": rng.poisson(4, n).astype(float),
            "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 86400 * 90, n), unit="s"),
            "plan": rng.choice(["basic", "plus", "pro"], n, p=[0.5, 0.3, 0.2] if not changed else [0.4, 0.3, 0.3]),
            "active": rng.random(n) < 0.6,
            "label": rng.random(n) < (0.2 if not changed else 0.3),
            "score": rng.random(n),
        }
    )


@pytest.fixture(scope="module")
def saved():
    return summarize_reference(_frame(1, 6000), KINDS, ROLES, name="ref.csv")


def _trip(saved: SavedReference) -> SavedReference:
    rows = []
    for c in saved.columns:
        fmt, payload = encode(c.summary)
        rows.append((c.column, c.role, c.kind.value, fmt, payload))
    return SavedReference.from_stored(saved.name, rows)


def test_what_is_kept_holds_no_row_and_no_single_value(saved):
    by = {c.column: c for c in saved.columns}
    assert by["id"].role == "id" and by["id"].summary is None  # role columns: their name only
    assert by["score"].role == "prediction" and by["score"].summary is None
    assert by["label"].role == "target" and isinstance(by["label"].summary, CategoryCounts)
    ref = _frame(1, 6000)
    amount = by["amount"].summary
    assert isinstance(amount, BinnedSummary)
    # a bin holds MIN_PER_BIN values or more on average, so a bin's sum is never one value ...
    inner = amount.counts[1:-1]
    assert amount.n / inner.size >= MIN_PER_BIN and np.median(inner) >= MIN_PER_BIN - 1
    # ... and the edges are interpolated quantiles, not the reference's values (the ends aside)
    values = set(ref["amount"].dropna().to_numpy().tolist())
    assert sum(e in values for e in amount.edges.tolist()) <= 2
    assert not (set(amount.sums.tolist()) & values)
    # whole numbers with few distinct values: a count per value, like category counts
    visits = by["visits"].summary
    assert set(visits.edges.tolist()) == set(ref["visits"].unique().tolist())
    # nothing stored is as long as the table: no column of row values
    for c in saved.columns:
        fmt, payload = encode(c.summary)
        if payload:
            with np.load(__import__("io").BytesIO(payload), allow_pickle=False) as z:
                assert all(z[k].size < len(ref) // MIN_PER_BIN + 10 for k in z.files if k != "meta")


def test_stored_summaries_come_back_unchanged(saved):
    back = _trip(saved)
    assert back.name == "ref.csv" and back.rows == 6000 and back.roles == ROLES
    assert back.features == ["amount", "visits", "when", "plan", "active"]
    for a, b in zip(saved.columns, back.columns):
        assert (a.column, a.role, a.kind) == (b.column, b.role, b.kind)
        if isinstance(a.summary, BinnedSummary):
            for f in ("edges", "counts", "at_edge", "sums"):
                assert np.array_equal(getattr(a.summary, f), getattr(b.summary, f)), (a.column, f)
            assert (a.summary.n, a.summary.mean, a.summary.m2, a.summary.min, a.summary.max, a.summary.n_missing) == (
                b.summary.n,
                b.summary.mean,
                b.summary.m2,
                b.summary.min,
                b.summary.max,
                b.summary.n_missing,
            )
        elif isinstance(a.summary, CategoryCounts):
            assert a.summary.counts.to_dict() == b.summary.counts.to_dict()
            assert a.summary.n_missing == b.summary.n_missing
        else:
            assert a.summary == b.summary or (a.summary.rows == b.summary.rows)


def test_an_unreadable_or_unknown_payload_is_a_clear_error():
    with pytest.raises(DataError, match="could not be read"):
        decode("binned/1", b"not an archive")
    fmt, payload = encode(Seen(3))
    with pytest.raises(DataError, match="'binned/9'.*cannot read"):
        decode("binned/9", payload)


def test_coarsening_keeps_counts_sums_and_moments_and_ks_within_its_bound():
    rng = np.random.default_rng(3)
    ref, cur = rng.normal(0, 1, 3000), rng.normal(0.2, 1.2, 2500)
    fine = BinnedSummary.of(ref, fixed_edges(ref, 8192))  # the Dask engine's edges: a bin per value here
    coarse = coarsen(fine)
    assert (coarse.edges.size - 1) * MIN_PER_BIN <= coarse.n + MIN_PER_BIN
    assert coarse.edges[0] == fine.edges[0] and coarse.edges[-1] == fine.edges[-1]
    assert coarse.counts.sum() == fine.counts.sum() and coarse.sums.sum() == pytest.approx(fine.sums.sum())
    assert (coarse.n, coarse.mean, coarse.m2) == (fine.n, fine.mean, fine.m2)
    cur_coarse = BinnedSummary.of(cur, coarse.edges)
    d, bound = binned_ks(coarse, cur_coarse)
    exact = stats.ks_2samp(ref, cur).statistic
    assert d - 1e-12 <= exact <= d + bound + 1e-12
    # the reference's own bins: no interior holds much more than MIN_PER_BIN of the 3,000 values
    assert (coarse.counts[1:-1] - coarse.at_edge[:-1]).max() <= 2 * MIN_PER_BIN
    assert coarsen(coarse) is coarse  # already coarse enough


def test_a_saved_reference_gives_the_verdicts_of_the_reference_table(saved):
    """The same decision, test and skip reason as the in-memory engine with the reference table; counts exact,
    the KS statistic inside the interval the result states."""
    ref = _frame(1, 6000)
    back = _trip(saved)
    for seed, changed in ((2, True), (3, False)):
        cur = _frame(seed, 5000, changed=changed).assign(extra=1.0).drop(columns=["visits"])
        part, extra = summarize_current(cur, back)
        got = drift_from_saved(back, part, extra)
        features = [c for c in ref.columns if c not in ("id", "label", "score")] + ["extra"]
        kinds = {**KINDS, "extra": K.NUMERICAL}
        want = drift(ref, cur, kinds=kinds, columns=features)
        assert [f.feature for f in got.result.features] == features
        for g, w in zip(got.result.features, want.features):
            assert (g.status, g.test, g.drifted, g.message if g.status != "ok" else "") == (
                w.status,
                w.test,
                w.drifted,
                w.message if w.status != "ok" else "",
            ), (seed, g, w)
            if g.status != "ok":
                continue
            if g.kind in (K.CATEGORICAL, K.BOOLEAN):
                assert g.statistic == pytest.approx(w.statistic, rel=1e-12) and g.p_value == pytest.approx(w.p_value)
            else:
                low, high = map(float, re.search(r"lies in \[([\d.]+), ([\d.]+)\]", g.details).groups())
                assert low - 5.1e-5 <= w.statistic <= high + 5.1e-5, (g.feature, g.details, w.statistic)
        assert got.target is not None and got.target.drifted == changed
        assert got.result.feature("visits").status == "skipped"
        assert got.result.feature("extra").message == want.feature("extra").message


def test_a_saved_reference_keeps_no_texts_so_content_is_skipped_saying_so():
    from robustness.drift.rule import NO_TEXTS
    from tests.drift.test_power import _messages

    rng = np.random.default_rng(8)
    ref, cur = _messages(rng, 400, 0.1), _messages(rng, 400, 0.6)
    kinds = {"message": K.TEXT}
    kept = _trip(summarize_reference(ref, kinds, ColumnRoles(), name="ref"))
    (column,) = kept.columns
    assert column.kind is K.TEXT and isinstance(column.summary, BinnedSummary)  # the lengths only
    assert encode(column.summary)[0] == "binned/1"
    part, extra = summarize_current(cur, kept)
    got = drift_from_saved(kept, part, extra).result.features[0]
    assert got.status == "skipped" and got.message == NO_TEXTS and "--reference FILE" in got.message
    lengths = drift_from_saved(kept, part, extra, config=DriftConfig(overrides={"message": {"test": "ks_bf"}}))
    by_file = drift(ref, cur, kinds=kinds, config=DriftConfig(overrides={"message": {"test": "ks_bf"}}))
    assert lengths.result.features[0].test == "ks_bf" and lengths.result.features[0].status == "ok"
    assert lengths.result.features[0].drifted == by_file.features[0].drifted
