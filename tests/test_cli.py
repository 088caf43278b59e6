"""The command line as the contract describes it: exit codes, formats, options."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import APP, APP_FINDINGS, CLEAN, codes_at, run, run_process, write

from flasklint_keys import __version__
from flasklint_keys.rules import all_rules, rules_by_code

ALL_RULES = all_rules()
RULES_BY_CODE = rules_by_code()

# Only FLK103 (a warning).
WARNING_ONLY = """\
import logging
from flask import request

log = logging.getLogger(__name__)


def view():
    log.info("GET %s", request.url)
"""

# Only FLK203 (a note).
NOTE_ONLY = """\
import logging

log = logging.getLogger(__name__)


def sync(job):
    try:
        job.run()
    except Exception:
        log.error("sync failed")
        return False
    return True
"""

# FLK103 and FLK101 on one line, in that column order.
ONE_LINE = """\
import logging
from flask import request

log = logging.getLogger(__name__)


def view():
    api_key = request.headers.get("X-API-Key")
    log.info("%s %s", request.url, api_key)
"""

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with the example app; every test runs inside it."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"app.py": APP})
    return tmp_path


# -- exit codes --------------------------------------------------------------------------------


def test_clean_code_exits_0(project: Path) -> None:
    write(project, {"app.py": CLEAN})
    result = run(["app.py"])
    assert result.exit_code == 0
    assert result.stdout == "All checks passed (1 file checked).\n"


def test_findings_exit_1(project: Path) -> None:
    assert run(["app.py"]).exit_code == 1


@pytest.mark.parametrize(
    ("fail_on", "expected"),
    [(None, 1), ("error", 0), ("warning", 1), ("note", 1)],
)
def test_fail_on_with_a_warning(project: Path, fail_on: str | None, expected: int) -> None:
    write(project, {"app.py": WARNING_ONLY})
    args = ["app.py"] if fail_on is None else ["--fail-on", fail_on, "app.py"]
    assert run(args).exit_code == expected


@pytest.mark.parametrize(
    ("fail_on", "expected"),
    [(None, 0), ("error", 0), ("warning", 0), ("note", 1)],
)
def test_fail_on_with_a_note(project: Path, fail_on: str | None, expected: int) -> None:
    write(project, {"app.py": NOTE_ONLY})
    args = ["--format", "json", "app.py"]
    if fail_on is not None:
        args[:0] = ["--fail-on", fail_on]
    result = run(args)
    assert [f["code"] for f in result.json()["findings"]] == ["FLK203"]
    assert result.exit_code == expected


def test_fail_on_error_with_an_error(project: Path) -> None:
    assert run(["--fail-on", "error", "app.py"]).exit_code == 1


def test_fail_on_rejects_other_values(project: Path) -> None:
    result = run(["--fail-on", "fatal", "app.py"])
    assert result.exit_code == 2
    assert "fatal" in result.stderr


def test_exit_zero(project: Path) -> None:
    result = run(["--exit-zero", "--format", "json", "app.py"])
    assert result.exit_code == 0
    assert len(result.json()["findings"]) == 2


@pytest.mark.parametrize("option", ["--select", "--ignore", "--extend-select"])
def test_unknown_code_exits_2_naming_it(project: Path, option: str) -> None:
    result = run([option, "FLK101,FLK999", "app.py"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"flasklint-keys: error: {option}: unknown rule code or prefix 'FLK999'\n"
    )


def test_unknown_prefix_exits_2(project: Path) -> None:
    result = run(["--select", "XYZ", "app.py"])
    assert result.exit_code == 2
    assert "'XYZ'" in result.stderr


def test_bad_configuration_exits_2_naming_the_key(project: Path) -> None:
    write(project, {"pyproject.toml": '[tool.flasklint-keys]\nselect = ["FLK1"]\nbogus = 1\n'})
    result = run(["app.py"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "unknown configuration key 'bogus'" in result.stderr


def test_nonexistent_path_exits_2(project: Path) -> None:
    result = run(["app.py", "missing.py"])
    assert result.exit_code == 2
    assert result.stderr == "flasklint-keys: error: missing.py: no such file or directory\n"


# Mode flags that contradict each other, and the message naming both.
CONTRADICTIONS = [
    (["--add-noqa", "--diff"], "--add-noqa cannot be combined with --diff"),
    (["--add-noqa", "--fix"], "--add-noqa cannot be combined with --fix"),
    (
        ["--add-noqa", "--write-baseline", "b.json"],
        "--add-noqa cannot be combined with --write-baseline",
    ),
    (["--write-baseline", "b.json", "--fix"], "--write-baseline cannot be combined with --fix"),
    (["--write-baseline", "b.json", "--diff"], "--write-baseline cannot be combined with --diff"),
    (
        ["--write-baseline", "b.json", "--baseline", "old.json"],
        "--write-baseline cannot be combined with --baseline",
    ),
    (["--list-rules", "--explain", "FLK101"], "--list-rules cannot be combined with --explain"),
    (["--list-rules", "--fix"], "--list-rules cannot be combined with --fix"),
    (["--explain", "FLK101", "--diff"], "--explain cannot be combined with --diff"),
    (["--explain", "FLK101", "--add-noqa"], "--explain cannot be combined with --add-noqa"),
    (["--list-rules", "app.py"], "--list-rules takes no PATH"),
    (["--explain", "FLK101", "-"], "--explain takes no PATH"),
    (["--unsafe-fixes", "app.py"], "--unsafe-fixes needs --fix or --diff"),
    (["--unsafe-fixes", "--add-noqa"], "--unsafe-fixes needs --fix or --diff"),
    (["--no-cache", "--cache-dir", "c"], "--no-cache cannot be combined with --cache-dir"),
    (["--diff", "-o", "r.txt"], "--diff writes no report; --output would be ignored"),
    (["--diff", "--format", "json"], "--diff writes no report; --format would be ignored"),
    (
        ["--add-noqa", "--sarif-output", "r.sarif"],
        "--add-noqa writes no report; --sarif-output would be ignored",
    ),
    (
        ["--write-baseline", "b.json", "--statistics"],
        "--write-baseline writes no report; --statistics would be ignored",
    ),
    (
        ["--fix", "-", "--format", "json"],
        "--fix on standard input writes no report; --format would be ignored",
    ),
    (["--add-noqa", "-"], "--add-noqa edits files; it cannot be used with standard input"),
    (["-", "app.py"], "PATH '-' (standard input) cannot be combined with other paths"),
    (["--stdin-filename", "x.py", "app.py"], "--stdin-filename needs PATH '-'"),
]


@pytest.mark.parametrize(
    ("args", "message"), CONTRADICTIONS, ids=lambda v: " ".join(v) if isinstance(v, list) else ""
)
def test_contradictory_flags_exit_2_naming_them(
    project: Path, args: list[str], message: str
) -> None:
    before = (project / "app.py").read_text(encoding="utf-8")
    result = run(args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"flasklint-keys: error: {message}\n"
    assert (project / "app.py").read_text(encoding="utf-8") == before
    assert not (project / "b.json").exists()


@pytest.mark.parametrize(
    "args",
    [["--fix", "--diff"], ["--diff", "--unsafe-fixes"], ["--fix", "--format", "json"]],
)
def test_compatible_mode_flags_are_accepted(project: Path, args: list[str]) -> None:
    """--fix --diff shows what --fix would do (as ruff); --fix reports what is left."""
    assert run([*args, "--no-cache", "app.py"]).exit_code in (0, 1)


@pytest.mark.parametrize(
    ("args", "configured", "message"),
    [
        (["--select", ""], None, "--select selects no rule (an empty list)"),
        (["--select", " , "], None, "--select selects no rule (an empty list)"),
        ([], "select = []", "'select' is empty: no rule would run"),
        (
            ["--ignore", "ALL"],
            None,
            "no rule is enabled: the selection and ignores leave nothing to run",
        ),
    ],
)
def test_an_empty_selection_is_a_usage_error(
    project: Path, args: list[str], configured: str | None, message: str
) -> None:
    if configured is not None:
        write(project, {"pyproject.toml": f"[tool.flasklint-keys]\n{configured}\n"})
    result = run([*args, "app.py"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("flasklint-keys: error: ")
    assert result.stderr.endswith(f"{message}\n")


@pytest.mark.parametrize("table", ["flasklint_keys", "flasklint.keys", "FlaskLint-Keys"])
@pytest.mark.parametrize("where", ["pyproject.toml", "flasklint-keys.toml"])
def test_a_misspelt_table_is_refused_with_a_suggestion(
    project: Path, table: str, where: str
) -> None:
    write(project, {where: f'[tool.{table}]\nselect = ["FLK101"]\n'})
    for args in (["app.py"], ["--config", where, "app.py"]):
        result = run(args)
        assert result.exit_code == 2
        assert result.stderr.endswith(
            f"[tool.{table}] is not read: did you mean [tool.flasklint-keys]?\n"
        ), result.stderr


def test_missing_explicit_config_exits_2(project: Path) -> None:
    result = run(["--config", "nope.toml", "app.py"])
    assert result.exit_code == 2
    assert "nope.toml" in result.stderr


def test_default_path_is_the_working_directory(project: Path) -> None:
    write(project, {"pkg/mod.py": WARNING_ONLY})
    document = run(["--format", "json"]).json()
    assert sorted({path for path, *_ in codes_at(document)}) == ["app.py", "pkg/mod.py"]
    assert document["summary"]["files"] == 2


# -- JSON --------------------------------------------------------------------------------------

FINDING_KEYS = {
    "code",
    "name",
    "severity",
    "message",
    "fix_suggestion",
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "fix",
    "fingerprint",
    "related",
}


def test_json_document_shape(project: Path) -> None:
    document = run(["--format", "json", "app.py"]).json()
    assert set(document) == {"version", "findings", "errors", "summary"}
    assert document["version"] == __version__
    assert document["errors"] == []
    assert document["summary"] == {
        "files": 1,
        "findings": 2,
        "suppressed": 0,
        "errors": 0,
        "fixable": sum(1 for f in document["findings"] if f["fix"] is not None),
        "by_code": {"FLK101": 1, "FLK103": 1},
        "by_severity": {"error": 1, "warning": 1, "note": 0},
    }


def test_json_finding_fields(project: Path) -> None:
    findings = run(["--format", "json", "app.py"]).json()["findings"]
    for finding in findings:
        assert set(finding) == FINDING_KEYS
        meta = RULES_BY_CODE[finding["code"]].meta
        assert finding["name"] == meta.name
        assert finding["severity"] == meta.severity.value
        assert finding["fix_suggestion"] == meta.fix_suggestion
        assert isinstance(finding["message"], str) and finding["message"]
        assert re.fullmatch(r"[0-9a-f]{20}", finding["fingerprint"])
        for key in ("line", "column", "end_line", "end_column"):
            assert isinstance(finding[key], int) and finding[key] >= 1
        fix = finding["fix"]
        assert fix is None or (
            fix["applicability"] in ("safe", "unsafe") and isinstance(fix["edits"], list)
        )
    # 1-based columns, exclusive end: `request.url` starts after 23 characters.
    url = findings[0]
    assert (url["code"], url["line"], url["column"], url["end_line"], url["end_column"]) == (
        "FLK103",
        10,
        24,
        10,
        35,
    )


def test_json_related_names_the_source(project: Path) -> None:
    secret = run(["--format", "json", "app.py"]).json()["findings"][1]
    assert secret["code"] == "FLK101"
    assert secret["related"] == [
        {"path": "app.py", "line": 11, "column": 15, "message": "credential: header 'X-API-Key'"}
    ]


def test_json_sorted_by_path_line_column_code(project: Path) -> None:
    write(project, {"b.py": ONE_LINE, "a.py": WARNING_ONLY, "sub/c.py": WARNING_ONLY})
    document = run(["--format", "json", "sub", "b.py", "app.py", "a.py"]).json()
    assert codes_at(document) == [
        ("a.py", 8, 24, "FLK103"),
        *(("app.py", line, column, code) for line, column, code in APP_FINDINGS),
        ("b.py", 9, 23, "FLK103"),
        ("b.py", 9, 36, "FLK101"),
        ("sub/c.py", 8, 24, "FLK103"),
    ]


def test_json_paths_are_relative_to_the_working_directory(project: Path) -> None:
    write(project, {"pkg/mod.py": WARNING_ONLY})
    absolute = run(["--format", "json", str(project / "pkg")]).json()
    assert codes_at(absolute) == [("pkg/mod.py", 8, 24, "FLK103")]
    os.chdir(project / "pkg")
    parent = run(["--format", "json", "../app.py"]).json()
    assert {path for path, *_ in codes_at(parent)} == {"../app.py"}


def test_json_is_deterministic(project: Path) -> None:
    write(project, {f"m{i}.py": ONE_LINE for i in range(20)})
    first = run(["--format", "json", "--no-cache", "-j", "2", "."])
    second = run(["--format", "json", "--no-cache", "-j", "1", "."])
    assert first.stdout == second.stdout
    assert first.json()["summary"]["findings"] == 2 + 20 * 2
    assert "time" not in first.stdout


def test_json_reports_undecodable_files_as_flk000(project: Path) -> None:
    (project / "bad.py").write_bytes(b"x = '\xff'\n")
    write(project, {"app.py": "x = 1\n"})
    result = run(["--format", "json", "."])
    document = result.json()
    assert document["errors"] == []
    bad = [f for f in document["findings"] if f["path"] == "bad.py"]
    assert [(f["code"], f["severity"], f["line"], f["column"], f["message"]) for f in bad] == [
        (
            "FLK000",
            "error",
            1,
            1,
            "cannot decode as utf-8: invalid byte 0xff at line 1, column 6"
            " (if the file is not UTF-8, declare its encoding in a PEP 263 coding line)",
        )
    ]
    assert document["summary"]["files"] == 2
    # The run goes on, and fails: nothing passes without having been read.
    assert result.exit_code == 1
    assert run(["--format", "json", "--exit-zero", "."]).exit_code == 0


def test_undecodable_file_with_flk000_off_is_an_error(project: Path) -> None:
    (project / "bad.py").write_bytes(b"x = '\xff'\n")
    write(project, {"app.py": "x = 1\n"})
    result = run(["--format", "json", "--ignore", "FLK000", "."])
    document = result.json()
    assert [(e["path"], e["kind"]) for e in document["errors"]] == [("bad.py", "decode")]
    assert document["findings"] == []
    assert result.exit_code == 2
    text = run(["--ignore", "FLK000", "."])
    assert "All checks passed" not in text.stdout
    assert "Not all checks ran: 1 file could not be linted (2 files checked)." in text.stdout


# -- text --------------------------------------------------------------------------------------


def test_text_format(project: Path) -> None:
    result = run(["app.py"])
    lines = result.stdout.splitlines()
    url_help = RULES_BY_CODE["FLK103"].meta.fix_suggestion
    assert lines[0] == (
        "app.py:10:24: FLK103 [url-in-log] `request.url` (request.url) reaches a log call;"
        " query strings carry keys such as ?key="
    )
    assert lines[1:4] == [
        "   |",
        '10 |     log.info("GET %s", request.url)',
        "   |                        ^^^^^^^^^^^",
    ]
    assert lines[4].startswith(f"  = help: {url_help}")
    assert lines[5] == ""
    assert lines[6] == (
        "app.py:12:24: FLK101 [secret-in-log] credential `api_key` (header 'X-API-Key')"
        " reaches a log call"
    )
    assert lines[7:10] == [
        "   |",
        '12 |     log.info("key %s", api_key)',
        "   |                        ^^^^^^^",
    ]
    assert lines[10] == "  = note: credential: header 'X-API-Key' (app.py:11:15)"
    assert lines[11].startswith("  = help: " + RULES_BY_CODE["FLK101"].meta.fix_suggestion)
    assert lines[13] == "Found 2 findings (1 error, 1 warning) in 1 of 1 file."
    assert re.fullmatch(r"\s+1  FLK101  secret-in-log\s+error +1 with --unsafe-fixes", lines[14])
    assert re.fullmatch(r"\s+1  FLK103  url-in-log\s+warning +1 with --unsafe-fixes", lines[15])
    # How to apply them: no fix here is safe.
    assert lines[16] == "2 fixable with `--fix --unsafe-fixes`."
    assert len(lines) == 17
    assert not ANSI.search(result.stdout)


def test_text_no_show_source(project: Path) -> None:
    lines = run(["--no-show-source", "app.py"]).stdout.splitlines()
    assert lines[0].startswith("app.py:10:24: FLK103 [url-in-log] ")
    assert lines[1].startswith("  = help: ")
    assert not any(" | " in line for line in lines)


def test_quiet_prints_finding_lines_only(project: Path) -> None:
    result = run(["-q", "app.py"])
    assert result.exit_code == 1
    assert [line.split(" [")[0] for line in result.stdout.splitlines()] == [
        "app.py:10:24: FLK103",
        "app.py:12:24: FLK101",
    ]


def test_quiet_still_shows_files_that_could_not_be_read(project: Path) -> None:
    (project / "bad.py").write_bytes(b"\xff\n")
    lines = run(["-q", "."]).stdout.splitlines()
    assert len(lines) == 3
    assert lines[2].startswith("bad.py:1:1: FLK000 [parse-error] cannot decode as utf-8: invalid")
    lines = run(["-q", "--ignore", "FLK000", "."]).stdout.splitlines()
    assert lines[-1].startswith("error: bad.py: cannot decode as utf-8: invalid byte 0xff")


def test_statistics(project: Path) -> None:
    write(project, {"b.py": ONE_LINE})
    lines = run(["--statistics", "."]).stdout.splitlines()
    assert len(lines) == 2
    assert re.fullmatch(r"\s+2  FLK101  secret-in-log\s+error +2 with --unsafe-fixes", lines[0])
    assert re.fullmatch(r"\s+2  FLK103  url-in-log\s+warning +2 with --unsafe-fixes", lines[1])


def test_summary_counts_files_and_suppressions(project: Path) -> None:
    write(project, {"b.py": ONE_LINE.replace("api_key)\n", "api_key)  # noqa: FLK101\n")})
    write(project, {"c.py": CLEAN})
    lines = run(["-j", "1", "."]).stdout.splitlines()
    summary = next(line for line in lines if line.startswith("Found "))
    assert summary == "Found 3 findings (1 error, 2 warnings) in 2 of 3 files; 1 suppressed."


# -- colour ------------------------------------------------------------------------------------


def test_no_colour_when_not_a_terminal(project: Path) -> None:
    assert not ANSI.search(run(["app.py"]).stdout)


def test_force_colour(project: Path) -> None:
    assert ANSI.search(run(["app.py"], env={"FORCE_COLOR": "1"}).stdout)


def test_no_color_beats_force_colour(project: Path) -> None:
    result = run(["app.py"], env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert not ANSI.search(result.stdout)


def _run_on_a_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    pty = pytest.importorskip("pty")
    leader, follower = pty.openpty()
    full_env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "flasklint_keys", *args],
        cwd=cwd,
        env={**full_env, **env},
        stdout=follower,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_colour_on_a_terminal(project: Path) -> None:
    assert ANSI.search(_run_on_a_terminal(["app.py"], project, {}))


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_no_color_on_a_terminal(project: Path) -> None:
    output = _run_on_a_terminal(["app.py"], project, {"NO_COLOR": "1"})
    assert "FLK101" in output
    assert not ANSI.search(output)


# -- output file -------------------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_output_file(project: Path, output_format: str) -> None:
    expected = run(["--format", output_format, "app.py"]).stdout
    result = run(["--format", output_format, "-o", "report.out", "app.py"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert (project / "report.out").read_text(encoding="utf-8") == expected


def test_output_file_never_has_colour(project: Path) -> None:
    run(["--output", "report.txt", "app.py"], env={"FORCE_COLOR": "1"})
    text = (project / "report.txt").read_text(encoding="utf-8")
    assert "FLK101" in text and not ANSI.search(text)


def test_output_file_that_cannot_be_written(project: Path) -> None:
    result = run(["-o", "no/such/dir/report.txt", "app.py"])
    assert result.exit_code == 2
    assert result.stderr.startswith("flasklint-keys: error: cannot write no/such/dir/report.txt")


# -- rule documentation, version ---------------------------------------------------------------


def test_list_rules(project: Path) -> None:
    result = run(["--list-rules"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(ALL_RULES)
    for line, rule in zip(lines, ALL_RULES, strict=True):
        cwe = f"CWE-{rule.cwe}" if rule.cwe else "-"
        assert line.split()[:4] == [rule.code, rule.name, rule.severity.value, cwe]
        assert line.endswith(rule.summary)


@pytest.mark.parametrize("code", ["FLK101", "flk101", " FLK101 "])
def test_explain(project: Path, code: str) -> None:
    result = run(["--explain", code])
    assert result.exit_code == 0
    meta = RULES_BY_CODE["FLK101"].meta
    assert result.stdout.startswith("# FLK101 secret-in-log\n")
    for section in ("What it does", "Why is this bad?", "Example", "Use instead", "References"):
        assert f"## {section}\n" in result.stdout
    assert meta.fix_suggestion in result.stdout


def test_explain_unknown_code(project: Path) -> None:
    result = run(["--explain", "FLK999"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "flasklint-keys: error: unknown rule code 'FLK999'\n"


def test_version(project: Path) -> None:
    result = run(["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"flasklint-keys, version {__version__}\n"


# -- selection ---------------------------------------------------------------------------------


def _codes(args: list[str]) -> list[str] | None:
    """The codes found, or None for a selection that leaves no rule to run (exit 2)."""
    result = run(["--format", "json", *args, "app.py"])
    if result.exit_code == 2:
        assert result.stderr == (
            "flasklint-keys: error: no rule is enabled: the selection and ignores leave"
            " nothing to run\n"
        )
        return None
    assert result.exit_code in (0, 1), result.stderr
    return [f["code"] for f in result.json()["findings"]]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], ["FLK103", "FLK101"]),
        (["--select", "FLK103"], ["FLK103"]),
        (["--select", "flk103"], ["FLK103"]),
        (["--select", "FLK1"], ["FLK103", "FLK101"]),
        (["--select", "ALL"], ["FLK103", "FLK101"]),
        (["--ignore", "FLK101"], ["FLK103"]),
        (["--ignore", "FLK1"], []),
        # The most specific selector wins, whatever the option order.
        (["--select", "FLK1", "--ignore", "FLK10"], None),
        (["--select", "FLK1", "--ignore", "FLK10", "--extend-select", "FLK101"], ["FLK101"]),
        (["--ignore", "FLK1", "--select", "FLK103"], ["FLK103"]),
        (["--select", "FLK103", "--ignore", "FLK1"], ["FLK103"]),
        # On a tie, ignore wins (and with nothing left to run, that is a usage error).
        (["--select", "FLK103", "--ignore", "FLK103"], None),
        (["--select", "FLK103", "--extend-select", "FLK101"], ["FLK103", "FLK101"]),
        (["--select", "FLK101, FLK103,"], ["FLK103", "FLK101"]),
    ],
)
def test_selection(project: Path, args: list[str], expected: list[str] | None) -> None:
    assert _codes(args) == expected


@pytest.mark.parametrize(
    ("configured", "args", "expected"),
    [
        # --select replaces the configured selection, its ignores included (as in ruff).
        ('ignore = ["FLK103"]', ["--select", "FLK103"], ["FLK103"]),
        ('select = ["FLK101"]', ["--select", "FLK103"], ["FLK103"]),
        # --ignore / --extend-select edit the configured result.
        ('select = ["FLK101"]', ["--ignore", "FLK1"], None),
        ('ignore = ["FLK1"]', ["--extend-select", "FLK103"], ["FLK103"]),
        ('select = ["FLK103"]', ["--extend-select", "FLK101"], ["FLK103", "FLK101"]),
        ('ignore = ["FLK101"]', ["--ignore", "FLK103"], []),
        ('ignore = ["FLK101"]', [], ["FLK103"]),
    ],
)
def test_command_line_selection_layers_over_the_configuration(
    project: Path, configured: str, args: list[str], expected: list[str] | None
) -> None:

    write(project, {"pyproject.toml": f"[tool.flasklint-keys]\n{configured}\n"})
    assert _codes(args) == expected


def test_selection_changes_the_exit_code(project: Path) -> None:
    assert run(["--select", "FLK103", "--fail-on", "error", "app.py"]).exit_code == 0
    assert run(["--select", "FLK101", "--fail-on", "error", "app.py"]).exit_code == 1


# -- excludes ----------------------------------------------------------------------------------


@pytest.fixture
def tree(project: Path) -> Path:
    write(
        project,
        {
            "migrations/m1.py": WARNING_ONLY,
            "scripts/tool.py": WARNING_ONLY,
            "scripts/deep/tool.py": WARNING_ONLY,
            "build/gen.py": WARNING_ONLY,
            "venv/lib.py": WARNING_ONLY,
            "node_modules/x.py": WARNING_ONLY,
            ".tox/t.py": WARNING_ONLY,
        },
    )
    return project


def _paths(args: list[str]) -> list[str]:
    result = run(["--format", "json", *args])
    assert result.exit_code in (0, 1), result.stderr
    return sorted({f["path"] for f in result.json()["findings"]})


def test_default_excludes(tree: Path) -> None:
    assert _paths(["."]) == [
        "app.py",
        "migrations/m1.py",
        "scripts/deep/tool.py",
        "scripts/tool.py",
    ]


def test_exclude_a_directory_name(tree: Path) -> None:
    assert _paths(["--exclude", "migrations", "."]) == [
        "app.py",
        "scripts/deep/tool.py",
        "scripts/tool.py",
    ]


def test_exclude_globs(tree: Path) -> None:
    assert _paths(["--exclude", "scripts/*.py,migrations", "."]) == ["app.py"]
    assert _paths(["--exclude", "tool.py", "."]) == ["app.py", "migrations/m1.py"]


def test_exclude_from_the_configuration_adds_to_the_command_line(tree: Path) -> None:
    write(tree, {"pyproject.toml": '[tool.flasklint-keys]\nexclude = ["migrations"]\n'})
    assert _paths(["--exclude", "scripts", "."]) == ["app.py"]


def test_explicit_files_are_linted_despite_excludes(tree: Path) -> None:
    assert _paths(["--exclude", "migrations", "migrations/m1.py", "build/gen.py"]) == [
        "build/gen.py",
        "migrations/m1.py",
    ]


def test_force_exclude_applies_excludes_to_explicit_files(tree: Path) -> None:
    args = ["--force-exclude", "--exclude", "migrations", "migrations/m1.py", "build/gen.py"]
    result = run(["--format", "json", *args, "app.py"])
    assert result.exit_code == 1
    assert {f["path"] for f in result.json()["findings"]} == {"app.py"}
    only_excluded = run(["--force-exclude", "--exclude", "migrations", "migrations/m1.py"])
    assert only_excluded.exit_code == 0
    assert only_excluded.stdout == "All checks passed (0 files checked).\n"


# -- python -m ---------------------------------------------------------------------------------


def test_python_m(project: Path) -> None:
    result = run_process(["--format", "json", "app.py"], cwd=project)
    assert result.exit_code == 1
    assert [(line, column, code) for _, line, column, code in codes_at(result.json())] == (
        APP_FINDINGS
    )
    assert result.stderr == ""


def test_python_m_exit_code_2(project: Path) -> None:
    result = run_process(["--select", "NOPE"], cwd=project)
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert "'NOPE'" in result.stderr
