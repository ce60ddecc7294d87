import json

import numpy as np
import pandas as pd
import pytest

from robustness.drift.multivariate import delong_ci, domain_classifier, pca_reconstruction
from robustness.formatting import number
from robustness.schema import ColumnKind

NUM, CAT = ColumnKind.NUMERICAL, ColumnKind.CATEGORICAL


def _frame(rng, n, *, shift=0.0, corr=0.0):
    cov = [[1.0, corr], [corr, 1.0]]
    xy = rng.multivariate_normal([0.0, 0.0], cov, n)
    return pd.DataFrame(
        {
            "x": xy[:, 0],
            "y": xy[:, 1],
            "a": rng.normal(0, 1, n),
            "b": rng.normal(shift, 1, n),
            "c": rng.exponential(1, n),
            "colour": rng.choice(["red", "green", "blue"], n, p=[0.5, 0.3, 0.2]),
        }
    )


KINDS = {"x": NUM, "y": NUM, "a": NUM, "b": NUM, "c": NUM, "colour": CAT}
FEATURES = list(KINDS)


def _json(result):
    return json.loads(json.dumps(result.to_dict(), allow_nan=False))


@pytest.fixture(scope="module")
def credit():
    from robustness.demo import load_scenario

    return load_scenario("credit")


def test_delong_matches_sklearn_auc():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 500)
    s = y + rng.normal(0, 1.5, 500)
    s[:50] = 0.3  # ties
    auc, lo, hi = delong_ci(y, s)
    assert auc == pytest.approx(roc_auc_score(y, s))
    assert lo < auc < hi and 0 < hi - lo < 0.2


def test_domain_classifier_identical_distributions_not_drifted():
    rng = np.random.default_rng(0)
    df = _frame(rng, 2400)
    r = domain_classifier(df.iloc[:1200], df.iloc[1200:], features=FEATURES, kinds=KINDS)
    assert r.status == "ok" and not r.drifted
    assert r.ci_low <= 0.5 + 0.03 and r.ci_high >= 0.5 - 0.03
    assert r.n_rows_used == 2400 and r.n_reference_used == r.n_current_used == 1200
    assert "not clearly above" in r.message
    _json(r)


def test_domain_classifier_strong_shift_ranks_shifted_column_first():
    rng = np.random.default_rng(1)
    ref, cur = _frame(rng, 1500), _frame(rng, 1500, shift=1.5)
    r = domain_classifier(ref, cur, features=FEATURES, kinds=KINDS)
    assert r.drifted and r.auc > 0.7 and r.ci_low > 0.55
    assert r.features[0] == "b"
    assert r.importances[0] > 5 * max(r.importances[1], 0.001)
    assert "relies most on b" in r.message
    d = _json(r)
    assert d["features"][0] == "b" and d["ci_method"].startswith("DeLong")


def test_domain_classifier_margin_and_max_rows():
    rng = np.random.default_rng(2)
    ref, cur = _frame(rng, 3000), _frame(rng, 1000, shift=0.4)
    r = domain_classifier(ref, cur, features=FEATURES, kinds=KINDS, max_rows=600, margin=0.4)
    assert r.n_reference_used == r.n_current_used == 600
    assert not r.drifted and r.margin == 0.4  # the AUC cannot clear 0.9


def test_domain_classifier_credit(credit):
    r = domain_classifier(credit.reference, credit.current, features=credit.features)
    assert r.drifted and r.auc > 0.6
    assert {"income", "employment_type"} & set(r.features[:2])
    assert r.n_rows_used == 8000
    # the one number format: 3 significant figures, the interval with an en dash
    assert f"ROC AUC {number(r.auc)} (95% CI {number(r.ci_low)}–{number(r.ci_high)})" in r.message


def test_domain_classifier_bad_inputs():
    rng = np.random.default_rng(3)
    small = _frame(rng, 30)
    r = domain_classifier(small, _frame(rng, 500), features=FEATURES, kinds=KINDS)
    assert r.status == "skipped" and "at least 50 rows" in r.message
    _json(r)
    ref, cur = _frame(rng, 300), _frame(rng, 300)
    for df in (ref, cur):
        df["empty"], df["const"], df["one"] = np.nan, 1.0, "only"
        df["when"] = pd.Timestamp("2024-01-01")
    kinds = {**KINDS, "empty": NUM, "const": NUM, "one": CAT, "when": ColumnKind.DATETIME}
    r = domain_classifier(ref, cur, features=[*FEATURES, "empty", "const", "one", "when", "absent"], kinds=kinds)
    assert r.status == "ok" and not r.drifted
    assert any("when" in s for s in r.left_out) and any("absent" in s for s in r.left_out)
    r = domain_classifier(ref, cur, features=["when"], kinds=kinds)
    assert r.status == "skipped" and "No numerical or categorical" in r.message


def test_domain_classifier_sees_a_new_category_and_missing_values():
    rng = np.random.default_rng(4)
    ref, cur = _frame(rng, 800), _frame(rng, 800)
    cur.loc[cur.index[:300], "colour"] = "purple"
    r = domain_classifier(ref, cur, features=FEATURES, kinds=KINDS)
    assert r.drifted and r.features[0] == "colour"


def test_pca_no_drift_on_random_split():
    rng = np.random.default_rng(5)
    df = _frame(rng, 3000, corr=0.8)
    r = pca_reconstruction(df.iloc[:1500], df.iloc[1500:], features=FEATURES, kinds=KINDS)
    assert r.status == "ok" and not r.drifted
    assert r.lower_threshold <= r.current_error <= r.upper_threshold
    assert len(r.reference_errors) == 10 and r.chunk_size == 150
    assert len(r.current_errors) == len(r.current_labels) == len(r.current_alerts) == 10
    assert 0.85 <= r.explained_variance <= 1.0
    _json(r)


def test_pca_sees_a_changed_correlation_with_unchanged_marginals():
    rng = np.random.default_rng(6)
    ref, cur = _frame(rng, 2000, corr=0.9), _frame(rng, 2000, corr=-0.9)
    # the marginals agree: each column alone is N(0, 1) on both sides
    from scipy.stats import ks_2samp

    assert ks_2samp(ref["x"], cur["x"]).pvalue > 0.01 and ks_2samp(ref["y"], cur["y"]).pvalue > 0.01
    r = pca_reconstruction(ref, cur, features=FEATURES, kinds=KINDS)
    assert r.drifted and r.current_error > r.upper_threshold
    assert all(r.current_alerts)


def test_pca_credit_drifts(credit):
    r = pca_reconstruction(credit.reference, credit.current, features=credit.features)
    assert r.status == "ok" and r.drifted
    assert sum(r.current_alerts) >= len(r.current_alerts) / 2
    assert r.n_reference_used == r.n_current_used == 4000
    # the one number format, and which side of the band in words (the error and the band's end may both read
    # 1.15 at 3 significant figures); here most chunks leave the band while the whole current data stays inside
    assert f"is {number(r.current_error)} on current data, within the reference band of " in r.message
    assert f"{sum(r.current_alerts)} of 10 current chunks fall outside the band." in r.message
    assert f"{number(r.lower_threshold)}–{number(r.upper_threshold)} (mean ± 3 std of 10" in r.message
    assert r.current_labels[-1] == "rows 3,601–4,000"


def test_pca_message_says_within_the_band_on_a_random_split():
    rng = np.random.default_rng(3)
    both = _frame(rng, 4000)
    r = pca_reconstruction(both.iloc[:2000], both.iloc[2000:], features=FEATURES, kinds=KINDS)
    assert not r.drifted and ", within the reference band of " in r.message


def test_pca_bad_inputs():
    rng = np.random.default_rng(7)
    r = pca_reconstruction(_frame(rng, 40), _frame(rng, 400), features=FEATURES, kinds=KINDS)
    assert r.status == "skipped" and "at least 50 rows" in r.message
    ref, cur = _frame(rng, 400), _frame(rng, 400)
    for df in (ref, cur):
        df["empty"], df["const"], df["one"] = np.nan, 2.0, "only"
    kinds = {**KINDS, "empty": NUM, "const": NUM, "one": CAT}
    r = pca_reconstruction(ref, cur, features=[*FEATURES, "empty", "const", "one"], kinds=kinds)
    assert r.status == "ok" and not r.drifted
    assert {"empty", "const", "one"} & set(r.features) == set()
    assert len(r.left_out) == 3
    r = pca_reconstruction(ref, cur, features=["empty", "const"], kinds=kinds)
    assert r.status == "skipped"
    r = pca_reconstruction(ref, cur, features=FEATURES, kinds=KINDS, chunk_size=200)
    assert r.status == "skipped" and "at least 3" in r.message
    _json(r)
    # missing values and unseen categories in current are handled
    cur2 = cur.copy()
    cur2.loc[cur2.index[:100], "a"] = np.nan
    cur2.loc[cur2.index[100:200], "colour"] = "never seen"
    r = pca_reconstruction(ref, cur2, features=FEATURES, kinds=KINDS, n_components=3)
    assert r.status == "ok" and r.n_components == 3
    _json(r)


def test_domain_classifier_rejects_bad_options():
    from robustness.errors import ConfigError

    rng = np.random.default_rng(8)
    df = _frame(rng, 200)
    with pytest.raises(ConfigError, match="folds"):
        domain_classifier(df, df, features=FEATURES, kinds=KINDS, folds=1)
    with pytest.raises(ConfigError, match="margin"):
        domain_classifier(df, df, features=FEATURES, kinds=KINDS, margin=0.6)
