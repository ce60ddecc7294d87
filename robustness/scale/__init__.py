"""Work on data beyond one machine's memory: Parquet datasets through Dask.

- :mod:`robustness.scale.cluster`: connecting to a cluster (an existing scheduler or a
  LocalCluster), opening Parquet datasets with specific errors, bounded uniform samples.
- :mod:`robustness.scale.jobs`: :class:`Job`, a run on the cluster with a progress fraction, a
  stage label and cancellation, whose map-reduce merges per-partition summaries in a tree on the
  workers so that only summaries travel and memory stays bounded by the partition size.
- :mod:`robustness.scale.head`: the first rows of a dataset (roles, feature checks), from the
  files' first record batches.
- :mod:`robustness.scale.model_work`: the model on the workers (sent once) and uniform samples of
  a dataset, drawn per partition.
- :mod:`robustness.scale.choose`: ``--engine auto``; :mod:`robustness.scale.session`: a cluster for
  the length of a CLI command.

Drift (:mod:`robustness.drift.dask_engine`, :mod:`robustness.drift.dask_windows`), predictions and their
drift (:mod:`robustness.drift.dask_prediction`), the stress suite (:mod:`robustness.stress.dask_stress`) and
data quality (:mod:`robustness.quality.dask_quality`) live beside their in-memory engines: this package
computes no statistic and imports none of them.

The statistics themselves are the in-memory engine's (see :mod:`robustness.drift.chunked`).
"""

from robustness.scale.cluster import connect, count_rows, open_parquet, sample_frame, shutdown
from robustness.scale.jobs import Job, JobCancelled

__all__ = ["Job", "JobCancelled", "connect", "count_rows", "open_parquet", "sample_frame", "shutdown"]
