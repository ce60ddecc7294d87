"""The model on the Dask workers, and bounded uniform samples of Parquet datasets: the runtime that
:mod:`robustness.drift.dask_prediction` (predictions, prediction drift) and :mod:`robustness.stress.dask_stress`
(the stress suite) run on. Nothing here computes a statistic.

**The model travels once.** :func:`ship_model` scatters a :class:`ShippedModel` with
``broadcast=True``: one copy lands in each worker's memory and every task receives that copy. A
scikit-learn adapter (from skops, pickle or an estimator) travels as itself; an ONNX adapter, whose
onnxruntime session does not pickle, travels as the model's bytes, and each worker opens its
session once, on first use.

**Samples** (:func:`draw_sample`, :func:`sample_in`): each partition draws its share of a simple random
sample on its worker (:func:`allocate` splits the rows over the partitions by a multivariate
hypergeometric draw, so every set of ``rows`` rows is equally likely); the shares are joined, labelled
by their row number in the dataset (partition order).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from robustness.errors import DataError, ModelError
from robustness.models import ModelAdapter
from robustness.scale.cluster import open_parquet
from robustness.scale.jobs import Job

if TYPE_CHECKING:
    import dask.dataframe as dd
    from dask.delayed import Delayed
    from distributed import Client, Future

__all__ = [
    "ShippedModel",
    "allocate",
    "arrivals",
    "draw_sample",
    "gather",
    "hold",
    "join_shares",
    "open_for_model",
    "row_counts",
    "sample_in",
    "sample_shares",
    "scatter",
    "ship_model",
    "take_share",
    "uniform_sample_parquet",
    "unpack_model",
]

_ARRIVALS: dict[str, int] = {}  # ShippedModel token -> times it was unpickled in this process

T = TypeVar("T")


# -- the model on the workers -------------------------------------------------------------------


class ShippedModel:
    """What travels to the workers in place of a :class:`ModelAdapter`; ``.adapter`` is the model there."""

    def __init__(self, adapter: ModelAdapter) -> None:
        self.token = uuid.uuid4().hex
        self._adapter: ModelAdapter | None = adapter
        # an OnnxAdapter's session cannot be pickled, its bytes can: (bytes, the options that rebuild it)
        self._onnx: tuple[bytes, dict[str, Any]] | None = None
        if getattr(adapter, "_session", None) is not None:  # only an OnnxAdapter holds an onnxruntime session
            self._onnx = _onnx_payload(adapter)
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {"token": self.token, "adapter": None if self._onnx else self._adapter, "onnx": self._onnx}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.token, self._adapter, self._onnx = state["token"], state["adapter"], state["onnx"]
        self._lock = threading.Lock()
        _ARRIVALS[self.token] = _ARRIVALS.get(self.token, 0) + 1

    @property
    def adapter(self) -> ModelAdapter:
        adapter = self._adapter
        if adapter is None:
            with self._lock:
                if self._adapter is None:
                    from robustness.models.onnx import OnnxAdapter

                    assert self._onnx is not None, "__getstate__ drops the adapter only when it travels as ONNX bytes"
                    data, options = self._onnx
                    self._adapter = OnnxAdapter(data, **options)
                adapter = self._adapter
        return adapter


def _onnx_payload(adapter: ModelAdapter) -> tuple[bytes, dict[str, Any]]:
    """An ONNX adapter as (the model's bytes, the :class:`OnnxAdapter` options that rebuild it on a worker)."""
    from robustness.models.onnx import OnnxAdapter  # imported already: the adapter holds an onnxruntime session

    data = getattr(getattr(adapter, "_session", None), "_model_bytes", None)
    if not isinstance(adapter, OnnxAdapter) or data is None:
        raise ModelError(
            "The ONNX model cannot be sent to the Dask workers because its bytes are not "
            "available. Load it with robustness.models.load_model from its file or bytes."
        )
    matrix = getattr(adapter, "_matrix", False)  # one [rows, k] input: its columns are not the graph's input names
    return bytes(data), {
        "feature_names": adapter.feature_names if matrix else None,
        "classes": adapter.classes,
        "name": adapter.name,
    }


def arrivals(token: str) -> int:
    """How many times the shipped model ``token`` arrived in this process (1 per worker: it travelled once)."""
    return _ARRIVALS.get(token, 0)


def ship_model(job: Job, model: ModelAdapter | ShippedModel) -> ShippedModel | Future[ShippedModel]:
    """One copy of the model on every worker: a Future to pass into tasks (the object itself without a client)."""
    shipped = model if isinstance(model, ShippedModel) else ShippedModel(model)
    return shipped if job.client is None else scatter(job, shipped)


def unpack_model(model: ModelAdapter | ShippedModel) -> tuple[ShippedModel, ModelAdapter]:
    """(the model as it travels, the adapter) from either."""
    shipped = model if isinstance(model, ShippedModel) else ShippedModel(model)
    return shipped, shipped.adapter


def scatter(job: Job, obj: T) -> T | Future[T]:
    """``obj`` on every worker (a Future; the object itself without a client)."""
    return obj if job.client is None else job.client.scatter(obj, broadcast=True, hash=False)


# -- cluster helpers ------------------------------------------------------------------------------


def open_for_model(path: str, name: str, columns: Sequence[str] | None = None) -> dd.DataFrame:
    """The dataset with text as Python strings (as the in-memory reader gives them), so models and
    perturbations see the same values and dtypes in both engines."""
    import dask

    with dask.config.set({"dataframe.convert-string": False}):
        return open_parquet(path, name, columns)


def _wait(job: Job, futures: Sequence[Future[Any]]) -> None:
    """Wait for ``futures``, checking for cancellation; raise the first error."""
    try:
        while not all(f.done() for f in futures):
            job.check()
            time.sleep(0.05)
        job.check()
    except BaseException:
        job.client.cancel(futures)
        raise
    for f in futures:
        if f.status == "error":
            raise f.exception()


def gather(job: Job, items: Sequence[Delayed], label: str) -> list[Any]:
    """Compute delayed objects and bring their (small) results here."""
    job.check()
    job.set_stage(label, len(items))
    if job.client is None:
        import dask

        return list(dask.compute(*items))
    futures = job.client.compute(list(items))
    _wait(job, futures)
    return job.client.gather(futures)


def hold(job: Job, item: Delayed, label: str) -> Future[Any] | Any:
    """Compute a delayed object and keep it on the cluster (a Future; the value itself without a client)."""
    if job.client is None:
        return gather(job, [item], label)[0]
    job.check()
    job.set_stage(label, 1)
    future = job.client.compute(item)
    _wait(job, [future])
    return future


def row_counts(job: Job, ddf: dd.DataFrame, name: str) -> list[int]:
    """The rows of each partition; DataError when the dataset has none."""
    import dask

    counts = gather(job, [dask.delayed(len)(p) for p in ddf.to_delayed()], f"Counting the {name} rows")
    if sum(counts) == 0:
        raise DataError(f"The {name} Parquet dataset has no rows.")
    return [int(c) for c in counts]


def sample_shares(ddf: dd.DataFrame, counts: Sequence[int], rows: int, seed: int) -> list[Delayed]:
    """Delayed per-partition shares of a simple random sample of ``rows`` rows (see :func:`allocate`)."""
    import dask

    take = allocate(counts, rows, seed)
    offsets = np.concatenate(([0], np.cumsum(counts)[:-1]))
    share = dask.delayed(take_share, pure=True)
    return [share(p, int(k), seed, i, int(o)) for i, (p, k, o) in enumerate(zip(ddf.to_delayed(), take, offsets)) if k]


def draw_sample(
    job: Job, ddf: dd.DataFrame, rows: int, seed: int, name: str, counts: Sequence[int] | None = None
) -> tuple[pd.DataFrame, int]:
    """(a uniform sample of at most ``rows`` rows, brought here; the dataset's row count)."""
    import dask

    counts = row_counts(job, ddf, name) if counts is None else counts
    (sample,) = gather(
        job, [dask.delayed(join_shares)(*sample_shares(ddf, counts, rows, seed))], f"Sampling the {name} data"
    )
    return sample, sum(counts)


def sample_in(
    job: Job, path: str, rows: int, *, seed: int = 0, name: str = "data", columns: Sequence[str] | None = None
) -> tuple[pd.DataFrame, int]:
    """(a uniform sample of at most ``rows`` rows of a Parquet dataset, brought here; its row count)."""
    return draw_sample(job, open_for_model(path, name, columns), rows, seed, name)


def uniform_sample_parquet(
    path: str, rows: int, *, seed: int = 0, columns: Sequence[str] | None = None, client: Client | None = None
) -> pd.DataFrame:
    """The uniform sample :func:`stress_parquet` scores (``rows=config.max_rows``, ``seed=config.seed``),
    brought to this process: for checks and small samples. Rows are labelled by their row number."""
    return Job(lambda job: draw_sample(job, open_for_model(path, "data", columns), rows, seed, "data")[0], client).run()


# -- sampling on the workers ---------------------------------------------------------------------


def allocate(counts: Sequence[int] | npt.NDArray[np.integer], rows: int, seed: int) -> npt.NDArray[np.int64]:
    """Rows to draw from each partition: all of them when the dataset holds at most ``rows``."""
    per_part = np.asarray(counts, dtype=np.int64)
    if per_part.sum() <= rows:
        return per_part
    return np.random.default_rng(seed).multivariate_hypergeometric(per_part, rows)


def take_share(part: pd.DataFrame, k: int, seed: int, index: int, offset: int) -> pd.DataFrame:
    """``k`` rows of partition ``index`` drawn without replacement, in order, labelled by row number."""
    n = len(part)
    pos = np.arange(n) if k >= n else np.sort(np.random.default_rng([seed, index]).choice(n, size=k, replace=False))
    out = part.iloc[pos]
    out.index = pd.Index(offset + pos, dtype=np.int64)
    return out


def join_shares(*shares: pd.DataFrame) -> pd.DataFrame:
    """The partitions' shares as one sample."""
    return pd.concat(shares) if len(shares) > 1 else shares[0]
