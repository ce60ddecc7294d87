"""The trust report's scorecard: one pass/warn/fail check per area, with a plain-language reason.

``build_report(workspace, config)`` runs every area on the workspace (the same functions the
pages and the CLI call) and judges each result against ``ReportConfig`` thresholds:

- **Data quality**: the quality suite's worst finding (its own warn/fail thresholds);
- **Data drift**: fail when the dataset drifts (share of drifted columns ≥ the drift config's
  ``drift_share``), warn when some columns drift, else pass;
- **Stress tests**: the stress suite's verdict (flip-rate thresholds of the stress config);
- **Explanation shift**: fail when the contribution of the model's most important feature
  shifted, warn when another feature's did, else pass;
- **Performance**: the headline metric (accuracy, or MAE for regressors) on current against
  reference: with current labels the actual value, without them the label-free estimate
  (confidence-based for classifiers, importance weighting for regressors); warn or fail on the
  relative degradation (``warn_degradation``, ``fail_degradation``);
- **Uncertainty**: split-conformal sets calibrated on the reference at ``1 − alpha``: fail when
  current coverage is below target by ``fail_coverage_gap`` or more (beyond sampling noise),
  warn when below target beyond noise, else pass.

An area that cannot run (no model, no labels, an error) is "skipped" with its reason and does
not change the verdict. The overall verdict is the worst status. Without a model file (predictions
read from columns), performance and uncertainty run on those columns (uncertainty for classifiers
needs the probability columns); stress tests and explanation shift need the model itself and are
skipped with that reason.
"""

from __future__ import annotations

import math
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal

from robustness.configfile import known_settings, load_section
from robustness.errors import ConfigError, RobustnessError
from robustness.formatting import count, interval, number, share


def _json_safe(value):
    # imported on use: the story's pages read checks (robustness.report.story) without numpy or pandas
    from robustness.jsonsafe import to_json_safe

    return to_json_safe(value)


__all__ = ["Check", "ReportConfig", "TrustReport", "build_report", "STATUSES", "Status"]

#: A check's status; "skipped" (the area could not run) does not change the verdict.
Status = Literal["pass", "warn", "fail", "skipped"]
STATUSES: tuple[Status, ...] = ("pass", "warn", "fail", "skipped")
STATUS_RANK: dict[str, int] = {"skipped": -1, "pass": 0, "warn": 1, "fail": 2}  # worse is larger
AREAS = ("Data quality", "Data drift", "Stress tests", "Explanation shift", "Performance", "Uncertainty")
PACKAGES = (
    "numpy",
    "pandas",
    "scikit-learn",
    "scipy",
    "shap",
    "evidently",
    "plotly",
    "streamlit",
    "skops",
    "onnxruntime",
)


@dataclass(frozen=True)
class ReportConfig:
    warn_degradation: float = 0.05  # relative drop of accuracy (rise of MAE) that warns
    fail_degradation: float = 0.10
    alpha: float = 0.1  # conformal miscoverage level (90% sets)
    fail_coverage_gap: float = 0.05  # coverage this far below 1 - alpha fails
    seed: int = 0
    stress_rows: int = 2000
    explain_rows: int = 500
    n_boot: int = 200
    checks: tuple[str, ...] = AREAS  # which areas to run

    def __post_init__(self) -> None:
        for name in ("warn_degradation", "fail_degradation", "fail_coverage_gap"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not (0 <= v < 10 and math.isfinite(v)):
                raise ConfigError(f"The report setting '{name}' must be a number between 0 and 10, not {v!r}.")
        if self.warn_degradation > self.fail_degradation:
            raise ConfigError("warn_degradation must not exceed fail_degradation.")
        if not (isinstance(self.alpha, (int, float)) and 0 < self.alpha < 1):
            raise ConfigError(f"The report setting 'alpha' must be between 0 and 1 (e.g. 0.1), not {self.alpha!r}.")
        for name in ("seed", "stress_rows", "explain_rows", "n_boot"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < (0 if name in ("seed", "n_boot") else 10):
                raise ConfigError(f"The report setting '{name}' must be a whole number, not {v!r}.")
        checks = tuple(self.checks)
        unknown = [c for c in checks if c not in AREAS]
        if unknown:
            raise ConfigError(f"Unknown report check(s) {', '.join(map(repr, unknown))}. Valid: {', '.join(AREAS)}.")
        object.__setattr__(self, "checks", checks)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["checks"] = list(self.checks)
        return d

    @classmethod
    def from_dict(cls, d) -> ReportConfig:
        values = known_settings(d, cls, "report")
        if "checks" in values:
            values["checks"] = tuple(values["checks"])
        return cls(**values)

    @classmethod
    def from_file(cls, path) -> ReportConfig:
        return load_section(path, "report", cls.from_dict)


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    summary: str  # one sentence with the technical facts (test names, intervals)
    details: tuple[str, ...] = ()
    metrics: dict = field(default_factory=dict)  # numbers behind the verdict (aggregates only)
    seconds: float = 0.0
    plain: str = ""  # the same facts in words a stakeholder reads (no test names, p-values or jargon)
    effect: float = 0.0  # size of the effect on the model, to rank findings of one severity (see story.py)

    @property
    def plain_summary(self) -> str:
        return self.plain or self.summary

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "status": self.status,
            "summary": self.summary,
            "plain": self.plain_summary,
            "effect": round(float(self.effect), 4) if math.isfinite(self.effect) else None,
            "details": list(self.details),
            "metrics": _json_safe(self.metrics),
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True, eq=False)
class TrustReport:
    title: str
    checks: tuple[Check, ...]
    manifest: dict
    results: dict  # area -> the typed result (for charts); not serialised whole
    seconds: float

    @property
    def verdict(self) -> Status:
        judged = [c.status for c in self.checks if c.status != "skipped"]
        return max(judged, key=STATUS_RANK.__getitem__) if judged else "pass"

    def check(self, name: str) -> Check:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "verdict": self.verdict,
            "checks": [c.to_dict() for c in self.checks],
            "manifest": _json_safe(self.manifest),
            "seconds": round(self.seconds, 3),
        }


# -- manifest ---------------------------------------------------------------------------------------


def manifest(ws, config: ReportConfig, extra: dict | None = None) -> dict:
    from importlib.metadata import PackageNotFoundError, version

    versions: dict[str, str | None] = {}
    for pkg in ("robustness-dashboard",) + PACKAGES:
        try:
            versions[pkg] = version(pkg)
        except PackageNotFoundError:
            versions[pkg] = None
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": {
            "name": ws.model_name,
            "sha256": ws.model_sha256,
            "summary": None if ws.model is None else ws.model.summary().to_dict(),
        },
        "reference": {
            "name": ws.reference.name,
            "sha256": ws.reference.sha256,
            "rows": len(ws.reference.frame),
            "columns": len(ws.reference.frame.columns),
        },
        "current": {
            "name": ws.current.name,
            "sha256": ws.current.sha256,
            "rows": len(ws.current.frame),
            "columns": len(ws.current.frame.columns),
        },
        "scenario": ws.scenario,
        "roles": ws.roles.to_dict(),
        "kinds": {c: str(k.value) for c, k in ws.schema.kinds().items()},
        "config": config.to_dict(),
        "seed": config.seed,
        "python": platform.python_version(),
        "packages": versions,
        **(extra or {}),
    }


def _labelled_current(ws) -> bool:
    t = ws.roles.target
    return bool(t) and t in ws.current.frame.columns and ws.current.frame[t].notna().any()


# -- checks -----------------------------------------------------------------------------------------


def _names(items, limit: int = 4) -> str:
    items = list(items)
    shown = ", ".join(str(i) for i in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _quality(ws, config, results) -> Check:
    from robustness.quality import quality

    rep = results.get("quality") or quality(
        ws.reference.frame, ws.current.frame, kinds=ws.schema.kinds(), roles=ws.roles
    )
    results["quality"] = rep
    issues = rep.issues
    if not issues:
        return Check(
            "Data quality",
            "pass",
            "No data-quality problem found in the current data compared with the "
            "reference (missing values, types, ranges, categories, duplicates).",
            metrics={"issues": 0},
            plain="The current data has no quality problems compared with the reference.",
        )
    bad = sorted((f for f in issues if f.status == rep.status), key=lambda f: -_share(f))
    summary = f"{len(issues)} data-quality issue(s); the worst: {bad[0].message}"
    plain = (
        f"{len(issues)} data-quality problem{'s' if len(issues) != 1 else ''}; the worst: "
        f"{_first_sentence(bad[0].message)}"
    )
    return Check(
        "Data quality",
        rep.status,
        summary,
        tuple(f.message for f in issues[:10] if f is not bad[0]),
        {"issues": len(issues), "failing": sum(f.status == "fail" for f in issues)},
        plain=plain,
        effect=_share(bad[0]),
    )


def _share(finding) -> float:
    """The share of rows a quality finding touches, when its value is one (most are), else 0."""
    v = finding.value
    return float(v) if isinstance(v, (int, float)) and math.isfinite(v) and 0 <= v <= 1 else 0.0


def _first_sentence(text: str) -> str:
    head, sep, _ = text.partition(". ")
    return head + "." if sep else text


def _drift(ws, config, results) -> Check:
    from robustness.drift.run import run_drift

    run = results.get("drift") or run_drift(ws.reference, ws.current, roles=ws.roles, kinds=ws.schema.kinds())
    results["drift"] = run
    res = run.result
    drifted = [f.feature for f in res.features if f.drifted]
    tested = res.dataset.n_columns
    metrics = {"drifted": len(drifted), "tested": tested, "share": res.dataset.drifted_share}
    if not drifted:
        return Check(
            "Data drift",
            "pass",
            f"None of the {tested} input columns changed distribution significantly.",
            metrics=metrics,
            plain=f"None of the {tested} inputs changed between reference and current.",
        )
    status: Status = "fail" if res.dataset.drifted else "warn"
    summary = f"{len(drifted)} of {tested} input columns changed distribution ({_names(drifted)})" + (
        f", at or above the {share(res.dataset.share_threshold)} share that counts as dataset drift."
        if status == "fail"
        else ", below the share that counts as dataset drift."
    )
    details = tuple(
        f"{f.feature}: {f.test} statistic {number(f.statistic)}"
        + (f", p = {number(f.p_value)}" if f.p_value is not None else "")
        for f in res.features
        if f.drifted
    )
    plain = f"{len(drifted)} of {tested} inputs changed between reference and current ({_names(drifted)})" + (
        ": enough to count as a different dataset." if status == "fail" else "."
    )
    return Check(
        "Data drift", status, summary, details[:10], metrics, plain=plain, effect=float(res.dataset.drifted_share)
    )


def _stress(ws, config, results) -> Check:
    from robustness.stress import StressConfig, run_stress, worst_first
    from robustness.stress.wording import plain_summary

    target = ws.roles.target if _labelled_current(ws) else None
    res = results.get("stress") or run_stress(
        ws.model,
        ws.current.frame,
        target=target,
        reference=ws.reference.frame,
        kinds=ws.schema.kinds(),
        config=StressConfig(max_rows=config.stress_rows, seed=config.seed),
    )
    results["stress"] = res
    ordered = worst_first(res.verdicts)  # the true worst first, whatever order the result came in
    failing = [v for v in ordered if v.status in ("fail", "error")]
    warning = [v for v in ordered if v.status == "warn"]
    status: Status = res.verdict
    worst = ordered[0] if ordered else None
    # the worst verdict's effect; a model that cannot score the data at all counts as at least 1 (all lost)
    measured = [v.value for v in ordered if v.value is not None and math.isfinite(v.value)]
    if worst is None:
        effect = 0.0
    elif worst.status == "error" or worst.value is None:  # the value is None only on error
        effect = max([1.0, *measured])
    else:
        effect = float(worst.value)
    if status == "pass":
        summary = f"Predictions held under every perturbation (robustness score {count(res.score)}/100)."
    else:
        assert worst is not None  # a verdict other than pass comes from at least one perturbation
        summary = (
            f"{len(failing)} perturbation(s) fail and {len(warning)} warn (robustness score {count(res.score)}/100); "
            f"the worst: {worst.message}"
        )
    return Check(
        "Stress tests",
        status,
        summary,
        tuple(v.message for v in failing + warning)[:10],
        {
            "score": res.score,
            "failing": len(failing),
            "warning": len(warning),
            "worst": worst.perturbation if worst else None,
        },
        plain=plain_summary(res),
        effect=effect,
    )


def _explain(ws, config, results) -> Check:
    from robustness.explain import ExplainConfig, Explainer, explanation_shift

    ex = Explainer(ws.model, ws.reference.frame, config=ExplainConfig(rows=config.explain_rows, seed=config.seed))
    ref, cur = ex.explain(ws.reference.frame), ex.explain(ws.current.frame)
    shift = explanation_shift(ref, cur)
    results["explain"] = (ref, cur, shift)
    top = ref.importance()[0].feature
    shifted = shift.shifted
    metrics = {
        "shifted": len(shifted),
        "features": len(shift.features),
        "top_feature": top,
        "additivity_max_error": max(ref.additivity_max_error, cur.additivity_max_error),
    }
    if not shifted:
        return Check(
            "Explanation shift",
            "pass",
            f"What drives the predictions is unchanged: no feature's contribution "
            f"shifted between reference and current ({ex.method} SHAP, {cur.n_rows} rows each).",
            metrics=metrics,
            plain="The model weighs its inputs as it did on the reference data.",
        )
    status: Status = "fail" if top in shifted else "warn"
    summary = f"The contributions of {_names(shifted)} to the predictions shifted between reference and current" + (
        f", including {top}, the feature the model relies on most." if status == "fail" else "."
    )
    details = tuple(
        f"{f.feature}: mean |SHAP| {number(f.mean_abs_reference)} -> {number(f.mean_abs_current)}"
        for f in shift.features
        if f.shifted
    )
    plain = f"The model now weighs {_names(shifted)} differently than on the reference data" + (
        f", including {top}, the input it relies on most." if status == "fail" else "."
    )
    total = sum(f.mean_abs_reference for f in shift.features) or 1.0  # the reference's whole attribution
    changes = [abs(f.mean_abs_current - f.mean_abs_reference) / total for f in shift.features if f.shifted]
    return Check(
        "Explanation shift",
        status,
        summary,
        details[:10],
        metrics,
        plain=plain,
        effect=min(max(changes, default=0.0), 10.0),
    )


def _performance(ws, config, results) -> Check:
    from robustness.performance import estimate_performance, performance, reference_sanity

    target = ws.roles.target
    if not target or target not in ws.reference.frame.columns:
        return Check(
            "Performance",
            "skipped",
            "No target column in the reference data, so performance cannot be measured or estimated.",
        )
    headline = "accuracy" if ws.model.is_classifier else "mae"
    perf = performance(
        ws.model,
        ws.reference.frame,
        ws.current.frame if _labelled_current(ws) else None,
        target=target,
        n_boot=config.n_boot,
        seed=config.seed,
    )
    results["performance"] = perf
    sanity = results.get("reference_sanity") or reference_sanity(
        ws.model, ws.reference.frame, target=target, seed=config.seed
    )
    results["reference_sanity"] = sanity  # shared with _uncertainty: run once
    caveat = sanity.caveat  # "" unless the reference looks like the model's training data
    ref_m = perf.reference.metric(headline) if perf.reference else None
    ref_v = ref_m.value if ref_m is not None else None
    source = "measured on current labels"
    cur_m = perf.current.metric(headline) if perf.current is not None and perf.current.n_labelled else None
    if cur_m is None:
        # without a model file, importance weighting reads the data's input columns (a model file names its own)
        features = None if ws.has_model else ws.feature_columns()
        est = estimate_performance(
            ws.model, ws.reference.frame, ws.current.frame, target=target, features=features, seed=config.seed
        )
        results["estimate"] = est
        e = est.get("confidence" if ws.model.is_classifier and ws.model.has_proba else "weighting", headline)
        if e is None:
            return Check("Performance", "skipped", "The current data has no labels and no label-free estimate applies.")
        cur_m, source = e.metric, f"estimated without labels ({e.method})"
    cur_v = cur_m.value
    if ref_v is None or cur_v is None:
        return Check("Performance", "skipped", "The headline metric is undefined on the available labels.")
    higher = headline == "accuracy"
    change = (ref_v - cur_v) / abs(ref_v) if higher else (cur_v - ref_v) / abs(ref_v) if ref_v else math.inf
    status: Status = (
        "fail" if change >= config.fail_degradation else "warn" if change >= config.warn_degradation else "pass"
    )
    label = "Accuracy" if higher else "MAE"
    ci = f" (95% interval {interval(cur_m.low, cur_m.high)})" if cur_m.low is not None else ""
    verb = "rose" if cur_v > ref_v else "fell"
    how = "measured on current labels" if source.startswith("measured") else "estimated without labels"
    if higher:
        shown = (
            f"accuracy stayed at {share(cur_v)}"
            if share(cur_v) == share(ref_v)
            else f"accuracy {'fell' if cur_v < ref_v else 'rose'} from {share(ref_v)} to {share(cur_v)}"
        )
    else:
        times = f" ({number(cur_v / ref_v)} times as large)" if ref_v and cur_v / ref_v >= 1.5 else ""
        shown = f"average error {'grew' if cur_v > ref_v else 'shrank'} from {number(ref_v)} to {number(cur_v)}{times}"
    if status == "pass":
        summary = (
            f"{label} on current data is {number(cur_v)}{ci}, {source}, "
            f"against {number(ref_v)} on the reference: within tolerance."
        )
        plain = f"The model performs as on the reference data: {shown}, {how}."
    else:
        summary = (
            f"{label} {verb} from {number(ref_v)} on the reference to {number(cur_v)} on current data{ci}, {source}: "
            f"{share(abs(change))} worse."
        )
        plain = f"The model is less accurate on current data: {shown}, {how}."
    metrics = {
        "metric": headline,
        "reference": ref_v,
        "current": cur_v,
        "low": cur_m.low,
        "high": cur_m.high,
        "source": source,
        "relative_change": change,
    }
    plain = plain[0].upper() + plain[1:]
    if caveat:
        summary, plain, metrics["caveat"] = f"{summary} {caveat}", f"{plain} {caveat}", caveat
    return Check(
        "Performance",
        status,
        summary,
        (),
        metrics,
        plain=plain,
        effect=max(float(change), 0.0) if math.isfinite(change) else 10.0,
    )


def _uncertainty(ws, config, results) -> Check:
    from robustness.performance import conformal, reference_sanity

    target = ws.roles.target
    if not target or target not in ws.reference.frame.columns:
        return Check(
            "Uncertainty", "skipped", "No target column in the reference data to calibrate prediction sets on."
        )
    res = conformal(ws.model, ws.reference.frame, ws.current.frame, target=target, alpha=config.alpha)
    results["conformal"] = res
    sanity = results.get("reference_sanity") or reference_sanity(
        ws.model, ws.reference.frame, target=target, seed=config.seed
    )
    results["reference_sanity"] = sanity  # shared with _performance: run once
    caveat = sanity.caveat  # "" unless the reference looks like the model's training data
    extra = {"caveat": caveat} if caveat else {}
    c = res.current  # None when current has no labels
    if c is None or not _labelled_current(ws):  # normal for production data: said once, as a fact
        summary = f"Current data has no labels, so the coverage of the prediction {res.kind} cannot be checked."
        return Check(
            "Uncertainty",
            "skipped",
            f"{summary} {caveat}".strip(),
            metrics={"target": res.target, "size_current": res.size_current, **extra},
        )
    what = "prediction sets" if res.kind == "sets" else "prediction intervals"
    gap = res.target - c.coverage
    metrics = {"target": res.target, "coverage": c.coverage, "low": c.low, "high": c.high, "size": c.size, **extra}
    tail = f" {caveat}" if caveat else ""
    said = (
        f"When the model says it is {share(res.target)} sure"
        if res.kind == "sets"
        else f"The ranges the model gives for {share(res.target)} of cases"
    )
    if not res.lost_coverage:
        return Check(
            "Uncertainty",
            "pass",
            f"The {share(res.target)} {what} calibrated on the reference cover "
            f"{share(c.coverage)} of current rows: the model's uncertainty estimates still hold.{tail}",
            metrics=metrics,
            plain=f"The model's confidence is still honest: {said[0].lower() + said[1:]}, "
            f"it is right {share(c.coverage)} of the time.{tail}",
        )
    status: Status = "fail" if gap >= config.fail_coverage_gap else "warn"
    plain = (
        f"{said}, it is right only {share(c.coverage)} of the time on current data: it is over-confident."
        if res.kind == "sets"
        else f"{said} contain the true value for only {share(c.coverage)} of current rows: it is over-confident."
    )
    return Check(
        "Uncertainty",
        status,
        f"The {share(res.target)} {what} calibrated on the reference cover only "
        f"{share(c.coverage)} of current rows ({interval(c.low, c.high, share)}): the model is more often wrong than "
        f"it expects on current data.{tail}",
        metrics=metrics,
        plain=plain + tail,
        effect=max(gap, 0.0) / res.target,
    )


_AREAS: dict[str, Callable] = {
    "Data quality": _quality,
    "Data drift": _drift,
    "Stress tests": _stress,
    "Explanation shift": _explain,
    "Performance": _performance,
    "Uncertainty": _uncertainty,
}
#: Areas that call the model on inputs it has not scored (perturbed rows, SHAP's coalitions): they need the model
#: itself. Performance and uncertainty need only its outputs on the rows as given, which prediction columns hold.
_NEEDS_MODEL = {
    "Stress tests": "No model file was given, so the stress tests cannot run: they change the inputs and score "
    "them again with the model, and predictions read from columns exist only for the rows as they are. Give the "
    "model file to run them.",
    "Explanation shift": "No model file was given, so the explanation shift cannot be measured: SHAP values come "
    "from scoring the model on altered copies of each row, which predictions read from columns cannot do. Give "
    "the model file to run it.",
}
_NEEDS_PREDICTIONS = {"Performance", "Uncertainty"}
_NO_PREDICTIONS = (
    "No model file and no prediction columns were given, so this check cannot run: it compares the model's "
    "outputs with the labels. Give the model file, or name the prediction (and probability) columns."
)


def default_title(ws) -> str:
    """A report's title when none is given: the model and the current data's names."""
    return f"Trust report: {ws.model_name or 'model'} on {ws.current.name}"


def build_report(
    ws,
    config: ReportConfig | None = None,
    *,
    progress: Callable[[float, str], None] | None = None,
    title: str | None = None,
    precomputed: dict | None = None,
    manifest_extra: dict | None = None,
) -> TrustReport:
    """Run every configured area on the workspace and judge it (see the module docstring).

    ``precomputed``: typed results computed elsewhere (``"quality"``: QualityReport, ``"drift"``:
    DriftRun, ``"stress"``: StressResult), judged as they are: the Dask engine computes these on
    the whole datasets and passes a workspace of bounded samples for the other areas."""
    config = config or ReportConfig()
    start = time.perf_counter()
    checks, results = [], dict(precomputed or {})
    areas = [a for a in AREAS if a in config.checks]
    for i, area in enumerate(areas):
        if progress is not None:
            progress(i / len(areas), f"Checking {area.lower()}…")
        if area in _NEEDS_MODEL and not ws.has_model:
            checks.append(Check(area, "skipped", _NEEDS_MODEL[area]))
            continue
        if area in _NEEDS_PREDICTIONS and ws.model is None:
            checks.append(Check(area, "skipped", _NO_PREDICTIONS))
            continue
        began = time.perf_counter()
        try:
            check = _AREAS[area](ws, config, results)
        except RobustnessError as exc:
            check = Check(area, "skipped", f"Could not run: {exc}")
        checks.append(replace(check, seconds=time.perf_counter() - began))
    if progress is not None:
        progress(1.0, "Done")
    name = title or default_title(ws)
    return TrustReport(name, tuple(checks), manifest(ws, config, manifest_extra), results, time.perf_counter() - start)
