"""API-key checks, and whether the requests they admit can be traced to a key (FLK305).

An API-key check is an auth decorator (a function whose nested wrapper calls
the view it decorates), a ``before_request`` hook or a Flask-HTTPAuth
``verify_token`` callback that reads a credential from the request and rejects
when it is wrong. Its accepting path *records* who came in when it logs a key
identifier (a fingerprint, key id, owner), or stores one where request logs
find it: ``g.<anything>`` derived from the key or its owner, the request
context, ``login_user``, a structlog/contextvar binding, Sentry's ``set_user``,
or (``verify_token``) a returned user, which Flask-HTTPAuth keeps in ``g``.

``verify_password`` callbacks are not checks here: Flask-HTTPAuth stores the
username of every request they admit (``auth.current_user()``).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from . import flask_model as fm
from .effects import calls_in, statements_in
from .imports import dotted_name
from .index import Statement, blocks, body_of
from .nodes import bound_names, child_nodes
from .rejections import Category, Rejection, find_rejections, is_credential_check
from .sinks import classify_sink
from .taint import Kind, Origin, Taint

if TYPE_CHECKING:
    from .module import ModuleAnalysis

HOOKS = frozenset({"before_request", "before_app_request"})
TOKEN_CALLBACKS = frozenset({"verify_token"})
# Where a request's identity is kept for the rest of the request (and its logs).
CONTEXT_STORES = frozenset({"flask.g", "flask.request", "flask.session"})
_CTX_STACK = re.compile(r"(^|\.)_?(request|app)_ctx_stack\.top$")
RECORD_CALLS = frozenset(
    {
        "login_user",
        "set_user",
        "bind_contextvars",
        "bind_threadlocal",
        "set_current_user",
        "set_identity",
    }
)
_RECORD_NAME = re.compile(
    r"^_?(set|store|record|remember|bind|log|audit)_(current_)?"
    r"(user|identity|principal|client|account|caller|owner|key_id|api_key_id|key_use|access)\w*$"
)
# Words that make a logged value an identifier of the key or its owner.
IDENTITY_WORDS = frozenset(
    {
        "id",
        "uid",
        "fingerprint",
        "user",
        "username",
        "owner",
        "account",
        "client",
        "principal",
        "email",
        "login",
        "identity",
        "subject",
        "sub",
        "tenant",
        "customer",
    }
)
_TOKENS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_NOT_A_KEY = re.compile(r"csrf|xsrf|nonce", re.IGNORECASE)
# Calls that answer yes or no (``check_token``/``validate_token`` often return the user).
_BOOLEAN_CALLS = re.compile(
    r"^_?(bool|is_\w+|has_\w+|compare_digest|\w*checkpw|check_password_hash|safe_str_cmp)$"
)


class CheckKind(enum.Enum):
    DECORATOR = "auth decorator"
    HOOK = "before_request hook"
    CALLBACK = "verify_token callback"


@dataclass(frozen=True)
class KeyCheck:
    kind: CheckKind
    func: cst.FunctionDef  # what is reported: the decorator, hook or callback
    body: cst.FunctionDef  # where the check runs (a decorator's wrapper)
    recorded: bool
    # The accepting statement a record can be inserted before (None: the end of ``body``).
    anchor: cst.CSTNode | None
    key: str | None  # a variable holding the presented key there


# -- what a function is ------------------------------------------------------------------


def key_check(analysis: ModuleAnalysis, func: cst.FunctionDef) -> KeyCheck | None:
    """``func`` as an API-key check, or None when it is not one."""
    index = analysis.index
    names = {name for dec in func.decorators if (name := fm.decorator_call(dec)[0]) is not None}
    if names & TOKEN_CALLBACKS and _is_attribute_decorator(func, TOKEN_CALLBACKS):
        return _callback(analysis, func)
    if names & HOOKS or func.name.value in registered_hooks(analysis):
        if func in index.class_of:
            return None
        return _guard(analysis, CheckKind.HOOK, func, func)
    wrapper = decorator_wrapper(func)
    if wrapper is not None:
        return _guard(analysis, CheckKind.DECORATOR, func, wrapper)
    return None


def _is_attribute_decorator(func: cst.FunctionDef, names: frozenset[str]) -> bool:
    """``@auth.verify_token``, not a bare ``@verify_token`` of the project."""
    for dec in func.decorators:
        target = dec.decorator.func if isinstance(dec.decorator, cst.Call) else dec.decorator
        if isinstance(target, cst.Attribute) and target.attr.value in names:
            return True
    return False


def registered_hooks(analysis: ModuleAnalysis) -> frozenset[str]:
    """Functions registered by ``app.before_request(check_key)`` anywhere in the module."""
    cached = analysis.cache.get("registered_hooks")
    if isinstance(cached, frozenset):
        return cached
    found: set[str] = set()
    if "before_request" in analysis.source or "before_app_request" in analysis.source:
        for call in _all_statement_calls(analysis.module.body):
            func = call.func
            if (
                isinstance(func, cst.Attribute)
                and func.attr.value in HOOKS
                and call.args
                and isinstance(call.args[0].value, cst.Name)
            ):
                found.add(call.args[0].value.value)
    result = frozenset(found)
    analysis.cache["registered_hooks"] = result
    return result


def _all_statement_calls(stmts: Sequence[Statement]) -> Iterator[cst.Call]:
    """Calls standing as statements, in every function and class of the module."""
    for stmt in stmts:
        if isinstance(stmt, cst.SimpleStatementLine | cst.SimpleStatementSuite):
            for small in stmt.body:
                if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                    yield small.value
        elif isinstance(stmt, cst.BaseCompoundStatement):
            for block in blocks(stmt):
                yield from _all_statement_calls(block)


def decorator_wrapper(func: cst.FunctionDef) -> cst.FunctionDef | None:
    """The nested function of a decorator that calls the function it decorates."""
    params = [p.name.value for p in func.params.params]
    if params and params[0] in ("self", "cls"):
        params = params[1:]
    if len(params) != 1:
        return None
    decorated = params[0]
    for stmt in body_of(func.body):
        if isinstance(stmt, cst.FunctionDef) and any(
            isinstance(call.func, cst.Name) and call.func.value == decorated
            for call in _calls_in_body(stmt)
        ):
            return stmt
    return None


def _calls_in_body(func: cst.FunctionDef) -> Iterator[cst.Call]:
    for stmt in body_of(func.body):
        yield from calls_in(stmt)


def report_target(analysis: ModuleAnalysis, func: cst.FunctionDef) -> cst.FunctionDef:
    """A decorator made by a factory (``def require(scope): def deco(f): ...``) is
    reported at the factory, the name users write."""
    parent = analysis.index.parent_scope.get(func)
    if isinstance(parent, cst.FunctionDef) and any(
        isinstance(small, cst.Return)
        and isinstance(small.value, cst.Name)
        and small.value.value == func.name.value
        for stmt in body_of(parent.body)
        for small in _smalls(stmt)
    ):
        return parent
    return func


def _smalls(stmt: cst.CSTNode) -> Sequence[cst.BaseSmallStatement]:
    if isinstance(stmt, cst.SimpleStatementLine | cst.SimpleStatementSuite):
        return stmt.body
    return ()


# -- checks ------------------------------------------------------------------------------


def _rejections(analysis: ModuleAnalysis, func: cst.FunctionDef) -> list[Rejection]:
    key = ("rejections", func)  # shared with RuleContext.rejections
    cached = analysis.cache.get(key)
    if not isinstance(cached, list):
        cached = find_rejections(analysis, func)
        analysis.cache[key] = cached
    return cached


def _guard(
    analysis: ModuleAnalysis, kind: CheckKind, func: cst.FunctionDef, body: cst.FunctionDef
) -> KeyCheck | None:
    """A decorator or hook that rejects a request whose key is missing or wrong."""
    rejections = [r for r in _rejections(analysis, body) if r.category is Category.AUTHENTICATION]
    if not rejections or not reads_key(analysis, body):
        return None
    derived = derived_names(analysis, body)
    tests = enclosing_tests(body)
    if not any(
        "401" in r.form or _key_related(analysis, body, tests.get(r.statement, ()), derived)
        for r in rejections
    ):
        return None  # it rejects for something else (a CSRF token, a role)
    rejecting = frozenset(r.statement for r in rejections)
    recorded = any(
        records(analysis, body, small, derived) for small in accepting_smalls(body, rejecting)
    )
    if kind is CheckKind.DECORATOR:
        anchor, key = _record_site(analysis, body, func)
    else:
        anchor, key = None, _key_variable(analysis, body, None)
    return KeyCheck(kind, func, body, recorded, anchor, key)


Guard = tuple[cst.CSTNode, cst.CSTNode]  # a condition and the statement it is evaluated at


def enclosing_tests(func: cst.FunctionDef) -> dict[cst.CSTNode, tuple[Guard, ...]]:
    """For each small statement, the conditions it runs under: the tests of the ``if``/
    ``while`` statements around it, and the body of a ``try`` around an ``except``."""
    out: dict[cst.CSTNode, tuple[Guard, ...]] = {}
    _collect_tests(body_of(func.body), (), out)
    return out


def _collect_tests(
    stmts: Sequence[Statement], tests: tuple[Guard, ...], out: dict[cst.CSTNode, tuple[Guard, ...]]
) -> None:
    for stmt in stmts:
        if isinstance(stmt, cst.SimpleStatementLine | cst.SimpleStatementSuite):
            for small in stmt.body:
                out[small] = tests
        elif isinstance(stmt, cst.If):
            inner = (*tests, (stmt.test, stmt))
            _collect_tests(body_of(stmt.body), inner, out)
            if isinstance(stmt.orelse, cst.If):
                _collect_tests((stmt.orelse,), inner, out)
            elif stmt.orelse is not None:
                _collect_tests(body_of(stmt.orelse.body), inner, out)
        elif isinstance(stmt, cst.Try | cst.TryStar):
            _collect_tests(body_of(stmt.body), tests, out)
            for handler in stmt.handlers:
                _collect_tests(body_of(handler.body), (*tests, (stmt.body, stmt)), out)
            for extra in (stmt.orelse, stmt.finalbody):
                if extra is not None:
                    _collect_tests(body_of(extra.body), tests, out)
        elif isinstance(stmt, cst.While):
            _collect_tests(body_of(stmt.body), (*tests, (stmt.test, stmt)), out)
        elif isinstance(stmt, cst.BaseCompoundStatement) and not isinstance(
            stmt, cst.FunctionDef | cst.ClassDef
        ):
            for block in blocks(stmt):
                _collect_tests(block, tests, out)


def _key_related(
    analysis: ModuleAnalysis,
    func: cst.FunctionDef,
    tests: Sequence[Guard],
    derived: frozenset[str],
) -> bool:
    """Does one of these conditions read the key, check a credential or use what the key
    found (``if user is None``)?"""
    for test, at in tests:
        if any(is_credential_check(call) for call in calls_in(test)):
            return True
        if _mentions(test, derived - {"current_user"}):
            return True
        if any(_key_taint(analysis.taint(leaf, func, at)) for leaf in _leaves(test)):
            return True
    return False


def _callback(analysis: ModuleAnalysis, func: cst.FunctionDef) -> KeyCheck:
    """A ``verify_token`` callback: ``return True`` admits, a falsy return rejects."""
    rejecting = frozenset(
        small
        for small in statements_in(body_of(func.body))
        if isinstance(small, cst.Return) and _falsy(small.value)
    )
    derived = derived_names(analysis, func)
    accepting = list(accepting_smalls(func, rejecting))
    recorded = any(
        records(analysis, func, small, derived)
        or (isinstance(small, cst.Return) and _returns_identity(small.value, func))
        for small in accepting
    )
    anchor = next((s for s in accepting if isinstance(s, cst.Return)), None)
    params = [p.name.value for p in func.params.params]
    return KeyCheck(CheckKind.CALLBACK, func, func, recorded, anchor, params[0] if params else None)


def reads_key(analysis: ModuleAnalysis, func: cst.FunctionDef) -> bool:
    """Does ``func`` read a credential from the request (or call a credential check)?"""
    flow = analysis.flow(func)
    if any(_from_request(value) for value in flow.final.values()):
        return True
    for stmt in statements_in(body_of(func.body)):
        if isinstance(stmt, cst.If | cst.While):
            expr: cst.CSTNode = stmt.test
            if any(is_credential_check(call) for call in calls_in(stmt.test)):
                return True
        elif isinstance(stmt, cst.BaseSmallStatement):
            expr = stmt
        else:
            continue
        if any(_from_request(analysis.taint(leaf, func, stmt)) for leaf in _leaves(expr)):
            return True
    return False


def _from_request(value: Taint) -> bool:
    """A key presented with the request (not a CSRF token bound to the session)."""
    return any(
        label.origin is Origin.REQUEST and not _NOT_A_KEY.search(label.what)
        for label in value.of(Kind.CRED)
    )


def _key_taint(value: Taint) -> bool:
    return any(not _NOT_A_KEY.search(label.what) for label in value.of(Kind.CRED))


def _leaves(expr: cst.CSTNode) -> Iterator[cst.BaseExpression]:
    """Every name, attribute, subscript and call in ``expr`` (outside lambdas)."""
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Call | cst.Subscript | cst.Attribute | cst.Name):
            yield node
        if not isinstance(node, cst.Lambda):
            stack.extend(child_nodes(node))


# -- the accepting path --------------------------------------------------------------------


def accepting_smalls(
    func: cst.FunctionDef, rejecting: frozenset[cst.CSTNode]
) -> Iterator[cst.BaseSmallStatement]:
    """Small statements that may run when the request is admitted: not those of a block
    that ends in a rejection (its log call records the failure, not the key's use)."""
    yield from _block_smalls(body_of(func.body), rejecting)


def _block_smalls(
    stmts: Sequence[Statement], rejecting: frozenset[cst.CSTNode]
) -> Iterator[cst.BaseSmallStatement]:
    """In a block that ends in a rejection, the simple statements after its last compound
    statement lead only to the rejection; those before it may lead to an accepting path."""
    tail = len(stmts)
    for position, stmt in enumerate(stmts):
        if any(small in rejecting for small in _smalls(stmt)):
            tail = position
            break
    if tail < len(stmts):
        compounds = [i for i in range(tail) if isinstance(stmts[i], cst.BaseCompoundStatement)]
        tail = compounds[-1] + 1 if compounds else 0
    for position, stmt in enumerate(stmts):
        if isinstance(stmt, cst.SimpleStatementLine | cst.SimpleStatementSuite):
            if position < tail:
                yield from stmt.body
        elif isinstance(stmt, cst.FunctionDef | cst.ClassDef):
            continue
        elif isinstance(stmt, cst.BaseCompoundStatement):
            for block in blocks(stmt):
                yield from _block_smalls(block, rejecting)


def derived_names(analysis: ModuleAnalysis, func: cst.FunctionDef) -> frozenset[str]:
    """Variables holding the key or something found with it (its owner, its record)."""
    flow = analysis.flow(func)
    found = {
        name
        for env in (flow.final, *flow.env_at.values())
        for name, value in env.items()
        if _key_taint(value)
    }
    found.add("current_user")
    assignments = list(_assignments(func))
    for targets, value, stmt in assignments:
        # ``user = User.query.filter_by(api_key=request.args["key"]).first()``
        if any(_key_taint(analysis.taint(leaf, func, stmt)) for leaf in _leaves(value)):
            found.update(targets)
    for _ in range(2):
        for targets, value, _stmt in assignments:
            if _mentions(value, found):
                found.update(targets)
    return frozenset(found)


def _assignments(
    func: cst.FunctionDef,
) -> Iterator[tuple[set[str], cst.BaseExpression, cst.CSTNode]]:
    for stmt in statements_in(body_of(func.body)):
        if isinstance(stmt, cst.Assign):
            targets = {n for t in stmt.targets for n in bound_names(t.target)}
            yield targets, stmt.value, stmt
        elif isinstance(stmt, cst.AnnAssign | cst.AugAssign) and stmt.value is not None:
            yield set(bound_names(stmt.target)), stmt.value, stmt
        elif isinstance(stmt, cst.With):
            for item in stmt.items:
                if item.asname is not None:
                    yield set(bound_names(item.asname.name)), item.item, stmt


def _mentions(expr: cst.CSTNode, names: frozenset[str] | set[str]) -> bool:
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name) and node.value in names:
            return True
        if not isinstance(node, cst.Lambda | cst.FunctionDef):
            stack.extend(child_nodes(node))
    return False


# -- records ---------------------------------------------------------------------------------


def records(
    analysis: ModuleAnalysis,
    func: cst.FunctionDef,
    small: cst.BaseSmallStatement,
    derived: frozenset[str],
) -> bool:
    """Does this statement record which key (or whose) came in?"""
    if isinstance(small, cst.Assign | cst.AnnAssign | cst.AugAssign) and small.value is not None:
        targets = (
            [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
        )
        if any(_is_context_store(t, analysis) for t in targets) and _identifies(
            small.value, derived, analysis, func, small
        ):
            return True
    return any(_records_call(analysis, func, small, call, derived) for call in calls_in(small))


def _is_context_store(target: cst.BaseExpression, analysis: ModuleAnalysis) -> bool:
    """``g.user``, ``request.api_key_id``, ``session["user_id"]``, ``_request_ctx_stack.top.user``."""
    if isinstance(target, cst.Subscript | cst.Attribute):
        return _is_context_object(target.value, analysis)
    return False


def _is_context_object(expr: cst.BaseExpression, analysis: ModuleAnalysis) -> bool:
    if analysis.index.imports.resolve(expr) in CONTEXT_STORES:
        return True
    receiver = dotted_name(expr)
    return receiver is not None and bool(_CTX_STACK.search(receiver))


def _identifies(
    value: cst.BaseExpression,
    derived: frozenset[str],
    analysis: ModuleAnalysis,
    func: cst.FunctionDef,
    stmt: cst.CSTNode,
) -> bool:
    """A value derived from the key or its owner (not a flag or a timestamp)."""
    if _mentions(value, derived):
        return True
    return analysis.taint(value, func, stmt).has(Kind.CRED)


def _records_call(
    analysis: ModuleAnalysis,
    func: cst.FunctionDef,
    small: cst.BaseSmallStatement,
    call: cst.Call,
    derived: frozenset[str],
) -> bool:
    called = dotted_name(call.func) or ""
    last = called.rsplit(".", 1)[-1]
    arguments = [arg.value for arg in call.args]
    if last in RECORD_CALLS or _RECORD_NAME.match(last) or called.startswith("identity_changed."):
        return any(_mentions(a, derived) for a in arguments)
    if last == "setattr" and arguments and _is_context_object(arguments[0], analysis):
        return any(_mentions(a, derived) for a in arguments[2:])
    if last == "set" and _is_context_var(call.func, analysis):
        return any(_mentions(a, derived) for a in arguments)
    sink = classify_sink(call, analysis)
    if sink is not None:
        return any(
            _logs_identity(arg.value, arg, derived, analysis, func, small) for arg in sink.args
        )
    target = analysis.index.functions.get(called)
    return (
        target is not None
        and target is not func
        and any(_mentions(a, derived) for a in arguments)
        and _stores_in_context(target, analysis)
    )


def _is_context_var(func: cst.BaseExpression, analysis: ModuleAnalysis) -> bool:
    """``request_key.set(...)`` on a module-level ``contextvars.ContextVar``."""
    if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name):
        return False
    name = func.value.value
    for stmt in analysis.module.body:
        for small in _smalls(stmt):
            if (
                isinstance(small, cst.Assign)
                and any(
                    isinstance(t.target, cst.Name) and t.target.value == name for t in small.targets
                )
                and isinstance(small.value, cst.Call)
                and (analysis.index.imports.resolve(small.value.func) or "").endswith("ContextVar")
            ):
                return True
    return False


def _stores_in_context(target: cst.FunctionDef, analysis: ModuleAnalysis) -> bool:
    """A project helper that puts something in ``g``/the request, or logs a user in."""
    for small in statements_in(body_of(target.body)):
        if isinstance(small, cst.Assign) and any(
            _is_context_store(t.target, analysis) for t in small.targets
        ):
            return True
        if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
            called = dotted_name(small.value.func) or ""
            if called.rsplit(".", 1)[-1] in RECORD_CALLS:
                return True
    return False


def _logs_identity(
    expr: cst.BaseExpression,
    arg: cst.Arg,
    derived: frozenset[str],
    analysis: ModuleAnalysis,
    func: cst.FunctionDef,
    stmt: cst.CSTNode,
) -> bool:
    """A logged value that says which key or whose: derived from the key, or named as an
    identifier (``key_id``, ``user.id``, ``extra={"owner": ...}``)."""
    if isinstance(expr, cst.SimpleString | cst.ConcatenatedString | cst.Integer):
        return False
    if (
        arg.keyword is not None
        and identity_name(arg.keyword.value)
        and arg.keyword.value != "extra"
    ):
        return True
    if _mentions(expr, derived) or analysis.taint(expr, func, stmt).has(Kind.CRED):
        return True
    return any(identity_name(word) for word in _names_in(expr))


def _names_in(expr: cst.CSTNode) -> Iterator[str]:
    """Identifiers, attribute names and string dict keys of an expression."""
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            yield node.value
        elif isinstance(node, cst.Attribute):
            yield node.attr.value
        elif isinstance(node, cst.DictElement) and isinstance(node.key, cst.SimpleString):
            yield node.key.value.strip("'\"")
        if not isinstance(node, cst.Lambda):
            stack.extend(child_nodes(node))


def identity_name(name: str) -> bool:
    """``key_id``, ``user``, ``owner_email``, ``fingerprint``: a name for who or which key."""
    words = [w.lower() for w in _TOKENS.findall(name)]
    return any(word in IDENTITY_WORDS for word in words)


# -- callbacks' returns ----------------------------------------------------------------------


def _falsy(value: cst.BaseExpression | None) -> bool:
    return value is None or (isinstance(value, cst.Name) and value.value in ("False", "None"))


def _returns_identity(value: cst.BaseExpression | None, func: cst.FunctionDef) -> bool:
    """``return user`` (Flask-HTTPAuth keeps it as ``auth.current_user()``), not ``return True``."""
    if value is None or _is_boolean(value):
        return False
    if isinstance(value, cst.Name):
        assigned = [v for targets, v, _ in _assignments(func) if value.value in targets]
        return bool(assigned) and not all(_is_boolean(v) for v in assigned)
    return not isinstance(value, cst.SimpleString | cst.Integer)


def _is_boolean(value: cst.BaseExpression) -> bool:
    if isinstance(value, cst.Name):
        return value.value in ("True", "False", "None")
    if isinstance(value, cst.Comparison | cst.BooleanOperation):
        return True
    if isinstance(value, cst.UnaryOperation):
        return isinstance(value.operator, cst.Not)
    if isinstance(value, cst.Call):
        called = dotted_name(value.func)
        return called is not None and bool(_BOOLEAN_CALLS.match(called.rsplit(".", 1)[-1]))
    return False


# -- where a record goes ---------------------------------------------------------------------


def _record_site(
    analysis: ModuleAnalysis, wrapper: cst.FunctionDef, decorator: cst.FunctionDef
) -> tuple[cst.CSTNode | None, str | None]:
    """Where a decorator admits the request (``return view(*args, **kwargs)``) with the
    key in a variable: the first such call where one holds it, else the first call."""
    params = decorator.params.params
    decorated = params[-1].name.value if params else None  # (self, view) or (view)
    calls = [
        stmt
        for stmt in statements_in(body_of(wrapper.body))
        if isinstance(stmt, cst.SimpleStatementLine)
        and any(
            isinstance(call.func, cst.Name) and call.func.value == decorated
            for small in stmt.body
            for call in calls_in(small)
        )
    ]
    for stmt in calls:
        key = _key_variable(analysis, wrapper, stmt)
        if key is not None:
            return stmt, key
    return (calls[0] if calls else None), None


def _key_variable(
    analysis: ModuleAnalysis, func: cst.FunctionDef, anchor: cst.CSTNode | None
) -> str | None:
    """The first-assigned variable holding the presented key where the record goes (the
    key as read, rather than what was decoded from it)."""
    flow = analysis.flow(func)
    env = flow.env_before(anchor) if anchor is not None else flow.final
    holding = {name for name, value in env.items() if _from_request(value)}
    order = [
        name for targets, _, _ in _assignments(func) for name in sorted(targets) if name in holding
    ]
    return order[0] if order else None


# -- hooks that record for everyone (the project summary) -------------------------------------


def key_recorders(analysis: ModuleAnalysis) -> tuple[str, ...]:
    """``before_request`` hooks of this module that read the key and record which one came in:
    every request of the app is then traced to its key, whatever check admits it."""
    cached = analysis.cache.get("key_recorders")
    if isinstance(cached, tuple):
        return cached
    found = []
    source = analysis.source
    if "before_request" in source or "before_app_request" in source:
        hooks = registered_hooks(analysis)
        index = analysis.index
        for func in index.parent_scope:  # every function, nested ones included
            if not isinstance(func, cst.FunctionDef) or func in index.class_of:
                continue
            name = func.name.value
            decorators = {fm.decorator_call(d)[0] for d in func.decorators}
            if (decorators & HOOKS or name in hooks) and _records_key(analysis, func):
                found.append(name)
    result = tuple(sorted(set(found)))
    analysis.cache["key_recorders"] = result
    return result


def _records_key(analysis: ModuleAnalysis, func: cst.FunctionDef) -> bool:
    if not reads_key(analysis, func):
        return False
    rejecting = frozenset(r.statement for r in _rejections(analysis, func))
    derived = derived_names(analysis, func)
    return any(records(analysis, func, s, derived) for s in accepting_smalls(func, rejecting))
