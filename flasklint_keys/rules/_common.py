"""Wording shared by the rules' messages."""

from __future__ import annotations

import libcst as cst

from ..analysis.taint import Label, Origin
from ..core.model import Related
from .base import RuleContext

MAX_SNIPPET = 48


def snippet(ctx: RuleContext, node: cst.CSTNode) -> str:
    """The node's source on one line, shortened for messages."""
    text = " ".join(ctx.code(node).split())
    return text if len(text) <= MAX_SNIPPET else text[: MAX_SNIPPET - 1] + "…"


def describe(label: Label) -> str:
    """Where a value came from: ``header 'X-API-Key'``, ``setting 'API_KEY'``, ``named 'api_key'``."""
    if label.origin is Origin.NAME:
        return f"named {label.what}"
    if label.origin is Origin.SERVER:
        return f"setting {label.what}"
    return label.what  # read from the request, or ``hard-coded 'X'``


def origin_of(label: Label) -> tuple[tuple[cst.CSTNode, str] | Related, ...]:
    """Where a credential entered: a node here, or a line of another module."""
    text = f"credential: {describe(label)}"
    if label.node is not None:
        return ((label.node, text),)
    if label.path is not None and label.line:
        return (Related(label.path, label.line, 1, text),)
    return ()


def first(labels: list[Label]) -> Label:
    """A deterministic representative: request-derived evidence beats a name match."""
    order = {Origin.REQUEST: 0, Origin.SERVER: 1, Origin.CODE: 2, Origin.NAME: 3, Origin.NONE: 4}
    return sorted(labels, key=lambda lb: (order[lb.origin], lb.what))[0]
