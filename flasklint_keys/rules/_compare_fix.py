"""FLK303's fix: ``a == b`` -> ``hmac.compare_digest(a, b)``, only where it cannot raise.

``compare_digest`` raises ``TypeError`` where ``==`` quietly answered ``False``: on
``None``, on a dict, an enum member or a number, on a ``str`` against ``bytes``, and
on a ``str`` that is not ASCII. A fix that turns a rejected request into a crash (or
a session save into one on every request) is worse than the timing channel, so the
fix is offered only when both operands are known ``str`` or both known ``bytes``,
neither can be ``None`` on that path, and text the client chose is compared as its
UTF-8 bytes (which match exactly when the strings do).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence

import libcst as cst
from libcst.helpers import parse_template_expression

from ..analysis.index import body_of
from ..analysis.nodes import bound_names, child_nodes
from ..core.model import Applicability
from ._imports import reference
from .base import NodeFix, Replacement, RuleContext

REQUEST_MAPPINGS = ("headers", "args", "form", "values", "cookies")
# ``request.headers.get(name)``: None when absent; given a ``""`` default it is a str that
# matches only an empty secret, which an empty header matched already.
REQUEST_GETTERS = frozenset(f"flask.request.{mapping}.get" for mapping in REQUEST_MAPPINGS)
REQUEST_ITEMS = frozenset(f"flask.request.{mapping}" for mapping in REQUEST_MAPPINGS)
ENVIRON = frozenset({"os.environ"})
ENV_GETTERS = frozenset({"os.environ.get", "os.getenv"})
# Calls whose result is a str (ASCII: a hex digest, a token) or bytes, whatever they are given.
ASCII_CALLS = frozenset({"secrets.token_hex", "secrets.token_urlsafe"})
BYTES_CALLS = frozenset(
    {"base64.b64encode", "base64.urlsafe_b64encode", "base64.b64decode", "secrets.token_bytes"}
)
BYTES_ATTRIBUTES = frozenset({"flask.request.data"})
BYTES_METHODS = frozenset({"digest", "encode", "get_data"})
STR_METHODS = frozenset({"decode", "format", "join"})
ASCII_METHODS = frozenset({"hexdigest"})
# Methods that return what they are called on (a str of a str, bytes of bytes).
SAME_METHODS = frozenset({"strip", "lstrip", "rstrip", "lower", "upper", "replace"})
MAX_DEPTH = 4


class Kind(enum.Enum):
    ASCII = "ascii"  # a str that is ASCII by construction (a hex digest, an ASCII literal)
    STR = "str"
    BYTES = "bytes"
    DEFAULTABLE = "defaultable"  # request data read with ``.get(name)``: str once defaulted


def compare_digest_fix(ctx: RuleContext, node: cst.Comparison) -> NodeFix | None:
    """``a == b`` -> ``hmac.compare_digest(a, b)``; ``a != b`` -> ``not hmac.compare_digest(a, b)``."""
    if len(node.comparisons) != 1:
        return None
    target = node.comparisons[0]
    if not isinstance(target.operator, cst.Equal | cst.NotEqual):
        return None
    left_kind = _kind(ctx, node.left, node)
    right_kind = _kind(ctx, target.comparator, node)
    if left_kind is None or right_kind is None:
        return None
    if (left_kind is Kind.BYTES) != (right_kind is Kind.BYTES):
        return None  # str against bytes: == is always False, compare_digest raises
    compare = reference(ctx.module, ctx.index, "hmac", "compare_digest")
    if compare is None:
        return None
    encode = bool({left_kind, right_kind} & {Kind.STR, Kind.DEFAULTABLE})
    call = parse_template_expression(
        compare.code + "({left}, {right})",
        left=_operand(node.left, left_kind, encode),
        right=_operand(target.comparator, right_kind, encode),
    )
    new: cst.BaseExpression = call
    if isinstance(target.operator, cst.NotEqual):
        new = cst.UnaryOperation(operator=cst.Not(), expression=call)
    return NodeFix(
        "Compare with hmac.compare_digest()",
        Applicability.UNSAFE,
        (Replacement(node, new.with_changes(lpar=node.lpar, rpar=node.rpar)),),
        (compare.needs_import,) if compare.needs_import else (),
    )


def _operand(expr: cst.BaseExpression, kind: Kind, encode: bool) -> cst.BaseExpression:
    bare = expr.with_changes(lpar=(), rpar=()) if getattr(expr, "lpar", ()) else expr
    if kind is Kind.DEFAULTABLE:
        assert isinstance(bare, cst.Call)
        first = bare.args[0].with_changes(
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        )
        bare = bare.with_changes(args=(first, cst.Arg(cst.SimpleString('""'))))
    if not encode or kind is Kind.BYTES:
        return bare
    atomic = isinstance(bare, cst.Name | cst.Attribute | cst.Call | cst.Subscript)
    receiver = (
        bare if atomic else bare.with_changes(lpar=(cst.LeftParen(),), rpar=(cst.RightParen(),))
    )
    return cst.Call(func=cst.Attribute(value=receiver, attr=cst.Name("encode")))


# -- what an operand is ------------------------------------------------------------------------


def _kind(
    ctx: RuleContext, expr: cst.BaseExpression, at: cst.CSTNode, depth: int = 0
) -> Kind | None:
    """str, bytes (never None) or unknown (None) -- by construction, not by name."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(expr, cst.SimpleString | cst.ConcatenatedString):
        return _literal_kind(expr)
    if isinstance(expr, cst.FormattedString):
        return Kind.STR
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return _joined(_kind(ctx, expr.left, at, depth + 1), _kind(ctx, expr.right, at, depth + 1))
    if isinstance(expr, cst.Call):
        return _call_kind(ctx, expr, at, depth)
    if isinstance(expr, cst.Subscript):
        base = ctx.index.imports.resolve(expr.value)
        return Kind.STR if base in REQUEST_ITEMS or base in ENVIRON else None
    if isinstance(expr, cst.Attribute):
        return Kind.BYTES if ctx.index.imports.resolve(expr) in BYTES_ATTRIBUTES else None
    if isinstance(expr, cst.Name):
        return _name_kind(ctx, expr.value, at, depth)
    return None


def _literal_kind(expr: cst.SimpleString | cst.ConcatenatedString) -> Kind | None:
    value = expr.evaluated_value
    if isinstance(value, bytes):
        return Kind.BYTES
    if isinstance(value, str):
        return Kind.ASCII if value.isascii() else Kind.STR
    return None


def _joined(left: Kind | None, right: Kind | None) -> Kind | None:
    if left is None or right is None or Kind.DEFAULTABLE in (left, right):
        return None
    if Kind.BYTES in (left, right):
        return Kind.BYTES if left is right else None
    return Kind.ASCII if left is right is Kind.ASCII else Kind.STR


def _call_kind(ctx: RuleContext, call: cst.Call, at: cst.CSTNode, depth: int) -> Kind | None:
    qualified = ctx.index.imports.resolve(call.func)
    if qualified in REQUEST_GETTERS or qualified in ENV_GETTERS:
        return _getter_kind(ctx, call, qualified in REQUEST_GETTERS, at, depth)
    if qualified in ASCII_CALLS:
        return Kind.ASCII
    if qualified in BYTES_CALLS:
        return Kind.BYTES
    if qualified in ("str", "builtins.str") or (
        isinstance(call.func, cst.Name) and call.func.value == "str"
    ):
        return Kind.STR if call.args else None
    if not isinstance(call.func, cst.Attribute):
        return None
    method = call.func.attr.value
    if method in ASCII_METHODS:
        return Kind.ASCII
    if method in BYTES_METHODS:
        return Kind.BYTES
    if method in STR_METHODS:
        return Kind.STR
    if method in SAME_METHODS:
        inner = _kind(ctx, call.func.value, at, depth + 1)
        return None if inner is Kind.DEFAULTABLE else inner
    return None


def _getter_kind(
    ctx: RuleContext, call: cst.Call, request: bool, at: cst.CSTNode, depth: int
) -> Kind | None:
    args = call.args
    if any(arg.star or arg.keyword is not None for arg in args):
        return None
    if len(args) == 2:
        default = _kind(ctx, args[1].value, at, depth + 1)
        return Kind.STR if default in (Kind.ASCII, Kind.STR) else None
    if len(args) == 1 and request:
        return Kind.DEFAULTABLE
    return None


def _name_kind(ctx: RuleContext, name: str, at: cst.CSTNode, depth: int) -> Kind | None:
    """A name bound once, in the function (not a parameter) or else at module level."""
    func = ctx.function
    if func is not None:
        if any(param.name.value == name for param in _params(func)):
            return None
        values = list(_assigned(body_of(func.body), name))
        if values:
            if len(values) != 1 or values[0] is None:
                return None
            kind = _kind(ctx, values[0], at, depth + 1)
            if kind is Kind.DEFAULTABLE:
                # ``key = request.headers.get(...)``: a str only once ``if not key: abort()``.
                return Kind.STR if _guarded(func, name, at) else None
            return kind
    if any(_binds_in(scope, name) for scope in ctx.scopes if scope is not func):
        return None  # a closure's variable (a decorator's parameter): not followed
    values = list(_assigned(ctx.module.body, name))
    if len(values) != 1 or values[0] is None:
        return None
    kind = _kind(ctx, values[0], at, depth + 1)
    return None if kind is Kind.DEFAULTABLE else kind


def _binds_in(scope: cst.CSTNode, name: str) -> bool:
    """Does an enclosing function bind ``name`` (a parameter or an assignment)?"""
    if not isinstance(scope, cst.FunctionDef):
        return False
    return any(param.name.value == name for param in _params(scope)) or any(
        True for _ in _assigned(body_of(scope.body), name)
    )


def _params(func: cst.FunctionDef) -> Iterator[cst.Param]:
    params = func.params
    yield from params.posonly_params
    yield from params.params
    yield from params.kwonly_params
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            yield star


def _assigned(body: Sequence[cst.CSTNode], name: str) -> Iterator[cst.BaseExpression | None]:
    """Every value bound to ``name`` in a body (None: bound in a way not followed), not
    looking into nested functions and classes."""
    stack: list[cst.CSTNode] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, cst.FunctionDef | cst.ClassDef | cst.Lambda):
            continue
        if isinstance(node, cst.Assign):
            for target in node.targets:
                if name in bound_names(target.target):
                    yield node.value if isinstance(target.target, cst.Name) else None
        elif isinstance(node, cst.AnnAssign | cst.AugAssign | cst.NamedExpr):
            if name in bound_names(node.target):
                yield node.value if isinstance(node, cst.AnnAssign) and node.value else None
        elif isinstance(node, cst.For | cst.CompFor):
            if name in bound_names(node.target):
                yield None
        elif isinstance(node, cst.AsName) and name in bound_names(node.name):
            yield None
        stack.extend(child_nodes(node))


# -- ``if not key: abort(401)`` before the comparison --------------------------------------------


def _guarded(func: cst.FunctionDef, name: str, at: cst.CSTNode) -> bool:
    """Does a statement before the one holding ``at``, in the function's body, leave when
    ``name`` is falsy or None?"""
    for stmt in body_of(func.body):
        if _contains(stmt, at):
            return False
        if isinstance(stmt, cst.If) and _tests_missing(stmt.test, name) and _leaves(stmt.body):
            return True
    return False


def _contains(node: cst.CSTNode, target: cst.CSTNode) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if current is target:
            return True
        stack.extend(child_nodes(current))
    return False


def _tests_missing(test: cst.BaseExpression, name: str) -> bool:
    """``not key``, ``key is None``, or either among the operands of an ``or``."""
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.Or):
        return _tests_missing(test.left, name) or _tests_missing(test.right, name)
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return isinstance(test.expression, cst.Name) and test.expression.value == name
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        return (
            isinstance(target.operator, cst.Is)
            and isinstance(test.left, cst.Name)
            and test.left.value == name
            and isinstance(target.comparator, cst.Name)
            and target.comparator.value == "None"
        )
    return False


def _leaves(suite: cst.BaseSuite) -> bool:
    """Its last statement returns, raises or aborts."""
    body = body_of(suite)
    if not body:
        return False
    last = body[-1]
    smalls = (
        last.body if isinstance(last, cst.SimpleStatementLine | cst.SimpleStatementSuite) else ()
    )
    if not smalls:
        return False
    small = smalls[-1]
    if isinstance(small, cst.Return | cst.Raise):
        return True
    return (
        isinstance(small, cst.Expr)
        and isinstance(small.value, cst.Call)
        and isinstance(small.value.func, cst.Name | cst.Attribute)
        and (
            small.value.func.value
            if isinstance(small.value.func, cst.Name)
            else small.value.func.attr.value
        )
        == "abort"
    )
