"""Stress-suite overhead: the whole suite's time against the model's own time on the same rows.

    .venv/bin/python benchmarks/stress_overhead.py [--rows 100000] [--repeats 2]

Cases (the credit scenario's fitted model, a GradientBoostingClassifier Pipeline):

- ``credit demo``: the demo's current data (4,000 rows), default StressConfig, so the suite
  samples max_rows = 2,000 of them;
- ``credit full``: the same data with max_rows = 4,000 (every row);
- ``credit 100k``: 100,000 rows from the scenario's generator (``_credit_frame(rng, n,
  current=True)`` with rng = default_rng(1)) and max_rows = 100,000, so the suite scores every
  row (documented choice: the benchmark is about throughput on large data, not sampling).

The reference is the demo's reference data; column kinds are inferred once before timing, as
the CLI and the page do (``infer_schema(reference).kinds()``), and passed to ``run_stress``.

The adapter is wrapped in a recorder that keeps every frame the suite passes to predict /
predict_proba (references only: no copy, no timing inside the suite). "suite" is the wall time
of ``run_stress`` (sampling, reference statistics, perturbations, stacking, model calls,
metrics, verdicts, fragile rows). "model" is the time of replaying exactly the recorded calls
(same method, same stacked frames, same order) on the plain adapter right after, in the same
process. Each is the best of ``--repeats`` runs. overhead = suite / model.

The last line is ``overhead=X``: the worse (largest) overhead of the credit demo and 100k cases.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from robustness.demo import _credit_frame, load_scenario  # noqa: E402
from robustness.io.infer import infer_schema  # noqa: E402
from robustness.models import from_estimator  # noqa: E402
from robustness.stress.config import StressConfig  # noqa: E402
from robustness.stress.suite import run_stress  # noqa: E402


class Recorder:
    """Delegates to the adapter and keeps (method, frame) for every model call."""

    def __init__(self, model):
        self._model = model
        self.calls: list[tuple[str, object]] = []

    def __getattr__(self, name):
        return getattr(self._model, name)

    def predict(self, X):
        self.calls.append(("predict", X))
        return self._model.predict(X)

    def predict_proba(self, X):
        self.calls.append(("predict_proba", X))
        return self._model.predict_proba(X)


def replay(model, calls) -> float:
    start = time.perf_counter()
    for method, X in calls:
        getattr(model, method)(X)
    return time.perf_counter() - start


def measure(name, model, data, reference, kinds, config, repeats):
    best_suite, best_model, rec, result = np.inf, np.inf, None, None
    for _ in range(repeats):
        rec = Recorder(model)
        gc.collect()
        start = time.perf_counter()
        result = run_stress(rec, data, target="default", reference=reference, kinds=kinds, config=config)
        best_suite = min(best_suite, time.perf_counter() - start)
        gc.collect()
        best_model = min(best_model, replay(model, rec.calls))
        if repeats > 1:
            rec.calls.clear()
    rec = Recorder(model)
    run_stress(rec, data, target="default", reference=reference, kinds=kinds, config=config)
    rows = sum(len(X) for _, X in rec.calls)
    cells = sum(1 for r in result.results if r.severity > 0) + len(result.feature_sensitivity)
    return {
        "case": name,
        "data": len(data),
        "sampled": result.n_rows,
        "cells": cells,
        "calls": len(rec.calls),
        "rows": rows,
        "suite": best_suite,
        "model": best_model,
        "overhead": best_suite / best_model,
        "verdict": result.verdict,
        "score": result.score,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the large case")
    parser.add_argument("--repeats", type=int, default=2, help="runs per case (best time kept)")
    args = parser.parse_args()

    s = load_scenario("credit")
    model = from_estimator(s.model, source="demo")
    kinds = infer_schema(s.reference[list(s.features)]).kinds()
    big = _credit_frame(np.random.default_rng(1), args.rows, current=True)
    model.predict_proba(s.current.head(50))  # warm-up: first-call costs are not the suite's

    cases = [
        ("credit demo", s.current, StressConfig()),
        ("credit full", s.current, StressConfig(max_rows=len(s.current))),
        (f"credit {args.rows // 1000}k", big, StressConfig(max_rows=len(big))),
    ]
    print(
        f"{'case':<13} {'data':>8} {'sampled':>8} {'cells':>6} {'calls':>6} {'rows_scored':>12} "
        f"{'suite_s':>8} {'model_s':>8} {'overhead':>9}  verdict",
        flush=True,
    )
    runs = []
    for name, data, config in cases:
        r = measure(name, model, data, s.reference, kinds, config, args.repeats)
        runs.append(r)
        print(
            f"{r['case']:<13} {r['data']:>8,} {r['sampled']:>8,} {r['cells']:>6} {r['calls']:>6} {r['rows']:>12,} "
            f"{r['suite']:>8.2f} {r['model']:>8.2f} {r['overhead']:>9.2f}  {r['verdict']} ({r['score']:.1f})",
            flush=True,
        )
    judged = [r for r in runs if r["case"] != "credit full"]
    print(f"overhead={max(r['overhead'] for r in judged):.2f}")


if __name__ == "__main__":
    main()
