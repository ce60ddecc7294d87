"""Drift rule calibration and power: our default rule against evidently's DataDriftPreset, same data.

    .venv/bin/python benchmarks/drift_power.py [--sizes 300 2000 20000] [--reps 100 60 30]
        [--evidently-reps 20 10 6]

Synthetic frames with 11 base columns (normal, lognormal, Poisson, bimodal, t(3), normal with 30 %
missing; 5 categorical columns of 3, 5, 7, 10 and 12 levels) and 8 columns that carry one change
each in the current frame: location +0.1 and +0.25 SD, spread x1.3 and x1.8, normal -> bimodal
(same mean and SD), a category's share +5 and +10 points, a new level at 2 %.

- **False alarms**: reference and current are a random split of one population of 2n rows (the
  change columns unchanged); per column, the share of runs flagging it. ``max_false_alarm`` is the
  largest over columns and sizes.
- **Power**: a fresh current frame with the 8 changes; per change, the share of runs flagging its
  column. ``mean_power`` averages over changes and sizes; ``monotone`` says whether no change's power
  falls by more than 0.05 from one size to the next (sampling noise at these repetitions).

evidently runs its default DataDriftPreset (KS / chi-square / z up to 1,000 rows, Wasserstein 0.1 /
Jensen-Shannon 0.1 above); a p-value method flags when p < its threshold, a distance when it reaches
its threshold. Ours runs ``robustness.drift.drift`` with the default DriftConfig.

Last line: ``max_false_alarm=X mean_power=Y evidently_mean_power=Z monotone=yes|no``
(goals: X <= 0.05, Y >= 0.75, Y > Z, monotone=yes).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LEVELS = {"c3": 3, "c5": 5, "c7": 7, "c10": 10, "c12": 12}
CHANGES = {
    "loc_0.1sd": "location +0.1 SD",
    "loc_0.25sd": "location +0.25 SD",
    "spread_1.3x": "spread x1.3",
    "spread_1.8x": "spread x1.8",
    "bimodal": "normal -> bimodal",
    "share_5pt": "share +5 points",
    "share_10pt": "share +10 points",
    "new_level_2pct": "new level at 2 %",
}


def _probs(k: int) -> np.ndarray:
    w = np.linspace(2.0, 1.0, k)
    return w / w.sum()


def _cats(rng, n: int, k: int, p=None, prefix: str = "v") -> np.ndarray:
    pool = np.array([f"{prefix}{i}" for i in range(len(p) if p is not None else k)], dtype=object)
    return pool[rng.choice(len(pool), n, p=_probs(k) if p is None else p)]


def _bimodal(rng, n: int) -> np.ndarray:
    """Two peaks at -0.8 and 0.8 (SD 0.6 each): mean 0 and SD 1, like the standard normal."""
    return rng.choice([-0.8, 0.8], n) + rng.normal(0.0, 0.6, n)


def frame(rng, n: int, *, changed: bool = False) -> pd.DataFrame:
    d: dict[str, np.ndarray] = {
        "normal": rng.normal(50, 10, n),
        "lognormal": rng.lognormal(3, 0.8, n),
        "poisson": rng.poisson(3, n).astype(float),
        "bimodal_base": _bimodal(rng, n) * 5 + 20,
        "t3": rng.standard_t(3, n),
        "missing30": np.where(rng.random(n) < 0.3, np.nan, rng.normal(0, 1, n)),
    }
    for name, k in LEVELS.items():
        d[name] = _cats(rng, n, k)
    d["loc_0.1sd"] = rng.normal(0.1 if changed else 0.0, 1, n)
    d["loc_0.25sd"] = rng.normal(0.25 if changed else 0.0, 1, n)
    d["spread_1.3x"] = rng.normal(0, 1.3 if changed else 1.0, n)
    d["spread_1.8x"] = rng.normal(0, 1.8 if changed else 1.0, n)
    d["bimodal"] = _bimodal(rng, n) if changed else rng.normal(0, 1, n)
    for col, pts in (("share_5pt", 0.05), ("share_10pt", 0.10)):
        p = _probs(5).copy()
        if changed:
            p[0] += pts
            p[-1] -= pts
        d[col] = _cats(rng, n, 5, p)
    p8 = np.append(_probs(8) * (0.98 if changed else 1.0), 0.02 if changed else 0.0)
    d["new_level_2pct"] = _cats(rng, n, 8, p8 / p8.sum())
    return pd.DataFrame(d)


def kinds(df: pd.DataFrame) -> dict[str, str]:
    return {c: "numerical" if df[c].dtype.kind == "f" else "categorical" for c in df.columns}


def ours(ref: pd.DataFrame, cur: pd.DataFrame) -> dict[str, bool]:
    from robustness.drift import drift

    res = drift(ref, cur, kinds=kinds(ref))
    return {f.feature: f.drifted for f in res.features}


def evidently(ref: pd.DataFrame, cur: pd.DataFrame) -> dict[str, bool]:
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    k = kinds(ref)
    definition = DataDefinition(
        numerical_columns=[c for c, v in k.items() if v == "numerical"],
        categorical_columns=[c for c, v in k.items() if v == "categorical"],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        snapshot = Report([DataDriftPreset()]).run(
            Dataset.from_pandas(cur, data_definition=definition), Dataset.from_pandas(ref, data_definition=definition)
        )
    out = {}
    for m in snapshot.dict()["metrics"]:
        cfg = m.get("config", {})
        if cfg.get("type", "").endswith("ValueDrift"):
            value, threshold = float(m["value"]), float(cfg["threshold"])
            is_p = "p_value" in str(cfg.get("method", "")).lower().replace("-", "_") or cfg.get("method") in (
                "ks",
                "chisquare",
                "z",
            )
            out[cfg["column"]] = value < threshold if is_p else value >= threshold
    return out


def run(sizes, reps, ev_reps, seed: int = 17) -> dict:
    """Runs ``reps`` repetitions per size; evidently (10x slower) joins the first ``ev_reps`` of them."""
    results = {"false": {}, "power": {}}
    engines = {"ours": ours, "evidently": evidently}
    for n, r, r_ev in zip(sizes, reps, ev_reps):
        rng = np.random.default_rng(seed + n)
        false = {e: {} for e in engines}
        power = {e: {c: 0 for c in CHANGES} for e in engines}
        count = {"ours": r, "evidently": min(r, r_ev)}
        t0 = time.perf_counter()
        for i in range(r):
            pop = frame(rng, 2 * n)
            idx = rng.permutation(2 * n)
            ref, cur = pop.iloc[idx[:n]], pop.iloc[idx[n:]]
            ref2, changed = frame(rng, n), frame(rng, n, changed=True)
            for e, fn in engines.items():
                if i >= count[e]:
                    continue
                for col, flag in fn(ref, cur).items():
                    false[e][col] = false[e].get(col, 0) + flag
                flags = fn(ref2, changed)
                for col in CHANGES:
                    power[e][col] += flags[col]
        for e in engines:
            results["false"][(e, n)] = {c: v / count[e] for c, v in false[e].items()}
            results["power"][(e, n)] = {c: v / count[e] for c, v in power[e].items()}
        print(f"n={n:>6} reps={r:>3} (evidently {count['evidently']}) {time.perf_counter() - t0:.0f} s", flush=True)
    return results


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[300, 2000, 20000])
    ap.add_argument("--reps", type=int, nargs="+", default=[100, 60, 30])
    ap.add_argument("--evidently-reps", type=int, nargs="+", default=[20, 10, 6])
    args = ap.parse_args(argv)
    res = run(args.sizes, args.reps, args.evidently_reps)
    sizes = args.sizes
    print("\nFalse alarms per column (largest column; share of runs):")
    for e in ("ours", "evidently"):
        cells = []
        for n in sizes:
            f = res["false"][(e, n)]
            col = max(f, key=f.get)
            cells.append(f"{n}: {f[col]:.3f} ({col})")
        print(f"  {e:10s} " + "   ".join(cells))
    print("\nPower (share of runs flagging the changed column):")
    print(f"  {'change':22s} " + " ".join(f"{'ours ' + str(n):>11s} {'evid ' + str(n):>11s}" for n in sizes))
    monotone = True
    for col, label in CHANGES.items():
        row = []
        for n in sizes:
            row += [res["power"][("ours", n)][col], res["power"][("evidently", n)][col]]
        ours_row = row[0::2]
        monotone &= all(b >= a - 0.05 for a, b in zip(ours_row, ours_row[1:]))
        print(f"  {label:22s} " + " ".join(f"{v:>11.2f}" for v in row))
    max_false = max(max(res["false"][("ours", n)].values()) for n in sizes)
    mean_power = float(np.mean([v for n in sizes for v in res["power"][("ours", n)].values()]))
    ev_power = float(np.mean([v for n in sizes for v in res["power"][("evidently", n)].values()]))
    ev_false = max(max(res["false"][("evidently", n)].values()) for n in sizes)
    print(f"\nevidently max_false_alarm={ev_false:.3f}")
    print(
        f"max_false_alarm={max_false:.3f} mean_power={mean_power:.3f} "
        f"evidently_mean_power={ev_power:.3f} monotone={'yes' if monotone else 'no'}"
    )


if __name__ == "__main__":
    main()
