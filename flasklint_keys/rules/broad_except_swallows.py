"""FLK202 broad-except-swallows: ``except Exception`` that neither logs, reports nor raises."""

from __future__ import annotations

import libcst as cst

from ..analysis import flask_model as fm
from ..analysis.effects import broad_members, hands_on, is_broad_handler
from ..analysis.index import body_of
from ..analysis.paths import leaves, records
from ..core.model import Severity
from ..core.signals import Signal
from .base import Rule


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
        names = broad_members(node, ctx.index)
        if names:
            caught = names[0]
            what = "except " + (caught.value if isinstance(caught, cst.Name) else ctx.code(caught))
            self.report(
                caught,
                f"{what} swallows the error: it neither logs, reports nor raises",
                statement=node,
            )
        else:
            self.report(
                node,
                "bare except swallows the error: it neither logs, reports nor raises",
                statement=node,
                span=len("except"),
            )


def _only_imports(node: cst.Try) -> bool:
    body = body_of(node.body)
    return bool(body) and all(
        isinstance(stmt, cst.SimpleStatementLine)
        and all(isinstance(small, cst.Import | cst.ImportFrom) for small in stmt.body)
        for stmt in body
    )
