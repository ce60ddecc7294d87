"""Imports that show the architecture (issue #16).

- every module of ``robustness/`` imports on its own, in a fresh interpreter (no robustness module loaded
  before it), without streamlit;
- the import graph between ``robustness/``'s parts (sub-packages and top-level modules) has no cycle;
- ``robustness/`` never imports streamlit;
- no private name (``_x``) or private module is imported from another part of the code.

The graph and the private-name rule read the source with :mod:`ast`; imports inside functions and under
``if TYPE_CHECKING:`` count as much as top-level ones (they are dependencies all the same). The last tests
run the same checks on a small made-up tree with a cycle and a private import, so a checker that finds
nothing is caught too.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = "robustness"
# Alembic scripts: run by alembic inside its own context, never imported as modules.
NOT_IMPORTABLE = ("migrations",)
# Code whose imports must respect the parts' privacy. Tests and benchmarks are harnesses and may reach
# into private helpers (e.g. a benchmark generating a large demo frame).
CLIENTS = ("robustness", "dashboard", "pages", "app.py")


@dataclass(frozen=True)
class Import:
    file: Path
    line: int
    module: str  # the module imported (resolved: relative imports made absolute)
    names: tuple[str, ...]  # names taken from it by ``from module import ...``; () for ``import module``


def python_files(root: Path, top: str) -> list[Path]:
    start = root / top
    if start.is_file():
        return [start]
    return sorted(p for p in start.rglob("*.py") if "__pycache__" not in p.parts)


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def library_modules(root: Path) -> list[str]:
    files = python_files(root, LIBRARY)
    return [module_name(root, p) for p in files if not set(p.relative_to(root).parts) & set(NOT_IMPORTABLE)]


def _is_module(root: Path, dotted: str) -> bool:
    base = root.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports_of(root: Path, path: Path) -> Iterator[Import]:
    """Every import statement of a file, at any depth, with relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(root, path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(path, node.lineno, alias.name, ())
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                module = ".".join([*anchor, module] if module else anchor)
            names = tuple(a.name for a in node.names)
            submodules = [n for n in names if _is_module(root, f"{module}.{n}")]
            for n in submodules:  # ``from pkg import submodule`` depends on the submodule
                yield Import(path, node.lineno, f"{module}.{n}", ())
            rest = tuple(n for n in names if n not in submodules)
            if rest or not names:
                yield Import(path, node.lineno, module, rest)


def part_of(module: str) -> str:
    """The part a module belongs to: ``robustness.drift.engine`` -> ``robustness.drift``, ``app`` -> ``app``."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == LIBRARY else parts[0]


def package_graph(root: Path) -> dict[str, dict[str, list[Import]]]:
    """part -> part it imports -> the imports that make the edge (only parts of ``robustness``)."""
    graph: dict[str, dict[str, list[Import]]] = {}
    for path in python_files(root, LIBRARY):
        src = part_of(module_name(root, path))
        graph.setdefault(src, {})
        for imp in imports_of(root, path):
            if imp.module.split(".")[0] != LIBRARY:
                continue
            dst = part_of(imp.module)
            if dst != src:
                graph[src].setdefault(dst, []).append(imp)
    return graph


def cycles(graph: dict[str, dict[str, list[Import]]]) -> list[list[str]]:
    """The strongly connected components with more than one part (Tarjan), each as a cycle path."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(_cycle_path(graph, set(component)))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _cycle_path(graph: dict[str, dict[str, list[Import]]], component: set[str]) -> list[str]:
    """One cycle through a strongly connected component: a -> b -> ... -> a."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph.get(v, {})):
            if w == start:
                return [*paths[v], start]
            if w in component and w not in paths:
                paths[w] = [*paths[v], w]
                queue.append(w)
    raise AssertionError("not a strongly connected component")  # pragma: no cover


def describe_cycle(root: Path, graph: dict[str, dict[str, list[Import]]], path: list[str]) -> str:
    lines = [" -> ".join(path)]
    for a, b in zip(path, path[1:]):
        imp = graph[a][b][0]
        lines.append(f"  {a} -> {b}: {imp.file.relative_to(root)}:{imp.line} imports {imp.module}")
    return "\n".join(lines)


def private_imports(root: Path, tops: Iterable[str]) -> list[str]:
    """Imports of a private name or a private module from another part of the code."""
    found = []
    for top in tops:
        if not (root / top).exists():
            continue
        for path in python_files(root, top):
            src = part_of(module_name(root, path))
            for imp in imports_of(root, path):
                if imp.module.split(".")[0] not in {LIBRARY, "dashboard", "pages"}:
                    continue
                if part_of(imp.module) == src:
                    continue
                where = f"{path.relative_to(root)}:{imp.line}"
                inner = imp.module.split(".")[len(part_of(imp.module).split(".")) :]
                if any(_private(p) for p in inner):
                    found.append(f"{where}: private module {imp.module}")
                private = [n for n in imp.names if _private(n)]
                if private:
                    found.append(f"{where}: from {imp.module} import {', '.join(private)}")
    return found


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


# Imports each module in a child forked from a fresh interpreter that has imported the library's third-party
# dependencies (those imported at module level) and nothing of robustness/: every child starts with no
# robustness module loaded, as a new ``python -c "import robustness.x"`` would, without paying
# numpy/pandas/scipy/sklearn's import ~100 times (about 3.5 CPU-minutes as one process per module, about 10 s
# this way). What it cannot see: a module using a third-party submodule it never imports that another module's
# import loaded (``import sklearn`` then ``sklearn.pipeline.X``). Where fork is missing, one process per module.
# Printed: one JSON object, module -> the error's last line.
_IMPORT_EACH = r"""
import importlib, json, os, sys

modules, preload = json.loads(sys.argv[1])


def load(name):
    try:
        importlib.import_module(name)
        assert "streamlit" not in sys.modules, "streamlit was imported"
        return ""
    except BaseException as exc:  # the report, not a crash: every module is tried
        return f"{type(exc).__name__}: {exc}"


if not hasattr(os, "fork"):
    raise SystemExit(2)
for name in preload:
    try:
        importlib.import_module(name)
    except Exception:
        pass  # the module that needs it reports the error itself
assert not [m for m in sys.modules if m.split(".")[0] == "robustness"], "robustness/ was preloaded"
errors = {}
for name in modules:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        os.write(write, load(name).encode()[:4000])
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        message = pipe.read().decode()
    _, status = os.waitpid(pid, 0)
    if message or status:
        errors[name] = message or f"the child exited with status {status}"
print(json.dumps(errors))
"""


def third_party_imports(root: Path) -> list[str]:
    """The non-stdlib modules ``robustness/`` imports at module level (function-level ones stay lazy)."""
    found = set()
    for path in python_files(root, LIBRARY):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            found.update(n for n in names if n.split(".")[0] not in sys.stdlib_module_names)
    return sorted(n for n in found if n.split(".")[0] not in {LIBRARY, "streamlit"})


def import_each(modules: list[str], preload: list[str]) -> dict[str, str]:
    """module -> why it does not import on its own in a fresh interpreter (only the failures)."""
    arg = json.dumps([modules, preload])
    run = subprocess.run(
        [sys.executable, "-c", _IMPORT_EACH, arg], capture_output=True, text=True, cwd=ROOT, timeout=900
    )
    if run.returncode == 0:
        return json.loads(run.stdout.strip().splitlines()[-1])
    assert run.returncode == 2, run.stderr  # 2: no fork on this platform
    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        return {m: e for m, e in pool.map(_import_alone, modules) if e}


def _import_alone(module: str) -> tuple[str, str | None]:
    code = f"import sys, {module}; assert 'streamlit' not in sys.modules, 'streamlit was imported'"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env={**os.environ}, timeout=600
    )
    return module, None if result.returncode == 0 else result.stderr.strip().splitlines()[-1]


# -- the checks on this code ---------------------------------------------------------------------


def test_every_module_imports_on_its_own_in_a_fresh_interpreter():
    modules = library_modules(ROOT)
    assert len(modules) > 50, modules
    failures = import_each(modules, third_party_imports(ROOT))
    assert not failures, "modules that do not import on their own:\n" + "\n".join(
        f"{m}: {e}" for m, e in failures.items()
    )


def test_no_import_cycle_between_the_parts_of_robustness():
    graph = package_graph(ROOT)
    assert "robustness.models" in graph and "robustness.io" in graph["robustness.models"]
    found = cycles(graph)
    assert not found, "import cycles between parts of robustness/:\n" + "\n".join(
        describe_cycle(ROOT, graph, c) for c in found
    )


def test_robustness_never_imports_streamlit():
    found = [
        f"{imp.file.relative_to(ROOT)}:{imp.line}"
        for path in python_files(ROOT, LIBRARY)
        for imp in imports_of(ROOT, path)
        if imp.module.split(".")[0] == "streamlit"
    ]
    assert not found, f"robustness/ imports streamlit at {found}"


def test_no_private_name_is_imported_from_another_part():
    found = private_imports(ROOT, CLIENTS)
    assert not found, (
        "private names imported across parts (make them public, or move them where they are used):\n" + "\n".join(found)
    )


def test_app_and_pages_do_not_edit_sys_path():
    found = [
        str(p.relative_to(ROOT))
        for top in ("app.py", "pages", "dashboard")
        for p in python_files(ROOT, top)
        if any(
            isinstance(n, ast.Attribute) and n.attr == "path" and isinstance(n.value, ast.Name) and n.value.id == "sys"
            for n in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        )
    ]
    assert not found, f"sys.path edited in {found}: install the project (pip install -e .) instead"


# -- the checkers find what they should ------------------------------------------------------------


@pytest.fixture
def made_up_tree(tmp_path: Path) -> Path:
    files = {
        "robustness/__init__.py": "",
        "robustness/errors.py": "",
        "robustness/io/__init__.py": "",
        "robustness/io/data.py": "from robustness.errors import X\n\ndef f():\n    from ..models import base\n",
        "robustness/models/__init__.py": "from robustness.models.base import Y\n",
        "robustness/models/base.py": "from robustness.io.data import _helper\nfrom . import _private_module\n",
        "robustness/models/_private_module.py": "",
        "robustness/drift/__init__.py": "from robustness.models._private_module import thing\n",
        "pages/view.py": "from robustness.drift import _secret\nimport streamlit\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_a_cycle_between_parts_is_found_even_through_a_function_level_relative_import(made_up_tree):
    graph = package_graph(made_up_tree)
    assert cycles(graph) == [["robustness.io", "robustness.models", "robustness.io"]]
    text = describe_cycle(made_up_tree, graph, cycles(graph)[0])
    assert "robustness/io/data.py:4 imports robustness.models.base" in text


def test_no_cycle_is_reported_for_a_tree_without_one(made_up_tree):
    (made_up_tree / "robustness/io/data.py").write_text("from robustness.errors import X\n")
    assert cycles(package_graph(made_up_tree)) == []


def test_private_imports_across_parts_are_found_and_within_a_part_allowed(made_up_tree):
    found = private_imports(made_up_tree, CLIENTS)
    assert sorted(found) == [
        "pages/view.py:1: from robustness.drift import _secret",
        "robustness/drift/__init__.py:1: private module robustness.models._private_module",
        "robustness/models/base.py:1: from robustness.io.data import _helper",
    ]


def test_a_module_that_does_not_import_is_reported():
    failures = import_each(["robustness.errors", "robustness.no_such_module", "robustness.jsonsafe"], ["numpy"])
    assert list(failures) == ["robustness.no_such_module"]
    assert failures["robustness.no_such_module"].startswith("ModuleNotFoundError")
    assert _import_alone("robustness.no_such_module")[1] is not None
    assert _import_alone("robustness.errors") == ("robustness.errors", None)
