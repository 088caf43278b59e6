"""Reading a LibCST tree without LibCST's visitor machinery.

``node.children`` and ``node.visit`` rebuild every node they pass (LibCST's
visitors are transformers underneath); reading the dataclass fields directly is
many times cheaper. Fields that hold only formatting — whitespace, commas,
parentheses, operators — are skipped: no analysis looks inside them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import libcst as cst

FORMATTING_FIELDS = frozenset(
    {
        "colon",
        "comma",
        "dot",
        "equal",
        "first_colon",
        "second_colon",
        "semicolon",
        "lpar",
        "rpar",
        "lbrace",
        "rbrace",
        "lbracket",
        "rbracket",
        "leading_lines",
        "lines_after_decorators",
        "trailing_whitespace",
        "newline",
        "header",
        "footer",
        "empty_lines",
        "leading_whitespace",
        "comment",
        "operator",
        "relative",
        "separator",
        "asynchronous",
        "posonly_ind",
        "star",
    }
)
_FIELDS: dict[type, tuple[str, ...]] = {}


def code_fields(node_type: type) -> tuple[str, ...]:
    """The fields of a node type that can hold code (cached per type)."""
    names = _FIELDS.get(node_type)
    if names is None:
        names = tuple(
            f.name
            for f in dataclasses.fields(node_type)
            if f.name not in FORMATTING_FIELDS and not f.name.startswith("whitespace")
        )
        _FIELDS[node_type] = names
    return names


def child_nodes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The code-bearing children of ``node``, in field order."""
    for name in code_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, tuple | list):
            for item in value:
                if isinstance(item, cst.CSTNode):
                    yield item
        elif isinstance(value, cst.CSTNode):
            yield value


def bound_names(target: cst.BaseExpression) -> Iterator[str]:
    """The names an assignment target binds: ``a``, ``a, (b, *c)`` -> a, b, c."""
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, cst.Tuple | cst.List):
        for element in target.elements:
            yield from bound_names(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from bound_names(target.value)
