from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReportOptions:
    color: bool = False
    show_source: bool = True
    quiet: bool = False
    statistics: bool = False
    include_suppressed: bool = False
    width: int = 100
    # --fix applies unsafe fixes too (``unsafe-fixes = true``): the hint counts them as fixable.
    unsafe_fixes: bool = False
