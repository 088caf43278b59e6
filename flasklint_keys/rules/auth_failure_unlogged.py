"""FLK301 auth-failure-unlogged: an authentication failure with no log on its path."""

from __future__ import annotations

import libcst as cst

from ..analysis.rejections import HANDLER_ANSWER, Category, Rejection
from ..core.model import Severity
from ..core.signals import Signal
from ._fixes import auth_warning_statement, first_statement, insert_log_fix, logger_in_scope
from .base import NodeFix, Rule


def analysed(rule: Rule, node: cst.FunctionDef) -> bool:
    """Request-handling modules, and functions configured as auth decorators."""
    ctx = rule.context
    return ctx.index.uses_flask or node.name.value in ctx.analysis.settings.auth_decorators


class AuthFailureUnlogged(Rule):
    """
    ## What it does
    Flags an authentication failure with no log call on its path: `abort(401)`
    (also flask-restful/restx/smorest/webargs `abort`), `return …, 401`,
    `make_response(…, 401)`, `Response(…, status=401)`, `raise Unauthorized`,
    a project exception carrying 401 (its `code`/`status_code`, a base class
    in any module, or the status the raise site passes: `ApiError("…", 401)`),
    an error handler answering 401 (also with its exception's own status), a
    Flask-HTTPAuth `error_handler`, Flask-Login `unauthorized_handler` or
    Flask-JWT-Extended loader that only answers (once per handler), the
    failing branch of a credential check (`check_password_hash`,
    `bcrypt.checkpw`, `user.check_password`, `hmac.compare_digest`...; also
    `ok = verify_token(t)` … `if not ok:`, and a login form re-rendered after
    the block where the check failed) — and any rejection whose condition
    reads a presented credential, a value looked up by one, or that nobody
    is logged in. Statuses given by name count (`HTTP_FORBIDDEN`,
    `HTTPStatus.FORBIDDEN`, `requests.codes.forbidden`, a project constant).
    Not authentication failures: a CSRF token mismatch, and a 401 used for
    something else than authentication (a missing file). "On its path" means
    a log that records this failure: in the failing branch, in a callee of
    the condition that logs before it returns failure (`if not
    verify(token):`), in a project function that logs on every path, or in
    an error handler that logs the status or the raised class. A log every
    request writes before the decision ("upload started") does not count.

    ## Why is this bad?
    Credential stuffing, leaked-key abuse and brute force show up first as a
    burst of authentication failures. If the rejection writes nothing, no
    alert rule can fire and there is nothing to investigate afterwards
    (CWE-778, OWASP A09).

    ## Example
    ```python
    if key not in VALID_KEYS:
        abort(401)
    ```

    ## Use instead
    ```python
    if key not in VALID_KEYS:
        logger.warning("api key rejected", extra={"reason": "unknown_key", "key_origin": origin, "key_id": key_id})
        abort(401)
    ```

    ## References
    - [CWE-778: Insufficient Logging](https://cwe.mitre.org/data/definitions/778.html)
    - [OWASP Logging Cheat Sheet: which events to log](https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html#which-events-to-log)
    """

    code = "FLK301"
    name = "auth-failure-unlogged"
    summary = "an authentication failure is rejected with no log entry on its path"
    severity = Severity.WARNING
    cwe = 778
    fix_suggestion = (
        "log a warning before rejecting, with the reason, the key's origin and a key fingerprint "
        '(logger.warning("auth failed", extra={"reason": ..., "key_origin": ...}))'
    )
    trigger = (
        Signal.REJECTION,
        Signal.STATUS_CLASS,
        Signal.HANDLER,
        Signal.AUTH_CODE,
        Signal.CREDENTIAL_NAME,
        Signal.CREDENTIAL_LOOSE,
    )

    VALID = (
        """
import logging
from flask import Flask, abort, request
app = Flask(__name__)
log = logging.getLogger(__name__)
KEYS = {"k"}
@app.route("/x")
def view():
    key = request.headers.get("X-API-Key")
    if not key:
        log.warning("missing key", extra={"reason": "missing"})
        abort(401)
    if key not in KEYS:
        log.warning("unknown key", extra={"reason": "unknown_key"})
        abort(401)
    return "ok"
@app.route("/y")
def other():
    if request.headers.get("X-API-Key") in KEYS:
        return "ok"
    log.warning("rejected", extra={"reason": "unknown_key"})
    abort(401)
""",
    )
    INVALID = (
        """
import logging
from flask import Flask, abort, request, jsonify
app = Flask(__name__)
log = logging.getLogger(__name__)
@app.route("/x")
def view():
    key = request.headers.get("X-API-Key")
    if not key:
        log.warning("missing key", extra={"reason": "missing"})
        abort(401)
    else:
        if key not in {"k"}:
            abort(403)  # FLK301:13
    if key == "revoked":
        return jsonify(error="revoked"), 401  # FLK301:16
    return "ok"
@app.route("/y")
def upload():
    log.info("upload started")
    if request.headers.get("X-API-Key") not in {"k"}:
        abort(401)  # FLK301:9
    return "ok"
""",
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not analysed(self, node):
            return
        for rejection in self.context.rejections(node):
            if rejection.category is Category.AUTHENTICATION and rejection.logs is None:
                self.report(
                    rejection.node,
                    f"authentication failure ({rejection.form}) is not logged on its path: "
                    "no alert can fire on it",
                    statement=rejection.statement,
                    fix=self._fix(rejection),
                )

    def _fix(self, rejection: Rejection) -> NodeFix | None:
        ref = logger_in_scope(self.context)
        if ref is None or not rejection.fixable:
            return None
        anchor: cst.CSTNode | None = rejection.statement
        if rejection.form == HANDLER_ANSWER and self.context.function is not None:
            # A failure handler: one log at its top records every answer it gives.
            anchor = first_statement(self.context.function.body)
        if anchor is None:
            return None
        statement = auth_warning_statement(ref, rejection.reason, rejection.origin)
        return insert_log_fix("Log a structured warning before rejecting", anchor, statement)
