"""Text edits equivalent to a rule's node-level fix, for JSON and SARIF consumers.

``--fix`` itself applies fixes through LibCST (see fix/fixer.py); these edits describe
the same change as line/column ranges for tools that apply text patches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import libcst as cst
from libcst.metadata import CodeRange

from ..core.model import Applicability, Edit, Fix
from ..rules._imports import import_line, placement
from ..rules.base import NodeFix


class ImportSite:
    """Where each new import goes, looked up once per module and name, not once per
    finding (a generated module has thousands of findings)."""

    def __init__(self, module: cst.Module, positions: Mapping[cst.CSTNode, CodeRange]) -> None:
        self.module = module
        self.positions = positions
        self._edits: dict[str, Edit | None] = {}

    def edit(self, name: str) -> Edit | None:
        if name not in self._edits:
            self._edits[name] = _import_edit(self.module, self.positions, name)
        return self._edits[name]


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


def _import_edit(
    module: cst.Module, positions: Mapping[cst.CSTNode, CodeRange], name: str
) -> Edit | None:
    """``import name`` where the fixer puts it (rules/_imports.py: the stdlib group)."""
    where = placement(module, name)
    text = import_line(name) + ("\n" if where.own_group else "")
    if where.index < len(module.body):
        anchor = positions.get(module.body[where.index])
        if anchor is None:
            return None
        line = anchor.start.line
    else:
        line = len(module.code.splitlines()) + 1
    return Edit(line, 1, line, 1, text)


def import_anchor(module: cst.Module, names: Sequence[str]) -> list[cst.CSTNode]:
    """The statements whose positions the import edits of ``names`` need."""
    anchors: list[cst.CSTNode] = []
    for name in names:
        where = placement(module, name)
        if where.index < len(module.body):
            anchors.append(module.body[where.index])
    return anchors
