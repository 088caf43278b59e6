"""The targeted position computation agrees with LibCST's PositionProvider."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from harness import FIXTURES

from flasklint_keys.lint.positions import all_positions, positions

SOURCES = sorted(p for p in FIXTURES.rglob("*.py") if "fixes" not in p.parts)
WATCHED = (
    cst.Name,
    cst.Attribute,
    cst.Call,
    cst.Arg,
    cst.Comparison,
    cst.FormattedString,
    cst.Subscript,
    cst.FunctionDef,
    cst.ClassDef,
    cst.If,
    cst.Try,
    cst.ExceptHandler,
    cst.For,
    cst.With,
    cst.SimpleStatementLine,
    cst.BaseSmallStatement,
    cst.IndentedBlock,
)


class _Collect(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, WATCHED):
            self.nodes.append(node)
        return True


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_targeted_positions_match_the_provider(path: Path) -> None:
    try:
        module = cst.parse_module(path.read_text(encoding="utf-8"))
    except cst.ParserSyntaxError:
        pytest.skip("not parseable (FLK000 fixture)")
    collector = _Collect()
    module.visit(collector)
    reference = all_positions(module)
    # Asked one at a time and all together: hoisting from children must work either way.
    together = positions(module, collector.nodes)
    for node in collector.nodes:
        assert together[node] == reference[node], module.code_for_node(node)[:60]
    for node in collector.nodes[::7]:
        assert positions(module, [node])[node] == reference[node]
