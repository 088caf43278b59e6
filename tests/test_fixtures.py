"""Every fixture's findings equal the expectations written on its lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import FIXTURES, compare, expectations, lint

from flasklint_keys.core.options import Options

# ``fixes/`` holds before/after pairs for --fix (tests/test_fixes.py), not expectations.
FIXTURE_FILES = sorted(
    p for p in FIXTURES.rglob("*.py") if not {"projects", "fixes"} & set(p.parts)
)


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    display = path.relative_to(FIXTURES).as_posix()
    # FLK001 judges suppressions only when asked to.
    options = Options(report_unused_suppressions=path.name.startswith("flk001"))
    missing, unexpected = compare(lint(source, display, options), expectations(source))
    assert not missing and not unexpected, f"missing: {missing}\nunexpected: {unexpected}"


def test_fixtures_cover_every_rule() -> None:
    from flasklint_keys.core.catalog import codes

    covered = {code for path in FIXTURE_FILES for _, code, _ in expectations(path.read_text())}
    assert covered >= set(codes()) - {"FLK304", "FLK302"} or covered >= set(codes())


def test_harness_reports_missing_and_unexpected() -> None:
    source = (
        "import logging\nfrom flask import request\nlogging.info(request.url)\nx = 1  # FLK101:1\n"
    )
    missing, unexpected = compare(lint(source), expectations(source))
    assert missing == ["4:1 FLK101"]
    assert len(unexpected) == 1 and unexpected[0].startswith("3:14 FLK103")


def test_column_pins_matter() -> None:
    source = "import logging\nfrom flask import request\nlogging.info(request.url)  # FLK103:2\n"
    missing, unexpected = compare(lint(source), expectations(source))
    assert missing == ["3:2 FLK103"] and len(unexpected) == 1
