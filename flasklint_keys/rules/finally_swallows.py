"""FLK205 finally-swallows: ``return``/``break``/``continue`` inside ``finally``."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from ..analysis.index import body_of
from ..analysis.nodes import child_nodes
from ..core.model import Severity
from ..core.signals import Signal
from .base import Rule, RuleContext

# Not entered: nested scopes (their jumps are their own) and expressions (no statements).
_OPAQUE = (cst.FunctionDef, cst.ClassDef, cst.BaseExpression)
KEYWORDS = {cst.Return: "return", cst.Break: "break", cst.Continue: "continue"}


def finally_exits(block: cst.Finally) -> Iterator[cst.Return | cst.Break | cst.Continue]:
    """Statements that leave the ``finally`` block: ``return`` anywhere in it, ``break`` and
    ``continue`` outside a loop wholly within it; nothing in a nested function or class."""
    stack: list[tuple[cst.CSTNode, bool]] = [(stmt, False) for stmt in body_of(block.body)]
    while stack:
        node, in_loop = stack.pop()
        if isinstance(node, _OPAQUE):
            continue
        if isinstance(node, cst.Return):
            yield node
        elif isinstance(node, cst.Break | cst.Continue):
            if not in_loop:
                yield node
        elif isinstance(node, cst.For | cst.While):
            stack.extend((stmt, True) for stmt in body_of(node.body))
            if node.orelse is not None:  # ``else:`` of a loop is outside it
                stack.extend((stmt, in_loop) for stmt in body_of(node.orelse.body))
        else:
            stack.extend((child, in_loop) for child in child_nodes(node))


class FinallySwallows(Rule):
    """
    ## What it does
    Flags `return`, `break` and `continue` inside a `finally` block — lexically,
    not inside a function defined there, and for `break`/`continue` not inside a
    loop that is itself within the `finally`. Peers flag the same construct:
    ruff/flake8-bugbear `B012` (jump-statement-in-finally), pylint `W0150`
    (lost-exception) and Sonar `S1143`; Python 3.14 warns about it at compile
    time (PEP 765).

    ## Why is this bad?
    Leaving a `finally` block with `return`, `break` or `continue` silently
    discards the exception in flight: an error raised in the `try` (or in an
    `except` block) disappears without a log entry, a traceback or a status
    code, and the caller sees an ordinary return. In a Flask service it drops
    the error of an authentication or logging path, so incidents cannot be
    traced (CWE-584, OWASP A09).

    There is no automatic fix: whether the exception should propagate, be
    logged, or be caught on purpose depends on what the code meant, and moving
    the statement out of the `finally` changes which value is returned.

    ## Example
    ```python
    def export(project):
        try:
            data = build(project)
        except ValueError:
            log.exception("export failed")
        finally:
            return respond()  # an exception other than ValueError vanishes here
    ```

    ## Use instead
    Keep only clean-up in `finally`, and return after the `try` statement:
    ```python
    def export(project):
        try:
            data = build(project)
        except ValueError:
            log.exception("export failed")
        finally:
            cleanup()
        return respond()
    ```

    ## References
    - [CWE-584: Return Inside Finally Block](https://cwe.mitre.org/data/definitions/584.html)
    - [PEP 765: Disallow return/break/continue that exit a finally block](https://peps.python.org/pep-0765/)
    - [ruff B012 jump-statement-in-finally](https://docs.astral.sh/ruff/rules/jump-statement-in-finally/)
    - [pylint W0150 lost-exception](https://pylint.readthedocs.io/en/stable/user_guide/messages/warning/lost-exception.html)
    - [Sonar S1143: jump statements should not occur in finally blocks](https://rules.sonarsource.com/python/RSPEC-1143/)
    """

    code = "FLK205"
    name = "finally-swallows"
    summary = "return, break or continue inside finally silently discards the exception in flight"
    severity = Severity.WARNING
    cwe = 584
    fix_suggestion = (
        "keep only clean-up in finally: return after the try statement, "
        "and log or re-raise the exception you mean to handle"
    )
    trigger = (Signal.FINALLY_EXIT,)

    VALID = (
        """
def read(path):
    handle = open(path)
    try:
        return handle.read()
    finally:
        handle.close()
""",
        """
def drain(queue):
    try:
        work(queue)
    finally:
        for item in queue:
            if item is None:
                break
            continue
        def callback():
            return 1
        register(callback)
""",
    )
    INVALID = (
        """
def export(project):
    try:
        data = build(project)
    finally:
        return data  # FLK205:9
""",
        """
def retry(jobs):
    for job in jobs:
        try:
            run(job)
        finally:
            continue  # FLK205:13
""",
    )

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self._seen: set[cst.CSTNode] = set()

    def visit_Try(self, node: cst.Try) -> None:
        self._check(node.finalbody)

    def visit_TryStar(self, node: cst.TryStar) -> None:
        self._check(node.finalbody)

    def _check(self, block: cst.Finally | None) -> None:
        if block is None:
            return
        for exit_ in finally_exits(block):
            if exit_ in self._seen:
                continue  # a finally nested in a finally: reported once
            self._seen.add(exit_)
            keyword = KEYWORDS[type(exit_)]
            self.report(
                exit_,
                f"`{keyword}` in `finally` silently discards any exception raised in the "
                "try block: it is neither logged nor re-raised",
                statement=exit_,
                span=len(keyword),
            )
