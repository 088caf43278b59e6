"""What one invocation does: a :class:`Request` built from the flags, handled by a mode.

Every mode runs the same pipeline — run (a tree, or a buffer from standard
input) → baseline → the mode's own step (report, fix, diff, add-noqa, write a
baseline) → exit code. A new way of using the tool (a language server) is one
more handler over the same session.
"""

from __future__ import annotations

from .handlers import execute
from .request import Request, UsageError

__all__ = ["Request", "UsageError", "execute"]
