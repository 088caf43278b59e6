"""Compact, serialisable summaries of what a module offers to the modules importing it.

Phase one of a run extracts a :class:`ModuleSummary` from every module; phase
two lints a module with the summaries of what it imports. Summaries hold no
syntax trees: plain strings, ints and tuples, so they pickle to worker
processes and persist in the cache, and a digest of them decides what must be
re-linted when a module changes.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from typing import Any

from .taint import Kind, Label, Origin, Taint


@dataclass(frozen=True)
class SummaryLabel:
    """A label without its syntax node: where it came from is a path and a line."""

    kind: str
    what: str
    origin: str = Origin.NONE.value
    param: str | None = None
    path: str | None = None
    line: int = 0
    field: str | None = None  # PARAM labels: the key read from the parameter

    def to_label(self) -> Label:
        return Label(
            Kind(self.kind),
            self.what,
            Origin(self.origin),
            None,
            self.param,
            self.path,
            self.line,
            self.field,
        )


@dataclass(frozen=True)
class SummaryTaint:
    labels: tuple[SummaryLabel, ...] = ()
    clean: bool = False
    elements: tuple[SummaryTaint, ...] | None = None
    # Per-key taint of a returned dict (``{"model": m, "api_key": k}``).
    fields: tuple[tuple[str, SummaryTaint], ...] | None = None

    @property
    def trivial(self) -> bool:
        """Nothing an importer could not assume anyway (an opaque call)."""
        return not self.labels and not self.clean and self.elements is None and self.fields is None

    def to_taint(self) -> Taint:
        elements = tuple(e.to_taint() for e in self.elements) if self.elements is not None else None
        fields = (
            tuple((k, v.to_taint()) for k, v in self.fields) if self.fields is not None else None
        )
        labels = frozenset(label.to_label() for label in self.labels)
        return Taint(labels, self.clean, elements, False, fields)


@dataclass(frozen=True)
class ExportedFunction:
    name: str
    line: int
    positional: tuple[str, ...]
    keyword_only: tuple[str, ...]
    star: str | None
    double_star: str | None
    returns: SummaryTaint = SummaryTaint()
    logged_params: tuple[str, ...] = ()
    logs: bool = False
    # Path facts (analysis/paths.py): no path returns; every returning path logs; the falsy
    # returns (-1: the value, i: element i of a returned tuple) all log.
    always_raises: bool = False
    always_logs: bool = False
    logs_on_failure: tuple[int, ...] = ()
    # Fields of parameters that reach a log sink: (parameter, key or "*").
    logged_fields: tuple[tuple[str, str], ...] = ()

    @property
    def trivial(self) -> bool:
        return (
            self.returns.trivial
            and not self.logged_params
            and not self.logs
            and not self.always_raises
            and not self.always_logs
            and not self.logs_on_failure
            and not self.logged_fields
        )

    @property
    def logging_facts(self) -> bool:
        """Anything a caller judging "does this call log / leave" would use."""
        return self.logs or self.always_raises or self.always_logs or bool(self.logs_on_failure)


@dataclass(frozen=True)
class ModuleSummary:
    module: str
    path: str
    # Names this module binds by importing (re-exports: ``from .keys import get_key``).
    bindings: tuple[tuple[str, str], ...] = ()
    functions: tuple[ExportedFunction, ...] = ()
    g_attrs: tuple[tuple[str, SummaryTaint], ...] = ()
    session_keys: tuple[tuple[str, SummaryTaint], ...] = ()
    loggers: tuple[str, ...] = ()
    exception_statuses: tuple[tuple[str, int], ...] = ()
    # Statuses whose app-wide error handler (in this module) logs every time.
    logged_statuses: tuple[int, ...] = ()
    # String constants that name a credential (``API_KEY_HEADER = "X-API-Key"``).
    constants: tuple[tuple[str, str], ...] = ()
    # Credential headers the module reads that Sentry sends by default (``X-Auth-Token``).
    credential_headers: tuple[str, ...] = ()
    # Functions shaped like Sentry's ``before_send(event, hint)``: do they scrub headers?
    event_processors: tuple[tuple[str, bool], ...] = ()
    # ``before_request`` hooks that record which key came in (``g.key_id = ...``, FLK305).
    key_recorders: tuple[str, ...] = ()
    # Integer constants that may be an HTTP error status (``HTTP_FORBIDDEN = 403``).
    status_constants: tuple[tuple[str, int], ...] = ()
    # Exception classes without a status of their own -> their bases of other modules
    # (absolute names): ``class KeyRevoked(AuthFailed)`` inherits AuthFailed's 401.
    exception_bases: tuple[tuple[str, str], ...] = ()
    # Statuses raise sites pass explicitly: (absolute class, status) for ``ApiError("…", 401)``.
    raised_statuses: tuple[tuple[str, int], ...] = ()
    # Exception classes (absolute) whose error handler logs every time it answers.
    logged_exceptions: tuple[str, ...] = ()
    # Raised project exception classes (absolute) -> does some raise site pass exception
    # detail (``str(e)``, ``e``, a traceback) into it? False: written for the client.
    exception_details: tuple[tuple[str, bool], ...] = ()
    # Classes that are views (``MethodView``/``Resource``/``FlaskView`` subclasses).
    view_classes: tuple[str, ...] = ()
    # Methods this module's ``logging.Logger`` subclasses add (log calls wherever used).
    logger_methods: tuple[str, ...] = ()
    # Names bound to literals whose name the credential heuristic would judge
    # (``NAME`` or ``Class.ATTR``) -> "label" or "secret" (a literal FLK402 would flag).
    literals: tuple[tuple[str, str], ...] = ()
    # Module-level names bound to ``flask.request`` (``typing.cast(T, flask.request)``).
    request_aliases: tuple[str, ...] = ()
    # The module builds URLs with a credential in them (``search_url.format(api_key=...)``),
    # so an outgoing request's URL logged anywhere in the project may carry one (FLK106).
    credential_urls: bool = False
    # Modules this one loads with ``app.config.from_object(...)`` (FLK401 ``DEBUG = True``).
    config_objects: tuple[str, ...] = ()

    def function(self, name: str) -> ExportedFunction | None:
        return next((f for f in self.functions if f.name == name), None)

    def digest(self) -> str:
        """Changes exactly when something an importer could see changes."""
        return hashlib.sha256(repr(self).encode("utf-8", "surrogateescape")).hexdigest()[:20]


# -- the cache's JSON: fields at their default are left out (most of a summary is empty) --


def summary_to_json(summary: ModuleSummary) -> dict[str, Any]:
    out: dict[str, Any] = _compact(summary)
    return out


def _compact(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_compact(item) for item in value]
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return value
    return {
        name: _compact(item)
        for name, default in _defaults(type(value))
        if (item := getattr(value, name)) != default  # a required field has no default
    }


_REQUIRED = object()
_DEFAULTS: dict[type, tuple[tuple[str, Any], ...]] = {}


def _defaults(cls: type) -> tuple[tuple[str, Any], ...]:
    """Each field of a summary dataclass with its default (``_REQUIRED`` if none)."""
    found = _DEFAULTS.get(cls)
    if found is None:
        found = _DEFAULTS[cls] = tuple((f.name, _default(f)) for f in dataclasses.fields(cls))
    return found


def _default(field: dataclasses.Field[Any]) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return _REQUIRED


def summary_from_json(data: dict[str, Any]) -> ModuleSummary:
    get = data.get
    return ModuleSummary(
        module=data["module"],
        path=data["path"],
        bindings=tuple((str(a), str(b)) for a, b in get("bindings", ())),
        functions=tuple(_function(f) for f in get("functions", ())),
        g_attrs=tuple((str(k), _taint(v)) for k, v in get("g_attrs", ())),
        session_keys=tuple((str(k), _taint(v)) for k, v in get("session_keys", ())),
        loggers=tuple(get("loggers", ())),
        exception_statuses=tuple((str(k), int(v)) for k, v in get("exception_statuses", ())),
        logged_statuses=tuple(int(s) for s in get("logged_statuses", ())),
        constants=tuple((str(k), str(v)) for k, v in get("constants", ())),
        credential_headers=tuple(str(h) for h in get("credential_headers", ())),
        event_processors=tuple((str(k), bool(v)) for k, v in get("event_processors", ())),
        key_recorders=tuple(str(h) for h in get("key_recorders", ())),
        status_constants=tuple((str(k), int(v)) for k, v in get("status_constants", ())),
        exception_bases=tuple((str(k), str(v)) for k, v in get("exception_bases", ())),
        raised_statuses=tuple((str(k), int(v)) for k, v in get("raised_statuses", ())),
        logged_exceptions=tuple(str(x) for x in get("logged_exceptions", ())),
        exception_details=tuple((str(k), bool(v)) for k, v in get("exception_details", ())),
        view_classes=tuple(str(x) for x in get("view_classes", ())),
        logger_methods=tuple(str(x) for x in get("logger_methods", ())),
        literals=tuple((str(k), str(v)) for k, v in get("literals", ())),
        request_aliases=tuple(str(n) for n in get("request_aliases", ())),
        credential_urls=bool(get("credential_urls", False)),
        config_objects=tuple(str(m) for m in get("config_objects", ())),
    )


def _function(data: dict[str, Any]) -> ExportedFunction:
    get = data.get
    returns = get("returns")
    return ExportedFunction(
        name=data["name"],
        line=int(data["line"]),
        positional=tuple(data["positional"]),
        keyword_only=tuple(data["keyword_only"]),
        star=data["star"],
        double_star=data["double_star"],
        returns=_taint(returns) if returns is not None else _DEFAULT_TAINT,
        logged_params=tuple(get("logged_params", ())),
        logs=bool(get("logs", False)),
        always_raises=bool(get("always_raises", False)),
        always_logs=bool(get("always_logs", False)),
        logs_on_failure=tuple(int(i) for i in get("logs_on_failure", ())),
        logged_fields=tuple((str(p), str(k)) for p, k in get("logged_fields", ())),
    )


_DEFAULT_TAINT = SummaryTaint()


def _taint(data: dict[str, Any]) -> SummaryTaint:
    if not data:
        return _DEFAULT_TAINT  # every field at its default
    elements = data.get("elements")
    fields = data.get("fields")
    return SummaryTaint(
        labels=tuple(SummaryLabel(**label) for label in data.get("labels", ())),
        clean=bool(data.get("clean", False)),
        elements=tuple(_taint(e) for e in elements) if elements is not None else None,
        fields=tuple((str(k), _taint(v)) for k, v in fields) if fields is not None else None,
    )
