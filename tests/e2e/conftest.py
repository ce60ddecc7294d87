"""Fixtures for the browser end-to-end tests: a real Streamlit server and headless Chromium.

Nothing is downloaded at test time: the browser is Debian's chromium at
/usr/bin/chromium (``make browser`` installs it), driven by Playwright's sync API.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SERVER_START_TIMEOUT_S = 90


def _python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, chars: int = 6000) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no server output)"
    return text[-chars:] if text.strip() else "(no server output)"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's outcome, so fixtures can save a screenshot of a failed test."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def data_root() -> Path:
    """The folder the test server allows for server-side paths (ROBUSTNESS_DATA_ROOTS)."""
    with tempfile.TemporaryDirectory(prefix="lake-") as tmp:
        yield Path(tmp).resolve()


def worker_name(path: Path) -> Path:
    """``path`` with the xdist worker's name before its suffix (server.log -> server-gw1.log), so parallel
    workers never write to one file."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return path.with_name(f"{path.stem}-{worker}{path.suffix}") if worker else path


def _start(cmd: list[str], env: dict[str, str], log, log_path: Path, base: str) -> subprocess.Popen:
    """Start the server and wait until /_stcore/health answers 'ok' (the process, if it exits first)."""
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while proc.poll() is None:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                if resp.read().decode().strip() == "ok":
                    return proc
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait(timeout=15)
            pytest.fail(
                f"the Streamlit server did not answer {base}/_stcore/health with 'ok' within "
                f"{SERVER_START_TIMEOUT_S} s.\nServer output:\n{_tail(log_path)}",
                pytrace=False,
            )
        time.sleep(0.25)
    return proc


@contextlib.contextmanager
def streamlit_server(log_path: Path, env: dict[str, str] | None = None):
    """`streamlit run app.py` on a free localhost port with the project's own config (what `make run`
    serves); yields its base URL once /_stcore/health answers. The log is per xdist worker; a port that
    another process takes between its choice and the server's start is given up for another."""
    log_path = worker_name(log_path)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    for _ in range(3):
        port = _free_port()
        cmd = [_python(), "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
        base = f"http://127.0.0.1:{port}"
        log = open(log_path, "w", encoding="utf-8")
        proc = _start(cmd, env, log, log_path, base)
        if proc.poll() is None or not any(m in _tail(log_path) for m in ("is not available", "already in use")):
            break
        log.close()
    try:
        if proc.poll() is not None:
            pytest.fail(
                f"the Streamlit server exited with code {proc.returncode} before answering "
                f"{base}/_stcore/health.\nCommand: {' '.join(cmd)}\nServer output:\n{_tail(log_path)}",
                pytrace=False,
            )
        yield base
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)
        log.close()


@pytest.fixture(scope="session")
def app_server(artifacts_dir: Path, data_root: Path):
    """The app served as `make run` serves it, with server-side paths allowed under ``data_root``."""
    with streamlit_server(artifacts_dir / "streamlit-server.log", {"ROBUSTNESS_DATA_ROOTS": str(data_root)}) as base:
        yield base


@pytest.fixture
def browser_page(request, artifacts_dir: Path):
    """A fresh headless Chromium (own temporary profile) and a 1440x1000 page: one Streamlit session."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Chromium is missing: {CHROMIUM} does not exist. The browser tests use Debian's chromium "
            "and never download a browser; install it with `make browser` (as root), or run `make test`.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="e2e-chromium-")
    try:
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": 1440, "height": 1000},
            )
            try:
                page = context.pages[0] if context.pages else context.new_page()
                page.set_default_timeout(60_000)
                yield page
                rep = getattr(request.node, "rep_call", None)
                if rep is not None and rep.failed:
                    try:
                        page.screenshot(path=str(artifacts_dir / f"FAILED-{request.node.name}.png"), full_page=True)
                    except Exception:  # noqa: BLE001 - best effort diagnostics
                        pass
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory) -> dict[str, Path]:
    """model.skops, reference.csv, current.csv, scenario.json of the 'machines' demo, via the CLI."""
    out = tmp_path_factory.mktemp("demo-machines")
    cmd = [_python(), "-m", "robustness.cli", "demo", "export", str(out), "--scenario", "machines"]
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    if res.returncode != 0:
        pytest.fail(
            f"`{' '.join(cmd[1:])}` failed with code {res.returncode}:\n{res.stderr}{res.stdout}",
            pytrace=False,
        )
    files = {name: out / name for name in ("model.skops", "reference.csv", "current.csv", "scenario.json")}
    missing = [n for n, p in files.items() if not p.is_file()]
    if missing:
        pytest.fail(f"the demo export did not write {', '.join(missing)} into {out}", pytrace=False)
    return files
