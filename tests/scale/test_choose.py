"""--engine auto: Dask for folders, globs, URLs and big Parquet inputs, pandas otherwise, and it says why."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from robustness.errors import ConfigError
from robustness.scale.choose import choose_engine


@pytest.fixture
def files(tmp_path):
    frame = pd.DataFrame({"x": np.random.default_rng(0).normal(size=20_000)})
    frame.to_parquet(tmp_path / "a.parquet")
    frame.to_csv(tmp_path / "a.csv", index=False)
    (tmp_path / "folder").mkdir()
    frame.to_parquet(tmp_path / "folder" / "part-0.parquet")
    return tmp_path


def test_explicit_choice_is_obeyed(files):
    assert choose_engine("memory", [str(files / "folder")]).engine == "memory"
    assert choose_engine("dask", [str(files / "a.csv")]).engine == "dask"
    with pytest.raises(ConfigError, match="--engine"):
        choose_engine("spark", [str(files / "a.csv")])


def test_small_files_stay_in_memory(files):
    choice = choose_engine("auto", [str(files / "a.parquet"), str(files / "a.parquet")])
    assert choice.engine == "memory" and choice.note is None


@pytest.mark.parametrize("path", ["folder", "folder/*.parquet", "s3://bucket/data/"])
def test_folders_globs_and_urls_go_to_dask(files, path):
    target = path if "://" in path else str(files / path)
    choice = choose_engine("auto", [str(files / "a.parquet"), target])
    assert choice.engine == "dask" and "Dask engine" in choice.note


def test_the_size_threshold_applies_to_parquet_only(files, monkeypatch):
    size_mb = (files / "a.parquet").stat().st_size / 2**20
    monkeypatch.setenv("ROBUSTNESS_DASK_THRESHOLD_MB", str(size_mb * 1.5))
    assert choose_engine("auto", [str(files / "a.parquet")]).engine == "memory"
    choice = choose_engine("auto", [str(files / "a.parquet"), str(files / "a.parquet")])
    assert choice.engine == "dask" and "ROBUSTNESS_DASK_THRESHOLD_MB" in choice.note
    monkeypatch.setenv("ROBUSTNESS_DASK_THRESHOLD_MB", "0")
    assert choose_engine("auto", [str(files / "a.csv")]).engine == "memory"  # CSV: pandas only
    monkeypatch.setenv("ROBUSTNESS_DASK_THRESHOLD_MB", "lots")
    with pytest.raises(ConfigError, match="ROBUSTNESS_DASK_THRESHOLD_MB"):
        choose_engine("auto", [str(files / "a.parquet")])
