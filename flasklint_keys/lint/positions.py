"""Line and column of the few syntax nodes a file's findings need.

LibCST's ``PositionProvider`` records a range for every node of the module
(through ``MetadataWrapper``, after an extra visitor pass). Findings need a
handful: the flagged nodes, their statements, related nodes and fix anchors.
This runs LibCST's code generation once with a state that tracks the line and
column and records ranges only for those nodes — with the same semantics:
syntactic ranges (without surrounding parentheses and whitespace) where LibCST
records them, including ranges hoisted from child nodes (``end_node=body``).

It leans on LibCST internals (``Module._codegen``, ``CodegenState``); if they
change, the public provider is used instead (a test compares the two).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field

import libcst as cst
from libcst._nodes.internal import CodegenState  # no public name; see the module docstring
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider

from .trees import positions_of

_NEWLINES = re.compile(r"\r\n?|\n")
_NOTHING: AbstractContextManager[None] = nullcontext()


def all_positions(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    """Every node's range, through LibCST's public API (the reference)."""
    return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)


def positions(
    module: cst.Module, targets: Collection[cst.CSTNode]
) -> Mapping[cst.CSTNode, CodeRange]:
    """Ranges of ``targets`` (and possibly a few more nodes), as PositionProvider gives them.
    In a kept tree (``lint/trees.py``), what an earlier pass placed is not placed again."""
    if not targets:
        return {}
    known = positions_of(module)
    if known is not None and all(target in known for target in targets):
        return known
    computed = _placed(module, targets)
    if known is not None:
        known.update(computed)
    return computed


def _placed(
    module: cst.Module, targets: Collection[cst.CSTNode]
) -> Mapping[cst.CSTNode, CodeRange]:
    try:
        state = _TargetedState(
            default_indent=module.default_indent,
            default_newline=module.default_newline,
            targets=set(targets),
            pending=set(targets),
        )
        module._codegen(state)
    except _AllFound:
        pass  # the rest of the module cannot move what is already placed
    except (AttributeError, TypeError, KeyError):  # pragma: no cover - a future LibCST
        return all_positions(module)
    return state.computed


class _AllFound(Exception):
    """Stops code generation once every target is placed."""


@dataclass
class _TargetedState(CodegenState):
    targets: set[cst.CSTNode] = field(default_factory=set)
    pending: set[cst.CSTNode] = field(default_factory=set)  # targets not yet placed
    computed: dict[cst.CSTNode, CodeRange] = field(default_factory=dict)
    line: int = 1
    column: int = 0
    _starts: dict[cst.CSTNode, CodePosition] = field(default_factory=dict)

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)
        for token in self.indent_tokens:
            self._advance(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self._advance(value)

    def _advance(self, value: str) -> None:
        if "\n" not in value and "\r" not in value:
            self.column += len(value)
            return
        segments = _NEWLINES.split(value)
        self.line += len(segments) - 1
        self.column = len(segments[-1])

    def before_codegen(self, node: cst.CSTNode) -> None:
        if node in self.targets:
            self._starts[node] = CodePosition(self.line, self.column)

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._starts.pop(node, None)
        if start is not None and node not in self.computed:
            self.computed[node] = CodeRange(start, CodePosition(self.line, self.column))
        # A node's range is complete once its code is (hoisted children's included).
        if node in self.pending:
            self.pending.discard(node)
            if not self.pending:
                raise _AllFound

    # LibCST's signature promises a generator-based context manager; any context manager
    # works for its ``with`` statements, and a shared no-op one is the point here.
    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> AbstractContextManager[None]:
        if node not in self.targets:
            return _NOTHING
        # The hoisted children are generated inside this block: ask for their ranges too.
        for child in (start_node, end_node):
            if child is not None:
                self.targets.add(child)
        return self._record(node, start_node, end_node)

    @contextmanager
    def _record(
        self, node: cst.CSTNode, start_node: cst.CSTNode | None, end_node: cst.CSTNode | None
    ) -> Iterator[None]:
        start = CodePosition(self.line, self.column)
        try:
            yield
        finally:
            end = CodePosition(self.line, self.column)
            if start_node is not None:
                start = self.computed[start_node].start
            if end_node is not None:
                end = self.computed[end_node].end
            self.computed[node] = CodeRange(start, end)
