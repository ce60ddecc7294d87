"""One explanation run on files: what the CLI shares with the page."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from robustness.errors import DataError, ModelError
from robustness.explain.config import ExplainConfig
from robustness.explain.explainer import Explainer
from robustness.explain.results import ADDITIVITY_TOLERANCE, Explanation
from robustness.formatting import count, number
from robustness.io.data import read_table
from robustness.models import load_model
from robustness.workspace import check_features, guess_roles_with_model

#: Features listed by ``ExplainRun.text()``.
TOP_FEATURES = 10


@dataclass(frozen=True)
class ExplainRun:
    model_name: str
    data_name: str
    explanation: Explanation

    def to_dict(self) -> dict:
        out = self.explanation.to_dict()
        out["model"], out["data"] = self.model_name, self.data_name
        return out

    def text(self) -> str:
        e = self.explanation
        info = e.info
        lines = [
            f"Explanations: {self.model_name} on {self.data_name}",
            f"Explainer: {info.method}, {info.algorithm}",
            f"  why: {info.reason}",
        ]
        sampled = f", a seeded sample (seed {e.seed})" if e.n_rows < e.n_available else ""
        lines.append(f"Rows explained: {count(e.n_rows)} of {count(e.n_available)}{sampled}")
        outputs = "" if e.outputs == ("prediction",) else f" (outputs: {', '.join(e.outputs)})"
        lines.append(f"Scale: {info.scale}{outputs}")
        base = ", ".join(number(v) for v in e.base_values)
        lines.append(f"Base value: {base}")
        # a diagnostic in scientific notation, as tests/test_cli_explain.py reads it ("1.00e-01")
        lines.append(f"Additivity: max |base + sum of attributions - model output| = {e.additivity_max_error:.2e}")
        if not e.additive:
            lines.append(
                f"WARNING: the attributions do not add up to the model's output (tolerance "
                f"{number(ADDITIVITY_TOLERANCE)} x max(1, |output|)); treat them with care."
            )
        imp = e.importance()
        if imp:
            width = min(32, max(len(i.feature) for i in imp[:TOP_FEATURES]))
            lines.append(f"Top {min(TOP_FEATURES, len(imp))} of {len(imp)} features by mean |SHAP| ({info.scale}):")
            for rank, i in enumerate(imp[:TOP_FEATURES], 1):
                lines.append(f"  {rank:2d}. {i.feature[:width]:{width}s} {number(i.mean_abs_shap)}")
        for note in e.notes:
            if not note.startswith("Explained a seeded uniform sample"):  # already on the rows line
                lines.append(f"note: {note}")
        return "\n".join(lines)


def run_explain_files(
    model_path: str | Path,
    data_path: str | Path,
    *,
    reference: str | Path | None = None,
    rows: int | None = None,
    config: str | Path | ExplainConfig | None = None,
    seed: int | None = None,
    allow_pickle: bool = False,
    trusted_types=(),
    feature_names=None,
) -> ExplainRun:
    """Explain (a seeded sample of) the rows of ``data_path``.

    The background is ``reference`` when given, else the data itself. ``rows`` sets the row
    budget of the Tree and Linear explainers (``ExplainConfig.rows``); the Permutation explainer
    keeps its own, ``permutation_rows``, from the config. ``seed`` overrides the config's seed.
    """
    model = load_model(model_path, allow_pickle=allow_pickle, trusted_types=trusted_types, feature_names=feature_names)
    if not model.has_model:  # pragma: no cover - files always hold a model
        raise ModelError("Explanations need a model that can score rows, not predictions read from the data.")
    data = read_table(data_path)
    ref = read_table(reference) if reference else None
    cfg = config if isinstance(config, ExplainConfig) else ExplainConfig.from_file(config) if config else None
    cfg = cfg or ExplainConfig()
    if rows is not None:
        cfg = replace(cfg, rows=rows)
    if seed is not None:
        cfg = replace(cfg, seed=seed)
    roles = guess_roles_with_model(data.frame, model)
    tables = (data, ref) if ref is not None else (data,)
    for table in tables:
        fc = check_features(model, table.frame, roles, dataset=table.name)
        if not fc.ok:
            raise DataError(fc.message())
    frame, background = data.frame, ref.frame if ref is not None else data.frame
    if not model.feature_names:
        # the model does not name its inputs: pass every column but the target, ID, timestamp, ...
        role_cols = set(roles.role_columns())
        features = [c for c in data.frame.columns if c not in role_cols]
        missing = [c for c in features if c not in background.columns]
        if missing:
            background_name = (ref if ref is not None else data).name
            raise DataError(
                f"{background_name} lacks the column(s) {', '.join(map(repr, missing[:10]))} that "
                f"{data.name} passes to the model. Use reference data with the same columns."
            )
        frame, background = frame[features], background[features]
    # (a model that names its inputs gets the whole tables: the explainer takes its columns itself)
    model.check_on(frame, name=data.name)
    explanation = Explainer(model, background, config=cfg).explain(frame)
    return ExplainRun(model_name=Path(model_path).name, data_name=data.name, explanation=explanation)
