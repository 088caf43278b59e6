"""One traversal per file for all enabled rules (Fixit's batched visitor, plus context).

Before any rule sees a node, the traversal has pushed the node's scope and
statement onto the :class:`RuleContext`, so ``ctx.taint(expr)`` knows where it
is; after the rules have left a node, it pops them again.

The walk is our own: LibCST's ``node.visit`` rebuilds (and validates) every node
on the way back up, which costs more than parsing, and rules only read the
tree (see ``analysis.nodes``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

import libcst as cst

from ..analysis.nodes import child_nodes
from ..rules.base import Rule, RuleContext

Callback = Callable[[cst.CSTNode], object]

_SCOPES = (cst.FunctionDef, cst.ClassDef)
_STATEMENTS = (cst.BaseSmallStatement, cst.BaseCompoundStatement)


def _callbacks(rules: Sequence[Rule], prefix: str) -> dict[str, list[tuple[str, Callback]]]:
    table: dict[str, list[tuple[str, Callback]]] = defaultdict(list)
    for rule in rules:
        for attr in dir(type(rule)):
            if attr.startswith(prefix):
                table[attr[len(prefix) :]].append((rule.code, getattr(rule, attr)))
    return dict(table)


# What a node type means to the traversal (1: a statement, 2: a scope), computed once
# per type: isinstance against LibCST's abstract bases is slow on hot paths.
_KINDS: dict[type, int] = {}


def _kind(node_type: type) -> int:
    kind = _KINDS.get(node_type)
    if kind is None:
        kind = (1 if issubclass(node_type, _STATEMENTS) else 0) | (
            2 if issubclass(node_type, _SCOPES) else 0
        )
        _KINDS[node_type] = kind
    return kind


def walk(node: cst.CSTNode, traversal: BatchedTraversal) -> None:
    """Visit ``node`` and its code-bearing descendants in field order, without rebuilding."""
    if traversal.on_visit(node):
        for child in child_nodes(node):
            walk(child, traversal)
    traversal.on_leave(node)


class BatchedTraversal:
    def __init__(self, context: RuleContext, rules: Sequence[Rule]) -> None:
        self.context = context
        self.visits = _by_type(_callbacks(rules, "visit_"))
        self.leaves = _by_type(_callbacks(rules, "leave_"))
        self.failures: dict[str, str] = {}

    def _call(self, callbacks: list[tuple[str, Callback]], node: cst.CSTNode) -> None:
        for code, callback in callbacks:
            if code in self.failures:
                continue
            try:
                callback(node)
            except RecursionError:
                raise
            except Exception as exc:
                # The rule is switched off for the rest of this file; the run goes on.
                self.failures[code] = f"{type(exc).__name__}: {exc}"

    def on_visit(self, node: cst.CSTNode) -> bool:
        node_type = type(node)
        kind = _kind(node_type)
        if kind:
            ctx = self.context
            if kind & 1:
                ctx.statements.append(node)
            if kind & 2:
                ctx.scopes.append(node)
        callbacks = self.visits.get(node_type)
        if callbacks:
            self._call(callbacks, node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        node_type = type(original_node)
        callbacks = self.leaves.get(node_type)
        if callbacks:
            self._call(callbacks, original_node)
        kind = _kind(node_type)
        if kind:
            ctx = self.context
            if kind & 2:
                ctx.scopes.pop()
            if kind & 1:
                ctx.statements.pop()


def _by_type(
    table: dict[str, list[tuple[str, Callback]]],
) -> dict[type, list[tuple[str, Callback]]]:
    """``visit_Call`` callbacks keyed by ``libcst.Call`` itself (a dict lookup per node)."""
    return {
        getattr(cst, name): callbacks for name, callbacks in table.items() if hasattr(cst, name)
    }


def run_rules(
    module: cst.Module, context: RuleContext, rules: Sequence[Rule]
) -> list[tuple[str, str]]:
    """Run all rules in one traversal; returns (rule code, error) for rules that crashed."""
    context.scopes.append(module)
    traversal = BatchedTraversal(context, rules)
    walk(module, traversal)
    return sorted(traversal.failures.items())
