"""Text columns by content (robustness.drift.text): the mergeable sample of hashed term counts, cross-checked
with scikit-learn's HashingVectorizer and roc_auc_score; the JSON and the messages."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from robustness.drift import DriftConfig, drift
from robustness.drift.text import MAX_TEXTS, MIN_TEXTS, N_FEATURES, compare_content, doc_sample
from tests.drift.test_power import _messages


def _same(a, b) -> bool:
    return (
        np.array_equal(a.keys, b.keys)
        and np.array_equal(a.hashes, b.hashes)
        and (a.counts != b.counts).nnz == 0
        and a.words == b.words
        and a.n_total == b.n_total
    )


def test_the_sample_keeps_every_text_up_to_the_limit_and_merges_in_any_order():
    rng = np.random.default_rng(0)
    texts = _messages(rng, 900, 0.3)["message"]
    parts = [doc_sample(texts.iloc[i::3].reset_index(drop=True)) for i in range(3)]
    assert [p.n for p in parts] == [300, 300, 300] and all(p.n_total == 300 for p in parts)
    a, b, c = parts
    one, two, three = a.merge(b).merge(c), a.merge(b.merge(c)), c.merge(a).merge(b)
    assert _same(one, two) and _same(one, three) and one.n == 900 and one.n_total == 900
    assert np.all(np.diff(one.keys.astype(np.float64)) >= 0)  # ascending keys: the bottom of the sample
    # missing values are not texts
    with_missing = pd.Series(["a b c", None, "d e f", np.nan])
    assert doc_sample(with_missing).n == 2 and doc_sample(with_missing).n_total == 2


def test_above_the_limit_a_uniform_sample_of_the_smallest_keys():
    rng = np.random.default_rng(1)
    texts = pd.Series([f"text number {i} about {'refund' if i % 4 == 0 else 'parcel'}" for i in range(12_000)])
    parts = [doc_sample(texts.iloc[i : i + 4000].reset_index(drop=True)) for i in range(0, 12_000, 4000)]
    merged = parts[0].merge(parts[1]).merge(parts[2])
    assert merged.n == MAX_TEXTS and merged.n_total == 12_000
    every_key = np.sort(np.concatenate([p.keys for p in parts]))
    assert np.array_equal(merged.keys, every_key[:MAX_TEXTS])  # parts keep 4,000 each: all keys compete
    refund = next(b for b, w in merged.words.items() if "refund" in w)
    share = (merged.counts[:, refund] > 0).mean()
    assert share == pytest.approx(0.25, abs=0.02)  # uniform: a quarter of the texts, as in the whole
    del rng


def test_word_counts_are_scikit_learns_hashing_vectorizer():
    from sklearn.feature_extraction.text import HashingVectorizer

    texts = pd.Series(["The parcel was LATE, late again!", "refund please: order 123 broken", "a b", "Ünïcode wörds"])
    sample = doc_sample(texts)
    order = np.argsort(sample.keys)  # rows are in key order; map them back to the texts by content
    hv = HashingVectorizer(n_features=N_FEATURES, alternate_sign=False, norm=None, stop_words="english")
    by_text = {t: hv.transform([t]) for t in texts}
    hashes = pd.util.hash_pandas_object(texts, index=False).to_numpy(dtype=np.uint64)
    for row in order:
        text = texts.iloc[int(np.flatnonzero(hashes == sample.hashes[row])[0])]
        assert (sample.counts[row] != by_text[text]).nnz == 0, text
    late = next(b for b, w in sample.words.items() if "late" in w)
    assert sample.counts[:, late].sum() == 2  # lower case, counted twice in one text


def test_the_auc_is_scikit_learns_on_the_out_of_fold_scores():
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline

    rng = np.random.default_rng(3)
    ref, cur = doc_sample(_messages(rng, 400, 0.2)["message"]), doc_sample(_messages(rng, 400, 0.5)["message"])
    content = compare_content(ref, cur, seed=4)
    import scipy.sparse as sp

    y = np.r_[np.zeros(ref.n, int), np.ones(cur.n, int)]
    order = np.lexsort((y, np.concatenate([ref.hashes, cur.hashes])))
    X, y = sp.vstack([ref.counts, cur.counts], format="csr")[order], y[order]
    model = make_pipeline(TfidfTransformer(sublinear_tf=True), LogisticRegression(C=1.0, solver="liblinear"))
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=4)
    scores = cross_val_predict(model, X, y, cv=cv, method="decision_function")
    assert content.auc == pytest.approx(roc_auc_score(y, scores), abs=1e-12)
    assert content.ci_low < content.auc < content.ci_high and content.p_value < 1e-6
    assert content.words_current[0] in ("refund", "delay", "cancelled", "broken", "damaged")
    assert (content.n_reference, content.n_current, content.seed, content.sampled) == (400, 400, 4, False)


def test_json_and_messages(tmp_path):
    rng = np.random.default_rng(5)
    ref, cur = _messages(rng, 600, 0.1), _messages(rng, 600, 0.5)
    f = drift(ref, cur, kinds={"message": "text"}).features[0]
    d = json.loads(json.dumps(f.to_dict(), allow_nan=False))
    assert d["test"] == "tfidf" and d["statistic"] == d["content"]["auc"] and d["drifted"]
    content = d["content"]
    assert content["test"] == "tfidf_domain_classifier" and content["ci_low"] < content["auc"] < content["ci_high"]
    assert content["words_current"] and content["words_reference"] and content["sampled"] is False
    assert d["effect"] == {"name": "content AUC", "value": content["auc"], "threshold": 0.53, "unit": "AUC"}
    assert d["effect_size"] == pytest.approx(2 * content["auc"] - 1)
    assert f.message.startswith("Texts differ in content: AUC ") and "words more frequent in current: '" in f.message
    assert "TF-IDF domain classifier" in f.details and "600 + 600 texts" in f.details
    # a content change below the practical threshold: significant, small, said so
    small = drift(ref, cur, kinds={"message": "text"}, config=DriftConfig(min_text_auc=0.95)).features[0]
    assert not small.drifted and "Real but small" in small.message
    assert "Texts differ a little in content: AUC 0.7" in small.message
    assert "below the 0.95 that counts" in small.message


def test_too_few_texts_compare_the_lengths_and_say_so():
    rng = np.random.default_rng(6)
    few = _messages(rng, MIN_TEXTS - 1, 0.2)
    f = drift(few, _messages(rng, 500, 0.2), kinds={"message": "text"}).features[0]
    assert f.status == "ok" and f.test == "tfidf" and f.content is None
    assert f"Content not compared: {MIN_TEXTS - 1} texts" in f.details
    assert f.message.startswith("Text length (characters): ")


def test_a_length_test_by_override_reads_the_lengths():
    rng = np.random.default_rng(7)
    ref, cur = _messages(rng, 500, 0.1), _messages(rng, 500, 0.6)
    f = drift(ref, cur, kinds={"message": "text"}, config={"overrides": {"message": {"test": "ks"}}}).features[0]
    assert f.test == "ks" and f.content is None and not f.drifted  # the lengths did not change
    with pytest.raises(Exception, match="'tfidf' does not apply to column 'x'"):
        drift(pd.DataFrame({"x": [1.0, 2.0] * 50}), pd.DataFrame({"x": [1.0] * 100}), config={
            "overrides": {"x": {"test": "tfidf"}}
        })  # fmt: skip
