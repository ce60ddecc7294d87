"""Explanation overhead: our whole pipeline against a direct shap call, and its cost as data grows.

    .venv/bin/python benchmarks/explain_overhead.py [--repeats 3] [--large 1000000]

Cases (the demo scenarios' fitted models, default ExplainConfig: rows = 500, seed = 0):

- overhead, ``credit`` (GradientBoostingClassifier Pipeline, binary) and ``machines``
  (RandomForestClassifier Pipeline, 3 classes), on each demo's current data (4,000 / 3,000 rows):
  "ours" is ``Explainer(adapter, reference, config=config).explain(current)``: explainer choice
  and construction, background and row sampling, preprocessing, Tree SHAP, summing one-hot
  attributions back onto the raw columns, the model's own output for the additivity check, and
  the predictions. "direct" is what a user would write by hand on exactly the same sampled rows
  (``sample_rows(current, 500, 0)``)::

      shap.TreeExplainer(pipe[-1]).shap_values(pipe[:-1].transform(X_sample))

  (explainer construction included; shap's default additivity check on). Each is the best of
  ``--repeats`` runs, interleaved (ours, direct, ours, direct, ...), after one warm-up of each.
  The two results are cross-checked outside the timings: the same rows, and per row the same
  total attribution. overhead = ours / direct; the worse of the two demos is reported.
- growth: 10,000 and ``--large`` (1,000,000) rows of the credit generator
  (``_credit_frame(np.random.default_rng(1), n, current=True)``), explained with
  ``explain(adapter, data, config=config)``: the background is sampled from the data itself,
  as ``robustness explain`` does without ``--reference``, so both samples (100 background rows,
  500 explained rows) are drawn from the large table. growth = t(large) / t(10k), best of
  ``--repeats`` each, interleaved; sampling keeps the SHAP work flat, so this measures what still
  scales with the table. For comparison (not judged) the table also shows
  ``Explainer(adapter, demo reference).explain(data)``: a fixed background, so only the rows
  explained are sampled from the large table.

The last line is ``overhead=X.XX growth=Y.YY``. Goals: overhead <= 1.2, growth <= 1.5.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import shap  # noqa: E402

from robustness.demo import _credit_frame, load_scenario  # noqa: E402
from robustness.explain import ExplainConfig, Explainer, explain, sample_rows  # noqa: E402
from robustness.models import from_estimator  # noqa: E402


def timed(fn):
    gc.collect()
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def direct_shap(pipe, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return shap.TreeExplainer(pipe[-1]).shap_values(pipe[:-1].transform(X))


def overhead_case(name: str, config: ExplainConfig, repeats: int) -> dict:
    s = load_scenario(name)
    adapter = from_estimator(s.model, source="demo")
    X = sample_rows(s.current, config.rows, config.seed)[list(s.features)]

    def ours():
        return Explainer(adapter, s.reference, config=config).explain(s.current)

    def direct():
        return direct_shap(s.model, X)

    ours(), direct()  # warm-up: first-call costs (imports, caches) are nobody's overhead
    best_ours = best_direct = np.inf
    expl = raw = None
    for _ in range(repeats):
        t, expl = timed(ours)
        best_ours = min(best_ours, t)
        t, raw = timed(direct)
        best_direct = min(best_direct, t)
    # same rows, same attributions (summed over all columns, per row and output)
    assert expl.data.index.equals(X.index), "ours and direct explained different rows"
    raw = np.stack(raw, axis=-1) if isinstance(raw, list) else np.asarray(raw)
    raw = raw[:, :, None] if raw.ndim == 2 else raw
    if raw.shape[-1] == 2 and expl.values.shape[-1] == 1:
        raw = raw[..., 1:]
    diff = float(np.abs(raw.sum(axis=1) - expl.values.sum(axis=1)).max())
    return {
        "case": name,
        "estimator": type(s.model[-1]).__name__,
        "data": len(s.current),
        "rows": expl.n_rows,
        "outputs": len(expl.outputs),
        "ours": best_ours,
        "direct": best_direct,
        "ratio": best_ours / best_direct,
        "diff": diff,
        "additivity": expl.additivity_max_error,
    }


def growth_case(sizes: tuple[int, ...], config: ExplainConfig, repeats: int) -> list[dict]:
    s = load_scenario("credit")
    adapter = from_estimator(s.model, source="demo")
    frames = {n: _credit_frame(np.random.default_rng(1), n, current=True) for n in sizes}
    variants = {
        "own": lambda d: explain(adapter, d, config=config),  # background sampled from the data
        "ref": lambda d: Explainer(adapter, s.reference, config=config).explain(d),  # fixed background
    }
    for run in variants.values():
        run(frames[sizes[0]])  # warm-up
    best = {(v, n): np.inf for v in variants for n in sizes}
    rows = {}
    for _ in range(repeats):
        for n in sizes:  # interleaved
            for v, run in variants.items():
                t, expl = timed(lambda run=run, n=n: run(frames[n]))
                best[v, n] = min(best[v, n], t)
                rows[n] = expl.n_rows
    return [{"data": n, "rows": rows[n], "own": best["own", n], "ref": best["ref", n]} for n in sizes]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per case (best time kept)")
    parser.add_argument("--large", type=int, default=1_000_000, help="rows of the large growth case")
    args = parser.parse_args()
    config = ExplainConfig()

    print(
        f"{'case':<10} {'estimator':<28} {'data':>7} {'rows':>5} {'outputs':>7} {'ours_s':>8} {'direct_s':>9} "
        f"{'overhead':>9} {'max|diff|':>10} {'additivity':>10}",
        flush=True,
    )
    cases = []
    for name in ("credit", "machines"):
        r = overhead_case(name, config, args.repeats)
        cases.append(r)
        print(
            f"{r['case']:<10} {r['estimator']:<28} {r['data']:>7,} {r['rows']:>5} {r['outputs']:>7} "
            f"{r['ours']:>8.3f} {r['direct']:>9.3f} {r['ratio']:>9.2f} {r['diff']:>10.1e} "
            f"{r['additivity']:>10.1e}",
            flush=True,
        )
    overhead = max(r["ratio"] for r in cases)

    print(f"\n{'growth':<10} {'data':>10} {'rows':>5} {'explain(data)_s':>16} {'with_reference_s':>17}", flush=True)
    sizes = (10_000, args.large)
    grown = growth_case(sizes, config, args.repeats)
    for g in grown:
        print(f"{'credit':<10} {g['data']:>10,} {g['rows']:>5} {g['own']:>16.3f} {g['ref']:>17.3f}", flush=True)
    print(
        f"{'ratio':<10} {'':>10} {'':>5} {grown[-1]['own'] / grown[0]['own']:>16.2f} "
        f"{grown[-1]['ref'] / grown[0]['ref']:>17.2f}",
        flush=True,
    )
    growth = grown[-1]["own"] / grown[0]["own"]
    print(f"overhead={overhead:.2f} growth={growth:.2f}")


if __name__ == "__main__":
    main()
