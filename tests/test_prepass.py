"""The ``ast`` pre-pass's decisions on small modules (equivalence with the full
pass over every fixture is in test_project.py)."""

from __future__ import annotations

import ast
import textwrap

import pytest

from flasklint_keys.analysis.names import CredentialNames
from flasklint_keys.analysis.prepass import flatten, prepass


def _decide(source: str) -> tuple[bool, str]:
    decision = prepass(ast.parse(textwrap.dedent(source)), CredentialNames())
    return decision.needed, decision.reason


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            """
            from flask import request
            import logging
            log = logging.getLogger(__name__)
            def view():
                log.info("incoming %s", describe(request))
            """,
            (True, "the request object passed to a call, and a log call"),
        ),
        (
            """
            from flask import request as req
            def view(log):
                log.warning("got %s", req)
            """,
            (True, "the request object passed to a call, and a log call"),
        ),
        (  # the request passed on, but nothing is logged
            """
            from flask import request
            def view():
                return render(request)
            """,
            (False, ""),
        ),
        (  # logging, but the request is nowhere
            """
            import logging
            def total(items):
                logging.info("total %d", sum(items))
            """,
            (False, ""),
        ),
        (
            """
            def view(log, api_key):
                return api_key
            """,
            (True, "mentions api_key"),
        ),
        (  # cache_key and token_count are not credentials
            """
            def view(cache_key, token_count):
                return cache_key, token_count
            """,
            (False, ""),
        ),
    ],
)
def test_decisions(source: str, expected: tuple[bool, str]) -> None:
    assert _decide(source) == expected


def test_flatten_is_ast_walk_without_context_markers() -> None:
    tree = ast.parse(
        "global g\nx = {**a, 'b': [c for c in d if c]}\nmatch p:\n case C(k=1): pass\n"
    )
    walked = [n for n in ast.walk(tree) if not isinstance(n, ast.expr_context)]
    assert sorted(map(ast.dump, flatten(tree))) == sorted(map(ast.dump, walked))
