"""Fixtures of the run-store tests: the same test functions on SQLite and on a real PostgreSQL server.

``postgres_server`` starts a throwaway cluster once per test session (per xdist worker): Debian's
``postgresql`` binaries (``/usr/lib/postgresql/*/bin``; `make services` installs them), ``initdb`` in a
temporary folder, ``pg_ctl start`` on a free localhost port, trust authentication, fsync off. initdb refuses
to run as root, so as root the cluster belongs to the ``postgres`` system user (``runuser``), or to
``nobody`` (``setpriv``) when that user does not exist. Every test gets a database of its own.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

PG_START_TIMEOUT_S = 60


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _as_user() -> tuple[list[str], str | None]:
    """The command prefix that runs the server's programs as a non-root user, and that user's name."""
    if os.geteuid() != 0:
        return [], None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        if shutil.which("runuser"):
            return ["runuser", "-u", name, "--"], name
        if shutil.which("setpriv"):
            entry = pwd.getpwnam(name)
            return [
                "setpriv",
                f"--reuid={entry.pw_uid}",
                f"--regid={entry.pw_gid}",
                "--clear-groups",
                "--",
            ], name
    pytest.fail("Running as root, and neither runuser nor setpriv can switch to a non-root user for initdb.")


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL cluster: yields the SQLAlchemy URL of its ``postgres`` database."""
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.fail(
            "PostgreSQL is not installed: no /usr/lib/postgresql/*/bin/initdb. The run-store tests start a "
            "throwaway cluster with Debian's postgresql; install it with `make services` (or run `make test`).",
            pytrace=False,
        )
    prefix, user = _as_user()
    root = Path(tempfile.mkdtemp(prefix="robustness-pg-"))
    data, log = root / "data", root / "server.log"
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    os.chmod(root, 0o700)
    port = _free_port()

    def run(*cmd: str, timeout: float = PG_START_TIMEOUT_S) -> subprocess.CompletedProcess:
        return subprocess.run([*prefix, *cmd], capture_output=True, text=True, timeout=timeout, cwd=root, check=False)

    done = run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale")
    if done.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"initdb failed ({done.returncode}):\n{done.stdout}\n{done.stderr}", pytrace=False)
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    done = run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "-t", "60", "start")
    if done.returncode != 0:
        text = log.read_text(errors="replace") if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"pg_ctl start failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n{text}", pytrace=False)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop", timeout=60)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A new, empty run store: a SQLite file, or a fresh database on the throwaway PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'runs.db'}"
        return
    import sqlalchemy as sa

    server = request.getfixturevalue("postgres_server")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def demo_reports(tmp_path_factory):
    """The credit demo's two trust reports (built once): current = the reference, then the drifted current."""
    from robustness.demo import export_scenario
    from robustness.report.run import report_files

    d = tmp_path_factory.mktemp("credit")
    export_scenario("credit", d)
    same = report_files(d / "model.skops", d / "reference.csv", d / "reference.csv")
    drifted = report_files(d / "model.skops", d / "reference.csv", d / "current.csv")
    return {"dir": d, "same": same, "drifted": drifted}
