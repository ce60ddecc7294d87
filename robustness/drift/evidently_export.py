"""Export the same comparison as an Evidently report (HTML and JSON), for teams that use it.

The columns, the test per column and its threshold come from our ``DriftResult``, so
the two reports compare like with like. Differences that remain, stated in the
export's note: no Benjamini–Hochberg correction in Evidently, its chi-square is a
goodness-of-fit test (ours: homogeneity), it has no significance guard on large
samples, and it bins numerical columns for PSI and Jensen–Shannon on the pooled data
(Sturges) where we use reference quantiles. Evidently's HTML embeds the raw
values of every column (about 5 MB per 10k rows): share it only where the data may go.

Evidently is imported only when an export is asked for: it takes seconds to import.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import pandas as pd

from robustness.drift.results import DriftResult
from robustness.errors import RobustnessError
from robustness.schema import ColumnKind

# our registry name -> Evidently's stattest name
EVIDENTLY_METHODS = {
    "ks": "ks",
    "chisquare": "chisquare",
    "z": "z",
    "wasserstein": "wasserstein",
    "jensenshannon": "jensenshannon",
    "psi": "psi",
    "hellinger": "hellinger",
}


@dataclass(frozen=True)
class EvidentlyExport:
    html: str
    json: str
    columns: tuple[str, ...]  # the columns in the export
    left_out: tuple[str, ...]  # tested by us but not expressible in Evidently (with the reason below)
    note: str


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
            out[c] = s.astype(str).where(s.notna(), None)  # labels as text, missing stays missing
        return out

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from evidently import DataDefinition, Dataset, Report
        from evidently.presets import DataDriftPreset

        definition = DataDefinition(numerical_columns=numerical, categorical_columns=categorical)
        preset = DataDriftPreset(
            columns=columns,
            drift_share=result.dataset.share_threshold,
            per_column_method=methods,
            per_column_threshold=thresholds,
        )
        snapshot = Report([preset]).run(
            Dataset.from_pandas(frame(current), data_definition=definition),
            Dataset.from_pandas(frame(reference), data_definition=definition),
        )
        html = snapshot.get_html_str(as_iframe=False)
        payload = snapshot.json()
    note = (
        "Same columns, tests and thresholds as the dashboard, with three differences: Evidently does not "
        "correct p-values for multiple testing (the dashboard uses Benjamini–Hochberg); its chi-square "
        "compares current counts with the reference's proportions (goodness of fit) where the dashboard "
        "tests homogeneity; and on large samples it decides by the distance alone, without the "
        "dashboard's significance guard. Its HTML embeds the raw values."
    )
    if left_out:
        note += f" Not exported (no Evidently equivalent): {', '.join(left_out)}."
    return EvidentlyExport(html=html, json=payload, columns=tuple(columns), left_out=tuple(left_out), note=note)
