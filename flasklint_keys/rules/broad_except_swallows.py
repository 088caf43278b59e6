"""FLK202 broad-except-swallows: ``except Exception`` that neither logs, reports nor raises."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from ..analysis import flask_model as fm
from ..analysis.effects import broad_members, hands_on, is_broad_handler
from ..analysis.index import body_of
from ..analysis.nodes import child_nodes
from ..analysis.paths import leaves, records
from ..core.model import Severity
from ..core.signals import Signal
from ._fixes import exception_log_statement, first_statement, insert_log_fix, logger_in_scope
from .base import NodeFix, Rule, RuleContext


class BroadExceptSwallows(Rule):
    """
    ## What it does
    Flags a bare `except:`, `except Exception` or `except BaseException` (alone
    or in a tuple, nested tuples included) whose body neither logs, reports
    nor raises — not only `pass`, also `return None`, `continue` or a generic
    response. Any `raise` (bare, a new exception, `abort(...)`, `return
    abort(...)`) counts as not swallowing, and so do calls that never return
    (`sys.exit`, click's `ctx.exit()`/`ctx.fail()`, `self.fail()` in a click
    `ParamType` or a `TestCase`, a project function whose every path raises);
    so does a log call (also a project `logging.Logger` subclass's own methods
    and `from logging import error`), an error reporter
    (`sentry_sdk.capture_exception`...), a write to stderr (`click.echo(...,
    err=True)`), `self.handleError(record)` in a logging handler, or a project
    function that logs. Handing the exception on is not swallowing either:
    returning it or a value built from it (outside a request handler, whose
    return value is a response), storing it on `self` or for a later return,
    putting it on a queue or a future. A `try` that only imports (an optional
    dependency fallback) is not flagged, nor test code (`test-paths`) or code
    under `if __name__ == "__main__":`.

    ## Why is this bad?
    A broad handler catches every bug along with the error it was written
    for; if it records nothing, failures — including failed key lookups and
    auth backends timing out — disappear without a trace (CWE-390).

    ## Example
    ```python
    try:
        account = lookup_account(key)
    except Exception:
        return None
    ```

    ## Use instead
    ```python
    try:
        account = lookup_account(key)
    except Exception:
        logger.exception("account lookup failed")
        return None
    ```

    ## References
    - [CWE-390: Detection of Error Condition Without Action](https://cwe.mitre.org/data/definitions/390.html)
    - [ruff BLE001 / S110](https://docs.astral.sh/ruff/rules/blind-except/)
    """

    code = "FLK202"
    name = "broad-except-swallows"
    summary = "a broad except block neither logs, reports nor raises"
    severity = Severity.WARNING
    cwe = 390
    fix_suggestion = (
        "log the exception with logger.exception(...), narrow the except clause, or re-raise"
    )
    trigger = (Signal.BROAD_EXCEPT, Signal.LOGGER_CLASS)

    VALID = (
        """
import logging
log = logging.getLogger(__name__)
def f():
    try:
        import ujson as json
    except Exception:
        import json
    try:
        risky()
    except ValueError:
        return None
    try:
        risky()
    except Exception:
        log.exception("risky failed")
        return None
    try:
        risky()
    except Exception:
        raise
    try:
        risky()
    except Exception as exc:
        raise RuntimeError("wrapped") from exc
""",
    )
    INVALID = (
        """
def f():
    try:
        risky()
    except:  # FLK202:5
        pass
    for item in items:
        try:
            risky(item)
        except (ValueError, Exception):  # FLK202:29
            continue
    try:
        return risky()
    except BaseException:  # FLK202:12
        return None
""",
    )

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._check(node)

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        self._check(node)

    def _check(self, node: cst.ExceptHandler | cst.ExceptStarHandler) -> None:
        ctx = self.context
        if ctx.is_test_file or ctx.in_main_block() or not is_broad_handler(node, ctx.index):
            return  # test and development code may swallow what it likes
        try_stmt = ctx.statement
        if isinstance(try_stmt, cst.Try) and _only_imports(try_stmt):
            return
        body = body_of(node.body)
        analysis = ctx.analysis
        func = ctx.function
        if leaves(body, analysis, func) or records(body, analysis):
            return
        request_handler = func is not None and fm.is_request_handler(
            func, ctx.index, analysis.external_view
        )
        if hands_on(node, func, request_handler):
            return  # the caller gets the exception (or what it said) and decides
        fix = self._fix(node)
        names = broad_members(node, ctx.index)
        if names:
            caught = names[0]
            what = "except " + (caught.value if isinstance(caught, cst.Name) else ctx.code(caught))
            self.report(
                caught,
                f"{what} swallows the error: it neither logs, reports nor raises",
                statement=node,
                fix=fix,
            )
        else:
            self.report(
                node,
                "bare except swallows the error: it neither logs, reports nor raises",
                statement=node,
                span=len("except"),
                fix=fix,
            )

    def _fix(self, node: cst.ExceptHandler | cst.ExceptStarHandler) -> NodeFix | None:
        """``logger.exception(...)`` at the top of the block -- only where it records a
        failure once, in code that runs per request or per call, with a logger that is
        there when it runs (never at import time, in a CLI command, in a loop, or where
        the ``try`` is a conversion whose failure is the expected path)."""
        ctx = self.context
        func = ctx.function
        if func is None or not _fixable_in(func, node, ctx):
            return None
        ref = logger_in_scope(ctx)
        anchor = first_statement(node.body)
        if ref is None or anchor is None:
            return None
        if ref.code.endswith(".logger") and not fm.is_request_handler(
            func, ctx.index, ctx.analysis.external_view
        ):
            return None  # current_app.logger needs an application context
        statement = exception_log_statement(ref, f"unexpected error in {func.name.value}")
        return insert_log_fix("Log the exception with logger.exception()", anchor, statement)


# Calls whose failure on bad input is the expected path (a converter called per cell, a
# value parsed if it can be): a traceback each time floods the log.
CONVERSIONS = frozenset(
    {
        "int",
        "float",
        "decimal.Decimal",
        "Decimal",
        "json.loads",
        "ast.literal_eval",
        "uuid.UUID",
        "UUID",
        "datetime.datetime.strptime",
        "datetime.datetime.fromisoformat",
        "datetime.date.fromisoformat",
        "dateutil.parser.parse",
    }
)
# Decorators of command-line commands: their output is the terminal, not the log.
CLI_DECORATORS = ("command", "group", "option", "argument")


def _fixable_in(
    func: cst.FunctionDef, handler: cst.ExceptHandler | cst.ExceptStarHandler, ctx: RuleContext
) -> bool:
    if any(_decorator_leaf(d.decorator) in CLI_DECORATORS for d in func.decorators):
        return False
    try_stmt = ctx.statement
    if isinstance(try_stmt, cst.Try) and _converts(try_stmt, ctx):
        return False
    return not _in_loop(body_of(func.body), handler)


def _decorator_leaf(decorator: cst.BaseExpression) -> str | None:
    target = decorator.func if isinstance(decorator, cst.Call) else decorator
    if isinstance(target, cst.Attribute):
        return target.attr.value
    return target.value if isinstance(target, cst.Name) else None


def _converts(node: cst.Try, ctx: RuleContext) -> bool:
    """A ``try`` of one statement whose call is a conversion (``x = int(cell)``)."""
    body = body_of(node.body)
    if len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine):
        return False
    small = body[0].body[0]
    value = small.value if isinstance(small, cst.Assign | cst.Return | cst.Expr) else None
    if not isinstance(value, cst.Call):
        return False
    qualified = ctx.index.imports.resolve(value.func)
    name = qualified or (value.func.value if isinstance(value.func, cst.Name) else None)
    return name in CONVERSIONS


def _in_loop(body: Sequence[cst.CSTNode], target: cst.CSTNode) -> bool:
    """Is ``target`` inside a ``for``/``while`` of this body (not of a nested function)?"""
    stack: list[tuple[cst.CSTNode, bool]] = [(stmt, False) for stmt in body]
    while stack:
        node, looping = stack.pop()
        if node is target:
            return looping
        if isinstance(node, cst.FunctionDef | cst.ClassDef | cst.Lambda):
            continue
        inside = looping or isinstance(node, cst.For | cst.While)
        stack.extend((child, inside) for child in child_nodes(node))
    return False


def _only_imports(node: cst.Try) -> bool:
    body = body_of(node.body)
    return bool(body) and all(
        isinstance(stmt, cst.SimpleStatementLine)
        and all(isinstance(small, cst.Import | cst.ImportFrom) for small in stmt.body)
        for stmt in body
    )
