"""FLK305 key-use-unrecorded: an API-key check that admits requests without recording which key."""

from __future__ import annotations

import libcst as cst

from ..analysis.flask_model import ABORT
from ..analysis.index import ModuleIndex
from ..analysis.key_use import KeyCheck, key_check, key_recorders, report_target
from ..core.model import Applicability, Severity
from ..core.signals import Signal
from ._imports import reference
from .base import NodeFix, Replacement, Rule


class KeyUseUnrecorded(Rule):
    """
    ## What it does
    Flags an API-key check whose accepting path records no key identifier. A
    check is an auth decorator (its wrapper calls the decorated view), a
    `before_request` hook or a Flask-HTTPAuth `verify_token` callback that reads
    a credential from the request and rejects when it is wrong. The accepting
    path records who came in when it logs a key identifier (a fingerprint, key
    id or owner), or stores one for the request's logs: `g.<anything>` derived
    from the key or its owner, `login_user`, a structlog/contextvar binding,
    Sentry's `set_user`, or — for `verify_token` — a returned user, which
    Flask-HTTPAuth keeps. A `before_request` hook of the project that records
    the key for every request (`g.key_id = ...`) covers every check. The check
    is flagged once, at its name.

    ## Why is this bad?
    When a key leaks, the first questions are which requests it made and from
    where. If the check only lets the request through, no log line says which
    key was used, so the abuse cannot be traced, alerted on, or told apart from
    legitimate traffic (CWE-778, OWASP A09).

    ## Example
    ```python
    def require_api_key(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            key = request.headers.get("X-API-Key")
            if key not in API_KEYS:
                abort(401)
            return view(*args, **kwargs)
        return wrapper
    ```

    ## Use instead
    Store a fingerprint of the key (never the key) where request logs find it:
    ```python
    def require_api_key(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            key = request.headers.get("X-API-Key")
            if key not in API_KEYS:
                log.warning("api key rejected", extra={"reason": "unknown_key", "key_origin": "header"})
                abort(401)
            g.key_id = hashlib.sha256(key.encode()).hexdigest()[:12]
            log.info("api key accepted", extra={"key_id": g.key_id, "key_origin": "header"})
            return view(*args, **kwargs)
        return wrapper
    ```

    ## References
    - [CWE-778: Insufficient Logging](https://cwe.mitre.org/data/definitions/778.html)
    - [OWASP Logging Cheat Sheet: which events to log](https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html#which-events-to-log)
    - [OWASP API Security Top 10: API2 Broken Authentication](https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/)
    """

    code = "FLK305"
    name = "key-use-unrecorded"
    summary = "an API-key check admits requests without recording which key was used"
    severity = Severity.NOTE
    cwe = 778
    fix_suggestion = (
        "on the accepting path, store a key fingerprint for request logs, e.g. "
        "g.key_id = hashlib.sha256(key.encode()).hexdigest()[:12], and log it"
    )
    trigger = (
        Signal.CREDENTIAL_NAME,
        Signal.CREDENTIAL_LOOSE,
        Signal.HANDLER,
        Signal.AUTH_CODE,
        Signal.REJECTION,
        Signal.STATUS_CLASS,
    )

    VALID = (
        """
import hashlib, logging
from functools import wraps
from flask import abort, g, request
log = logging.getLogger(__name__)
API_KEYS = {"k1"}
def require_api_key(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("X-API-Key")
        if not key:
            log.warning("missing key", extra={"reason": "missing", "key_origin": "header"})
            abort(401)
        if key not in API_KEYS:
            log.warning("unknown key", extra={"reason": "unknown", "key_origin": "header"})
            abort(401)
        g.key_id = hashlib.sha256(key.encode()).hexdigest()[:12]
        log.info("key accepted", extra={"key_id": g.key_id, "key_origin": "header"})
        return view(*args, **kwargs)
    return wrapper
""",
        """
from flask_httpauth import HTTPTokenAuth
auth = HTTPTokenAuth()
@auth.verify_token
def verify(token):
    return User.query.filter_by(token=token).first()
""",
    )
    INVALID = (
        """
from functools import wraps
from flask import abort, request
API_KEYS = {"k1"}
def require_api_key(view):  # FLK305:5
    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.headers.get("X-API-Key") not in API_KEYS:
            abort(401)
        return view(*args, **kwargs)
    return wrapper
""",
        """
from flask import Flask, abort, request
app = Flask(__name__)
@app.before_request
def check_key():  # FLK305:5
    key = request.args.get("key")
    if key != app.config["API_KEY"]:
        abort(403)
""",
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        ctx = self.context
        analysis = ctx.analysis
        if not ctx.index.uses_flask and node.name.value not in analysis.settings.auth_decorators:
            return
        check = key_check(analysis, node)
        if check is None or check.recorded or self._recorded_for_every_request():
            return
        target = report_target(analysis, check.func)
        self.report(
            target.name,
            f"{check.kind.value} `{target.name.value}` admits requests without recording "
            "which key was used: no key id or fingerprint is logged or stored (g.key_id)",
            statement=target,
            fix=self._fix(check),
        )

    def _recorded_for_every_request(self) -> bool:
        """A ``before_request`` hook here or in another module records the key of every request."""
        analysis = self.context.analysis
        if key_recorders(analysis):
            return True
        analysis.dependencies.add("keyrecord:")
        summaries = analysis.project.summaries
        return summaries is not None and bool(summaries.key_recorders(analysis.path))

    # -- the fix ---------------------------------------------------------------------------

    def _fix(self, check: KeyCheck) -> NodeFix | None:
        ctx = self.context
        index = ctx.index
        sha256 = reference(ctx.module, index, "hashlib", "sha256")
        g = reference(ctx.module, index, "flask", "g")
        if check.key is None or sha256 is None or g is None:
            return None
        imports = tuple(sorted({r.needs_import for r in (sha256, g) if r.needs_import}))
        statement = cst.parse_statement(
            f"{g.code}.key_id = {sha256.code}(str({check.key}).encode()).hexdigest()[:12]\n"
        )
        title = "Store a SHA-256 fingerprint of the key in g.key_id for request logs"
        if check.anchor is not None:
            return NodeFix(
                title,
                Applicability.UNSAFE,
                imports=imports,
                insert_before=((check.anchor, (statement,)),),
            )
        # A hook admits the request by falling off its end: the record goes last.
        body = check.body.body
        if not isinstance(body, cst.IndentedBlock) or _leaves_early(body, index):
            return None
        new_body = body.with_changes(body=(*body.body, statement))
        return NodeFix(title, Applicability.UNSAFE, (Replacement(body, new_body),), imports)


def _leaves_early(body: cst.IndentedBlock, index: ModuleIndex) -> bool:
    """Does the body end in ``return``/``raise``/``abort(...)`` (nothing after it runs)?"""
    last = body.body[-1] if body.body else None
    if not isinstance(last, cst.SimpleStatementLine):
        return False
    small = last.body[-1]
    if isinstance(small, cst.Return | cst.Raise):
        return True
    return (
        isinstance(small, cst.Expr)
        and isinstance(small.value, cst.Call)
        and index.imports.resolve(small.value.func) in ABORT
    )
