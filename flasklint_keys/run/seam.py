"""The one lazy seam between a run and the LibCST side (``lint/``).

Everything in ``run/`` works without LibCST: discovery, the cache, the ``ast``
pre-pass, scheduling. Only a file that needs its LibCST pass reaches the lint
layer, through these functions; a warm run, or one whose changed files the
pre-pass settles, never imports LibCST (~0.3 s).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..analysis.project import ProjectContext
    from ..analysis.summary import ModuleSummary
    from ..core.model import FileResult
    from ..core.options import Options
    from ..lint.engine import FileLint


def preload() -> None:
    """Import the lint layer now (before forking workers, so none pays for it again)."""
    from ..lint import engine  # noqa: F401


@contextmanager
def trees_kept(limit: int) -> Iterator[None]:
    """Within: the last ``limit`` files parsed keep their trees, for a second pass over
    the same text (``lint/trees.py``); after: as before (none, unless an enclosing
    ``trees_kept`` keeps some)."""
    from ..lint import trees

    before = trees.keep(max(limit, trees.kept_limit()))
    try:
        yield
    finally:
        trees.keep(before)


def lint_file(
    text: str, display: str, options: Options, project: ProjectContext, summarise_as: str | None
) -> FileLint:
    from ..lint.engine import lint_file

    return lint_file(text, display, options, project, summarise_as)


def lint_source(
    text: str, display: str, options: Options, project: ProjectContext | None = None
) -> FileResult:
    from ..lint.engine import lint_source

    return lint_source(text, display, options, project)


def summarise_file(
    text: str, display: str, options: Options, project: ProjectContext, module_name: str
) -> ModuleSummary | None:
    from ..lint.engine import summarise_file

    return summarise_file(text, display, options, project, module_name)
