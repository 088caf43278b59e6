"""FLK101 secret-in-log: a credential value reaches a log sink."""

from __future__ import annotations

import libcst as cst

from ..analysis.taint import Kind
from ..core.model import Severity
from ..core.signals import Signal
from ._common import describe, first, origin_of, snippet
from ._fixes import fingerprint_fix, rewritable_in
from .base import Rule


class SecretInLog(Rule):
    """
    ## What it does
    Flags a credential — an API key, bearer token, password or secret setting —
    that reaches a log call, `print()`, a stream write, `warnings.warn()`, a
    Prometheus label, or a project function that logs its arguments. Values are
    followed from where they are read (`request.headers["X-API-Key"]`,
    `request.args["key"]`, `request.authorization`, a helper returning the key,
    `g.api_key`, a URL rule variable such as `/reset/<token>`, the password of a
    Flask-HTTPAuth `verify_password` callback) through assignments, f-strings,
    `%`, `.format`, `+`, containers (field by field) and project helpers. Hashed,
    masked (`key[-4:]`) and redacted values are not flagged (a project function
    named `redact*`, `mask*`, `scrub*`... is trusted), and neither is identity:
    the claims of `jwt.decode`, what `verify_*`/`check_*`/`authenticate*`
    return, `current_user`, the username of `verify_password`. Names bound to
    literals are labels (`ConfigKey.SECRET_KEY = "SECRET_KEY"`, an error code)
    unless the literal is a real secret. A URL built with a credential is
    FLK106's.

    ## Why is this bad?
    Logs are copied to aggregators, tickets and laptops, and kept for months,
    with far wider access than the credential store. A key written to a log is
    a key anyone with log access can use (CWE-532, OWASP A09).

    ## Example
    ```python
    key = request.headers.get("X-API-Key")
    app.logger.warning("rejected key %s", key)
    ```

    ## Use instead
    Log a fingerprint of the key (a truncated SHA-256), or where it came from:
    ```python
    key = request.headers.get("X-API-Key")
    key_id = hashlib.sha256(key.encode()).hexdigest()[:12]
    app.logger.warning("rejected key", extra={"key_id": key_id, "key_origin": "header"})
    ```

    ## References
    - [CWE-532: Insertion of Sensitive Information into Log File](https://cwe.mitre.org/data/definitions/532.html)
    - [OWASP Logging Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html)
    """

    code = "FLK101"
    name = "secret-in-log"
    summary = "a credential value reaches a log sink"
    severity = Severity.ERROR
    cwe = 532
    fix_suggestion = (
        "log a fingerprint instead, e.g. hashlib.sha256(key.encode()).hexdigest()[:12], "
        "or the key's origin — never the key itself"
    )
    trigger = (Signal.CREDENTIAL_NAME, Signal.CREDENTIAL_LOOSE, Signal.HANDLER)

    VALID = (
        """
import hashlib, logging
from flask import request
log = logging.getLogger(__name__)
def view():
    key = request.headers.get("X-API-Key")
    key_id = hashlib.sha256(key.encode()).hexdigest()[:12]
    log.info("auth ok", extra={"key_id": key_id, "key_origin": "header"})
    log.info("key ends with %s", key[-4:])
    log.info("key length %d", len(key))
""",
        """
import logging
log = logging.getLogger(__name__)
def cache(cache_key, token_count, max_tokens):
    log.debug("cache %s %d %d", cache_key, token_count, max_tokens)
""",
    )
    INVALID = (
        """
import logging
from flask import request
log = logging.getLogger(__name__)
def view():
    key = request.headers.get("X-API-Key")
    log.info(f"got key {key}")  # FLK101:25
""",
        """
from flask import current_app
def connect(api_key):
    current_app.logger.debug("connecting with %s", api_key)  # FLK101:52
""",
    )

    def visit_Call(self, node: cst.Call) -> None:
        sink, culprits = self.context.log_leaks(node)
        if sink is None:
            return
        for culprit in culprits:
            labels = culprit.taint.of(Kind.CRED)
            if not labels or culprit.taint.has(Kind.CONN_URL):
                continue  # a URL built with the credential is FLK106's finding
            label = first(labels)
            self.report(
                culprit.node,
                f"credential `{snippet(self.context, culprit.node)}` ({describe(label)}) "
                f"reaches {sink.description}",
                related=origin_of(label),
                fix=fingerprint_fix(self.context, culprit.node)
                if rewritable_in(sink, culprit.node)
                else None,
            )
