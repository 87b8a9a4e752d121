"""The layers, read from the source: the core (lingoflow/) never imports Prefect nor the flows and
tasks above it, and its modules import each other without loops (imports inside functions included)."""
from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "lingoflow"


def _module(path: Path) -> str:
    rel = path.relative_to(CORE.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, top_level_only: bool, modules: frozenset[str] = frozenset()) -> set[str]:
    """The modules a file imports (relative imports resolved), all of them or those at module level;
    `from package import submodule` counts as the submodule when it is one of `modules`."""
    tree = ast.parse(path.read_text(), str(path))
    package = _module(path) if path.name == "__init__.py" else _module(path).rpartition(".")[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return found


def _core_files() -> list[Path]:
    return sorted(p for p in CORE.rglob("*.py") if "data" not in p.relative_to(CORE).parts[:1])


def test_the_core_never_imports_prefect_nor_the_layers_above():
    for path in _core_files():
        for name in _imports(path, top_level_only=False):
            assert not name.split(".")[0] == "prefect", f"{path.relative_to(CORE.parent)} imports {name}"
            assert not name.startswith(("lingoflow.flows", "lingoflow.tasks")), f"{path.relative_to(CORE.parent)} imports {name}"


def test_no_import_loops_in_the_core():
    modules = {_module(p): p for p in _core_files()}
    names = frozenset(modules)
    graph = {name: {m for m in _imports(path, False, names) if m in modules and m != name} for name, path in modules.items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for dep in sorted(graph[name]):
            if state.get(dep) == 1:
                raise AssertionError("import loop: " + " -> ".join(path[path.index(dep):] + [dep]))
            if dep not in state:
                visit(dep, path + [dep])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
