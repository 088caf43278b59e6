"""Wording shared by the rules' messages."""

from __future__ import annotations

import libcst as cst

from ..analysis.taint import Label, Origin
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
    return label.what


def first(labels: list[Label]) -> Label:
    """A deterministic representative: request-derived evidence beats a name match."""
    order = {Origin.REQUEST: 0, Origin.SERVER: 1, Origin.NAME: 2, Origin.NONE: 3}
    return sorted(labels, key=lambda lb: (order[lb.origin], lb.what))[0]
