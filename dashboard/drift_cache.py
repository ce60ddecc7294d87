"""Cached backend calls of the drift page, keyed by the workspace's content hash and the settings."""

from __future__ import annotations

import json

import streamlit as st

from robustness.drift import DriftConfig
from robustness.drift.run import run_drift
from robustness.workspace import Workspace


def config_from_key(config_key: str) -> DriftConfig:
    return DriftConfig.from_dict(json.loads(config_key)) if config_key else DriftConfig()


@st.cache_data(show_spinner="Testing every column for drift…", max_entries=16)
def cached_drift(_ws: Workspace, key: str, config_key: str):
    """(DriftResult, target FeatureDrift | None); the frames stay out of the cache."""
    run = run_drift(
        _ws.reference, _ws.current, roles=_ws.roles, kinds=_ws.schema.kinds(), config=config_from_key(config_key)
    )
    return run.result, run.target


def input_columns(ws: Workspace) -> list[str]:
    """The columns compared for drift: every non-role column present in either file."""
    from robustness.drift.run import feature_columns

    return feature_columns(ws.reference.frame, ws.current.frame, ws.roles)


@st.cache_data(show_spinner="Checking data quality…", max_entries=16)
def cached_quality(_ws: Workspace, key: str):
    from robustness.quality import quality

    return quality(_ws.reference.frame, _ws.current.frame, kinds=_ws.schema.kinds(), roles=_ws.roles)


@st.cache_data(show_spinner="Training a classifier to tell current rows from reference rows…", max_entries=16)
def cached_domain_classifier(_ws: Workspace, key: str):
    from robustness.drift.multivariate import domain_classifier

    return domain_classifier(
        _ws.reference.frame, _ws.current.frame, features=input_columns(_ws), kinds=_ws.schema.kinds()
    )


@st.cache_data(show_spinner="Fitting PCA on the reference…", max_entries=16)
def cached_pca(_ws: Workspace, key: str):
    from robustness.drift.multivariate import pca_reconstruction

    return pca_reconstruction(
        _ws.reference.frame, _ws.current.frame, features=input_columns(_ws), kinds=_ws.schema.kinds()
    )


@st.cache_data(show_spinner="Comparing the model's outputs…", max_entries=16)
def cached_prediction_drift(_ws: Workspace, key: str, config_key: str):
    from robustness.drift.prediction import prediction_drift, target_drift

    preds = None
    if _ws.model is not None:
        preds = prediction_drift(_ws.model, _ws.reference.frame, _ws.current.frame, config=config_from_key(config_key))
    target = None
    if _ws.roles.target:
        target = target_drift(
            _ws.reference.frame,
            _ws.current.frame,
            target=_ws.roles.target,
            kind=_ws.schema.kinds().get(_ws.roles.target),
            config=config_from_key(config_key),
        )
    return preds, target


@st.cache_data(show_spinner="Testing each time window…", max_entries=16)
def cached_over_time(_ws: Workspace, key: str, config_key: str, window: str, size: int | None, period: str | None):
    from robustness.drift.windows import drift_over_time

    return drift_over_time(
        _ws.reference.frame,
        _ws.current.frame,
        features=input_columns(_ws),
        kinds=_ws.schema.kinds(),
        timestamp=_ws.roles.timestamp,
        window=window,
        size=size,
        period=period,
        config=config_from_key(config_key),
    )


@st.cache_data(show_spinner="Looking for change points…", max_entries=16)
def cached_change_points(_ws: Workspace, key: str):
    from robustness.drift.windows import output_change_points

    target = _ws.roles.target if _ws.target_in_current else None
    return output_change_points(_ws.model, _ws.current.frame, timestamp=_ws.roles.timestamp, target=target)


@st.cache_data(show_spinner="Measuring how much the model relies on each column…", max_entries=16)
def cached_impact(_ws: Workspace, key: str, config_key: str):
    from robustness.drift.impact import drift_impact

    result, _ = cached_drift(_ws, key, config_key)
    return drift_impact(_ws.model, _ws.reference.frame, result, target=_ws.roles.target if _ws.has_target else None)


@st.cache_data(show_spinner="Building the Evidently report…", max_entries=4)
def cached_evidently(_ws: Workspace, key: str, config_key: str):
    from robustness.drift.evidently_export import evidently_report

    result, _ = cached_drift(_ws, key, config_key)
    return evidently_report(_ws.reference.frame, _ws.current.frame, result)
