"""The rule API: a rule is a class with ``visit_<Node>`` methods, metadata and examples.

As in Fixit, each rule carries its own ``VALID``/``INVALID`` examples (run as
tests) and its documentation in its docstring (ruff's fixed sections); the
engine batches every enabled rule into one traversal per file.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import libcst as cst

from ..analysis.culprits import Culprit, find_culprits
from ..analysis.index import ModuleIndex
from ..analysis.module import ModuleAnalysis
from ..analysis.rejections import Rejection, find_rejections
from ..analysis.sinks import Sink, classify_sink
from ..analysis.taint import Taint
from ..core.model import Applicability, Related, RuleMeta, Severity
from ..core.signals import Signal


@dataclass(frozen=True)
class Replacement:
    """Swap ``old`` for ``new`` in the tree (applied through LibCST)."""

    old: cst.CSTNode
    new: cst.CSTNode


@dataclass(frozen=True)
class NodeFix:
    """A fix as the rules see it: node replacements plus imports to ensure."""

    title: str
    applicability: Applicability
    replacements: tuple[Replacement, ...] = ()
    imports: tuple[str, ...] = ()
    # Statements to insert before a statement: (anchor statement, new statements).
    insert_before: tuple[tuple[cst.CSTNode, tuple[cst.BaseStatement, ...]], ...] = ()


@dataclass
class RawFinding:
    """A finding before positions are known (positions are computed only if needed)."""

    meta: RuleMeta
    node: cst.CSTNode
    message: str
    statement: cst.CSTNode | None
    fix: NodeFix | None = None
    # Where the credential came from: a node of this file, or a place in another module.
    related: tuple[tuple[cst.CSTNode, str] | Related, ...] = ()
    # Underline only this many characters from the node's start (``except`` of a bare except).
    span: int | None = None
    # A fix suggestion fitted to this finding (the rule's own when None).
    help: str | None = None


@dataclass
class RuleContext:
    """What a rule may ask about the file being linted."""

    path: str
    module: cst.Module
    analysis: ModuleAnalysis
    # Test code by the configuration's ``test-paths`` (``core.config.is_test_file``).
    is_test_file: bool = False
    scopes: list[cst.CSTNode] = field(default_factory=list)
    statements: list[cst.CSTNode] = field(default_factory=list)
    findings: list[RawFinding] = field(default_factory=list)
    _sinks: dict[cst.Call, Sink | None] = field(default_factory=dict)
    _leaks: dict[cst.CSTNode, list[Culprit]] = field(default_factory=dict)

    @property
    def index(self) -> ModuleIndex:
        return self.analysis.index

    @property
    def scope(self) -> cst.CSTNode:
        return self.scopes[-1]

    @property
    def statement(self) -> cst.CSTNode | None:
        return self.statements[-1] if self.statements else None

    @property
    def function(self) -> cst.FunctionDef | None:
        for scope in reversed(self.scopes):
            if isinstance(scope, cst.FunctionDef):
                return scope
        return None

    def taint(self, expr: cst.BaseExpression) -> Taint:
        """What ``expr`` may carry at the current point of the traversal."""
        return self.analysis.taint(expr, self.scope, self.statement)

    def sink(self, call: cst.Call) -> Sink | None:
        if call not in self._sinks:
            self._sinks[call] = classify_sink(call, self.analysis)
        return self._sinks[call]

    def culprits(
        self, owner: cst.CSTNode, args: Sequence[cst.Arg], fields: Sequence[str | None] = ()
    ) -> list[Culprit]:
        """Sub-expressions of ``args`` that carry anything (cached per ``owner`` node);
        ``fields`` narrows arguments to the field a logging wrapper logs of them."""
        if owner not in self._leaks:
            evaluator = self.analysis.evaluator(self.scope)
            env = self.analysis.env(self.scope, self.statement)
            self._leaks[owner] = find_culprits(
                args,
                lambda e: evaluator.eval(e, env),
                evaluator.keyed,
                fields,
                lambda e, taint, key: evaluator.field(e, taint, key, e),
            )
        return self._leaks[owner]

    def log_leaks(self, call: cst.Call) -> tuple[Sink | None, list[Culprit]]:
        """The sink ``call`` is (if any) and what its arguments carry."""
        sink = self.sink(call)
        if sink is None:
            return None, []
        return sink, self.culprits(call, sink.args, sink.fields)

    def rejections(self, func: cst.FunctionDef) -> list[Rejection]:
        """Where ``func`` rejects a request, and what is logged on the way (cached)."""
        key = ("rejections", func)
        cached = self.analysis.cache.get(key)
        if cached is None:
            cached = find_rejections(self.analysis, func)
            self.analysis.cache[key] = cached
        assert isinstance(cached, list)
        return cached

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def in_main_block(self, node: cst.CSTNode | None = None) -> bool:
        """Is ``node`` (default: the statement being visited) under a module-level
        ``if __name__ == "__main__":`` — development or self-test code, not request handling?"""
        target = node if node is not None else self.statement
        return target is not None and self.analysis.in_main_block(target)


class Rule:
    """Base class of all rules; subclasses set the class attributes below."""

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    severity: ClassVar[Severity]
    cwe: ClassVar[int | None] = None
    fix_suggestion: ClassVar[str]
    precision: ClassVar[str] = "high"
    # Pre-pass signals that make a file worth this rule's LibCST pass (None: every file).
    trigger: ClassVar[tuple[Signal, ...] | None] = None
    VALID: ClassVar[Sequence[str]] = ()
    INVALID: ClassVar[Sequence[str]] = ()
    meta: ClassVar[RuleMeta]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__:
            cls.meta = RuleMeta(
                code=cls.code,
                name=cls.name,
                summary=cls.summary,
                severity=cls.severity,
                cwe=cls.cwe,
                fix_suggestion=cls.fix_suggestion,
                docs=inspect.cleandoc(cls.__doc__ or ""),
                precision=cls.precision,
                trigger=None
                if cls.trigger is None
                else tuple(signal.value for signal in cls.trigger),
            )

    def __init__(self, context: RuleContext) -> None:
        self.context = context

    def report(
        self,
        node: cst.CSTNode,
        message: str | None = None,
        *,
        fix: NodeFix | None = None,
        related: tuple[tuple[cst.CSTNode, str] | Related, ...] = (),
        statement: cst.CSTNode | None = None,
        span: int | None = None,
        help: str | None = None,
    ) -> None:
        """Record a finding; ``statement`` defaults to the one being visited (suppressions use it)."""
        ctx = self.context
        ctx.findings.append(
            RawFinding(
                self.meta,
                node,
                message or self.summary,
                statement or ctx.statement,
                fix,
                related,
                span,
                help,
            )
        )
