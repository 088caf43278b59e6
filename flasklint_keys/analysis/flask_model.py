"""What a function is to Flask: a view, a request hook, an error handler, auth code.

Recognised by decorators and registrations, without importing anything:
``@app.route``, ``@bp.get("/x")``, ``@app.errorhandler(X)``,
``app.register_error_handler(X, fn)``, ``app.add_url_rule(..., view_func=fn)``,
``MethodView`` subclasses, Flask-HTTPAuth and Flask-Login callbacks.
"""

from __future__ import annotations

import enum
import http
import re
from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst

from .imports import dotted_name
from .index import ModuleIndex, body_of, string_value
from .nodes import child_nodes

ROUTE_DECORATORS = frozenset({"route"})
METHOD_SHORTCUTS = frozenset({"get", "post", "put", "patch", "delete"})
HOOK_DECORATORS = frozenset(
    {
        "before_request",
        "before_app_request",
        "after_request",
        "after_app_request",
        "teardown_request",
    }
)
ERROR_HANDLER_DECORATORS = frozenset({"errorhandler", "app_errorhandler"})
# Flask-HTTPAuth ``@auth.error_handler`` and Flask-Login ``@login_manager.unauthorized_handler``.
AUTH_HANDLER_DECORATORS = frozenset({"error_handler", "unauthorized_handler"})
CREDENTIAL_CALLBACKS = frozenset(
    {"verify_password", "verify_token", "get_password", "request_loader", "header_loader"}
)
VIEW_BASES = frozenset({"MethodView", "View", "Resource"})
HTTP_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "dispatch_request"}
)

_STATUS_BY_NAME = {status.name: status.value for status in http.HTTPStatus}
_STATUS_CONSTANT = re.compile(r"HTTP_(\d{3})(_|$)")
EXCEPTION_STATUS = {
    "werkzeug.exceptions.Unauthorized": 401,
    "werkzeug.exceptions.Forbidden": 403,
    "werkzeug.Unauthorized": 401,
    "werkzeug.Forbidden": 403,
}
STATUS_KEYWORDS = frozenset({"status", "status_code", "code"})
ABORT = frozenset({"flask.abort", "werkzeug.exceptions.abort", "werkzeug.abort"})
RESPONSE_FACTORIES = frozenset({"flask.make_response"})
RESPONSE_CLASSES = frozenset(
    {"flask.Response", "werkzeug.Response", "werkzeug.wrappers.Response", "flask.wrappers.Response"}
)


class Role(enum.Enum):
    VIEW = "view"
    HOOK = "hook"
    ERROR_HANDLER = "error handler"
    AUTH_HANDLER = "auth failure handler"
    CREDENTIAL_CALLBACK = "credential callback"


class Handled(enum.Enum):
    """What an error handler is registered for (decides FLK201)."""

    STATUS = "status code"
    INTERNAL = "500 / InternalServerError"
    HTTP = "HTTPException"
    EXCEPTION = "Exception"
    OTHER = "non-HTTP exception class"


@dataclass(frozen=True)
class Registration:
    role: Role
    # For error handlers: what they handle (an int status, or a dotted class name).
    target: int | str | None = None
    # Registered on the application (covers every blueprint), not on one blueprint.
    app_wide: bool = False


def decorator_call(decorator: cst.Decorator) -> tuple[str | None, cst.Call | None]:
    """(last attribute of the decorator, the call if it is one): ``@bp.get('/')`` -> ``('get', Call)``."""
    expr = decorator.decorator
    call = expr if isinstance(expr, cst.Call) else None
    target = call.func if call is not None else expr
    if isinstance(target, cst.Attribute):
        return target.attr.value, call
    if isinstance(target, cst.Name):
        return target.value, call
    return None, call


def handled_target(expr: cst.BaseExpression, index: ModuleIndex) -> int | str | None:
    status = status_value(expr)
    if status is not None:
        return status
    qualified = index.imports.resolve(expr)
    if qualified is not None:
        return qualified
    return dotted_name(expr)


def registrations(func: cst.FunctionDef, index: ModuleIndex) -> list[Registration]:
    out = [reg for dec in func.decorators if (reg := _from_decorator(dec, index)) is not None]
    out.extend(_from_calls(func, index))
    class_name = index.class_of.get(func)
    if class_name is not None and func.name.value in HTTP_METHODS:
        cls = index.classes.get(class_name)
        if cls is not None and _is_view_class(cls):
            out.append(Registration(Role.VIEW))
    return out


def _from_decorator(decorator: cst.Decorator, index: ModuleIndex) -> Registration | None:
    name, call = decorator_call(decorator)
    if name in ROUTE_DECORATORS and call is not None:
        return Registration(Role.VIEW)
    if name in METHOD_SHORTCUTS and call is not None and _is_url_rule(call):
        return Registration(Role.VIEW)
    if name in HOOK_DECORATORS:
        return Registration(Role.HOOK)
    if name in ERROR_HANDLER_DECORATORS and call is not None and call.args:
        app_wide = name == "app_errorhandler" or _is_app(call.func)
        return Registration(Role.ERROR_HANDLER, handled_target(call.args[0].value, index), app_wide)
    if name in AUTH_HANDLER_DECORATORS and isinstance(
        decorator.decorator, cst.Attribute | cst.Call
    ):
        return Registration(Role.AUTH_HANDLER)
    if name in CREDENTIAL_CALLBACKS and isinstance(decorator.decorator, cst.Attribute | cst.Call):
        return Registration(Role.CREDENTIAL_CALLBACK)
    return None


def _from_calls(func: cst.FunctionDef, index: ModuleIndex) -> list[Registration]:
    """``app.register_error_handler(X, fn)`` and ``app.add_url_rule("/x", view_func=fn)``."""
    if func.name.value not in index.functions or index.functions[func.name.value] is not func:
        return []
    out = []
    for call in index.registration_calls:
        assert isinstance(call.func, cst.Attribute)
        method = call.func.attr.value
        if method == "register_error_handler" and len(call.args) >= 2:
            if _names(call.args[1].value, func):
                target = handled_target(call.args[0].value, index)
                out.append(Registration(Role.ERROR_HANDLER, target, _is_app(call.func)))
        elif method == "add_url_rule":
            view = next(
                (a.value for a in call.args if a.keyword and a.keyword.value == "view_func"), None
            )
            if view is None and len(call.args) >= 3 and call.args[2].keyword is None:
                view = call.args[2].value
            if view is not None and _names(view, func):
                out.append(Registration(Role.VIEW))
    return out


def _is_app(func: cst.BaseExpression) -> bool:
    """``app.errorhandler`` / ``application.register_error_handler``: the receiver is the app."""
    if not isinstance(func, cst.Attribute):
        return False
    receiver = dotted_name(func.value)
    return receiver is not None and receiver.rsplit(".", 1)[-1] in (
        "app",
        "application",
        "flask_app",
    )


def _names(expr: cst.BaseExpression, func: cst.FunctionDef) -> bool:
    return isinstance(expr, cst.Name) and expr.value == func.name.value


def _is_url_rule(call: cst.Call) -> bool:
    if not call.args:
        return False
    rule = string_value(call.args[0].value)
    return rule is not None and rule.startswith("/")


def _is_view_class(cls: cst.ClassDef) -> bool:
    for base in cls.bases:
        dotted = dotted_name(base.value)
        if dotted is not None and dotted.rsplit(".", 1)[-1] in VIEW_BASES:
            return True
    return False


def has_role(func: cst.FunctionDef, index: ModuleIndex, *roles: Role) -> bool:
    return any(reg.role in roles for reg in registrations(func, index))


def is_request_handler(func: cst.FunctionDef, index: ModuleIndex) -> bool:
    """Its return value becomes (part of) an HTTP response."""
    return has_role(func, index, Role.VIEW, Role.HOOK, Role.ERROR_HANDLER, Role.AUTH_HANDLER)


# -- what an error handler handles --------------------------------------------------------


def classify_handled(target: int | str | None, index: ModuleIndex) -> Handled:
    if isinstance(target, int):
        return Handled.INTERNAL if target == 500 else Handled.STATUS
    if target is None:
        return Handled.OTHER
    last = target.rsplit(".", 1)[-1]
    if last == "InternalServerError":
        return Handled.INTERNAL
    if last in ("Exception", "BaseException") and target in (last, f"builtins.{last}"):
        return Handled.EXCEPTION
    if is_http_exception(target, index):
        return Handled.HTTP
    return Handled.OTHER


def is_http_exception(target: str, index: ModuleIndex, depth: int = 0) -> bool:
    """``werkzeug.exceptions.*`` or a project class deriving from one (same module)."""
    if target.startswith("werkzeug.exceptions.") or target.rsplit(".", 1)[-1] == "HTTPException":
        return True
    cls = index.classes.get(target)
    if cls is None or depth > 5:
        return False
    return any(
        (base_name := handled_target(base.value, index)) is not None
        and isinstance(base_name, str)
        and is_http_exception(base_name, index, depth + 1)
        for base in cls.bases
    )


# Exceptions whose text is written for the client (validation messages, HTTP errors).
CLIENT_MESSAGE_EXCEPTIONS = frozenset(
    {"ValidationError", "BadRequest", "ValidationErrors", "FormValidationError"}
)


def exposes_internals(exc_type: cst.BaseExpression | None, index: ModuleIndex) -> bool:
    """Does ``except <exc_type> as e`` bind an exception whose text is internal detail?"""
    if exc_type is None:
        return True
    members = (
        [el.value for el in exc_type.elements] if isinstance(exc_type, cst.Tuple) else [exc_type]
    )
    for member in members:
        target = handled_target(member, index)
        if not isinstance(target, str):
            return True
        last = target.rsplit(".", 1)[-1]
        if last not in CLIENT_MESSAGE_EXCEPTIONS and not is_http_exception(target, index):
            return True
    return False


# -- status codes --------------------------------------------------------------------------


def status_value(expr: cst.BaseExpression | None) -> int | None:
    """``401``, ``HTTPStatus.UNAUTHORIZED``, ``status.HTTP_401_UNAUTHORIZED``."""
    if isinstance(expr, cst.Integer):
        try:
            return int(expr.value, 0)
        except ValueError:
            return None
    if isinstance(expr, cst.Attribute):
        name = expr.attr.value
        if name in _STATUS_BY_NAME:
            return _STATUS_BY_NAME[name]
        match = _STATUS_CONSTANT.match(name)
        if match:
            return int(match.group(1))
    return None


def response_status(expr: cst.BaseExpression | None, index: ModuleIndex) -> int | None:
    """The status of a returned response: ``body, 401``, ``make_response(body, 403)``, ``Response(status=401)``."""
    if isinstance(expr, cst.Tuple) and len(expr.elements) >= 2:
        return status_value(expr.elements[1].value)
    if isinstance(expr, cst.Call):
        return call_status(expr, index)
    return None


def call_status(call: cst.Call, index: ModuleIndex) -> int | None:
    qualified = index.imports.resolve(call.func)
    if qualified in ABORT:
        return status_value(call.args[0].value) if call.args else None
    if qualified in RESPONSE_FACTORIES:
        positional = [a for a in call.args if a.keyword is None]
        if len(positional) >= 2:
            return status_value(positional[1].value)
        return None
    if qualified in RESPONSE_CLASSES:
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == "status":
                return status_value(arg.value)
        positional = [a for a in call.args if a.keyword is None]
        return status_value(positional[1].value) if len(positional) >= 2 else None
    return None


def exception_status(
    exc: cst.BaseExpression, index: ModuleIndex, external: Callable[[str], int | None] | None = None
) -> int | None:
    """The HTTP status a raised exception carries: ``Unauthorized()``, ``ApiError("…", 401)``.

    ``external`` looks up exception classes defined in other modules of the project.
    """
    call = exc if isinstance(exc, cst.Call) else None
    target = call.func if call is not None else exc
    qualified = index.imports.resolve(target)
    if qualified in EXCEPTION_STATUS:
        return EXCEPTION_STATUS[qualified]
    if qualified is not None and external is not None:
        status = external(qualified)
        if status is not None:
            return status
    if call is not None:
        for arg in call.args:
            if arg.keyword is None or arg.keyword.value in STATUS_KEYWORDS:
                status = status_value(arg.value)
                if status is not None and 400 <= status < 600:
                    return status
    name = dotted_name(target)
    if name is not None and name in index.classes:
        return class_status(index.classes[name], index)
    return None


def class_status(cls: cst.ClassDef, index: ModuleIndex, depth: int = 0) -> int | None:
    """A ``code`` / ``status_code`` class attribute, here or on a base class of the module."""
    for stmt in cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ():
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Assign | cst.AnnAssign):
                targets = (
                    [t.target for t in small.targets]
                    if isinstance(small, cst.Assign)
                    else [small.target]
                )
                if any(isinstance(t, cst.Name) and t.value in STATUS_KEYWORDS for t in targets):
                    status = status_value(small.value)
                    if status is not None:
                        return status
    if depth > 5:
        return None
    for base in cls.bases:
        name = dotted_name(base.value)
        if name is not None and name in index.classes:
            status = class_status(index.classes[name], index, depth + 1)
            if status is not None:
                return status
    return None


# -- development entry points ----------------------------------------------------------------


def is_main_guard(stmt: cst.CSTNode) -> bool:
    """``if __name__ == "__main__":`` (either operand order)."""
    if not isinstance(stmt, cst.If):
        return False
    test = stmt.test
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    target = test.comparisons[0]
    if not isinstance(target.operator, cst.Equal):
        return False
    sides = (test.left, target.comparator)
    names = [s.value for s in sides if isinstance(s, cst.Name)]
    strings = [string_value(s) for s in sides if isinstance(s, cst.SimpleString)]
    return names == ["__name__"] and strings == ["__main__"]


def main_block_nodes(module: cst.Module) -> frozenset[cst.CSTNode]:
    """Every node inside the body of a module-level ``if __name__ == "__main__":``.

    Code there runs when the file is executed as a script — a development entry point
    or a self-test, never while serving a request. Its ``else:`` branch is not included.
    """
    out: set[cst.CSTNode] = set()
    for stmt in module.body:
        if not isinstance(stmt, cst.If) or not is_main_guard(stmt):
            continue
        stack: list[cst.CSTNode] = list(body_of(stmt.body))
        while stack:
            node = stack.pop()
            out.add(node)
            stack.extend(child_nodes(node))
    return frozenset(out)
