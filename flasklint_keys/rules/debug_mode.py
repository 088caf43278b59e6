"""FLK401 debug-mode-enabled: the Werkzeug debugger switched on in code."""

from __future__ import annotations

import libcst as cst

from ..analysis.imports import dotted_name
from ..analysis.index import string_value, subscript_key
from ..analysis.nodes import child_nodes
from ..core.model import Severity
from ..core.signals import Signal
from ._fixes import debug_from_env_fix
from .base import Rule, RuleContext

CONFIG_UPDATERS = frozenset({"update", "from_mapping"})


def _is_true(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "True"


class DebugModeEnabled(Rule):
    """
    ## What it does
    Flags `app.run(debug=True)` (also `app.run(host, port, True)` and
    `debug=DEV` with a module-level `DEV = True`), `app.debug = True`,
    `app.config["DEBUG"] = True`, `app.config.update(DEBUG=True)` or
    `update({"DEBUG": True})`, and `DEBUG = True` in a module loaded with
    `app.config.from_object()`. Not flagged: debug mode passed on from
    configuration (inside `if settings.DEBUG:`, `if app.debug:`), `.run()` on
    objects that are not a Flask or Socket.IO app, and a development entry point
    under `if __name__ == "__main__":` that binds to a loopback address
    (`host="127.0.0.1"`).

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
    The automatic fix (unsafe) does that for configuration (`app.debug = True`,
    `DEBUG=True` in `config.update`). A `run(debug=True)` call gets none: it
    starts the development server, whose debugging a script may be for (a
    `serve.py`), so whether to turn it off is the maintainer's call.

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

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self._conditions: list[cst.BaseExpression] = []
        self._apps: set[str] = set()
        self._true_names: dict[str, bool] | None = None

    # -- where we are --------------------------------------------------------------------

    def visit_If(self, node: cst.If) -> None:
        self._conditions.append(node.test)

    def leave_If(self, original_node: cst.If) -> None:
        self._conditions.pop()

    def _settings_driven(self) -> bool:
        """Inside ``if settings.DEBUG:`` / ``if app.debug:``: debug mode already comes from
        configuration, the code only passes it on."""
        return any(_reads_debug_switch(test, self.context) for test in self._conditions)

    def _dev_entry_point(self, call: cst.Call) -> bool:
        """``if __name__ == "__main__": app.run(debug=True, host="127.0.0.1")``: a developer's
        server on their own machine, not request-handling code."""
        if not self.context.in_main_block(call):
            return False
        host = next((a.value for a in call.args if a.keyword and a.keyword.value == "host"), None)
        if host is None and call.args and call.args[0].keyword is None:
            host = call.args[0].value
        return host is not None and string_value(host) in LOOPBACK

    # -- findings ------------------------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        if method == "run" and self._is_app(func.value):
            self._check_run(node, func.value)
        elif method in CONFIG_UPDATERS and _is_config(func.value):
            self._check_update(node)

    def _check_run(self, node: cst.Call, receiver: cst.BaseExpression) -> None:
        if self._settings_driven() or self._dev_entry_point(node):
            return
        for position, arg in enumerate(node.args):
            if arg.keyword is not None:
                enabled = arg.keyword.value == "debug" and self._true(arg.value)
            else:
                # ``app.run(host, port, debug)``; ``socketio.run(app, ...)`` takes the app first.
                enabled = position == 2 and not _is_socketio(receiver) and self._true(arg.value)
            if enabled:
                shown = _shown(self.context, arg.value)
                if arg.keyword is None:
                    shown = f"run()'s third argument, debug, {shown.removeprefix('debug=')},"
                self.report(arg, f"{shown} enables the Werkzeug debugger")

    def _check_update(self, node: cst.Call) -> None:
        if self._settings_driven():
            return
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == "DEBUG" and self._true(arg.value):
                self.report(
                    arg,
                    "DEBUG=True enables the Werkzeug debugger",
                    fix=debug_from_env_fix(self.context, arg.value),
                )
            elif arg.keyword is None and isinstance(arg.value, cst.Dict):
                for element in arg.value.elements:
                    if (
                        isinstance(element, cst.DictElement)
                        and string_value(element.key) == "DEBUG"
                        and self._true(element.value)
                    ):
                        self.report(
                            element,
                            '"DEBUG": True enables the Werkzeug debugger',
                            fix=debug_from_env_fix(self.context, element.value),
                        )

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            expr = target.target
            if (
                isinstance(node.value, cst.Call)
                and isinstance(expr, cst.Name)
                and _callee(node.value) in APP_FACTORIES
            ):
                self._apps.add(expr.value)
        if not _is_true(node.value) or self._settings_driven():
            return
        for target in node.targets:
            self._check_assignment(node, target.target)

    def _check_assignment(self, node: cst.Assign, expr: cst.BaseExpression) -> None:
        what = self._debug_target(expr)
        if what is not None:
            self.report(
                node,
                f"{what} = True enables the Werkzeug debugger",
                fix=debug_from_env_fix(self.context, node.value),
            )

    def _debug_target(self, expr: cst.BaseExpression) -> str | None:
        """How an assignment target switches debug mode on, if it does."""
        ctx = self.context
        if isinstance(expr, cst.Attribute) and expr.attr.value == "debug":
            return "app.debug" if self._is_app(expr.value) else None
        if isinstance(expr, cst.Subscript) and subscript_key(expr) == "DEBUG":
            return 'config["DEBUG"]' if _is_config(expr.value) else None
        if (
            isinstance(expr, cst.Name)
            and expr.value == "DEBUG"
            and isinstance(ctx.scope, cst.Module)
            and ctx.analysis.loaded_as_config()
        ):
            return "DEBUG (in a module loaded with config.from_object())"
        return None

    # -- what things are -----------------------------------------------------------------

    def _is_app(self, receiver: cst.BaseExpression) -> bool:
        """An app by name (``app``, ``application``, ``socketio``) or bound to ``Flask(...)``,
        ``create_app()``, ``SocketIO(...)`` — not any object with a ``run`` method."""
        if _is_app(receiver) or _is_socketio(receiver):
            return True
        if isinstance(receiver, cst.Call):
            return _callee(receiver) in APP_FACTORIES  # ``create_app().run(debug=True)``
        return isinstance(receiver, cst.Name) and receiver.value in self._apps

    def _true(self, expr: cst.BaseExpression) -> bool:
        """``True``, or a module-level name bound only to ``True`` (``DEV = True``)."""
        if _is_true(expr):
            return True
        if not isinstance(expr, cst.Name):
            return False
        if self._true_names is None:
            self._true_names = _module_true_names(self.context.module)
        return self._true_names.get(expr.value, False)


LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
APP_FACTORIES = frozenset({"Flask", "create_app", "make_app", "SocketIO", "APIFlask"})
DEBUG_READERS = frozenset({"getenv", "get", "get_setting", "getboolean", "environ"})


def _callee(call: cst.Call) -> str:
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


def _reads_debug_switch(test: cst.BaseExpression, ctx: RuleContext) -> bool:
    """A condition that reads a debug setting: ``sxng_debug``, ``settings.DEBUG``,
    ``app.config["DEBUG"]``, ``os.environ.get("FLASK_DEBUG")``."""
    stack: list[cst.CSTNode] = [test]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name) and "debug" in node.value.lower():
            return True
        if isinstance(node, cst.Attribute) and "debug" in node.attr.value.lower():
            return True
        if isinstance(node, cst.SimpleString) and "debug" in node.value.lower():
            return True
        stack.extend(child_nodes(node))
    return False


def _module_true_names(module: cst.Module) -> dict[str, bool]:
    """Module-level names and whether every binding of them is ``True``."""
    out: dict[str, bool] = {}
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Assign):
                for target in small.targets:
                    if isinstance(target.target, cst.Name):
                        name = target.target.value
                        out[name] = out.get(name, True) and _is_true(small.value)
    return out


def _shown(ctx: RuleContext, value: cst.BaseExpression) -> str:
    return "debug=True" if _is_true(value) else f"debug={ctx.code(value)} (True)"


def _is_socketio(expr: cst.BaseExpression) -> bool:
    dotted = dotted_name(expr)
    return dotted is not None and dotted.rsplit(".", 1)[-1].lower() in ("socketio", "sio")


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
