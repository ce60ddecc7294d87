"""The Evidently export cannot run script carried in column names or category values.

Evidently's HTML embeds names and values as JSON inside <script> tags and draws them with
React and Plotly; the export renames names that are not plain text and HTML-escapes
values (robustness.drift.evidently_export). The browser test opens the HTML in headless
Chromium, expands every column's details (Plotly charts of the values), hovers the bars,
and checks that no dialog opened and that the report did render.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("evidently")

from robustness.drift import drift  # noqa: E402
from robustness.drift.evidently_export import evidently_report  # noqa: E402

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
SVG = '"><svg onload=alert(3)>'
CLOSE = "</script><script>alert(4)</script>"
ATTR = "' autofocus onfocus='alert(5)' x='"
LINK = '<a href="javascript:alert(6)">link</a>'
BARE_JS = "javascript:alert(7)"
TEMPLATE = "{{constructor.constructor('alert(8)')()}}"
DETAILS = "<details open ontoggle=alert(9)>"
IFRAME = '<iframe src="javascript:alert(10)"></iframe>'
MARKUP = [SCRIPT, IMG, SVG, CLOSE, ATTR, LINK, TEMPLATE, DETAILS, IFRAME]  # each holds one of & < > " '


def _frames(seed: int = 0, n: int = 300) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ten columns (one page of Evidently's table): payloads in six names and in the values of four."""
    rng = np.random.default_rng(seed)

    def one(shift: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "plain_number": rng.normal(shift, 1, n),
                SCRIPT: rng.normal(0, 1, n),
                IMG: rng.normal(shift, 1, n),
                SVG: rng.normal(0, 1, n),
                CLOSE: rng.normal(shift, 1, n),
                LINK: rng.normal(0, 1, n),
                "category": rng.choice(
                    [SCRIPT, IMG, SVG, CLOSE, ATTR, "plain"],
                    n,
                    p=[0.1 + shift / 10, 0.2, 0.2, 0.2, 0.2, 0.1 - shift / 10],
                ),
                ATTR: rng.choice([LINK, BARE_JS, TEMPLATE, IFRAME, "ok"], n),
                TEMPLATE: rng.choice(["x", DETAILS], n, p=[0.6 - shift / 5, 0.4 + shift / 5]),
                DETAILS: rng.choice([IMG, SVG], n),
            }
        )

    return one(0.0), one(0.5)


def _twin(ref: pd.DataFrame, cur: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same data with plain names and values (a one-to-one relabelling)."""
    names = {c: f"c{i}" for i, c in enumerate(ref.columns)}
    values = {v: f"v{i}" for i, v in enumerate(MARKUP + [BARE_JS])}

    def plain(df):
        out = df.rename(columns=names)
        for c in out.columns:
            if out[c].dtype == object:
                out[c] = out[c].map(lambda v: values.get(v, v))
        return out

    return plain(ref), plain(cur)


@pytest.fixture(scope="module")
def data():
    ref, cur = _frames()
    return ref, cur, drift(ref, cur)


@pytest.fixture(scope="module")
def export(data):
    ref, cur, result = data
    return evidently_report(ref, cur, result)


def _metrics(payload: str) -> dict[str, object]:
    return {m["metric_name"]: m["value"] for m in json.loads(payload)["metrics"]}


def test_html_and_json_hold_no_markup_from_the_data(export):
    report = json.loads(export.json)
    mapping = report.pop("renamed", {})  # the originals, for the reader: checked below
    for text in (export.html, json.dumps(report)):
        for payload in MARKUP:
            assert payload not in text
        # no tag written by the data (Evidently's own script has no "alert(")
        assert not re.search(r"<[a-zA-Z/!][^<>]*alert\(", text)
        assert not re.search(r"href\s*=\s*\\?[\"']?\s*javascript:", text, flags=re.IGNORECASE)
    # the values are there, escaped; the originals are in the mapping table as character references
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in export.html
    assert "&#60;script&#62;alert&#40;1&#41;&#60;&#47;script&#62;" in export.html
    # the JSON has the originals under "renamed", with < > & written as \u escapes
    assert SCRIPT in json.dumps(mapping, ensure_ascii=False)
    assert not set("<>&") & set(export.json)


def test_names_are_mapped_and_the_mapping_is_shown(export, data):
    ref = data[0]
    assert export.columns == tuple(ref.columns[:6]) + tuple(ref.columns[6:])  # our names, in export order
    assert export.renamed == {
        "col_2": SCRIPT,
        "col_3": IMG,
        "col_4": SVG,
        "col_5": CLOSE,
        "col_6": LINK,
        "col_8": ATTR,
        "col_9": TEMPLATE,
        "col_10": DETAILS,
    }
    assert set(export.escaped_values) == {"category", "col_8", "col_9", "col_10"}
    assert export.escaped_values["category"]["&lt;script&gt;alert(1)&lt;/script&gt;"] == SCRIPT
    assert BARE_JS not in export.escaped_values["col_8"].values()  # nothing to escape: inert text
    names = " ".join(_metrics(export.json))
    assert "column=col_2,method=ks" in names and "column=plain_number,method=ks" in names
    assert "column=category,method=chisquare" in names and "column=col_9,method=z" in names
    renamed = json.loads(export.json)["renamed"]
    assert {c["name"]: c["original"] for c in renamed["columns"]} == export.renamed
    assert {(v["column"], v["value"]): v["original"] for v in renamed["values"]} == {
        (c, shown): v for c, values in export.escaped_values.items() for shown, v in values.items()
    }
    for new, old in export.renamed.items():
        assert f"{new} = {json.dumps(old)}" in export.note
    assert "HTML-escaped" in export.note


def test_statistics_are_those_of_the_same_data_with_plain_names(export, data):
    ref, cur, result = data
    t_ref, t_cur = _twin(ref, cur)
    twin = evidently_report(t_ref, t_cur, drift(t_ref, t_cur))
    ours, theirs = _metrics(export.json), _metrics(twin.json)
    as_twin = {name: f"c{i}" for i, name in enumerate(ref.columns)}
    export_name = {old: new for new, old in export.renamed.items()}
    from robustness.drift.evidently_export import EVIDENTLY_METHODS

    for f in result.features:
        method = EVIDENTLY_METHODS.get(f.test, f.test)  # the export names Evidently's own test (ks_bf -> ks)
        key = f"ValueDrift(column={export_name.get(f.feature, f.feature)},method={method},threshold={f.threshold})"
        twin_key = f"ValueDrift(column={as_twin[f.feature]},method={method},threshold={f.threshold})"
        assert ours[key] == pytest.approx(theirs[twin_key], rel=1e-12, abs=0)
    (count,) = [v for k, v in ours.items() if k.startswith("DriftedColumnsCount")]
    (twin_count,) = [v for k, v in theirs.items() if k.startswith("DriftedColumnsCount")]
    assert count == twin_count and 0 < count["count"] < 10  # some drift, not all: both verdicts drawn
    # the structure of the page is Evidently's own: no script element added or cut short by the data
    for tag in ("<script", "</script"):
        assert export.html.lower().count(tag) == twin.html.lower().count(tag)


@pytest.mark.e2e
def test_the_report_renders_in_chromium_without_running_the_payloads(export, tmp_path, browser_page):
    from playwright.sync_api import Error as PlaywrightError

    page = browser_page  # tests/e2e: headless Chromium, 1440x1000, screenshot in test-artifacts/ on failure
    path = tmp_path / "evidently.html"
    path.write_text(export.html, encoding="utf-8")
    n_drifted = int(next(v for k, v in _metrics(export.json).items() if k.startswith("DriftedColumnsCount"))["count"])
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    failure = None
    try:
        page.get_by_text("Drifted Columns").first.wait_for(timeout=30_000)
        # every column's details: Plotly charts whose labels are the category values
        toggles = page.get_by_label("Detail panel visibility toggle")
        n = toggles.count()
        for i in range(n):
            toggles.nth(i).click()
        page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot').length >= {n}")
        bars = page.locator(".js-plotly-plot .point")
        for i in range(bars.count()):
            bars.nth(i).hover(force=True, timeout=5_000)
    except PlaywrightError as e:  # the dialogs are the finding; a page that did not render, the next
        failure = e
    page.wait_for_timeout(500)  # a late dialog would have opened by now
    assert dialogs == [], f"{len(dialogs)} dialogs opened: {sorted(set(dialogs))}"
    assert failure is None, f"the report did not render: {failure}"
    assert errors == []
    # it rendered: Evidently's summary, the renamed columns, one chart per column
    assert n == 10
    body = page.inner_text("body")
    assert re.search(rf"\b{n_drifted}\s+Drifted Columns", body), body[:2000]
    cells = page.locator('td[data-testid="mtablecell"]')  # Evidently's table of columns
    for name in ("plain_number", "category", "col_2", "col_10"):
        assert cells.filter(has_text=re.compile(rf"^{name}$")).count() == 1
    # the mapping table shows the originals as text; the charts show the values as written
    table = page.locator("#robustness-renamed").inner_text()
    for original in (SCRIPT, IMG, SVG, CLOSE, LINK, ATTR, TEMPLATE, DETAILS):
        assert original in table
    ticks = page.evaluate("[...document.querySelectorAll('.xtick text')].map(e => e.textContent)")
    for value in (SCRIPT, SVG, LINK, BARE_JS, TEMPLATE, IFRAME):
        assert value in ticks
    # nothing from the data became an element or a link
    assert (
        page.evaluate(
            "document.querySelectorAll('[onerror],[onload],[onfocus],[ontoggle],iframe,"
            "details,#robustness-renamed script,#robustness-renamed img').length"
        )
        == 0
    )
    links = page.evaluate(
        "[...document.querySelectorAll('a')].map(a => a.getAttribute('href') || a.getAttribute('xlink:href') || '')"
    )
    assert not [h for h in links if "javascript" in h.lower()]
