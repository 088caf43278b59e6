"""Output formats: each is a pure function ``(LintResult, ReportOptions) -> str``.

Formats are imported on first use: ``--format json`` never loads rich, and only
SARIF needs the rules' documentation.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping

from ..core.model import LintResult
from ._options import ReportOptions

Renderer = Callable[[LintResult, ReportOptions], str]

_MODULES = {
    "github": ("github", "render_github"),
    "json": ("json", "render_json"),
    "sarif": ("sarif", "render_sarif"),
    "text": ("text", "render_text"),
}


class _Reporters(Mapping[str, Renderer]):
    def __getitem__(self, name: str) -> Renderer:
        module, function = _MODULES[name]
        renderer: Renderer = getattr(importlib.import_module(f"{__name__}.{module}"), function)
        return renderer

    def __iter__(self) -> Iterator[str]:
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)


REPORTERS: Mapping[str, Renderer] = _Reporters()

__all__ = ["REPORTERS", "Renderer", "ReportOptions"]
