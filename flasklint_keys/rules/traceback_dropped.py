"""FLK203 traceback-dropped: an error-level log in ``except`` that records no traceback."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import libcst as cst

from ..analysis.effects import (
    calls_in,
    is_broad_handler,
    is_error_level,
    is_log_call,
    keeps_traceback,
    records_traceback,
)
from ..analysis.index import Statement, blocks, body_of
from ..core.model import Applicability, Severity
from ..core.signals import Signal
from ._fixes import logger_kind
from .base import NodeFix, Replacement, Rule


class TracebackDropped(Rule):
    """
    ## What it does
    Flags an error-level log call (`error`, `critical`, `log(logging.ERROR, …)`,
    also `error(...)` imported from `logging`) inside a broad `except` block
    (bare, `Exception`, `BaseException`, alone or in a tuple) that passes no
    `exc_info` and is not `.exception()`, when no other log call of that block
    records the traceback and the block does not re-raise the caught exception
    (`raise`, `raise e`, `raise X from e`, a new exception Python chains to
    it). `abort(...)` and HTTP exceptions do not carry the traceback (Flask
    logs none for them), nor does `raise X from None`. A narrow handler
    (`except KeyError`) expects its error: its message explains it. Test code
    (`test-paths`) and `__main__` blocks are not flagged.

    ## Why is this bad?
    `logger.error("lookup failed: %s", exc)` keeps the message and drops the
    traceback: the log says *that* something failed, never *where*, so the
    incident cannot be traced (CWE-778).

    ## Example
    ```python
    try:
        verify_key(key)
    except KeyStoreError as exc:
        logger.error("key store failed: %s", exc)
    ```

    ## Use instead
    ```python
    try:
        verify_key(key)
    except KeyStoreError:
        logger.exception("key store failed")
    ```

    ## References
    - [CWE-778: Insufficient Logging](https://cwe.mitre.org/data/definitions/778.html)
    - [Python logging: Logger.exception](https://docs.python.org/3/library/logging.html#logging.Logger.exception)
    """

    code = "FLK203"
    name = "traceback-dropped"
    summary = "an error-level log in an except block records no traceback"
    severity = Severity.NOTE
    cwe = 778
    fix_suggestion = "use logger.exception(...) or pass exc_info=True so the traceback is kept"
    trigger = (Signal.DROPPED_TRACEBACK, Signal.LOGGER_CLASS)

    VALID = (
        """
import logging
log = logging.getLogger(__name__)
def f():
    try:
        risky()
    except ValueError:
        log.exception("failed")
    try:
        risky()
    except ValueError as exc:
        log.error("failed: %s", exc, exc_info=True)
    try:
        risky()
    except ValueError:
        log.error("failed")
        raise
    try:
        risky()
    except ValueError:
        log.warning("retrying")
    try:
        risky()
    except KeyError as exc:
        log.error("no such key: %s", exc)
    try:
        risky()
    except ValueError:
        log.error("failed")
        log.debug("details", exc_info=True)
""",
    )
    INVALID = (
        """
import logging
log = logging.getLogger(__name__)
def f():
    try:
        risky()
    except Exception as exc:
        log.error("failed: %s", exc)  # FLK203:9
    try:
        risky()
    except Exception:
        log.log(logging.CRITICAL, "down")  # FLK203:9
""",
    )

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._check(node)

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        self._check(node)

    def _check(self, node: cst.ExceptHandler | cst.ExceptStarHandler) -> None:
        ctx = self.context
        if ctx.is_test_file or ctx.in_main_block() or not is_broad_handler(node, ctx.index):
            # A narrow handler (``except KeyError``) expects its error: the message explains it.
            return
        analysis = ctx.analysis
        body = body_of(node.body)
        caught = node.name.name if node.name is not None else None
        if keeps_traceback(body, caught.value if isinstance(caught, cst.Name) else None, analysis):
            return
        logs = [(stmt, call) for stmt, call in _own_calls(body) if is_log_call(call, analysis)]
        if any(records_traceback(call, analysis) for _, call in logs):
            return
        for stmt, call in logs:
            if is_error_level(call, analysis):
                self.report(
                    call.func,
                    "error logged in an except block without its traceback",
                    statement=stmt,
                    fix=self._fix(call),
                    help=self._help(call),
                )

    def _help(self, call: cst.Call) -> str | None:
        """The fix suggestion in the logger's own terms (loguru has no ``exc_info``)."""
        func = call.func
        if isinstance(func, cst.Attribute) and self._loguru(func.value):
            return "use logger.opt(exception=True).error(...) (or logger.exception(...)) so loguru keeps the traceback"
        return None

    def _loguru(self, receiver: cst.BaseExpression) -> bool:
        index = self.context.index
        qualified = index.imports.resolve(receiver)
        if qualified is None and isinstance(receiver, cst.Name):
            qualified = index.module_loggers.get(receiver.value)
        return qualified is not None and logger_kind(qualified) == "loguru"

    def _fix(self, call: cst.Call) -> NodeFix | None:
        """``log.error(...)`` -> ``log.exception(...)``; other levels get ``exc_info=True``."""
        func = call.func
        if not isinstance(func, cst.Attribute):
            return None
        applicability = Applicability.SAFE if self._stdlib(func.value) else Applicability.UNSAFE
        if (
            self.context.index.imports.resolve(func.value) == "loguru.logger"
            and func.attr.value != "error"
        ):
            # loguru has no exc_info: ``logger.opt(exception=True).critical(...)``.
            opt = cst.parse_expression("_.opt(exception=True)").with_changes(lpar=(), rpar=())
            assert isinstance(opt, cst.Call) and isinstance(opt.func, cst.Attribute)
            receiver = opt.with_changes(func=opt.func.with_changes(value=func.value))
            new_func = func.with_changes(value=receiver)
            return NodeFix(
                "Use logger.opt(exception=True) to keep the traceback",
                applicability,
                (Replacement(func, new_func),),
            )
        if func.attr.value == "error":
            renamed = func.with_changes(attr=cst.Name("exception"))
            return NodeFix(
                "Use .exception() to keep the traceback",
                applicability,
                (Replacement(func, renamed),),
            )
        exc_info = cst.Arg(
            keyword=cst.Name("exc_info"),
            value=cst.Name("True"),
            equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
        )
        args = list(call.args)
        if args:
            args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        extended = call.with_changes(args=[*args, exc_info])
        return NodeFix(
            "Pass exc_info=True to keep the traceback",
            applicability,
            (Replacement(call, extended),),
        )

    def _stdlib(self, receiver: cst.BaseExpression) -> bool:
        """Standard-library loggers (``.exception()`` is exactly ``.error(exc_info=True)``)."""
        index = self.context.index
        qualified = index.imports.resolve(receiver)
        if qualified is not None:
            return logger_kind(qualified) == "stdlib"
        if isinstance(receiver, cst.Name):
            return logger_kind(index.module_loggers.get(receiver.value, "unknown")) == "stdlib"
        return (
            isinstance(receiver, cst.Attribute)
            and receiver.attr.value == "logger"
            and isinstance(receiver.value, cst.Name)
            and receiver.value.value == "app"
        )


def _own_calls(stmts: Sequence[Statement]) -> Iterator[tuple[cst.CSTNode, cst.Call]]:
    """Calls of this except block, with their statement; nested handlers have their own turn."""
    for stmt in stmts:
        if isinstance(stmt, cst.SimpleStatementLine | cst.SimpleStatementSuite):
            for small in stmt.body:
                for call in calls_in(small):
                    yield small, call
        elif isinstance(stmt, cst.Try | cst.TryStar):
            for block in (
                body_of(stmt.body),
                *(body_of(b.body) for b in (stmt.orelse, stmt.finalbody) if b),
            ):
                yield from _own_calls(block)
        elif isinstance(stmt, cst.If | cst.For | cst.While | cst.With | cst.Match):
            for block in blocks(stmt):
                yield from _own_calls(block)
