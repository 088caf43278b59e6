"""Baselines: record today's findings so that CI fails only on new ones (adoption).

A baseline holds finding fingerprints — rule, path, the flagged statement's
normalised text and its occurrence index (see ``lint/findings.py``) — so that
line shifts and unrelated edits elsewhere in a file keep old findings matched.
It is a sorted JSON document without timestamps: diffs of it review well.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..core.model import Finding, LintResult
from .files import write_atomically

BASELINE_VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be read or is not a baseline; the CLI exits 2."""


@dataclass(frozen=True)
class Baseline:
    fingerprints: Counter[str]

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> Baseline:
        return cls(Counter(f.fingerprint for f in findings))


def baseline_document(findings: Iterable[Finding]) -> str:
    """The baseline of ``findings`` (suppressed ones are not recorded: they are silenced)."""
    entries = sorted(
        (f.path, f.code, f.fingerprint) for f in findings if not f.suppressed and f.fingerprint
    )
    document: dict[str, Any] = {
        "version": BASELINE_VERSION,
        "tool": "flasklint-keys",
        "findings": [
            {"path": path, "code": code, "fingerprint": fingerprint}
            for path, code, fingerprint in entries
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_baseline(result: LintResult, path: Path) -> int:
    """Write the baseline atomically; returns how many findings it records."""
    text = baseline_document(result.findings)
    try:
        write_atomically(path, text.encode("utf-8"))
    except OSError as exc:
        raise BaselineError(f"cannot write baseline {path}: {exc.strerror or exc}") from None
    return sum(1 for f in result.findings if not f.suppressed and f.fingerprint)


def load_baseline(path: Path) -> Baseline:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaselineError(f"baseline file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path} is not a baseline: invalid JSON ({exc})") from None
    return _parse(document, path)


def _parse(document: object, path: Path) -> Baseline:
    if not isinstance(document, dict) or "version" not in document:
        raise BaselineError(f"{path} is not a baseline: no 'version' field")
    if document["version"] != BASELINE_VERSION:
        raise BaselineError(
            f"{path}: unsupported baseline version {document['version']!r} "
            f"(this flasklint-keys writes version {BASELINE_VERSION})"
        )
    entries = document.get("findings")
    if not isinstance(entries, list):
        raise BaselineError(f"{path} is not a baseline: 'findings' must be a list")
    fingerprints: Counter[str] = Counter()
    for number, entry in enumerate(entries):
        fingerprint = entry.get("fingerprint") if isinstance(entry, dict) else None
        if not isinstance(fingerprint, str) or not fingerprint:
            raise BaselineError(f"{path}: findings[{number}] has no 'fingerprint' string")
        fingerprints[fingerprint] += 1
    return Baseline(fingerprints)


def apply_baseline(result: LintResult, baseline: Baseline) -> LintResult:
    """Drop the active findings the baseline records, each entry matching at most once."""
    remaining = Counter(baseline.fingerprints)
    kept: list[Finding] = []
    for finding in result.findings:
        if not finding.suppressed and remaining[finding.fingerprint] > 0:
            remaining[finding.fingerprint] -= 1
            continue
        kept.append(finding)
    return replace(result, findings=tuple(kept))
