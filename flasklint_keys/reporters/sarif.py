"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning, editors and other viewers.

One run; every enabled rule is described in ``tool.driver.rules`` from the
same metadata as ``--explain``; results carry GitHub's line hash so alerts
survive pushes. Deterministic: no timestamps, no absolute paths.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from .. import __version__
from ..core import catalog
from ..core.docs import doc_sections
from ..core.findings import INPUT_ERROR_KINDS, is_input_failure
from ..core.model import FileError, Finding, Fix, LintResult, Related, RuleMeta, Severity
from ._line_hash import line_hashes
from ._options import ReportOptions

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL_NAME = "flasklint-keys"
INFORMATION_URI = "https://github.com/flasklint-keys/flasklint-keys"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "flasklintKeys/v1"

# GitHub buckets security-severity as critical >= 9.0 > high >= 7.0 > medium >= 4.0 > low.
SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.0", Severity.NOTE: "3.0"}

Json = dict[str, Any]


# -- rules -------------------------------------------------------------------------------------


def _unwrap(text: str) -> str:
    """Markdown paragraphs wrapped at 80 columns, as one line each for plain-text viewers."""
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


def _tags(meta: RuleMeta) -> list[str]:
    tags = ["security"]
    if meta.cwe is not None:
        tags.append(f"external/cwe/cwe-{meta.cwe}")
    return tags


def _help(meta: RuleMeta) -> str:
    return f"{meta.docs}\n\n## Fix\n{meta.fix_suggestion}\n"


def rule_descriptor(meta: RuleMeta) -> Json:
    what = doc_sections(meta.docs).get("What it does", meta.summary)
    full_help = _help(meta)
    return {
        "id": meta.code,
        "name": meta.name,
        "shortDescription": {"text": f"{meta.summary}."},
        "fullDescription": {"text": _unwrap(what), "markdown": what},
        "help": {"text": full_help, "markdown": full_help},
        "helpUri": meta.help_uri,
        "defaultConfiguration": {"level": meta.severity.value},
        "properties": {
            "tags": _tags(meta),
            "precision": meta.precision,
            "security-severity": SECURITY_SEVERITY[meta.severity],
        },
    }


def _described_rules(result: LintResult, findings: Sequence[Finding]) -> list[RuleMeta]:
    """The enabled rules, plus any rule a finding names that is not among them (defensive)."""
    rules = [meta for code in result.enabled if (meta := catalog.meta(code)) is not None]
    known = {meta.code for meta in rules}
    for finding in findings:
        rule = catalog.meta(finding.code)
        if finding.code not in known and rule is not None:
            rules.append(rule)
            known.add(finding.code)
    return rules


# -- locations ---------------------------------------------------------------------------------


def artifact_uri(path: str) -> str:
    """A relative URI reference for a display path (already relative, forward slashes)."""
    return quote(path.replace("\\", "/"), safe="/-._~!$&'()*+,;=@")


def _artifact(path: str) -> Json:
    return {"uri": artifact_uri(path), "uriBaseId": SRCROOT}


def region(line: int, column: int, end_line: int, end_column: int) -> Json:
    """All four fields, 1-based, never inverted (SARIF viewers reject inverted regions)."""
    start_line, start_column = max(1, line), max(1, column)
    end_line = max(start_line, end_line)
    end_column = max(1, end_column)
    if end_line == start_line:
        end_column = max(start_column, end_column)
    return {
        "startLine": start_line,
        "startColumn": start_column,
        "endLine": end_line,
        "endColumn": end_column,
    }


def _location(finding: Finding) -> Json:
    return {
        "physicalLocation": {
            "artifactLocation": _artifact(finding.path),
            "region": region(finding.line, finding.column, finding.end_line, finding.end_column),
        }
    }


def _related(index: int, related: Related) -> Json:
    return {
        "id": index,
        "physicalLocation": {
            "artifactLocation": _artifact(related.path),
            "region": {"startLine": max(1, related.line), "startColumn": max(1, related.column)},
        },
        "message": {"text": related.message},
    }


def _code_flow(finding: Finding) -> Json:
    """Where the credential entered, then where it leaks (viewers step through it)."""
    steps = [
        {"location": {k: v for k, v in _related(0, r).items() if k != "id"}}
        for r in finding.related
    ]
    sink = dict(_location(finding))
    sink["message"] = {"text": finding.message}
    steps.append({"location": sink})
    return {"threadFlows": [{"locations": steps}]}


def _fixes(finding: Finding, fix: Fix) -> list[Json]:
    replacements = [
        {
            "deletedRegion": region(edit.line, edit.column, edit.end_line, edit.end_column),
            "insertedContent": {"text": edit.content},
        }
        for edit in fix.edits
    ]
    return [
        {
            "description": {"text": fix.title},
            "artifactChanges": [
                {"artifactLocation": _artifact(finding.path), "replacements": replacements}
            ],
        }
    ]


# -- results -----------------------------------------------------------------------------------


def _result(
    finding: Finding,
    rule_index: dict[str, int],
    line_hash: str | None,
    include_suppressed: bool,
) -> Json:
    out: Json = {"ruleId": finding.code}
    if finding.code in rule_index:
        out["ruleIndex"] = rule_index[finding.code]
    out["level"] = finding.severity.value
    out["message"] = {"text": finding.message}
    out["locations"] = [_location(finding)]
    if line_hash is not None:
        out["partialFingerprints"] = {"primaryLocationLineHash": line_hash}
    if finding.fingerprint:
        out["fingerprints"] = {FINGERPRINT_KEY: finding.fingerprint}
    if finding.related:
        out["relatedLocations"] = [
            _related(i, related) for i, related in enumerate(finding.related, start=1)
        ]
        out["codeFlows"] = [_code_flow(finding)]
    if finding.fix is not None and finding.fix.edits:
        out["fixes"] = _fixes(finding, finding.fix)
    if include_suppressed:
        out["suppressions"] = [{"kind": "inSource"}] if finding.suppressed else []
    return out


def _hashes(result: LintResult, findings: Iterable[Finding]) -> dict[tuple[str, int], str]:
    """(path, line) -> GitHub line hash, hashing each file once and only as far as needed."""
    wanted: dict[str, set[int]] = {}
    for finding in findings:
        wanted.setdefault(finding.path, set()).add(max(1, finding.line))
    out: dict[tuple[str, int], str] = {}
    for path, lines in wanted.items():
        source = result.sources.get(path)
        if source is None:
            continue
        for line, value in line_hashes(source, lines).items():
            out[(path, line)] = value
    return out


# -- invocation --------------------------------------------------------------------------------


def _error_notification(error: FileError) -> Json:
    return {
        "level": "error",
        "message": {"text": f"{error.path}: {error.message}"},
        "locations": [{"physicalLocation": {"artifactLocation": _artifact(error.path)}}],
    }


def _parse_notification(finding: Finding, rule_index: dict[str, int]) -> Json:
    rule: Json = {"id": finding.code}
    if finding.code in rule_index:
        rule["index"] = rule_index[finding.code]
    return {
        "level": "error",
        "message": {"text": f"{finding.path}: {finding.message}"},
        "locations": [_location(finding)],
        "associatedRule": rule,
    }


def _invocation(
    result: LintResult, findings: Sequence[Finding], rule_index: dict[str, int]
) -> Json:
    notifications = [
        _parse_notification(f, rule_index)
        for f in findings
        if f.code == catalog.PARSE_ERROR and not f.suppressed
    ]
    notifications.extend(_error_notification(e) for e in result.errors)
    invocation: Json = {"executionSuccessful": not _failed(result)}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation


def _failed(result: LintResult) -> bool:
    """The tool failed, or could not look at some input (unreadable, undecodable): a
    parse error is a finding about the code, but unread input is a failure of the run."""
    return any(e.kind in ("internal", *INPUT_ERROR_KINDS) for e in result.errors) or any(
        is_input_failure(f) for f in result.findings
    )


def sarif_document(result: LintResult, options: ReportOptions) -> Json:
    findings = result.findings if options.include_suppressed else result.active_findings
    rules = _described_rules(result, findings)
    rule_index = {meta.code: i for i, meta in enumerate(rules)}
    hashes = _hashes(result, findings)
    run: Json = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [rule_descriptor(meta) for meta in rules],
            }
        },
        "invocations": [_invocation(result, findings, rule_index)],
        "results": [
            _result(
                f,
                rule_index,
                hashes.get((f.path, max(1, f.line))),
                options.include_suppressed,
            )
            for f in findings
        ],
        "columnKind": "unicodeCodePoints",
    }
    return {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def render_sarif(result: LintResult, options: ReportOptions) -> str:
    return json.dumps(sarif_document(result, options), indent=2, ensure_ascii=False) + "\n"
