"""The layout is the architecture: layers import downwards only, and nothing imports in a circle.

Every import statement counts — at module level, inside a function, under
``TYPE_CHECKING`` — because each one is an edge a reader has to follow.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "flasklint_keys"
ROOT_NAME = "flasklint_keys"

# Which layers each layer may import (itself included). ``cli`` is the top.
LAYERS: dict[str, set[str]] = {
    "core": {"core"},
    "analysis": {"analysis", "core"},
    "rules": {"rules", "analysis", "core"},
    "lint": {"lint", "rules", "analysis", "core"},
    "run": {"run", "lint", "analysis", "core"},
    "fix": {"fix", "run", "lint", "rules", "analysis", "core"},
    "reporters": {"reporters", "core"},
    "modes": {"modes", "fix", "run", "reporters", "core"},
    "cli": {"modes", "reporters"},
    "__main__": {"cli"},
}
# The only run/ module that may reach the lint layer (the lazy seam), and what it may reach.
SEAM = "flasklint_keys.run.seam"
LINT_FREE_FOR_RUN = {"flasklint_keys.lint.suppressions"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> Iterator[str]:
    """Package modules that ``name`` imports, anywhere in its body."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == ROOT_NAME:
                    yield _closest(alias.name, known)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.split(".")[0] != ROOT_NAME:
                continue
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                yield candidate if candidate in known else _closest(target, known)


def _closest(name: str, known: set[str]) -> str:
    while name not in known and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {
        name: {target for target in imports_of(name, path, known) if target != name}
        for name, path in found.items()
    }


def layer(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_no_import_cycles() -> None:
    edges = graph()
    cycles = [component for component in _strongly_connected(edges) if len(component) > 1]
    assert not cycles, f"import cycles: {cycles}"


def test_layers_import_downwards() -> None:
    wrong = []
    for name, targets in graph().items():
        own = layer(name)
        if own not in LAYERS:
            continue  # the package itself (version)
        for target in targets:
            other = layer(target)
            if other and other not in LAYERS[own]:
                wrong.append(f"{name} -> {target}")
            if (
                own == "run"
                and other == "lint"
                and name != SEAM
                and target not in LINT_FREE_FOR_RUN
            ):
                wrong.append(f"{name} -> {target} (only {SEAM} reaches the lint layer)")
    assert not wrong, "\n".join(sorted(wrong))


def test_every_module_has_a_layer() -> None:
    """No private module loose at the package top."""
    top = {path.name for path in PACKAGE.glob("*.py")}
    assert top == {"__init__.py", "__main__.py", "cli.py"}
    assert {
        path.name for path in PACKAGE.iterdir() if path.is_dir() and path.name != "__pycache__"
    } == {name for name in LAYERS if name not in ("cli", "__main__")}


def _strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    item = stack.pop()
                    on_stack.discard(item)
                    component.append(item)
                    if item == node:
                        break
                out.append(sorted(component))
    return out
