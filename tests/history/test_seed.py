"""The demo history `make run` shows: five weekly runs of the credit demo, the story developing."""

from __future__ import annotations

import pytest

from robustness.history import diff_runs, open_store
from robustness.history.seed import DEMO_PROJECT, seed_demo_history


@pytest.mark.slow  # five trust reports
def test_the_demo_history_tells_the_credit_story(tmp_path):
    with open_store(f"sqlite:///{tmp_path / 'runs.db'}") as store:
        ids = seed_demo_history(store)
        assert len(ids) == 5 and seed_demo_history(store) == []  # once only
        runs = store.list_runs(DEMO_PROJECT)
        assert [r.verdict for r in runs][0] == "pass" and runs[-1].verdict == "fail"
        assert all(b.created_at > a.created_at for a, b in zip(runs, runs[1:]))
        diffs = [diff_runs(store.get(a), store.get(b)) for a, b in zip(ids, ids[1:])]
        assert "income" in diffs[0].newly_drifted
        assert any("employment_type" in d.newly_drifted for d in diffs)
        assert diff_runs(store.get(ids[0]), store.get(ids[-1])).worse
        assert all(store.get(i).has_html for i in ids)
