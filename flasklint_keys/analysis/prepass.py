"""A cheap pre-pass on Python's own ``ast`` that decides whether LibCST must look at a file.

``ast.parse`` is about ten times faster than LibCST's parser, and most modules
of a Flask project cannot produce a finding. A file goes to the LibCST pass
(the analysis of record) only when it has a construct some rule needs:

* a credential by name: an identifier that is one (``api_key``, ``password``)
  or a string that names one (``"X-API-Key"``, ``"STRIPE_SECRET"``, ``"key"``)
  — FLK101/104/105/303/402 and credential conditions of FLK301;
* a whole request mapping or URL (``request.headers``, ``.url``, ``.args``...)
  or the request object near a call with non-constant arguments — FLK102/103;
* in a Flask module: a 401/403, ``Unauthorized``/``Forbidden``, a credential
  check (``check_password_hash``...), an auth-failure handler, an error handler,
  ``debug=True`` — FLK201/301/302/304/401;
* an ``except`` that is broad without a ``raise``, logs at error level, or uses
  the exception it caught; traceback text — FLK202/203/204.

What a skipped module offers to others (a logging wrapper, an exception class
with a status) is summarised on demand when an analysed module uses it, and a
skipped module whose imports turn out to matter is analysed in phase two; its
``dependencies`` are recorded for that. A test lints every fixture with and
without this pre-pass and requires identical findings.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..core.signals import Signal
from .names import CredentialNames, Strength, is_credential_url
from .request_model import REQUEST_ATTRIBUTES, REQUEST_METHODS
from .vocabulary import (
    CREDENTIAL_CHECKS,
    ERROR_METHODS,
    JWT_LOADERS,
    LOG_METHODS,
    MONITORING_PACKAGES,
)

FLASK_PACKAGES = ("flask", "werkzeug")
HANDLER_DECORATORS = JWT_LOADERS | frozenset(
    {
        "errorhandler",
        "app_errorhandler",
        "error_handler",
        "unauthorized_handler",
        "verify_password",
        "verify_token",
        "get_password",
        "request_loader",
        "header_loader",
    }
)
HANDLER_CALLS = frozenset({"register_error_handler", "errorhandler", "app_errorhandler"})
REJECTION_NAMES = frozenset(
    {
        "Unauthorized",
        "Forbidden",
        "UNAUTHORIZED",
        "FORBIDDEN",
        "HTTP_401_UNAUTHORIZED",
        "HTTP_403_FORBIDDEN",
        "HTTP_UNAUTHORIZED",
        "HTTP_FORBIDDEN",
        "unauthorized",
        "forbidden",
        "unauthorised",
    }
)
REQUEST_DATA = frozenset(REQUEST_ATTRIBUTES) | frozenset(REQUEST_METHODS)
TRACEBACK_TEXT = frozenset(
    {"format_exc", "format_exception", "format_tb", "format_stack", "exc_info", "print_exc"}
)
BROAD = frozenset({"Exception", "BaseException"})
SINK_NAMES = frozenset({"print", "pprint", "warn"})
SINK_METHODS = LOG_METHODS | {"write", "writelines", "warn", "labels", "pprint"}
STATUS_ATTRIBUTES = frozenset({"code", "status_code", "status"})
LOGGER_BASES = frozenset({"Logger", "LoggerAdapter", "getLoggerClass"})
DIGEST_WORDS = ("signature", "sig", "mac", "hmac", "digest")
MAX_NAME_LENGTH = 64
# Strings that can name a header, a field or a setting (not paths, URLs or prose).
_NAME_LIKE = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")
# ``/invite/<token>``: a URL rule variable (a credential when named like one).
_RULE_VARIABLE = re.compile(r"<(?:[^:<>]+:)?(\w+)>")
# Calls that take a connection URL or DSN (FLK106 recognises the DSN by its use).
DSN_CONSUMERS = frozenset({"from_dsn", "from_url"})
SETTING_SOURCES = frozenset({"environ", "getenv", "config", "settings", "conf", "cfg"})


@dataclass(frozen=True)
class Prepass:
    needed: bool
    reason: str
    # What the module uses from elsewhere (qualified imported names, ``g:x``,
    # ``session:x``): phase two analyses it if one of them turns out to matter.
    dependencies: frozenset[str] = frozenset()
    scan: _Scan | None = field(default=None, compare=False, repr=False)
    # The names the module binds by importing at module level (``from .keys import
    # get_key``): a module skipped here may still re-export a name another one uses.
    imports: tuple[tuple[str, str], ...] = ()

    def signals(self) -> frozenset[str]:
        """Every signal the file shows (tests and diagnostics)."""
        return self.scan.signals() if self.scan is not None else frozenset()


def prepass(
    tree: ast.Module,
    names: CredentialNames,
    auth_decorators: frozenset[str] = frozenset(),
    wanted: frozenset[str] | None = None,
) -> Prepass:
    """Does the file need the LibCST pass for a rule asking for one of ``wanted``
    (pre-pass signals; None: any signal will do)?"""
    scan = _Scan(names, auth_decorators, credential_memo=_memo(names))
    # One flat walk (NodeVisitor's recursive dispatch costs more than the checks);
    # imports first, so that every name is resolved against the module's bindings.
    nodes = flatten(tree)
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            _HANDLERS[type(node)](scan, node)
    for node in nodes:
        handler = _HANDLERS.get(type(node))
        if handler is not None and not isinstance(node, ast.Import | ast.ImportFrom):
            handler(scan, node)
    reason = scan.decide(wanted)
    needed = reason is not None
    imports = () if needed else tuple(module_imports(tree))
    return Prepass(needed, reason or "", frozenset(scan.dependencies), scan, imports)


def module_imports(tree: ast.Module) -> Iterator[tuple[str, str]]:
    """(local name, imported name) of the module's own imports: at module level, also
    under ``if``/``try``/``with`` (``try: from .fast import f except ImportError: ...``),
    never in a function or class. ``from .keys import get_key`` -> ``.keys.get_key``."""
    stack: list[ast.stmt] = list(reversed(tree.body))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            joiner = "" if module.endswith(".") or not module else "."
            for alias in node.names:
                if alias.name != "*":
                    yield alias.asname or alias.name, f"{module}{joiner}{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    yield alias.asname, alias.name
        elif isinstance(node, ast.If | ast.Try | ast.With):
            blocks = [node.body, getattr(node, "orelse", []), getattr(node, "finalbody", [])]
            blocks += [handler.body for handler in getattr(node, "handlers", [])]
            for block in reversed(blocks):
                stack.extend(reversed(block))


def _wants(wanted: frozenset[str] | None, signal: str) -> bool:
    return wanted is None or signal in wanted


LOOSE = Signal.CREDENTIAL_LOOSE.value


def _memo(names: CredentialNames) -> dict[str, bool]:
    """Identifier -> is it a credential, shared by every file of a run: the
    same few thousand identifiers recur in every module."""
    memo = _CREDENTIAL_MEMOS.get(names)
    if memo is None:
        if len(_CREDENTIAL_MEMOS) >= 4:
            _CREDENTIAL_MEMOS.clear()
        memo = _CREDENTIAL_MEMOS[names] = {}
    return memo


_CREDENTIAL_MEMOS: dict[CredentialNames, dict[str, bool]] = {}


def flatten(tree: ast.AST) -> list[ast.AST]:
    """Every node of ``tree`` except the ``Load``/``Store``/``Del`` markers, in no
    particular order: ``ast.walk`` without its generic field iteration, about
    twice as fast, and a third fewer nodes."""
    out: list[ast.AST] = []
    stack = [tree]
    push, add, fields = stack.append, out.append, _CHILD_FIELDS
    while stack:
        node = stack.pop()
        add(node)
        names = fields.get(type(node))
        if names is None:
            names = fields[type(node)] = tuple(f for f in node._fields if f != "ctx")
        for name in names:
            value = getattr(node, name, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, ast.AST):  # Global.names holds strings
                        push(item)
            elif isinstance(value, ast.AST):
                push(value)
    return out


_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


@dataclass
class _Scan:
    names: CredentialNames
    auth_decorators: frozenset[str]
    bindings: dict[str, str] = field(default_factory=dict)
    dependencies: set[str] = field(default_factory=set)
    flask: bool = False
    # (signal, why), in the order they were seen; flask_reasons count in Flask modules only.
    reasons: list[tuple[Signal, str]] = field(default_factory=list)
    flask_reasons: list[tuple[Signal, str]] = field(default_factory=list)
    request_data: bool = False
    request_names: set[str] = field(default_factory=lambda: {"request", "req"})
    settings: bool = False
    loose_strings: list[str] = field(default_factory=list)
    sink_call: bool = False
    call_arguments: list[list[ast.expr]] = field(default_factory=list)
    request_named: bool = False  # a name of the request object occurs
    credential_memo: dict[str, bool] = field(default_factory=dict)

    def decide(self, wanted: frozenset[str] | None) -> str | None:
        """Why the file needs the LibCST pass for a rule that wants one of ``wanted``
        (None: every signal counts), or None."""

        def first(found: list[tuple[Signal, str]]) -> str | None:
            return next((why for signal, why in found if wanted is None or signal in wanted), None)

        reason = first(self.reasons)
        if reason is not None:
            return reason
        if (self.flask or self.settings) and self.loose_strings and _wants(wanted, LOOSE):
            # ``"key"``, ``"token"``: credentials only when read from request data or settings.
            return self.loose_strings[0]
        if self.flask:
            reason = first(self.flask_reasons)
            if reason is not None:
                return reason
        if self.sink_call and _wants(wanted, Signal.REQUEST_LOGGED):
            if self.request_data:
                return "request data and a log call"
            if self.passes_request():
                return "the request object passed to a call, and a log call"
        return None

    def signals(self) -> frozenset[str]:
        """Every signal the file shows (the request-object scan included)."""
        found = {signal.value for signal, _ in self.reasons}
        if self.flask:
            found.update(signal.value for signal, _ in self.flask_reasons)
        if (self.flask or self.settings) and self.loose_strings:
            found.add(LOOSE)
        if self.sink_call and (self.request_data or self.passes_request()):
            found.add(Signal.REQUEST_LOGGED.value)
        return frozenset(found)

    # -- imports and dependencies -----------------------------------------------------------

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            head = alias.name.split(".")[0]
            self._monitoring(head, alias.asname or "")
            self.flask = self.flask or head in FLASK_PACKAGES or head.startswith("flask_")
            if alias.asname:
                self.bindings[alias.asname] = alias.name
            else:
                self.bindings[head] = head

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = "." * node.level + (node.module or "")
        head = (node.module or "").split(".")[0]
        if node.level == 0 and (head in FLASK_PACKAGES or head.startswith("flask_")):
            self.flask = True
        for alias in node.names:
            self._monitoring(head if node.level == 0 else "", alias.asname or alias.name)
            joiner = "" if module.endswith(".") or not module else "."
            local = alias.asname or alias.name
            self.bindings[local] = f"{module}{joiner}{alias.name}"
            if alias.name == "request":
                self.request_names.add(local)

    def _monitoring(self, package: str, local: str) -> None:
        """``import sentry_sdk``, ``from opentelemetry import trace``, ``from app import statsd``."""
        if package in MONITORING_PACKAGES or "statsd" in local.lower():
            self.reasons.append((Signal.MONITORING, f"monitoring client ({package or local})"))

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in self.request_names:
            self.request_named = True
        if node.id in SETTING_SOURCES:
            self.settings = True
        target = self.bindings.get(node.id)
        if target is not None:
            self.dependencies.add(target)
        if node.id in REJECTION_NAMES:
            self.flask_reasons.append((Signal.REJECTION, node.id))
        self._identifier(node.id)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        dotted = _dotted(node)
        if dotted is not None:
            head, _, rest = dotted.partition(".")
            target = self.bindings.get(head)
            if target is not None:
                self.dependencies.add(f"{target}.{rest}")
            if head == "g" and "g" in self.bindings:
                self.dependencies.add(f"g:{node.attr}")
        if node.attr in REQUEST_DATA:
            self.request_data = True
        if node.attr in SETTING_SOURCES:
            self.settings = True
        if node.attr in REJECTION_NAMES:
            self.flask_reasons.append((Signal.REJECTION, node.attr))
        if node.attr in TRACEBACK_TEXT:
            self.reasons.append((Signal.TRACEBACK_TEXT, f"traceback text ({node.attr})"))
        self._identifier(node.attr)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        key = node.slice.value if isinstance(node.slice, ast.Constant) else None
        if isinstance(node.value, ast.Name) and node.value.id == "session" and isinstance(key, str):
            self.dependencies.add(f"session:{key}")

    # -- credentials by name ----------------------------------------------------------------

    def _identifier(self, identifier: str) -> None:
        memo = self.credential_memo
        credential = memo.get(identifier)
        if credential is None:
            credential = memo[identifier] = len(
                identifier
            ) <= MAX_NAME_LENGTH and self.names.is_credential(identifier)
        if credential:
            self.reasons.append((Signal.CREDENTIAL_NAME, f"mentions {identifier}"))
        elif is_credential_url(identifier):
            self.reasons.append((Signal.CREDENTIAL_URL, f"mentions {identifier}"))

    def visit_arg(self, node: ast.arg) -> None:
        self._identifier(node.arg)
        if node.arg in ("request", "req"):
            self.request_names.add(node.arg)

    def visit_keyword(self, node: ast.keyword) -> None:
        if node.arg is not None:
            self._identifier(node.arg)
            if node.arg.lower() == "debug" and (
                _is_true(node.value)
                or (isinstance(node.value, ast.Name) and node.value.id.isupper())
            ):
                # ``app.run(debug=True)`` in an entry point that imports only ``create_app``;
                # ``debug=DEV`` with a module-level ``DEV = True``.
                self.reasons.append((Signal.DEBUG_ON, "debug=True"))

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, str) and 0 < len(value) <= MAX_NAME_LENGTH and _NAME_LIKE.match(value):
            if self.names.is_credential(value, Strength.KEY):
                self.reasons.append((Signal.CREDENTIAL_NAME, f"mentions {value!r}"))
            elif any(
                self.names.is_credential(value, s)
                for s in (Strength.SETTING, Strength.HEADER, Strength.REQUEST)
            ):
                self.loose_strings.append(f"mentions {value!r}")
            elif is_credential_url(value):
                self.reasons.append((Signal.CREDENTIAL_URL, f"mentions {value!r}"))
            if value == "DEBUG":
                self.flask_reasons.append((Signal.DEBUG_ON, "DEBUG"))
        elif isinstance(value, str) and "<" in value and len(value) <= 256:
            for match in _RULE_VARIABLE.finditer(value):
                if self.names.is_credential(match.group(1), Strength.REQUEST):
                    self.reasons.append((Signal.CREDENTIAL_NAME, f"route parameter {match[0]}"))
        elif isinstance(value, int) and value in (401, 403):
            self.flask_reasons.append((Signal.REJECTION, str(value)))

    # -- Flask constructs ---------------------------------------------------------------------

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if node.name in self.auth_decorators:
            self.reasons.append((Signal.AUTH_CODE, f"configured auth decorator {node.name}"))
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            name = _last_name(target)
            if name in HANDLER_DECORATORS:
                self.reasons.append((Signal.HANDLER, f"@{name}"))

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node: ast.Assign) -> None:
        if _is_true(node.value):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr == "debug":
                    self.reasons.append((Signal.DEBUG_ON, "debug = True"))
                if isinstance(target, ast.Subscript) and _constant(target.slice) == "DEBUG":
                    self.reasons.append((Signal.DEBUG_ON, 'config["DEBUG"] = True'))
                if isinstance(target, ast.Name) and target.id == "DEBUG":
                    self.reasons.append((Signal.DEBUG_ON, "DEBUG = True"))

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = _last_name(func)
        if name in HANDLER_CALLS:
            self.reasons.append((Signal.HANDLER, f"{name}()"))
        if name in CREDENTIAL_CHECKS:
            self.flask_reasons.append((Signal.REJECTION, f"{name}()"))
        if name in DSN_CONSUMERS:
            self.reasons.append((Signal.CREDENTIAL_URL, f"{name}()"))
        if name == "run" and len(node.args) >= 3 and _is_true(node.args[2]):
            self.reasons.append((Signal.DEBUG_ON, "run(host, port, True)"))
        arguments = [*node.args, *(k.value for k in node.keywords)]
        sink = name in SINK_NAMES if isinstance(func, ast.Name) else name in SINK_METHODS
        if sink and any(not isinstance(arg, ast.Constant) for arg in arguments):
            self.sink_call = True
        if arguments:
            self.call_arguments.append(arguments)

    def passes_request(self) -> bool:
        """The request object itself passed on (``log(request)``): request data too.

        Asked only when nothing else decided: it walks every call's arguments."""
        return self.request_named and any(
            isinstance(n, ast.Name) and n.id in self.request_names
            for arguments in self.call_arguments
            for arg in arguments
            for n in flatten(arg)
        )

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if any(_last_name(base) in LOGGER_BASES for base in node.bases):
            self.reasons.append((Signal.LOGGER_CLASS, f"class {node.name} is a logger"))
        # An exception class carrying 401/403 makes raising it a rejection, in any module.
        for stmt in node.body:
            if isinstance(stmt, ast.Assign | ast.AnnAssign):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                names = {t.id for t in targets if isinstance(t, ast.Name)}
                value = stmt.value.value if isinstance(stmt.value, ast.Constant) else None
                if names & STATUS_ATTRIBUTES and isinstance(value, int):
                    self.reasons.append(
                        (Signal.STATUS_CLASS, f"class {node.name} carries a status")
                    )

    def visit_Compare(self, node: ast.Compare) -> None:
        if any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
            for side in (node.left, *node.comparators):
                if _digest_like(side):
                    self.flask_reasons.append((Signal.DIGEST_COMPARE, "a MAC compared with =="))

    # -- try blocks -------------------------------------------------------------------------

    def visit_Try(self, node: ast.Try) -> None:
        if node.finalbody and any(True for _ in finally_exits(node.finalbody)):
            self.reasons.append((Signal.FINALLY_EXIT, "return/break/continue in finally"))

    # -- except blocks ----------------------------------------------------------------------

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        walked = flatten(ast.Module(body=node.body, type_ignores=[]))
        raises = any(isinstance(n, ast.Raise) for n in walked)
        broad = _is_broad(node.type)
        if broad and not raises:
            self.reasons.append((Signal.BROAD_EXCEPT, "broad except without raise"))
        # FLK203 judges broad handlers only; a raise keeps the traceback unless it is an
        # HTTP error or ``from None`` (any raise but a re-raise may be one).
        keeps = any(_reraises(n, node.name) for n in walked)
        if broad and not keeps and _drops_traceback(walked, self.bindings):
            self.reasons.append(
                (Signal.DROPPED_TRACEBACK, "error logged in except without its traceback")
            )
        if node.name and any(isinstance(n, ast.Name) and n.id == node.name for n in walked):
            self.flask_reasons.append((Signal.EXCEPTION_USED, "exception used in except"))


_HANDLERS: dict[type, Callable[[_Scan, Any], None]] = {
    getattr(ast, name.removeprefix("visit_")): method
    for name, method in vars(_Scan).items()
    if name.startswith("visit_")
}
_HANDLERS[ast.AsyncFunctionDef] = _Scan.visit_FunctionDef
if hasattr(ast, "TryStar"):  # Python 3.11+
    _HANDLERS[ast.TryStar] = _Scan.visit_Try

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)


def finally_exits(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """``return``/``break``/``continue`` lexically in a ``finally`` body that leave it:
    not in a nested function, nor (break/continue) in a loop wholly within it."""
    stack: list[tuple[ast.AST, bool]] = [(stmt, False) for stmt in body]
    while stack:
        node, in_loop = stack.pop()
        if isinstance(node, _SCOPES):
            continue
        jump = isinstance(node, ast.Break | ast.Continue)
        if isinstance(node, ast.Return) or (jump and not in_loop):
            assert isinstance(node, ast.stmt)
            yield node
        elif isinstance(node, _LOOPS):
            stack.extend((child, True) for child in node.body)
            stack.extend((child, in_loop) for child in node.orelse)
        else:
            stack.extend(
                (child, in_loop)
                for child in ast.iter_child_nodes(node)
                if isinstance(child, ast.stmt | ast.excepthandler | ast.match_case)
            )


def _reraises(node: ast.AST, caught: str | None) -> bool:
    """``raise``, ``raise e`` or ``raise X from e``: the caught exception goes on."""
    if not isinstance(node, ast.Raise):
        return False
    if node.exc is None:
        return True
    if isinstance(node.exc, ast.Name) and node.exc.id == caught:
        return True
    return isinstance(node.cause, ast.Name) and node.cause.id == caught


def _drops_traceback(walked: list[ast.AST], bindings: dict[str, str]) -> bool:
    """FLK203's shape: an error-level log and nothing in the block that keeps the traceback."""
    error_log = False
    for node in walked:
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Name):
            # ``from logging import error``: ``error("failed")``.
            bound = bindings.get(node.func.id, "")
            if bound.startswith("logging."):
                method = bound[len("logging.") :]
            else:
                continue
        elif isinstance(node.func, ast.Attribute):
            method = node.func.attr
        else:
            continue
        keeps = method in ("exception", "opt", "capture_exception", "log_exception") or any(
            k.arg in ("exc_info", "exception") for k in node.keywords
        )
        if keeps or method in TRACEBACK_TEXT:
            return False
        if method in ERROR_METHODS or method == "log":
            error_log = True
    return error_log


def _last_name(node: ast.expr) -> str:
    """``x`` of ``x`` or of ``a.b.x``; "" for anything else."""
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _digest_like(node: ast.expr) -> bool:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in ("hexdigest", "digest")
    lowered = _last_name(node).lower()
    return any(lowered == word or lowered.endswith("_" + word) for word in DIGEST_WORDS)


def _constant(node: ast.expr) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def _is_true(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _is_broad(exc_type: ast.expr | None) -> bool:
    if exc_type is None:
        return True
    if isinstance(exc_type, ast.Tuple | ast.List):
        return any(_is_broad(m) for m in exc_type.elts)  # nested tuples too
    if isinstance(exc_type, ast.Attribute):
        return exc_type.attr in BROAD  # ``builtins.Exception``
    return isinstance(exc_type, ast.Name) and exc_type.id in BROAD


def _dotted(node: ast.Attribute) -> str | None:
    parts = [node.attr]
    current: ast.expr = node.value
    while isinstance(current, ast.Attribute):
        parts.append(current.attr)
        current = current.value
    if not isinstance(current, ast.Name):
        return None
    parts.append(current.id)
    return ".".join(reversed(parts))
