"""Text edits equivalent to a rule's node-level fix, for JSON and SARIF consumers.

``--fix`` itself applies fixes through LibCST (see fix/fixer.py); these edits describe
the same change as line/column ranges for tools that apply text patches.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import libcst as cst
from libcst.metadata import CodeRange

from ..analysis.index import is_docstring
from ..core.model import Applicability, Edit, Fix
from ..rules.base import NodeFix


class ImportSite:
    """What a module imports at its top level, and the line a new import goes on: looked
    up once per module, not once per finding (a generated module has thousands of both)."""

    def __init__(self, module: cst.Module, positions: Mapping[cst.CSTNode, CodeRange]) -> None:
        self.module = module
        self.positions = positions
        self._imported: frozenset[str] | None = None
        self._line: int | None = None

    def edit(self, name: str) -> Edit | None:
        if self._imported is None:
            self._imported = frozenset(_imported_names(self.module))
        if name in self._imported:
            return None
        if self._line is None:
            self._line = _import_line(self.module, self.positions)
        return Edit(self._line, 1, self._line, 1, f"import {name}\n")


def text_fix(
    module: cst.Module,
    positions: Mapping[cst.CSTNode, CodeRange],
    fix: NodeFix | None,
    lines: list[str],
    site: ImportSite | None = None,
) -> Fix | None:
    if fix is None:
        return None
    edits: list[Edit] = []
    site = site or ImportSite(module, positions)
    for name in fix.imports:
        edit = site.edit(name)
        if edit is not None:
            edits.append(edit)
    for anchor, statements in fix.insert_before:
        where = positions.get(anchor)
        if where is None:
            return None
        code = "".join(module.code_for_node(stmt) for stmt in statements).rstrip("\n")
        column = where.start.column
        line = lines[where.start.line - 1] if where.start.line <= len(lines) else ""
        # After ``if x:`` or ``;`` on the same line the new call joins the line: ``log(...); abort(401)``.
        joins_line = bool(line[:column].strip())
        separator = "; " if joins_line else "\n" + line[:column]
        edits.append(
            Edit(where.start.line, column + 1, where.start.line, column + 1, code + separator)
        )
    for replacement in fix.replacements:
        where = positions.get(replacement.old)
        if where is None:
            return None
        edits.append(
            Edit(
                where.start.line,
                where.start.column + 1,
                where.end.line,
                where.end.column + 1,
                module.code_for_node(replacement.new),
            )
        )
    return Fix(fix.title, Applicability(fix.applicability), tuple(edits))


def _imported_names(module: cst.Module) -> Iterator[str]:
    """Every ``import <name>`` (without ``as``) at module level."""
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        if isinstance(alias.name, cst.Name) and alias.asname is None:
                            yield alias.name.value


def import_position(module: cst.Module) -> int:
    """Where LibCST's AddImportsVisitor puts a new import: after the docstring,
    ``__future__`` imports and the leading block of imports."""
    index = 0
    body = module.body
    if body and is_docstring(body[0]):
        index = 1
    while index < len(body) and _is_import_line(body[index]):
        index += 1
    return index


def _import_line(module: cst.Module, positions: Mapping[cst.CSTNode, CodeRange]) -> int:
    index = import_position(module)
    if index < len(module.body):
        where = positions.get(module.body[index])
        return where.start.line if where is not None else 1
    return len(module.code.splitlines()) + 1


def _is_import_line(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and all(
        isinstance(small, cst.Import | cst.ImportFrom) for small in stmt.body
    )
