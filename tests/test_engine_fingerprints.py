"""Fingerprints (baseline, JSON) survive layout, comments and line shifts."""

from __future__ import annotations

from flasklint_keys.core.options import Options
from flasklint_keys.lint.engine import lint_source
from flasklint_keys.lint.findings import normalised_code

ONE_LINE = 'import logging\nfrom flask import request\nlogging.info("k %s", request.headers["X-API-Key"])\n'
SPLIT = (
    "import logging\nfrom flask import request\n\n\n"
    'logging.info(\n    "k %s",\n    request.headers["X-API-Key"],  # noqa-free comment\n)\n'
)


def test_layout_comments_and_trailing_commas_do_not_matter() -> None:
    assert normalised_code("f(\n  a,  # why\n  b,\n)") == normalised_code("f(a, b)")


def test_fingerprint_is_stable_across_reformatting_and_shifts() -> None:
    first = lint_source(ONE_LINE, "app.py", Options()).findings
    second = lint_source(SPLIT, "app.py", Options()).findings
    assert [f.code for f in first] == [f.code for f in second] == ["FLK101"]
    assert first[0].fingerprint == second[0].fingerprint
    assert first[0].line != second[0].line


def test_fingerprint_depends_on_rule_path_and_text() -> None:
    base = lint_source(ONE_LINE, "app.py", Options()).findings[0].fingerprint
    assert lint_source(ONE_LINE, "other.py", Options()).findings[0].fingerprint != base
    changed = ONE_LINE.replace('"k %s"', '"key %s"')
    assert lint_source(changed, "app.py", Options()).findings[0].fingerprint != base
