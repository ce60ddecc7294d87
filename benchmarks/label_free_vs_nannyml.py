"""Label-free performance estimation: robustness.monitor against NannyML's CBPE on NannyML's own data.

    .venv/bin/python benchmarks/label_free_vs_nannyml.py            # creates the NannyML venv on first run

NannyML is never a dependency of the product: it lives in its own virtual environment,
``benchmarks/.venv-nannyml`` (created by this script on first use, or by hand:
``python3 -m venv benchmarks/.venv-nannyml && benchmarks/.venv-nannyml/bin/pip install nannyml statsmodels``), and
runs in a subprocess of that environment. Its synthetic car-loan dataset ships inside the package
(``nannyml.load_synthetic_car_loan_dataset()``: 50,000 reference and 50,000 analysis rows, binary
``repaid``, the model's ``y_pred_proba`` and ``y_pred``; the analysis labels come separately).

1. NannyML: ``CBPE(problem_type="classification_binary", metrics=["roc_auc", "accuracy"])`` with its
   default chunking (10 chunks of equal row counts), fitted on the reference and estimating the analysis
   data; its chunks' row ranges, estimates and confidence bounds are written to a temporary folder with
   the data.
2. Ours: ``robustness.monitor.monitor`` on the same rows, windows of the same row counts (so the chunks are
   the same rows), from the prediction columns (no model file), confidence-based estimator only, no drift
   (what CBPE computes). The analysis labels are not given to either estimator.
3. Both against the realised metrics of each chunk (scikit-learn on the analysis labels).

Times are wall-clock of fit + estimate for each tool (NannyML's import and data loading excluded; ours
includes validating the columns). Last line:
``accuracy_mae_ratio=X roc_auc_mae_ratio=Y coverage=Z time_ratio=W``: our mean absolute error over
NannyML's for accuracy and ROC AUC (goals <= 1), the share of (chunk, metric) pairs whose realised value
lies in our 95% interval (goal >= 0.9), and our time over NannyML's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / "benchmarks" / ".venv-nannyml"


def nannyml_part(out: Path) -> None:
    """Runs inside the NannyML venv: CBPE with default chunking; data and chunks to ``out``."""
    import nannyml as nml

    reference, analysis, targets = nml.load_synthetic_car_loan_dataset()
    analysis = analysis.merge(targets, on="id", how="left")
    reference.to_parquet(out / "reference.parquet")
    analysis.to_parquet(out / "analysis.parquet")
    blind = analysis.drop(columns=["repaid"])
    start = time.perf_counter()
    est = nml.CBPE(
        y_pred_proba="y_pred_proba",
        y_pred="y_pred",
        y_true="repaid",
        timestamp_column_name="timestamp",
        metrics=["roc_auc", "accuracy"],
        problem_type="classification_binary",
    )
    est.fit(reference)
    res = est.estimate(blind)
    seconds = time.perf_counter() - start
    df = res.filter(period="analysis").to_df()
    chunks = []
    for _, row in df.iterrows():
        chunks.append(
            {
                "start": int(row[("chunk", "start_index")]),
                "end": int(row[("chunk", "end_index")]),
                "accuracy": float(row[("accuracy", "value")]),
                "roc_auc": float(row[("roc_auc", "value")]),
                "accuracy_low": float(row[("accuracy", "lower_confidence_boundary")]),
                "accuracy_high": float(row[("accuracy", "upper_confidence_boundary")]),
            }
        )
    (out / "nannyml.json").write_text(
        json.dumps({"seconds": seconds, "chunks": chunks, "version": nml.__version__}), encoding="utf-8"
    )


def ensure_venv() -> Path:
    python = VENV / "bin" / "python"
    if python.exists() and subprocess.run([str(python), "-c", "import nannyml"], capture_output=True).returncode == 0:
        return python
    print(f"creating {VENV} with nannyml (once) ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    (VENV / ".gitignore").write_text("*\n", encoding="utf-8")  # never committed
    # nannyml imports statsmodels without declaring it (0.13.1)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "nannyml", "statsmodels"], check=True)
    return python


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--nannyml-part", metavar="DIR", help=argparse.SUPPRESS)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    if args.nannyml_part:
        nannyml_part(Path(args.nannyml_part))
        return

    import numpy as np
    import pandas as pd
    from sklearn.metrics import accuracy_score, roc_auc_score

    sys.path.insert(0, str(ROOT))
    from robustness.monitor import adapter_from_columns, monitor

    python = ensure_venv()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        env = {**os.environ, "PYTHONWARNINGS": "ignore", "NML_DISABLE_USAGE_LOGGING": "1"}  # no telemetry
        subprocess.run([str(python), __file__, "--nannyml-part", tmp], check=True, env=env)
        nml = json.loads((out / "nannyml.json").read_text())
        reference = pd.read_parquet(out / "reference.parquet")
        analysis = pd.read_parquet(out / "analysis.parquet")
    chunks = nml["chunks"]
    sizes = {c["end"] - c["start"] + 1 for c in chunks[:-1]}
    assert len(sizes) == 1, f"NannyML's chunks are not of equal size: {sizes}"
    size = sizes.pop()
    blind = analysis.drop(columns=["repaid"])

    start = time.perf_counter()
    adapter = adapter_from_columns(reference, prediction="y_pred", proba="y_pred_proba", target="repaid")
    ours = monitor(
        adapter,
        reference,
        blind,
        target="repaid",
        chunk=size,
        methods=("confidence",),
        drift=False,
        seed=args.seed,
        exclude=["id", "timestamp"],
    )
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    full = monitor(
        adapter, reference, blind, target="repaid", chunk=size, seed=args.seed, exclude=["id"], timestamp="timestamp"
    )
    full_seconds = time.perf_counter() - start
    assert len(ours.windows) == len(chunks), (len(ours.windows), len(chunks))

    rows, err, covered = [], {"accuracy": ([], []), "roc_auc": ([], [])}, []
    for c, w in zip(chunks, ours.windows):
        assert w.rows == c["end"] - c["start"] + 1
        part = analysis.iloc[c["start"] : c["end"] + 1]
        real = {
            "accuracy": accuracy_score(part["repaid"], part["y_pred"]),
            "roc_auc": roc_auc_score(part["repaid"], part["y_pred_proba"]),
        }
        line = [f"{c['start']:>6}-{c['end']:<6}"]
        for m in ("accuracy", "roc_auc"):
            e = w.estimate(m, "confidence")
            err[m][0].append(abs(e.value - real[m]))
            err[m][1].append(abs(c[m] - real[m]))
            covered.append(e.low <= real[m] <= e.high)
            line.append(f"{m} realised {real[m]:.4f} ours {e.value:.4f} [{e.low:.4f}, {e.high:.4f}] nannyml {c[m]:.4f}")
        rows.append("  ".join(line))
    print(f"NannyML {nml['version']} CBPE, default chunking: {len(chunks)} chunks of {size:,} rows")
    for r in rows:
        print(r)
    mae = {m: (float(np.mean(a)), float(np.mean(b))) for m, (a, b) in err.items()}
    for m, (a, b) in mae.items():
        print(f"{m}: mean absolute error ours {a:.4f}, NannyML {b:.4f}")
    print(
        f"time: ours {seconds:.2f} s (confidence-based only), NannyML {nml['seconds']:.2f} s; ours with ATC, "
        f"importance weighting and per-window drift {full_seconds:.2f} s ({full.summary()})"
    )
    ratio = {m: a / b if b > 0 else float("inf") for m, (a, b) in mae.items()}
    print(
        f"accuracy_mae_ratio={ratio['accuracy']:.3f} roc_auc_mae_ratio={ratio['roc_auc']:.3f} "
        f"coverage={np.mean(covered):.3f} time_ratio={seconds / nml['seconds']:.3f}"
    )


if __name__ == "__main__":
    main()
