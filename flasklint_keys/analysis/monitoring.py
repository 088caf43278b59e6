"""Monitoring services as sinks: Sentry, OpenTelemetry, Datadog/ddtrace and statsd.

Error trackers and tracers are log sinks that are rarely treated as such
(FLK107): a credential passed to a Sentry tag or an OpenTelemetry attribute is
shipped to a third party and kept there. Sentry's SDK also attaches the
request's headers to every event: with ``send_default_pii=True`` all of them,
otherwise all but the few it deems sensitive. This module recognises the calls,
the Sentry initialisation and what it sends, the credential headers a module
reads, and event processors (``before_send``) that scrub headers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from .imports import dotted_name
from .index import string_value
from .names import Strength
from .nodes import child_nodes
from .vocabulary import MONITORING_PACKAGES

if TYPE_CHECKING:
    from .module import ModuleAnalysis

SENTRY_INIT = frozenset({"sentry_sdk.init", "sentry_sdk.Client", "sentry_sdk.client.Client"})
# ``sentry_sdk.integrations._wsgi_common.SENSITIVE_ENV_KEYS``: what Sentry drops from the
# request headers unless ``send_default_pii=True`` (normalised: upper case, ``_`` for ``-``).
SENTRY_DROPPED_HEADERS = frozenset(
    {"AUTHORIZATION", "COOKIE", "SET_COOKIE", "X_API_KEY", "X_FORWARDED_FOR", "X_REAL_IP"}
)
# Tokens bound to a browser session, not credentials a client presents on its own.
_NOT_KEY_HEADER = re.compile(r"(CSRF|XSRF)")
SENTRY_CALLS = frozenset(
    {
        "set_tag",
        "set_tags",
        "set_context",
        "set_extra",
        "set_user",
        "add_breadcrumb",
        "capture_message",
    }
)
OTEL_METHODS = frozenset({"set_attribute", "set_attributes", "add_event"})
DDTRACE_METHODS = frozenset({"set_tag", "set_tags"})
STATSD_METHODS = frozenset(
    {
        "increment",
        "decrement",
        "incr",
        "decr",
        "gauge",
        "histogram",
        "distribution",
        "timing",
        "timer",
        "timed",
        "set",
        "event",
    }
)
# Methods taking (name, value): the name says what the value is.
PAIR_METHODS = frozenset({"set_tag", "set_extra", "set_attribute"})
# Arguments that never carry data.
CONTROL_KEYWORDS = frozenset(
    {"level", "hint", "timestamp", "sample_rate", "rate", "value", "scope", "category", "type"}
)
SCOPE_FACTORIES = frozenset(
    {
        "configure_scope",
        "push_scope",
        "new_scope",
        "isolation_scope",
        "get_current_scope",
        "get_isolation_scope",
        "get_global_scope",
    }
)
_SCRUB_CALL = re.compile(
    r"(redact|scrub|sanitiz|sanitis|mask|censor|obfuscat|anonymi)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class MonitoringSink:
    service: str  # "Sentry", "OpenTelemetry", "Datadog", "statsd"
    description: str  # what the message calls it: "sentry_sdk.set_tag()"
    args: tuple[cst.Arg, ...]
    key: str | None = None  # the tag/attribute name of a (name, value) call


# -- sinks -------------------------------------------------------------------------------


def uses_monitoring(analysis: ModuleAnalysis) -> bool:
    """Does the module import a monitoring client (or a name with statsd in it)?"""
    imports = analysis.index.imports
    return imports.imports_any(*MONITORING_PACKAGES) or any(
        "statsd" in local.lower() for local in imports.bindings
    )


def classify_monitoring(call: cst.Call, analysis: ModuleAnalysis) -> MonitoringSink | None:
    """The monitoring call ``call`` is, with the arguments that carry data, or None."""
    func = call.func
    imports = analysis.index.imports
    qualified = imports.resolve(func)
    if qualified is not None and qualified.startswith("sentry_sdk."):
        last = qualified.rsplit(".", 1)[-1]
        if last in SENTRY_CALLS:
            return _sink("Sentry", f"sentry_sdk.{last}()", last, call)
    if not isinstance(func, cst.Attribute):
        return None
    name = func.attr.value
    if name in SENTRY_CALLS and imports.imports_any("sentry_sdk") and _is_scope(func.value):
        return _sink("Sentry", f"a Sentry scope's {name}()", name, call)
    if name in OTEL_METHODS and imports.imports_any("opentelemetry"):
        return _sink("OpenTelemetry", f"an OpenTelemetry span's {name}()", name, call)
    if name in DDTRACE_METHODS and imports.imports_any("ddtrace"):
        return _sink("Datadog", f"a Datadog span's {name}()", name, call)
    if name in STATSD_METHODS and _is_statsd(func.value, analysis):
        return _statsd_sink(name, call)
    return None


def _sink(service: str, description: str, method: str, call: cst.Call) -> MonitoringSink:
    args = tuple(a for a in call.args if not _is_control(a))
    if method in PAIR_METHODS and len(args) >= 2 and args[0].keyword is None:
        return MonitoringSink(service, description, args[1:], string_value(args[0].value))
    if method in ("set_context", "add_event") and args and args[0].keyword is None:
        args = args[1:]  # the context's / event's name
    return MonitoringSink(service, description, args)


def _statsd_sink(method: str, call: cst.Call) -> MonitoringSink:
    """The metric name and its tags (the value and the rate are numbers)."""
    args = tuple(
        arg
        for position, arg in enumerate(call.args)
        if (arg.keyword is None and position == 0)
        or (arg.keyword is not None and arg.keyword.value in ("tags", "metric", "stat"))
    )
    return MonitoringSink("statsd", f"a statsd {method}() (metric name and tags)", args)


def _is_control(arg: cst.Arg) -> bool:
    return arg.keyword is not None and arg.keyword.value in CONTROL_KEYWORDS


def _is_scope(receiver: cst.BaseExpression) -> bool:
    """``scope`` (``with sentry_sdk.push_scope() as scope``), ``sentry_sdk.get_current_scope()``."""
    if isinstance(receiver, cst.Call):
        called = dotted_name(receiver.func)
        return called is not None and called.rsplit(".", 1)[-1] in SCOPE_FACTORIES
    dotted = dotted_name(receiver)
    return dotted is not None and "scope" in dotted.rsplit(".", 1)[-1].lower()


def _is_statsd(receiver: cst.BaseExpression, analysis: ModuleAnalysis) -> bool:
    """``statsd`` (datadog's), a ``DogStatsd``/``StatsClient`` bound to a name with statsd in it."""
    qualified = analysis.index.imports.resolve(receiver)
    if qualified is not None and qualified.startswith(("datadog.", "statsd.")):
        return True
    dotted = dotted_name(receiver)
    return dotted is not None and "statsd" in dotted.rsplit(".", 1)[-1].lower()


# -- Sentry's initialisation -------------------------------------------------------------


@dataclass(frozen=True)
class SentryInit:
    call: cst.Call
    pii: cst.Arg | None  # ``send_default_pii=True``
    before_send: cst.BaseExpression | None
    scrubber: bool  # ``event_scrubber=`` given
    opaque: bool  # ``**options``: what it sets is unknown


def sentry_init(call: cst.Call, analysis: ModuleAnalysis) -> SentryInit | None:
    if analysis.index.imports.resolve(call.func) not in SENTRY_INIT:
        return None
    pii = None
    before_send = None
    scrubber = opaque = False
    for arg in call.args:
        if arg.star == "**":
            opaque = True
        keyword = arg.keyword.value if arg.keyword is not None else None
        if keyword == "send_default_pii" and _is_true(arg.value):
            pii = arg
        elif keyword == "before_send":
            before_send = arg.value
        elif keyword == "event_scrubber" and not _is_none(arg.value):
            scrubber = True
    return SentryInit(call, pii, before_send, scrubber, opaque)


def _is_true(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "True"


def _is_none(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def sent_by_default(header: str) -> bool:
    """Does Sentry send this header when ``send_default_pii`` is off?"""
    return normalise_header(header) not in SENTRY_DROPPED_HEADERS


def normalise_header(header: str) -> str:
    name = header.upper().replace("-", "_")
    return name.removeprefix("HTTP_")


def is_key_header(header: str) -> bool:
    """A credential header a client presents (not a CSRF token bound to a session)."""
    return not _NOT_KEY_HEADER.search(header.upper())


# -- credential headers a module reads --------------------------------------------------------


def credential_headers(analysis: ModuleAnalysis) -> tuple[str, ...]:
    """The credential headers this module reads (``request.headers.get("X-Auth-Token")``,
    ``request.environ["HTTP_X_AUTH_TOKEN"]``, Flask-HTTPAuth's ``HTTPTokenAuth(header=...)``)
    that Sentry sends with its events by default.

    Read from the text, not the tree: every analysed module is asked, and a walk of
    the whole tree would cost more than the rest of its summary."""
    cached = analysis.cache.get("credential_headers")
    if isinstance(cached, tuple):
        return cached
    found: set[str] = set()
    if analysis.index.uses_flask:
        names = analysis.settings.names
        for match in _HEADER_READ.finditer(analysis.source):
            key = _key_text(match.group("key") or match.group("key2"), analysis)
            if (
                key
                and names.is_credential(key, Strength.HEADER)
                and is_key_header(key)
                and sent_by_default(key)
            ):
                found.add(key)
    result = tuple(sorted(found))
    analysis.cache["credential_headers"] = result
    return result


_KEY = r"(?P<key>\"[^\"\n]*\"|'[^'\n]*'|[A-Za-z_][\w.]*)"
_HEADER_READ = re.compile(
    r"\b(?:request|req)\.(?:headers|environ)\s*"
    r"(?:\.\s*(?:get|getlist|get_all|pop)\s*\(|\[)\s*"
    + _KEY
    + r"|\bHTTPTokenAuth\s*\([^)]*?\bheader\s*=\s*"
    + _KEY.replace("key", "key2")
)


def _key_text(text: str | None, analysis: ModuleAnalysis) -> str | None:
    """A header name as written: a literal, or a constant of this or another module."""
    if not text:
        return None
    if text[0] in "\"'":
        return text[1:-1]
    local = analysis.index.constants.get(text)
    if local is not None:
        return local
    head, _, rest = text.partition(".")
    target = analysis.index.imports.bindings.get(head)
    if target is None:
        return None
    return analysis.external_constant(f"{target}.{rest}" if rest else target)


def _walk(root: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack: list[cst.CSTNode] = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(child_nodes(node))


# -- before_send: does it scrub headers? -------------------------------------------------------


def event_processors(analysis: ModuleAnalysis) -> tuple[tuple[str, bool], ...]:
    """Module functions shaped like a Sentry ``before_send(event, hint)``, and whether each
    removes request headers (what importers passing one by name need to know)."""
    out = []
    for name, func in sorted(analysis.index.functions.items()):
        if looks_like_event_processor(func):
            out.append((name, scrubs_headers(func, analysis)))
    return tuple(out)


def looks_like_event_processor(func: cst.FunctionDef) -> bool:
    params = [p.name.value for p in (*func.params.posonly_params, *func.params.params)]
    return len(params) == 2 and ("event" in params[0].lower() or "hint" in params[1].lower())


def scrubs_headers(body: cst.CSTNode, analysis: ModuleAnalysis) -> bool:
    """Does this event processor touch the event's headers or request, or call a scrubber?

    Evidence, not proof: a processor that filters events by exception type never
    mentions headers; one that removes them does (``event["request"]["headers"]``,
    a credential header's name, ``del event["request"]``, ``scrub(event)``).
    """
    names = analysis.settings.names
    for node in _walk(body):
        if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
            text = string_value(node)
            if text is not None and (
                text.lower() in ("headers", "request") or names.is_credential(text, Strength.HEADER)
            ):
                return True
        elif isinstance(node, cst.Name | cst.Attribute):
            leaf = node.value if isinstance(node, cst.Name) else node.attr.value
            if leaf == "headers":
                return True
        if isinstance(node, cst.Call):
            called = dotted_name(node.func)
            if called is not None and _SCRUB_CALL.search(called.rsplit(".", 1)[-1]):
                return True
    return False


def before_send_scrubs(
    init: SentryInit, analysis: ModuleAnalysis, scope: cst.CSTNode | None
) -> bool | None:
    """Does the ``before_send`` passed to this init scrub headers? None: it cannot be seen
    (a library function, an attribute, a factory's result) -- given the benefit of the doubt."""
    value = init.before_send
    if value is None:
        return False
    if isinstance(value, cst.Lambda):
        return scrubs_headers(value.body, analysis)
    if isinstance(value, cst.Name):
        local = _local_function(value.value, scope, analysis)
        if local is not None:
            return scrubs_headers(local, analysis)
    qualified = analysis.index.imports.resolve(value)
    if qualified is None:
        return None
    return external_scrubs(qualified, analysis)


def _local_function(
    name: str, scope: cst.CSTNode | None, analysis: ModuleAnalysis
) -> cst.FunctionDef | None:
    """A function named ``name`` defined in an enclosing function of the call, or the module."""
    index = analysis.index
    current = scope
    while isinstance(current, cst.FunctionDef):
        for stmt in _nested_defs(current):
            if stmt.name.value == name:
                return stmt
        parent = index.parent_scope.get(current)
        current = parent
    return index.functions.get(name)


def _nested_defs(func: cst.FunctionDef) -> Iterator[cst.FunctionDef]:
    stack: list[cst.CSTNode] = [func.body]
    while stack:
        node = stack.pop()
        for child in child_nodes(node):
            if isinstance(child, cst.FunctionDef):
                yield child
            elif not isinstance(child, cst.ClassDef | cst.BaseExpression | cst.SimpleStatementLine):
                stack.append(child)


def external_scrubs(qualified: str, analysis: ModuleAnalysis) -> bool | None:
    absolute_name = analysis.qualify(qualified)
    analysis.dependencies.add(f"scrubs:{absolute_name}")
    summaries = analysis.project.summaries
    if summaries is None:
        return None
    return summaries.scrubs_headers(absolute_name)


def project_credential_headers(analysis: ModuleAnalysis) -> tuple[str, ...]:
    """Credential headers read anywhere in the project (this module's and the summaries')."""
    analysis.dependencies.add("headers:")
    own = credential_headers(analysis)
    summaries = analysis.project.summaries
    others = summaries.credential_headers(analysis.path) if summaries is not None else ()
    return tuple(sorted({*own, *others}))
