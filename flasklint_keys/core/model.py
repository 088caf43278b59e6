"""The data every other layer exchanges: rule metadata, findings, fixes, results.

Everything here is a frozen dataclass so results can cross process boundaries
(pickle), be cached, and be compared in tests without surprises.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


class Severity(str, enum.Enum):
    """How bad a finding is; ordered ``note < warning < error``."""

    NOTE = "note"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.NOTE: 0, Severity.WARNING: 1, Severity.ERROR: 2}


class Applicability(str, enum.Enum):
    """Whether a fix preserves behaviour (``safe``) or changes it (``unsafe``)."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class RuleMeta:
    """The one metadata source for a rule: README table, ``--explain`` and SARIF."""

    code: str
    name: str
    summary: str
    severity: Severity
    cwe: int | None
    fix_suggestion: str
    docs: str
    precision: str = "high"
    # Pre-pass signals (core/signals.py) that make a file worth this rule's LibCST
    # pass; None: every file is.
    trigger: tuple[str, ...] | None = None

    @property
    def help_uri(self) -> str:
        return f"https://github.com/flasklint-keys/flasklint-keys/blob/main/docs/rules.md#{self.code.lower()}"


@dataclass(frozen=True)
class Edit:
    """Replace the text between two 1-based positions (end exclusive) with ``content``."""

    line: int
    column: int
    end_line: int
    end_column: int
    content: str


@dataclass(frozen=True)
class Fix:
    title: str
    applicability: Applicability
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class Related:
    """A location that explains a finding (where a credential came from)."""

    path: str
    line: int
    column: int
    message: str


@dataclass(frozen=True)
class Finding:
    """One reported problem; positions are 1-based, ``end_column`` exclusive."""

    code: str
    name: str
    severity: Severity
    message: str
    fix_suggestion: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    fingerprint: str = ""
    fix: Fix | None = None
    suppressed: bool = False
    related: tuple[Related, ...] = ()

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.column, self.code, self.message)


@dataclass(frozen=True)
class FileError:
    """A file that could not be linted at all (unreadable, undecodable, internal error)."""

    path: str
    message: str
    kind: str = "io"


@dataclass(frozen=True)
class FileResult:
    path: str
    findings: tuple[Finding, ...] = ()
    errors: tuple[FileError, ...] = ()


@dataclass(frozen=True)
class LintResult:
    """The outcome of a whole run; reporters are pure functions of this."""

    findings: tuple[Finding, ...]
    errors: tuple[FileError, ...]
    files_checked: int
    enabled: tuple[str, ...] = ()  # codes of the enabled rules, sorted
    # Text of files with findings (the runner reads them lazily, when a reporter asks).
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def active_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.suppressed)


def sort_findings(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: f.sort_key))
