"""Univariate drift: robustness.drift against evidently's DataDriftPreset on the same data.

    .venv/bin/python benchmarks/drift_vs_evidently.py [--rows 100000 1000000] [--no-infer]

Data: reference and current frames of N rows each, 20 numerical columns (normal, lognormal,
gamma, uniform; three of them shifted in the current frame) and 5 categorical columns (object
dtype, 4 to 40 categories; one gains a new category). Both engines get the column kinds
explicitly (evidently via DataDefinition) and run their default rule: evidently's distances at
these sizes (normalised Wasserstein for numerical columns, Jensen-Shannon distance for categorical
ones, given the threshold 0.05), ours KS + Brown-Forsythe and chi-square with Benjamini-Hochberg
plus the practical size of each change (robustness.drift.rule). "score" is each engine's statistic
(ours: KS D, chi-square), so scores are not compared, verdicts are.

Each engine runs once per size in a fresh subprocess that builds the (seeded, identical) frames,
then resets the kernel's peak-RSS counter (/proc/self/clear_refs) and runs the engine alone:
"peak" is the highest RSS during the run, "extra" is peak minus the RSS just before it (the
engine's working memory), "data" is the two frames' size (shallow: the category strings are
shared objects, as pandas' CSV reader makes them), and "used" is peak minus the RSS after the
imports (frames + working memory + allocator slack). The goal: used <= 2x data. evidently's
time includes Dataset.from_pandas. "ours+infer" also infers the kinds (robustness.io.infer rules).

The last line is ``speedup_vs_evidently=X``: evidently's time / ours at the largest size.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

N_NUM, N_CAT = 20, 5
SHIFTED_NUM = (0, 7, 13)
SEED = 20240611


def make_frame(n: int, *, current: bool) -> pd.DataFrame:
    rng = np.random.default_rng(SEED + (1 if current else 0))
    data: dict[str, np.ndarray] = {}
    for i in range(N_NUM):
        kind = i % 4
        if kind == 0:
            x = rng.normal(50, 10, n)
        elif kind == 1:
            x = rng.lognormal(10, 0.6, n)
        elif kind == 2:
            x = rng.gamma(2.0, 3.0, n)
        else:
            x = rng.uniform(0, 100, n)
        if current and i in SHIFTED_NUM:
            x = x * 1.1 + x.std() * 0.2
        data[f"num_{i:02d}"] = x
    for j in range(N_CAT):
        size = (4, 8, 12, 20, 40)[j]
        pool = np.array([f"c{j}_{v}" for v in range(size + (1 if current and j == 1 else 0))], dtype=object)
        weights = np.linspace(2.0, 1.0, len(pool))
        data[f"cat_{j}"] = pool[rng.choice(len(pool), n, p=weights / weights.sum())]
    return pd.DataFrame(data)


def kinds(df: pd.DataFrame) -> dict[str, str]:
    return {c: "numerical" if c.startswith("num_") else "categorical" for c in df.columns}


# -- one engine in this process ---------------------------------------------------------------------


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def run_ours(ref: pd.DataFrame, cur: pd.DataFrame, *, infer: bool) -> dict[str, dict]:
    from robustness.drift import drift

    res = drift(ref, cur, kinds=None if infer else kinds(ref))
    return {f.feature: {"test": f.test, "score": f.statistic, "drifted": f.drifted} for f in res.features}


def run_evidently(ref: pd.DataFrame, cur: pd.DataFrame) -> dict[str, dict]:
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    k = kinds(ref)
    definition = DataDefinition(
        numerical_columns=[c for c, v in k.items() if v == "numerical"],
        categorical_columns=[c for c, v in k.items() if v == "categorical"],
    )
    snapshot = Report([DataDriftPreset(num_threshold=0.05, cat_threshold=0.05)]).run(
        Dataset.from_pandas(cur, data_definition=definition), Dataset.from_pandas(ref, data_definition=definition)
    )
    out = {}
    for m in snapshot.dict()["metrics"]:
        cfg = m.get("config", {})
        if cfg.get("type", "").endswith("ValueDrift"):
            out[cfg["column"]] = {
                "test": cfg["method"],
                "score": float(m["value"]),
                "drifted": float(m["value"]) >= float(cfg["threshold"]),
            }
    return out


def worker(engine: str, rows: int) -> None:
    if engine == "evidently":
        import evidently.presets  # noqa: F401  (imports are not the engine's working memory)
    else:
        import robustness.drift  # noqa: F401
        import robustness.io.infer  # noqa: F401
    rss_imports = _status("VmRSS")
    ref, cur = make_frame(rows, current=False), make_frame(rows, current=True)
    data_bytes = int(ref.memory_usage(deep=False).sum() + cur.memory_usage(deep=False).sum())
    gc.collect()
    rss_before = _status("VmRSS")
    exact = _reset_peak()
    t0 = time.perf_counter()
    columns = run_evidently(ref, cur) if engine == "evidently" else run_ours(ref, cur, infer=engine == "ours+infer")
    seconds = time.perf_counter() - t0
    peak = _status("VmHWM")
    print(
        json.dumps(
            {
                "engine": engine,
                "rows": rows,
                "seconds": seconds,
                "data": data_bytes,
                "rss_imports": rss_imports,
                "rss_before": rss_before,
                "peak": peak,
                "peak_exact": exact,
                "columns": columns,
            }
        )
    )


# -- the comparison ---------------------------------------------------------------------------------


def _spawn(engine: str, rows: int) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", engine, "--rows", str(rows)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"{engine} at {rows:,} rows failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _mb(b: float) -> str:
    return f"{b / 2**20:,.0f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--no-infer", action="store_true", help="skip the run that also infers column kinds")
    parser.add_argument("--worker", choices=["ours", "ours+infer", "evidently"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.rows[0])
        return
    sizes = sorted(args.rows)
    engines = ["ours"] + ([] if args.no_infer else ["ours+infer"]) + ["evidently"]
    runs: dict[tuple[str, int], dict] = {}
    print(
        f"{'rows':>10}  {'engine':<11} {'time_s':>8} {'data_MB':>8} {'peak_MB':>8} {'extra_MB':>9} "
        f"{'extra/data':>10} {'used/data':>9} {'drifted':>8}",
        flush=True,
    )
    for rows in sizes:
        for engine in engines:
            r = runs[(engine, rows)] = _spawn(engine, rows)
            extra = r["peak"] - r["rss_before"]
            drifted = sum(c["drifted"] for c in r["columns"].values())
            used = (r["peak"] - r["rss_imports"]) / r["data"]
            print(
                f"{rows:>10,}  {engine:<11} {r['seconds']:>8.2f} {_mb(r['data']):>8} {_mb(r['peak']):>8} "
                f"{_mb(extra):>9} {extra / r['data']:>10.2f} {used:>9.2f} {drifted:>4}/{len(r['columns'])}",
                flush=True,
            )
    print()
    for rows in sizes:
        ours, theirs = runs[("ours", rows)]["columns"], runs[("evidently", rows)]["columns"]
        same = sum(ours[c]["drifted"] == theirs[c]["drifted"] for c in theirs)
        alike = [c for c in theirs if ours[c]["test"] == theirs[c]["test"]]  # scores of the same test only
        diff = f"{max(abs(ours[c]['score'] - theirs[c]['score']) for c in alike):.2e}" if alike else "n/a"
        tests = sorted({(ours[c]["test"], theirs[c]["test"]) for c in theirs})
        print(
            f"{rows:>10,} rows: same verdict on {same}/{len(theirs)} columns, max |score difference| "
            f"(same test) {diff}; tests (ours, evidently): {tests}"
        )
        print(
            f"{'':>10}  time: ours {runs[('ours', rows)]['seconds']:.2f} s, evidently "
            f"{runs[('evidently', rows)]['seconds']:.2f} s, speedup "
            f"{runs[('evidently', rows)]['seconds'] / runs[('ours', rows)]['seconds']:.1f}x"
        )
    if len(sizes) > 1:
        lo, hi = sizes[0], sizes[-1]
        ratio = runs[("ours", hi)]["seconds"] / runs[("ours", lo)]["seconds"]
        nlogn = hi * math.log(hi) / (lo * math.log(lo))
        print(f"our time ratio {hi:,}/{lo:,} rows: {ratio:.1f} (linear: {hi / lo:.1f}, n log n: {nlogn:.1f})")
    largest = sizes[-1]
    speedup = runs[("evidently", largest)]["seconds"] / runs[("ours", largest)]["seconds"]
    print(f"speedup_vs_evidently={speedup:.1f}")


if __name__ == "__main__":
    main()
