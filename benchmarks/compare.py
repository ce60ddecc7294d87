"""Champion vs challenger at 100k rows: the paired comparison's own time over the time of scoring both models once.

The comparison scores each model once per data set and then reuses the two prediction vectors for every metric,
test, bootstrap resample and disagreement segment. Here reference and current are the same 100k-row frame (the
credit demo's generator), so ``compare`` scores both models twice; its own time is its total minus that scoring:

    overhead = (compare time - 2 x scoring time) / (2 x scoring time)

with stress tests and permutation importance off (they re-score perturbed copies by design and have their own
benchmarks). Also printed: the paired bootstrap's time per 1,000 resamples (accuracy, log loss, Brier score and ROC
AUC together). Goal: overhead <= 1.5. Last line: ``overhead=X``.
"""

from __future__ import annotations

import time

import numpy as np

from robustness.compare import compare, stats
from robustness.demo import SEED, _credit_frame, load_challenger, load_scenario
from robustness.models import from_estimator

N = 100_000


def main() -> None:
    s = load_scenario("credit")
    champion, challenger = from_estimator(s.model), from_estimator(load_challenger("credit"))
    data = _credit_frame(np.random.default_rng(SEED + 7), N, current=True)
    X = data[list(s.features)]
    t0 = time.perf_counter()
    p0, p1 = champion.predict_proba(X), challenger.predict_proba(X)
    score = time.perf_counter() - t0
    print(f"rows={N:,} scoring both models once: {score:.2f} s")

    t0 = time.perf_counter()
    r = compare(champion, challenger, data, data, target="default", stress=False, importance=False, n_boot=1000)
    total = time.perf_counter() - t0
    own = max(total - 2 * score, 0.0)
    print(f"compare (reference = current = {N:,} rows, 1,000 resamples): {total:.2f} s, own time {own:.2f} s")
    print(f"verdict: {r.verdict}; {r.metric('accuracy').difference:+.4f} accuracy")

    y = data["default"].to_numpy()
    c0, c1 = p0.argmax(1) == y, p1.argmax(1) == y
    rows = np.arange(N)
    ll = np.vstack([-np.log(np.clip(p[rows, y], 1e-15, 1)) for p in (p0, p1)])
    br = np.vstack([(p[:, 1] - y) ** 2 for p in (p0, p1)])
    t0 = time.perf_counter()
    stats.paired_bootstrap(
        N,
        means={"accuracy": np.vstack([c0, c1]).astype(float), "log_loss": ll, "brier": br},
        aucs={"roc_auc": (y == 1, p0[:, 1], p1[:, 1])},
        n_boot=1000,
    )
    boot = time.perf_counter() - t0
    print(f"paired bootstrap: {boot:.2f} s per 1,000 resamples (4 metrics, both models)")
    print(f"overhead={own / (2 * score):.2f}")


if __name__ == "__main__":
    main()
