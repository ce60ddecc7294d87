"""Reading a JSON or TOML settings file into a plain mapping (one place for both formats)."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import TypeVar

from robustness.errors import ConfigError

T = TypeVar("T")


def known_settings(d, cls, what: str) -> dict:
    """``d`` as a dict after checking it is a mapping whose keys are fields of the dataclass ``cls``."""
    if not isinstance(d, Mapping):
        raise ConfigError(f"A {what} configuration must be a table of settings, not {type(d).__name__}.")
    known = [f.name for f in fields(cls)]
    unknown = [k for k in d if k not in known]
    if unknown:
        raise ConfigError(
            f"Unknown {what} setting {', '.join(repr(k) for k in unknown)}. Valid settings: {', '.join(known)}."
        )
    return dict(d)


def load_section(path, section: str, build: Callable[[Mapping], T]) -> T:
    """Read ``path`` (JSON or TOML), take its ``section`` table if it has one, and ``build`` it.

    Errors name the file: unreadable, invalid JSON/TOML, or a bad value (``build``'s ConfigError).
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Cannot read the {section} configuration file '{p}': {exc.strerror or exc}.") from None
    data = _parse(p, text)
    if isinstance(data, Mapping) and isinstance(data.get(section), Mapping):
        data = data[section]
    try:
        return build(data)
    except ConfigError as exc:
        raise ConfigError(f"In '{p}': {exc}") from None


def _parse(p: Path, text: str):
    suffix = p.suffix.lower()
    if suffix == ".toml":
        return _toml(p, text)
    if suffix == ".json":
        return _json(p, text)
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return _toml(p, text)


def _json(p: Path, text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"'{p}' is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}. Fix the file."
        ) from None


def _toml(p: Path, text: str):
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"'{p}' is neither valid JSON nor valid TOML ({exc}). Fix the file.") from None
