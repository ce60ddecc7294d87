"""What the server allows: set by whoever runs it, never by a visitor.

Everything that widens what the server does (unpickling, a Dask scheduler to talk to, files on
the server's disks, URLs the server fetches, how large a table it will hold) is read here from
environment variables, or from a ``[robustness]`` section of ``.streamlit/secrets.toml`` passed
in by the app. Environment variables win over the file. Nothing here has a widget.

======================================  =========================================================
``ROBUSTNESS_ALLOW_PICKLE``             ``1``/``true``: pickle and joblib models may be loaded
                                        (the app then shows an opt-in toggle). Default off.
``DASK_SCHEDULER_ADDRESS``              the Dask scheduler the app's large-dataset section uses;
                                        default: a local cluster bound to 127.0.0.1.
``ROBUSTNESS_DATA_ROOTS``               folders (``os.pathsep``-separated) inside which the app
                                        may read server-side paths; default none: the
                                        large-dataset section is off.
``ROBUSTNESS_URL_SCHEMES``              URL schemes the app may read (comma-separated, e.g.
                                        ``s3,gs``); default none.
``ROBUSTNESS_MAX_TABLE_MB``             the largest table (in memory, after decompression) the
                                        in-memory engine reads; default: total memory / 40.
``ROBUSTNESS_DB``                       the run history's database (a SQLAlchemy URL); default:
                                        ``sqlite:///`` ``$ROBUSTNESS_HOME/runs.db``.
``ROBUSTNESS_HOME``                     folder of the default history file; default ``~/.robustness``.
``ROBUSTNESS_DEMO_HISTORY``             ``1``: the History page fills an empty store with a demo
                                        history of the credit scenario (``make run`` sets it).
======================================  =========================================================

The run history is a server-level store: every visitor of the server sees the runs saved there (by
design: it is the team's shared history), while everything else a visitor loads stays in their session.

The CLI is run by the machine's own user: it reads any path it is given and takes
``--allow-pickle`` and ``--scheduler`` as flags, but applies the same table budget.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from robustness.errors import ConfigError

__all__ = [
    "ENV_ALLOW_PICKLE",
    "ENV_DATA_ROOTS",
    "ENV_MAX_TABLE_MB",
    "ENV_SCHEDULER",
    "ENV_URL_SCHEMES",
    "ServerSettings",
    "default_max_table_mb",
    "history_url",
    "load_settings",
    "max_table_bytes",
    "total_memory_bytes",
]

ENV_ALLOW_PICKLE = "ROBUSTNESS_ALLOW_PICKLE"
ENV_SCHEDULER = "DASK_SCHEDULER_ADDRESS"
ENV_DATA_ROOTS = "ROBUSTNESS_DATA_ROOTS"
ENV_URL_SCHEMES = "ROBUSTNESS_URL_SCHEMES"
ENV_MAX_TABLE_MB = "ROBUSTNESS_MAX_TABLE_MB"
ENV_HISTORY_DB = "ROBUSTNESS_DB"
ENV_HOME = "ROBUSTNESS_HOME"
ENV_DEMO_HISTORY = "ROBUSTNESS_DEMO_HISTORY"

# A session holds two tables; the checks work on about ten copies of one (perturbed frames, encoded
# matrices, explanations); two sessions at once should fit in half the machine: 2 x 10 x 2 = 40.
MEMORY_SHARE_DIVISOR = 40
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def total_memory_bytes() -> int:
    """Physical memory of this machine (cgroup limits are not looked at)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 8 * 1024**3


def default_max_table_mb() -> int:
    return max(64, total_memory_bytes() // MEMORY_SHARE_DIVISOR // (1024 * 1024))


@dataclass(frozen=True)
class ServerSettings:
    allow_pickle: bool = False
    scheduler: str | None = None
    data_roots: tuple[Path, ...] = ()
    url_schemes: frozenset[str] = frozenset()
    max_table_mb: int = 0  # 0: default_max_table_mb()
    history_db: str = ""  # the run history's SQLAlchemy URL (history_url)
    demo_history: bool = False  # seed an empty store with the demo's history

    @property
    def max_table_bytes(self) -> int:
        return (self.max_table_mb or default_max_table_mb()) * 1024 * 1024

    @property
    def server_paths(self) -> bool:
        """Whether visitors may name server-side paths at all."""
        return bool(self.data_roots)


def _flag(name: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false (1/0), not {raw!r}.")


def _list(raw: Any, sep: str) -> list[str]:
    if isinstance(raw, (list, tuple)):
        return [str(x).strip() for x in raw if str(x).strip()]
    return [x.strip() for x in str(raw).split(sep) if x.strip()]


def load_settings(env: Mapping[str, str] | None = None, section: Mapping[str, Any] | None = None) -> ServerSettings:
    """The server's settings: ``env`` (default ``os.environ``) over ``section`` (the ``[robustness]`` table
    of the app's secrets, keys ``allow_pickle``, ``dask_scheduler``, ``data_roots``, ``url_schemes``,
    ``max_table_mb``). A data root that does not exist is an error naming it."""
    env = os.environ if env is None else env
    section = section or {}

    def pick(env_name: str, key: str) -> Any:
        if env.get(env_name) is not None:
            return env[env_name]
        return section.get(key)

    raw = pick(ENV_ALLOW_PICKLE, "allow_pickle")
    allow_pickle = False if raw is None else _flag(ENV_ALLOW_PICKLE, raw)
    scheduler = (str(pick(ENV_SCHEDULER, "dask_scheduler") or "").strip()) or None
    roots: list[Path] = []
    for item in _list(pick(ENV_DATA_ROOTS, "data_roots") or "", os.pathsep):
        root = Path(item).expanduser()
        if not root.is_dir():
            raise ConfigError(
                f"{ENV_DATA_ROOTS} names {item!r}, which is not a folder on this server. "
                "Give existing folders, separated by ':'."
            )
        roots.append(root.resolve())
    schemes = frozenset(s.lower().removesuffix("://") for s in _list(pick(ENV_URL_SCHEMES, "url_schemes") or "", ","))
    if "file" in schemes:
        raise ConfigError(f"{ENV_URL_SCHEMES} may not allow 'file': server paths are allowed by {ENV_DATA_ROOTS}.")
    raw = pick(ENV_MAX_TABLE_MB, "max_table_mb")
    max_mb = 0
    if raw not in (None, ""):
        try:
            max_mb = int(float(raw))
        except (TypeError, ValueError):
            raise ConfigError(f"{ENV_MAX_TABLE_MB} must be a number of megabytes, not {raw!r}.") from None
        if max_mb <= 0:
            raise ConfigError(f"{ENV_MAX_TABLE_MB} must be a positive number of megabytes, not {raw!r}.")
    raw = pick(ENV_DEMO_HISTORY, "demo_history")
    demo_history = False if raw is None else _flag(ENV_DEMO_HISTORY, raw)
    history = str(pick(ENV_HISTORY_DB, "history_db") or "").strip() or history_url({ENV_HOME: env.get(ENV_HOME, "")})
    return ServerSettings(
        allow_pickle, scheduler, tuple(roots), schemes, max_mb, history_db=history, demo_history=demo_history
    )


def history_url(env: Mapping[str, str] | None = None) -> str:
    """The run history's database: ``ROBUSTNESS_DB``, else the SQLite file ``runs.db`` in ``ROBUSTNESS_HOME``
    (default ``~/.robustness``)."""
    env = os.environ if env is None else env
    if (env.get(ENV_HISTORY_DB) or "").strip():
        return env[ENV_HISTORY_DB].strip()
    home = Path((env.get(ENV_HOME) or "").strip() or "~/.robustness").expanduser()
    return f"sqlite:///{home / 'runs.db'}"


def max_table_bytes(env: Mapping[str, str] | None = None) -> int:
    """The table budget alone (what the CLI applies): ``ROBUSTNESS_MAX_TABLE_MB`` or the default."""
    return load_settings(env).max_table_bytes
