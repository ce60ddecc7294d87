"""What the stress suite runs on (labels, input columns, chosen columns and perturbations) and the
plain-language helpers its messages use."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from robustness.errors import ConfigError, DataError, ModelError
from robustness.models import ModelAdapter, Task
from robustness.schema import ColumnKind

if TYPE_CHECKING:
    from robustness.stress._stats import ReferenceStats
    from robustness.stress.config import StressConfig
    from robustness.stress.perturbations import PerturbationSpec
    from robustness.stress.suite import _Cell


def _labels(data: pd.DataFrame, target: str | pd.Series | None) -> pd.Series | None:
    if target is None:
        return None
    if isinstance(target, str):
        if target not in data.columns:
            raise ConfigError(
                f"The target column '{target}' is not in the data. Columns: {_quote(list(map(str, data.columns)))}."
            )
        return data[target]
    if isinstance(target, pd.Series):
        if len(target) != len(data):
            raise DataError(
                f"The target has {len(target)} values but the data has {len(data)} rows; give one label per row."
            )
        if target.index.equals(data.index):
            return target
        return pd.Series(target.to_numpy(), index=data.index, name=target.name)
    raise ConfigError(f"target must be a column name or a pandas Series, not {type(target).__name__}.")


def _input_columns(model: ModelAdapter, data: pd.DataFrame, labels: pd.Series | None) -> list[str]:
    names = getattr(model, "feature_names", None)
    if names is not None:
        missing = [c for c in names if c not in data.columns]
        if missing:
            raise DataError(
                f"The data lacks the model's input column(s) {_quote(missing)}. Load data with the "
                "columns the model was trained on."
            )
        return list(names)
    skip = {labels.name} if labels is not None else set()
    return [c for c in data.columns if c not in skip]


def _chosen_columns(
    config: StressConfig, inputs: Sequence[str], stats: ReferenceStats, specs: Mapping[str, PerturbationSpec]
) -> list[str]:
    if config.columns is not None:
        bad = [c for c in config.columns if c not in inputs]
        if bad:
            raise ConfigError(
                f"Column(s) {_quote(bad)} in the stress settings are not model input columns. "
                f"Choose from: {_quote(inputs)}."
            )
        return list(config.columns)
    kinds: set[ColumnKind] = set().union(*(s.kinds for s in specs.values())) if specs else set()
    chosen = [c for c in inputs if stats.kinds.get(c) in kinds]
    if not chosen:
        raise DataError(
            "None of the model's input columns can be perturbed (they are dates, ids or empty). "
            "Set their kinds, or choose columns in the stress settings."
        )
    return chosen


def _chosen_perturbations(config: StressConfig, specs: Mapping[str, PerturbationSpec]) -> list[str]:
    if config.perturbations is None:
        return list(specs)
    bad = [p for p in config.perturbations if p not in specs]
    if bad:
        raise ConfigError(f"Unknown perturbation(s) {_quote(bad)}. Available: {', '.join(specs)}.")
    return list(config.perturbations)


# -- helpers -------------------------------------------------------------------------------------


def _failure_message(c: _Cell, exc: Exception) -> str:
    cols = _quote(c.columns) if len(c.columns) == 1 else f"any of {_quote(c.columns)}"
    phrase, fix = {
        "missing_random": (f"rows where {cols} is missing", "add an imputer to the model's pipeline"),
        "missing_column": (f"rows where {cols} is missing", "add an imputer to the model's pipeline"),
        "unseen_category": (
            f"rows where {cols} holds a category it never saw",
            "encode categories with handle_unknown='ignore' (or 'infrequent_if_exist')",
        ),
        "typo": (f"rows with typos in {cols}", "normalise text before encoding, and ignore unknown categories"),
    }.get(c.name, (f"rows after '{c.name}' on {cols}", ""))
    return f"the model cannot score {phrase} ({_exc_text(exc)})" + (f"; to fix it, {fix}" if fix else "")


def _exc_text(exc: BaseException) -> str:
    cause = exc.__cause__ if isinstance(exc, ModelError) and exc.__cause__ is not None else exc
    text = str(cause).strip().splitlines()[0] if str(cause).strip() else "no message"
    text = text[:160].rstrip(". ")
    return f"{type(cause).__name__}: {text}"


def _float_array(values: object) -> np.ndarray | None:
    try:
        return np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        return None


def _task(model: ModelAdapter) -> Task:
    return Task(model.task)


def _kind_list(spec: PerturbationSpec) -> str:
    return "/".join(sorted(ColumnKind(k).value for k in spec.kinds))


def _quote(names: Iterable[object]) -> str:
    listed = list(names)
    shown = ", ".join(f"'{n}'" for n in listed[:8])
    return shown + (f" and {len(listed) - 8} more" if len(listed) > 8 else "")
