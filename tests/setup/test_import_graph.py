"""The shape of the code: services in named groups, no module-level import circle in the project,
and an import inside a function only where one at the top would close a circle.

The graph is read with ``ast`` from the files (nothing is imported): an edge for every import a
module runs when it is loaded (at its top level, in a class body or a top-level ``if``/``try``),
to the module it names and to that module's packages, whose ``__init__`` runs first.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.helpers import ROOT

PACKAGES = ("recall", "accounts", "config")
# recall/services/: one package per group of what the services serve, and the two modules every
# group uses (docs/architecture.md, "Where things live").
SERVICE_GROUPS = {"signing", "verification", "lifecycle", "ledger", "privacy", "groups", "notices", "jobs", "public"}
SERVICE_MODULES = {"__init__.py", "audit.py", "queue.py"}
# Imports inside a function for another reason than a circle, by module, with the reason.
LAZY_FOR_A_REASON = {
    "recall.apps": "AppConfig.ready: the models and the task registry load once the app registry is ready",
    "config.apps": "AppConfig.ready: the admin's widgets are set before its autodiscovery",
    "recall.eds": "a verifier's own dependencies load only when that backend is chosen (pyhanko for builtin)",
}


def _is_migration(module: str) -> bool:
    """Migrations keep app code inside the functions that run it, so that loading the migration
    graph imports none of it."""
    return ".migrations." in module


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def _imports(body: list[ast.stmt], in_function: bool) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement under ``body``, with whether it runs only when a function is called.
    ``if TYPE_CHECKING:`` blocks never run."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, in_function
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _imports(node.body, True)
        elif isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            continue
        else:
            for field in ("body", "orelse", "finalbody", "handlers"):
                children = getattr(node, field, [])
                for child in children:
                    if isinstance(child, ast.ExceptHandler):
                        yield from _imports(child.body, in_function)
                yield from _imports([c for c in children if isinstance(c, ast.stmt)], in_function)


def _targets(node: ast.Import | ast.ImportFrom, importer: str, is_package: bool, known: set[str]) -> set[str]:
    """The project modules an import statement loads (each with its packages)."""
    named: set[str] = set()
    if isinstance(node, ast.Import):
        named = {alias.name for alias in node.names}
    else:
        base = node.module or ""
        if node.level:
            package = importer.split(".") if is_package else importer.split(".")[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join([*package, base] if base else package)
        named = {base}
        named |= {f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in known}
    loaded = set()
    for name in named:
        parts = name.split(".")
        loaded |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
    return {m for m in loaded if m in known}


def import_graph() -> tuple[dict[str, set[str]], list[tuple[str, int, set[str]]]]:
    """The module-level edges, and the imports inside functions as (module, line, what they load)."""
    modules = project_modules()
    known = set(modules)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    deferred = []
    for name, path in modules.items():
        own_packages = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
        for node, in_function in _imports(ast.parse(path.read_text()).body, False):
            targets = _targets(node, name, path.name == "__init__.py", known) - {name}
            if in_function:
                if targets - own_packages:
                    deferred.append((name, node.lineno, targets - own_packages))
            else:
                # A module's own packages are already loading when it runs (not an edge of its own).
                graph[name] |= targets - own_packages
    return graph, deferred


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = {start}, [start]
    while todo:
        for other in graph.get(todo.pop(), ()):
            if other == goal:
                return True
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return False


def closes_a_circle(graph: dict[str, set[str]], module: str, targets: set[str]) -> bool:
    """Would this import, moved to the top of ``module``, make a circle?"""
    return any(reaches(graph, target, module) for target in targets)


def test_no_module_level_import_circle():
    graph, _deferred = import_graph()
    assert circles(graph) == []


def test_an_import_inside_a_function_is_one_that_would_close_a_circle():
    graph, deferred = import_graph()
    needless = [
        f"{module}:{line} imports {sorted(targets)}"
        for module, line, targets in deferred
        if not closes_a_circle(graph, module, targets) and module not in LAZY_FOR_A_REASON and not _is_migration(module)
    ]
    assert needless == [], "move these imports to the top of their modules"


def test_the_services_are_grouped_by_what_they_serve():
    services = ROOT / "recall" / "services"
    groups = {p.name for p in services.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert groups == SERVICE_GROUPS
    assert {p.name for p in services.glob("*.py")} == SERVICE_MODULES
    for group in groups:
        assert ast.get_docstring(ast.parse((services / group / "__init__.py").read_text())), group


def test_the_graph_sees_a_planted_circle(tmp_path, monkeypatch):
    """The checks above on a small tree: a circle through a package's __init__ is found, and of
    two imports inside a function, the one that would close the circle is justified and the
    other is not."""
    for path, text in {
        "recall/__init__.py": "",
        "recall/a.py": "from . import b\n",
        "recall/b.py": "from .pkg import c\n\ndef later():\n    from . import a\n    from . import e\n",
        "recall/e.py": "",
        "recall/pkg/__init__.py": "from . import d\n",
        "recall/pkg/c.py": "",
        "recall/pkg/d.py": "from recall import a\n",
    }.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    module = sys.modules[__name__]
    monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(module, "PACKAGES", ("recall",))
    graph, deferred = import_graph()
    assert circles(graph) == [["recall.a", "recall.b", "recall.pkg", "recall.pkg.d"]]
    assert [(m, t) for m, _, t in deferred if not closes_a_circle(graph, m, t)] == [("recall.b", {"recall.e"})]
    (tmp_path / "recall/pkg/__init__.py").write_text("")
    assert circles(import_graph()[0]) == []
