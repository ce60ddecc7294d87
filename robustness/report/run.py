"""One trust-report run on files: what the CLI shares with the page."""

from __future__ import annotations

import hashlib
from pathlib import Path

from robustness.errors import ConfigError, DataError
from robustness.io.data import read_table
from robustness.io.models import load_model
from robustness.report.scorecard import ReportConfig, TrustReport, build_report
from robustness.schema import ColumnRoles
from robustness.workspace import build_workspace, guess_roles_with_model


def report_files(
    model_path: str | Path,
    reference_path: str | Path,
    current_path: str | Path,
    *,
    target: str | None = None,
    config: str | Path | ReportConfig | None = None,
    seed: int | None = None,
    allow_pickle: bool = False,
    trusted_types=(),
    feature_names=None,
) -> TrustReport:
    """Read the model and both files, assemble a workspace (roles guessed, ``target`` wins) and
    build the trust report. Bad input raises a RobustnessError naming the file and the fix."""
    cfg = config if isinstance(config, ReportConfig) else (ReportConfig.from_file(config) if config else ReportConfig())
    if seed is not None:
        cfg = ReportConfig.from_dict({**cfg.to_dict(), "seed": int(seed)})
    model = load_model(model_path, allow_pickle=allow_pickle, trusted_types=trusted_types,
                       feature_names=feature_names)
    reference, current = read_table(reference_path), read_table(current_path)
    if reference.frame.empty:
        raise DataError(f"The reference file {reference.name} has no rows; the report compares current data with it.")
    if current.frame.empty:
        raise DataError(f"The current file {current.name} has no rows; there is nothing to check.")
    guessed = guess_roles_with_model(reference.frame, model)
    if target is not None and target not in reference.frame.columns:
        raise ConfigError(f"The target column '{target}' is not in {reference.name}. Columns there: "
                          f"{', '.join(map(str, list(reference.frame.columns)[:15]))}. Name another with --target.")
    roles = ColumnRoles.from_dict({**guessed.to_dict(), **({"target": target} if target else {})})
    digest = hashlib.sha256(Path(model_path).read_bytes()).hexdigest()
    ws = build_workspace(reference, current, roles, model=model, model_name=Path(model_path).name, model_sha256=digest)
    return build_report(ws, cfg)
