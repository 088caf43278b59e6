"""Inline expectations: a line ending in ``# FLK101:13 FLK103:40`` expects those findings.

``CODE:COLUMN`` pins the 1-based column; a bare ``CODE`` only pins the line.
Lines without an expectation comment must produce no finding at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from flasklint_keys.core.model import Finding
from flasklint_keys.core.options import Options
from flasklint_keys.run.worker import lint_text

EXPECT = re.compile(r"#\s*((?:FLK\d{3}(?::\d+)?\s*)+)$")
ITEM = re.compile(r"(FLK\d{3})(?::(\d+))?")
FIXTURES = Path(__file__).parent / "fixtures"

Expectation = tuple[int, str, int | None]


def expectations(source: str) -> list[Expectation]:
    out: list[Expectation] = []
    for number, line in enumerate(source.splitlines(), start=1):
        match = EXPECT.search(line.rstrip())
        if match is None:
            continue
        for code, column in ITEM.findall(match.group(1)):
            out.append((number, code, int(column) if column else None))
    return out


def lint(source: str, display: str = "example.py", options: Options | None = None) -> list[Finding]:
    """Lint as a run does: through the ``ast`` pre-pass (with the enabled rules' triggers),
    so that a rule whose trigger misses a construct loses its findings here too."""
    result = lint_text(source, display, options or Options()).result
    assert not result.errors, result.errors
    return [f for f in result.findings if not f.suppressed]


def compare(
    findings: list[Finding], expected: list[Expectation], codes: set[str] | None = None
) -> tuple[list[str], list[str]]:
    """(missing, unexpected) as readable strings; both empty when they agree."""
    pool = [f for f in findings if codes is None or f.code in codes]
    missing = []
    for line, code, column in expected:
        if codes is not None and code not in codes:
            continue
        match = next(
            (
                f
                for f in pool
                if f.line == line and f.code == code and (column is None or f.column == column)
            ),
            None,
        )
        if match is None:
            missing.append(f"{line}:{column or '?'} {code}")
        else:
            pool.remove(match)
    unexpected = [f"{f.line}:{f.column} {f.code} {f.message}" for f in pool]
    return missing, unexpected


def project_mismatches(
    findings: Sequence[Finding], root: Path
) -> dict[str, tuple[list[str], list[str]]]:
    """For each module under ``root`` whose findings differ from its inline expectations:
    (missing, unexpected)."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        display = path.relative_to(root).as_posix()
        mine = [f for f in findings if f.path == display]
        missing, unexpected = compare(mine, expectations(path.read_text(encoding="utf-8")))
        if missing or unexpected:
            out[display] = (missing, unexpected)
    return out
