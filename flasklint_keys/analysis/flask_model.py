"""What a function is to Flask: a view, a request hook, an error handler, auth code.

Recognised by decorators and registrations, without importing anything:
``@app.route``, ``@bp.get("/x")``, ``@app.errorhandler(X)``,
``app.register_error_handler(X, fn)``, ``app.add_url_rule(..., view_func=fn)``,
``MethodView`` subclasses, Flask-HTTPAuth and Flask-Login callbacks.
"""

from __future__ import annotations

import contextlib
import enum
import http
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import libcst as cst

from .imports import dotted_name
from .index import ModuleIndex, Statement, blocks, body_of, string_value
from .nodes import child_nodes
from .vocabulary import JWT_LOADERS

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
# Flask-HTTPAuth ``@auth.error_handler``, Flask-Login ``@login_manager.unauthorized_handler``
# and Flask-JWT-Extended's loaders: each answers an authentication failure.
AUTH_HANDLER_DECORATORS = frozenset({"error_handler", "unauthorized_handler"}) | JWT_LOADERS
CREDENTIAL_CALLBACKS = frozenset(
    {"verify_password", "verify_token", "get_password", "request_loader", "header_loader"}
)
VIEW_BASES = frozenset({"MethodView", "View", "Resource", "FlaskView"})
# flask-classful: every public method of a ``FlaskView`` is a route.
CLASSFUL_BASES = frozenset({"FlaskView"})
HTTP_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "dispatch_request"}
)

_STATUS_BY_NAME = {status.name: status.value for status in http.HTTPStatus}
# ``requests.codes.forbidden``: lower-case names (and the upper-case ones) of each status.
_REQUESTS_CODES = {name.lower(): value for name, value in _STATUS_BY_NAME.items()} | {
    "unauthorised": 401,
    "not_authorized": 401,
}
_STATUS_CONSTANT = re.compile(r"HTTP_(\d{3})(_|$)")
_HTTP_PREFIXED = re.compile(r"^(?:HTTP|STATUS|HTTP_STATUS)_([A-Z_]+)$")
STATUS_MODULES = ("http.client.", "http.HTTPStatus.", "http.server.", "requests.codes.")
EXCEPTION_STATUS = {
    "werkzeug.exceptions.Unauthorized": 401,
    "werkzeug.exceptions.Forbidden": 403,
    "werkzeug.Unauthorized": 401,
    "werkzeug.Forbidden": 403,
}
# authlib's resource protectors raise these when a token is missing, invalid or short of scope.
AUTHLIB_ERRORS = {
    "MissingAuthorizationError": 401,
    "UnsupportedTokenTypeError": 401,
    "InvalidTokenError": 401,
    "InsufficientScopeError": 403,
}
STATUS_KEYWORDS = frozenset({"status", "status_code", "code", "http_status_code", "http_status"})
ABORT = frozenset(
    {
        "flask.abort",
        "werkzeug.exceptions.abort",
        "werkzeug.abort",
        "flask_restful.abort",
        "flask_restx.abort",
        "flask_restx.errors.abort",
        "flask_restplus.abort",
        "flask_smorest.abort",
        "webargs.flaskparser.abort",
    }
)
# Resolves a status given by a name this module cannot see the value of (a constant of
# another project module): ``ModuleAnalysis.status_constant``.
StatusLookup = Callable[[cst.BaseExpression], "int | None"]
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


# A handler registered for a variable holding status codes
# (``for code in default_exceptions: app.register_error_handler(code, handle)``).
STATUS_VARIABLE = 0
_STATUS_VARIABLE_NAME = re.compile(r"^(code|status|status_code|error_code|http_code|err_code|c)$")


def handled_target(
    expr: cst.BaseExpression, index: ModuleIndex, lookup: StatusLookup | None = None
) -> int | str | None:
    status = status_value(expr, index, lookup)
    if status is not None:
        return status
    qualified = index.imports.resolve(expr)
    if qualified is not None:
        return qualified
    if (
        isinstance(expr, cst.Name)
        and expr.value not in index.classes
        and _STATUS_VARIABLE_NAME.match(expr.value)
    ):
        return STATUS_VARIABLE
    return dotted_name(expr)


# Is a class of another project module a view? (``ModuleAnalysis.external_view``)
ViewLookup = Callable[[str], bool]


def registrations(
    func: cst.FunctionDef, index: ModuleIndex, external_view: ViewLookup | None = None
) -> list[Registration]:
    out = [reg for dec in func.decorators if (reg := _from_decorator(dec, index)) is not None]
    out.extend(_from_calls(func, index))
    class_name = index.class_of.get(func)
    if class_name is not None and _is_view_method(func, class_name, index, external_view):
        out.append(Registration(Role.VIEW))
    return out


def _is_view_method(
    func: cst.FunctionDef, class_name: str, index: ModuleIndex, external: ViewLookup | None
) -> bool:
    name = func.name.value
    if name not in HTTP_METHODS and (name.startswith("_") or not _is_classful(class_name, index)):
        return False
    return is_view_class(class_name, index, external)


def is_view_class(
    class_name: str, index: ModuleIndex, external: ViewLookup | None = None, depth: int = 0
) -> bool:
    """A ``MethodView``/``View``/``Resource``/``FlaskView`` subclass, through bases of this
    module or (``external``) of other project modules."""
    cls = index.classes.get(class_name)
    if cls is None or depth > 5:
        return False
    for base in cls.bases:
        dotted = dotted_name(base.value)
        if dotted is None:
            continue
        if dotted.rsplit(".", 1)[-1] in VIEW_BASES and dotted not in index.classes:
            return True
        if dotted in index.classes:
            if is_view_class(dotted, index, external, depth + 1):
                return True
            continue
        qualified = index.imports.resolve(base.value)
        if qualified is not None and external is not None and external(qualified):
            return True
    return False


def _is_classful(class_name: str, index: ModuleIndex, depth: int = 0) -> bool:
    """flask-classful's ``FlaskView``: every public method is a route."""
    cls = index.classes.get(class_name)
    if cls is None or depth > 5:
        return False
    for base in cls.bases:
        dotted = dotted_name(base.value)
        if dotted is None:
            continue
        if dotted.rsplit(".", 1)[-1] in CLASSFUL_BASES:
            return True
        if dotted in index.classes and _is_classful(dotted, index, depth + 1):
            return True
    return False


def wraps_view(func: cst.FunctionDef, index: ModuleIndex) -> bool:
    """The wrapper of a decorator: a function nested in ``def deco(f)`` that calls ``f(...)``;
    what it returns instead of ``f``'s value is the response (in a Flask module)."""
    outer = index.parent_scope.get(func)
    if not isinstance(outer, cst.FunctionDef) or not index.uses_flask:
        return False
    params = [p.name.value for p in (*outer.params.posonly_params, *outer.params.params)]
    if not params:
        return False
    wrapped = params[0]
    stack: list[cst.CSTNode] = list(body_of(func.body))
    while stack:
        node = stack.pop()
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Name)
            and node.func.value == wrapped
        ):
            return True
        if isinstance(node, cst.FunctionDef | cst.ClassDef | cst.Lambda):
            continue
        stack.extend(child_nodes(node))
    return False


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


def has_role(
    func: cst.FunctionDef, index: ModuleIndex, *roles: Role, external_view: ViewLookup | None = None
) -> bool:
    return any(reg.role in roles for reg in registrations(func, index, external_view))


def is_request_handler(
    func: cst.FunctionDef, index: ModuleIndex, external_view: ViewLookup | None = None
) -> bool:
    """Its return value becomes (part of) an HTTP response: a view (also through project base
    classes and flask-classful), a hook, an error or auth handler, a view's decorator wrapper."""
    return has_role(
        func,
        index,
        Role.VIEW,
        Role.HOOK,
        Role.ERROR_HANDLER,
        Role.AUTH_HANDLER,
        external_view=external_view,
    ) or wraps_view(func, index)


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


# Libraries' exceptions that are werkzeug HTTPExceptions (Flask renders them, logs nothing).
LIBRARY_HTTP_EXCEPTIONS = frozenset(
    {
        "flask_wtf.csrf.CSRFError",
        "flask_wtf.CSRFError",
        "flask_limiter.errors.RateLimitExceeded",
        "flask_limiter.RateLimitExceeded",
        "werkzeug.routing.RequestRedirect",
        "werkzeug.routing.exceptions.RequestRedirect",
    }
)


def is_http_exception(target: str, index: ModuleIndex, depth: int = 0) -> bool:
    """``werkzeug.exceptions.*`` (or a library's subclass of one) or a project class deriving
    from one (same module)."""
    if (
        target.startswith("werkzeug.exceptions.")
        or target.rsplit(".", 1)[-1] == "HTTPException"
        or target in LIBRARY_HTTP_EXCEPTIONS
    ):
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


def status_value(
    expr: cst.BaseExpression | None,
    index: ModuleIndex | None = None,
    lookup: StatusLookup | None = None,
) -> int | None:
    """A status given by a literal or a name: ``401``, ``HTTPStatus.UNAUTHORIZED(.value)``,
    ``status.HTTP_401_UNAUTHORIZED``, ``requests.codes.forbidden``, ``http.client.FORBIDDEN``
    (and its aliases), a module constant ``HTTP_FORBIDDEN = 403``; ``lookup`` resolves
    constants of other project modules."""
    if isinstance(expr, cst.Integer):
        try:
            return int(expr.value, 0)
        except ValueError:
            return None
    if isinstance(expr, cst.Attribute) and expr.attr.value == "value":
        return status_value(expr.value, index, lookup)  # ``HTTPStatus.FORBIDDEN.value``
    if not isinstance(expr, cst.Attribute | cst.Name):
        return None
    if index is not None:
        qualified = index.imports.resolve(expr)
        if qualified is not None:
            known = _qualified_status(qualified)
            if known is not None:
                return known
        if isinstance(expr, cst.Name) and expr.value not in index.imports.bindings:
            local = int_constants(index.module).get(expr.value)
            if local is not None:
                return local
    name = expr.attr.value if isinstance(expr, cst.Attribute) else expr.value
    known = _status_by_name(name, attribute=isinstance(expr, cst.Attribute))
    if known is not None:
        return known
    return lookup(expr) if lookup is not None else None


def _qualified_status(qualified: str) -> int | None:
    for prefix in STATUS_MODULES:
        if qualified.startswith(prefix):
            name = qualified[len(prefix) :]
            if prefix == "requests.codes.":
                return _REQUESTS_CODES.get(name.lower())
            return _STATUS_BY_NAME.get(name)
    return None


def _status_by_name(name: str, attribute: bool) -> int | None:
    """``HTTP_401_UNAUTHORIZED``, ``HTTP_FORBIDDEN``; an attribute may also be a bare status
    name (``HTTPStatus.FORBIDDEN`` through any alias)."""
    if attribute and name in _STATUS_BY_NAME:
        return _STATUS_BY_NAME[name]
    match = _STATUS_CONSTANT.match(name)
    if match:
        return int(match.group(1))
    prefixed = _HTTP_PREFIXED.match(name)
    if prefixed:
        return _STATUS_BY_NAME.get(prefixed.group(1))
    return None


def int_constants(module: cst.Module) -> dict[str, int]:
    """Module-level names bound once to an integer literal (``HTTP_FORBIDDEN = 403``)."""
    cached = _INT_CONSTANTS.get(id(module))
    if cached is not None and cached[0] is module:
        return cached[1]
    counts: dict[str, int] = {}
    values: dict[str, int] = {}
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Assign):
                targets = [t.target for t in small.targets]
            elif isinstance(small, cst.AnnAssign) and small.value is not None:
                targets = [small.target]
            else:
                continue
            value = small.value
            for target in targets:
                if isinstance(target, cst.Name):
                    counts[target.value] = counts.get(target.value, 0) + 1
                    if isinstance(value, cst.Integer):
                        with contextlib.suppress(ValueError):
                            values[target.value] = int(value.value, 0)
    result = {name: v for name, v in values.items() if counts[name] == 1}
    if len(_INT_CONSTANTS) >= 8:
        _INT_CONSTANTS.clear()
    _INT_CONSTANTS[id(module)] = (module, result)
    return result


_INT_CONSTANTS: dict[int, tuple[cst.Module, dict[str, int]]] = {}


def response_status(
    expr: cst.BaseExpression | None, index: ModuleIndex, lookup: StatusLookup | None = None
) -> int | None:
    """The status of a returned response: ``body, 401``, ``make_response(body, 403)``, ``Response(status=401)``."""
    if isinstance(expr, cst.Tuple) and len(expr.elements) >= 2:
        return status_value(expr.elements[1].value, index, lookup)
    if isinstance(expr, cst.Call):
        return call_status(expr, index, lookup)
    return None


# Keywords of ``abort``: flask/werkzeug ``code``, flask-restful/smorest ``http_status_code``.
ABORT_KEYWORDS = frozenset({"code", "http_status_code", "status", "status_code"})


def call_status(
    call: cst.Call, index: ModuleIndex, lookup: StatusLookup | None = None
) -> int | None:
    qualified = index.imports.resolve(call.func)
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if qualified in ABORT:
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value in ABORT_KEYWORDS:
                return status_value(arg.value, index, lookup)
        return status_value(positional[0].value, index, lookup) if positional else None
    if qualified in RESPONSE_FACTORIES:
        if len(positional) >= 2:
            return status_value(positional[1].value, index, lookup)
        return None
    if qualified in RESPONSE_CLASSES:
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == "status":
                return status_value(arg.value, index, lookup)
        return status_value(positional[1].value, index, lookup) if len(positional) >= 2 else None
    return None


def explicit_status(
    call: cst.Call, index: ModuleIndex, lookup: StatusLookup | None = None
) -> int | None:
    """The status a raise site passes to an exception class: ``ApiError("…", 401)``,
    ``ApiError("…", code=401)``."""
    for arg in call.args:
        if arg.star:
            continue
        if arg.keyword is None or arg.keyword.value in STATUS_KEYWORDS:
            status = status_value(arg.value, index, lookup)
            if status is not None and 400 <= status < 600:
                return status
    return None


def exception_status(
    exc: cst.BaseExpression,
    index: ModuleIndex,
    external: Callable[[str], int | None] | None = None,
    lookup: StatusLookup | None = None,
) -> int | None:
    """The HTTP status a raised exception carries: ``Unauthorized()``, ``ApiError("…", 401)``.

    A status the raise site passes wins over the class's default (``code = 500`` on a base
    class, overridden per raise). ``external`` looks up classes of other project modules.
    """
    call = exc if isinstance(exc, cst.Call) else None
    target = call.func if call is not None else exc
    qualified = index.imports.resolve(target)
    known = _library_status(qualified)
    if known is not None:
        return known
    if call is not None:
        status = explicit_status(call, index, lookup)
        if status is not None:
            return status
    if qualified is not None and external is not None:
        status = external(qualified)
        if status is not None:
            return status
    name = dotted_name(target)
    if name is not None and name in index.classes:
        return class_status(index.classes[name], index, external=external)
    return None


def _library_status(qualified: str | None) -> int | None:
    if qualified is None:
        return None
    if qualified in EXCEPTION_STATUS:
        return EXCEPTION_STATUS[qualified]
    if qualified.startswith("authlib."):
        return AUTHLIB_ERRORS.get(qualified.rsplit(".", 1)[-1])
    return None


def class_status(
    cls: cst.ClassDef,
    index: ModuleIndex,
    depth: int = 0,
    external: Callable[[str], int | None] | None = None,
) -> int | None:
    """A ``code`` / ``status_code`` class attribute, here or on a base class: of this module,
    werkzeug's ``Unauthorized``/``Forbidden``, or (``external``) of another project module."""
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
                    status = status_value(small.value, index)
                    if status is not None:
                        return status
    if depth > 5:
        return None
    for base in cls.bases:
        name = dotted_name(base.value)
        if name is not None and name in index.classes:
            status = class_status(index.classes[name], index, depth + 1, external)
            if status is not None:
                return status
            continue
        qualified = index.imports.resolve(base.value)
        known = _library_status(qualified)
        if known is not None:
            return known
        if qualified is not None and external is not None:
            status = external(qualified)
            if status is not None:
                return status
    return None


def imported_bases(cls: cst.ClassDef, index: ModuleIndex) -> list[str]:
    """Bases of ``cls`` imported from elsewhere, as written in the imports (maybe relative)."""
    out = []
    for base in cls.bases:
        name = dotted_name(base.value)
        if name is None or name in index.classes:
            continue
        qualified = index.imports.resolve(base.value)
        if qualified is not None and _library_status(qualified) is None:
            out.append(qualified)
    return out


# -- project loggers ----------------------------------------------------------------------------

LOGGER_CLASSES = frozenset({"logging.Logger", "logging.LoggerAdapter", "logging.getLoggerClass"})


def logger_subclass_methods(index: ModuleIndex) -> frozenset[str]:
    """Public methods of this module's ``logging.Logger``/``LoggerAdapter`` subclasses."""
    out: set[str] = set()
    for name, cls in index.classes.items():
        if _is_logger_class(cls, index, 0):
            out.update(m for m in index.methods.get(name, {}) if not m.startswith("_"))
    return frozenset(out)


def _is_logger_class(cls: cst.ClassDef, index: ModuleIndex, depth: int) -> bool:
    for base in cls.bases:
        target = base.value.func if isinstance(base.value, cst.Call) else base.value
        if index.imports.resolve(target) in LOGGER_CLASSES:
            return True
        name = dotted_name(target)
        if (
            name in index.classes
            and depth < 5
            and _is_logger_class(index.classes[name], index, depth + 1)
        ):
            return True
    return False


# -- raise sites ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RaiseSite:
    """``raise C(...)`` of a class: its call, and whether its arguments carry exception detail
    (the caught exception, ``str(e)``, ``e.args``, a traceback)."""

    call: cst.Call
    detail: bool


TRACEBACK_CALLS = frozenset({"format_exc", "format_exception", "format_tb", "exc_info"})


def raise_sites(module: cst.Module) -> list[RaiseSite]:
    """Every ``raise C(...)`` of the module (nested functions included)."""
    out: list[RaiseSite] = []
    _raise_sites(module.body, frozenset(), out)
    return out


def _raise_sites(
    stmts: Sequence[Statement],
    caught: frozenset[str],
    out: list[RaiseSite],
) -> None:
    for stmt in stmts:
        if isinstance(stmt, cst.SimpleStatementLine | cst.SimpleStatementSuite):
            for small in stmt.body:
                if isinstance(small, cst.Raise) and isinstance(small.exc, cst.Call):
                    out.append(RaiseSite(small.exc, _carries_detail(small.exc, caught)))
        elif isinstance(stmt, cst.Try | cst.TryStar):
            _raise_sites(body_of(stmt.body), caught, out)
            for handler in stmt.handlers:
                name = handler.name.name if handler.name is not None else None
                inner = caught | {name.value} if isinstance(name, cst.Name) else caught
                _raise_sites(body_of(handler.body), inner, out)
            for part in (stmt.orelse, stmt.finalbody):
                if part is not None:
                    _raise_sites(body_of(part.body), caught, out)
        elif isinstance(stmt, cst.BaseCompoundStatement):
            for block in blocks(stmt):
                _raise_sites(block, caught, out)


def _carries_detail(call: cst.Call, caught: frozenset[str]) -> bool:
    stack: list[cst.CSTNode] = [arg.value for arg in call.args]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name) and node.value in caught:
            return True
        if isinstance(node, cst.Call):
            name = dotted_name(node.func)
            if name is not None and name.rsplit(".", 1)[-1] in TRACEBACK_CALLS:
                return True
        stack.extend(child_nodes(node))
    return False


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
