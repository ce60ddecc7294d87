"""The number rule on the Performance page's 'Over time' table and the History page's runs table: both go through
dashboard.tables.show_table, so the cells show robustness.formatting's numbers (AppTest reads the Styler's display
values, what the browser shows) while the table keeps the numbers themselves for sorting."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit import dataframe_util

from robustness.formatting import count, number

ROOT = Path(__file__).resolve().parents[2]
PERFORMANCE = "pages/performance.py"
HISTORY = "pages/history.py"


def shown(element) -> pd.DataFrame:
    """The cells as the browser shows them: the Styler's display values; a table without a number to format is
    sent unstyled and shows its values as they are."""
    styler = element.proto.arrow_data.styler
    if not styler.display_values:
        return element.value.astype(str)
    return dataframe_util.convert_arrow_bytes_to_pandas_df(styler.display_values)


@pytest.mark.parametrize("path", ["dashboard/monitor_views.py", "pages/history.py", "dashboard/history.py"])
def test_no_table_bypasses_show_table(path):
    source = (ROOT / path).read_text()
    assert "st.dataframe(" not in source and "st.table(" not in source


def test_over_time_table_shows_numbers_in_the_one_format(app):
    app.switch_page(PERFORMANCE).run()
    app.segmented_control(key="performance_section").set_value("Over time").run()
    assert not app.exception, [e.value for e in app.exception]
    table = app.dataframe[-1]
    raw, cells = table.value, shown(table)
    assert table.proto.arrow_data.styler.display_values  # styled by show_table
    assert list(raw.columns) == list(cells.columns) and len(raw) == len(cells) == 26
    estimates = raw["estimate"].dropna()
    assert len(estimates) > 20
    for i, v in estimates.items():
        assert cells.loc[i, "estimate"] == number(v)  # e.g. 0.812, never 0.8123456
        assert len(cells.loc[i, "estimate"].replace("0.", "", 1)) <= 3
    assert [cells.loc[i, "rows"] for i in raw.index] == [count(v) for v in raw["rows"]]
    assert cells.loc[raw.index[-1], "realised"] == "–"  # no labels in the last window: the missing mark


def test_history_runs_table_keeps_run_ids_plain_and_its_selection(app, tmp_path, monkeypatch):
    from datetime import UTC, datetime, timedelta

    from robustness.history import open_store
    from tests.history.fakes import fake_report

    url = f"sqlite:///{tmp_path / 'runs.db'}"
    monkeypatch.setenv("ROBUSTNESS_DB", url)
    monkeypatch.delenv("ROBUSTNESS_DEMO_HISTORY", raising=False)
    t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
    with open_store(url) as store:
        ids = [store.save_json(fake_report()[0], project="credit", created_at=t0 + timedelta(days=i)) for i in range(2)]
    app.switch_page(HISTORY).run()
    assert not app.exception, [e.value for e in app.exception]
    (table,) = app.dataframe
    cells = shown(table)
    assert list(table.value["run"]) == ids[::-1]
    assert list(cells["run"]) == [str(i) for i in ids[::-1]]  # an id, not a count: no thousands separator
    assert table.proto.selection_mode  # a row is still picked from the table to open its scorecard
    assert f"Scorecard of run {ids[-1]}" in " ".join(m.value for m in app.markdown)
