"""Fixtures shared across test folders, and the marks and worker groups of a parallel run.

Marks (registered in pyproject.toml) are given here by place and by fixture, so a new test in the
right folder, or with the right fixture, is marked without a decorator:

- ``e2e``: tests in tests/e2e, and any test driving Chromium or a served app (``browser_page``,
  ``app_server``); ``make test-fast`` leaves them out.
- ``dask``: a test holding a Dask client (``client``, or a fixture built on it), any test in a module
  named for Dask (``*dask*``: the CLI's ``--engine dask`` starts its own cluster), and the tests in
  ``DASK`` that start a cluster themselves.
- ``slow``: set per test with ``@pytest.mark.slow`` (more than about 5 s on one core).

``make test`` runs the suite on every core (pytest-xdist, ``--dist loadgroup``); the groups below keep
together what must be built once or must not run beside its like:

- a module whose tests share a module-scoped fixture of that module runs on one worker, so the
  fixture (a trained model, a Parquet dataset, an exported demo) is built once, not once per worker;
- tests that measure a process's memory, start Dask worker processes or drive eight Chromium sessions
  (``HEAVY``) run one after the other on one worker, so no two of them share the machine;
- tests using the served app (``app_server``) share one Streamlit server on one worker.
"""

from __future__ import annotations

import pytest

E2E_FIXTURES = {"browser_page", "app_server"}
DASK_FIXTURES = {"client"}
# (path prefix, test name prefix): tests that start a Dask cluster of their own, outside a *dask* module
DASK = (
    ("tests/scale/test_model_work.py", "test_the_model_travels_once"),
    ("tests/security/test_server_settings.py", "test_the_local_cluster_listens"),
)
# (path prefix, test name prefix): one after the other, never two at once (see the docstring)
HEAVY = (
    ("tests/scale/test_faults.py", ""),  # worker processes killed on purpose
    ("tests/scale/test_scale_agreement.py", ""),  # 2 x 2,000,000 rows on worker processes
    ("tests/scale/test_model_work.py", "test_the_model_travels_once"),  # counts arrivals per worker process
    ("tests/security/test_intake_limits.py", ""),  # peak memory of a fresh process, and timed refusals
    ("tests/security/test_concurrent_uploads.py", "test_eight_sessions"),  # eight Chromium sessions at once
)


@pytest.fixture(scope="session")
def client():
    """A Dask client on a local cluster of 2 worker threads, one per test session (per xdist worker); no
    processes: fast to start. Tests that need worker processes define their own ``client``."""
    from robustness.scale import connect, shutdown

    c = connect(workers=2, processes=False)
    yield c
    shutdown(c)


def _module_fixture_of_its_own(item: pytest.Item) -> bool:
    """Does the test use a module-scoped fixture defined in its own module?"""
    module = item.nodeid.split("::", 1)[0]
    info = getattr(item, "_fixtureinfo", None)
    for defs in info.name2fixturedefs.values() if info else ():
        d = defs[-1]
        if d.scope == "module" and d.baseid == module:
            return True
    return False


def _listed(item: pytest.Item, tests: tuple[tuple[str, str], ...]) -> bool:
    path, _, name = item.nodeid.partition("::")
    return any(path.startswith(prefix) and name.startswith(test) for prefix, test in tests)


def _group(item: pytest.Item) -> str | None:
    path = item.nodeid.split("::", 1)[0]
    if _listed(item, HEAVY):
        return "heavy"
    if "app_server" in item.fixturenames:
        return "app_server"
    if _module_fixture_of_its_own(item):
        return path
    return None


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups into the test ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(item.fixturenames)
        if item.nodeid.startswith("tests/e2e/") or fixtures & E2E_FIXTURES:
            item.add_marker(pytest.mark.e2e)
        if fixtures & DASK_FIXTURES or "dask" in item.path.name or _listed(item, DASK):
            item.add_marker(pytest.mark.dask)
        group = _group(item)
        if group is not None and not any(m.name == "xdist_group" for m in item.iter_markers()):
            item.add_marker(pytest.mark.xdist_group(group))
