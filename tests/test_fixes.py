"""--fix: before/after pairs, idempotence, parseability, safe vs unsafe, dropped fixes."""

from __future__ import annotations

import ast
import json
import shutil
import sys
from pathlib import Path

import pytest
from clirun import run_cli
from harness import FIXTURES

from flasklint_keys.core.model import Applicability, Finding
from flasklint_keys.core.options import Options
from flasklint_keys.fix import fixer
from flasklint_keys.fix.fixer import allowed, fix_source
from flasklint_keys.lint.engine import lint_source

PAIRS = sorted((FIXTURES / "fixes").glob("*.py"))
LINT_FIXTURES = sorted(p for p in FIXTURES.glob("*.py"))


def _findings(text: str, name: str) -> list[Finding]:
    return [f for f in lint_source(text, name, Options()).findings if not f.suppressed]


@pytest.mark.parametrize("before", PAIRS, ids=lambda p: p.name)
def test_fix_matches_expected(before: Path) -> None:
    expected = Path(str(before) + ".fixed").read_text(encoding="utf-8")
    outcome = fix_source(before.read_text(encoding="utf-8"), before.name, Options(), unsafe=True)
    assert outcome.fixed == expected
    assert outcome.dropped == ()


@pytest.mark.parametrize("path", PAIRS + LINT_FIXTURES, ids=lambda p: p.name)
def test_fixed_code_parses_is_idempotent_and_clean(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    if not fixer.parses(source):
        assert not fix_source(source, path.name, Options(), unsafe=True).changed
        return
    outcome = fix_source(source, path.name, Options(), unsafe=True)
    ast.parse(outcome.fixed)
    again = fix_source(outcome.fixed, path.name, Options(), unsafe=True)
    assert not again.changed, again.diff()
    fixable_after = [f for f in _findings(outcome.fixed, path.name) if allowed(f, unsafe=True)]
    assert fixable_after == []
    fixable_before = [f for f in _findings(source, path.name) if allowed(f, unsafe=True)]
    assert outcome.applied == len(fixable_before)


def test_safe_mode_applies_only_safe_fixes() -> None:
    path = FIXTURES / "fixes" / "flk203_exception.py"
    source = path.read_text(encoding="utf-8")
    outcome = fix_source(source, path.name, Options(), unsafe=False)
    assert 'log.exception("work failed: %s", exc)' in outcome.fixed
    assert 'log.critical("work failed", exc_info=True)' in outcome.fixed
    assert 'slog.error("work_failed")' in outcome.fixed  # structlog: unsafe, left alone
    assert outcome.applied == 2


def test_applicability_is_declared_per_fix() -> None:
    source = (FIXTURES / "fixes" / "flk203_exception.py").read_text(encoding="utf-8")
    kinds = {(f.line, f.fix.applicability) for f in _findings(source, "x.py") if f.fix is not None}
    assert kinds == {
        (13, Applicability.SAFE),
        (17, Applicability.SAFE),
        (21, Applicability.UNSAFE),
        (30, Applicability.UNSAFE),
    }


def test_no_logger_in_scope_means_no_fix() -> None:
    source = (FIXTURES / "fixes" / "no_logger.py").read_text(encoding="utf-8")
    findings = _findings(source, "no_logger.py")
    assert {f.code for f in findings} == {"FLK202", "FLK301"}
    assert all(f.fix is None for f in findings)


@pytest.mark.parametrize("path", LINT_FIXTURES + PAIRS, ids=lambda p: p.name)
def test_json_text_edits_apply_cleanly(path: Path) -> None:
    """Each finding's text edits, applied alone, give code that parses and lacks that finding."""
    source = path.read_text(encoding="utf-8")
    for finding in _findings(source, path.name):
        if finding.fix is None:
            continue
        patched = _apply_edits(source, finding)
        ast.parse(patched)
        shift = patched.count("\n") - source.count("\n")  # an added import line
        remaining = {(f.code, f.line, f.message) for f in _findings(patched, path.name)}
        assert (finding.code, finding.line + shift, finding.message) not in remaining, patched


def _apply_edits(source: str, finding: Finding) -> str:
    assert finding.fix is not None
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    text = source
    for edit in sorted(finding.fix.edits, key=lambda e: (e.line, e.column), reverse=True):
        start, end = offset(edit.line, edit.column), offset(edit.end_line, edit.end_column)
        text = text[:start] + edit.content + text[end:]
    return text


def test_fix_that_breaks_the_file_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    real = fixer.parses
    monkeypatch.setattr(fixer, "parses", lambda code: "hashlib" not in code and real(code))
    source = (FIXTURES / "fixes" / "flk101_existing_import.py").read_text(encoding="utf-8")
    outcome = fix_source(source, "f.py", Options(), unsafe=True)
    assert not outcome.changed
    assert outcome.dropped == ("f.py:8:37: FLK101 fix dropped: it would break the file",)


def test_wrapper_and_starred_leaks_are_reported_without_a_rewrite() -> None:
    source = (FIXTURES / "fixes" / "no_rewrite.py").read_text(encoding="utf-8")
    found = [(f.code, f.line, f.column, f.fix) for f in _findings(source, "no_rewrite.py")]
    assert found == [
        ("FLK101", 17, 20, None),
        ("FLK103", 18, 10, None),
        ("FLK101", 21, 21, None),
    ]


def test_skip_file_is_never_fixed() -> None:
    source = "# flasklint-keys: skip-file\nimport logging\nlogging.info(password)\n"
    assert not fix_source(source, "s.py", Options(), unsafe=True).changed


def test_deeply_nested_file_is_fixed_in_a_deep_thread() -> None:
    # Past the default recursion limit (the standard library has such files); the fix
    # still lands, and the recursion limit is left as it was.
    chain = " + ".join(["'x'"] * 1500)
    source = f"import logging\nlogging.info('%s', password)\nbanner = {chain}\n"
    before = sys.getrecursionlimit()
    outcome = fix_source(source, "deep.py", Options(), unsafe=True)
    assert sys.getrecursionlimit() == before
    assert outcome.changed and fixer.parses(outcome.fixed)
    assert outcome.fixed.endswith(f"banner = {chain}\n")


def test_implicitly_concatenated_literals_of_any_length() -> None:
    words = " ".join(f'"w{i} "' for i in range(3000))
    source = f"import logging\nlogging.info({words} + password)\n"
    result = lint_source(source, "long.py", Options())
    assert result.errors == ()
    assert [(f.code, f.line) for f in result.findings] == [("FLK101", 2)]


# -- the command line -----------------------------------------------------------------------

LEAKY = """import logging

from flask import request

log = logging.getLogger(__name__)


def view():
    try:
        key = request.headers["X-API-Key"]
    except Exception:
        log.error("no key")
        return None
    log.info("key %s", key)
    return key
"""


def _project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "app.py"
    path.write_text(LEAKY, encoding="utf-8")
    return path


def test_diff_writes_nothing_and_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from clirun import run_cli

    path = _project(tmp_path, monkeypatch)
    before = path.stat().st_mtime_ns
    result = run_cli(["--diff", "--unsafe-fixes", "app.py"])
    assert result.exit_code == 1
    assert path.read_text(encoding="utf-8") == LEAKY and path.stat().st_mtime_ns == before
    assert result.stdout.startswith("--- a/app.py\n+++ b/app.py\n")
    assert '-        log.error("no key")\n+        log.exception("no key")\n' in result.stdout
    assert "hashlib.sha256(str(key).encode()).hexdigest()[:12]" in result.stdout
    assert result.stderr.strip().endswith("Would fix 2 findings.")


def test_diff_without_changes_exits_0(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from clirun import run_cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "clean.py").write_text("x = 1\n", encoding="utf-8")
    result = run_cli(["--diff", "clean.py"])
    assert result.exit_code == 0 and result.stdout == ""


def test_fix_applies_safe_fixes_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from clirun import run_cli

    path = _project(tmp_path, monkeypatch)
    result = run_cli(["--fix", "--format", "json", "app.py"])
    fixed = path.read_text(encoding="utf-8")
    assert 'log.exception("no key")' in fixed
    assert 'log.info("key %s", key)' in fixed  # FLK101's fix is unsafe
    assert "Fixed 1 finding (1 remaining)." in result.stderr
    assert result.exit_code == 1
    import json

    assert [f["code"] for f in json.loads(result.stdout)["findings"]] == ["FLK101"]


def test_unsafe_fix_then_nothing_left(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from clirun import run_cli

    path = _project(tmp_path, monkeypatch)
    first = run_cli(["--fix", "--unsafe-fixes", "app.py"])
    assert first.exit_code == 0, first.stdout
    assert "Fixed 2 findings (0 remaining)." in first.stderr
    fixed = path.read_text(encoding="utf-8")
    ast.parse(fixed)
    assert fixed.splitlines()[0] == "import logging" and "import hashlib" in fixed
    second = run_cli(["--fix", "--unsafe-fixes", "app.py"])
    assert second.exit_code == 0 and path.read_text(encoding="utf-8") == fixed


def test_fix_keeps_encoding_bom_and_newlines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clirun import run_cli

    monkeypatch.chdir(tmp_path)
    path = tmp_path / "legacy.py"
    source = "# -*- coding: latin-1 -*-\r\nimport logging\r\nlog = logging.getLogger('é')\r\n"
    source += (
        "def f():\r\n    try:\r\n        g()\r\n    except Exception:\r\n        log.error('é')\r\n"
    )
    path.write_bytes(source.encode("latin-1"))
    path.chmod(0o640)
    assert run_cli(["--fix", "legacy.py"]).exit_code == 0
    data = path.read_bytes()
    assert data == source.replace("log.error", "log.exception").encode("latin-1")
    assert path.stat().st_mode & 0o777 == 0o640


def test_fix_from_stdin_prints_the_fixed_buffer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clirun import run_cli

    monkeypatch.chdir(tmp_path)
    result = run_cli(["--fix", "-", "--stdin-filename", "app.py"], stdin=LEAKY.encode())
    assert result.exit_code == 0
    assert result.stdout == LEAKY.replace('log.error("no key")', 'log.exception("no key")')


def test_every_advertised_fix_is_applied_across_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fixes JSON offers for cross-module findings (a key a helper of another module
    returns) are the fixes --fix applies: fixing re-analyses in the run's project context."""
    project = tmp_path / "keysvc"
    shutil.copytree(FIXTURES / "projects" / "keysvc", project)
    monkeypatch.chdir(project)
    report = json.loads(run_cli(["--format", "json", "--no-cache", "."]).stdout)
    advertised = [
        (f["path"], f["line"], f["code"]) for f in report["findings"] if f["fix"] is not None
    ]
    assert len(advertised) == 8
    assert any(f["related"] and f["related"][0]["path"] != f["path"] for f in report["findings"])
    outcome = run_cli(["--fix", "--unsafe-fixes", "--no-cache", "--format", "json", "."])
    assert f"Fixed {len(advertised)} findings" in outcome.stderr
    after = json.loads(outcome.stdout)
    assert [f for f in after["findings"] if f["fix"] is not None] == []
    # What is left is what had no fix to offer.
    left = {(f["path"], f["code"]) for f in report["findings"] if f["fix"] is None}
    assert {(f["path"], f["code"]) for f in after["findings"]} == left
