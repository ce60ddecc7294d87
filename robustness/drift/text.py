"""Text columns by content: a domain classifier on TF-IDF features, from mergeable samples of hashed term counts.

**Summary** (:class:`TextSummary`, built per part and merged, as every drift summary): the texts' lengths in
characters (the numeric summary of either engine: exact in memory, binned through Dask) and a
:class:`DocSample`: the hashed term counts of at most :data:`MAX_TEXTS` texts. Each present text gets a key,
a 64-bit hash of its content and of its position in its part; a part keeps the :data:`MAX_TEXTS` texts with
the smallest keys and merging two samples keeps the smallest of both (a bottom-k sample: uniform, and the
same whatever order the parts merge in). A text becomes the counts of its words (scikit-learn's
``CountVectorizer`` analyzer: lower case, words of 2+ letters or digits, English stop words left out), each
word hashed to one of :data:`N_FEATURES` buckets (MurmurHash3, as ``HashingVectorizer``); the sample also
keeps the words seen in each bucket, to name them.

**The bound.** With at most :data:`MAX_TEXTS` texts per side, both engines keep every text and give the same
numbers (parity). Above, both use a uniform sample of :data:`MAX_TEXTS` texts per side (different texts: the
keys depend on positions within parts), so the AUC differs from the one on all texts by the sampling error its
interval shows: its standard error is at most sqrt(AUC (1 - AUC) / 5,000) <= 0.0071 (Bamber's bound on the
variance of the Mann-Whitney statistic), and both engines' AUCs estimate the same quantity. Two words in one
bucket count as one feature in both engines alike (2^18 buckets: rare) and are named together ("a / b").

**Test** ``tfidf`` (the default for text columns): texts of both sides in a canonical order (by content
hash, so it is the same in both engines), TF-IDF (``TfidfTransformer``, sublinear term frequency) and a
logistic regression (liblinear, C = 1) in a 5-fold stratified cross-validation (seed: ``DriftConfig.seed``).
The out-of-fold scores give the ROC AUC with its DeLong 95 % interval (as the multivariate domain classifier:
``robustness.drift.multivariate.delong``) and a one-sided p-value for AUC > 0.5. The lengths are compared by
KS + Brown-Forsythe (``ks_bf``) as before, and the two p-values are combined by Bonferroni,
p = min(1, 2 min(p_content, p_length)), so a change of content or of length is seen with false alarms at
or below alpha. The statistic is the AUC; the effect size 2 AUC - 1 (the Gini coefficient: 0 = alike,
1 = told apart every time). The words that tell the two apart are the buckets with the largest logistic
coefficients (model fit on all texts) whose share of texts is higher on that side. With fewer than
:data:`MIN_TEXTS` texts on a side, content is not compared (too few to cross-validate) and the lengths
decide, as the message says.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from robustness.drift.binned import BinnedSummary
from robustness.drift.summaries import NumericSummary
from robustness.formatting import count, interval, number
from robustness.jsonsafe import finite_or_none

__all__ = [
    "MAX_TEXTS",
    "MIN_TEXTS",
    "N_FEATURES",
    "DocSample",
    "TextContent",
    "TextSummary",
    "compare_content",
    "content_sentence",
    "doc_sample",
]

MAX_TEXTS = 5000  # per side and part
MIN_TEXTS = 50  # per side, to cross-validate
N_FEATURES = 2**18
FOLDS = 5
TOP_WORDS = 5
_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: a well-spread 64-bit hash of 64-bit integers."""
    with np.errstate(over="ignore"):
        z = (x + np.uint64(0x9E3779B97F4A7C15)) & _MASK
        z = ((z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & _MASK
        z = ((z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & _MASK
        return z ^ (z >> np.uint64(31))


@functools.lru_cache(maxsize=1)
def _analyzer() -> Callable[[str], list[str]]:
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(lowercase=True, stop_words="english").build_analyzer()


def _bucket(token: str) -> int:
    from sklearn.utils import murmurhash3_32

    return abs(int(murmurhash3_32(token, seed=0))) % N_FEATURES  # as HashingVectorizer: |signed hash| mod n


@dataclass(frozen=True, eq=False)
class DocSample:
    """At most :data:`MAX_TEXTS` texts as hashed term counts (see the module docstring)."""

    keys: np.ndarray  # uint64, ascending: the sample's selection keys
    hashes: np.ndarray  # uint64: each text's content hash (the canonical order)
    counts: sp.csr_matrix  # texts x N_FEATURES word counts
    words: dict[int, tuple[str, ...]]  # bucket -> the words seen in it
    n_total: int  # present texts the sample was drawn from

    @property
    def n(self) -> int:
        return int(self.keys.size)

    def merge(self, other: DocSample) -> DocSample:
        """The bottom-k sample of both parts together."""
        keys = np.concatenate([self.keys, other.keys])
        hashes = np.concatenate([self.hashes, other.hashes])
        counts = sp.vstack([self.counts, other.counts], format="csr")
        order = np.lexsort((hashes, keys))[:MAX_TEXTS]
        words = dict(self.words)
        for b, w in other.words.items():
            words[b] = tuple(sorted(set(words.get(b, ())) | set(w)))
        return _pruned(DocSample(keys[order], hashes[order], counts[order], words, self.n_total + other.n_total))


def _pruned(s: DocSample) -> DocSample:
    used = set(np.unique(s.counts.indices).tolist())
    if len(used) == len(s.words):
        return s
    return DocSample(s.keys, s.hashes, s.counts, {b: w for b, w in s.words.items() if b in used}, s.n_total)


def doc_sample(series: pd.Series, *, limit: int = MAX_TEXTS) -> DocSample:
    """The sample of one part's present texts (missing values left out)."""
    texts = series.dropna().astype(str)
    hashes = pd.util.hash_pandas_object(texts, index=False).to_numpy(dtype=np.uint64)
    keys = _mix(hashes ^ _mix(np.arange(hashes.size, dtype=np.uint64)))
    chosen = np.arange(keys.size) if keys.size <= limit else np.argpartition(keys, limit - 1)[:limit]
    chosen = chosen[np.lexsort((hashes[chosen], keys[chosen]))]
    analyze = _analyzer()
    buckets: dict[str, int] = {}
    indices: list[int] = []
    data: list[int] = []
    indptr = [0]
    values = texts.to_numpy()
    for i in chosen:
        row: dict[int, int] = {}
        for token in analyze(values[i]):
            b = buckets.get(token)
            if b is None:
                b = buckets[token] = _bucket(token)
            row[b] = row.get(b, 0) + 1
        indices += row.keys()
        data += row.values()
        indptr.append(len(indices))
    counts = sp.csr_matrix(
        (np.array(data, dtype=np.int32), np.array(indices, dtype=np.int32), np.array(indptr, dtype=np.int64)),
        shape=(chosen.size, N_FEATURES),
    )
    words: dict[int, set[str]] = {}
    for token, b in buckets.items():
        words.setdefault(b, set()).add(token)
    return DocSample(
        keys[chosen], hashes[chosen], counts, {b: tuple(sorted(w)) for b, w in words.items()}, int(keys.size)
    )


@dataclass(frozen=True, eq=False)
class TextSummary:
    """A text column: its lengths (characters) and a sample of its texts; ``docs`` is None when only the
    lengths were kept (a saved run's reference keeps no texts)."""

    lengths: NumericSummary | BinnedSummary
    docs: DocSample | None

    @property
    def n(self) -> int:
        return self.lengths.n

    @property
    def n_missing(self) -> int:
        return self.lengths.n_missing

    @property
    def n_posinf(self) -> int:
        return 0

    @property
    def n_neginf(self) -> int:
        return 0

    def merge(self, other: TextSummary) -> TextSummary:
        a, b = self.lengths, other.lengths
        lengths: NumericSummary | BinnedSummary
        if isinstance(a, NumericSummary) and isinstance(b, NumericSummary):
            lengths = a.merge(b)
        elif isinstance(a, BinnedSummary) and isinstance(b, BinnedSummary):
            lengths = a.merge(b)
        else:
            raise ValueError("Only text summaries of one engine (exact or binned lengths) can be merged.")
        docs = None if self.docs is None or other.docs is None else self.docs.merge(other.docs)
        return TextSummary(lengths, docs)


@dataclass(frozen=True)
class TextContent:
    """The content comparison of a text column (JSON: ``content``)."""

    auc: float
    ci_low: float
    ci_high: float
    p_value: float  # one-sided, AUC > 0.5
    words_current: tuple[str, ...]  # more frequent in the current texts, strongest first
    words_reference: tuple[str, ...]
    n_reference: int  # texts used
    n_current: int
    n_reference_total: int  # present texts
    n_current_total: int
    folds: int = FOLDS
    seed: int = 0
    test: str = "tfidf_domain_classifier"
    ci_method: str = "DeLong 95% CI on pooled out-of-fold scores"
    features: str = field(default=f"TF-IDF of word counts hashed to {N_FEATURES:,} buckets")

    @property
    def sampled(self) -> bool:
        return self.n_reference < self.n_reference_total or self.n_current < self.n_current_total

    def to_dict(self) -> dict:
        d = asdict(self)
        for key in ("auc", "ci_low", "ci_high", "p_value"):
            d[key] = finite_or_none(d[key])
        d["words_current"], d["words_reference"] = list(self.words_current), list(self.words_reference)
        d["sampled"] = self.sampled
        return d


def compare_content(ref: DocSample, cur: DocSample, *, seed: int = 0) -> TextContent | None:
    """The domain classifier on two samples (the module docstring); None with fewer than MIN_TEXTS a side."""
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from threadpoolctl import threadpool_limits

    from robustness.drift.multivariate import delong

    if min(ref.n, cur.n) < MIN_TEXTS:
        return None
    y = np.r_[np.zeros(ref.n, dtype=np.int64), np.ones(cur.n, dtype=np.int64)]
    hashes = np.concatenate([ref.hashes, cur.hashes])
    order = np.lexsort((y, hashes))  # canonical: the same in both engines whatever order the parts came in
    X = sp.vstack([ref.counts, cur.counts], format="csr")[order]
    y = y[order]

    def model():
        return make_pipeline(TfidfTransformer(sublinear_tf=True), LogisticRegression(C=1.0, solver="liblinear"))

    cv = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    with threadpool_limits(1):
        scores = cross_val_predict(model(), X, y, cv=cv, method="decision_function")
        fitted = model().fit(X, y)
    auc, se = delong(y, scores)
    z = stats.norm.ppf(0.975)
    if se > 0:
        p = float(stats.norm.sf((auc - 0.5) / se))
    else:
        p = 0.0 if auc > 0.5 else 1.0
    coef = fitted[-1].coef_[0]
    share_ref = np.bincount(ref.counts.indices, minlength=N_FEATURES) / ref.n  # texts holding each bucket
    share_cur = np.bincount(cur.counts.indices, minlength=N_FEATURES) / cur.n
    words = dict(ref.words)
    for b, w in cur.words.items():
        words[b] = tuple(sorted(set(words.get(b, ())) | set(w)))

    def top(sign: int, more: np.ndarray) -> tuple[str, ...]:
        picked = np.flatnonzero((sign * coef > 0) & more)
        picked = picked[np.argsort(-sign * coef[picked], kind="stable")][:TOP_WORDS]
        return tuple(" / ".join(words.get(int(b), ("?",))) for b in picked)

    return TextContent(
        auc=float(auc),
        ci_low=float(max(0.0, auc - z * se)),
        ci_high=float(min(1.0, auc + z * se)),
        p_value=float(np.clip(p, 0.0, 1.0)),
        words_current=top(1, share_cur > share_ref),
        words_reference=top(-1, share_ref > share_cur),
        n_reference=ref.n,
        n_current=cur.n,
        n_reference_total=ref.n_total,
        n_current_total=cur.n_total,
        seed=seed,
    )


def _quoted(words: tuple[str, ...], k: int = 3) -> str:
    return ", ".join(f"'{w}'" for w in words[:k])


def content_sentence(content: TextContent, threshold: float) -> str:
    """'Texts differ in content: AUC 0.81 (0.77–0.85); words more frequent in current: 'refund', 'delay'.'
    (AUC at or above ``threshold``); below it, "differ a little" or, when the interval holds 0.5, "read alike"."""
    auc = f"AUC {number(content.auc)} ({interval(content.ci_low, content.ci_high)})"
    if content.ci_low <= 0.5:
        return f"Texts read alike by content: a classifier tells them apart with {auc}; 0.5 is chance."
    if content.auc < threshold:
        parts = [f"Texts differ a little in content: {auc}, below the {number(threshold)} that counts"]
    else:
        parts = [f"Texts differ in content: {auc}"]
    if content.words_current:
        parts.append(f"words more frequent in current: {_quoted(content.words_current)}")
    if content.words_reference:
        parts.append(f"in the reference: {_quoted(content.words_reference)}")
    return "; ".join(parts) + "."


def content_details(content: TextContent) -> str:
    used = f"{count(content.n_reference)} + {count(content.n_current)} texts" + (
        f" (uniform samples of {count(content.n_reference_total)} and {count(content.n_current_total)})"
        if content.sampled
        else ""
    )
    return (
        f"TF-IDF domain classifier (logistic regression, {content.folds}-fold, seed {content.seed}) on {used}: "
        f"AUC {number(content.auc)}, {content.ci_method} {interval(content.ci_low, content.ci_high)}, "
        f"one-sided p {number(content.p_value)}."
    )


def gini(auc: float) -> float:
    return max(0.0, 2.0 * auc - 1.0) if math.isfinite(auc) else 0.0
