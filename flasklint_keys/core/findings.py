"""Findings the tool reports itself rather than a rule (FLK000, FLK001), and their fingerprints.

LibCST-free, so that the run layer can report a file it could not read or decode
as an FLK000 finding without loading the lint layer.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from . import catalog
from .model import FileError, Finding, RuleMeta

# How FLK000 messages begin for input the tool could not look at (rather than code
# that does not parse): such a run also fails its SARIF invocation.
UNREADABLE = "cannot read"
UNDECODABLE = "cannot decode"
# FileError kinds that are input failures, reported as FLK000 when it is enabled.
INPUT_ERROR_KINDS = frozenset({"io", "decode"})
INPUT_FIX = (
    "make it readable (permissions, a symbolic link that leads somewhere, the encoding its"
    " coding line declares), or exclude it"
)


def finding_digest(code: str, path: str, text: str, occurrence: int) -> str:
    """A finding's fingerprint: rule, path, normalised statement text, occurrence index."""
    blob = "\0".join((code, path, text, str(occurrence))).encode("utf-8", "surrogateescape")
    return hashlib.sha256(blob).hexdigest()[:20]


def engine_finding(
    meta: RuleMeta,
    display: str,
    line: int,
    columns: tuple[int, int],
    message: str,
    statement_text: str,
    occurrence: int = 0,
    suppressed: bool = False,
) -> Finding:
    """A finding of a rule the engine reports itself (FLK000, FLK001): one line, no fix."""
    return Finding(
        code=meta.code,
        name=meta.name,
        severity=meta.severity,
        message=message,
        fix_suggestion=meta.fix_suggestion,
        path=display,
        line=line,
        column=columns[0],
        end_line=line,
        end_column=columns[1],
        fingerprint=finding_digest(meta.code, display, statement_text, occurrence),
        suppressed=suppressed,
    )


def input_failure(error: FileError) -> Finding:
    """An unreadable or undecodable file (or directory) as an FLK000 finding at its start."""
    meta = catalog.meta(catalog.PARSE_ERROR)
    assert meta is not None
    finding = engine_finding(meta, error.path, 1, (1, 2), error.message, error.message)
    return replace(finding, fix_suggestion=INPUT_FIX)


def is_input_failure(finding: Finding) -> bool:
    """An FLK000 for input the tool could not read or decode (not code that does not parse)."""
    return finding.code == catalog.PARSE_ERROR and finding.message.startswith(
        (UNREADABLE, UNDECODABLE)
    )
