"""FLK102 request-dump-in-log: whole header/cookie/environ/body mappings reach a log sink."""

from __future__ import annotations

import libcst as cst

from ..analysis.taint import Kind
from ..core.model import Severity
from ..core.signals import Signal
from ._common import snippet
from .base import Rule


class RequestDumpInLog(Rule):
    """
    ## What it does
    Flags a whole request mapping that reaches a log sink: `request.headers`,
    `request.cookies`, `request.environ`, `request.authorization`,
    `request.form`, `request.json` / `request.get_json()`, `request.data` /
    `request.get_data()` — also through `dict(...)`, `str(...)`, `json.dumps`
    or a variable holding them. Reading one harmless field
    (`request.headers.get("User-Agent")`) is fine.

    ## Why is this bad?
    These mappings carry every credential of the request: the `Authorization`
    header, `X-API-Key`, session cookies, passwords in form posts and JSON
    bodies. Dumping them for debugging writes all of them to the log at once
    (CWE-532).

    ## Example
    ```python
    app.logger.debug("incoming headers: %s", dict(request.headers))
    ```

    ## Use instead
    Log the fields you need, by name:
    ```python
    app.logger.debug("incoming request", extra={
        "user_agent": request.headers.get("User-Agent"),
        "request_id": request.headers.get("X-Request-Id"),
    })
    ```

    ## References
    - [CWE-532: Insertion of Sensitive Information into Log File](https://cwe.mitre.org/data/definitions/532.html)
    - [OWASP Logging Cheat Sheet: data to exclude](https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html#data-to-exclude)
    """

    code = "FLK102"
    name = "request-dump-in-log"
    summary = "a whole request mapping (headers, cookies, environ, body) reaches a log sink"
    severity = Severity.ERROR
    cwe = 532
    fix_suggestion = "log only the fields you need by name (e.g. User-Agent, X-Request-Id), never the whole mapping"
    trigger = (Signal.REQUEST_LOGGED,)

    VALID = (
        """
from flask import request, current_app
def view():
    current_app.logger.info("ua=%s rid=%s", request.headers.get("User-Agent"), request.headers.get("X-Request-Id"))
    current_app.logger.info("path=%s method=%s", request.path, request.method)
""",
    )
    INVALID = (
        """
from flask import request, current_app
def view():
    current_app.logger.info("headers: %s", dict(request.headers))  # FLK102:44
    body = request.get_json()
    print(body)  # FLK102:11
""",
    )

    def visit_Call(self, node: cst.Call) -> None:
        sink, culprits = self.context.log_leaks(node)
        if sink is None:
            return
        for culprit in culprits:
            labels = culprit.taint.of(Kind.DUMP)
            if not labels:
                continue
            what = sorted(label.what for label in labels)[0]
            self.report(
                culprit.node,
                f"`{snippet(self.context, culprit.node)}` dumps {what} into {sink.description}; "
                "it carries every credential of the request",
            )
