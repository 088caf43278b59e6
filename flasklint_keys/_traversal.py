"""One traversal per file for all enabled rules (Fixit's batched visitor, plus context).

Before any rule sees a node, the traversal has pushed the node's scope and
statement onto the :class:`RuleContext`, so ``ctx.taint(expr)`` knows where it
is; after the rules have left a node, it pops them again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

import libcst as cst

from .rules.base import Rule, RuleContext

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


class BatchedTraversal(cst.CSTVisitor):
    def __init__(self, context: RuleContext, rules: Sequence[Rule]) -> None:
        super().__init__()
        self.context = context
        self.visits = _callbacks(rules, "visit_")
        self.leaves = _callbacks(rules, "leave_")
        self.failures: dict[str, str] = {}

    def _call(self, table: dict[str, list[tuple[str, Callback]]], node: cst.CSTNode) -> None:
        for code, callback in table.get(type(node).__name__, ()):
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
        ctx = self.context
        if isinstance(node, _STATEMENTS):
            ctx.statements.append(node)
        if isinstance(node, _SCOPES):
            ctx.scopes.append(node)
        self._call(self.visits, node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        ctx = self.context
        self._call(self.leaves, original_node)
        if isinstance(original_node, _SCOPES):
            ctx.scopes.pop()
        if isinstance(original_node, _STATEMENTS):
            ctx.statements.pop()


def run_rules(
    module: cst.Module, context: RuleContext, rules: Sequence[Rule]
) -> list[tuple[str, str]]:
    """Run all rules in one traversal; returns (rule code, error) for rules that crashed."""
    context.scopes.append(module)
    traversal = BatchedTraversal(context, rules)
    module.visit(traversal)
    return sorted(traversal.failures.items())
