"""The security probes use the fixtures of tests/app (AppTest on the real app.py, fresh caches) and
of tests/e2e (a real server, headless Chromium)."""

from tests.app.conftest import app, exported, fresh_caches  # noqa: F401  (pytest fixtures)
from tests.e2e.conftest import (  # noqa: F401  (pytest fixtures and hooks)
    app_server,
    artifacts_dir,
    browser_page,
    data_root,
    demo_files,
    pytest_runtest_makereport,
)
