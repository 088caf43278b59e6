"""What a piece of code does that monitoring cares about: log, report, raise.

Used by the swallowed-context and auth-monitoring rules. Nested functions,
classes and lambdas are not entered: their bodies do not run here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import libcst as cst

from .flask_model import ABORT
from .imports import dotted_name
from .index import blocks, body_of
from .nodes import child_nodes
from .sinks import classify_sink, is_report_call, log_method
from .vocabulary import ERROR_METHODS

if TYPE_CHECKING:
    from .module import ModuleAnalysis

_OPAQUE = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
TRACEBACK_FORMATTERS = frozenset(
    {
        "traceback.format_exc",
        "traceback.format_exception",
        "traceback.print_exc",
        "traceback.print_exception",
    }
)
ERROR_LEVELS = frozenset({"logging.ERROR", "logging.CRITICAL", "logging.FATAL"})


def calls_in(node: cst.CSTNode) -> Iterator[cst.Call]:
    """Every call inside ``node`` (itself included), outside nested scopes, in source order."""
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Call):
            yield current
        children = [c for c in child_nodes(current) if not isinstance(c, _OPAQUE)]
        stack.extend(reversed(children))


def statements_in(stmts: Sequence[cst.CSTNode]) -> Iterator[cst.CSTNode]:
    """Small and compound statements, recursively, outside nested scopes."""
    for stmt in stmts:
        yield stmt
        if isinstance(stmt, cst.SimpleStatementLine | cst.SimpleStatementSuite):
            yield from stmt.body
        elif isinstance(stmt, cst.BaseCompoundStatement) and not isinstance(stmt, _OPAQUE):
            for block in blocks(stmt):
                yield from statements_in(block)


def is_log_call(call: cst.Call, analysis: ModuleAnalysis) -> bool:
    """A log sink, a report function, or a project function that logs."""
    if classify_sink(call, analysis) is not None or is_report_call(call, analysis):
        return True
    return calls_logging_function(call, analysis)


# Imported helpers whose name says they log (``from .utils.logging import log``); their
# bodies live in another module, so the name is the evidence.
_LOGGING_HELPER = re.compile(r"^_?(log|audit|record_event|log_\w+|audit_\w+|\w+_log|\w+_audit)$")


def calls_logging_function(call: cst.Call, analysis: ModuleAnalysis) -> bool:
    func = call.func
    target = None
    qualified = analysis.index.imports.resolve(func)
    if qualified is not None:
        external = analysis.external_function(qualified, "logs")
        if external is not None:
            return external[0].logs
    if isinstance(func, cst.Name):
        imported = analysis.index.imports.bindings.get(func.value)
        if imported is not None and func.value not in analysis.index.imports.module_aliases:
            # Another module's body is not visible in phase one: the name is the evidence.
            return bool(_LOGGING_HELPER.match(func.value)) and not imported.startswith(
                ("math.", "numpy.")
            )
        target = analysis.index.functions.get(func.value)
    elif (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and func.value.value in ("self", "cls")
    ):
        for methods in analysis.index.methods.values():
            target = methods.get(func.attr.value) or target
    if target is None:
        return False
    summary = analysis.summary(target)
    return summary is not None and summary.logs


def logs_in(node: cst.CSTNode, analysis: ModuleAnalysis) -> list[cst.Call]:
    return [call for call in calls_in(node) if is_log_call(call, analysis)]


def records_traceback(call: cst.Call, analysis: ModuleAnalysis) -> bool:
    """``log.exception()``, ``exc_info=...``, ``log_exception()``, a report function, ``format_exc()`` in the args."""
    method = log_method(call, analysis)
    if method == "exception":
        return True
    if is_report_call(call, analysis):
        return True
    for arg in call.args:
        if (
            arg.keyword is not None
            and arg.keyword.value in ("exc_info", "exception")
            and not _is_false(arg.value)
        ):
            return True
    if method is not None and _opt_exception(call):
        return True
    return any(
        analysis.index.imports.resolve(inner.func) in TRACEBACK_FORMATTERS
        for arg in call.args
        for inner in calls_in(arg.value)
    )


def _opt_exception(call: cst.Call) -> bool:
    """loguru: ``logger.opt(exception=True).error(...)``."""
    func = call.func
    if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Call):
        return False
    inner = func.value
    return (
        isinstance(inner.func, cst.Attribute)
        and inner.func.attr.value == "opt"
        and any(
            a.keyword is not None and a.keyword.value == "exception" and not _is_false(a.value)
            for a in inner.args
        )
    )


def _is_false(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value in ("False", "None")


def is_error_level(call: cst.Call, analysis: ModuleAnalysis) -> bool:
    method = log_method(call, analysis)
    if method in ERROR_METHODS and method != "exception":
        return True
    if method == "log" and call.args:
        level = call.args[0].value
        qualified = analysis.index.imports.resolve(level)
        if qualified in ERROR_LEVELS:
            return True
        if isinstance(level, cst.Integer) and int(level.value, 0) >= 40:
            return True
        if isinstance(level, cst.SimpleString) and (level.evaluated_value or "").upper() in (
            "ERROR",
            "CRITICAL",
        ):
            return True
    return False


def mentions(node: cst.CSTNode, names: frozenset[str]) -> bool:
    """Does ``node`` read any of ``names``?"""
    if not names:
        return False
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name) and current.value in names:
            return True
        stack.extend(c for c in child_nodes(current) if not isinstance(c, _OPAQUE))
    return False


def raises(stmts: Sequence[cst.CSTNode], analysis: ModuleAnalysis) -> bool:
    """Any ``raise`` or ``abort(...)`` that leaves the statements (outside nested scopes).

    A raise inside a ``try`` whose own bare/broad handler catches it does not leave.
    """
    for stmt in _escaping_statements(stmts):
        if isinstance(stmt, cst.Raise):
            return True
        if (
            isinstance(stmt, cst.Expr)
            and isinstance(stmt.value, cst.Call)
            and analysis.index.imports.resolve(stmt.value.func) in ABORT
        ):
            return True
    return False


def _escaping_statements(stmts: Sequence[cst.CSTNode]) -> Iterator[cst.CSTNode]:
    for stmt in stmts:
        yield stmt
        if isinstance(stmt, cst.SimpleStatementLine | cst.SimpleStatementSuite):
            yield from stmt.body
        elif isinstance(stmt, cst.Try | cst.TryStar):
            caught = any(h.type is None or _catches_everything(h.type) for h in stmt.handlers)
            parts = [] if caught else [stmt.body]
            parts += [h.body for h in stmt.handlers]
            parts += [b.body for b in (stmt.orelse, stmt.finalbody) if b is not None]
            for suite in parts:
                yield from _escaping_statements(body_of(suite))
        elif isinstance(stmt, cst.BaseCompoundStatement) and not isinstance(stmt, _OPAQUE):
            for block in blocks(stmt):
                yield from _escaping_statements(block)


def _catches_everything(exc_type: cst.BaseExpression) -> bool:
    members = (
        [el.value for el in exc_type.elements] if isinstance(exc_type, cst.Tuple) else [exc_type]
    )
    return any(
        isinstance(m, cst.Name) and m.value in ("Exception", "BaseException") for m in members
    )


def callee(call: cst.Call) -> str | None:
    return dotted_name(call.func)
