"""Server-side paths a visitor may name: inside the data roots only, URLs only of allowed schemes.

The app's large-dataset section reads Parquet paths typed by a visitor on the server's disks. Every
path is resolved (``..`` and symlinks included) and refused outside the roots the server's settings
allow (``ROBUSTNESS_DATA_ROOTS``); a glob's fixed prefix is checked before anything is listed, and
every file a folder or glob stands for is checked again after resolving it, so a symlink inside a
root cannot lead out of it. URLs are refused unless their scheme (each one of a chained ``a::b://``
URL) is allowed (``ROBUSTNESS_URL_SCHEMES``); ``file://`` never is.

Every refusal is the same :data:`NOT_ALLOWED` message whatever the reason, so the answer tells
nothing about what exists outside the roots. The CLI, run by the machine's own user, does not use
this module.
"""

from __future__ import annotations

import os
from pathlib import Path

from robustness.errors import DataError
from robustness.settings import ENV_DATA_ROOTS, ServerSettings

__all__ = ["NotAllowedError", "check_files", "not_allowed_message", "resolve_allowed"]

_GLOB = "*?["


class NotAllowedError(DataError):
    """A server-side path or URL outside what the server allows (one message for every reason)."""


def not_allowed_message(settings: ServerSettings) -> str:
    if not settings.data_roots:
        return (
            f"This server does not read paths on its disks: its administrator has not set {ENV_DATA_ROOTS}. "
            "Upload the files instead, or ask for a data folder to be allowed."
        )
    roots = ", ".join(str(r) for r in settings.data_roots)
    urls = (
        f", or a URL starting with {', '.join(s + '://' for s in sorted(settings.url_schemes))}"
        if settings.url_schemes
        else ""
    )
    return (
        f"This path is not allowed. This server reads only Parquet files inside {roots} ({ENV_DATA_ROOTS})"
        f"{urls}. Give a file, a folder or a glob inside one of them."
    )


def _refuse(settings: ServerSettings) -> NotAllowedError:
    return NotAllowedError(not_allowed_message(settings))


def _inside(path: Path, settings: ServerSettings) -> bool:
    return any(path == root or root in path.parents for root in settings.data_roots)


def _schemes(text: str) -> list[str] | None:
    """The schemes of a URL (every part of a chained one), None for a plain path."""
    parts = text.split("::")
    schemes = []
    for part in parts:
        if "://" in part:
            schemes.append(part.split("://", 1)[0].lower())
        elif len(parts) > 1:  # "simplecache::s3://..." : the bare protocol names
            schemes.append(part.lower())
    return schemes or None


def resolve_allowed(path: str, settings: ServerSettings) -> str:
    """``path`` made absolute and canonical (symlinks resolved in its fixed part), or NotAllowedError.

    A URL is returned as given when every scheme in it is allowed."""
    text = str(path).strip()
    if not settings.data_roots and not settings.url_schemes:
        raise _refuse(settings)
    schemes = _schemes(text)
    if schemes is not None:
        if all(s in settings.url_schemes and s not in ("file", "local") for s in schemes):
            return text
        raise _refuse(settings)
    if not text or "\x00" in text or text.startswith("~"):
        raise _refuse(settings)
    parts = Path(text).parts
    fixed = list(parts)
    pattern: list[str] = []
    for i, part in enumerate(parts):
        if any(ch in part for ch in _GLOB):
            fixed, pattern = list(parts[:i]), list(parts[i:])
            break
    if not fixed or not Path(*fixed).is_absolute():
        raise _refuse(settings)  # relative paths would be read from the server's working folder
    if any(p == ".." for p in pattern):
        raise _refuse(settings)
    base = Path(os.path.realpath(Path(*fixed)))
    if not _inside(base, settings):
        raise _refuse(settings)
    return str(base.joinpath(*pattern)) if pattern else str(base)


def check_files(files: list[str], settings: ServerSettings) -> None:
    """NotAllowedError unless every local file (as listed from an allowed path) resolves inside the roots."""
    for f in files:
        if "://" in f:
            continue
        if not _inside(Path(os.path.realpath(f)), settings):
            raise _refuse(settings)
