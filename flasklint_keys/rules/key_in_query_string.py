"""FLK104 key-in-query-string: a credential is read from the query string."""

from __future__ import annotations

import libcst as cst

from ..analysis import request_model as rm
from ..analysis.names import Strength
from ..analysis.taint import Kind
from ..core.model import Severity
from ..core.signals import Signal
from .base import Rule

QUERY_MAPPINGS = frozenset({"request.args", "request.values"})


class KeyInQueryString(Rule):
    """
    ## What it does
    Flags reading a credential from the query string: `request.args` or
    `request.values` with a credential-like name (`key`, `api_key`, `token`,
    `access_token`, `auth`, `password`...).

    ## Why is this bad?
    Query strings are written to web-server and proxy access logs, browser
    history and `Referer` headers by infrastructure you do not control, so a
    key accepted there leaks even if your code never logs it (CWE-598).

    ## Example
    ```python
    key = request.args.get("api_key")
    ```

    ## Use instead
    Accept the key in a header only:
    ```python
    key = request.headers.get("X-API-Key")
    ```

    ## References
    - [CWE-598: Use of GET Request Method With Sensitive Query Strings](https://cwe.mitre.org/data/definitions/598.html)
    - [OWASP REST Security Cheat Sheet: API keys](https://cheatsheetseries.owasp.org/cheatsheets/REST_Security_Cheat_Sheet.html#api-keys)
    """

    code = "FLK104"
    name = "key-in-query-string"
    summary = "a credential is read from the query string"
    severity = Severity.WARNING
    cwe = 598
    fix_suggestion = (
        "accept the credential in a header (Authorization or X-API-Key), not the query string"
    )
    trigger = (Signal.CREDENTIAL_NAME, Signal.CREDENTIAL_LOOSE)

    VALID = (
        """
from flask import request
def view():
    page = request.args.get("page", 1)
    token = request.args.get("page_token")
    key = request.headers.get("X-API-Key")
    sort = request.args["sort_key"]
""",
    )
    INVALID = (
        """
from flask import request
def view():
    key = request.args.get("key")  # FLK104:11
    token = request.values["access_token"]  # FLK104:13
""",
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (
            not isinstance(func, cst.Attribute)
            or func.attr.value not in rm.FIELD_READERS
            or not node.args
        ):
            return
        self._check(node, func.value, self._key(node.args[0].value))

    def visit_Subscript(self, node: cst.Subscript) -> None:
        index = node.slice[0].slice if len(node.slice) == 1 else None
        if isinstance(index, cst.Index):
            self._check(node, node.value, self._key(index.value))

    def _key(self, expr: cst.BaseExpression) -> str | None:
        """A literal, or a constant holding one (``request.args.get(KEY_PARAM)``)."""
        ctx = self.context
        return ctx.analysis.evaluator(ctx.scope).key_of(expr)

    def _check(
        self, node: cst.BaseExpression, receiver: cst.BaseExpression, key: str | None
    ) -> None:
        ctx = self.context
        if key is None or not ctx.analysis.settings.names.is_credential(key, Strength.REQUEST):
            return
        mappings = {label.what for label in ctx.taint(receiver).of(Kind.URL)}
        source = sorted(mappings & QUERY_MAPPINGS)
        if source:
            self.report(node, f"credential '{key}' is read from the query string ({source[0]})")
