"""What a function is to Flask: a view, a request hook, an error handler.

Recognised by decorators and registrations, without importing anything:
``@app.route``, ``@bp.get("/x")``, ``@app.errorhandler(X)``,
``app.register_error_handler(X, fn)``, ``app.add_url_rule(..., view_func=fn)``,
``MethodView`` subclasses.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import libcst as cst

from .imports import dotted_name
from .index import ModuleIndex, string_value

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
VIEW_BASES = frozenset({"MethodView", "View", "Resource"})
HTTP_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "dispatch_request"}
)


class Role(enum.Enum):
    VIEW = "view"
    HOOK = "hook"
    ERROR_HANDLER = "error handler"


@dataclass(frozen=True)
class Registration:
    role: Role
    # For error handlers: what they handle (an int status, or a dotted class name).
    target: int | str | None = None


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
    if isinstance(expr, cst.Integer):
        return int(expr.value, 0)
    qualified = index.imports.resolve(expr)
    if qualified is not None:
        return qualified
    return dotted_name(expr)


def registrations(func: cst.FunctionDef, index: ModuleIndex) -> list[Registration]:
    out: list[Registration] = []
    for decorator in func.decorators:
        name, call = decorator_call(decorator)
        if (name in ROUTE_DECORATORS and call is not None) or (
            name in METHOD_SHORTCUTS and call is not None and _is_url_rule(call)
        ):
            out.append(Registration(Role.VIEW))
        elif name in HOOK_DECORATORS:
            out.append(Registration(Role.HOOK))
        elif name in ERROR_HANDLER_DECORATORS and call is not None and call.args:
            out.append(Registration(Role.ERROR_HANDLER, handled_target(call.args[0].value, index)))
    class_name = index.class_of.get(func)
    if class_name is not None and func.name.value in HTTP_METHODS:
        cls = index.classes.get(class_name)
        if cls is not None and _is_view_class(cls):
            out.append(Registration(Role.VIEW))
    return out


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


def is_request_handler(func: cst.FunctionDef, index: ModuleIndex) -> bool:
    """Its return value becomes (part of) an HTTP response."""
    return bool(registrations(func, index))
