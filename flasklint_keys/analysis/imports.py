"""A cheap import table: local names -> dotted qualified names.

LibCST's QualifiedNameProvider costs several parses per file; a dict built from
the import statements answers the only question the rules ask ("is this
``flask.request``?") in O(1).
"""

from __future__ import annotations

import libcst as cst


def dotted_name(expr: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else ``None``."""
    parts: list[str] = []
    node: cst.BaseExpression = expr
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def module_name_of(node: cst.Attribute | cst.Name) -> str:
    dotted = dotted_name(node)
    assert dotted is not None
    return dotted


class ImportTable:
    """Maps a local binding to what it was imported as (``req`` -> ``flask.request``)."""

    __slots__ = ("bindings", "module_aliases", "modules")

    def __init__(self) -> None:
        self.bindings: dict[str, str] = {}
        # Local names bound by ``import x`` / ``import x.y as z``: modules, never credentials.
        self.module_aliases: set[str] = set()
        # Top-level packages imported anywhere (``flask``, ``structlog``...).
        self.modules: set[str] = set()

    def add_import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = module_name_of(alias.name)
            self.modules.add(full.split(".")[0])
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
                self.bindings[local] = full
            else:
                local = full.split(".")[0]
                self.bindings[local] = local
            self.module_aliases.add(local)

    def add_import_from(self, node: cst.ImportFrom) -> None:
        base = "." * len(node.relative)
        if node.module is not None:
            base += module_name_of(node.module)
        if not node.relative and base:
            self.modules.add(base.split(".")[0])
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            if not isinstance(alias.name, cst.Name):
                continue
            imported = alias.name.value
            local = imported
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            joiner = "" if base.endswith(".") or not base else "."
            self.bindings[local] = f"{base}{joiner}{imported}"

    def resolve(self, expr: cst.BaseExpression) -> str | None:
        """Qualified name of a Name/Attribute chain whose head is an imported name."""
        dotted = dotted_name(expr)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        target = self.bindings.get(head)
        if target is None:
            return None
        return f"{target}.{rest}" if rest else target

    def imports_any(self, *packages: str) -> bool:
        return any(pkg in self.modules for pkg in packages)
