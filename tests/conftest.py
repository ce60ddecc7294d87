"""Fixtures shared across test folders."""

import pytest


@pytest.fixture(scope="module")
def client():
    """A Dask client on a local cluster of 2 worker threads (no processes: fast to start; tests that need
    worker processes define their own ``client``)."""
    from robustness.scale import connect, shutdown

    c = connect(workers=2, processes=False)
    yield c
    shutdown(c)
