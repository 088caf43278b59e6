"""What a piece of code does that monitoring cares about: log, report, raise.

Used by the swallowed-context and auth-monitoring rules. Nested functions,
classes and lambdas are not entered: their bodies do not run here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import libcst as cst

from .flask_model import exception_status, handled_target, is_http_exception
from .imports import dotted_name
from .index import ModuleIndex, blocks, body_of
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


def is_log_call(call: cst.Call, analysis: ModuleAnalysis, must: bool = False) -> bool:
    """A log sink, a report function, a write to stderr, or a project function that logs.

    With ``must``, project functions are left to their path facts (``paths.call_logs``):
    only a helper of another module whose body is not known yet counts, by its name.
    """
    if (
        classify_sink(call, analysis) is not None
        or is_report_call(call, analysis)
        or handles_logging_error(call)
        or writes_stderr(call, analysis)
    ):
        return True
    if must:
        return _logging_helper_by_name(call, analysis)
    return calls_logging_function(call, analysis)


# ``click.echo(..., err=True)``: a command-line program's report to its user.
ECHO_FUNCTIONS = frozenset({"click.echo", "click.secho", "typer.echo", "typer.secho"})
STDERR = frozenset({"sys.stderr", "sys.__stderr__"})


def writes_stderr(call: cst.Call, analysis: ModuleAnalysis) -> bool:
    """``click.echo(msg, err=True)``, ``click.echo(msg, file=sys.stderr)``."""
    imports = analysis.index.imports
    if imports.resolve(call.func) not in ECHO_FUNCTIONS:
        return False
    for arg in call.args:
        if arg.keyword is None:
            continue
        if arg.keyword.value == "err" and not _is_false(arg.value):
            return True
        if arg.keyword.value == "file" and imports.resolve(arg.value) in STDERR:
            return True
    return False


def handles_logging_error(call: cst.Call) -> bool:
    """``self.handleError(record)`` in a ``logging.Handler``: the standard library prints the
    exception and its traceback to stderr."""
    func = call.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value == "handleError"
        and isinstance(func.value, cst.Name)
        and func.value.value == "self"
    )


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
            return _named_helper(func.value, imported)
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


def _logging_helper_by_name(call: cst.Call, analysis: ModuleAnalysis) -> bool:
    """An imported helper named like a logger whose module's summary is not known (yet)."""
    func = call.func
    if not isinstance(func, cst.Name):
        return False
    imported = analysis.index.imports.bindings.get(func.value)
    if imported is None or func.value in analysis.index.imports.module_aliases:
        return False
    qualified = analysis.index.imports.resolve(func)
    if qualified is not None and analysis.external_function(qualified, "logs") is not None:
        return False  # its summary decides (paths.function_facts)
    return _named_helper(func.value, imported)


def _named_helper(name: str, imported: str) -> bool:
    # Another module's body is not visible in phase one: the name is the evidence.
    return bool(_LOGGING_HELPER.match(name)) and not imported.startswith(("math.", "numpy."))


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


def escaping_statements(stmts: Sequence[cst.CSTNode]) -> Iterator[cst.CSTNode]:
    """Statements whose raise would leave ``stmts`` (not those a broad handler of theirs catches)."""
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
                yield from escaping_statements(body_of(suite))
        elif isinstance(stmt, cst.BaseCompoundStatement) and not isinstance(stmt, _OPAQUE):
            for block in blocks(stmt):
                yield from escaping_statements(block)


def _catches_everything(exc_type: cst.BaseExpression) -> bool:
    return any(_broad_name(member) for member in caught_members(exc_type))


# -- broad handlers ---------------------------------------------------------------------------

BROAD_CLASSES = frozenset({"Exception", "BaseException"})


def caught_members(exc_type: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The classes an ``except`` clause names, nested tuples flattened."""
    if isinstance(exc_type, cst.Tuple | cst.List):
        return [m for el in exc_type.elements for m in caught_members(el.value)]
    return [exc_type]


def _broad_name(member: cst.BaseExpression) -> bool:
    if isinstance(member, cst.Name):
        return member.value in BROAD_CLASSES
    dotted = dotted_name(member)
    return dotted is not None and dotted in ("builtins.Exception", "builtins.BaseException")


def broad_members(
    handler: cst.ExceptHandler | cst.ExceptStarHandler, index: ModuleIndex
) -> list[cst.BaseExpression]:
    """The broad classes a handler catches (``Exception``, ``BaseException``, alone, in a tuple
    or a nested tuple, or as ``builtins.Exception``); ``[]`` for a bare ``except:``."""
    if handler.type is None:
        return []
    return [m for m in caught_members(handler.type) if _is_broad_member(m, index)]


def _is_broad_member(member: cst.BaseExpression, index: ModuleIndex) -> bool:
    if isinstance(member, cst.Name):
        # ``from .errors import Exception`` would be another class.
        return member.value in BROAD_CLASSES and member.value not in index.imports.bindings
    return _broad_name(member)


def is_broad_handler(
    handler: cst.ExceptHandler | cst.ExceptStarHandler, index: ModuleIndex
) -> bool:
    return handler.type is None or bool(broad_members(handler, index))


# -- keeping the traceback ----------------------------------------------------------------------


def keeps_traceback(
    stmts: Sequence[cst.CSTNode], caught: str | None, analysis: ModuleAnalysis
) -> bool:
    """Does a raise leaving ``stmts`` carry the caught exception on?

    A bare ``raise``, ``raise e``, ``raise X from e``, and a new exception raised without
    ``from None`` (Python chains the caught one as its context) do; ``abort(...)`` and
    HTTP exceptions do not (Flask logs no traceback for them), nor ``raise X from None``.
    """
    for stmt in escaping_statements(stmts):
        if isinstance(stmt, cst.Raise) and _raise_keeps_traceback(stmt, caught, analysis):
            return True
    return False


def _raise_keeps_traceback(stmt: cst.Raise, caught: str | None, analysis: ModuleAnalysis) -> bool:
    exc = stmt.exc
    if exc is None:
        return True
    if isinstance(exc, cst.Name) and caught is not None and exc.value == caught:
        return True
    cause = stmt.cause
    if cause is not None:
        return not (isinstance(cause.item, cst.Name) and cause.item.value == "None")
    return not _is_http_error(exc, analysis)


def _is_http_error(exc: cst.BaseExpression, analysis: ModuleAnalysis) -> bool:
    index = analysis.index
    if exception_status(exc, index, analysis.external_status) is not None:
        return True
    target = exc.func if isinstance(exc, cst.Call) else exc
    qualified = handled_target(target, index)
    return isinstance(qualified, str) and is_http_exception(qualified, index)


def callee(call: cst.Call) -> str | None:
    return dotted_name(call.func)


# -- handing the exception on ---------------------------------------------------------------

# Calls that hand a value to a consumer: a queue, a future, a channel.
HAND_ON_METHODS = frozenset({"put", "put_nowait", "set_exception", "send", "send_nowait"})
COLLECT_METHODS = frozenset({"append", "add", "extend", "appendleft", "insert"})
RESPONSE_CALLS = frozenset(
    {"jsonify", "make_response", "Response", "render_template", "render_template_string"}
)


def hands_on(
    handler: cst.ExceptHandler | cst.ExceptStarHandler,
    func: cst.FunctionDef | None,
    request_handler: bool,
) -> bool:
    """Does the except block hand the exception (or a value built from it) to its caller?

    Returning it (``return e``, ``return None, str(e)``), storing it for a later return or
    on ``self``, putting it on a queue or a future, or collecting it into a list the
    function returns or raises. A request handler's return value is a response, not a
    caller's: Flask logs nothing of it.
    """
    names = _caught_names(handler)
    body = body_of(handler.body)
    later = _function_exits(func) if func is not None else []
    for small in _own_smalls(body):
        if isinstance(small, cst.Return) and small.value is not None:
            if _reads_exception(small.value, names) and not (
                request_handler or _is_response(small.value)
            ):
                return True
        elif isinstance(small, cst.Assign | cst.AugAssign | cst.AnnAssign):
            value = small.value
            if value is None or not _reads_exception(value, names):
                continue
            targets = (
                [t.target for t in small.targets]
                if isinstance(small, cst.Assign)
                else [small.target]
            )
            if any(_stored_for_caller(t, later, request_handler) for t in targets):
                return True
        elif (
            isinstance(small, cst.Expr)
            and isinstance(small.value, cst.Call)
            and _passes_on(small.value, names, later, request_handler)
        ):
            return True
    return False


def _caught_names(handler: cst.ExceptHandler | cst.ExceptStarHandler) -> frozenset[str]:
    name = handler.name.name if handler.name is not None else None
    return frozenset({name.value}) if isinstance(name, cst.Name) else frozenset()


def _reads_exception(expr: cst.CSTNode, names: frozenset[str]) -> bool:
    if mentions(expr, names):
        return True
    return any(
        (dotted_name(call.func) or "").rsplit(".", 1)[-1] in ("format_exc", "exc_info")
        for call in calls_in(expr)
    )


def _stored_for_caller(
    target: cst.BaseExpression, later: list[cst.CSTNode], request_handler: bool
) -> bool:
    if isinstance(target, cst.Attribute | cst.Subscript):
        head = target.value
        while isinstance(head, cst.Attribute | cst.Subscript):
            head = head.value
        return isinstance(head, cst.Name) and head.value in ("self", "cls")
    if isinstance(target, cst.Name) and not request_handler:
        return any(mentions(node, frozenset({target.value})) for node in later)
    return False


def _passes_on(
    call: cst.Call, names: frozenset[str], later: list[cst.CSTNode], request_handler: bool
) -> bool:
    func = call.func
    if not isinstance(func, cst.Attribute):
        return False
    if not any(_reads_exception(arg.value, names) for arg in call.args):
        return False
    method = func.attr.value
    if method in HAND_ON_METHODS:
        return True
    if method in COLLECT_METHODS and isinstance(func.value, cst.Name) and not request_handler:
        # A list the function returns, raises or yields.
        return any(mentions(node, frozenset({func.value.value})) for node in later)
    return False


def _is_response(value: cst.BaseExpression) -> bool:
    if isinstance(value, cst.Tuple) and len(value.elements) >= 2:
        status = value.elements[1].value
        if isinstance(status, cst.Integer):
            return True
        value = value.elements[0].value
    if isinstance(value, cst.Call):
        name = dotted_name(value.func)
        return name is not None and name.rsplit(".", 1)[-1] in RESPONSE_CALLS
    return False


def _own_smalls(stmts: Sequence[cst.CSTNode]) -> Iterator[cst.BaseSmallStatement]:
    for stmt in statements_in(stmts):
        if isinstance(stmt, cst.BaseSmallStatement):
            yield stmt


def _function_exits(func: cst.FunctionDef) -> list[cst.CSTNode]:
    """What a function gives back: its returned, raised and yielded values."""
    out: list[cst.CSTNode] = []
    for stmt in statements_in(body_of(func.body)):
        if (
            isinstance(stmt, cst.Return | cst.Raise)
            and (stmt.value if isinstance(stmt, cst.Return) else stmt.exc) is not None
        ):
            value = stmt.value if isinstance(stmt, cst.Return) else stmt.exc
            assert value is not None
            out.append(value)
        elif isinstance(stmt, cst.Expr) and isinstance(stmt.value, cst.Yield):
            out.append(stmt.value)
    return out
