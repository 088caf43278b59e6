"""The pre-pass vocabulary: constructs a cheap ``ast`` scan can see in a file.

Each rule declares, next to its code, which of these make a file worth its
LibCST pass (``Rule.trigger``); the pre-pass (``analysis/prepass.py``) computes
them and sends a file on when it shows a signal some enabled rule asked for. A
rule that declares no trigger gets every file.
"""

from __future__ import annotations

import enum


class Signal(str, enum.Enum):
    # A credential named by an identifier (``api_key``, ``password``) or by a
    # string that is a credential key wherever it appears (``"api_key"``).
    CREDENTIAL_NAME = "credential-name"
    # A string naming a credential only as a header, request field or setting
    # (``"X-Token"``, ``"key"``, ``"GITHUB_TOKEN"``), in a Flask module or one
    # that reads settings.
    CREDENTIAL_LOOSE = "credential-loose"
    # A name that says it holds a connection/broker/proxy/notification URL or DSN
    # (``DATABASE_URL``, ``"SQLALCHEMY_DATABASE_URI"``, ``proxy_url``), or a call that
    # takes one (``create_engine``, ``InfluxDBClient.from_dsn``).
    CREDENTIAL_URL = "credential-url"
    # Whole request data (``request.headers``, ``.url``, ``.args``...) or the
    # request object passed on, and a call that may log.
    REQUEST_LOGGED = "request-logged"
    # An error handler, a Flask-HTTPAuth/Flask-Login callback or an
    # ``register_error_handler`` call.
    HANDLER = "handler"
    # In a Flask module: a 401/403, ``Unauthorized``/``Forbidden`` or a
    # credential check (``check_password_hash``...).
    REJECTION = "rejection"
    # An exception class carrying an HTTP status (``code = 401``).
    STATUS_CLASS = "status-class"
    # A function named as an auth decorator in the configuration.
    AUTH_CODE = "auth-code"
    # In a Flask module: a MAC or digest compared with ``==``.
    DIGEST_COMPARE = "digest-compare"
    # ``debug=True``, ``app.debug = True``, ``config["DEBUG"] = True``.
    DEBUG_ON = "debug-on"
    # A broad ``except`` whose body does not raise.
    BROAD_EXCEPT = "broad-except"
    # An error-level log in an ``except`` with nothing that keeps the traceback.
    DROPPED_TRACEBACK = "dropped-traceback"
    # Traceback text (``format_exc``...).
    TRACEBACK_TEXT = "traceback-text"
    # In a Flask module: an ``except ... as e`` that uses ``e``.
    EXCEPTION_USED = "exception-used"
    # ``return``/``break``/``continue`` inside a ``finally`` block.
    FINALLY_EXIT = "finally-exit"
    # A monitoring client: Sentry, OpenTelemetry, ddtrace/Datadog, statsd.
    MONITORING = "monitoring"
    # A ``logging.Logger``/``LoggerAdapter`` subclass: its methods are log calls wherever a
    # logger is used, so its module is summarised for every module that logs.
    LOGGER_CLASS = "logger-class"
    # A comment that may be a suppression (a noqa or flasklint-keys directive).
    SUPPRESSION_COMMENT = "suppression-comment"


ALL_SIGNALS: frozenset[str] = frozenset(signal.value for signal in Signal)
