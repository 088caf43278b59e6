"""``--format github``: workflow-command annotations, escaped so a message cannot inject another."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from clirun import run_cli

from flasklint_keys.core.model import FileError, Finding, LintResult, Severity
from flasklint_keys.reporters import ReportOptions
from flasklint_keys.reporters.github import escape_data, escape_property, render_github

# How the Actions runner splits a command: `::name props::message`, one per line.
COMMAND = re.compile(r"^::(?P<name>[a-z-]+)(?: (?P<props>[^:]*))?::(?P<message>.*)$")


def _finding(**overrides: Any) -> Finding:
    values: dict[str, Any] = {
        "code": "FLK101",
        "name": "secret-in-log",
        "severity": Severity.ERROR,
        "message": "credential `key` reaches a log call",
        "fix_suggestion": "log a fingerprint",
        "path": "app/views.py",
        "line": 12,
        "column": 5,
        "end_line": 12,
        "end_column": 8,
    }
    values.update(overrides)
    return Finding(**values)


def _render(*findings: Finding, errors: tuple[FileError, ...] = ()) -> str:
    result = LintResult(findings=findings, errors=errors, files_checked=1, enabled=())
    return render_github(result, ReportOptions())


def _unescape(value: str) -> str:
    """What the runner does to a value (actions/runner ActionCommand.Unescape)."""
    for escaped, raw in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        value = value.replace(escaped, raw)
    return value


def test_exact_commands_by_severity() -> None:
    output = _render(
        _finding(),
        _finding(code="FLK103", name="url-in-log", severity=Severity.WARNING, line=20),
        _finding(code="FLK203", name="traceback-dropped", severity=Severity.NOTE, end_line=14),
        _finding(line=30, suppressed=True),
    )
    assert output == (
        "::error file=app/views.py,line=12,col=5,endLine=12,endColumn=8,"
        "title=FLK101 secret-in-log::credential `key` reaches a log call\n"
        "::warning file=app/views.py,line=20,col=5,endLine=12,endColumn=8,"
        "title=FLK103 url-in-log::credential `key` reaches a log call\n"
        "::notice file=app/views.py,line=12,col=5,endLine=14,endColumn=8,"
        "title=FLK203 traceback-dropped::credential `key` reaches a log call\n"
    )


def test_file_errors_are_annotations_too() -> None:
    output = _render(errors=(FileError("a,b.py", "cannot read: denied", "io"),))
    assert output == "::error file=a%2Cb.py,title=flasklint-keys::cannot read: denied\n"


def test_escaping_rules() -> None:
    assert escape_data("100% \r\n: ,") == "100%25 %0D%0A: ,"
    assert escape_property("100% \r\n: ,") == "100%25 %0D%0A%3A %2C"


def test_crafted_message_cannot_inject_a_second_command() -> None:
    crafted = "key %0A::error file=x.py::pwned\n::warning::also pwned\r::notice::3"
    path = "evil,line=1:dir/x.py"
    output = _render(_finding(message=crafted, path=path))
    lines = output.splitlines()
    assert len(lines) == 1
    match = COMMAND.match(lines[0])
    assert match is not None
    assert match["name"] == "error"
    assert _unescape(match["message"]) == crafted
    props = dict(part.split("=", 1) for part in match["props"].split(","))
    assert list(props) == ["file", "line", "col", "endLine", "endColumn", "title"]
    assert _unescape(props["file"]) == path


def test_cli_github_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "views.py").write_text(
        "import logging\nfrom flask import request\n"
        'logging.info("key %s", request.headers["X-API-Key"])\n'
        'logging.info("key %s", request.headers["X-API-Key"])  # noqa: FLK101\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    outcome = run_cli(["--format", "github", "--select", "FLK101", "views.py"])
    assert outcome.exit_code == 1
    message = json.loads(run_cli(["--format", "json", "--select", "FLK101", "views.py"]).stdout)[
        "findings"
    ][0]["message"]
    assert outcome.stdout == (
        "::error file=views.py,line=3,col=24,endLine=3,endColumn=52,"
        f"title=FLK101 secret-in-log::{escape_data(message)}\n"
    )
    assert outcome.stderr == ""


def test_control_characters_are_percent_encoded_not_stripped() -> None:
    """The console strips (or obeys) raw control characters; an annotation whose file name
    lost one would point at a file that does not exist."""
    path = "evil\x1b[31m\x07.py"
    output = _render(_finding(path=path, message="bell \x07 here"))
    assert output.startswith("::error file=evil%1B[31m%07.py,line=12,")
    assert output.endswith("::bell %07 here\n")
    assert escape_data("tab\there\x7f\x85") == "tab%09here%7F%C2%85"


def test_cli_github_format_keeps_a_control_character_in_a_file_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "evil\x1b.py").write_text(
        'import logging\nfrom flask import request\nlogging.info("%s", request.url)\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    outcome = run_cli(["--format", "github", "--no-cache", "."])
    assert outcome.stdout.startswith("::warning file=evil%1B.py,line=3,")
