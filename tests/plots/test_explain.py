"""Figure builders of the explanation views: every builder on odd column names, both tasks."""

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier, RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from robustness.explain import Explainer, explanation_shift, partial_dependence, permutation_importance
from robustness.models import from_estimator
from robustness.plots import explain as eplots

ODD = "rate %{x} {0} <b>"  # a hovertemplate format specifier and markup inside a column name
CAT = "colour %s"


def _data(seed=0, n=300):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {ODD: rng.normal(size=n), "size": rng.uniform(0, 10, n), CAT: rng.choice(["red", "green", "blue"], n)}
    )
    X.loc[::17, "size"] = np.nan
    return X


def _model(kind):
    X = _data()
    y_num = 2 * X[ODD] + X["size"].fillna(5) * (X[CAT] == "red")
    pre = make_column_transformer((OneHotEncoder(handle_unknown="ignore"), [CAT]), remainder="passthrough")
    if kind == "classifier":
        est = make_pipeline(pre, SimpleImputer(), GradientBoostingClassifier(n_estimators=20, random_state=0))
        est.fit(X, (y_num > y_num.median()).astype(int))
    else:
        est = make_pipeline(pre, SimpleImputer(), RandomForestRegressor(n_estimators=10, random_state=0))
        est.fit(X, y_num)
    return from_estimator(est), X


def _templates(fig) -> list[str]:
    return [t.hovertemplate for t in fig.data if getattr(t, "hovertemplate", None)]


@pytest.mark.parametrize("kind, scale", [("classifier", "log-odds"), ("regressor", "prediction")])
def test_every_builder_on_odd_names(kind, scale):
    model, X = _model(kind)
    explainer = Explainer(model, X)
    expl = explainer.explain(X)
    assert set(expl.features) == {ODD, "size", CAT}
    figs = [
        eplots.importance_bars(expl, permutation_importance(model, X, n_repeats=2)),
        eplots.beeswarm(expl),
        eplots.dependence(expl, ODD, color_by=CAT),
        eplots.dependence(expl, CAT, color_by="size"),
        eplots.waterfall(expl.row(X.index[0]), max_features=2),
        eplots.pdp_ice(partial_dependence(model, X, ODD)),
        eplots.pdp_ice(partial_dependence(model, X, CAT)),
        eplots.shift_chart(explanation_shift(explainer.explain(X.iloc[:150]), explainer.explain(X.iloc[150:]))),
    ]
    for fig in figs:
        for template in _templates(fig):
            assert ODD not in template and CAT not in template, template
        text = (fig.layout.title.text or "") + " " + str(fig.layout.xaxis.title.text)
        assert scale in text or "probability" in text, text
    # the waterfall sums the rest into one bar and ends on the model's output
    water = figs[4].data[0]
    assert list(water.measure) == ["relative", "relative", "total"]
    assert water.y[0] == "2 other features" and water.y[-1] == "model output"
    row = expl.row(X.index[0])
    assert water.base + sum(water.x[:-1]) == pytest.approx(float(row.model_output[0]))


def test_multiclass_importance_stacks_or_picks_a_class():
    X = _data(1)
    y = np.where(X[ODD] > 0.5, "a", np.where(X[ODD] < -0.5, "b", "c"))
    model = from_estimator(
        make_pipeline(
            make_column_transformer((OneHotEncoder(), [CAT]), remainder="passthrough"),
            SimpleImputer(),
            RandomForestClassifier(n_estimators=10, random_state=0),
        ).fit(X, y)
    )
    expl = Explainer(model, X).explain(X)
    stacked = eplots.importance_bars(expl)
    assert [t.name for t in stacked.data] == ["class a", "class b", "class c"]
    one = eplots.importance_bars(expl, output="b")
    assert len(one.data) == 1 and "class 'b'" in one.layout.title.text
    assert "predicted class" in eplots.beeswarm(expl).layout.title.text
    assert "class 'c'" in eplots.beeswarm(expl, output="c").layout.title.text


def test_format_value():
    assert eplots.format_value(None) == "missing"
    assert eplots.format_value(float("nan")) == "missing"
    assert eplots.format_value(31490.0) == "31,490"
    assert eplots.format_value(0.15432) == "0.154"  # the one number format: 3 significant figures
    assert eplots.format_value(123456.7) == "123,000"
    assert eplots.format_value(123456) == "123,456"  # whole numbers keep every digit
    assert eplots.format_value(np.bool_(True)) == "True"
    assert eplots.format_value("red") == "red"
