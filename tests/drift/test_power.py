"""Calibration and power of the default rule, with fixed seeds (the numbers behind
``benchmarks/drift_power.py`` and the rule in ``robustness.drift.rule``).

- The default numeric test (KS + Brown-Forsythe) keeps per-column false alarms at or below alpha on
  random splits, including whole-number and heavily tied columns (checked without BH and without the
  size condition, i.e. the test alone);
- the default rule flags a 0.1-SD shift, an SD x1.2, a 5-point share change and a new category at 1 %
  once the data can see them, and keeps flagging them as n grows (power never falls with n).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from robustness.drift import DriftConfig, drift

RAW = DriftConfig(
    correction="none",
    min_shift_sd=0,
    min_spread_ratio=1,
    min_shape_sd=0,
    min_share_change=0,
    min_new_category_share=0,
)


def _null_frame(rng, n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "normal": rng.normal(50, 10, n),
            "lognormal": rng.lognormal(0, 1, n),
            "t3": rng.standard_t(3, n),
            "poisson": rng.poisson(3, n).astype(float),
            "three_values": rng.choice([0.0, 1.0, 2.0], n, p=[0.8, 0.15, 0.05]),
            "rounded": rng.normal(100, 15, n).round(-1),
        }
    )


def _false_alarms(n: int, reps: int, seed: int) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    kinds = dict.fromkeys(_null_frame(rng, 2).columns, "numerical")
    flags: dict[str, int] = dict.fromkeys(kinds, 0)
    for _ in range(reps):
        pop = _null_frame(rng, 2 * n)
        res = drift(pop.iloc[:n], pop.iloc[n:], kinds=kinds, config=RAW)
        for f in res.features:
            assert f.test == "ks_bf"
            flags[f.feature] += f.drifted
    return {c: v / reps for c, v in flags.items()}


def _check_level(rates: dict[str, float], reps: int) -> None:
    se = math.sqrt(0.05 * 0.95 / reps)
    pooled = float(np.mean(list(rates.values())))
    assert pooled <= 0.05 + 2.5 * se / math.sqrt(len(rates)), rates  # all columns together
    assert max(rates.values()) <= 0.05 + 3 * se, rates  # each column


@pytest.mark.parametrize("n,reps", [(300, 120), (2000, 50)])
def test_false_alarms_at_or_below_alpha_per_column(n, reps):
    _check_level(_false_alarms(n, reps, seed=n), reps)


def test_false_alarms_at_20k_rows():
    _check_level(_false_alarms(20_000, 25, seed=20_000), 25)


def test_no_false_alarm_under_the_default_rule_at_2000_rows():
    """With BH and the size condition, random splits of mixed columns almost never drift."""
    rng = np.random.default_rng(5)
    flagged = 0
    for _ in range(40):
        pop = _null_frame(rng, 4000).assign(c=rng.choice(list("abcde"), 4000), b=rng.random(4000) < 0.3)
        flagged += drift(pop.iloc[:2000], pop.iloc[2000:]).dataset.n_drifted
    assert flagged <= 2


def _changed(rng, n: int, *, changed: bool) -> pd.DataFrame:
    share = np.array([0.3, 0.25, 0.2, 0.15, 0.1])
    if changed:
        share = share + np.array([0.05, 0, 0, 0, -0.05])
    new = np.array([0.4, 0.35, 0.25, 0.0])
    if changed:
        new = np.array([0.4, 0.35, 0.24, 0.01])
    return pd.DataFrame(
        {
            "shift_0.1sd": rng.normal(50 + (1.0 if changed else 0.0), 10, n),
            "sd_x1.2": rng.normal(50, 12 if changed else 10, n),
            "share_5pt": rng.choice(list("abcde"), n, p=share),
            "new_1pct": rng.choice(["w", "x", "y", "z"], n, p=new),
        }
    )


def _power(n: int, reps: int, seed: int) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    hits: dict[str, int] = {}
    for _ in range(reps):
        res = drift(_changed(rng, n, changed=False), _changed(rng, n, changed=True))
        for f in res.features:
            hits[f.feature] = hits.get(f.feature, 0) + f.drifted
    return {c: v / reps for c, v in hits.items()}


def test_changes_are_flagged_once_the_data_can_see_them():
    at_2k = _power(2000, 30, seed=1)
    assert at_2k["sd_x1.2"] >= 0.9 and at_2k["new_1pct"] >= 0.9, at_2k
    assert at_2k["share_5pt"] >= 0.6 and at_2k["shift_0.1sd"] >= 0.4, at_2k
    at_20k = _power(20_000, 8, seed=2)
    assert all(v == 1.0 for v in at_20k.values()), at_20k
    for col in at_2k:  # more data never hides a real change
        assert at_20k[col] >= at_2k[col]


def test_changes_stay_flagged_at_200k_rows():
    """The old rule's failure: above large_sample a 5-point share change (Jensen-Shannon 0.04 < 0.05)
    was never flagged although its p-value was 1e-25."""
    rng = np.random.default_rng(3)
    res = drift(_changed(rng, 200_000, changed=False), _changed(rng, 200_000, changed=True))
    assert all(f.drifted for f in res.features), [(f.feature, f.effect) for f in res.features]
    share = res.feature("share_5pt")
    assert share.effect.name == "share change" and share.effect.value == pytest.approx(0.05, abs=0.01)
    assert share.message.startswith(("Share of 'a' rose from 30", "Share of 'e' fell from 10"))
    assert "Share of 'z' rose from 0 % to 1" in res.feature("new_1pct").message
    assert res.feature("sd_x1.2").effect.name == "spread ratio"
    assert res.feature("sd_x1.2").message.startswith("Spread widened 1.2x (SD 10 -> 12")


# -- text content --------------------------------------------------------------------------------------------

_WORDS = (
    "order package delivery arrived customer service account payment card item box store online app help "
    "shipping price product size colour review quality return week morning thanks friendly staff email phone"
).split()
_TOPICS = {
    "delivery": "tracking courier parcel address doorstep".split(),
    "complaint": "refund delay cancelled broken damaged".split(),
}


def _messages(rng, n: int, complaint_share: float) -> pd.DataFrame:
    """Customer messages: 8-20 everyday words and one or two words of a topic (delivery or complaint)."""
    out = []
    for _ in range(n):
        topic = _TOPICS["complaint" if rng.random() < complaint_share else "delivery"]
        words = [*rng.choice(_WORDS, rng.integers(8, 21)), *rng.choice(topic, rng.integers(1, 3))]
        rng.shuffle(words)
        out.append(" ".join(words))
    return pd.DataFrame({"message": out})


def test_text_content_random_splits_stay_at_or_below_alpha():
    """The default text test (TF-IDF classifier + lengths, Bonferroni) on random splits of one corpus, without
    BH and the size condition: false alarms at or below alpha."""
    rng = np.random.default_rng(11)
    reps, flagged = 40, 0
    config = DriftConfig(correction="none", min_text_auc=0.5, min_shift_sd=0, min_spread_ratio=1, min_shape_sd=0)
    for _ in range(reps):
        both = _messages(rng, 600, 0.2)
        f = drift(both.iloc[:300], both.iloc[300:], kinds={"message": "text"}, config=config).features[0]
        assert f.test == "tfidf" and f.content is not None
        flagged += f.drifted
    assert flagged / reps <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / reps), flagged


def test_a_topic_shift_is_flagged_and_a_random_split_is_not():
    """Complaints rising from 20 % to 40 % of the messages (the lengths unchanged; a classifier that knew the
    topic words perfectly would reach AUC 0.5 + 0.2 / 2 = 0.6): flagged by content, with
    the words that tell the two apart; a random split of the same corpus is not flagged (fixed seeds)."""
    rng = np.random.default_rng(12)
    shifted = [
        drift(_messages(rng, 1000, 0.2), _messages(rng, 1000, 0.4), kinds={"message": "text"}).features[0]
        for _ in range(5)
    ]
    assert all(f.drifted and f.effect.name == "content AUC" for f in shifted), [(f.p_value, f.effect) for f in shifted]
    first = shifted[0]
    assert first.content.ci_low > 0.5 and first.statistic == first.content.auc
    assert set(first.content.words_current[:3]) <= set(_TOPICS["complaint"])
    assert set(first.content.words_reference[:3]) <= set(_TOPICS["delivery"])
    assert first.message.startswith("Texts differ in content: AUC ")
    assert "words more frequent in current: '" in first.message
    stable = [
        drift(both.iloc[:1000], both.iloc[1000:], kinds={"message": "text"}).features[0]
        for both in (_messages(rng, 2000, 0.2) for _ in range(5))
    ]
    assert not any(f.drifted for f in stable), [(f.p_value, f.effect) for f in stable]
    assert not any("Texts differ in content" in f.message for f in stable)
    assert sum("Texts read alike by content" in f.message for f in stable) >= 4
