"""FLK401 debug-mode-enabled: the Werkzeug debugger switched on in code."""

from __future__ import annotations

import libcst as cst

from ..analysis.imports import dotted_name
from ..analysis.index import subscript_key
from ..core.model import Severity
from ..core.signals import Signal
from ._fixes import debug_from_env_fix
from .base import Rule

CONFIG_UPDATERS = frozenset({"update", "from_mapping"})


def _is_true(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "True"


class DebugModeEnabled(Rule):
    """
    ## What it does
    Flags `app.run(debug=True)`, `app.debug = True`, `app.config["DEBUG"] = True`
    and `app.config.update(DEBUG=True)` in code.

    ## Why is this bad?
    Debug mode turns on the Werkzeug interactive debugger: anyone who can make
    the app raise gets a Python console in the server process, with every key
    and secret in reach (CWE-489). It also replaces the app's error handling
    and logging of unhandled exceptions with tracebacks sent to the client.

    ## Example
    ```python
    if __name__ == "__main__":
        app.run(debug=True)
    ```

    ## Use instead
    Let the environment decide (`flask --app app run --debug` in development):
    ```python
    if __name__ == "__main__":
        app.run(debug=os.environ.get("FLASK_DEBUG") == "1")
    ```

    ## References
    - [CWE-489: Active Debug Code](https://cwe.mitre.org/data/definitions/489.html)
    - [Flask: Debug Mode](https://flask.palletsprojects.com/en/latest/quickstart/#debug-mode)
    """

    code = "FLK401"
    name = "debug-mode-enabled"
    summary = "debug mode is enabled in code"
    severity = Severity.ERROR
    cwe = 489
    fix_suggestion = (
        'read it from the environment: debug=os.environ.get("FLASK_DEBUG") == "1", or drop it'
    )
    trigger = (Signal.DEBUG_ON,)

    VALID = (
        """
import os
from flask import Flask
app = Flask(__name__)
app.config["DEBUG"] = os.environ.get("FLASK_DEBUG") == "1"
app.run(debug=False)
app.config.update(TESTING=True)
""",
    )
    INVALID = (
        """
from flask import Flask
app = Flask(__name__)
app.debug = True  # FLK401:1
app.config["DEBUG"] = True  # FLK401:1
app.config.update(DEBUG=True)  # FLK401:19
app.run(host="0.0.0.0", debug=True)  # FLK401:25
""",
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or not self._flask_app(func.value):
            return
        method = func.attr.value
        wanted = "debug" if method == "run" else "DEBUG" if method in CONFIG_UPDATERS else None
        if wanted is None:
            return
        if method in CONFIG_UPDATERS and not _is_config(func.value):
            return
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == wanted and _is_true(arg.value):
                self.report(
                    arg,
                    f"{wanted}=True enables the Werkzeug debugger",
                    fix=debug_from_env_fix(self.context, arg.value),
                )

    def _flask_app(self, receiver: cst.BaseExpression) -> bool:
        """A Flask module, or an app object by name (``app = create_app(); app.run(...)``)."""
        if self.context.index.uses_flask:
            return True
        target = (
            receiver.value
            if isinstance(receiver, cst.Attribute) and receiver.attr.value == "config"
            else receiver
        )
        return _is_app(target)

    def visit_Assign(self, node: cst.Assign) -> None:
        if not _is_true(node.value):
            return
        if not self.context.index.uses_flask and not any(
            isinstance(t.target, cst.Attribute | cst.Subscript) and self._flask_app(t.target.value)
            for t in node.targets
        ):
            return
        for target in node.targets:
            expr = target.target
            if (
                isinstance(expr, cst.Attribute)
                and expr.attr.value == "debug"
                and _is_app(expr.value)
            ):
                self.report(
                    node,
                    "app.debug = True enables the Werkzeug debugger",
                    fix=debug_from_env_fix(self.context, node.value),
                )
            elif (
                isinstance(expr, cst.Subscript)
                and subscript_key(expr) == "DEBUG"
                and _is_config(expr.value)
            ):
                self.report(
                    node,
                    'config["DEBUG"] = True enables the Werkzeug debugger',
                    fix=debug_from_env_fix(self.context, node.value),
                )


def _is_config(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Attribute) and expr.attr.value == "config"


def _is_app(expr: cst.BaseExpression) -> bool:
    dotted = dotted_name(expr)
    return dotted is not None and dotted.rsplit(".", 1)[-1] in (
        "app",
        "application",
        "flask_app",
        "current_app",
    )
