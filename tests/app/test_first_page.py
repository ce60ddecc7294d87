"""A fresh server's first page: drawn from the demo's snapshot on disk, without numpy, pandas or
scikit-learn, while the demo itself is built in the background (dashboard/snapshot.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# One fresh interpreter per step (what a fresh server is): the snapshot in ``cache`` is written by the
# first, read by the second. The demo build that app.py starts after the page is recorded, not run, in
# the step that checks which modules the page itself imported.
SCRIPT = textwrap.dedent(
    r"""
    import json, re, sys
    from streamlit.testing.v1 import AppTest
    import dashboard.shared as shared

    step = sys.argv[1]
    started = []
    if step in ("light", "switch"):
        shared.start_pending_build = lambda: started.append(shared.pending_demo())
    at = AppTest.from_file("app.py", default_timeout=600).run()
    heavy = sorted(m for m in ("numpy", "pandas", "pyarrow", "sklearn", "scipy", "shap") if m in sys.modules)
    out = {
        "errors": [e.value for e in at.error],
        "verdict": next((b.value for b in [*at.error, *at.warning, *at.success] if "Verdict" in b.value), None),
        "metrics": {m.label: m.value for m in at.metric},
        "pending": at.session_state["_pending_demo"] if "_pending_demo" in at.session_state else None,
        "has_workspace": "workspace" in at.session_state,
        "heavy": heavy,
        "started": started,
    }
    if step in ("energy", "switch"):  # the visitor picks another demo in the sidebar
        at.selectbox(key="scenario_choice").set_value("energy").run()
        out["switched"] = {
            "errors": [e.value for e in at.exception],
            "verdict": next((b.value for b in [*at.error, *at.warning, *at.success] if "Verdict" in b.value), None),
            "metrics": {m.label: m.value for m in at.metric},
            "pending": at.session_state["_pending_demo"] if "_pending_demo" in at.session_state else None,
            "has_workspace": "workspace" in at.session_state,
            "heavy": sorted(m for m in ("numpy", "pandas", "sklearn", "shap") if m in sys.modules),
        }
    if step == "then":  # the next page waits for the demo and shows it
        at.switch_page("pages/drift.py").run()
        banner = re.compile(r"^\*\*[^*]+: (Fail|Warning)\.\*\*")  # the page's status line, not an error
        out["next_page_errors"] = [e.value for e in at.error if not banner.match(e.value)]
        out["next_has_workspace"] = "workspace" in at.session_state
    print("RESULT " + json.dumps(out))
    """
)


def _step(step: str, cache: Path) -> dict:
    env = {**os.environ, "ROBUSTNESS_CACHE_DIR": str(cache)}
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, step], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stderr[-3000:]
    return json.loads(lines[-1][len("RESULT ") :])


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("snapshots")


@pytest.fixture(scope="module")
def first(cache) -> dict:
    return _step("first", cache)


def test_the_first_server_builds_the_demo_and_keeps_its_page(first, cache):
    assert first["errors"] == [] or all("Verdict" in e for e in first["errors"])
    assert first["has_workspace"] and first["pending"] is None  # nothing on disk yet: built at once
    files = list(cache.glob("demo-credit-*.json"))
    assert len(files) == 1
    data = json.loads(files[0].read_text(encoding="utf-8"))
    assert data["page"]["overview"]["n_reference"] == 4000 and len(data["checks"]) == 6


def test_a_later_server_shows_the_same_page_without_heavy_imports(first, cache):
    later = _step("light", cache)
    assert later["verdict"] == first["verdict"] and later["verdict"]
    assert later["metrics"] == first["metrics"]
    assert later["pending"] == "credit" and not later["has_workspace"]
    assert later["heavy"] == [], f"the first page imported {later['heavy']}"
    assert later["started"] == ["credit"]  # app.py starts the demo's build once the page is drawn


def test_the_next_page_waits_for_the_demo(first, cache):
    later = _step("then", cache)
    assert later["pending"] == "credit"
    assert later["next_has_workspace"] and later["next_page_errors"] == []


def test_another_demo_with_a_snapshot_opens_from_it(first, cache):
    """Picking a demo whose snapshot is on disk shows its Overview at once, as the first page does; the
    server builds it after the page is drawn (the first time, without a snapshot, it is built at once)."""
    built = _step("energy", cache)["switched"]
    assert built["errors"] == [] and built["has_workspace"] and built["pending"] is None
    assert len(list(cache.glob("demo-energy-*.json"))) == 1
    later = _step("switch", cache)["switched"]
    assert later["errors"] == [] and later["verdict"] == built["verdict"] and later["verdict"]
    assert later["metrics"] == built["metrics"]
    assert later["pending"] == "energy" and not later["has_workspace"]
    assert later["heavy"] == [], f"the switch imported {later['heavy']}"


def test_a_snapshot_of_other_code_is_not_used(first, cache, monkeypatch):
    from dashboard import snapshot

    monkeypatch.setenv("ROBUSTNESS_CACHE_DIR", str(cache))
    assert snapshot.load("credit") is not None
    monkeypatch.setattr(snapshot, "code_version", lambda: "0" * 16)
    assert snapshot.load("credit") is None


def test_a_corrupt_snapshot_is_ignored(tmp_path, monkeypatch, caplog):
    from dashboard import snapshot

    monkeypatch.setenv("ROBUSTNESS_CACHE_DIR", str(tmp_path))
    snapshot.path_of("credit").write_text("{not json", encoding="utf-8")
    assert snapshot.load("credit") is None
    assert "not used" in caplog.text
