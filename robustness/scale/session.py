"""A cluster for the length of one CLI command."""

from __future__ import annotations

from contextlib import contextmanager

from robustness.scale.cluster import connect, shutdown


@contextmanager
def cluster_session(
    scheduler: str | None = None, *, workers: int | None = None, memory_limit: str | None = None, processes: bool = True
):
    """A Client: to ``scheduler`` (or DASK_SCHEDULER_ADDRESS; closed after, the cluster left running), else
    to a LocalCluster started here and shut down after."""
    client = connect(scheduler, workers=workers, memory_limit=memory_limit, processes=processes)
    try:
        yield client
    finally:
        if getattr(client, "cluster", None) is not None:
            shutdown(client)
        else:
            client.close()
