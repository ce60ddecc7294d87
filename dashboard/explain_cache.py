"""Cached backend calls of the explainability page, keyed by the workspace's content hash and the settings.

The explainer (it holds the model and a background sample) is a resource; explanations and the
views built from them are data. ``key`` is always ``ws.key()``: a session only gets back what its
own workspace produced.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from robustness.explain import (
    ExplainConfig,
    Explainer,
    Explanation,
    explanation_shift,
    partial_dependence,
    permutation_importance,
    strongest_interaction,
)
from robustness.stress import ReferenceStats
from robustness.workspace import Workspace

#: Rows offered as "worst errors".
WORST = 20


def config_from_key(config_key: str) -> ExplainConfig:
    return ExplainConfig.from_dict(json.loads(config_key)) if config_key else ExplainConfig()


def inputs(ws: Workspace) -> list[str]:
    """The model's input columns (present in both files: the workspace checked that)."""
    return [c for c in ws.feature_columns() if c in ws.current.frame.columns and c in ws.reference.frame.columns]


@st.cache_resource(show_spinner=False, max_entries=8)
def cached_explainer(_ws: Workspace, key: str, config_key: str) -> Explainer:
    return Explainer(_ws.model, _ws.reference.frame[inputs(_ws)], config=config_from_key(config_key))


@st.cache_data(show_spinner=False, max_entries=16)
def cached_explanation(_ws: Workspace, key: str, config_key: str, which: str = "current") -> Explanation:
    """A seeded sample of the current (or reference) rows, explained."""
    table = _ws.current if which == "current" else _ws.reference
    return cached_explainer(_ws, key, config_key).explain(table.frame[inputs(_ws)])


@st.cache_data(show_spinner=False, max_entries=64)
def cached_rows(_ws: Workspace, key: str, config_key: str, rows: pd.DataFrame) -> Explanation:
    """Exactly these rows (a chosen row, an edited what-if row), explained."""
    return cached_explainer(_ws, key, config_key).explain(rows[inputs(_ws)], sample=False)


@st.cache_data(show_spinner=False, max_entries=16)
def cached_permutation_importance(_ws: Workspace, key: str, seed: int):
    target = _ws.roles.target if _ws.target_in_current else None
    cols = inputs(_ws) + ([target] if target else [])
    return permutation_importance(_ws.model, _ws.current.frame[cols], target=target, seed=seed)


@st.cache_data(show_spinner=False, max_entries=32)
def cached_pdp(_ws: Workspace, key: str, feature: str, seed: int):
    return partial_dependence(_ws.model, _ws.current.frame[inputs(_ws)], feature, seed=seed)


@st.cache_data(show_spinner=False, max_entries=64)
def cached_interaction(_ws: Workspace, key: str, config_key: str, feature: str, output) -> str | None:
    expl = cached_explanation(_ws, key, config_key, "current")
    return strongest_interaction(expl, feature, output=output)


@st.cache_data(show_spinner=False, max_entries=16)
def cached_shift(_ws: Workspace, key: str, config_key: str):
    reference = cached_explanation(_ws, key, config_key, "reference")
    current = cached_explanation(_ws, key, config_key, "current")
    return explanation_shift(reference, current)


@st.cache_resource(show_spinner=False, max_entries=8)
def cached_reference_stats(_ws: Workspace, key: str) -> ReferenceStats:
    return ReferenceStats.from_frame(_ws.reference.frame, kinds=_ws.schema.kinds(), columns=inputs(_ws))
