"""The code identity of a stage: a hash of the source of every lingoflow module it depends on.

A stage's key names the functions or modules that compute it; their modules, and every
lingoflow module those import (found in their source, imports inside functions included), are
hashed. So a change to any helper a stage uses (a glossary rule, a caption norm, a voice
choice) re-runs the stages that use it, and none other: nothing has to be listed by hand.
"""
from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import inspect
import threading
from pathlib import Path
from types import ModuleType
from typing import Callable, Iterable

ROOT_PACKAGE = "lingoflow"

_imports: dict[str, tuple[str, ...]] = {}  # module -> the lingoflow modules its source imports
_lock = threading.Lock()
# CPython 3.11 raises "SystemError: AST constructor recursion depth mismatch" when two threads
# build ASTs at once (gh-106905); lazy_loader-based packages parse stubs on import too. Whoever
# parses Python source or first imports such a package, with files in flight, holds this.
parsing = threading.RLock()


@functools.lru_cache(maxsize=None)  # a module's file does not move within a process
def _origin(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    return Path(spec.origin) if spec is not None and spec.origin and spec.origin.endswith(".py") else None


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def imported_modules(name: str) -> tuple[str, ...]:
    """The lingoflow modules that module `name` imports anywhere in its source."""
    with _lock:
        if name in _imports:
            return _imports[name]
    path = _origin(name)
    found: list[str] = []
    if path is not None:
        package = name if _is_package(path) else name.rpartition(".")[0]
        with parsing:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in _runtime_nodes(tree):
            if isinstance(node, ast.Import):
                found += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = importlib.util.resolve_name("." * node.level + (node.module or ""), package) if node.level else node.module or ""
                found.append(base)
                found += [f"{base}.{alias.name}" for alias in node.names]  # `from . import dub`: a module, when it is one
    mine = tuple(sorted({m for m in found if (m == ROOT_PACKAGE or m.startswith(ROOT_PACKAGE + ".")) and _origin(m) is not None}))
    with _lock:
        _imports[name] = mine
    return mine


def _runtime_nodes(tree: ast.AST):
    """Every statement but those under `if TYPE_CHECKING:` (imports for annotations change no
    result). Imports are statements, so expressions are never walked (most of a tree's nodes)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            todo += node.orelse
            continue
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):  # where statements nest
            todo += getattr(node, field, None) or []


def closure(names: Iterable[str]) -> list[str]:
    """The modules named and every lingoflow module they import, transitively."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += imported_modules(name)
    return sorted(seen)


def module_name(part: Callable | ModuleType) -> str:
    if isinstance(part, ModuleType):
        return part.__name__
    module = inspect.getmodule(part)
    return module.__name__ if module is not None else getattr(part, "__module__", "")


def source_digest(names: Iterable[str]) -> str:
    h = hashlib.sha256()
    for name in closure(names):
        path = _origin(name)
        h.update(name.encode() + b"\0" + (path.read_bytes() if path else b"") + b"\0")
    return h.hexdigest()
