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
    assert (
        "Fixed 1 finding (1 remaining). 1 more fixable with `--fix --unsafe-fixes`."
        in result.stderr
    )
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
    # hashlib joins the standard-library group at its sorted place.
    assert fixed.splitlines()[:2] == ["import hashlib", "import logging"]
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


def test_diff_says_how_many_unsafe_fixes_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clirun import run_cli

    _project(tmp_path, monkeypatch)
    result = run_cli(["--diff", "app.py"])
    assert result.stderr.strip().endswith(
        "Would fix 1 finding. 1 more with `--diff --unsafe-fixes`."
    )
    report = run_cli(["app.py"])
    assert report.stdout.splitlines()[-1] == (
        "1 fixable with `--fix`, 1 more with `--fix --unsafe-fixes`."
    )


def test_unsafe_fixes_from_the_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clirun import run_cli

    path = _project(tmp_path, monkeypatch)
    (tmp_path / "pyproject.toml").write_text("[tool.flasklint-keys]\nunsafe-fixes = true\n")
    assert run_cli(["app.py"]).stdout.splitlines()[-1] == "2 fixable with `--fix`."
    result = run_cli(["--fix", "app.py"])
    assert "Fixed 2 findings (0 remaining)." in result.stderr
    assert "hashlib.sha256(str(key).encode()).hexdigest()[:12]" in path.read_text()
    (tmp_path / "pyproject.toml").write_text('[tool.flasklint-keys]\nunsafe-fixes = "yes"\n')
    refused = run_cli(["app.py"])
    assert refused.exit_code == 2 and "'unsafe-fixes' must be true or false" in refused.stderr


IMPORT_CASES = [
    pytest.param(
        '"""Doc."""\nfrom __future__ import annotations\n\nimport logging\nimport sys\n\n'
        "from flask import current_app, request\n\nfrom myapp import helpers\n",
        '"""Doc."""\nfrom __future__ import annotations\n\nimport hashlib\nimport logging\n'
        "import sys\n\nfrom flask import current_app, request\n\nfrom myapp import helpers\n",
        "hashlib.sha256",
        id="into the stdlib group, sorted",
    ),
    pytest.param(
        "import logging\nfrom collections import OrderedDict\n\n"
        "from flask import current_app, request\n",
        "import hashlib\nimport logging\nfrom collections import OrderedDict\n\n"
        "from flask import current_app, request\n",
        "hashlib.sha256",
        id="straight imports before from imports",
    ),
    pytest.param(
        '"""Doc."""\n\n# third party\nfrom flask import current_app, request\n\n'
        "from myapp import helpers\n",
        '"""Doc."""\n\n# third party\nimport hashlib\n\nfrom flask import current_app, request\n\n'
        "from myapp import helpers\n",
        "hashlib.sha256",
        id="a group of its own before the first import",
    ),
    pytest.param(
        '"""Doc."""\n\nx = 1\n',
        '"""Doc."""\n\nimport hashlib\n\nx = 1\n',
        "hashlib.sha256",
        id="no imports: after the docstring",
    ),
    pytest.param(
        "from flask import current_app, request\n\nx = 1\n\nimport hashlib as hl\n",
        "from flask import current_app, request\n\nx = 1\n\nimport hashlib as hl\n",
        "hl.sha256",
        id="an alias further down is reused",
    ),
    pytest.param(
        "from hashlib import sha256\n\nfrom flask import current_app, request\n",
        "from hashlib import sha256\n\nfrom flask import current_app, request\n",
        "sha256(str(",
        id="a from import is reused",
    ),
    pytest.param(
        "from flask import current_app, request\n\ntry:\n    import hashlib\n"
        "except ImportError:\n    hashlib = None\n",
        "from flask import current_app, request\n\ntry:\n    import hashlib\n"
        "except ImportError:\n    hashlib = None\n",
        "hashlib.sha256",
        id="an import in a top-level try is reused",
    ),
]

VIEW = (
    "\n\ndef view():\n"
    '    key = current_app.request.headers.get("X-API-Key")\n'
    '    current_app.logger.info("key %s", key)\n'
)


@pytest.mark.parametrize(("head", "fixed_head", "call"), IMPORT_CASES)
def test_imports_are_reused_or_added_where_isort_puts_them(
    head: str, fixed_head: str, call: str
) -> None:
    source = head + VIEW
    outcome = fix_source(source, "app.py", Options(enabled=frozenset({"FLK101"})), unsafe=True)
    assert outcome.applied == 1
    assert outcome.fixed.startswith(fixed_head)
    assert call in outcome.fixed.splitlines()[-1]
    # The JSON/SARIF edits describe the same change.
    (finding,) = [
        f for f in lint_source(source, "app.py", Options()).findings if f.code == "FLK101"
    ]
    assert finding.fix is not None
    assert _apply_edits(source, finding) == outcome.fixed


def test_a_fix_that_creates_a_finding_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rewrite whose result the linter itself would flag is not applied; the other
    fixes of the file still are."""
    import libcst as cst

    from flasklint_keys.rules import secret_in_log
    from flasklint_keys.rules.base import NodeFix, Replacement

    def leaky_fix(ctx: object, culprit: cst.BaseExpression) -> NodeFix:
        # Logs the full URL instead of the key: FLK101 gone, FLK103 created.
        return NodeFix(
            "bad",
            Applicability.UNSAFE,
            (Replacement(culprit, cst.parse_expression("request.url")),),
        )

    monkeypatch.setattr(secret_in_log, "fingerprint_fix", leaky_fix)
    source = LEAKY.replace("except KeyError:", "except Exception:")
    outcome = fix_source(source, "app.py", Options(), unsafe=True)
    assert 'log.exception("no key")' in outcome.fixed  # FLK203's fix is still applied
    assert "request.url" not in outcome.fixed
    assert 'log.info("key %s", key)' in outcome.fixed
    assert outcome.applied == 1
    assert outcome.dropped == (
        "app.py:14:24: FLK101 fix dropped: the fixed code would have a finding of its own",
    )


def test_fixes_that_would_create_findings_in_other_modules_are_undone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The helper's fix would make it return the key, and its caller logs what it returns."""
    import libcst as cst

    from flasklint_keys.rules import secret_in_log
    from flasklint_keys.rules.base import NodeFix, Replacement, RuleContext

    def returning_fix(ctx: RuleContext, culprit: cst.BaseExpression) -> NodeFix | None:
        func = ctx.function
        assert func is not None
        returned = next(
            (
                small.value
                for line in func.body.body
                if isinstance(line, cst.SimpleStatementLine)
                for small in line.body
                if isinstance(small, cst.Return) and small.value is not None
            ),
            None,
        )
        if returned is None:
            return None
        new = cst.parse_expression("hashlib.sha256(b'').hexdigest()")
        return NodeFix(
            "bad",
            Applicability.UNSAFE,
            (Replacement(culprit, new), Replacement(returned, cst.Name("key"))),
            ("hashlib",),
        )

    monkeypatch.setattr(secret_in_log, "fingerprint_fix", returning_fix)
    monkeypatch.chdir(tmp_path)
    helper = (
        "import logging\n\nfrom flask import request\n\nlog = logging.getLogger(__name__)\n\n\n"
        "def get_key():\n    key = request.headers.get('X-API-Key')\n"
        "    log.info('key %s', key)\n    return 'ok'\n"
    )
    view = (
        "import logging\n\nfrom keys import get_key\n\nlog = logging.getLogger(__name__)\n\n\n"
        "def view():\n    value = get_key()\n    log.info('value %s', value)\n"
    )
    (tmp_path / "keys.py").write_text(helper)
    (tmp_path / "views.py").write_text(view)
    outcome = run_cli(["--fix", "--unsafe-fixes", "--no-cache", "-j", "1", "--format", "json", "."])
    assert (tmp_path / "keys.py").read_text() == helper
    assert (tmp_path / "views.py").read_text() == view
    assert "keys.py: fixes undone: they would create FLK101 in views.py" in outcome.stderr
    assert "Fixed 0 findings (1 remaining)." in outcome.stderr
    assert [f["path"] for f in json.loads(outcome.stdout)["findings"]] == ["keys.py"]


FIX_DIFF = (sys.executable, "-m", "flasklint_keys", "--diff", "--unsafe-fixes", "--no-cache")


def test_fixes_are_deterministic_across_runs_and_jobs(tmp_path: Path) -> None:
    """The same diff whatever the hash seed and however many workers (set order never leaks
    into a fix: FLK301's key_origin once flipped between "header" and "query")."""
    import os
    import subprocess

    tree = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, tree)
    diffs = set()
    for seed, jobs in (("1", "1"), ("2", "2"), ("3", "1"), ("4", "2")):
        done = subprocess.run(
            [*FIX_DIFF, "-j", jobs, "."],
            cwd=tree,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 1, done.stderr
        diffs.add(done.stdout)
    assert len(diffs) == 1
    assert '"key_origin": "header"' in diffs.pop()


def test_no_fingerprint_fix_for_printed_output() -> None:
    """A program's output may be its product: only log calls get the fingerprint fix."""
    source = (
        "import logging\n"
        "from flask import request\n"
        "log = logging.getLogger(__name__)\n"
        "def show():\n"
        '    key = request.headers["X-API-Key"]\n'
        '    print("key", key)\n'
        '    log.info("key %s", key)\n'
    )
    fixes = {(f.line, f.fix is not None) for f in _findings(source, "x.py") if f.code == "FLK101"}
    assert fixes == {(6, False), (7, True)}


def test_inserted_log_uses_only_the_class_own_logger() -> None:
    """``self._logger`` set by another class of the module is an AttributeError here."""
    source = (
        "import logging\n"
        "from flask import Flask\n"
        "app = Flask(__name__)\n"
        "class Manager:\n"
        "    def __init__(self):\n"
        "        self._logger = logging.getLogger('m')\n"
        "class Other:\n"
        "    @app.errorhandler(LookupError)\n"
        "    def handle(self, error):\n"
        "        return 'gone', 500\n"
        "class Own:\n"
        "    def __init__(self):\n"
        "        self._logger = logging.getLogger('o')\n"
        "    @app.errorhandler(KeyError)\n"
        "    def handle(self, error):\n"
        "        return 'gone', 500\n"
    )
    fixes = {f.line: f.fix for f in _findings(source, "x.py") if f.code == "FLK201"}
    assert fixes.keys() == {9, 15}
    assert fixes[9] is None
    assert fixes[15] is not None and "self._logger.exception" in fixes[15].edits[0].content
