"""Tasks are handed over by name (recall.task_names), never by importing recall.tasks from the
services: every name is a registered task, and no service module imports the tasks module."""

import ast
from pathlib import Path

from config.celery import app as celery_app
from recall import task_names
from tests.helpers import ROOT


def test_every_task_name_is_a_registered_task():
    registered = set(celery_app.tasks)
    assert set(task_names.ALL) <= registered, set(task_names.ALL) - registered
    assert {name for name in registered if name.startswith("recall.")} == set(task_names.ALL)
    assert len(task_names.ALL) == len(set(task_names.ALL))


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports, absolute, with its line: ``import x``, ``from x import y``
    (relative ones resolved; ``y`` counted as a module too) and ``import_module("x")``."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    package = parts[:-1]  # a module's package; for __init__.py, the package itself
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name in ("import_module", "__import__", "import_string") and isinstance(node.args[0].value, str):
                found.append((node.lineno, node.args[0].value))
    return found


def test_no_service_module_imports_the_tasks_module():
    services = sorted((ROOT / "recall" / "services").rglob("*.py"))
    assert ROOT / "recall" / "services" / "queue.py" in services
    imports = {path: imported_modules(path) for path in services}
    # The scan resolves relative imports: queue.py's "from .. import task_names" is seen.
    assert any(name == "recall.task_names" for _, name in imports[ROOT / "recall" / "services" / "queue.py"])
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path, found in imports.items()
        for line, name in found
        if name == "recall.tasks" or name.startswith("recall.tasks.")
    ]
    assert offenders == []
