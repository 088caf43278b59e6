"""Names of logging methods, shared by the LibCST analysis and the ast pre-pass."""

from __future__ import annotations

LOG_METHODS = frozenset(
    {
        "debug",
        "info",
        "warning",
        "warn",
        "error",
        "exception",
        "critical",
        "fatal",
        "log",
        "msg",
        "trace",
        "success",
        "bind",
    }
)
ERROR_METHODS = frozenset({"error", "exception", "critical", "fatal"})
