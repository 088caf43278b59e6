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
# Flask-JWT-Extended's callbacks: each answers an authentication failure.
JWT_LOADERS = frozenset(
    {
        "unauthorized_loader",
        "invalid_token_loader",
        "expired_token_loader",
        "revoked_token_loader",
        "needs_fresh_token_loader",
        "token_verification_failed_loader",
        "user_lookup_error_loader",
    }
)
# Calls that check a credential (their failing branch is an authentication failure).
CREDENTIAL_CHECKS = frozenset(
    {
        "check_password_hash",
        "checkpw",
        "verify",
        "check_password",
        "compare_digest",
        "verify_password",
        "check_hash",
        "verify_hash",
        "safe_str_cmp",
    }
)
# Packages of monitoring clients (error trackers, tracers, metrics): FLK107.
MONITORING_PACKAGES = frozenset({"sentry_sdk", "opentelemetry", "ddtrace", "datadog", "statsd"})
