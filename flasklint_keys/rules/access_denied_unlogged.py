"""FLK304 access-denied-unlogged: a 403 from a permission check with no log on its path."""

from __future__ import annotations

import libcst as cst

from ..analysis.rejections import Category
from ..core.model import Severity
from ..core.signals import Signal
from .auth_failure_unlogged import analysed
from .base import Rule


class AccessDeniedUnlogged(Rule):
    """
    ## What it does
    Flags an authorization denial — a permission, role or ownership check
    that does not involve a credential (`if not current_user.is_admin:
    abort(403)`, `if post.author_id != current_user.id: abort(401)`),
    whatever status it answers with — with no log call on its path. A check
    made by a project function counts (`if not can_edit(shelf): abort(403)`,
    unless that function logs when it refuses). Rejections whose condition
    reads a credential are authentication failures, reported by FLK301
    instead; a 403 gated only by configuration or a feature switch
    (`app.config`, settings, the environment), by a resource's state or a
    CAPTCHA is no access decision. Test code (`test-paths`) is not flagged.
    Severity note: real applications have many of these, so they do not fail
    CI by default (`--fail-on note` makes them).

    ## Why is this bad?
    Repeated denials are how privilege probing and broken access control
    show up (OWASP A01); without a log entry there is no trail of who tried
    to reach what (CWE-778).

    ## Example
    ```python
    if document.owner_id != current_user.id:
        abort(403)
    ```

    ## Use instead
    ```python
    if document.owner_id != current_user.id:
        logger.info("access denied", extra={"reason": "not_owner", "user_id": current_user.id, "document_id": document.id})
        abort(403)
    ```

    ## References
    - [CWE-778: Insufficient Logging](https://cwe.mitre.org/data/definitions/778.html)
    - [OWASP A01 Broken Access Control](https://owasp.org/Top10/A01_2021-Broken_Access_Control/)
    """

    code = "FLK304"
    name = "access-denied-unlogged"
    summary = "an authorization denial (403) is rejected with no log entry on its path"
    severity = Severity.NOTE
    cwe = 778
    fix_suggestion = "log the denial before rejecting, with the reason and who asked for what"
    trigger = (Signal.REJECTION, Signal.STATUS_CLASS, Signal.HANDLER, Signal.AUTH_CODE)

    VALID = (
        """
import logging
from flask import Flask, abort
from flask_login import current_user
app = Flask(__name__)
log = logging.getLogger(__name__)
@app.route("/admin")
def admin():
    if not current_user.is_admin:
        log.info("access denied", extra={"reason": "not_admin"})
        abort(403)
    return "ok"
""",
    )
    INVALID = (
        """
from flask import Flask, abort
from flask_login import current_user
app = Flask(__name__)
@app.route("/admin")
def admin():
    if not current_user.is_admin:
        abort(403)  # FLK304:9
    return "ok"
""",
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.context.is_test_file or self.context.in_main_block(node):
            return  # test doubles and development entry points deny nothing real
        if not analysed(self, node):
            return
        for rejection in self.context.rejections(node):
            if rejection.category is Category.AUTHORIZATION and rejection.logs is None:
                self.report(
                    rejection.node,
                    f"access denial ({rejection.form}) is not logged on its path",
                    statement=rejection.statement,
                )
