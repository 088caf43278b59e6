"""Imports a fix needs: reuse what the module has, add what it lacks where isort would.

A fix that calls ``hashlib.sha256`` first looks for the module's own way to name
it — ``import hashlib`` anywhere at module level (also further down, or inside a
top-level ``try``), ``import hashlib as hl``, ``from hashlib import sha256`` —
and uses that. Only when there is none is ``import hashlib`` added: into the
standard-library group of the leading imports, at its sorted place (straight
imports before ``from`` imports, as ruff's isort does), or as a group of its own
after the docstring and ``__future__`` imports, so that a file that was
``ruff check --select I`` clean stays clean.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import libcst as cst

from ..analysis.imports import dotted_name
from ..analysis.index import ModuleIndex, is_docstring

STDLIB = frozenset(sys.stdlib_module_names)


@dataclass(frozen=True)
class Reference:
    """How fixed code names ``module.attr``, and whether ``import module`` must be added."""

    code: str
    needs_import: str | None = None


def reference(module: cst.Module, index: ModuleIndex, name: str, attr: str) -> Reference | None:
    """``hashlib.sha256`` as this module can say it, or None when the name is taken."""
    for local, target in _bindings(module):
        if target == name:
            return Reference(f"{local}.{attr}")
        if target == f"{name}.{attr}" and _only(index, local, target):
            return Reference(local)
    top = name.split(".")[0]  # ``import sqlalchemy.engine`` binds ``sqlalchemy``
    if _only(index, top, top):
        return Reference(f"{name}.{attr}", needs_import=name)
    return None


def _only(index: ModuleIndex, local: str, meaning: str) -> bool:
    """Nothing but an import of ``meaning`` binds ``local`` in the module (no function,
    class, logger, constant or other import of that name)."""
    return (
        local not in index.functions
        and local not in index.classes
        and local not in index.module_loggers
        and local not in index.constants
        and index.imports.bindings.get(local, meaning) == meaning
    )


@lru_cache(maxsize=1)
def _bindings(module: cst.Module) -> tuple[tuple[str, str], ...]:
    """Looked up once per module (the module being linted), not once per fix."""
    return tuple(_module_level_bindings(module))


def _module_level_bindings(module: cst.Module) -> Iterator[tuple[str, str]]:
    """(local name, what it is) of every module-level import, in source order."""
    for small in _module_level_imports(module.body):
        if isinstance(small, cst.Import):
            for alias in small.names:
                full = dotted_name(alias.name)
                if full is None:
                    continue
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    yield alias.asname.name.value, full
                else:
                    yield full.split(".")[0], full.split(".")[0]
        elif (
            not small.relative
            and small.module is not None
            and not isinstance(small.names, cst.ImportStar)
        ):
            base = dotted_name(small.module)
            for alias in small.names:
                if base is None or not isinstance(alias.name, cst.Name):
                    continue
                local = alias.name.value
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    local = alias.asname.name.value
                yield local, f"{base}.{alias.name.value}"


def _module_level_imports(
    body: Sequence[cst.BaseStatement | cst.BaseSmallStatement],
) -> Iterator[cst.Import | cst.ImportFrom]:
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Import | cst.ImportFrom):
                    yield small
        elif isinstance(stmt, cst.Try | cst.If | cst.With):
            for block in _blocks(stmt):
                yield from _module_level_imports(block)


def _blocks(stmt: cst.Try | cst.If | cst.With) -> Iterator[Sequence[cst.BaseStatement]]:
    if isinstance(stmt.body, cst.IndentedBlock):
        yield stmt.body.body
    if isinstance(stmt, cst.Try):
        for handler in stmt.handlers:
            if isinstance(handler.body, cst.IndentedBlock):
                yield handler.body.body
    orelse = getattr(stmt, "orelse", None)
    if isinstance(orelse, cst.If):
        yield from _blocks(orelse)
    elif orelse is not None and isinstance(orelse.body, cst.IndentedBlock):
        yield orelse.body.body


# -- where a new import goes -----------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """Insert ``import name`` before ``module.body[index]`` (or at the end when it is
    ``len(body)``); ``own_group``: as a group of its own, set off by a blank line
    (before the statement at ``index``; after the previous one when that is an import)."""

    index: int
    own_group: bool


def placement(module: cst.Module, name: str) -> Placement:
    body = module.body
    start = 1 if body and is_docstring(body[0]) else 0
    while start < len(body) and _is_future(body[start]):
        start += 1
    end = start
    while end < len(body) and _import_line(body[end]) is not None:
        end += 1
    section = "stdlib" if name.split(".")[0] in STDLIB else "other"
    same = [i for i in range(start, end) if _section(body[i]) == section]
    if not same:
        # A group of its own: the standard library's first; another package's after it.
        stdlib = [i for i in range(start, end) if _section(body[i]) == "stdlib"]
        return Placement(stdlib[-1] + 1 if section == "other" and stdlib else start, True)
    key = (0, name)
    for i in same:
        if _sort_key(body[i]) > key:
            return Placement(i, own_group=False)
    return Placement(same[-1] + 1, own_group=False)


def _import_line(stmt: cst.CSTNode) -> cst.Import | cst.ImportFrom | None:
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
        small = stmt.body[0]
        if isinstance(small, cst.Import | cst.ImportFrom):
            return small
    return None


def _is_future(stmt: cst.CSTNode) -> bool:
    small = _import_line(stmt)
    return (
        isinstance(small, cst.ImportFrom)
        and small.module is not None
        and dotted_name(small.module) == "__future__"
    )


def _top_module(small: cst.Import | cst.ImportFrom) -> str | None:
    if isinstance(small, cst.Import):
        name = dotted_name(small.names[0].name)
    elif small.relative:
        return None
    else:
        name = dotted_name(small.module) if small.module is not None else None
    return name.split(".")[0] if name else None


def _section(stmt: cst.CSTNode) -> str:
    small = _import_line(stmt)
    top = _top_module(small) if small is not None else None
    return "stdlib" if top in STDLIB else "other"


def _sort_key(stmt: cst.CSTNode) -> tuple[int, str]:
    """isort's order within a section: ``import x`` before ``from x import``, by module."""
    small = _import_line(stmt)
    if isinstance(small, cst.Import):
        return (0, (dotted_name(small.names[0].name) or "").lower())
    if isinstance(small, cst.ImportFrom) and small.module is not None:
        return (1, (dotted_name(small.module) or "").lower())
    return (1, "")


def import_line(name: str) -> str:
    return f"import {name}\n"
