"""Export the same comparison as an Evidently report (HTML and JSON), for teams that use it.

The columns, the test per column and its threshold come from our ``DriftResult``, so
the two reports compare like with like. Differences that remain, stated in the
export's note: no Benjamini–Hochberg correction in Evidently, its chi-square is a
goodness-of-fit test (ours: homogeneity), it has no significance guard on large
samples, and it bins numerical columns for PSI and Jensen–Shannon on the pooled data
(Sturges) where we use reference quantiles. Evidently's HTML embeds the raw
values of every column (about 5 MB per 10k rows): share it only where the data may go.

Names and values that could carry markup. Evidently's HTML embeds column names and
category values as JSON inside ``<script>`` tags and draws them with React and Plotly,
unescaped: a ``</script>`` in a name or value ends the script early and the rest of the
text runs as HTML, and Plotly turns tags such as ``<a href>`` in labels into markup. So
Evidently only ever sees text that cannot carry markup:

- a column name that is not plain text (letters, digits, ``_ .-()%/+`` and spaces) is
  renamed ``col_<n>``, n being its position in the export;
- a category value is HTML-escaped (``& < > " '`` become entities): the change is
  one-to-one, so every count and statistic is the same; Evidently's charts (Plotly)
  show the value as written, its tables show the entities (``&lt;``); a value without
  those five characters, such as ``javascript:x`` or ``{{x}}``, is inert text in both.

The mapping is in the note, in a table at the top of the HTML (escaped) and under
``"renamed"`` in the JSON. Evidently is imported only when an export is asked for: it
takes seconds to import.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field

import pandas as pd

from robustness.drift.results import DriftResult
from robustness.errors import RobustnessError
from robustness.schema import ColumnKind

# our registry name -> Evidently's stattest name
EVIDENTLY_METHODS = {
    "ks_bf": "ks",  # Evidently has no spread test: its KS alone (the note says so)
    "ks": "ks",
    "cramervonmises": "cramer_von_mises",
    "chisquare": "chisquare",
    "z": "z",
    "wasserstein": "wasserstein",
    "jensenshannon": "jensenshannon",
    "psi": "psi",
    "hellinger": "hellinger",
}

_PLAIN_NAME = re.compile(r"[\w .()%/+-]*\w[\w .()%/+-]*")
_ESCAPE_VALUE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"})
_NOTE_LISTS_AT_MOST = 10


@dataclass(frozen=True)
class EvidentlyExport:
    html: str
    json: str
    columns: tuple[str, ...]  # the columns in the export (our names)
    left_out: tuple[str, ...]  # tested by us but not expressible in Evidently (with the reason below)
    note: str
    renamed: dict[str, str] = field(default_factory=dict)  # name in the export -> column name, renamed ones only
    escaped_values: dict[str, dict[str, str]] = field(default_factory=dict)  # export column -> {shown: value}


def evidently_report(reference: pd.DataFrame, current: pd.DataFrame, result: DriftResult) -> EvidentlyExport:
    """Run Evidently's DataDriftPreset with our per-column tests and thresholds."""
    numerical, categorical, methods, thresholds, left_out = [], [], {}, {}, []
    for f in result.features:
        if f.status != "ok":
            continue
        method = EVIDENTLY_METHODS.get(f.test)
        if method is None or f.kind in (ColumnKind.TEXT, ColumnKind.ID):
            left_out.append(f.feature)
            continue
        if f.kind in (ColumnKind.NUMERICAL, ColumnKind.DATETIME):
            numerical.append(f.feature)
        else:
            categorical.append(f.feature)
        methods[f.feature] = method
        thresholds[f.feature] = f.threshold
    columns = numerical + categorical
    if not columns:
        raise RobustnessError("No column was tested for drift, so there is nothing to export to Evidently.")
    name = export_names(columns)
    escaped = {name[c]: _escaped_values(reference[c], current[c]) for c in categorical}
    escaped = {c: values for c, values in escaped.items() if values}

    def frame(df: pd.DataFrame) -> pd.DataFrame:
        out = df[columns].copy()
        for c in numerical:
            s = out[c]
            if pd.api.types.is_datetime64_any_dtype(s):
                out[c] = s.astype("int64") / 1e9
            else:
                out[c] = pd.to_numeric(s, errors="coerce")
        for c in categorical:
            s = out[c]
            text = s.astype(str)  # labels as text, missing stays missing
            shown = {v: k for k, v in escaped.get(name[c], {}).items()}
            if shown:
                text = text.map(shown).fillna(text)
            text = text.astype(object)
            text[s.isna().to_numpy()] = None
            out[c] = text
        return out.rename(columns=name)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from evidently import DataDefinition, Dataset, Report
        from evidently.presets import DataDriftPreset

        definition = DataDefinition(
            numerical_columns=[name[c] for c in numerical], categorical_columns=[name[c] for c in categorical]
        )
        preset = DataDriftPreset(
            columns=[name[c] for c in columns],
            drift_share=result.dataset.share_threshold,
            per_column_method={name[c]: m for c, m in methods.items()},
            per_column_threshold={name[c]: t for c, t in thresholds.items()},
        )
        snapshot = Report([preset]).run(
            Dataset.from_pandas(frame(current), data_definition=definition),
            Dataset.from_pandas(frame(reference), data_definition=definition),
        )
        html = snapshot.get_html_str(as_iframe=False)
        payload = snapshot.json()
    renamed = {new: old for old, new in name.items() if new != old}
    note = (
        "Same columns, tests and thresholds as the dashboard, with four differences: Evidently does not "
        "correct p-values for multiple testing (the dashboard uses Benjamini–Hochberg); its chi-square "
        "compares current counts with the reference's proportions (goodness of fit) where the dashboard "
        "tests homogeneity; for numbers it runs KS alone where the dashboard adds a Brown–Forsythe test "
        "of the spread (ks_bf); and it has no practical thresholds (the dashboard also requires a change "
        "of at least min_shift_sd, min_spread_ratio, ... ). Its HTML embeds the raw values."
    )
    note += _renaming_note(renamed, escaped)
    if renamed or escaped:
        html = _with_mapping_table(html, renamed, escaped)
        payload = _with_mapping_json(payload, renamed, escaped)
    if left_out:
        note += f" Not exported (no Evidently equivalent): {', '.join(left_out)}."
    return EvidentlyExport(
        html=html,
        json=payload,
        columns=tuple(columns),
        left_out=tuple(left_out),
        note=note,
        renamed=renamed,
        escaped_values=escaped,
    )


def export_names(columns: list[str]) -> dict[str, str]:
    """Column name -> name in the export: plain names stay, others become ``col_<position>``."""
    plain = {c for c in columns if _PLAIN_NAME.fullmatch(c)}
    taken = set(plain)
    names = {}
    for i, c in enumerate(columns, start=1):
        if c in plain:
            names[c] = c
            continue
        new = f"col_{i}"
        while new in taken:
            new += "_"
        taken.add(new)
        names[c] = new
    return names


def _escaped_values(reference: pd.Series, current: pd.Series) -> dict[str, str]:
    """Value as shown in the export -> value as text, for the values that HTML escaping changes."""
    out = {}
    for s in (reference, current):
        for v in pd.unique(s[s.notna()].astype(str)):
            shown = v.translate(_ESCAPE_VALUE)
            if shown != v:
                out[shown] = v
    return out


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # quotes it and spells out control characters


def _renaming_note(renamed: dict[str, str], escaped: dict[str, dict[str, str]]) -> str:
    note = ""
    if renamed:
        pairs = [f"{new} = {_quoted(old)}" for new, old in list(renamed.items())[:_NOTE_LISTS_AT_MOST]]
        more = len(renamed) - len(pairs)
        note += (
            f" Column names that could carry markup are renamed in the export ({len(renamed)}): "
            f"{'; '.join(pairs)}{f'; and {more} more' if more > 0 else ''}."
        )
    if escaped:
        cols = list(escaped)[:_NOTE_LISTS_AT_MOST]
        more = len(escaped) - len(cols)
        note += (
            f" Category values containing & < > \" ' are HTML-escaped in the export (Evidently's charts "
            f"show them as written, its tables as &lt; and the like), in {', '.join(cols)}"
            f"{f' and {more} more columns' if more > 0 else ''}."
        )
    if renamed or escaped:
        note += ' The table at the top of the HTML and "renamed" in the JSON give every original.'
    return note


def _text(value: str) -> str:
    """HTML text for any string: every character but letters, digits, space and _ . - as a reference."""
    return "".join(c if c.isalnum() or c in " _.-" else f"&#{ord(c)};" for c in value)


_CELL = 'style="border: 1px solid #ccc; padding: 2px 8px; text-align: left; white-space: pre-wrap"'


def _with_mapping_table(html: str, renamed: dict[str, str], escaped: dict[str, dict[str, str]]) -> str:
    rows = "".join(
        f"<tr><td {_CELL}>{_text(new)}</td><td {_CELL}>{_text(old)}</td></tr>" for new, old in renamed.items()
    )
    parts = [
        '<section id="robustness-renamed" style="font-family: sans-serif; margin: 16px 40px">',
        "<h3>Names changed in this export</h3>",
        "<p>Names and values that could carry markup are changed before Evidently sees them, "
        "so that the report cannot run script from the data. Statistics are unchanged.</p>",
    ]
    if renamed:
        parts.append(
            f'<table style="border-collapse: collapse"><tr><th {_CELL}>Name in this report</th>'
            f"<th {_CELL}>Column in the data</th></tr>{rows}</table>"
        )
    if escaped:
        cols = ", ".join(_text(c) for c in escaped)
        parts.append(
            f"<p>Category values containing &amp; &lt; &gt; &#34; &#39; are HTML-escaped (the charts "
            f"show them as written, the tables as &amp;lt; and the like), in: {cols}.</p>"
        )
    parts.append("</section>")
    block = "".join(parts)
    body = re.search(r"<body[^>]*>", html, flags=re.IGNORECASE)
    at = body.end() if body else 0
    return html[:at] + block + html[at:]


def _with_mapping_json(payload: str, renamed: dict[str, str], escaped: dict[str, dict[str, str]]) -> str:
    data = json.loads(payload)
    data["renamed"] = {
        "about": "Evidently saw these names and values instead of the ones in the data, so that its report "
        "cannot run markup carried in them; statistics are unchanged.",
        "columns": [{"name": new, "original": old} for new, old in renamed.items()],
        "values": [
            {"column": c, "value": shown, "original": v} for c, values in escaped.items() for shown, v in values.items()
        ],
    }
    text = json.dumps(data)
    # < > & only occur inside JSON strings: \u escapes keep the data and any HTML parser at bay
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
