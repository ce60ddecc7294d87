"""The SHAP adapter on the demo scenarios: cross-checked against direct shap calls, additivity against
the model's own outputs, linear and permutation explainers, sampling, results and bad inputs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import shap
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from robustness.demo import _pipeline, load_scenario
from robustness.errors import ConfigError, DataError, ModelError
from robustness.explain import ExplainConfig, Explainer, Explanation, explain, sample_rows
from robustness.models import from_estimator, from_predictions

ROWS = 80  # rows explained per demo: enough for every class to be predicted, small enough to be fast
EXPECTED = {  # scenario: (scale, outputs)
    "credit": ("log-odds", ("1",)),
    "energy": ("prediction", ("prediction",)),
    "machines": ("probability", ("failure", "normal", "wear")),
}


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo():
    """load_scenario, each scenario built once for the module."""
    cache: dict = {}

    def get(name: str):
        if name not in cache:
            cache[name] = load_scenario(name)
        return cache[name]

    return get


@pytest.fixture(scope="module")
def tree_explained(demo):
    """(scenario, Explanation of its current data) with the default (auto) explainer."""
    cache: dict = {}

    def get(name: str):
        if name not in cache:
            s = demo(name)
            ex = Explainer(from_estimator(s.model), s.reference, config=ExplainConfig(rows=ROWS))
            cache[name] = (s, ex.explain(s.current))
        return cache[name]

    return get


def _features(s) -> list[str]:
    return list(s.features)


def _raw_column_of(ct: ColumnTransformer) -> list[str]:
    """Per transformed column of the demo's ColumnTransformer: its raw column, worked out here from
    get_feature_names_out ('num__age' -> age, 'cat__employment_type_salaried' -> employment_type)."""
    own = {name: list(cols) for name, _, cols in ct.transformers_ if name in ("num", "cat")}
    out = []
    for full in ct.get_feature_names_out():
        prefix, rest = str(full).split("__", 1)
        if prefix == "num":
            assert rest in own["num"]
            out.append(rest)
        else:
            hits = [c for c in own["cat"] if rest.startswith(c + "_")]
            out.append(max(hits, key=len))
    return out


def _sum_onto_raw(sv: np.ndarray, raw_of: list[str], features: list[str]) -> np.ndarray:
    """(rows, transformed, outputs) -> (rows, features, outputs), summing each raw column's outputs."""
    raw_of = np.asarray(raw_of)
    return np.stack([sv[:, raw_of == f, :].sum(axis=1) for f in features], axis=1)


def _direct_tree_shap(pipe, X: pd.DataFrame, binary: bool):
    """shap.TreeExplainer called directly on the Pipeline's last step, summed onto raw columns here."""
    Xt = pipe[:-1].transform(X)
    tree = shap.TreeExplainer(pipe[-1])
    sv = np.asarray(tree.shap_values(Xt), dtype=float)
    base = np.atleast_1d(np.asarray(tree.expected_value, dtype=float))
    if sv.ndim == 2:
        sv = sv[:, :, None]
    if binary and sv.shape[-1] == 2:  # explained for the positive class only
        sv, base = sv[:, :, 1:], base[1:]
    return sv, base


def _own_output(s, data: pd.DataFrame) -> np.ndarray:
    """The demo model's output on the explained scale, straight from the fitted Pipeline."""
    if s.task == "binary":
        return s.model.decision_function(data).reshape(-1, 1)
    if s.task == "regression":
        return s.model.predict(data).reshape(-1, 1)
    return s.model.predict_proba(data)


# -- Tree SHAP on the demos ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["credit", "energy", "machines"])
def test_tree_matches_a_direct_shap_call_summed_onto_raw_columns(tree_explained, name):
    s, e = tree_explained(name)
    assert e.info.method == "tree"
    assert (e.info.scale, e.outputs) == EXPECTED[name]
    assert e.features == s.features
    assert e.n_rows == ROWS and e.values.shape == (ROWS, len(s.features), len(e.outputs))
    if name == "machines":
        assert e.outputs == tuple(s.model[-1].classes_)  # output k is class k of the model
    sv, base = _direct_tree_shap(s.model, e.data, binary=name == "credit")
    assert sv.shape[-1] == len(e.outputs)
    raw_of = _raw_column_of(s.model.named_steps["preprocess"])
    assert len(raw_of) == sv.shape[1] > len(s.features)  # one-hot columns really were summed
    expected = _sum_onto_raw(sv, raw_of, _features(s))
    np.testing.assert_allclose(e.values, expected, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(e.base_values, base, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["credit", "energy", "machines"])
def test_tree_additivity_against_the_models_own_output(tree_explained, name):
    s, e = tree_explained(name)
    own = _own_output(s, e.data)
    np.testing.assert_allclose(e.model_output, own, rtol=1e-12, atol=1e-9)
    assert e.additivity_max_error < 1e-6
    assert np.abs(e.base_values + e.values.sum(axis=1) - own).max() < 1e-6
    assert e.additive
    # the attributions are not trivially zero: they carry the rows' deviation from the base value
    assert np.abs(e.values).sum(axis=1).max() > 1e-3
    np.testing.assert_array_equal(e.predictions, s.model.predict(e.data))


def test_credit_importance_names_raw_columns_only(tree_explained):
    s, e = tree_explained("credit")
    imp = e.importance()
    names = [i.feature for i in imp]
    assert sorted(names) == sorted(s.features)
    transformed = set(map(str, s.model.named_steps["preprocess"].get_feature_names_out()))
    assert not transformed & set(names)
    assert not any("__" in n for n in names)
    assert "employment_type" in names and "employment_type_salaried" not in names
    scores = [i.mean_abs_shap for i in imp]
    assert scores == sorted(scores, reverse=True)
    by_name = {i.feature: i.mean_abs_shap for i in imp}
    for j, f in enumerate(s.features):
        assert by_name[f] == pytest.approx(np.abs(e.values[:, j, 0]).mean(), rel=1e-12)
    # the demo's default risk is driven by loan size against income, not by the region
    assert names.index("region") > names.index("loan_amount")


# -- Linear SHAP -------------------------------------------------------------------------------


def _fitted_on_reference(s, estimator):
    columns = {name: list(cols) for name, _, cols in s.model.named_steps["preprocess"].transformers}
    pipe = _pipeline(columns["num"], columns["cat"], estimator)
    return pipe.fit(s.reference[_features(s)], s.reference[s.roles.target])


@pytest.mark.parametrize("name", ["credit", "machines"])
def test_linear_logistic_regression_is_additive_on_the_decision_function(demo, name):
    s = demo(name)
    pipe = _fitted_on_reference(s, LogisticRegression(solver="newton-cholesky"))
    config = ExplainConfig(rows=80, background=40, seed=3)
    e = Explainer(from_estimator(pipe), s.reference, config=config).explain(s.current)
    assert e.info.method == "linear"
    assert e.info.background_rows == 40
    assert e.features == s.features
    decision = pipe.decision_function(e.data)
    decision = decision.reshape(-1, 1) if decision.ndim == 1 else decision
    assert e.model_output.shape == decision.shape == (80, 1 if name == "credit" else 3)
    assert e.info.scale == ("log-odds" if name == "credit" else "raw score")
    np.testing.assert_allclose(e.model_output, decision, rtol=1e-12, atol=1e-9)
    assert np.abs(e.base_values + e.values.sum(axis=1) - decision).max() < 1e-6
    assert e.additivity_max_error < 1e-6
    # the base value is the mean decision over the (seeded) background sample
    background = sample_rows(s.reference[_features(s)], 40, 3)
    bg_decision = pipe.decision_function(background).reshape(len(background), -1)
    np.testing.assert_allclose(e.base_values, bg_decision.mean(axis=0), atol=1e-9)


def test_linear_ridge_matches_the_closed_form(demo):
    s = demo("energy")
    pipe = _fitted_on_reference(s, Ridge(alpha=1.0))
    config = ExplainConfig(rows=60, background=50, seed=1)
    e = Explainer(from_estimator(pipe), s.reference, config=config).explain(s.current)
    assert (e.info.method, e.info.scale, e.outputs) == ("linear", "prediction", ("prediction",))
    np.testing.assert_allclose(e.model_output[:, 0], pipe.predict(e.data), rtol=1e-12, atol=1e-8)
    assert e.additivity_max_error < 1e-6
    # exact linear SHAP (independent features): coef_j * (x_j - mean over the background of x_j),
    # then summed over the transformed columns of each raw column
    pre, coef = pipe[:-1], pipe[-1].coef_
    background = sample_rows(s.reference[_features(s)], 50, 1)
    per_column = coef * (pre.transform(e.data) - pre.transform(background).mean(axis=0))
    raw_of = _raw_column_of(pipe.named_steps["preprocess"])
    expected = _sum_onto_raw(per_column[:, :, None], raw_of, _features(s))
    np.testing.assert_allclose(e.values, expected, rtol=1e-9, atol=1e-8)


# -- Permutation SHAP --------------------------------------------------------------------------


def test_permutation_on_credit_is_exact_and_uses_the_background(demo):
    s = demo("credit")
    config = ExplainConfig(method="permutation", permutation_rows=10, background=20, seed=2)
    e = Explainer(from_estimator(s.model), s.reference, config=config).explain(s.current)
    assert (e.info.method, e.info.scale, e.outputs) == ("permutation", "probability", ("1",))
    assert e.info.background_rows == 20 and e.info.permutations == config.permutations
    assert e.n_rows == 10 and e.n_available == len(s.current)  # permutation_rows, not rows (500)
    assert e.features == s.features  # explained on the raw columns directly
    np.testing.assert_allclose(e.model_output[:, 0], s.model.predict_proba(e.data)[:, 1], atol=1e-12)
    assert e.additivity_max_error < 1e-6
    # base value = mean positive-class probability over the background rows: the text categories
    # survive their encoding to numbers for shap's masker
    background = sample_rows(s.reference[_features(s)], 20, 2)
    assert background["employment_type"].nunique() > 1
    assert e.base_values[0] == pytest.approx(s.model.predict_proba(background)[:, 1].mean(), abs=1e-12)
    assert np.abs(e.values).sum() > 0


@pytest.fixture(scope="module")
def onnx_model():
    """An all-numeric Pipeline exported to ONNX (one input per column), loaded like an upload."""
    skl2onnx = pytest.importorskip("skl2onnx")
    from skl2onnx.common.data_types import FloatTensorType

    from robustness.models import load_model

    rng = np.random.default_rng(5)
    X = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    y = ((X["a"] - 2 * X["b"] + 0.2 * rng.normal(size=300)) > 0).astype(int)
    pipe = make_pipeline(ColumnTransformer([("num", StandardScaler(), ["a", "b", "c"])]), LogisticRegression()).fit(
        X, y
    )
    data = skl2onnx.to_onnx(pipe, initial_types=[(c, FloatTensorType([None, 1])) for c in "abc"])
    return X, pipe, load_model(data.SerializeToString(), "model.onnx")


def test_permutation_explains_an_onnx_model(onnx_model):
    X, pipe, adapter = onnx_model
    assert adapter.source == "onnx"
    e = explain(adapter, X, config=ExplainConfig(permutation_rows=10, background=20))
    assert (e.info.method, e.info.scale, e.outputs) == ("permutation", "probability", ("1",))
    assert "ONNX" in e.info.explained and e.features == ("a", "b", "c")
    assert e.n_rows == 10
    np.testing.assert_allclose(e.model_output[:, 0], adapter.predict_proba(e.data)[:, 1], atol=1e-12)
    np.testing.assert_allclose(e.model_output[:, 0], pipe.predict_proba(e.data)[:, 1], atol=1e-5)
    assert e.additivity_max_error < 1e-6
    # the label is a - 2b: b matters most, c (noise) least
    assert [i.feature for i in e.importance()] == ["b", "a", "c"]


def test_tree_or_linear_on_an_onnx_model_is_a_config_error_with_a_reason(onnx_model):
    X, _, adapter = onnx_model
    for method in ("tree", "linear"):
        with pytest.raises(
            ConfigError,
            match=rf"The {method} explainer cannot explain this model: the ONNX "
            r"model \w.*\. Use method 'auto' or 'permutation'",
        ):
            Explainer(adapter, X, config=ExplainConfig(method=method))


# -- sampling ----------------------------------------------------------------------------------


def test_rows_over_the_budget_are_a_seeded_uniform_sample(demo):
    s = demo("credit")
    model = from_estimator(s.model)

    def run(seed: int) -> Explanation:
        return Explainer(model, s.reference, config=ExplainConfig(rows=50, seed=seed)).explain(s.current)

    first, again, other = run(7), run(7), run(8)
    assert first.n_rows == 50 and first.n_available == len(s.current) == 4000
    assert first.seed == 7
    assert list(first.data.index) == list(again.data.index)
    np.testing.assert_array_equal(first.values, again.values)
    assert list(first.data.index) != list(other.data.index)
    idx = first.data.index
    assert idx.is_unique and idx.is_monotonic_increasing and idx.isin(s.current.index).all()
    positions = s.current.index.get_indexer(idx)
    assert positions.min() < 1000 and positions.max() > 3000  # spread over the data, not its head
    pd.testing.assert_frame_equal(first.data, s.current.loc[idx, _features(s)])
    assert any("sample of 50 of the 4,000 rows" in n and "seed 7" in n for n in first.notes)


def test_data_within_the_budget_is_explained_whole(demo):
    s = demo("credit")
    ex = Explainer(from_estimator(s.model), s.reference, config=ExplainConfig(rows=50))
    few = s.current.iloc[100:130]
    e = ex.explain(few)
    assert e.n_rows == e.n_available == 30
    assert list(e.data.index) == list(few.index)
    assert not any("sample" in n for n in e.notes)
    more = s.current.iloc[:70]
    whole = ex.explain(more, sample=False)
    assert whole.n_rows == 70 and list(whole.data.index) == list(more.index)
    np.testing.assert_allclose(whole.values[:30], ex.explain(s.current.iloc[:30]).values, atol=1e-12)
    # a row gets the same attributions whatever else is explained with it
    label = few.index[3]
    np.testing.assert_allclose(e.row(label).values, ex.explain(s.current.loc[[label]]).values[0], atol=1e-12)


def test_background_is_sampled_to_its_budget(demo):
    s = demo("machines")
    ex = Explainer(from_estimator(s.model), s.reference, config=ExplainConfig(background=30, seed=4))
    assert len(ex.background) == 30 and list(ex.background.columns) == _features(s)
    pd.testing.assert_frame_equal(ex.background, sample_rows(s.reference[_features(s)], 30, 4))


# -- results: multiclass, rows, JSON -------------------------------------------------------------


def test_multiclass_frame_picks_each_rows_predicted_class(tree_explained):
    s, e = tree_explained("machines")
    predicted = s.model.predict(e.data)
    assert len(set(predicted)) == 3  # the check below is not about one class only
    frame = e.frame()
    assert list(frame.columns) == _features(s) and frame.index.equals(e.data.index)
    for i, label in enumerate(predicted):
        k = e.outputs.index(label)
        np.testing.assert_array_equal(frame.iloc[i].to_numpy(), e.values[i, :, k])
    np.testing.assert_array_equal(e.frame("wear").to_numpy(), e.values[:, :, e.outputs.index("wear")])
    np.testing.assert_array_equal(e.frame(0).to_numpy(), e.values[:, :, 0])
    with pytest.raises(KeyError, match="No output 'broken'"):
        e.frame("broken")


def test_row_returns_that_rows_contributions(tree_explained):
    s, e = tree_explained("machines")
    i = 7
    label = e.data.index[i]
    r = e.row(label)
    assert r.label == label and r.scale == "probability" and r.outputs == e.outputs
    np.testing.assert_array_equal(r.values, e.values[i])
    np.testing.assert_array_equal(r.model_output, s.model.predict_proba(s.current.loc[[label]])[0])
    assert r.prediction == s.model.predict(s.current.loc[[label]])[0]
    pd.testing.assert_series_equal(r.data, s.current.loc[label, _features(s)], check_names=False)
    k = e.outputs.index(r.prediction)
    contributions = r.contributions(k)
    sizes = [abs(c[2]) for c in contributions]
    assert sizes == sorted(sizes, reverse=True) and len(contributions) == len(s.features)
    for feature, value, contribution in contributions:
        j = s.features.index(feature)
        assert contribution == e.values[i, j, k]
        raw = s.current.loc[label, feature]
        assert value == (None if pd.isna(raw) else raw)
    assert r.base_values[k] + sum(c[2] for c in contributions) == pytest.approx(r.model_output[k], abs=1e-6)
    missing = s.current.index.difference(e.data.index)[0]
    with pytest.raises(KeyError, match=f"not among the {ROWS} explained rows"):
        e.row(missing)


@pytest.mark.parametrize("name", ["credit", "machines"])
def test_to_dict_is_strict_json(tree_explained, name):
    s, e = tree_explained(name)
    d = e.to_dict()
    assert {"explainer", "n_rows", "base_value", "additivity_max_error", "global_importance"} <= set(d)
    back = json.loads(json.dumps(d, allow_nan=False))
    assert back["explainer"] == "tree" and back["n_rows"] == ROWS
    assert back["additivity_max_error"] < 1e-6
    _, base = _direct_tree_shap(s.model, e.data.head(2), binary=name == "credit")
    if name == "credit":
        assert back["base_value"] == pytest.approx(float(base[0]), abs=1e-12)
    else:
        assert back["base_value"] == pytest.approx(list(base), abs=1e-12)
    imp = back["global_importance"]
    assert [i["feature"] for i in imp] == [i.feature for i in e.importance()]
    assert sorted(i["feature"] for i in imp) == sorted(s.features)
    assert all(set(i) >= {"feature", "mean_abs_shap"} and i["mean_abs_shap"] >= 0 for i in imp)
    assert imp[0]["mean_abs_shap"] == pytest.approx(np.abs(e.values).mean(axis=0).mean(axis=1).max())
    assert [i["feature"] for i in e.to_dict(top=3)["global_importance"]] == [i["feature"] for i in imp[:3]]


def test_no_rows_gives_an_empty_explanation(demo):
    s = demo("credit")
    e = Explainer(from_estimator(s.model), s.reference, config=ExplainConfig(rows=20)).explain(s.current.iloc[:0])
    assert e.n_rows == 0 and e.n_available == 0 and e.features == s.features
    assert e.values.shape == (0, len(s.features), 1) and e.additivity_max_error == 0.0
    assert [i.mean_abs_shap for i in e.importance()] == [0.0] * len(s.features)
    d = json.loads(json.dumps(e.to_dict(), allow_nan=False))
    assert d["n_rows"] == 0 and d["base_value"] == pytest.approx(float(e.base_values[0]))
    black_box = Explainer(from_estimator(s.model), s.reference, config=ExplainConfig(method="permutation"))
    empty = black_box.explain(s.current.iloc[:0])
    assert (empty.info.method, empty.n_rows, empty.features) == ("permutation", 0, s.features)


# -- bad input ---------------------------------------------------------------------------------


def test_predictions_only_adapter_is_a_model_error(demo):
    s = demo("credit")
    data = s.reference.assign(predicted=s.reference["default"])
    adapter = from_predictions(prediction="predicted", reference=data)
    with pytest.raises(ModelError, match=r"no model to explain.*Upload the model file"):
        Explainer(adapter, data)


def test_empty_reference_is_a_data_error(demo):
    s = demo("credit")
    with pytest.raises(DataError, match="reference data is empty"):
        Explainer(from_estimator(s.model), s.reference.iloc[:0])


def test_a_missing_input_column_is_a_data_error_naming_it(demo):
    s = demo("credit")
    model = from_estimator(s.model)
    with pytest.raises(DataError, match=r"reference data lacks the model's input column\(s\) 'income'"):
        Explainer(model, s.reference.drop(columns="income"))
    ex = Explainer(model, s.reference, config=ExplainConfig(rows=10))
    with pytest.raises(
        DataError,
        match=r"The data lacks the model's input column\(s\) 'age', 'region'; "
        r"explanations need every input column",
    ):
        ex.explain(s.current.drop(columns=["region", "age"]))


def test_tree_method_on_a_linear_model_is_a_config_error(demo):
    s = demo("credit")
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(
        s.reference[["age", "loan_amount"]], s.reference["default"]
    )
    with pytest.raises(
        ConfigError,
        match=r"The tree explainer cannot explain this model: Tree SHAP does not "
        r"support the last step \(LogisticRegression\)",
    ):
        Explainer(from_estimator(pipe), s.reference, config=ExplainConfig(method="tree"))
    # the same model with auto is explained by Linear SHAP
    assert Explainer(from_estimator(pipe), s.reference).method == "linear"


@pytest.mark.parametrize(
    "settings, match",
    [
        ({"rows": 0}, "'rows' must be a whole number of at least 1"),
        ({"rows": 2.5}, "'rows' must be a whole number"),
        ({"background": True}, "'background' must be a whole number"),
        ({"method": "bogus"}, "method 'bogus' is not one of: auto, tree, linear, permutation"),
    ],
)
def test_bad_settings_are_config_errors(settings, match):
    with pytest.raises(ConfigError, match=match):
        ExplainConfig(**settings)


def test_config_from_dict():
    with pytest.raises(ConfigError, match=r"Unknown explain setting 'rowz'.*Valid settings: method, rows"):
        ExplainConfig.from_dict({"rowz": 10})
    config = ExplainConfig.from_dict({"method": "linear", "rows": 200.0, "seed": 3})
    assert config == ExplainConfig(method="linear", rows=200, seed=3) and isinstance(config.rows, int)
    assert ExplainConfig.from_dict(config.to_dict()) == config
