"""FLK204 exception-detail-to-client: exception text or tracebacks sent to the client."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from ..analysis.effects import caught_members
from ..analysis.flask_model import ABORT, RESPONSE_CLASSES, RESPONSE_FACTORIES, is_request_handler
from ..analysis.taint import Kind, Label
from ..core.model import Severity
from ..core.signals import Signal
from ._common import snippet
from .base import Rule

RESPONSE_BUILDERS = RESPONSE_CLASSES | RESPONSE_FACTORIES | {"flask.jsonify"}
TEMPLATES = frozenset({"flask.render_template", "flask.render_template_string", "flask.flash"})


class ExceptionDetailToClient(Rule):
    """
    ## What it does
    Flags the exception object, `str(exc)`, `repr(exc)`, `exc.args`, or
    traceback text (`traceback.format_exc()`) reaching a response body, a
    template's context, a flashed message or an `abort()` description.
    Exceptions written for the client — `HTTPException` subclasses,
    validation errors, and project exception classes whose every raise site
    passes only literals or values that are not exceptions — are not
    flagged. Responses are what views return (also through project base
    classes in other modules, flask-classful `FlaskView`s and a view
    decorator's wrapper), hooks and error handlers.

    ## Why is this bad?
    Exception messages carry internals: SQL and table names, file paths,
    hostnames, library versions, sometimes the credential that failed to
    parse. Sending them to the client hands attackers a map of the service
    (CWE-209), and the client-side copy is all that is left if the server
    did not log it.

    ## Example
    ```python
    except Exception as exc:
        return jsonify(error=str(exc)), 500
    ```

    ## Use instead
    ```python
    except Exception:
        logger.exception("key lookup failed")
        return jsonify(error="internal error"), 500
    ```

    ## References
    - [CWE-209: Generation of Error Message Containing Sensitive Information](https://cwe.mitre.org/data/definitions/209.html)
    - [OWASP Error Handling Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Error_Handling_Cheat_Sheet.html)
    """

    code = "FLK204"
    name = "exception-detail-to-client"
    summary = "exception details or a traceback reach a response, template or abort() description"
    severity = Severity.WARNING
    cwe = 209
    fix_suggestion = (
        "log the exception server-side and send the client a generic message (and a request id)"
    )
    trigger = (Signal.TRACEBACK_TEXT, Signal.EXCEPTION_USED, Signal.HANDLER)

    VALID = (
        """
import logging
from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException
from marshmallow import ValidationError
app = Flask(__name__)
log = logging.getLogger(__name__)
@app.errorhandler(HTTPException)
def http_error(e):
    return jsonify(error=e.description), e.code
@app.route("/x")
def view():
    try:
        load()
    except ValidationError as err:
        return jsonify(errors=err.messages), 400
    except Exception:
        log.exception("load failed")
        return jsonify(error="internal error"), 500
""",
    )
    INVALID = (
        """
import traceback
from flask import Flask, jsonify, abort, render_template
app = Flask(__name__)
@app.route("/x")
def view():
    try:
        load()
    except Exception as exc:
        return jsonify(error=str(exc)), 500  # FLK204:34
    try:
        load()
    except ValueError as exc:
        abort(400, description=exc.args[0])  # FLK204:32
    try:
        load()
    except Exception:
        return render_template("error.html", trace=traceback.format_exc())  # FLK204:52
@app.errorhandler(Exception)
def crash(error):
    return f"crashed: {error}", 500  # FLK204:24
""",
    )

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.context.index.imports.resolve(node.func)
        if qualified in RESPONSE_BUILDERS or qualified in TEMPLATES:
            self._check(node, node.args)
        elif qualified in ABORT:
            self._check(node, node.args[1:])

    def visit_Return(self, node: cst.Return) -> None:
        func = self.context.function
        value = node.value
        if func is None or value is None:
            return
        if not is_request_handler(func, self.context.index, self.context.analysis.external_view):
            return
        body = value.elements[0].value if isinstance(value, cst.Tuple) and value.elements else value
        if isinstance(body, cst.Name) and self._is_exception_itself(body):
            return  # ``return error``: only an HTTPException can be a response, and Flask renders it
        self._check(node, (cst.Arg(body),))

    def _internal(self, label: Label) -> bool:
        """Exception text is internal detail unless every class the ``except`` catches is a
        project exception raised only with messages written for the client."""
        handler = label.node
        if (
            not isinstance(handler, cst.ExceptHandler | cst.ExceptStarHandler)
            or handler.type is None
        ):
            return True
        analysis = self.context.analysis
        return not all(
            analysis.client_message_class(member) for member in caught_members(handler.type)
        )

    def _is_exception_itself(self, name: cst.Name) -> bool:
        labels = self.context.taint(name).of(Kind.EXC)
        return bool(labels) and all(label.what == f"exception '{name.value}'" for label in labels)

    def _check(self, owner: cst.CSTNode, args: Sequence[cst.Arg]) -> None:
        for culprit in self.context.culprits(owner, args):
            labels = [label for label in culprit.taint.of(Kind.EXC) if self._internal(label)]
            if labels:
                what = sorted(label.what for label in labels)[0]
                self.report(
                    culprit.node,
                    f"`{snippet(self.context, culprit.node)}` ({what}) is sent to the client",
                )
