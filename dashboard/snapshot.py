"""A demo's first page kept on disk, so a fresh server shows it before anything heavy is imported.

A demo scenario is deterministic (fixed seed), so what its Overview shows, its scorecard's checks and
the overview summary, is the same on every start of the same code with the same libraries. The
first session that builds a demo writes that page here (JSON, never pickle); later servers read it
back in milliseconds and show the Overview while the demo's model and data are built in the
background (``dashboard.shared``). The file is keyed by a hash of the code (``robustness/`` and
``dashboard/``) and of the versions of the libraries that shape the numbers, so an upgrade or an
edit never shows a stale page.

Only the server's own demos are kept here: a visitor's uploads never reach the disk.

Kept free of heavy imports (no numpy, pandas, scikit-learn): that is the point of it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from robustness.overview import Overview

if TYPE_CHECKING:
    from robustness.report.scorecard import Check
    from robustness.workspace import Workspace

log = logging.getLogger("robustness.app")

ROOT = Path(__file__).resolve().parents[1]
# the libraries whose versions change a demo's model, data or statistics
LIBRARIES = ("numpy", "pandas", "scipy", "scikit-learn", "shap", "evidently", "plotly", "streamlit")


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the app's and the library's sources and of the versions of the libraries they use."""
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.sha256()
    for package in ("robustness", "dashboard"):
        base = ROOT / package
        for path in sorted(base.rglob("*.py")):
            h.update(path.relative_to(ROOT).as_posix().encode())
            h.update(path.read_bytes())
    for lib in LIBRARIES:
        try:
            h.update(f"{lib}={version(lib)}".encode())
        except PackageNotFoundError:
            h.update(f"{lib}=none".encode())
    return h.hexdigest()[:16]


def cache_dir() -> Path:
    """``ROBUSTNESS_CACHE_DIR``, else ``$XDG_CACHE_HOME/robustness-dashboard`` (``~/.cache/...``)."""
    base = os.environ.get("ROBUSTNESS_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "robustness-dashboard"
    )
    return Path(base)


@dataclass(frozen=True)
class FirstPage:
    """What the Overview shows of a loaded workspace, in plain data (no frames, no model)."""

    scenario: str | None
    caption: str  # the line under the page's title: the demo's story, or which files are loaded
    reference_name: str
    current_name: str
    model_name: str | None
    task: str | None  # "binary" | "multiclass" | "regression", None without a model
    notes: tuple[str, ...]
    warnings: tuple[str, ...]  # the workspace's warning-level issues, as messages
    overview: Overview

    @classmethod
    def of(cls, ws: Workspace, overview: Overview, caption: str) -> FirstPage:
        return cls(
            scenario=ws.scenario,
            caption=caption,
            reference_name=ws.reference.name,
            current_name=ws.current.name,
            model_name=ws.model_name,
            task=ws.model.task.value if ws.model is not None else None,
            notes=tuple(str(n) for n in ws.notes),
            warnings=tuple(str(i.message) for i in ws.issues if i.severity == "warning"),
            overview=overview,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "caption": self.caption,
            "reference_name": self.reference_name,
            "current_name": self.current_name,
            "model_name": self.model_name,
            "task": self.task,
            "notes": list(self.notes),
            "warnings": list(self.warnings),
            "overview": self.overview.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FirstPage:
        return cls(
            scenario=data["scenario"],
            caption=str(data["caption"]),
            reference_name=str(data["reference_name"]),
            current_name=str(data["current_name"]),
            model_name=data.get("model_name"),
            task=data.get("task"),
            notes=tuple(data.get("notes", ())),
            warnings=tuple(data.get("warnings", ())),
            overview=Overview.from_dict(data["overview"]),
        )


@dataclass(frozen=True)
class DemoSnapshot:
    """A demo's first page and its scorecard's checks, as written by a server of this code version."""

    scenario: str
    workspace_key: str  # the content hash of the demo's workspace when it was written
    page: FirstPage | None
    checks: tuple[Check, ...]


def path_of(scenario: str) -> Path:
    return cache_dir() / f"demo-{scenario}-{code_version()}.json"


def load(scenario: str) -> DemoSnapshot | None:
    """The scenario's snapshot for this code version, or None (absent, unreadable, or another shape)."""
    path = path_of(scenario)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        from robustness.report.scorecard import Check

        known = Check.__dataclass_fields__
        checks = tuple(
            Check(**{k: (tuple(v) if k == "details" else v) for k, v in c.items() if k in known})
            for c in data["checks"]
        )
        page = FirstPage.from_dict(data["page"]) if data.get("page") else None
        return DemoSnapshot(str(data["scenario"]), str(data["workspace_key"]), page, checks)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as err:
        log.warning("demo snapshot %s not used: %s", path, err)
        return None


def checks_json(checks) -> list[dict[str, Any]]:
    return [
        {
            "name": c.name,
            "status": c.status,
            "summary": c.summary,
            "details": list(c.details),
            "metrics": c.to_dict()["metrics"],
            "seconds": c.seconds,
            "plain": c.plain,
            "effect": c.effect,
        }
        for c in checks
    ]


def save(scenario: str, workspace_key: str, *, checks=None, page: FirstPage | None = None) -> None:
    """Write (or complete) the scenario's snapshot. What is not given is kept from the file on disk;
    a read-only or full disk only means the next server recomputes."""
    path = path_of(scenario)
    old = load(scenario)
    if old is not None and old.workspace_key != workspace_key:
        old = None  # another build of the demo (should not happen with the same code): start over
    data = {
        "scenario": scenario,
        "workspace_key": workspace_key,
        "checks": checks_json(checks if checks is not None else (old.checks if old else ())),
        "page": (page or (old.page if old else None)).to_dict() if (page or (old and old.page)) else None,
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(path)
        for old_file in path.parent.glob(f"demo-{scenario}-*.json"):  # other code versions' pages
            if old_file != path:
                old_file.unlink(missing_ok=True)
    except OSError as err:
        log.warning("demo snapshot not written to %s: %s", path, err)
