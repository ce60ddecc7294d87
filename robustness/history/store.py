"""The run store: SQLAlchemy over a SQLite file by default, or any database URL.

Where: ``url`` if given (the CLI's ``--db``), else ``ROBUSTNESS_DB``, else the SQLite file ``runs.db`` in
``ROBUSTNESS_HOME`` (default ``~/.robustness/``). Opening a store brings its schema to the newest
revision with the Alembic migrations shipped in ``robustness/history/migrations`` (a database made by an
older version is upgraded, never dropped). Before anything is written:

- a file that is not a SQLite database, or a SQLite database of something else, is refused and left as it is;
- a database whose schema revision this version does not know (made by a newer version) is refused and
  left as it is;
- a server that does not answer within ``connect_timeout`` seconds is reported as unreachable.

SQLite and several writers: the file is in WAL mode (readers never block the writer), every write
transaction takes the write lock when it begins (``BEGIN IMMEDIATE``, so two writers never deadlock on a
lock upgrade), waits up to 30 s for it (busy timeout), and a save still refused as locked is retried with
jittered back-off. Eight processes saving at once all keep their run (tests/history).
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url

from robustness.errors import RobustnessError
from robustness.history import schema as t
from robustness.history.extract import CheckRow, DriftRow, MetricRow, ReferenceRow, RunRows, rows_of

__all__ = [
    "ENV_DB",
    "ENV_HOME",
    "HEAD",
    "HistoryError",
    "Run",
    "RunNotFoundError",
    "RunStore",
    "RunSummary",
    "default_url",
    "open_store",
]

ENV_DB = "ROBUSTNESS_DB"
ENV_HOME = "ROBUSTNESS_HOME"
#: The newest schema revision (migrations/versions); tests/history checks it is Alembic's head.
HEAD = "0002"
BUSY_TIMEOUT_S = 30.0
RETRY_FOR_S = 60.0
SQLITE_MAGIC = b"SQLite format 3\x00"
T = TypeVar("T")


class HistoryError(RobustnessError):
    """The run store cannot be used as asked (unreachable, not a database, newer schema, no such run)."""


class RunNotFoundError(HistoryError):
    pass


def default_url(env: Mapping[str, str] | None = None) -> str:
    """``ROBUSTNESS_DB``, else ``sqlite:///<ROBUSTNESS_HOME or ~/.robustness>/runs.db``."""
    from robustness.settings import history_url

    return history_url(env)


def safe_url(url: str) -> str:
    """The URL with its password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a URL SQLAlchemy cannot parse is shown without its userinfo
        return url.split("@")[-1]


@dataclass(frozen=True)
class RunSummary:
    id: int
    project: str
    created_at: datetime
    verdict: str
    title: str
    model_name: str | None
    model_hash: str | None
    reference_name: str | None
    reference_hash: str | None
    current_name: str | None
    current_hash: str | None

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        d["created_at"] = self.created_at.isoformat(timespec="seconds")
        return d


@dataclass(frozen=True)
class Run:
    summary: RunSummary
    report_json: str  # exactly what `robustness report --json` wrote
    manifest: dict
    checks: tuple[CheckRow, ...]
    drift: tuple[DriftRow, ...]
    metrics: tuple[MetricRow, ...]
    has_html: bool

    @property
    def id(self) -> int:
        return self.summary.id

    @property
    def report(self) -> dict:
        return json.loads(self.report_json)


_SUMMARY_COLS = (
    t.runs.c.id,
    t.runs.c.project,
    # read as stored (SQLite: ISO text) and parsed by datetime.fromisoformat: SQLAlchemy's own SQLite datetime
    # parsing was a third of `runs list` on 10,000 runs
    sa.type_coerce(t.runs.c.created_at, sa.String).label("created_at"),
    t.runs.c.verdict,
    t.runs.c.title,
    t.runs.c.model_name,
    t.runs.c.model_hash,
    t.runs.c.reference_name,
    t.runs.c.reference_hash,
    t.runs.c.current_name,
    t.runs.c.current_hash,
)


def _utc(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _summary(row) -> RunSummary:
    """A RunSummary from a row whose first columns are _SUMMARY_COLS, in RunSummary's field order."""
    return RunSummary(row[0], row[1], _utc(row[2]), *row[3 : len(_SUMMARY_COLS)])


def _hash(part) -> str | None:
    if not isinstance(part, dict):
        return None
    value = part.get("sha256") or part.get("fingerprint")
    return str(value) if value else None


def _locked(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "locked" in text or "busy" in text


class RunStore:
    """Runs in a database (see the module docstring). Make one with :func:`open_store`."""

    def __init__(self, engine: sa.Engine, url: str):
        self.engine = engine
        self.url = url
        self.sqlite = engine.dialect.name == "sqlite"

    @property
    def where(self) -> str:
        """The store's location for people: a file path, or the URL without its password."""
        if self.sqlite and self.engine.url.database:
            return self.engine.url.database
        return safe_url(self.url)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing --------------------------------------------------------------------------------

    def _retry(self, fn: Callable[[], T]) -> T:
        deadline = time.monotonic() + RETRY_FOR_S
        delay = 0.05
        while True:
            try:
                return fn()
            except sa.exc.OperationalError as exc:
                if not (self.sqlite and _locked(exc)) or time.monotonic() > deadline:
                    raise HistoryError(
                        f"Could not write to the run store {self.where}: {str(getattr(exc, 'orig', exc)).strip()}."
                    ) from None
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 1.0)

    def save(self, report, *, project: str, html: str | None = None, created_at: datetime | None = None) -> int:
        """Store a trust report (a ``TrustReport``, or its ``to_dict()``) under ``project``; its id."""
        if hasattr(report, "to_dict") and hasattr(report, "results"):
            from robustness.report.export import to_json

            report_json = to_json(report)
            rows = rows_of(json.loads(report_json), report.results)
        else:
            report_json = json.dumps(report, indent=2, allow_nan=False, ensure_ascii=False)
            rows = rows_of(report)
        return self.save_json(report_json, rows=rows, project=project, html=html, created_at=created_at)

    def save_json(
        self,
        report_json: str,
        *,
        project: str,
        rows: RunRows | None = None,
        html: str | None = None,
        created_at: datetime | None = None,
    ) -> int:
        """Store a report given as its JSON text (kept verbatim); ``rows`` default to what the JSON holds."""
        project = " ".join(str(project or "").split())
        if not project:
            raise HistoryError("A run needs a project name (--project NAME).")
        if len(project) > 200:
            raise HistoryError("A project name has at most 200 characters.")
        report = json.loads(report_json)
        rows = rows or rows_of(report)
        manifest = report.get("manifest") or {}
        created = _utc(created_at) if created_at is not None else datetime.now(UTC)
        record = {
            "project": project,
            "created_at": created,
            "verdict": str(report.get("verdict") or "pass"),
            "title": str(report.get("title") or ""),
            "model_name": (manifest.get("model") or {}).get("name"),
            "model_hash": _hash(manifest.get("model")),
            "reference_name": (manifest.get("reference") or {}).get("name"),
            "reference_hash": _hash(manifest.get("reference")),
            "current_name": (manifest.get("current") or {}).get("name"),
            "current_hash": _hash(manifest.get("current")),
            "tool_version": (manifest.get("packages") or {}).get("robustness-dashboard"),
            "report": report_json,
            "manifest": manifest,
            "html": zlib.compress(html.encode("utf-8"), 6) if html is not None else None,
        }

        def write() -> int:
            with self.engine.begin() as conn:
                run_id = int(conn.execute(sa.insert(t.runs).values(**record).returning(t.runs.c.id)).scalar_one())
                if rows.checks:
                    conn.execute(sa.insert(t.checks), [{"run_id": run_id, **c.__dict__} for c in rows.checks])
                if rows.drift:
                    conn.execute(sa.insert(t.drift_columns), [{"run_id": run_id, **d.__dict__} for d in rows.drift])
                if rows.metrics:
                    conn.execute(sa.insert(t.metrics), [{"run_id": run_id, **m.__dict__} for m in rows.metrics])
                if rows.references:
                    conn.execute(
                        sa.insert(t.reference_summaries), [{"run_id": run_id, **r.__dict__} for r in rows.references]
                    )
                return run_id

        return self._retry(write)

    def delete(self, run_id: int) -> None:
        """Remove a run and its rows; RunNotFoundError if there is none."""

        def remove() -> int:
            with self.engine.begin() as conn:
                for table in (t.checks, t.drift_columns, t.metrics, t.reference_summaries):
                    conn.execute(sa.delete(table).where(table.c.run_id == run_id))
                return conn.execute(sa.delete(t.runs).where(t.runs.c.id == run_id)).rowcount

        if not self._retry(remove):
            raise self._not_found(run_id)

    # -- reading --------------------------------------------------------------------------------

    def _read(self):
        conn = self.engine.connect()
        return conn.execution_options(sqlite_begin="DEFERRED") if self.sqlite else conn

    def _not_found(self, run_id) -> RunNotFoundError:
        return RunNotFoundError(
            f"There is no run {run_id} in the run store {self.where}. `robustness runs list` shows the runs there."
        )

    def projects(self) -> list[str]:
        with self._read() as conn:
            return [r[0] for r in conn.execute(sa.select(t.runs.c.project).distinct().order_by(t.runs.c.project))]

    def list_runs(self, project: str | None = None, *, limit: int | None = None) -> list[RunSummary]:
        """Runs oldest first (the newest ``limit`` when given), optionally of one project."""
        q = sa.select(*_SUMMARY_COLS)
        if project is not None:
            q = q.where(t.runs.c.project == project)
        if limit is not None:
            q = q.order_by(t.runs.c.created_at.desc(), t.runs.c.id.desc()).limit(int(limit))
        else:
            q = q.order_by(t.runs.c.created_at, t.runs.c.id)
        with self._read() as conn:
            out = [_summary(r) for r in conn.execute(q).all()]
        return out[::-1] if limit is not None else out

    def count(self, project: str | None = None) -> int:
        q = sa.select(sa.func.count()).select_from(t.runs)
        if project is not None:
            q = q.where(t.runs.c.project == project)
        with self._read() as conn:
            return int(conn.execute(q).scalar_one())

    def get(self, run_id: int) -> Run:
        """A run with its report, manifest and rows; RunNotFoundError if there is none."""
        with self._read() as conn:
            row = conn.execute(
                sa.select(
                    *_SUMMARY_COLS, t.runs.c.report, t.runs.c.manifest, (t.runs.c.html.is_not(None)).label("h")
                ).where(t.runs.c.id == int(run_id))
            ).first()
            if row is None:
                raise self._not_found(run_id)
            checks = conn.execute(sa.select(t.checks).where(t.checks.c.run_id == run_id).order_by(t.checks.c.id)).all()
            drift = conn.execute(
                sa.select(t.drift_columns).where(t.drift_columns.c.run_id == run_id).order_by(t.drift_columns.c.id)
            ).all()
            metrics = conn.execute(
                sa.select(t.metrics).where(t.metrics.c.run_id == run_id).order_by(t.metrics.c.id)
            ).all()

        def pick(cls, r):
            m = r._mapping
            return cls(**{k: m[k] for k in cls.__dataclass_fields__})

        manifest = row._mapping["manifest"]
        return Run(
            summary=_summary(row),
            report_json=row._mapping["report"],
            manifest=json.loads(manifest) if isinstance(manifest, str) else manifest,
            checks=tuple(pick(CheckRow, r) for r in checks),
            drift=tuple(pick(DriftRow, r) for r in drift),
            metrics=tuple(pick(MetricRow, r) for r in metrics),
            has_html=bool(row._mapping["h"]),
        )

    def reference(self, run_id: int) -> tuple[RunSummary, tuple[ReferenceRow, ...]]:
        """A run's summary and its reference's per-column drift summaries (``robustness drift --reference-run``).
        RunNotFoundError if there is no such run; HistoryError if the run kept no summaries."""
        with self._read() as conn:
            row = conn.execute(sa.select(*_SUMMARY_COLS).where(t.runs.c.id == int(run_id))).first()
            if row is None:
                raise self._not_found(run_id)
            found = conn.execute(
                sa.select(
                    t.reference_summaries.c.column,
                    t.reference_summaries.c.role,
                    t.reference_summaries.c.kind,
                    t.reference_summaries.c.format,
                    t.reference_summaries.c.payload,
                )
                .where(t.reference_summaries.c.run_id == int(run_id))
                .order_by(t.reference_summaries.c.id)
            ).all()
        if not found:
            raise HistoryError(
                f"Run {run_id} in the run store {self.where} kept no reference summaries: it was saved before "
                "they were kept, or its report had no drift check. Save a run again with `robustness report ... "
                "--save` (it keeps them), or compare with the reference file: `robustness drift --reference FILE "
                "--current ...`."
            )
        return _summary(row), tuple(ReferenceRow(r[0], r[1], r[2], r[3], r[4]) for r in found)

    def html(self, run_id: int) -> str | None:
        """The HTML report saved with the run (None when it was saved without one)."""
        with self._read() as conn:
            row = conn.execute(sa.select(t.runs.c.html).where(t.runs.c.id == int(run_id))).first()
        if row is None:
            raise self._not_found(run_id)
        return None if row[0] is None else zlib.decompress(row[0]).decode("utf-8")

    def check_history(self, project: str, *, limit: int | None = None) -> list[dict]:
        """Every check of the project's runs (newest ``limit`` runs when given), oldest first: one dict per
        (run, check) with the run's id, time and verdict and the check's status and headline figure."""
        chosen = sa.select(t.runs.c.id, _SUMMARY_COLS[2], t.runs.c.verdict).where(t.runs.c.project == project)
        if limit is not None:
            chosen = chosen.order_by(t.runs.c.created_at.desc(), t.runs.c.id.desc()).limit(int(limit))
        runs = chosen.subquery()
        q = (
            sa.select(
                runs.c.id.label("run_id"),
                runs.c.created_at,
                runs.c.verdict,
                t.checks.c.area,
                t.checks.c.status,
                t.checks.c.headline,
                t.checks.c.value,
                t.checks.c.low,
                t.checks.c.high,
            )
            .join(t.checks, t.checks.c.run_id == runs.c.id)
            .order_by(runs.c.created_at, runs.c.id, t.checks.c.id)
        )
        with self._read() as conn:
            result = conn.execute(q)
            keys = list(result.keys())
            out = [dict(zip(keys, r)) for r in result.all()]
        parsed: dict = {}  # one run's time parsed once for its six checks
        for d in out:
            raw = d["created_at"]
            d["created_at"] = parsed[raw] if raw in parsed else parsed.setdefault(raw, _utc(raw))
        return out


# -- opening ---------------------------------------------------------------------------------------


def _sqlite_path(url: sa.URL) -> Path | None:
    db = url.database
    if not db or db == ":memory:" or db.startswith("file:"):
        return None
    return Path(db).expanduser()


def _sqlite_precheck(path: Path) -> str | None:
    """Read-only look at an existing file: its schema revision (None: a new or empty database). Refuses a file
    that is not a SQLite database, or one that holds another program's tables; nothing is written."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    if path.is_dir():
        raise HistoryError(f"The run store {path} is a folder; give a file path (e.g. {path / 'runs.db'}).")
    with open(path, "rb") as fh:
        magic = fh.read(len(SQLITE_MAGIC))
    if magic != SQLITE_MAGIC:
        raise HistoryError(
            f"{path} is not a SQLite database, so it cannot hold the run history; it was left as it is. "
            f"Point --db or {ENV_DB} at another file (or remove this one if it is not needed)."
        )
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "alembic_version" in tables:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
                return row[0] if row else None
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise HistoryError(
            f"{path} cannot be read as a SQLite database ({exc}); it was left as it is. "
            f"Point --db or {ENV_DB} at another file."
        ) from None
    if tables - {"sqlite_sequence"}:
        raise HistoryError(
            f"{path} is a SQLite database of something else (tables {', '.join(sorted(tables)[:5])}); the run "
            f"history was not added to it and it was left as it is. Point --db or {ENV_DB} at another file."
        )
    return None


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {s.revision for s in ScriptDirectory(str(Path(__file__).with_name("migrations"))).walk_revisions()}


def _newer(revision: str, where: str) -> HistoryError:
    return HistoryError(
        f"The run store {where} was made by a newer version of robustness (schema revision {revision!r}; this "
        f"version knows up to {HEAD!r}). It was left as it is: upgrade robustness to use it, or point --db or "
        f"{ENV_DB} at another store."
    )


def _engine(url: sa.URL, connect_timeout: float) -> sa.Engine:
    if url.get_backend_name() == "sqlite":
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (below), not pysqlite
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            if url.database and url.database != ":memory:":
                cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
            cur.execute("PRAGMA foreign_keys = ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            # writers take the lock at BEGIN: two deferred transactions upgrading to write at once would
            # fail with "database is locked" whatever the busy timeout
            conn.exec_driver_sql(f"BEGIN {conn.get_execution_options().get('sqlite_begin', 'IMMEDIATE')}")

        return engine
    args: dict[str, Any] = {}
    if url.get_backend_name() == "postgresql":
        args["connect_timeout"] = max(1, int(round(connect_timeout)))
    elif url.get_backend_name() == "mysql":
        args["connect_timeout"] = max(1, int(round(connect_timeout)))
    return sa.create_engine(url, connect_args=args, pool_pre_ping=True)


def _current_revision(conn) -> str | None:
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _migrate(engine: sa.Engine, where: str) -> None:
    """Upgrade to HEAD inside one transaction that holds the database's write lock (SQLite: BEGIN IMMEDIATE;
    PostgreSQL: an advisory lock), so processes opening a new store at once migrate it once."""
    from alembic import command
    from alembic.config import Config

    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(7218301018)"))
        revision = _current_revision(conn)
        if revision == HEAD:
            return
        if revision is not None and revision not in _known_revisions():
            raise _newer(revision, where)
        cfg = Config()
        cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def open_store(url: str | None = None, *, env: Mapping[str, str] | None = None, connect_timeout: float = 5) -> RunStore:
    """Open (and create or upgrade) the run store at ``url`` (default: :func:`default_url`)."""
    raw = (url or "").strip() or default_url(env)
    try:
        parsed = make_url(raw)
    except Exception:  # noqa: BLE001 - SQLAlchemy raises ArgumentError and ValueError for bad URLs
        raise HistoryError(
            f"{safe_url(raw)!r} is not a database URL. Examples: sqlite:////path/runs.db, "
            "postgresql+psycopg://user:password@host:5432/dbname."
        ) from None
    where = safe_url(raw)
    revision: str | None = None
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_path(parsed)
        if path is not None:
            where = str(path)
            revision = _sqlite_precheck(path)
            if revision is not None and revision != HEAD and revision not in _known_revisions():
                raise _newer(revision, where)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise HistoryError(f"Cannot create the folder of the run store {path}: {exc.strerror}.") from None
    try:
        engine = _engine(parsed, connect_timeout)
    except (ImportError, sa.exc.NoSuchModuleError, sa.exc.ArgumentError) as exc:
        raise HistoryError(f"Cannot use the database URL {where}: {exc}.") from None
    store = RunStore(engine, raw)
    began = time.monotonic()
    try:
        if revision != HEAD:
            if parsed.get_backend_name() != "sqlite":
                with store._read() as conn:  # the newer-schema check, before anything is written
                    found = _current_revision(conn)
                if found is not None and found != HEAD and found not in _known_revisions():
                    raise _newer(found, where)
            store._retry(lambda: _migrate(engine, where))
    except HistoryError:
        engine.dispose()
        raise
    except sa.exc.OperationalError as exc:
        engine.dispose()
        reason = " ".join(str(getattr(exc, "orig", exc)).split())[:300]
        raise HistoryError(
            f"Could not open the run store {where} (after {time.monotonic() - began:.1f} s): {reason.rstrip('.?')}. "
            "Check that "
            f"the database server is running and reachable, or use another --db / {ENV_DB}."
        ) from None
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        reason = " ".join(str(getattr(exc, "orig", exc)).split())[:300]
        raise HistoryError(f"Could not open the run store {where}: {reason}.") from None
    return store
