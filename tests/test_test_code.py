"""Test and development code: ``if __name__ == "__main__":`` blocks as the rules see them."""

from __future__ import annotations

import libcst as cst

from flasklint_keys.analysis import flask_model as fm
from flasklint_keys.analysis.index import body_of, build_index
from flasklint_keys.analysis.module import ModuleAnalysis
from flasklint_keys.analysis.settings import AnalysisSettings
from flasklint_keys.rules.base import RuleContext

SOURCE = """\
import os
if __name__ == "__main__":
    app.run(debug=True)
    def selftest():
        KEY = "k"
else:
    serve()
if "__main__" == __name__:
    main()
if __name__ != "__main__":
    production()
def view():
    if __name__ == "__main__":
        nested()
"""


def _analysis() -> ModuleAnalysis:
    module = cst.parse_module(SOURCE)
    return ModuleAnalysis(module, build_index(module), AnalysisSettings(), "run.py")


def _calls(analysis: ModuleAnalysis) -> dict[str, cst.Call]:
    out: dict[str, cst.Call] = {}
    for node in fm.main_block_nodes(analysis.module) | _every_call(analysis.module):
        if isinstance(node, cst.Call):
            name = analysis.module.code_for_node(node.func)
            out[name] = node
    return out


def _every_call(module: cst.Module) -> frozenset[cst.CSTNode]:
    found: set[cst.CSTNode] = set()

    class Collect(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            found.add(node)

    module.visit(Collect())
    return frozenset(found)


def test_main_guard_forms() -> None:
    module = cst.parse_module(SOURCE)
    guards = [fm.is_main_guard(stmt) for stmt in module.body]
    assert guards == [False, True, True, False, False]


def test_nodes_in_main_blocks() -> None:
    analysis = _analysis()
    calls = _calls(analysis)
    inside = {name for name, call in calls.items() if analysis.in_main_block(call)}
    # ``else:`` of the guard, a negated guard and a guard inside a function are not entry points.
    assert inside == {"app.run", "main"}


def test_rule_context_asks_about_the_current_statement() -> None:
    analysis = _analysis()
    module = analysis.module
    context = RuleContext("run.py", module, analysis)
    assert not context.in_main_block()
    guard = module.body[1]
    assert isinstance(guard, cst.If)
    first = body_of(guard.body)[0]
    context.statements.append(first)
    assert context.in_main_block()
    assert not context.in_main_block(guard)
