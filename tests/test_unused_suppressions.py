"""``--report-unused-suppressions``: FLK001 on suppression comments that silence nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import codes_at, run, write

VIEWS = """\
import logging
from flask import request

log = logging.getLogger(__name__)


def view():
    key = request.headers.get("X-API-Key")
    log.info("key %s", key)  # noqa: FLK101
    log.info("id %s", request.path)  # noqa: FLK101, E501
    # flasklint-keys: ignore[FLK103]
    log.info("key id %s", len(key))
    return "ok"  # noqa
"""
# A module the ast pre-pass skips (nothing any rule looks for), with a stale directive.
PLAIN = """\
def total(items):
    return sum(items)  # noqa: FLK202
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write(tmp_path, {"views.py": VIEWS, "plain.py": PLAIN})
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _report(*args: str) -> tuple[int, list[tuple[str, int, int, str, str]]]:
    outcome = run(["--format", "json", "--no-cache", "-j", "1", *args, "."])
    document = outcome.json()
    return outcome.exit_code, [
        (f["path"], f["line"], f["column"], f["code"], f["message"]) for f in document["findings"]
    ]


def test_unused_directives_are_reported(project: Path) -> None:
    code, findings = _report("--report-unused-suppressions")
    assert code == 1
    assert findings == [
        ("plain.py", 2, 24, "FLK001", "unused suppression: FLK202 silences no finding here"),
        ("views.py", 10, 38, "FLK001", "unused suppression: FLK101 silences no finding here"),
        ("views.py", 11, 5, "FLK001", "unused suppression: FLK103 silences no finding here"),
    ]


def test_off_without_the_flag(project: Path) -> None:
    assert _report() == (0, [])
    sarif = json.loads(run(["--format", "sarif", "--no-cache", "."]).stdout)
    assert "FLK001" not in {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}


@pytest.mark.parametrize("selection", [["--ignore", "FLK001"], ["--select", "FLK1"]])
def test_follows_selection(project: Path, selection: list[str]) -> None:
    assert _report("--report-unused-suppressions", *selection) == (0, [])


def test_a_directive_naming_flk001_silences_it(project: Path) -> None:
    (project / "plain.py").write_text(PLAIN.replace("FLK202", "FLK202, FLK001"), encoding="utf-8")
    _, findings = _report("--report-unused-suppressions")
    assert [(path, line) for path, line, *_ in findings] == [("views.py", 10), ("views.py", 11)]


def test_the_cache_knows_the_flag(project: Path) -> None:
    """A run without the flag must not answer for a run with it."""
    assert run(["--format", "json", "-j", "1", "."]).json()["findings"] == []
    with_flag = run(["--format", "json", "-j", "1", "--report-unused-suppressions", "."])
    assert [c for *_, c in codes_at(with_flag.json())] == ["FLK001"] * 3
