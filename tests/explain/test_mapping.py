"""From transformed columns back to raw columns: ColumnTransformer structure, probing, mixed groups,
and the grouped attributions in the Explainer (still additive, dropped columns at zero)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shap
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, PolynomialFeatures, StandardScaler

from robustness.demo import load_scenario
from robustness.explain import ExplainConfig, Explainer
from robustness.explain._mapping import OTHER, raw_groups
from robustness.models import from_estimator


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(42)
    n = 160
    return pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "c": rng.normal(size=n),
            "city": rng.choice(["paris", "lyon", "nice"], n).astype(object),
            "plan": rng.choice(["basic", "pro"], n).astype(object),
        }
    )


@pytest.fixture(scope="module")
def target(frame) -> np.ndarray:
    rng = np.random.default_rng(43)
    return (
        2 * frame["a"]
        - frame["b"]
        + frame["a"] * frame["b"]
        + 1.5 * (frame["city"] == "paris")
        + 0.5 * frame["c"]
        + rng.normal(0, 0.1, len(frame))
    ).to_numpy()


def _mapped(groups: list[str], M: np.ndarray) -> list[str]:
    """The group each transformed column is summed onto (each row of M has exactly one 1)."""
    assert set(np.unique(M)) <= {0.0, 1.0}
    np.testing.assert_array_equal(M.sum(axis=1), 1.0)
    return [groups[j] for j in M.argmax(axis=1)]


# -- ColumnTransformer: read from its structure -------------------------------------------------


@pytest.fixture(scope="module")
def machines():
    return load_scenario("machines")


def test_demo_column_transformer_maps_every_output_to_one_raw_column(machines):
    s = machines
    pre = s.model[:-1]  # the Pipeline before the model, as the Explainer sees it
    ct = s.model.named_steps["preprocess"]
    raw = s.reference[list(s.features)].head(100)
    names = [str(n) for n in ct.get_feature_names_out()]
    groups, M, notes = raw_groups(pre, raw, len(names))
    assert groups == list(s.features) and notes == []
    assert M.shape == (len(names), len(s.features))
    mapped = _mapped(groups, M)
    for name, col in zip(names, mapped):
        assert name == f"num__{col}" or name.startswith(f"cat__{col}_"), (name, col)
    onehot = ct.named_transformers_["cat"].named_steps["onehot"]
    categorical = [cols for name, _, cols in ct.transformers_ if name == "cat"][0]
    for col, cats in zip(categorical, onehot.categories_):
        assert mapped.count(col) == len(cats)  # all of a column's one-hot columns, no other
    assert mapped.count("machine_model") == 3 and mapped.count("lubricant") == 2
    assert mapped[:5] == list(s.features[:5])  # the numeric columns, one output each


def test_structure_maps_columns_the_probe_rows_cannot_move(machines):
    """One-hot columns of a category that is constant on the rows at hand still belong to it."""
    s = machines
    raw = s.reference[list(s.features)].head(50).assign(machine_model="M2", lubricant="mineral")
    n_out = s.model[:-1].transform(raw).shape[1]
    groups, M, notes = raw_groups(s.model[:-1], raw, n_out)
    assert OTHER not in groups and notes == []
    mapped = _mapped(groups, M)
    assert mapped.count("machine_model") == 3 and mapped.count("lubricant") == 2


def test_sparse_one_hot_with_passthrough_remainder(frame):
    ct = ColumnTransformer(
        [("cat", OneHotEncoder(), ["city", "plan"])], remainder="passthrough", sparse_threshold=1.0
    ).fit(frame)
    out = ct.transform(frame)
    assert sp.issparse(out)
    groups, M, notes = raw_groups(ct, frame, out.shape[1])
    assert groups == list(frame.columns) and notes == []
    assert _mapped(groups, M) == ["city"] * 3 + ["plan"] * 2 + ["a", "b", "c"]


def test_columns_given_by_position_and_ambiguous_one_hot_names():
    """'a_b_x' is both a=b_x and a_b=x: names cannot tell, so the outputs are probed."""
    rng = np.random.default_rng(0)
    n = 60
    X = pd.DataFrame(
        {
            "a": rng.choice(["b_x", "y"], n),
            "a_b": rng.choice(["x", "z"], n),
            "u": rng.normal(size=n),
            "v": rng.normal(size=n),
        }
    )
    ct = ColumnTransformer(
        [("oh", OneHotEncoder(sparse_output=False), ["a", "a_b"]), ("num", StandardScaler(), [3, 2])]
    ).fit(X)
    names = list(ct.get_feature_names_out())
    assert names[0] == names[2] == "oh__a_b_x"
    groups, M, notes = raw_groups(ct, X, len(names))
    assert _mapped(groups, M) == ["a", "a", "a_b", "a_b", "v", "u"]
    assert notes == []


# -- mixing transformers: a group and a note -----------------------------------------------------


def test_pca_over_two_columns_is_a_group(frame):
    ct = ColumnTransformer(
        [("pca", PCA(n_components=2, random_state=0), ["a", "b"]), ("num", StandardScaler(), ["c"])]
    ).fit(frame)
    groups, M, notes = raw_groups(ct, frame, 3)
    assert _mapped(groups, M) == ["a + b", "a + b", "c"]
    # a and b reach the model only through the group: listed there, not as zeros of their own
    assert groups == [c for c in frame.columns if c not in ("a", "b")] + ["a + b"]
    assert notes == [
        "The preprocessing combines a, b into shared columns, so their attributions are shown together as 'a + b'."
    ]


def test_polynomial_interaction_keeps_own_terms_and_groups_the_product(frame):
    ct = ColumnTransformer(
        [("poly", PolynomialFeatures(2, interaction_only=True), ["a", "b"]), ("rest", "passthrough", ["c"])]
    ).fit(frame)
    names = list(ct.get_feature_names_out())
    assert names == ["poly__1", "poly__a", "poly__b", "poly__a b", "rest__c"]
    groups, M, notes = raw_groups(ct, frame, len(names))
    assert _mapped(groups, M) == [OTHER, "a", "b", "a + b", "c"]
    assert any("'(other)'" in n for n in notes) and any("'a + b'" in n for n in notes)


# -- no ColumnTransformer: probing ----------------------------------------------------------------


def test_plain_scaler_is_probed_one_to_one(frame):
    raw = frame[["c", "a", "b"]]
    scaler = StandardScaler().fit(raw)
    groups, M, notes = raw_groups(make_pipeline(scaler), raw, 3)
    assert groups == ["c", "a", "b"] and notes == []
    np.testing.assert_array_equal(M, np.eye(3))


def test_function_transformer_is_probed_not_guessed_from_positions(frame):
    raw = frame[["a", "b", "c"]]
    swap = FunctionTransformer(lambda Z: np.asarray(Z)[:, [2, 0, 1]]).fit(raw)  # no output names
    groups, M, notes = raw_groups(swap, raw, 3)
    assert _mapped(groups, M) == ["c", "a", "b"] and notes == []


def test_output_constant_on_the_probe_rows_goes_to_other(frame):
    raw = frame[["a", "b"]].assign(k=1.0)
    identity = FunctionTransformer(lambda Z: np.asarray(Z, dtype=float)).fit(raw)
    groups, M, notes = raw_groups(identity, raw, 3)
    assert _mapped(groups, M) == ["a", "b", OTHER]
    assert len(notes) == 1 and "'(other)'" in notes[0]
    # with output names the constant column is matched by name instead
    named = StandardScaler().fit(raw)
    groups, M, notes = raw_groups(named, raw, 3)
    assert _mapped(groups, M) == ["a", "b", "k"] and notes == []


# -- in the Explainer ----------------------------------------------------------------------------


def _tree(pre, frame, target):
    return Pipeline(
        [("pre", pre), ("model", GradientBoostingRegressor(n_estimators=30, max_depth=3, random_state=0))]
    ).fit(frame, target)


def test_grouped_attributions_stay_additive_and_match_shap(frame, target):
    pre = ColumnTransformer(
        [
            ("pca", PCA(n_components=2, random_state=0), ["a", "b"]),
            ("num", "passthrough", ["c"]),
            ("cat", OneHotEncoder(sparse_output=False), ["city", "plan"]),
        ]
    )
    pipe = _tree(pre, frame, target)
    e = Explainer(from_estimator(pipe), frame, config=ExplainConfig(rows=80)).explain(frame)
    assert e.info.method == "tree"
    assert "a + b" in e.features and {"c", "city", "plan"} <= set(e.features)
    assert any("'a + b'" in n for n in e.notes) and any("'a + b'" in n for n in e.info.notes)
    assert e.additivity_max_error < 1e-6
    own = pipe.predict(e.data)
    np.testing.assert_allclose(e.base_values[0] + e.values[:, :, 0].sum(axis=1), own, atol=1e-6)
    direct = shap.TreeExplainer(pipe[-1]).shap_values(pipe[:-1].transform(e.data))
    j = e.features.index
    np.testing.assert_allclose(e.values[:, j("a + b"), 0], direct[:, :2].sum(axis=1), atol=1e-10)
    np.testing.assert_allclose(e.values[:, j("c"), 0], direct[:, 2], atol=1e-10)
    np.testing.assert_allclose(e.values[:, j("city"), 0], direct[:, 3:6].sum(axis=1), atol=1e-10)
    assert "a + b" in [i.feature for i in e.importance()[:2]]  # a and b drive the target
    # no rows: the same features, the group included
    empty = Explainer(from_estimator(pipe), frame).explain(frame.iloc[:0])
    assert empty.n_rows == 0 and empty.features == e.features


def test_sparse_preprocessing_in_the_explainer(frame, target):
    pre = ColumnTransformer([("cat", OneHotEncoder(), ["city", "plan"])], remainder="passthrough", sparse_threshold=1.0)
    pipe = _tree(pre, frame, target)
    assert sp.issparse(pipe[:-1].transform(frame))
    e = Explainer(from_estimator(pipe), frame, config=ExplainConfig(rows=50)).explain(frame)
    assert e.features == tuple(frame.columns) and e.additivity_max_error < 1e-6
    np.testing.assert_allclose(e.model_output[:, 0], pipe.predict(e.data), atol=1e-9)


def test_dropped_column_gets_zero_attribution(frame, target):
    pre = ColumnTransformer(
        [
            ("num", StandardScaler(), ["a", "b"]),
            ("gone", "drop", ["c"]),
            ("cat", OneHotEncoder(sparse_output=False), ["city"]),
        ]
    )  # plan: remainder, dropped
    pipe = _tree(pre, frame, target)
    model = from_estimator(pipe)
    assert model.feature_names == list(frame.columns)  # the model still takes c and plan as inputs
    e = Explainer(model, frame, config=ExplainConfig(rows=60)).explain(frame)
    assert e.features == tuple(frame.columns)
    by = dict(zip(e.features, np.abs(e.values[:, :, 0]).sum(axis=0)))
    assert by["c"] == 0.0 and by["plan"] == 0.0
    assert by["a"] > 0 and by["b"] > 0 and by["city"] > 0
    assert e.additivity_max_error < 1e-6


def test_probed_mapping_in_the_explainer_follows_the_columns(frame, target):
    """A column-swapping FunctionTransformer before a Ridge: each raw column gets its own
    coefficient's attribution, coef * (x - background mean), not its neighbour's."""
    raw = frame[["a", "b", "c"]]
    swap = FunctionTransformer(lambda Z: np.asarray(Z, dtype=float)[:, [2, 0, 1]])
    pipe = make_pipeline(swap, Ridge(alpha=0.1)).fit(raw, target)
    e = Explainer(from_estimator(pipe), raw, config=ExplainConfig(rows=40, background=160)).explain(raw)
    assert (e.info.method, e.features) == ("linear", ("a", "b", "c"))
    coef = pipe[-1].coef_  # on (c, a, b)
    expected = np.column_stack(
        [
            coef[1] * (e.data["a"] - raw["a"].mean()),
            coef[2] * (e.data["b"] - raw["b"].mean()),
            coef[0] * (e.data["c"] - raw["c"].mean()),
        ]
    )
    np.testing.assert_allclose(e.values[:, :, 0], expected, atol=1e-9)
    assert e.additivity_max_error < 1e-6


def test_interaction_group_with_a_linear_model_is_additive(frame, target):
    pre = ColumnTransformer(
        [("poly", PolynomialFeatures(2, interaction_only=True), ["a", "b"]), ("num", StandardScaler(), ["c"])]
    )
    pipe = make_pipeline(pre, Ridge(alpha=0.1)).fit(frame, target)
    e = Explainer(from_estimator(pipe), frame, config=ExplainConfig(rows=50, background=80)).explain(frame)
    assert e.info.method == "linear"
    assert "a + b" in e.features and OTHER in e.features
    np.testing.assert_allclose(e.values[:, e.features.index(OTHER), 0], 0.0, atol=1e-12)  # the constant term
    assert e.additivity_max_error < 1e-6
    np.testing.assert_allclose(e.model_output[:, 0], pipe.predict(e.data), atol=1e-9)
