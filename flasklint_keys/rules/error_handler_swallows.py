"""FLK201 error-handler-swallows: an exception handler that answers but records nothing."""

from __future__ import annotations

import libcst as cst

from ..analysis import flask_model as fm
from ..analysis.effects import statements_in
from ..analysis.index import body_of
from ..analysis.paths import leaves, records
from ..core.model import Severity
from ..core.signals import Signal
from ._fixes import exception_log_statement, first_statement, insert_log_fix, logger_in_scope
from .base import NodeFix, Rule

REJECTIONS = frozenset({401, 403})


class ErrorHandlerSwallows(Rule):
    """
    ## What it does
    Flags an error handler registered for `Exception`, `BaseException` or
    another non-HTTP exception class (`@app.errorhandler(X)`,
    `@bp.app_errorhandler(X)`, `app.register_error_handler(X, fn)`) that
    answers without logging or reporting the exception. Handlers for status
    codes (also given by name: `FORBIDDEN`, `HTTP_FORBIDDEN`,
    `INTERNAL_SERVER_ERROR`, a loop over werkzeug's `default_exceptions`),
    `500`/`InternalServerError` and `HTTPException` subclasses are not
    flagged: Flask logs an unhandled exception itself before it calls a `500`
    handler, and an `abort()` carries no traceback worth keeping. A non-HTTP
    class answered with a 4xx (a validation error → 400) is an expected client
    error and is not flagged either, nor one answered with a status the
    exception decides (`err.status_code`, a project mapping such as
    `map_error_to_code(err)`, or another handler that does): the class is a
    designed API error. A handler answering 401/403 is a rejection for
    FLK301/FLK304 instead.

    ## Why is this bad?
    Flask calls handlers for `Exception` and other non-HTTP classes *instead
    of* logging the exception: a handler that only returns a friendly message
    makes every bug in the application invisible — no log line, no traceback,
    no alert (CWE-778).

    ## Example
    ```python
    @app.errorhandler(Exception)
    def handle_error(error):
        return jsonify(error="internal error"), 500
    ```

    ## Use instead
    ```python
    @app.errorhandler(Exception)
    def handle_error(error):
        app.logger.exception("unhandled error")
        return jsonify(error="internal error"), 500
    ```

    ## References
    - [CWE-778: Insufficient Logging](https://cwe.mitre.org/data/definitions/778.html)
    - [Flask: Handling Application Errors](https://flask.palletsprojects.com/en/latest/errorhandling/)
    """

    code = "FLK201"
    name = "error-handler-swallows"
    summary = "an error handler for a non-HTTP exception neither logs nor reports it"
    severity = Severity.WARNING
    cwe = 778
    fix_suggestion = "log it with logger.exception(...) (or current_app.log_exception / your error reporter) before answering"
    trigger = (Signal.HANDLER,)

    VALID = (
        """
import logging
from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException, InternalServerError
app = Flask(__name__)
log = logging.getLogger(__name__)
class ValidationError(Exception):
    pass
@app.errorhandler(404)
def not_found(e):
    return jsonify(error="not found"), 404
@app.errorhandler(500)
def server_error(e):
    return jsonify(error="internal"), 500
@app.errorhandler(HTTPException)
def http_error(e):
    return jsonify(error=e.description), e.code
@app.errorhandler(ValidationError)
def invalid(e):
    return jsonify(error="invalid input"), 400
@app.errorhandler(Exception)
def unhandled(e):
    log.exception("unhandled error")
    return jsonify(error="internal"), 500
""",
    )
    INVALID = (
        """
from flask import Flask, jsonify
app = Flask(__name__)
class PaymentError(Exception):
    pass
@app.errorhandler(Exception)
def unhandled(e):  # FLK201:5
    return jsonify(error="internal"), 500
def payment_failed(e):  # FLK201:5
    return jsonify(error="payment failed"), 502
app.register_error_handler(PaymentError, payment_failed)
""",
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        index = self.context.index
        for registration in fm.registrations(node, index):
            if registration.role is not fm.Role.ERROR_HANDLER:
                continue
            handled = fm.classify_handled(registration.target, index)
            if handled not in (fm.Handled.EXCEPTION, fm.Handled.OTHER):
                continue
            if self._records(node) or self._answers_client_error(node, handled):
                return
            what = (
                self._class_name(registration.target)
                if isinstance(registration.target, str)
                else "an exception"
            )
            self.report(
                node.name,
                f"error handler for {what} answers without logging or reporting the exception",
                statement=node,
                fix=self._fix(node),
            )
            return

    def _class_name(self, target: str) -> str:
        """``..lib.error.AuthError`` as the module path a reader can find (absolute)."""
        analysis = self.context.analysis
        if target.startswith(".") and analysis.project.module:
            return analysis.qualify(target)
        return target.lstrip(".")

    def _fix(self, node: cst.FunctionDef) -> NodeFix | None:
        ref = logger_in_scope(self.context)
        anchor = first_statement(node.body)
        if ref is None or anchor is None:
            return None
        statement = exception_log_statement(ref, f"unhandled error in {node.name.value}")
        return insert_log_fix("Log the exception before answering", anchor, statement)

    def _records(self, node: cst.FunctionDef) -> bool:
        body = body_of(node.body)
        analysis = self.context.analysis
        return leaves(body, analysis, node) or records(body, analysis)

    def _answers_client_error(self, node: cst.FunctionDef, handled: fm.Handled) -> bool:
        """A non-HTTP class answered with a 4xx is an expected client error (401/403 are FLK301's).

        A handler answering with the exception's own status (``return body, err.status_code``)
        maps designed API errors to responses: the class decides, and it is not Exception.
        """
        if handled is fm.Handled.OTHER and any(
            _status_from_exception(ret.value, node) for ret in _returns(node)
        ):
            return True
        if handled is fm.Handled.OTHER and self._delegates(node):
            return True
        analysis = self.context.analysis
        statuses = [
            fm.response_status(ret.value, self.context.index, analysis.status_constant)
            for ret in _returns(node)
            if ret.value is not None
        ]
        if any(status in REJECTIONS for status in statuses):
            return True
        return (
            handled is fm.Handled.OTHER
            and bool(statuses)
            and all(status is not None and 400 <= status < 500 for status in statuses)
        )

    def _delegates(self, node: cst.FunctionDef) -> bool:
        """Every answer is another handler's (``return base_handler(InvalidRequest(...))``),
        and that handler answers with its exception's status."""
        returns = _returns(node)
        if not returns:
            return False
        for ret in returns:
            value = ret.value
            if not (isinstance(value, cst.Call) and isinstance(value.func, cst.Name)):
                return False
            target = self._sibling(node, value.func.value)
            if target is None or not any(
                _status_from_exception(inner.value, target) for inner in _returns(target)
            ):
                return False
        return True

    def _sibling(self, node: cst.FunctionDef, name: str) -> cst.FunctionDef | None:
        """A function of that name defined next to ``node`` (same enclosing function or module)."""
        index = self.context.index
        parent = index.parent_scope.get(node)
        if isinstance(parent, cst.FunctionDef):
            for stmt in statements_in(body_of(parent.body)):
                if isinstance(stmt, cst.FunctionDef) and stmt.name.value == name:
                    return stmt
            return None
        return index.functions.get(name)


def _status_from_exception(value: cst.BaseExpression | None, node: cst.FunctionDef) -> bool:
    """The answer's status comes from the exception: ``err.status_code``, a project mapping
    ``map_error_to_code(err)``, or a local name bound to one in the handler."""
    params = node.params.params
    if not isinstance(value, cst.Tuple) or len(value.elements) < 2 or not params:
        return False
    param = params[0].name.value
    status = value.elements[1].value
    if isinstance(status, cst.Name):
        bound = _bound_in(node, status.value)
        if bound is None:
            return False
        status = bound
    if isinstance(status, cst.Attribute):
        return (
            isinstance(status.value, cst.Name)
            and status.value.value == param
            and status.attr.value in fm.STATUS_KEYWORDS
        )
    return isinstance(status, cst.Call) and any(
        isinstance(arg.value, cst.Name) and arg.value.value == param for arg in status.args
    )


def _bound_in(node: cst.FunctionDef, name: str) -> cst.BaseExpression | None:
    """The value ``name`` is bound to in the handler, when bound exactly once."""
    values = [
        stmt.value
        for stmt in statements_in(body_of(node.body))
        if isinstance(stmt, cst.Assign)
        for target in stmt.targets
        if isinstance(target.target, cst.Name) and target.target.value == name
    ]
    return values[0] if len(values) == 1 else None


def _returns(node: cst.FunctionDef) -> list[cst.Return]:
    return [stmt for stmt in statements_in(body_of(node.body)) if isinstance(stmt, cst.Return)]
