"""Never a traceback: whatever a scanned tree contains is reported, and the run goes on.

Also the safety guarantees for an untrusted repository: scanned code is never
imported or executed, nothing is written into the scanned tree, symlinks do not
lead out of it, and control characters or markup in its source print literally.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libcst as cst
import pytest
from cli_support import APP, APP_FINDINGS, Run, codes_at, run, run_process, write
from clirun import run_cli

import flasklint_keys.lint.engine as engine
import flasklint_keys.modes.session as session
import flasklint_keys.run.discovery as discovery
from flasklint_keys.analysis.index import ModuleIndex, build_index
from flasklint_keys.core.options import Options
from flasklint_keys.lint.engine import lint_source
from flasklint_keys.rules import all_rules
from flasklint_keys.rules.debug_mode import DebugModeEnabled
from flasklint_keys.run.source import read_bytes

ALL_RULES = all_rules()

WARNING_ONLY = (
    "import logging\nfrom flask import request\n\nlog = logging.getLogger(__name__)\n"
    'log.info("GET %s", request.url)\n'
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


def lint_json(*args: str) -> tuple[Run, dict[str, Any]]:
    result = run(["--format", "json", "-j", "1", *args])
    assert "Traceback" not in result.stderr
    return result, result.json()


def errors_of(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(e["path"], e["kind"], e["message"]) for e in document["errors"]]


def input_failures(document: dict[str, Any]) -> list[tuple[str, str]]:
    """FLK000 findings for input that could not be read or decoded: (path, message)."""
    return [
        (f["path"], f["message"])
        for f in document["findings"]
        if f["code"] == "FLK000" and f["message"].startswith(("cannot read", "cannot decode"))
    ]


# -- files that do not parse -------------------------------------------------------------------


UNPARSABLE = {
    "syntax": "def f(:\n    pass\n",
    "missing-colon": "x = 1\nif x\n    y = 2\n",
    "unclosed": "x = (1,\n",
    "py2-print": 'print "hello"\n',
    "py2-exec": 'exec "code"\n',
    "py2-raise": 'raise ValueError, "bad"\n',
    "py2-backticks": "x = `1`\n",
    "py2-ur-prefix": 'x = ur"abc"\n',
    "py2-octal": "x = 0777\n",
    "tabs": "def f():\n\treturn 1\n        return 2\n",
}


def cpython_error(source: str) -> tuple[int, int, str]:
    """Where and why the running interpreter's parser rejects ``source``."""
    try:
        ast.parse(source)
    except SyntaxError as exc:
        return exc.lineno or 1, exc.offset or 1, exc.msg
    raise AssertionError("expected a syntax error")


@pytest.mark.parametrize("source", UNPARSABLE.values(), ids=UNPARSABLE.keys())
def test_parse_errors_are_flk000_with_the_parsers_line_and_message(
    project: Path, source: str
) -> None:
    write(project, {"bad.py": source, "app.py": WARNING_ONLY})
    result, document = lint_json(".")
    assert result.exit_code == 1
    assert document["errors"] == []
    bad = [f for f in document["findings"] if f["path"] == "bad.py"]
    line, column, message = cpython_error(source)
    assert [(f["code"], f["severity"], f["line"], f["column"], f["message"]) for f in bad] == [
        ("FLK000", "error", line, column, f"cannot parse: {message}")
    ]
    # The run went on to the other file.
    assert ("app.py", 5, 20, "FLK103") in codes_at(document)


def test_python2_print_names_the_problem(project: Path) -> None:
    write(project, {"legacy.py": 'print "hello"\n'})
    _, document = lint_json(".")
    assert document["findings"][0]["message"] == (
        "cannot parse: Missing parentheses in call to 'print'. Did you mean print(...)?"
    )


def test_parse_error_in_text_output(project: Path) -> None:
    write(project, {"legacy.py": "def rotate(key):\n    print 'rotating', key\n"})
    result = run(["legacy.py"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "legacy.py:2:5: FLK000 [parse-error] cannot parse: Missing parentheses in call to"
        " 'print'. Did you mean print(...)?"
    )
    assert lines[2:4] == ["2 |     print 'rotating', key", "  |     ^"]


def test_parse_error_not_reported_when_flk000_is_ignored(project: Path) -> None:
    write(project, {"bad.py": "def f(:\n"})
    result, document = lint_json("--ignore", "FLK000", ".")
    assert result.exit_code == 0
    assert document["findings"] == [] and document["errors"] == []


def test_null_byte(project: Path) -> None:
    (project / "nul.py").write_bytes(b"x = 1\ny = 'a\x00b'\n")
    result, document = lint_json(".")
    assert result.exit_code == 1
    assert [(f["code"], f["line"], f["column"], f["message"]) for f in document["findings"]] == [
        ("FLK000", 2, 7, "cannot parse: the file contains a null byte")
    ]
    text = run(["nul.py"]).stdout
    assert "2 | y = 'a\\x00b'" in text


def test_empty_file(project: Path) -> None:
    write(project, {"empty.py": "", "blank.py": "\n\n   \n"})
    result, document = lint_json(".")
    assert result.exit_code == 0
    assert document["findings"] == [] and document["errors"] == []
    assert document["summary"]["files"] == 2


# -- encodings ---------------------------------------------------------------------------------


def test_latin1_with_a_coding_line(project: Path) -> None:
    source = ("# -*- coding: latin-1 -*-\n" + WARNING_ONLY.replace("GET %s", "caf\xe9 %s")).encode(
        "latin-1"
    )
    (project / "latin.py").write_bytes(source)
    result, document = lint_json("latin.py")
    assert result.exit_code == 1
    assert document["errors"] == []
    assert codes_at(document) == [("latin.py", 6, 21, "FLK103")]
    assert '6 | log.info("caf\xe9 %s", request.url)' in run(["latin.py"]).stdout


def test_utf8_bom(project: Path) -> None:
    (project / "bom.py").write_bytes(b"\xef\xbb\xbf" + WARNING_ONLY.encode())
    result, document = lint_json("bom.py")
    assert codes_at(document) == [("bom.py", 5, 20, "FLK103")]
    assert result.exit_code == 1


def test_invalid_utf8_without_a_coding_line(project: Path) -> None:
    (project / "bad.py").write_bytes(b"# comment\nname = 'caf\xe9'\n")
    write(project, {"app.py": WARNING_ONLY})
    result, document = lint_json(".")
    assert document["errors"] == []
    assert input_failures(document) == [
        (
            "bad.py",
            "cannot decode as utf-8: invalid byte 0xe9 at line 2, column 12"
            " (if the file is not UTF-8, declare its encoding in a PEP 263 coding line)",
        )
    ]
    # Reported (and failing the run); the other file is linted too.
    assert codes_at(document) == [("app.py", 5, 20, "FLK103"), ("bad.py", 1, 1, "FLK000")]
    assert result.exit_code == 1


def test_invalid_utf8_on_the_first_line(project: Path) -> None:
    (project / "bad.py").write_bytes(b"\xff\xfe = 1\n")
    result, document = lint_json(".")
    assert result.exit_code == 1
    assert input_failures(document)[0][1].startswith(
        "cannot decode as utf-8: invalid byte 0xff at line 1, column 1"
    )


def test_bytes_invalid_in_the_declared_encoding(project: Path) -> None:
    (project / "bad.py").write_bytes(b"# coding: ascii\nx = '\xe9'\n")
    _, document = lint_json(".")
    assert input_failures(document) == [
        ("bad.py", "cannot decode as ascii: invalid byte 0xe9 at line 2, column 6")
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"# coding: klingon\nx = 1\n", "cannot decode: unknown encoding: klingon"),
        (b"\xef\xbb\xbf# coding: latin-1\nx = 1\n", "cannot decode: encoding problem: utf-8"),
    ],
)
def test_bad_coding_lines(project: Path, data: bytes, message: str) -> None:
    (project / "bad.py").write_bytes(data)
    result, document = lint_json(".")
    assert result.exit_code == 1
    assert input_failures(document) == [("bad.py", message)]
    assert "bad.py:1:1: FLK000 [parse-error] " + message in run(["bad.py"]).stdout


# -- what is on disk ---------------------------------------------------------------------------


def test_unreadable_file(project: Path) -> None:
    write(project, {"secret.py": WARNING_ONLY})
    target = project / "secret.py"
    target.chmod(0)
    try:
        try:
            target.read_bytes()
        except PermissionError:
            pass
        else:
            pytest.skip(
                "running as root (or on a file system without permissions): chmod 000 "
                "does not prevent reading"
            )
        result, document = lint_json(".")
    finally:
        target.chmod(0o644)
    assert input_failures(document) == [("secret.py", "cannot read: permission denied")]
    assert result.exit_code == 1


def _symlink(link: Path, target: str | Path) -> None:
    try:
        link.symlink_to(target)
    except OSError as exc:  # Windows without the privilege
        pytest.skip(f"cannot create symbolic links: {exc}")


def test_broken_symlink_in_a_directory(project: Path) -> None:
    write(project, {"app.py": WARNING_ONLY})
    _symlink(project / "gone.py", "nowhere.py")
    result, document = lint_json(".")
    assert input_failures(document) == [("gone.py", "cannot read: broken symbolic link")]
    assert codes_at(document) == [("app.py", 5, 20, "FLK103"), ("gone.py", 1, 1, "FLK000")]
    assert result.exit_code == 1


def test_broken_symlink_named_explicitly(project: Path) -> None:
    _symlink(project / "gone.py", "nowhere.py")
    result, document = lint_json("gone.py")
    assert input_failures(document) == [("gone.py", "cannot read: broken symbolic link")]
    assert document["summary"]["files"] == 1
    assert result.exit_code == 1


def test_symlink_loops(project: Path) -> None:
    write(project, {"app.py": WARNING_ONLY})
    _symlink(project / "loop_a.py", "loop_b.py")
    _symlink(project / "loop_b.py", "loop_a.py")
    _symlink(project / "self.py", "self.py")
    (project / "pkg").mkdir()
    _symlink(project / "pkg" / "again", "..")
    result, document = lint_json(".")
    assert input_failures(document) == [
        ("loop_a.py", "cannot read: symbolic link loop"),
        ("loop_b.py", "cannot read: symbolic link loop"),
        ("self.py", "cannot read: symbolic link loop"),
    ]
    assert ("app.py", 5, 20, "FLK103") in codes_at(document)
    assert result.exit_code == 1
    explicit, document = lint_json("self.py")
    assert input_failures(document) == [("self.py", "cannot read: symbolic link loop")]
    assert explicit.exit_code == 1
    # Never "All checks passed", and a failed SARIF invocation.
    assert "All checks passed" not in run(["self.py"]).stdout
    sarif = run(["--format", "sarif", "self.py"]).json()
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_unreadable_directory_fails_the_run(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root, chmod cannot lock a directory: the listing itself is refused here."""
    write(project, {"app.py": "x = 1\n", "locked/secret.py": WARNING_ONLY})
    real = os.scandir

    def scandir(path: Any) -> Any:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(discovery.os, "scandir", scandir)
    result, document = lint_json(".")
    assert input_failures(document) == [("locked", "cannot read directory: permission denied")]
    assert result.exit_code == 1
    text = run(["-j", "1", "."])
    assert "All checks passed" not in text.stdout and text.exit_code == 1
    sarif = run(["--format", "sarif", "-j", "1", "."]).json()
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is False
    off, document = lint_json("--ignore", "FLK000", ".")
    assert errors_of(document) == [("locked", "io", "cannot read directory: permission denied")]
    assert off.exit_code == 2


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_named_like_a_python_file_is_skipped_never_read(project: Path) -> None:
    write(project, {"app.py": WARNING_ONLY})
    os.mkfifo(project / "pipe.py")
    for args in (["."], ["pipe.py", "app.py"]):
        # A separate process with a deadline: reading a FIFO without a writer blocks forever.
        result = run_process(["--format", "json", "--no-cache", *args], cwd=project, timeout=60)
        assert result.exit_code == 1, result.stderr
        assert codes_at(result.json()) == [("app.py", 5, 20, "FLK103")]
        assert result.stderr == (
            "flasklint-keys: warning: pipe.py: a named pipe (FIFO), not a regular file: skipped\n"
        )
    alone = run_process(["--no-cache", "pipe.py"], cwd=project, timeout=60)
    assert alone.exit_code == 0 and "0 files checked" in alone.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_reading_never_blocks_on_a_fifo(project: Path) -> None:
    """A file replaced by a FIFO after discovery: reported, not waited for."""
    os.mkfifo(project / "pipe.py")
    data, error = read_bytes(project / "pipe.py", "pipe.py")
    assert data is None and error is not None
    assert error.message == "cannot read: a named pipe (FIFO), not a regular file"


LATE_BARE_EXCEPT = "try:\n    pass\nexcept:\n    pass\nexcept ValueError:\n    pass\n"


def test_code_cpython_rejects_after_libcst_accepts_it_is_flk000(project: Path) -> None:
    """LibCST parses a bare ``except:`` that is not last; CPython's compiler refuses it."""
    write(project, {"late.py": LATE_BARE_EXCEPT})
    result, document = lint_json("late.py")
    assert document["errors"] == []
    assert [(f["code"], f["line"], f["column"], f["message"]) for f in document["findings"]] == [
        ("FLK000", 3, 1, "cannot parse: default 'except:' must be last")
    ]
    assert result.exit_code == 1
    assert run(["--exit-zero", "-j", "1", "late.py"]).exit_code == 0
    buffer = run_cli(
        ["--exit-zero", "--format", "json", "-", "--stdin-filename", "x.py"],
        stdin=LATE_BARE_EXCEPT.encode(),
    )
    assert buffer.exit_code == 0 and buffer.stderr == ""
    assert [f["code"] for f in json.loads(buffer.stdout)["findings"]] == ["FLK000"]


def test_directory_named_like_a_python_file(project: Path) -> None:
    write(project, {"pkg.py/inner.py": WARNING_ONLY, "empty.py/.keep": ""})
    for args in (["."], ["pkg.py"], ["empty.py"]):
        _, document = lint_json(*args)
        assert document["errors"] == [], args
    _, document = lint_json(".")
    assert codes_at(document) == [("pkg.py/inner.py", 5, 20, "FLK103")]
    assert document["summary"]["files"] == 1


# -- size and depth ----------------------------------------------------------------------------


def generated_module(size: int) -> str:
    """A machine-written module of about ``size`` bytes: many small handlers and tables."""
    parts = [
        "import logging\nfrom flask import request\n\nlog = logging.getLogger(__name__)\n",
    ]
    total = len(parts[0])
    index = 0
    while total < size:
        chunk = (
            f"\n\ndef handler_{index}(value):\n"
            f"    data = {{'name': 'item{index}', 'values': [{index}, {index + 1}], 'on': True}}\n"
            f"    if value > {index}:\n"
            f"        log.info('handler %s got %s', {index}, value)\n"
            "        return data\n"
            "    return None\n"
        )
        parts.append(chunk)
        total += len(chunk)
        index += 1
    parts.append("\n\ndef leak():\n    log.info('%s', request.url)\n")
    return "".join(parts)


def _lint_generated(project: Path, size: int) -> float:
    source = generated_module(size)
    write(project, {"generated.py": source})
    started = time.perf_counter()
    result, document = lint_json("generated.py")
    elapsed = time.perf_counter() - started
    last_line = source.count("\n")
    assert document["errors"] == []
    assert codes_at(document) == [("generated.py", last_line, 20, "FLK103")]
    assert result.exit_code == 1
    return elapsed


def test_large_generated_file(project: Path) -> None:
    # ~12 s per MB on a 2-core CI machine: 256 KB keeps the suite fast; see the 5 MB test.
    assert _lint_generated(project, 256 * 1024) < 60


@pytest.mark.skipif(
    not os.environ.get("FLASKLINT_KEYS_SLOW_TESTS"),
    reason="takes about a minute and a half; set FLASKLINT_KEYS_SLOW_TESTS=1 to run it",
)
def test_five_megabyte_generated_file(project: Path) -> None:
    elapsed = _lint_generated(project, 5 * 1024 * 1024)
    assert elapsed < 300, f"{elapsed:.0f} s"


def test_long_expression_chains(project: Path) -> None:
    # Each term nests one level deeper in the syntax tree: past the default recursion limit.
    terms = " + ".join(["'x'"] * 1500)
    source = WARNING_ONLY.replace("request.url)", f"request.url + {terms})")
    write(project, {"chain.py": source})
    result, document = lint_json("chain.py")
    assert document["errors"] == []
    assert codes_at(document) == [("chain.py", 5, 20, "FLK103")]
    assert result.exit_code == 1


def test_deeply_nested_brackets(project: Path) -> None:
    write(project, {"nested.py": "x = " + "[" * 400 + "]" * 400 + "\n", "app.py": WARNING_ONLY})
    result, document = lint_json(".")
    assert document["errors"] == []
    assert codes_at(document) == [("app.py", 5, 20, "FLK103")]
    assert result.exit_code == 1


def test_recursion_limit_is_restored(project: Path) -> None:
    before = sys.getrecursionlimit()
    source = "x = " + " + ".join(["1"] * 1500) + "\n"
    assert lint_source(source, "chain.py", Options()).errors == ()
    assert sys.getrecursionlimit() == before


# -- newest syntax -----------------------------------------------------------------------------

NEW_SYNTAX = """\
import logging
from flask import request

log = logging.getLogger(__name__)

type Pair[T] = tuple[T, T]


class Box[T]:
    def get[U: int](self, extra: U) -> T | U: ...


def first[*Ts, **P](*args: *Ts) -> None: ...


def handle(command):
    match command:
        case {"key": key, **rest}:
            log.info("%s", request.url)
        case [1, 2, *others] if others:
            pass
        case Point(x=0) | None:
            pass
        case _:
            pass


try:
    pass
except* ValueError as group:
    log.info(f"{f'{f"{1}"}'}")
except* (TypeError, KeyError):
    pass


async def stream():
    async with a as b, c as d:
        yield [x async for x in b]


with (open("a") as f, open("b") as g):
    pass

print(f"{'nested' + f'{1:{2}}'}", f"{value=!r:>10}")
walrus = (y := 10)


def positional(a, /, b, *, c): ...


try:
    pass
except ValueError, TypeError:  # PEP 758 (3.14)
    pass

greeting = t"hello {walrus}"  # PEP 750 (3.14)
"""


def test_newest_syntax(project: Path) -> None:
    write(project, {"modern.py": NEW_SYNTAX})
    result, document = lint_json("modern.py")
    assert document["errors"] == []
    assert codes_at(document) == [("modern.py", 19, 28, "FLK103")]
    assert result.exit_code == 1


@pytest.mark.parametrize("literal", ['"\\N{NO SUCH NAME} x"', '"\\x4"'], ids=["N", "x"])
def test_string_literals_cpython_rejects(project: Path, literal: str) -> None:
    write(project, {"bad.py": f"API_KEY = {literal}\n"})
    _, document = lint_json("bad.py")
    assert document["errors"] == []


# -- internal errors ---------------------------------------------------------------------------


class CrashingRule(DebugModeEnabled):
    """FLK401 with a bug: it fails on every call, to prove one rule's crash stops nothing else.

    It keeps FLK401's code, so it is enabled exactly as the real rule would be.
    """

    def visit_Call(self, node: cst.Call) -> None:
        raise ValueError("boom")


@pytest.fixture
def crashing_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = tuple(CrashingRule if rule is DebugModeEnabled else rule for rule in ALL_RULES)
    monkeypatch.setattr(engine, "all_rules", lambda: rules)


@pytest.mark.usefixtures("crashing_rule")
def test_a_crashing_rule_is_reported_and_the_run_goes_on(project: Path) -> None:
    write(project, {"app.py": APP, "plain.py": "x = 1\n"})
    result, document = lint_json(".")
    assert result.exit_code == 2
    assert errors_of(document) == [
        ("app.py", "internal", "internal error in FLK401: ValueError: boom")
    ]
    # The other rules still ran on the same file.
    assert [(line, column, code) for _, line, column, code in codes_at(document)] == APP_FINDINGS
    assert document["summary"]["files"] == 2


@pytest.mark.usefixtures("crashing_rule")
def test_internal_errors_exit_2_even_with_exit_zero(project: Path) -> None:
    write(project, {"app.py": APP})
    assert run(["--exit-zero", "-j", "1", "app.py"]).exit_code == 2
    quiet = run(["-q", "-j", "1", "app.py"])
    assert quiet.exit_code == 2
    assert "error: app.py: internal error in FLK401: ValueError: boom" in quiet.stdout.splitlines()


def test_a_crash_outside_the_rules_is_reported_per_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def flaky_index(module: cst.Module) -> ModuleIndex:
        if "EXPLODE" in module.code:
            raise RuntimeError("index failed")
        return build_index(module)

    monkeypatch.setattr(engine, "build_index", flaky_index)
    write(project, {"a.py": "EXPLODE = 1\n" + WARNING_ONLY, "b.py": WARNING_ONLY})
    result, document = lint_json(".")
    assert errors_of(document) == [
        ("a.py", "internal", "internal error: RuntimeError: index failed")
    ]
    assert codes_at(document) == [("b.py", 5, 20, "FLK103")]
    assert result.exit_code == 2


def _exploding_run(*args: object, **kwargs: object) -> None:
    raise RuntimeError("the runner broke")


def test_an_unexpected_crash_of_the_run_is_an_internal_error_not_a_traceback(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project, {"app.py": APP})
    monkeypatch.setattr(session, "run_project", _exploding_run)
    result = run(["app.py"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "flasklint-keys: internal error: RuntimeError: the runner broke\n"
        "(set FLASKLINT_KEYS_TRACEBACK=1 to see the traceback, and please report it)\n"
    )
    with pytest.raises(RuntimeError, match="the runner broke"):
        run(["app.py"], env={"FLASKLINT_KEYS_TRACEBACK": "1"})


# -- safety on an untrusted repository ---------------------------------------------------------


def _hostile_tree(root: Path, marker: Path) -> None:
    payload = f"open({str(marker)!r}, 'w').write('executed')\n"
    write(
        root,
        {
            "app.py": payload + APP,
            "conftest.py": payload,
            "setup.py": payload + "from setuptools import setup\nsetup()\n",
            "pkg/__init__.py": payload,
            "pkg/__main__.py": payload,
            "sitecustomize.py": payload,
            "usercustomize.py": payload,
            "pyproject.toml": "[build-system]\nrequires = []\nbuild-backend = 'pkg'\n",
        },
    )


def test_scanned_code_is_never_imported_or_executed(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    root = tmp_path / "repo"
    _hostile_tree(root, marker)
    os.chdir(root)
    try:
        result = run(["--format", "json", "-j", "2", "."])
    finally:
        os.chdir(tmp_path)
    assert result.exit_code == 1
    # Run as a process from inside the tree too, in isolated mode: `python -m` would
    # otherwise put the scanned directory on sys.path before the tool starts.
    process = run_process(["-q", "."], cwd=root)
    assert process.exit_code == 1
    assert not marker.exists()


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_hostile_git_configuration_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    root = tmp_path / "repo"
    write(root, {"app.py": APP})
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    # git ls-files would run core.fsmonitor as a command.
    subprocess.run(
        ["git", "-C", str(root), "config", "core.fsmonitor", f"touch {marker}; false"],
        check=True,
    )
    os.chdir(root)
    try:
        result = run(["--format", "json", "."])
    finally:
        os.chdir(tmp_path)
    assert result.exit_code == 1
    assert not marker.exists()


def _snapshot(root: Path) -> dict[str, tuple[str, int, bytes]]:
    out: dict[str, tuple[str, int, bytes]] = {}
    for path in sorted(root.rglob("*")):
        stat = path.lstat()
        if path.is_symlink():
            out[str(path)] = ("link", stat.st_mtime_ns, os.readlink(path).encode())
        elif path.is_dir():
            out[str(path)] = ("dir", stat.st_mtime_ns, b"")
        else:
            out[str(path)] = ("file", stat.st_mtime_ns, path.read_bytes())
    return out


@pytest.fixture
def scanned_tree(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "repo"
    write(
        root,
        {
            "app.py": APP,
            "pkg/__init__.py": "",
            "pkg/views.py": WARNING_ONLY,
            "bad.py": "def f(:\n",
            "pyproject.toml": '[tool.flasklint-keys]\nignore = ["FLK402"]\n',
        },
    )
    (root / "latin.py").write_bytes(b"x = '\xe9'\n")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    os.chdir(outside)
    yield root
    os.chdir(tmp_path)


def _git_tree(root: Path) -> None:
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        subprocess.run(["git", "-C", str(root), "add", "."], check=True)


@pytest.mark.parametrize(
    "args",
    [
        ["--no-cache", "--format", "json"],
        ["--no-cache", "--format", "text", "--statistics"],
        ["--no-cache", "-j", "2"],
        ["--no-cache", "-o", "{outside}/report.txt"],
        ["--cache-dir", "{outside}/cache"],
    ],
)
def test_linting_writes_nothing_into_the_scanned_tree(scanned_tree: Path, args: list[str]) -> None:
    _git_tree(scanned_tree)
    before = _snapshot(scanned_tree)
    outside = str(scanned_tree.parent)
    result = run([*(a.format(outside=outside) for a in args), str(scanned_tree)])
    assert result.exit_code == 1
    assert _snapshot(scanned_tree) == before


def test_the_default_cache_is_the_only_thing_written(scanned_tree: Path) -> None:
    # As ruff's .ruff_cache: next to the configuration file, and nothing else.
    _git_tree(scanned_tree)
    before = _snapshot(scanned_tree)
    assert run([str(scanned_tree)]).exit_code == 1
    cache = str(scanned_tree / ".flasklint_cache")
    after = {path: entry for path, entry in _snapshot(scanned_tree).items()}
    assert {path for path in after if path not in before} >= {cache}
    assert all(path == cache or path.startswith(cache + os.sep) for path in after.keys() - before)
    assert {path: after[path] for path in before} == before


def test_symlinks_out_of_the_root_are_not_followed(tmp_path: Path, project: Path) -> None:
    outside = tmp_path / "outside"
    write(outside, {"secret.py": APP, "pkg/leak.py": APP})
    write(project, {"app.py": WARNING_ONLY})
    _symlink(project / "linked.py", outside / "secret.py")
    _symlink(project / "linked_dir", outside / "pkg")
    _symlink(project / "relative.py", "../outside/secret.py")
    result, document = lint_json(".")
    assert codes_at(document) == [("app.py", 5, 20, "FLK103")]
    assert document["errors"] == []
    assert document["summary"]["files"] == 1
    assert result.exit_code == 1


def test_symlinks_inside_the_root_are_linted(project: Path) -> None:
    write(project, {"real/app.py": WARNING_ONLY})
    _symlink(project / "alias.py", "real/app.py")
    _, document = lint_json(".")
    assert {path for path, *_ in codes_at(document)} == {"alias.py", "real/app.py"}


HOSTILE_OUTPUT = (
    "import logging\nfrom flask import request\n\nlog = logging.getLogger(__name__)\n"
    'api_key = request.headers.get("X-API-Key")\n'
    'log.info("\x1b[2J\x1b]0;pwned\x07 [bold red]key[/bold red] \u202e %s", api_key)\n'
)


def test_control_characters_and_markup_print_literally(project: Path) -> None:
    name = "evil\x1b[31m.py"
    write(project, {"plain.py": HOSTILE_OUTPUT, name: HOSTILE_OUTPUT})
    for env in ({}, {"FORCE_COLOR": "1"}):
        result = run(["-j", "1", "."], env=env)
        assert result.exit_code == 1
        assert "\x1b[2J" not in result.stdout
        assert "\x07" not in result.stdout and "\u202e" not in result.stdout
        assert "\x1b[31m.py" not in result.stdout
        plain = result.stdout if not env else _strip_styles(result.stdout)
        expected = '6 | log.info("\\x1b[2J\\x1b]0;pwned\\x07 [bold red]key[/bold red] \\u202e %s", api_key)'
        assert plain.count(expected) == 2
        assert "evil\\x1b[31m.py:6:" in plain
        assert "(evil\\x1b[31m.py:5:11)" in plain


def _strip_styles(text: str) -> str:
    import re

    # Only the reporter's own SGR sequences remain once source escapes are neutralised.
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_underline_stays_under_the_span_after_escaping(project: Path) -> None:
    write(project, {"plain.py": HOSTILE_OUTPUT})
    lines = run(["plain.py"]).stdout.splitlines()
    source = next(line for line in lines if line.startswith("6 | "))
    underline = lines[lines.index(source) + 1]
    start = underline.index("^")
    assert source[start : start + len("api_key")] == "api_key"
    assert underline[start:] == "^" * len("api_key")
