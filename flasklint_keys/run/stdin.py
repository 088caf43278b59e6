"""PATH ``-``: lint standard input as if it were a file (editors pipe unsaved buffers in).

``--stdin-filename NAME`` names the buffer: findings carry NAME, per-file
ignores and test-file exemptions apply to it, and configuration is found from
NAME's directory. NAME need not exist. Excludes apply only with
``--force-exclude``, as for any explicitly named file.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from ..core.config import DEFAULT_EXCLUDES, Config, PathRules
from ..core.model import LintResult
from ..core.options import Options
from .discovery import display_path
from .source import STDIN


def stdin_display(name: str | None, cwd: Path) -> str:
    """How findings name the buffer: NAME relative to the working directory, or ``-``."""
    if not name:
        return STDIN
    return display_path((cwd / name).absolute(), cwd)


def stdin_excluded(name: str, config: Config, cwd: Path) -> bool:
    rules = PathRules.build((*DEFAULT_EXCLUDES, *config.exclude))
    path = (cwd / name).absolute()
    candidates = {display_path(path, cwd)}
    with contextlib.suppress(ValueError, OSError):
        candidates.add(path.resolve().relative_to(Path(config.root).resolve()).as_posix())
    return any(rules.excludes(candidate) for candidate in candidates)


def empty_result(options: Options) -> LintResult:
    """The result for an excluded buffer: nothing checked, nothing found."""
    return LintResult(
        findings=(),
        errors=(),
        files_checked=0,
        enabled=tuple(sorted(options.enabled)),
    )


def read_stdin() -> bytes:
    """Standard input as bytes, so the buffer is decoded as the file would be (PEP 263, BOM)."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is not None:
        return bytes(buffer.read())
    return sys.stdin.read().encode("utf-8")
