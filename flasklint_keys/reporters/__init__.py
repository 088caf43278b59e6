"""Output formats: each is a pure function ``(LintResult, ReportOptions) -> str``."""

from __future__ import annotations

from collections.abc import Callable

from ..model import LintResult
from ._options import ReportOptions
from .json import render_json
from .text import render_text

Renderer = Callable[[LintResult, ReportOptions], str]

REPORTERS: dict[str, Renderer] = {
    "text": render_text,
    "json": render_json,
}

__all__ = ["REPORTERS", "Renderer", "ReportOptions"]
