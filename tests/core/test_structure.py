"""The shape of core (docs/architecture.md): no Qt and no gui in it, its sub-packages import one way, no import
circle, and the Paddle-free modules import without Paddle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import core

CORE = Path(core.__file__).parent
# Each sub-package imports only from those on a lower layer or its own (docs/architecture.md draws them).
LAYERS = {"images": 0, "stats": 0, "nn": 0, "data": 1, "store": 1, "training": 2, "screening": 2, "cli": 3}
PADDLE_USERS = {"core.nn._paddle", "core.nn.models", "core.nn.optim", "core.screening.engine",
                "core.training.trainer"}  # import Paddle when imported; every other module imports it lazily


def _module_name(path: Path) -> str:
    parts = path.relative_to(CORE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module that ``path`` imports, at the top or inside a function, as absolute names."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            found.add(module)
            found.update(f"{module}.{a.name}" for a in node.names)  # ``from . import distributed``
    return found


def _core_modules() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in CORE.rglob("*.py")}
    return {name: {i for i in _imports(path) if i in modules and i != name} for name, path in modules.items()}


def _sub_package(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] not in ("__main__",) else None


def test_core_never_imports_gui_or_qt():
    for path in CORE.rglob("*.py"):
        bad = {i for i in _imports(path) if i.split(".")[0] in ("gui", "PySide6", "shiboken6", "pyqtgraph", "superqt")}
        assert not bad, f"{path.relative_to(CORE.parent)} imports {sorted(bad)}"


def test_sub_packages_import_downwards_only_and_modules_form_no_circle():
    graph = _core_modules()
    for module, imported in graph.items():
        src = _sub_package(module)
        for target in imported:
            dst = _sub_package(target)
            if src is None or dst is None or src == dst:
                continue
            assert LAYERS[dst] < LAYERS[src], f"{module} imports {target}: {src} may not import {dst}"
    state: dict[str, int] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                circle = trail[trail.index(target):] + [target] if target in trail else [module, target]
                raise AssertionError("import circle: " + " -> ".join(circle))
            if target not in state:
                visit(target, trail + [target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def test_every_core_module_imports_without_qt_and_the_paddle_free_ones_without_paddle():
    modules = sorted(m for m in _core_modules() if m != "core.__main__")
    code = f"""
import importlib, importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def __init__(self, names):
        self.names = names
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.names:
            raise ImportError(f"{{name}} is blocked")
        return None
sys.meta_path.insert(0, Block({{"PySide6", "shiboken6", "gui", "pyqtgraph", "superqt"}}))
paddle_free = [m for m in {modules!r} if m not in {sorted(PADDLE_USERS)!r}]
for name in paddle_free:
    importlib.import_module(name)
assert "paddle" not in sys.modules, [m for m in paddle_free if m in sys.modules]
for name in {modules!r}:
    importlib.import_module(name)
print("imported", len({modules!r}))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=CORE.parent)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().endswith(f"imported {len(modules)}")
