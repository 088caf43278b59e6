"""FLK302 auth-failure-log-lacks-context: the rejection's log line is a constant."""

from __future__ import annotations

import libcst as cst

from ..analysis.index import string_value
from ..analysis.rejections import Category
from ..analysis.sinks import CONTROL_KEYWORDS, SinkKind
from ..core.model import Severity
from ..core.signals import Signal
from .auth_failure_unlogged import analysed
from .base import Rule


class AuthLogLacksContext(Rule):
    """
    ## What it does
    Flags the log call that precedes an authentication failure when it is a
    constant message with no structured context: no interpolated value, no
    `%`-arguments, no `extra=`, no keyword fields.

    ## Why is this bad?
    `logger.warning("auth failed")` tells an alert that *something* failed,
    not whether it was a missing key, a revoked key or a brute-force run
    against one account; rules cannot group, rate or route such events, and
    the incident responder has nothing to pivot on (CWE-778).

    ## Example
    ```python
    logger.warning("invalid api key")
    abort(401)
    ```

    ## Use instead
    ```python
    logger.warning("invalid api key", extra={"reason": "unknown_key", "key_origin": origin,
                                             "key_id": key_id, "request_id": request_id})
    abort(401)
    ```

    ## References
    - [CWE-778: Insufficient Logging](https://cwe.mitre.org/data/definitions/778.html)
    - [OWASP Logging Cheat Sheet: event attributes](https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html#event-attributes)
    """

    code = "FLK302"
    name = "auth-failure-log-lacks-context"
    summary = "an authentication failure is logged with a constant message and no context"
    severity = Severity.NOTE
    cwe = 778
    fix_suggestion = (
        'add structured context: extra={"reason": ..., "key_origin": ..., "request_id": ...}'
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
from flask import Flask, abort
app = Flask(__name__)
log = logging.getLogger(__name__)
@app.route("/x")
def view(origin="header"):
    log.warning("invalid key from %s", origin)
    abort(401)
""",
    )
    INVALID = (
        """
import logging
from flask import Flask, abort
app = Flask(__name__)
log = logging.getLogger(__name__)
@app.route("/x")
def view():
    log.warning("invalid key")  # FLK302:5
    abort(401)
""",
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not analysed(self, node):
            return
        reported: set[cst.Call] = set()
        for rejection in self.context.rejections(node):
            if rejection.category is not Category.AUTHENTICATION or not rejection.logs:
                continue
            sites = rejection.logs
            # Only the log written for this rejection, in its own branch, is judged.
            if any(site.depth != rejection.depth for site in sites):
                continue
            if not all(self._constant(site.call) for site in sites):
                continue
            for site in sites:
                if site.call not in reported:
                    reported.add(site.call)
                    self.report(
                        site.call,
                        "the log line for this authentication failure is a constant with no context",
                        statement=site.statement,
                    )

    def _constant(self, call: cst.Call) -> bool:
        sink = self.context.sink(call)
        if sink is None or sink.kind is not SinkKind.LOG:
            return False  # report functions and wrappers: their context is not visible here
        data = [
            a for a in call.args if a.keyword is None or a.keyword.value not in CONTROL_KEYWORDS
        ]
        if sink.method == "log" and data:
            data = data[1:]  # the level
        return (
            len(data) == 1 and data[0].keyword is None and string_value(data[0].value) is not None
        )
