"""Text edits equivalent to a rule's node-level fix, for JSON and SARIF consumers.

``--fix`` itself applies fixes through LibCST (see fix/fixer.py); these edits describe
the same change as line/column ranges for tools that apply text patches.
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst
from libcst.metadata import CodeRange

from ..analysis.index import is_docstring
from ..core.model import Applicability, Edit, Fix
from ..rules.base import NodeFix


def text_fix(
    module: cst.Module,
    positions: Mapping[cst.CSTNode, CodeRange],
    fix: NodeFix | None,
    lines: list[str],
) -> Fix | None:
    if fix is None:
        return None
    edits: list[Edit] = []
    for name in fix.imports:
        edit = _import_edit(module, positions, name)
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


def imported(module: cst.Module, name: str) -> bool:
    """Is ``import <name>`` at module level already?"""
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Import) and any(
                    isinstance(alias.name, cst.Name)
                    and alias.name.value == name
                    and alias.asname is None
                    for alias in small.names
                ):
                    return True
    return False


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


def _import_edit(
    module: cst.Module, positions: Mapping[cst.CSTNode, CodeRange], name: str
) -> Edit | None:
    if imported(module, name):
        return None
    index = import_position(module)
    if index < len(module.body):
        where = positions.get(module.body[index])
        line = where.start.line if where is not None else 1
    else:
        line = len(module.code.splitlines()) + 1
    return Edit(line, 1, line, 1, f"import {name}\n")


def _is_import_line(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and all(
        isinstance(small, cst.Import | cst.ImportFrom) for small in stmt.body
    )
