"""Where a function's parameters come from, before any statement of it runs.

* URL rule variables of a view (``/invite/<token>``): request data, a credential
  when named like one;
* the arguments of Flask-HTTPAuth callbacks: the token of ``verify_token``, the
  password of ``verify_password`` (its username is request data, not a secret);
* parameters annotated as an HTTP client's response or request (``httpx.Response``);
* and, for same-module helpers, what their callers pass (``call_sites``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import libcst as cst

from .flask_model import decorator_call
from .imports import dotted_name
from .index import ModuleIndex, string_value
from .nodes import child_nodes

# Flask-HTTPAuth callbacks -> the position of the argument that is the credential.
CALLBACK_CREDENTIAL_POSITION = {"verify_token": 0, "header_loader": 0, "verify_password": 1}
# ``get_password(username)`` returns the password: none of its arguments is a secret.
REQUEST_DATA_CALLBACKS = frozenset({"get_password"})
ROUTE_DECORATORS = frozenset({"route", "get", "post", "put", "patch", "delete"})
_RULE_VARIABLE = re.compile(r"<(?:[^:<>]+:)?(\w+)>")

# A call site: the call, the scope it is in and the statement it belongs to.
CallSite = tuple[cst.Call, cst.CSTNode, cst.CSTNode]


def callback_roles(func: cst.FunctionDef, decorators: set[str]) -> dict[str, bool]:
    """Arguments of a Flask-HTTPAuth callback -> is it the credential (else request data)."""
    names = [p.name.value for p in (*func.params.posonly_params, *func.params.params)]
    if names and names[0] in ("self", "cls"):
        names = names[1:]
    out: dict[str, bool] = {}
    for callback in sorted(decorators & set(CALLBACK_CREDENTIAL_POSITION)):
        position = CALLBACK_CREDENTIAL_POSITION[callback]
        for index, name in enumerate(names):
            out[name] = out.get(name, False) or index == position
    if decorators & REQUEST_DATA_CALLBACKS:
        for name in names:
            out.setdefault(name, False)
    return out


def route_variables(func: cst.FunctionDef) -> list[str]:
    """``<token>``, ``<string:token>`` of every URL rule in the function's route decorators
    (also inside calls and concatenations: ``org_scoped_rule("/invite/<token>")``)."""
    out: list[str] = []
    for decorator in func.decorators:
        name, call = decorator_call(decorator)
        if call is None or name not in ROUTE_DECORATORS:
            continue
        for text in _strings(call):
            out.extend(m.group(1) for m in _RULE_VARIABLE.finditer(text))
    return out


def _strings(node: cst.CSTNode) -> Iterator[str]:
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.SimpleString):
            value = string_value(current)
            if value is not None:
                yield value
        elif isinstance(current, cst.FormattedStringText):
            yield current.value
        else:
            stack.extend(child_nodes(current))


def annotation_of(param: cst.Param, index: ModuleIndex) -> str | None:
    """The qualified name of a parameter's annotation (``httpx.Response``)."""
    if param.annotation is None:
        return None
    expr = param.annotation.annotation
    if isinstance(expr, cst.SimpleString):
        return None
    return index.imports.resolve(expr)


# Calls whose first argument (or ``certfile=``/``keyfile=``) is a file path.
PATH_OPENERS = frozenset(
    {
        "open",
        "Path",
        "load_cert_chain",
        "load_verify_locations",
        "load_pem_private_key",
        "read_file",
        "exists",
        "isfile",
    }
)
PATH_KEYWORDS = frozenset({"certfile", "keyfile", "key_file", "cert_file", "ca_certs", "cafile"})


@dataclass
class ModuleFacts:
    """What one walk over a module finds for the flow analysis."""

    # Calls of plain names and of ``self.``/``cls.`` methods, by the name called.
    calls: dict[str, list[CallSite]] = field(default_factory=dict)
    # Dotted names passed where a file path goes: ``open(x)``, ``keyfile=x``.
    paths: set[str] = field(default_factory=set)


def module_facts(module: cst.Module) -> ModuleFacts:
    """Call sites (each with the scope and the statement it belongs to, where the flow has
    an environment) and the names used as file paths."""
    facts = ModuleFacts()
    stack: list[tuple[cst.CSTNode, cst.CSTNode, cst.CSTNode]] = [
        (stmt, module, stmt) for stmt in reversed(module.body)
    ]
    push = stack.append
    while stack:
        node, scope, stmt = stack.pop()
        if isinstance(node, cst.FunctionDef):
            # Its body is a scope of its own (decorators and defaults are not followed).
            for inner in child_nodes(node.body):
                push((inner, node, inner))
            continue
        if isinstance(node, cst.Call):
            _record_call(facts, node, scope, stmt)
        for child in child_nodes(node):
            push((child, scope, child if type(child) in _STATEMENTS else stmt))
    return facts


def _statement_types() -> frozenset[type]:
    """Concrete statement classes (an ABC ``isinstance`` per node costs more than the walk)."""
    found: set[type] = set()
    for value in vars(cst).values():
        if isinstance(value, type) and issubclass(
            value, cst.BaseSmallStatement | cst.BaseCompoundStatement
        ):
            found.add(value)
    return frozenset(found)


_STATEMENTS = _statement_types()


def _record_call(facts: ModuleFacts, call: cst.Call, scope: cst.CSTNode, stmt: cst.CSTNode) -> None:
    name = _called_name(call.func)
    if name is not None:
        facts.calls.setdefault(name, []).append((call, scope, stmt))
    func = call.func
    leaf = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
    opener = leaf in PATH_OPENERS
    for position, arg in enumerate(call.args):
        keyword = arg.keyword.value if arg.keyword is not None else None
        if (opener and position == 0 and keyword is None) or keyword in PATH_KEYWORDS:
            dotted = dotted_name(arg.value)
            if dotted is not None:
                facts.paths.add(dotted)


def _called_name(func: cst.BaseExpression) -> str | None:
    if isinstance(func, cst.Name):
        return func.value
    if (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and func.value.value in ("self", "cls")
    ):
        return func.attr.value
    return None
