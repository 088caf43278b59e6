"""Output formats: each is a pure function ``(LintResult, ReportOptions) -> str``."""

from __future__ import annotations

from collections.abc import Callable

from ..model import LintResult
from ._options import ReportOptions
from .github import render_github
from .json import render_json
from .sarif import render_sarif
from .text import render_text

Renderer = Callable[[LintResult, ReportOptions], str]

REPORTERS: dict[str, Renderer] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "github": render_github,
}

__all__ = ["REPORTERS", "Renderer", "ReportOptions"]
