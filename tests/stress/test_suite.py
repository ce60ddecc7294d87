"""The stress suite on the demo scenarios: measures, failures as findings, batching, JSON contract."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, mean_absolute_error, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import robustness.stress.suite as suite_mod
from robustness.demo import load_scenario
from robustness.errors import ConfigError, ModelError
from robustness.formatting import share
from robustness.models import Task, from_estimator
from robustness.stress.config import StressConfig
from robustness.stress.perturbations import ReferenceStats, perturb, registry
from robustness.stress.suite import run_stress, sample_rows

SEVERITIES = StressConfig().severities


class Counting:
    """Delegates to an adapter and counts its model calls (and rows scored)."""

    def __init__(self, model):
        self._model = model
        self.calls: list[tuple[str, int]] = []

    def __getattr__(self, name):
        return getattr(self._model, name)

    def predict(self, X):
        self.calls.append(("predict", len(X)))
        return self._model.predict(X)

    def predict_proba(self, X):
        self.calls.append(("predict_proba", len(X)))
        return self._model.predict_proba(X)


class NaNAbove(Counting):
    """Returns NaN probabilities for rows whose income is above a threshold."""

    def __init__(self, model, threshold):
        super().__init__(model)
        self.threshold = threshold

    def predict_proba(self, X):
        p = super().predict_proba(X).copy()
        p[pd.to_numeric(X["income"], errors="coerce").to_numpy() > self.threshold] = np.nan
        return p


@pytest.fixture(scope="module")
def credit():
    return load_scenario("credit")


@pytest.fixture(scope="module")
def credit_model(credit):
    return from_estimator(credit.model)


@pytest.fixture(scope="module")
def credit_run(credit, credit_model):
    counter = Counting(credit_model)
    result = run_stress(counter, credit.current, target="default", reference=credit.reference)
    return result, counter


@pytest.fixture(scope="module")
def energy_run():
    s = load_scenario("energy")
    return run_stress(from_estimator(s.model), s.current, target="energy_kwh", reference=s.reference)


@pytest.fixture(scope="module")
def machines_run():
    s = load_scenario("machines")
    return run_stress(from_estimator(s.model), s.current, target="condition", reference=s.reference)


def _by(result, name, severity):
    return result.result(name, severity)


# -- the default suite ---------------------------------------------------------------------------


def test_default_suite_covers_every_applicable_perturbation(credit_run, credit):
    result, _ = credit_run
    names = {r.perturbation for r in result.results}
    assert names == set(registry())  # the credit data has numbers, categories and strings
    for name in names:
        assert sorted(r.severity for r in result.results if r.perturbation == name) == list(SEVERITIES)
    assert result.task == "binary" and result.n_rows == 2000 and result.seed == 0
    assert result.task is Task.BINARY and type(result.to_dict()["task"]) is str  # the JSON holds the plain value
    assert set(result.columns) == set(credit.features)
    assert result.verdict in ("pass", "warn", "fail") and 0 <= result.score <= 100
    assert set(result.baseline) == {"accuracy", "f1", "roc_auc"}
    assert all(r.status == "ok" and not r.errors for r in result.results)
    assert {v.perturbation for v in result.verdicts} == names
    assert all(v.severity == 0.25 for v in result.verdicts)  # every built-in's default severity


def test_severity_zero_is_the_baseline(credit_run):
    result, _ = credit_run
    zero = [r for r in result.results if r.severity == 0]
    assert zero
    for r in zero:
        assert r.flip_rate == 0 and r.mean_proba_change == 0
        assert r.metrics["accuracy_drop"] == 0 and r.metrics["roc_auc_drop"] == 0
        assert r.metrics["accuracy"] == result.baseline["accuracy"]


def test_measures_and_metrics_match_a_direct_computation(credit_run, credit, credit_model):
    """Re-perturb the same sample with the recorded seed and check flip rate and metrics against sklearn."""
    result, _ = credit_run
    r = _by(result, "unit_x10", 0.5)
    sample = sample_rows(credit.current, max_rows=2000, seed=0)
    stats = ReferenceStats.from_frame(credit.reference, columns=list(credit.features))
    X = sample[list(credit.features)]
    pert = perturb("unit_x10", X, stats, 0.5, columns=list(r.columns), seed=r.seed)
    base, new = credit_model.predict(X), credit_model.predict(pert)
    proba = credit_model.predict_proba(pert)
    y = sample["default"].to_numpy()
    assert r.flip_rate == pytest.approx(np.mean(base != new))
    base_p = credit_model.predict_proba(X)[np.arange(len(X)), base]
    assert r.mean_proba_change == pytest.approx(np.mean(np.abs(proba[np.arange(len(X)), base] - base_p)))
    assert r.metrics["accuracy"] == pytest.approx(accuracy_score(y, new))
    assert r.metrics["f1"] == pytest.approx(f1_score(y, new))
    assert r.metrics["roc_auc"] == pytest.approx(roc_auc_score(y, proba[:, 1]))
    assert result.baseline["roc_auc"] == pytest.approx(roc_auc_score(y, credit_model.predict_proba(X)[:, 1]))
    assert r.metrics["accuracy_drop"] == pytest.approx(result.baseline["accuracy"] - r.metrics["accuracy"])


def test_unit_error_on_a_relied_on_column_fails_noise_on_an_unused_one_passes(credit, credit_model):
    # What is true of this model: x1000 on loan_amount flips many decisions; x1000 on income flips
    # fewer (a huge income just looks like a safe applicant: only the ~10% predicted defaulters can
    # flip); loan_term_months is not used by the model at all.
    loan = run_stress(
        credit_model,
        credit.current,
        target="default",
        config=StressConfig(columns=("loan_amount",), perturbations=("unit_x1000",), severities=(0.5, 1.0)),
    )
    assert loan.columns == ("loan_amount",)
    assert _by(loan, "unit_x1000", 1.0).flip_rate > 0.3
    assert _by(loan, "unit_x1000", 0.5).flip_rate > 0.1
    (verdict,) = loan.verdicts
    assert verdict.status == "fail" and loan.verdict == "fail" and verdict.severity == 0.5
    # the readable name and the one number format, not the registry id nor "10.0%" / "by 1000"
    assert verdict.message.startswith(
        f"Unit error ×1000 on 'loan_amount' at severity 0.5 changes {share(verdict.value)} of predictions "
        "(fails at 10% or more). What it does: multiplies a share = severity of the values by 1,000, "
    ), verdict.message
    assert "unit_x1000" not in verdict.message

    income = run_stress(
        credit_model, credit.current, config=StressConfig(columns=("income",), perturbations=("unit_x1000",))
    )
    assert 0 < _by(income, "unit_x1000", 1.0).flip_rate < _by(loan, "unit_x1000", 1.0).flip_rate

    term = run_stress(
        credit_model,
        credit.current,
        config=StressConfig(columns=("loan_term_months",), perturbations=("gaussian_noise",)),
    )
    assert all(r.flip_rate < 0.01 for r in term.results)
    assert term.verdict == "pass" and term.verdicts[0].status == "pass"
    assert "below the 5% warning threshold" in term.verdicts[0].message
    assert term.score > 99


def test_feature_sensitivity_ranks_income_near_the_top(credit_run, credit):
    result, _ = credit_run
    ranking = [f.feature for f in result.feature_sensitivity]
    assert sorted(ranking) == sorted(credit.features)
    assert "income" in ranking[:3]
    assert ranking.index("loan_term_months") >= len(ranking) // 2
    values = [f.sensitivity for f in result.feature_sensitivity]
    assert values == sorted(values, reverse=True)
    by = {f.feature: f for f in result.feature_sensitivity}
    assert by["income"].perturbation == "gaussian_noise" and by["region"].perturbation == "category_swap"
    assert by["income"].severity == registry()["gaussian_noise"].default_severity


def test_regression_uses_normalised_change_and_rmse(energy_run):
    result = energy_run
    assert result.task == "regression"
    assert set(result.baseline) == {"rmse", "mae"}
    for r in result.results:
        assert r.flip_rate is None and r.mean_proba_change is None
        assert r.mean_abs_change is not None and r.mean_abs_change >= 0
        assert {"rmse", "mae", "rmse_change", "mae_change"} <= set(r.metrics)
    assert all(r.mean_abs_change == 0 for r in result.results if r.severity == 0)
    noise = [r.mean_abs_change for r in result.results if r.perturbation == "gaussian_noise"]
    assert noise == sorted(noise) and noise[-1] > 0  # more noise, larger changes
    assert result.fragile == ()
    d = result.to_dict()
    assert all("mean_abs_change" in r and "flip_rate" not in r for r in d["results"])


def test_regression_change_is_normalised_by_the_target_spread():
    s = load_scenario("energy")
    model = from_estimator(s.model)
    res = run_stress(
        model,
        s.current,
        target="energy_kwh",
        config=StressConfig(perturbations=("unit_x10",), severities=(1.0,), columns=("floor_area_m2",)),
    )
    r = _by(res, "unit_x10", 1.0)
    sample = sample_rows(s.current, max_rows=2000, seed=0)
    stats = ReferenceStats.from_frame(s.current, columns=list(s.features))
    X = sample[list(s.features)]
    pert = perturb("unit_x10", X, stats, 1.0, columns=["floor_area_m2"], seed=r.seed)
    delta = np.abs(model.predict(pert) - model.predict(X)).mean()
    assert r.mean_abs_change == pytest.approx(delta / sample["energy_kwh"].std())
    assert r.metrics["mae"] == pytest.approx(mean_absolute_error(sample["energy_kwh"], model.predict(pert)))


def test_multiclass_flip_rates(machines_run):
    result = machines_run
    assert result.task == "multiclass"
    assert set(result.baseline) == {"accuracy", "f1", "roc_auc"}
    for r in result.results:
        assert 0 <= r.flip_rate <= 1 and r.mean_abs_change is None
    assert max(r.flip_rate for r in result.results) > 0.05
    assert result.fragile and all(f.prediction != f.flipped_to for f in result.fragile)


def test_multiclass_metrics_match_sklearn(machines_run):
    s = load_scenario("machines")
    model = from_estimator(s.model)
    sample = sample_rows(s.current, max_rows=2000, seed=0)
    X, y = sample[list(s.features)], sample["condition"]
    base = machines_run.baseline
    assert base["f1"] == pytest.approx(f1_score(y, model.predict(X), average="macro"))
    assert base["roc_auc"] == pytest.approx(
        roc_auc_score(y, model.predict_proba(X), multi_class="ovr", labels=model.classes)
    )


# -- failures are findings -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def no_imputer(credit):
    """LogisticRegression on the numeric columns, without an imputer: it cannot score missing values."""
    numeric = ["age", "income", "loan_amount", "loan_term_months", "debt_to_income"]
    train = credit.reference.dropna(subset=numeric)
    est = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(train[numeric], train["default"])
    return from_estimator(est), credit.current.dropna(subset=numeric)


def test_a_perturbation_the_model_cannot_score_is_an_error_result(no_imputer):
    model, data = no_imputer
    counter = Counting(model)
    result = run_stress(counter, data, target="default")
    missing = [r for r in result.results if r.perturbation == "missing_random" and r.severity > 0]
    assert missing and all(r.status == "error" and r.flip_rate is None for r in missing)
    message = missing[0].errors[0]
    assert "cannot score rows where" in message and "'income'" in message and "missing" in message
    assert "ValueError" in message and "NaN" in message
    others = [r for r in result.results if r.perturbation not in ("missing_random", "missing_column")]
    assert others and all(r.status == "ok" and r.flip_rate is not None for r in others)
    verdict = next(v for v in result.verdicts if v.perturbation == "missing_random")
    assert verdict.status == "error" and "counts as failing" in verdict.message
    assert result.verdict == "fail"
    # the failing cells were isolated by bisection, not by one call per cell
    cells = sum(1 for r in result.results if r.severity > 0) + len(result.feature_sensitivity)
    assert len(counter.calls) < cells


def test_a_model_that_cannot_score_the_unperturbed_sample_raises(no_imputer, credit):
    model, _ = no_imputer
    with pytest.raises(ModelError, match="cannot score the unperturbed sample"):
        run_stress(model, credit.current)  # the current data has missing incomes


def test_nan_predictions_are_counted(credit, credit_model):
    model = NaNAbove(credit_model, threshold=5e6)  # only a x1000 income gets there
    result = run_stress(
        model,
        credit.current,
        config=StressConfig(columns=("income", "region"), perturbations=("unit_x1000", "category_swap")),
    )
    stats = ReferenceStats.from_frame(credit.current, columns=list(credit.features))
    X = sample_rows(credit.current, max_rows=2000, seed=0)[list(credit.features)]
    for r in result.results:
        if r.perturbation == "unit_x1000" and r.severity > 0:
            pert = perturb("unit_x1000", X, stats, r.severity, columns=["income"], seed=r.seed)
            expected = int((pert["income"] > 5e6).sum())
            assert r.status == "error" and expected > 0
            assert f"the model returned NaN probabilities for {expected} of 2000 rows" in r.errors[0]
            assert r.n_rows == 2000 - expected and r.flip_rate is not None
        else:
            assert r.status == "ok" and not r.errors
    assert result.verdict == "fail"


def test_unperturbed_rows_with_nan_are_left_out_with_a_note(credit, credit_model):
    X = sample_rows(credit.current, max_rows=2000, seed=0)
    threshold = float(X["income"].quantile(0.99))
    result = run_stress(
        NaNAbove(credit_model, threshold),
        credit.current,
        config=StressConfig(perturbations=("category_swap",), columns=("region",)),
    )
    dropped = int((X["income"] > threshold).sum())
    assert dropped > 0 and result.n_rows == 2000 - dropped
    assert any(f"returned NaN for {dropped} of 2000 unperturbed rows" in n for n in result.notes)
    with pytest.raises(ModelError, match="NaN for every one"):
        run_stress(NaNAbove(credit_model, -1.0), credit.current.dropna(subset=["income"]))


def test_should_stop_returns_partial_results(credit, credit_model, monkeypatch):
    monkeypatch.setattr(suite_mod, "BATCH_ROWS", 10_000)  # 5 cells of 2,000 rows per batch
    seen: list[float] = []
    checks = iter([False, False, True])
    result = run_stress(
        credit_model,
        credit.current,
        target="default",
        progress=lambda f, label: seen.append(f),
        should_stop=lambda: next(checks, True),
    )
    assert result.stopped
    scored = [r for r in result.results if r.severity > 0]
    assert len(scored) == 10  # two batches of five cells
    assert len([r for r in result.results if r.severity == 0]) == len(registry())
    assert result.feature_sensitivity == ()
    assert seen == sorted(seen) and seen[-1] == 1.0 and all(0 <= f <= 1 for f in seen)
    assert result.to_dict()["stopped"] is True


def test_progress_is_reported_per_batch(credit, credit_model, monkeypatch):
    monkeypatch.setattr(suite_mod, "BATCH_ROWS", 40_000)
    labels: list[str] = []
    run_stress(
        credit_model,
        credit.current,
        progress=lambda f, label: labels.append(label),
        config=StressConfig(perturbations=("gaussian_noise", "typo")),
    )
    assert len(labels) >= 2 and "scored" in labels[0] and labels[-1] == "done"


def test_same_seed_same_result_other_seed_other_sample(credit, credit_model, credit_run):
    again = run_stress(credit_model, credit.current, target="default", reference=credit.reference)
    assert again.to_dict() == credit_run[0].to_dict()
    other = run_stress(
        credit_model,
        credit.current,
        target="default",
        reference=credit.reference,
        config=StressConfig(seed=1, perturbations=("gaussian_noise",)),
    )
    assert _by(other, "gaussian_noise", 0.5).flip_rate != _by(again, "gaussian_noise", 0.5).flip_rate


def test_model_calls_are_batched(credit_run):
    result, counter = credit_run
    cells = sum(1 for r in result.results if r.severity > 0) + len(result.feature_sensitivity)
    assert cells > 60
    # baseline: predict + predict_proba (to check that the argmax reproduces predict); then one
    # predict_proba per batch of up to BATCH_ROWS rows
    assert counter.calls[:2] == [("predict", 2000), ("predict_proba", 2000)]
    batches = counter.calls[2:]
    assert all(method == "predict_proba" for method, _ in batches)
    assert len(batches) == -(-cells * 2000 // suite_mod.BATCH_ROWS)
    assert sum(n for _, n in batches) == cells * 2000


# -- the JSON contract ---------------------------------------------------------------------------------


def test_to_dict_json_contract(credit_run, energy_run):
    d = credit_run[0].to_dict()
    text = json.dumps(d, allow_nan=False)
    assert json.loads(text) == d
    assert {
        "results",
        "feature_sensitivity",
        "verdict",
        "score",
        "seed",
        "verdicts",
        "baseline",
        "task",
        "n_rows",
        "columns",
        "config",
        "stopped",
        "fragile",
    } <= set(d)
    assert d["verdict"] in ("pass", "warn", "fail") and isinstance(d["score"], float)
    first = d["results"][0]
    assert {"perturbation", "severity", "columns", "flip_rate", "metrics", "errors", "status"} <= set(first)
    assert "mean_abs_change" not in first
    assert {"feature", "sensitivity"} <= set(d["feature_sensitivity"][0])
    assert d["config"]["severities"] == list(SEVERITIES)
    assert {"row", "min_severity", "perturbation", "values", "prediction", "flipped_to"} <= set(d["fragile"][0])
    json.dumps(energy_run.to_dict(), allow_nan=False)


def test_to_dict_is_json_safe_with_errors(no_imputer):
    model, data = no_imputer
    d = run_stress(model, data, config=StressConfig(perturbations=("missing_random",))).to_dict()
    json.dumps(d, allow_nan=False)
    assert any(r["status"] == "error" and r["flip_rate"] is None for r in d["results"])


# -- inputs and settings ----------------------------------------------------------------------------


def test_severity_zero_is_always_included():
    assert StressConfig(severities=(0.5, 0.1)).severities == (0.0, 0.1, 0.5)
    assert StressConfig(severities=[1, 0.5, 0.5]).severities == (0.0, 0.5, 1.0)


@pytest.mark.parametrize(
    "bad, match",
    [
        ({"severity": [0.1]}, "Unknown stress setting 'severity'"),
        ({"severities": [0.1, 1.5]}, "1.5"),
        ({"severities": "0.1"}, "severities must be a list"),
        ({"warn_flip_rate": 0.2, "fail_flip_rate": 0.1}, "warn_flip_rate"),
        ({"max_rows": 0}, "max_rows"),
        ({"seed": -1}, "seed"),
        ({"perturbations": "gaussian_noise"}, "perturbations must be a list"),
        ({"columns": []}, "columns is an empty list"),
        ({"fail_change": "high"}, "fail_change must be a number"),
        ({"sensitivity_perturbation": {"numeric": "gaussian_noise"}}, "'numeric'"),
    ],
)
def test_config_from_dict_names_the_bad_setting(bad, match):
    with pytest.raises(ConfigError, match=match):
        StressConfig.from_dict(bad)


def test_config_round_trips_and_reads_files(tmp_path):
    cfg = StressConfig(
        perturbations=("typo", "outliers"),
        severities=(0.3,),
        columns=("income",),
        seed=7,
        sensitivity_perturbation={"numerical": "outliers"},
    )
    assert StressConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    (tmp_path / "s.json").write_text(json.dumps({"stress": {"seed": 3, "max_rows": 500}}))
    assert StressConfig.from_file(tmp_path / "s.json") == StressConfig(seed=3, max_rows=500)
    (tmp_path / "s.toml").write_text('[stress]\nseverities = [0.5, 1.0]\nperturbations = ["typo"]\n')
    assert StressConfig.from_file(tmp_path / "s.toml").severities == (0.0, 0.5, 1.0)
    (tmp_path / "flat.toml").write_text("fail_flip_rate = 0.2\n")
    assert StressConfig.from_file(tmp_path / "flat.toml").fail_flip_rate == 0.2
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        StressConfig.from_file(tmp_path / "bad.json")
    (tmp_path / "bad.toml").write_text("[stress]\nmax_rows = -3\n")
    with pytest.raises(ConfigError, match=r"bad.toml.*max_rows"):
        StressConfig.from_file(tmp_path / "bad.toml")
    with pytest.raises(ConfigError, match="Cannot read"):
        StressConfig.from_file(tmp_path / "missing.toml")


def test_unknown_perturbation_and_column_are_config_errors(credit, credit_model):
    with pytest.raises(ConfigError, match="Unknown perturbation.*'jitter'"):
        run_stress(credit_model, credit.current, config=StressConfig(perturbations=("jitter",)))
    with pytest.raises(ConfigError, match="'application_id'.*not model input columns"):
        run_stress(credit_model, credit.current, config=StressConfig(columns=("application_id",)))
    with pytest.raises(ConfigError, match="target column 'nope'"):
        run_stress(credit_model, credit.current, target="nope")


def test_a_requested_perturbation_that_cannot_act_is_skipped(credit, credit_model):
    result = run_stress(
        credit_model, credit.current, config=StressConfig(columns=("income",), perturbations=("typo", "gaussian_noise"))
    )
    typo = [r for r in result.results if r.perturbation == "typo"]
    assert typo and all(r.status == "skipped" and "cannot act" in r.errors[0] for r in typo)
    assert [v.perturbation for v in result.verdicts] == ["gaussian_noise"]


def test_target_as_a_series_and_small_data(credit, credit_model):
    data = credit.current.head(300)
    result = run_stress(
        credit_model, data, target=data["default"], config=StressConfig(perturbations=("outliers",), severities=(1.0,))
    )
    assert result.n_rows == 300 and "accuracy" in result.baseline


# -- worst first: the order every report and page reads -------------------------------------------------


def _worst_is_the_max(result):
    from robustness.stress import worst_verdict
    from robustness.stress.config import severity_key

    worst = worst_verdict(result.verdicts)
    assert worst is result.verdicts[0]  # the result itself comes worst first
    assert list(result.verdicts) == sorted(result.verdicts, key=severity_key)
    same = [v for v in result.verdicts if v.status == worst.status]
    assert worst.value == max(v.value for v in same)
    return worst


@pytest.mark.parametrize(
    "run, expected",
    [
        ("credit_run", {"unit_x10"}),
        ("energy_run", {"unit_x10", "unit_x1000"}),
        ("machines_run", {"unit_x1000"}),
    ],
)
def test_verdicts_come_worst_first_and_the_worst_is_the_largest_effect(run, expected, request):
    result = request.getfixturevalue(run)
    result = result[0] if isinstance(result, tuple) else result
    worst = _worst_is_the_max(result)
    assert worst.perturbation in expected and worst.status == "fail"
    ranks = [{"fail": 0, "error": 0, "warn": 1, "pass": 2}[v.status] for v in result.verdicts]
    assert ranks == sorted(ranks)  # fail, then warn, then pass
    for status in ("fail", "warn", "pass"):  # each by its value, largest first
        values = [v.value for v in result.verdicts if v.status == status]
        assert values == sorted(values, reverse=True)
    d = result.to_dict()
    assert [v["perturbation"] for v in d["verdicts"]] == [v.perturbation for v in result.verdicts]


def test_on_energy_the_worst_is_a_unit_error_not_the_first_failing_in_registry_order(energy_run):
    noise = next(v for v in energy_run.verdicts if v.perturbation == "gaussian_noise")
    assert noise.status == "fail"  # it fails too, and comes first in the registry: the old "worst"
    worst = energy_run.verdicts[0]
    assert worst.perturbation in ("unit_x10", "unit_x1000") and worst.value > 4 * noise.value


def test_errors_rank_first_then_fail_warn_pass_by_value():
    from types import SimpleNamespace

    from robustness.stress.config import judge, worst_verdict

    def cell(name, value, status="ok"):
        return SimpleNamespace(
            perturbation=name,
            severity=0.25,
            columns=("x",),
            status=status,
            errors=("boom",) if status == "error" else (),
            flip_rate=value,
            mean_abs_change=None,
        )

    spec = SimpleNamespace(default_severity=0.25, description="Does something.", label="L", family="noise")
    values = {"a": 0.06, "b": 0.3, "c": 0.01, "d": 0.12, "e": 0.07, "f": 0.3}
    cells = [cell(n, v) for n, v in values.items()] + [cell("g", None, "error")]
    names = [*values, "g"]
    verdicts = judge(cells, names, {n: spec for n in names}, StressConfig(), classifier=True)
    assert [v.perturbation for v in verdicts] == ["g", "b", "f", "d", "e", "a", "c"]  # ties keep their order
    assert [v.status for v in verdicts] == ["error", "fail", "fail", "fail", "warn", "warn", "pass"]
    assert worst_verdict(reversed(verdicts)) is verdicts[0] and worst_verdict([]) is None
    assert worst_verdict(verdicts[1:]).perturbation == "b"


def test_verdicts_and_results_carry_label_and_family_beside_the_stable_id(credit_run):
    result, _ = credit_run
    d = result.to_dict()
    by_id = {v["perturbation"]: v for v in d["verdicts"]}
    assert set(by_id) == set(registry())  # ids unchanged
    assert by_id["unit_x10"]["label"] == "Unit error ×10" and by_id["unit_x10"]["family"] == "unit errors"
    assert by_id["gaussian_noise"]["label"] == "Gaussian noise" and by_id["gaussian_noise"]["family"] == "noise"
    for r in d["results"]:
        assert r["label"] == registry()[r["perturbation"]].label and r["family"] == registry()[r["perturbation"]].family


def test_families_group_the_views_worst_family_first(credit_run):
    from robustness.stress import by_family

    result, _ = credit_run
    grouped = by_family(result.verdicts)
    assert grouped[0] is result.verdicts[0] and sorted(grouped, key=id) == sorted(result.verdicts, key=id)
    families = [v.family for v in grouped]
    assert families == sorted(families, key=families.index)  # each family in one block
    for family in set(families):
        members = [v for v in grouped if v.family == family]
        assert members == [v for v in result.verdicts if v.family == family]  # worst first within it


# -- plain words -------------------------------------------------------------------------------------------

JARGON = ("severity", "standard deviation", "flip rate", "perturbation", "_")


@pytest.mark.parametrize("run", ["credit_run", "energy_run", "machines_run"])
def test_plain_summary_names_the_worst_in_words_without_jargon(run, request):
    from robustness.stress.wording import plain_summary

    result = request.getfixturevalue(run)
    result = result[0] if isinstance(result, tuple) else result
    text = plain_summary(result)
    worst = result.verdicts[0]
    assert registry()[worst.perturbation].plain(worst.severity) in text
    assert not any(word in text.lower() for word in JARGON), text
    assert not any(name in text for name in registry() if "_" in name)
    failing = sum(v.status in ("fail", "error") for v in result.verdicts)
    assert f"{failing} of {len(result.verdicts)} kinds of error fail" in text


def test_a_result_without_its_measure_is_judged_an_error():
    from robustness.stress.config import judge
    from robustness.stress.results import PerturbationResult

    unmeasured = PerturbationResult("rounding", 0.25, ("age",), None, None, None, {}, (), 0, "ok")
    (verdict,) = judge([unmeasured], ["rounding"], registry(), StressConfig(), classifier=True)
    assert verdict.status == "error" and verdict.value is None
    assert "no row could be scored" in verdict.message


def test_plain_summary_of_an_error_a_pass_and_counts():
    from types import SimpleNamespace

    from robustness.stress.config import Verdict
    from robustness.stress.wording import counts_in_words, effect_in_words, plain_summary

    err = Verdict("missing_random", 0.25, None, "error", "m")
    ok = Verdict("rounding", 0.25, 0.02, "pass", "m")
    warn = Verdict("typo", 0.25, 0.06, "warn", "m")
    assert plain_summary(SimpleNamespace(task="binary", verdicts=(err, ok))) == (
        "Realistic data errors break the model: the model cannot score data with missing values in 25% of cells; "
        "1 of 2 kinds of error fails (1 because the model cannot score the data)."
    )
    assert plain_summary(SimpleNamespace(task="binary", verdicts=(ok,))).startswith(
        "The model's decisions hold up under realistic data errors: at most, every value rounded to a coarser "
        "step changes 2% of its predictions"
    )
    assert "change some of the model's predictions" in plain_summary(
        SimpleNamespace(task="regression", verdicts=(warn, ok))
    )
    assert counts_in_words([warn, ok]) == "1 of 2 kinds of error warns"
    assert counts_in_words([ok]) == "the one kind of error tried passes"
    assert (
        effect_in_words(1.5, classifier=False) == "moves its predictions on average by 1.5 times their normal variation"
    )
    assert effect_in_words(0.228, classifier=True) == "changes 22.8% of its predictions"  # 3 significant figures
    assert effect_in_words(0.0561, classifier=True) == "changes 5.61% of its predictions"
    assert effect_in_words(0.9714, classifier=False) == (
        "moves its predictions on average by 97.1% of their normal variation"
    )
    assert effect_in_words(12345.6, classifier=False).startswith("moves its predictions on average by 12,300 times")
