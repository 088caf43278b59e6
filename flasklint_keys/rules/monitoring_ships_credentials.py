"""FLK107 monitoring-ships-credentials: credentials sent to an error tracker or a tracer."""

from __future__ import annotations

import libcst as cst

from ..analysis.culprits import Culprit
from ..analysis.monitoring import (
    MonitoringSink,
    SentryInit,
    before_send_scrubs,
    classify_monitoring,
    project_credential_headers,
    sentry_init,
    uses_monitoring,
)
from ..analysis.taint import Kind
from ..core.model import Severity
from ..core.signals import Signal
from ._common import describe, first, origin_of, snippet
from ._fixes import fingerprint_fix
from .base import Rule, RuleContext

MAX_HEADERS = 3


class MonitoringShipsCredentials(Rule):
    """
    ## What it does
    Flags credentials sent to a monitoring service:
    - `sentry_sdk.init(send_default_pii=True)` without a `before_send` that
      scrubs the request headers: Sentry then attaches every header and cookie
      of the request to each event;
    - Sentry initialised (without `send_default_pii`) in an app that reads a
      credential from a header Sentry does not drop by default, with no
      scrubbing `before_send` or `event_scrubber`. Sentry drops only
      `Authorization`, `Cookie`, `Set-Cookie`, `X-Api-Key`, `X-Forwarded-For`
      and `X-Real-Ip`: an `X-Auth-Token` goes to Sentry as it is;
    - a credential passed to Sentry (`set_tag`, `set_tags`, `set_context`,
      `set_extra`, `set_user`, `add_breadcrumb`, `capture_message`, on
      `sentry_sdk` or a scope), an OpenTelemetry span (`set_attribute`,
      `set_attributes`, `add_event`), a Datadog/ddtrace span (`set_tag`,
      `set_tags`) or a statsd metric name or tags.
    A `before_send` counts as scrubbing when it touches the event's headers or
    request, names a credential header or calls a redaction helper; one defined
    in another module of the project is looked up there, and one that cannot be
    seen (a library's) is trusted.

    ## Why is this bad?
    Error trackers and tracing backends are logs kept by a third party, read by
    everyone who triages errors and rarely covered by the rules that protect
    log files. A key that reaches them can be used by anyone with access to the
    project's events (CWE-532, OWASP A09).

    ## Example
    ```python
    sentry_sdk.init(dsn=DSN, send_default_pii=True)

    key = request.headers["X-Auth-Token"]
    sentry_sdk.set_tag("api_key", key)
    ```

    ## Use instead
    Scrub the headers before events leave, and tag events with a fingerprint:
    ```python
    def before_send(event, hint):
        headers = event.get("request", {}).get("headers", {})
        for name in ("X-Auth-Token", "Authorization"):
            headers.pop(name, None)
        return event

    sentry_sdk.init(dsn=DSN, send_default_pii=True, before_send=before_send)
    sentry_sdk.set_tag("key_id", hashlib.sha256(key.encode()).hexdigest()[:12])
    ```

    ## References
    - [CWE-532: Insertion of Sensitive Information into Log File](https://cwe.mitre.org/data/definitions/532.html)
    - [Sentry: Scrubbing sensitive data (Python)](https://docs.sentry.io/platforms/python/data-management/sensitive-data/)
    - [OpenTelemetry: Handling sensitive data](https://opentelemetry.io/docs/security/handling-sensitive-data/)
    - [OWASP Logging Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html)
    """

    code = "FLK107"
    name = "monitoring-ships-credentials"
    summary = "request headers or a credential reach an error-tracking or telemetry service"
    severity = Severity.WARNING
    cwe = 532
    fix_suggestion = (
        "scrub headers in a before_send (or leave send_default_pii off), and send a key "
        "fingerprint or id to monitoring, never the key"
    )
    # Credential names: the modules that read credential headers must be summarised too,
    # even when this rule runs alone.
    trigger = (Signal.MONITORING, Signal.CREDENTIAL_NAME, Signal.CREDENTIAL_LOOSE)

    VALID = (
        """
import sentry_sdk
def before_send(event, hint):
    event.get("request", {}).pop("headers", None)
    return event
sentry_sdk.init(dsn="https://k@o1.ingest.sentry.io/1", send_default_pii=True, before_send=before_send)
""",
        """
import hashlib
import sentry_sdk
from flask import request
def tag():
    key = request.headers.get("X-API-Key")
    sentry_sdk.set_tag("key_id", hashlib.sha256(key.encode()).hexdigest()[:12])
    sentry_sdk.set_user({"id": 7})
""",
    )
    INVALID = (
        """
import sentry_sdk
sentry_sdk.init(dsn="https://k@o1.ingest.sentry.io/1", send_default_pii=True)  # FLK107:56
""",
        """
import sentry_sdk
from flask import request
from opentelemetry import trace
sentry_sdk.init(dsn="https://k@o1.ingest.sentry.io/1")  # FLK107:1
def view():
    token = request.headers["X-Auth-Token"]
    trace.get_current_span().set_attribute("auth.token", token)  # FLK107:58
""",
    )

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        # Most modules use no monitoring client: one look at the imports settles it.
        self._active = uses_monitoring(context.analysis)

    def visit_Call(self, node: cst.Call) -> None:
        if not self._active:
            return
        init = sentry_init(node, self.context.analysis)
        if init is not None:
            self._check_init(init)
            return
        sink = classify_monitoring(node, self.context.analysis)
        if sink is not None:
            for culprit in self._leaks(node, sink):
                self._report_leak(sink, culprit)

    # -- Sentry's initialisation -----------------------------------------------------------

    def _check_init(self, init: SentryInit) -> None:
        ctx = self.context
        if init.scrubber:
            return
        if before_send_scrubs(init, ctx.analysis, ctx.function) is not False:
            return
        missing = init.before_send is None
        if init.pii is not None:
            self.report(
                init.pii,
                "send_default_pii=True makes Sentry attach every request header and cookie "
                "(API keys and session cookies included) to its events, and "
                + ("no before_send removes them" if missing else "its before_send keeps them"),
            )
            return
        if init.opaque:
            return
        headers = project_credential_headers(ctx.analysis)
        if headers:
            shown = ", ".join(headers[:MAX_HEADERS]) + ("…" if len(headers) > MAX_HEADERS else "")
            self.report(
                init.call,
                f"Sentry sends the app's credential header(s) {shown} with every event "
                "(by default it drops only Authorization, Cookie, X-Api-Key and a few more), and "
                + ("no before_send scrubs them" if missing else "its before_send keeps them"),
            )

    # -- values sent to monitoring ---------------------------------------------------------

    def _leaks(self, call: cst.Call, sink: MonitoringSink) -> list[Culprit]:
        ctx = self.context
        found = [c for c in ctx.culprits(call, sink.args) if c.taint.has(Kind.CRED)]
        if found or sink.key is None or not sink.args:
            return found
        # ``set_tag("api_key", value)``: the tag's name says what the value is.
        value = sink.args[0].value
        evaluator = ctx.analysis.evaluator(ctx.scope)
        env = ctx.analysis.env(ctx.scope, ctx.statement)
        taint = evaluator.keyed(sink.key, evaluator.eval(value, env), value)
        return [Culprit(value, taint, sink.key)] if taint.has(Kind.CRED) else []

    def _report_leak(self, sink: MonitoringSink, culprit: Culprit) -> None:
        label = first(culprit.taint.of(Kind.CRED))
        starred = any(arg.star and arg.value is culprit.node for arg in sink.args)
        self.report(
            culprit.node,
            f"credential `{snippet(self.context, culprit.node)}` ({describe(label)}) "
            f"is sent to {sink.service} through {sink.description}",
            related=origin_of(label),
            fix=None if starred else fingerprint_fix(self.context, culprit.node),
        )
