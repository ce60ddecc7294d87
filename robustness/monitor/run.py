"""``monitor``: label-free performance per window of current data, with reference bands, alerts and drift.

1. The current data is cut into windows (calendar periods of a timestamp, or chunks of rows).
2. Per window, every applicable estimator (``robustness.monitor.estimators``) gives each metric with
   an interval; where the window has labels, the realised metric sits beside it.
3. The reference is cut the same way (its own periods when it has the timestamp, else chunks of the
   window size); each metric's realised values over those chunks give its band (mean ± 3 sd, widened
   for a window's size). A window whose headline estimate (or realised value) leaves the band alerts.
4. Drift of the inputs and of the model's outputs per window comes from
   ``robustness.drift.windows.drift_over_time`` on the same windows; a column whose drift effect
   exceeds its own reference band and whose test fires alerts (either alone flagged every window of
   NannyML's unshifted car-loan chunks now and then), and the window lists the columns whose test fired.

The headline estimate of a metric is the confidence-based one for classifiers with probabilities,
importance weighting otherwise (regressors, classifiers without probabilities); ATC is shown beside.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from robustness.errors import ConfigError, DataError
from robustness.formatting import number
from robustness.models import ModelAdapter
from robustness.monitor import estimators as est
from robustness.monitor.inputs import Outputs, class_codes, outputs, prediction_columns
from robustness.monitor.results import Alert, Band, MetricEstimate, MonitorResult, MonitorWindow
from robustness.monitor.windows import cut, parse_period
from robustness.performance.metrics import LABELS, Labelled

__all__ = ["MIN_LABELLED_REFERENCE", "monitor"]

MIN_LABELLED_REFERENCE = 50
METHODS = ("confidence", "atc", "weighting")
PRED_COLUMN = "(prediction)"


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else number(x)


def monitor(
    model: ModelAdapter,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    target: str,
    timestamp: str | None = None,
    period: str | None = None,
    chunk: int | None = None,
    features: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    methods: Sequence[str] = METHODS,
    drift: bool = True,
    min_rows: int = 30,
    n_draws: int = 500,
    level: float = 0.95,
    seed: int = 0,
    max_weighting_rows: int = 5_000,
) -> MonitorResult:
    """Monitor ``current`` window by window against ``reference`` (see the module docstring).

    ``period``: "day", "week", "month", "quarter" (needs ``timestamp``); else ``chunk`` rows per window
    (default: a tenth of the rows). ``features``: the inputs for importance weighting and drift
    (default: the model's, else every column but the target, timestamp, prediction columns and
    ``exclude``)."""
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ConfigError(f"Unknown estimator(s) {unknown}; choose among {', '.join(METHODS)}.")
    if chunk is not None and period is not None:
        raise ConfigError("Give windows by calendar period (--period) or by row count (--chunk), not both.")
    if chunk is not None and int(chunk) < 1:
        raise ConfigError(f"The chunk size must be at least 1 row, not {chunk}.")
    p = parse_period(period) if period is not None else None
    if p is not None and timestamp is None:
        raise ConfigError(
            "Windows by calendar period (--period) need a timestamp column: name it with --timestamp, "
            "or use windows of a row count (--chunk)."
        )
    if target not in reference.columns:
        raise DataError(
            f"The reference data has no target column '{target}'. Estimating performance without labels calibrates "
            "on a labelled reference: give the reference with its labels, or name the label column with --target."
        )
    has_label = reference[target].notna().to_numpy()
    if has_label.sum() < MIN_LABELLED_REFERENCE:
        raise DataError(
            f"Only {int(has_label.sum())} reference rows have a label in '{target}'; estimating performance without "
            f"labels needs at least {MIN_LABELLED_REFERENCE} labelled reference rows to calibrate on."
        )
    if len(current) == 0:
        raise DataError("The current data has no rows; there is nothing to monitor.")
    ref = reference.loc[has_label]
    ref_out, cur_out = outputs(model, ref, "reference"), outputs(model, current, "current")
    classifier = model.is_classifier
    classes = list(model.classes or []) if classifier else None
    k = len(classes) if classes else None
    d_ref = _labelled(ref[target], ref_out, classes, target, "reference")
    has_proba = ref_out.proba is not None
    notes: list[str] = []
    if classifier and d_ref.n_unknown:
        notes.append(
            f"{d_ref.n_unknown:,} reference labels are not among the model's classes; the estimators leave them out."
        )

    metrics = (
        tuple(m for m in est.CLASS_METRICS if m != "roc_auc" or has_proba) if classifier else est.REGRESSION_METRICS
    )
    role_cols = {target, timestamp, *exclude, *prediction_columns(model)}
    feats = [
        c
        for c in (features or model.feature_names or [c for c in reference.columns if c not in role_cols])
        if c in reference.columns and c in current.columns and c not in role_cols
    ]
    use = [m for m in methods if (m != "weighting" or feats) and (m == "weighting" or (classifier and has_proba))]
    if "weighting" in methods and not feats:
        notes.append("No input columns are shared by both datasets, so importance weighting cannot run.")
    if classifier and not has_proba and any(m != "weighting" for m in methods):
        notes.append("The model gives no class probabilities: only importance weighting estimates its performance.")
    if not use:
        raise ConfigError(
            "No estimator applies: the confidence-based and ATC estimates need class probabilities, and importance "
            "weighting needs input columns present in both datasets. Give --proba or --proba-prefix, or the inputs."
        )
    primary = tuple(
        (m, "confidence" if "confidence" in use else "weighting")
        for m in metrics
        if "confidence" in use or "weighting" in use
    )

    rng = np.random.default_rng(seed)
    fit = None
    known = d_ref.y >= 0 if classifier else np.ones(d_ref.n, bool)
    P_ref = d_ref.proba
    if classifier and P_ref is not None and {"confidence", "atc"} & set(use):
        if len(np.unique(d_ref.y[known])) < 2:
            raise DataError(
                f"The reference labels in '{target}' hold one class only, so probabilities cannot be calibrated on "
                "them. Give a reference with every class labelled."
            )
        fit = est.fit_reference(P_ref[known], d_ref.y[known], d_ref.pred[known], rng=rng, atc="atc" in use)
    w_rows = np.flatnonzero(known)
    if len(w_rows) > max_weighting_rows:
        w_rows = np.sort(rng.choice(w_rows, max_weighting_rows, replace=False))

    chunk_eff = int(chunk) if chunk else None
    if p is None and chunk_eff is None:
        n_valid = len(current) if timestamp is None else int(pd.notna(current[timestamp]).sum())
        chunk_eff = max(n_valid // 10, 1)
    parts, n_missing = cut(current, timestamp=timestamp, period=p, chunk=chunk_eff)
    if n_missing:
        notes.append(f"{n_missing:,} current row(s) without a timestamp were left out.")
    labels = current[target] if target in current.columns else None

    windows = []
    for i, (start, end, pos) in enumerate(parts):
        wrng = np.random.default_rng([seed, i])
        n = len(pos)
        realised: tuple = ()
        n_lab = 0
        if labels is not None:
            lab = labels.iloc[pos].notna().to_numpy()
            n_lab = int(lab.sum())
            if n_lab:
                sub = Outputs(
                    cur_out.pred[pos][lab],
                    None if cur_out.codes is None else cur_out.codes[pos][lab],
                    None if cur_out.proba is None else cur_out.proba[pos][lab],
                )
                values = _realised(_labelled(labels.iloc[pos][lab], sub, classes, target, "current"), k, metrics)
                realised = tuple((m, values.get(m)) for m in metrics)
        if n < min_rows:
            windows.append(
                MonitorWindow(
                    i, start, end, n, "too_few_rows",
                    f"Only {n} rows (at least {min_rows} are needed to estimate); not estimated.",
                    (), primary, n_lab, realised, (), (),
                )
            )  # fmt: skip
            continue
        estimates: list[MetricEstimate] = []
        # fitted exactly when the confidence-based or ATC estimate is asked of a classifier with probabilities
        if fit is not None and cur_out.proba is not None and cur_out.codes is not None:
            P, codes = cur_out.proba[pos], cur_out.codes[pos]
            if "confidence" in use:
                for m, (v, lo, hi) in est.confidence(
                    fit, P, codes, metrics=metrics, n_draws=n_draws, level=level, rng=wrng
                ).items():
                    estimates.append(MetricEstimate(m, "confidence", v, lo, hi))
            if "atc" in use:
                v, lo, hi = est.atc(fit, P, codes, level=level, n_draws=n_draws, rng=wrng)
                estimates.append(MetricEstimate("accuracy", "atc", v, lo, hi))
        if "weighting" in use:
            from robustness.performance.estimate import density_ratio

            w = density_ratio(ref.iloc[w_rows][feats], current.iloc[pos][feats], seed)
            for m, (v, lo, hi) in est.weighting(
                w,
                d_ref.y[w_rows],
                d_ref.pred[w_rows],
                k=k,
                n_window=n,
                score=None if d_ref.proba is None else d_ref.proba[w_rows],
                metrics=metrics,
                level=level,
                rng=wrng,
            ).items():
                estimates.append(MetricEstimate(m, "weighting", v, lo, hi))
        windows.append(MonitorWindow(i, start, end, n, "ok", "", tuple(estimates), primary, n_lab, realised, (), ()))

    bands, band_note = _bands(ref, ref_out, target, classes, k, metrics, timestamp, p, chunk_eff, windows, min_rows)
    if band_note:
        notes.append(band_note)
    drift_result = None
    if drift and feats:
        drift_result, drift_note = _drift(
            reference, current, model, feats, timestamp, p, chunk_eff, min_rows, len(parts), ref_out, cur_out, has_label
        )
        if drift_note:
            notes.append(drift_note)
    windows = [_judge(w, bands, drift_result) for w in windows]
    return MonitorResult(
        task=model.task.value,
        classes=None if classes is None else tuple(classes),
        metrics=metrics,
        methods=tuple(m for m in METHODS if m in use),
        windows=tuple(windows),
        bands=tuple(bands),
        window="period" if p else "chunk",
        chunk=None if p else chunk_eff,
        period=p,
        ordered_by=timestamp or "row order",
        reference_rows=int(len(ref)),
        level=level,
        drift=drift_result,
        notes=tuple(notes),
    )


def _labelled(y_raw: pd.Series, out: Outputs, classes, target: str, name: str) -> Labelled:
    if classes is None:
        y = pd.to_numeric(y_raw, errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(y)
        if bad.any():
            raise DataError(
                f"The target '{target}' in the {name} data holds {int(bad.sum())} value(s) that are not numbers (for "
                f"example {str(y_raw[bad].iloc[0])[:30]!r}); a regressor's target must be numbers."
            )
        return Labelled(y, out.pred.astype(float), None, None)
    y = class_codes(y_raw.to_numpy(), classes)
    assert out.codes is not None  # outputs() codes every classifier's predictions
    return Labelled(y, out.codes, out.proba, tuple(str(c) for c in classes), int((y < 0).sum()))


def _realised(d: Labelled, k: int | None, metrics) -> dict[str, float | None]:
    return est.realised(d.y, d.pred, d.proba, k=k, metrics=metrics)


def _bands(ref, ref_out, target, classes, k, metrics, timestamp, p, chunk, windows, min_rows):
    """Per metric: the band from its realised values over the reference's own chunks."""
    sizes = [w.rows for w in windows if w.status == "ok"]
    if p is not None and timestamp in ref.columns:
        parts, _ = cut(ref, timestamp=timestamp, period=p, chunk=None, name="reference")
        how = "periods"
    else:
        size = chunk if chunk else int(np.median(sizes)) if sizes else 0
        if size < 1:
            return [], "No window has enough rows, so there are no reference bands."
        ts = timestamp if timestamp in ref.columns else None
        parts, _ = cut(ref, timestamp=ts, period=None, chunk=size, name="reference")
        how = f"chunks of {size:,} rows"
    values: dict[str, list[float]] = {m: [] for m in metrics}
    rows = []
    for _, _, pos in parts:
        if len(pos) < min_rows:
            continue
        sub = Outputs(
            ref_out.pred[pos],
            None if ref_out.codes is None else ref_out.codes[pos],
            None if ref_out.proba is None else ref_out.proba[pos],
        )
        pm = _realised(_labelled(ref[target].iloc[pos], sub, classes, target, "reference"), k, metrics)
        rows.append(len(pos))
        for m in metrics:
            value = pm.get(m)
            if value is not None and np.isfinite(value):
                values[m].append(float(value))
    bands = []
    for m in metrics:
        v = np.array(values[m])
        if len(v) >= 3:
            bands.append(Band(m, float(v.mean()), float(v.std(ddof=1)), int(np.median(rows)), len(v), tuple(v)))
    if len(bands) < len(metrics):
        return bands, (
            f"The reference gives fewer than 3 {how} with at least {min_rows} rows for some metrics, so they have no "
            "band and cannot alert. Use smaller windows or a longer reference."
        )
    return bands, ""


def _drift(reference, current, model, feats, timestamp, p, chunk, min_rows, n_windows, ref_out, cur_out, has_label):
    """Per-window drift of the inputs and of the model's outputs, on the same windows."""
    from robustness.drift.windows import drift_over_time

    cols = list(feats) + ([timestamp] if timestamp else [])
    ref_frame, cur_frame = reference[cols].copy(), current[cols].copy()
    out_cols = [PRED_COLUMN]
    for frame, out, rows in ((ref_frame, ref_out, has_label), (cur_frame, cur_out, None)):
        if rows is not None:  # ref_out holds the labelled reference rows only
            frame.drop(frame.index[~rows], inplace=True)
        frame[PRED_COLUMN] = out.pred.astype(str) if model.is_classifier else out.pred
    if ref_out.proba is not None and ref_out.proba.shape[1] == 2:
        name = f"(probability of {model.classes[1]})"
        ref_frame[name], cur_frame[name] = ref_out.proba[:, 1], cur_out.proba[:, 1]
        out_cols.append(name)
    res = drift_over_time(
        ref_frame,
        cur_frame,
        features=list(feats) + out_cols,
        timestamp=timestamp,
        window="period" if p else "size",
        size=chunk,
        period=p,
        min_rows=min_rows,
        max_windows=max(60, n_windows),
    )
    if len(res.windows) != n_windows:
        return None, "Drift per window could not be lined up with the estimate windows, so it is left out."
    return res, ""


def _judge(w: MonitorWindow, bands: list[Band], drift) -> MonitorWindow:
    from dataclasses import replace

    band_rows = tuple((b.metric, *b.limits(w.rows)) for b in bands)
    alerts: list[Alert] = []
    drifted: tuple[str, ...] = ()
    above: tuple[str, ...] = ()
    if w.status == "ok":
        for b in bands:
            lo, hi = b.limits(w.rows)
            e = w.estimate(b.metric)
            checks = [] if e is None else [(e.method, e.value, "estimated")]
            r = w.realised_value(b.metric)
            if r is not None and w.labelled_rows >= w.rows / 2:
                checks.append(("realised", r, "realised"))
            for method, value, what in checks:
                if value is not None and not lo <= value <= hi:
                    side = "below" if value < lo else "above"
                    alerts.append(
                        Alert(
                            "performance",
                            b.metric,
                            method,
                            value,
                            lo,
                            hi,
                            (),
                            f"{what} {LABELS.get(b.metric, b.metric)} {_fmt(value)} is {side} the reference band "
                            f"{_fmt(lo)}-{_fmt(hi)}",
                        )
                    )
    if drift is not None:
        dw = drift.windows[w.index]
        flags = drift.above_band()[w.index]
        drifted = tuple(c for c, d in zip(drift.features, dw.drifted) if d)
        above = tuple(c for c, a in zip(drift.features, flags) if a)
        alerting = tuple(c for c in above if c in drifted)  # beyond the reference's own variability, and significant
        if alerting and w.status == "ok":
            alerts.append(
                Alert(
                    "drift",
                    None,
                    None,
                    None,
                    None,
                    None,
                    alerting,
                    f"drift beyond the reference band in {len(alerting)} column(s): {', '.join(alerting[:5])}"
                    + (" ..." if len(alerting) > 5 else ""),
                )
            )
    return replace(w, band=band_rows, alerts=tuple(alerts), drifted=drifted, above_band=above)
