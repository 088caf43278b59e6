"""FLK105 secret-in-response: a credential reaches a response body, abort() or an exception."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from ..analysis.evaluate import TEMPLATE_RENDERERS
from ..analysis.flask_model import is_request_handler
from ..analysis.taint import Kind, Label, Origin
from ..core.model import Severity
from ..core.signals import Signal
from ._common import describe, first, snippet
from .base import Rule

RESPONSE_BUILDERS = frozenset(
    {
        "flask.jsonify",
        "flask.make_response",
        "flask.Response",
        "werkzeug.Response",
        "werkzeug.wrappers.Response",
        "flask.wrappers.Response",
    }
)
ABORT = frozenset({"flask.abort", "werkzeug.exceptions.abort"})


class SecretInResponse(Rule):
    """
    ## What it does
    Flags a credential that reaches an HTTP response body (a view's return
    value, `jsonify`, `make_response`, `Response`, the context of a rendered
    template — also through project helpers that render it), an `abort()`
    description or an exception message. For response bodies only credentials read from the
    request or from server configuration count — an endpoint that issues a new
    key is expected to return it; in error messages any credential counts.

    ## Why is this bad?
    Echoing the key back puts it in browser caches, client logs, proxy logs and
    error trackers; an exception message carrying it is logged with the
    traceback (CWE-209).

    ## Example
    ```python
    if key not in VALID_KEYS:
        abort(401, description=f"invalid API key {key}")
    ```

    ## Use instead
    ```python
    if key not in VALID_KEYS:
        abort(401, description="invalid API key")
    ```

    ## References
    - [CWE-209: Generation of Error Message Containing Sensitive Information](https://cwe.mitre.org/data/definitions/209.html)
    """

    code = "FLK105"
    name = "secret-in-response"
    summary = "a credential reaches a response body, abort() description or exception message"
    severity = Severity.ERROR
    cwe = 209
    fix_suggestion = (
        "say what was wrong without the value: 'invalid API key', or a fingerprint of the key"
    )
    trigger = (Signal.CREDENTIAL_NAME, Signal.CREDENTIAL_LOOSE, Signal.HANDLER)

    VALID = (
        """
import secrets
from flask import Flask, jsonify, request, abort
app = Flask(__name__)
@app.post("/keys")
def create_key():
    api_key = secrets.token_urlsafe(32)
    return jsonify(api_key=api_key)
@app.get("/check")
def check():
    key = request.headers.get("X-API-Key")
    if not key:
        abort(401, description="missing API key")
    return jsonify(ok=True, key_origin="header")
""",
    )
    INVALID = (
        """
from flask import Flask, jsonify, request, abort
app = Flask(__name__)
@app.get("/check")
def check():
    key = request.headers.get("X-API-Key")
    if key != "x":
        abort(401, f"invalid key {key}")  # FLK105:35
    raise ValueError("bad key: " + key)  # FLK105:36
    return jsonify(error="bad", key=key)  # FLK105:37
""",
    )

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.context.index.imports.resolve(node.func)
        if qualified in RESPONSE_BUILDERS:
            self._check(node, node.args, "the response", error_text=False)
        elif qualified in TEMPLATE_RENDERERS:
            context = [a for a in node.args if a.keyword is not None or a.star == "**"]
            self._check(node, context, "a rendered page (template context)", error_text=False)
        elif qualified in ABORT:
            self._check(node, node.args[1:], "an abort() description", error_text=True)

    def visit_Raise(self, node: cst.Raise) -> None:
        exc = node.exc
        if isinstance(exc, cst.Call):
            self._check(exc, exc.args, "an exception message", error_text=True)

    def visit_Return(self, node: cst.Return) -> None:
        func = self.context.function
        value = node.value
        if func is None or value is None or not is_request_handler(func, self.context.index):
            return
        body = value.elements[0].value if isinstance(value, cst.Tuple) and value.elements else value
        if isinstance(body, cst.Call) and self.context.index.imports.resolve(body.func) in (
            RESPONSE_BUILDERS | TEMPLATE_RENDERERS
        ):
            return  # checked as a call
        self._check(node, (cst.Arg(body),), "the response body", error_text=False)

    def _check(
        self, owner: cst.CSTNode, args: Sequence[cst.Arg], where: str, error_text: bool
    ) -> None:
        for culprit in self.context.culprits(owner, args):
            labels = [
                lb for lb in culprit.taint.of(Kind.CRED) if error_text or _server_or_request(lb)
            ]
            if not labels:
                continue
            label = first(labels)
            self.report(
                culprit.node,
                f"credential `{snippet(self.context, culprit.node)}` ({describe(label)}) reaches {where}",
            )


def _server_or_request(label: Label) -> bool:
    return label.origin in (Origin.REQUEST, Origin.SERVER)
