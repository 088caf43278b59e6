"""FLK103 url-in-log: full URLs and query strings reach a log sink."""

from __future__ import annotations

import libcst as cst

from ..analysis.taint import Kind
from ..core.model import Applicability, Severity
from ..core.signals import Signal
from ._common import snippet
from ._fixes import rewritable_in
from .base import NodeFix, Replacement, Rule


class UrlInLog(Rule):
    """
    ## What it does
    Flags `request.url`, `request.full_path`, `request.query_string`,
    `request.args`, `request.values`, `request.environ["QUERY_STRING"]` /
    `["REQUEST_URI"]`, and the `request` object itself (its repr shows the full
    URL) reaching a log sink — also through a module-level alias
    (`typing.cast(MyRequest, flask.request)` imported from another module).
    `request.path`, `request.base_url`, `request.endpoint` and `request.method`
    carry no query string and are fine, and so is a URL passed through a
    redaction helper (`redact_url(request.full_path)`).

    ## Why is this bad?
    API keys travel in query strings (`?key=...`, `?access_token=...`) whatever
    the API's documentation says; logging the full URL logs the key with it
    (CWE-532).

    ## Example
    ```python
    app.logger.info("request to %s", request.url)
    ```

    ## Use instead
    ```python
    app.logger.info("request to %s", request.path)
    ```

    ## References
    - [CWE-532: Insertion of Sensitive Information into Log File](https://cwe.mitre.org/data/definitions/532.html)
    - [CWE-598: Use of GET Request Method With Sensitive Query Strings](https://cwe.mitre.org/data/definitions/598.html)
    """

    code = "FLK103"
    name = "url-in-log"
    summary = "a full URL or query string reaches a log sink"
    severity = Severity.WARNING
    cwe = 532
    fix_suggestion = "log request.path (or request.base_url) instead: they carry no query string"
    trigger = (Signal.REQUEST_LOGGED,)

    VALID = (
        """
from flask import request, current_app
def view():
    current_app.logger.info("%s %s from %s", request.method, request.path, request.remote_addr)
    current_app.logger.info("base %s endpoint %s", request.base_url, request.endpoint)
""",
    )
    INVALID = (
        """
from flask import request as req, current_app
def view():
    current_app.logger.info("GET %s", req.url)  # FLK103:39
    current_app.logger.info("args %s", req.args)  # FLK103:40
""",
    )

    def visit_Call(self, node: cst.Call) -> None:
        sink, culprits = self.context.log_leaks(node)
        if sink is None:
            return
        for culprit in culprits:
            labels = culprit.taint.of(Kind.URL) or culprit.taint.of(Kind.REQUEST)
            if not labels:
                continue
            what = sorted(label.what for label in labels)[0]
            if what in ("request", "req"):
                detail = "the request object, whose repr shows the full URL"
            else:
                detail = what
            self.report(
                culprit.node,
                f"`{snippet(self.context, culprit.node)}` ({detail}) reaches {sink.description}; "
                "query strings carry keys such as ?key=",
                fix=_path_fix(culprit.node) if rewritable_in(sink, culprit.node) else None,
            )


SAFE_ATTRIBUTES = {"url": "base_url", "full_path": "path"}


def _path_fix(node: cst.BaseExpression) -> NodeFix | None:
    """``request.url`` -> ``request.base_url``; ``request.full_path`` -> ``request.path``."""
    if not isinstance(node, cst.Attribute) or node.attr.value not in SAFE_ATTRIBUTES:
        return None
    replacement = SAFE_ATTRIBUTES[node.attr.value]
    return NodeFix(
        f"Log request.{replacement} instead of request.{node.attr.value}",
        Applicability.UNSAFE,
        (Replacement(node, node.with_changes(attr=cst.Name(replacement))),),
    )
