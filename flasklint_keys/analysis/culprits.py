"""Find the exact sub-expressions that carry a leak into a sink.

``logger.info(f"user={user} key={key}")`` leaks through ``key``, not through
the whole f-string: findings underline (and fixes replace) the innermost
expression that carries the credential, descending through the constructs
that merely propagate it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import libcst as cst

from .index import string_value
from .taint import Taint

Evaluate = Callable[[cst.BaseExpression], Taint]
Keyed = Callable[[str, Taint, cst.BaseExpression], Taint]
# ``field(expr, taint, key)``: what ``expr[key]`` carries (``None``: a computed key).
Project = Callable[[cst.BaseExpression, Taint, str | None], Taint]

_FORMATTERS = frozenset({"str", "repr", "format"})


@dataclass(frozen=True)
class Culprit:
    node: cst.BaseExpression
    taint: Taint
    key: str | None = None  # the field/keyword name it was stored under


def find_culprits(
    args: Sequence[cst.Arg],
    evaluate: Evaluate,
    keyed: Keyed,
    fields: Sequence[str | None] = (),
    project: Project | None = None,
) -> list[Culprit]:
    """``fields`` (parallel to ``args``) narrows an argument to the field a logging wrapper
    logs of it: ``probe(data)`` where ``probe`` logs ``data["url"]`` leaks only that."""
    out: list[Culprit] = []
    for position, arg in enumerate(args):
        key = (
            arg.keyword.value if arg.keyword is not None and arg.keyword.value != "extra" else None
        )
        field = fields[position] if position < len(fields) else None
        if field is not None and project is not None:
            out.extend(_projected(arg.value, field, evaluate, keyed, project))
        else:
            out.extend(_walk(arg.value, evaluate, keyed, key))
    return out


def _projected(
    expr: cst.BaseExpression, field: str, evaluate: Evaluate, keyed: Keyed, project: Project
) -> Iterator[Culprit]:
    """The culprits of ``expr[field]``: the entry of a dict display, or the field's taint."""
    if isinstance(expr, cst.Dict):
        for item in expr.elements:
            name = string_value(item.key) if isinstance(item, cst.DictElement) else None
            if field == "*" or name == field or name is None:
                yield from _walk(item.value, evaluate, keyed, name)
        return
    taint = project(expr, evaluate(expr), None if field == "*" else field)
    if taint.labels:
        yield Culprit(expr, taint, None)


def _walk(
    expr: cst.BaseExpression, evaluate: Evaluate, keyed: Keyed, key: str | None
) -> Iterator[Culprit]:
    children = list(_parts(expr))
    if children:
        for child, child_key in children:
            yield from _walk(child, evaluate, keyed, child_key)
        return
    taint = evaluate(expr)
    if key is not None:
        taint = keyed(key, taint, expr)
    if taint.labels:
        yield Culprit(expr, taint, key)


def _parts(expr: cst.BaseExpression) -> Iterator[tuple[cst.BaseExpression, str | None]]:
    """Sub-expressions a value is assembled from, with the name each is stored under."""
    if isinstance(expr, cst.FormattedString):
        for part in expr.parts:
            if isinstance(part, cst.FormattedStringExpression):
                yield part.expression, None
    elif isinstance(expr, cst.ConcatenatedString) or (
        isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add | cst.Modulo)
    ):
        yield expr.left, None
        yield expr.right, None
    elif isinstance(expr, cst.Tuple | cst.List | cst.Set):
        for el in expr.elements:
            yield el.value, None
    elif isinstance(expr, cst.Dict):
        for item in expr.elements:
            if isinstance(item, cst.DictElement):
                yield item.value, string_value(item.key)
            else:
                yield item.value, None
    elif isinstance(expr, cst.IfExp):
        yield expr.body, None
        yield expr.orelse, None
    elif isinstance(expr, cst.Call):
        yield from _call_parts(expr)


def _call_parts(call: cst.Call) -> Iterator[tuple[cst.BaseExpression, str | None]]:
    func = call.func
    is_formatter = isinstance(func, cst.Name) and func.value in _FORMATTERS
    is_format_method = (
        isinstance(func, cst.Attribute)
        and func.attr.value in ("format", "join")
        and isinstance(func.value, cst.SimpleString | cst.ConcatenatedString)
    )
    is_dict_call = (
        isinstance(func, cst.Name) and func.value == "dict" and all(a.keyword for a in call.args)
    )
    if not (is_formatter or is_format_method or is_dict_call):
        return
    for arg in call.args:
        yield arg.value, arg.keyword.value if arg.keyword is not None else None
