"""The bundled example service: exactly the findings its lines announce, one of every rule."""

from __future__ import annotations

from pathlib import Path

from harness import project_mismatches

from flasklint_keys.core.catalog import codes
from flasklint_keys.core.options import Options
from flasklint_keys.run.runner import run

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_example_findings_are_the_announced_ones() -> None:
    result = run(["."], Options(), cwd=EXAMPLES, jobs=1)
    assert project_mismatches(result.findings, EXAMPLES) == {}


def test_example_shows_every_rule() -> None:
    """Every rule but FLK001, which judges suppressions only when asked to."""
    result = run(["."], Options(), cwd=EXAMPLES, jobs=1)
    assert sorted({f.code for f in result.findings}) == [c for c in codes() if c != "FLK001"]
