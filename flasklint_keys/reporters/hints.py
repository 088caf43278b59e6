"""How to apply the fixes findings offer, in one line (text report, --fix, --diff)."""

from __future__ import annotations

from collections.abc import Iterable

from ..core.model import Applicability, Finding


def fix_hint(findings: Iterable[Finding], unsafe: bool = False) -> str:
    """``3 fixable with `--fix`, 2 more with `--fix --unsafe-fixes`.`` ("" when none).

    With ``unsafe`` (``unsafe-fixes = true``), ``--fix`` applies unsafe fixes too.
    Suppressed findings are never fixed.
    """
    safe = risky = 0
    for finding in findings:
        if finding.fix is None or finding.suppressed:
            continue
        if finding.fix.applicability is Applicability.SAFE or unsafe:
            safe += 1
        else:
            risky += 1
    if safe and risky:
        return f"{safe} fixable with `--fix`, {risky} more with `--fix --unsafe-fixes`."
    if safe:
        return f"{safe} fixable with `--fix`."
    if risky:
        return f"{risky} fixable with `--fix --unsafe-fixes`."
    return ""


def unsafe_left(findings: Iterable[Finding]) -> int:
    """Findings whose fix only ``--unsafe-fixes`` applies."""
    return sum(
        1
        for f in findings
        if f.fix is not None and not f.suppressed and f.fix.applicability is Applicability.UNSAFE
    )
