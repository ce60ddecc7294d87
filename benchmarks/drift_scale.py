"""Drift on Parquet datasets through Dask: time and memory as the data grows.

    .venv/bin/python benchmarks/drift_scale.py [--rows 1000000,5000000] [--workers 2] [--memory-limit 1.5GB]
                                               [--data FOLDER]

For each size, reference and current Parquet datasets of 20 numeric and 5 categorical columns are
generated in partitions (files) of about 1M rows; the current data has a 0.1 SD shift in two
numeric columns and a changed share in one categorical column. The Dask engine
(``robustness.drift.dask_engine.drift_parquet``) runs on a LocalCluster of ``--workers`` worker
processes limited to ``--memory-limit`` each, and the in-memory engine (``robustness.drift.drift``
on the frames loaded with pandas) runs on the smallest size only, for comparison. Peak memory is
the largest resident set summed over this process and all its children (the workers), sampled
every 50 ms. The data is generated before timing and the cluster started before timing.

The last line is ``rows_per_s=X mem_growth=Y time_growth=Z``:
- rows per second at the largest size (both datasets' rows);
- the peak memory at the largest size over the smallest (goal <= 1.5);
- the time per row at the largest size over the smallest (goal <= 1.5).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from robustness.drift import drift  # noqa: E402
from robustness.drift.dask_engine import connect, drift_parquet  # noqa: E402

PART = 1_000_000


def write_dataset(folder: Path, rows: int, *, shifted: bool, seed: int) -> None:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    done, i = 0, 0
    while done < rows:
        n = min(PART, rows - done)
        data = {f"x{j}": rng.normal(0.1 if shifted and j < 2 else 0.0, 1.0, n) for j in range(20)}
        for j in range(5):
            p = [0.5, 0.3, 0.2] if not (shifted and j == 0) else [0.4, 0.35, 0.25]
            data[f"c{j}"] = rng.choice(np.array(["a", "b", "c"], dtype=object), n, p=p)
        pd.DataFrame(data).to_parquet(folder / f"part-{i:04d}.parquet", index=False)
        done, i = done + n, i + 1


class PeakMemory:
    """Largest summed RSS of this process and its children, sampled in a thread."""

    def __init__(self, interval: float = 0.05):
        self.interval, self.peak, self._stop = interval, 0, threading.Event()

    def _sample(self) -> int:
        me = psutil.Process()
        total = 0
        for p in [me] + me.children(recursive=True):
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total

    def __enter__(self):
        self.peak = self._sample()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self._sample())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1000000,5000000", help="comma-separated sizes (rows per dataset)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="1.5GB", help="per worker")
    parser.add_argument("--data", help="keep the generated datasets in this folder and reuse them on the next run")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.rows.split(","))
    tmp = Path(args.data) if args.data else Path(tempfile.mkdtemp(prefix="drift-scale-"))
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        for n in sizes:
            for name, shifted, seed in ((f"ref-{n}", False, 1), (f"cur-{n}", True, 2)):
                if not (tmp / name / "_done").exists():
                    shutil.rmtree(tmp / name, ignore_errors=True)
                    write_dataset(tmp / name, n, shifted=shifted, seed=seed)
                    (tmp / name / "_done").touch()
        client = connect(workers=args.workers, memory_limit=args.memory_limit)
        print(f"{'engine':<8} {'rows':>12} {'seconds':>8} {'rows/s':>12} {'peak_MB':>8}  drifted", flush=True)
        runs = []
        for n in sizes:
            with PeakMemory() as mem:
                start = time.perf_counter()
                res = drift_parquet(str(tmp / f"ref-{n}"), str(tmp / f"cur-{n}"), client=client)
                seconds = time.perf_counter() - start
            drifted = sorted(f.feature for f in res.features if f.drifted)
            runs.append((n, seconds, mem.peak))
            print(
                f"{'dask':<8} {2 * n:>12,} {seconds:>8.1f} {2 * n / seconds:>12,.0f} {mem.peak / 1e6:>8.0f}  "
                f"{', '.join(drifted)}",
                flush=True,
            )
        client.close()
        n = sizes[0]
        with PeakMemory() as mem:
            start = time.perf_counter()
            ref = pd.read_parquet(tmp / f"ref-{n}")
            cur = pd.read_parquet(tmp / f"cur-{n}")
            res = drift(ref, cur)
            seconds = time.perf_counter() - start
        drifted = sorted(f.feature for f in res.features if f.drifted)
        print(
            f"{'memory':<8} {2 * n:>12,} {seconds:>8.1f} {2 * n / seconds:>12,.0f} {mem.peak / 1e6:>8.0f}  "
            f"{', '.join(drifted)}",
            flush=True,
        )
    finally:
        if not args.data:
            shutil.rmtree(tmp, ignore_errors=True)
    (n0, t0, m0), (n1, t1, m1) = runs[0], runs[-1]
    print(f"rows_per_s={2 * n1 / t1:.0f} mem_growth={m1 / m0:.2f} time_growth={(t1 / n1) / (t0 / n0):.2f}")


if __name__ == "__main__":
    main()
