"""Compact, serialisable summaries of what a module offers to the modules importing it.

Phase one of a run extracts a :class:`ModuleSummary` from every module; phase
two lints a module with the summaries of what it imports. Summaries hold no
syntax trees: plain strings, ints and tuples, so they pickle to worker
processes and persist in the cache, and a digest of them decides what must be
re-linted when a module changes.
"""

from __future__ import annotations

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
    # Fields of parameters that reach a log sink: (parameter, key or "*").
    logged_fields: tuple[tuple[str, str], ...] = ()

    @property
    def trivial(self) -> bool:
        return (
            self.returns.trivial
            and not self.logged_params
            and not self.logged_fields
            and not self.logs
        )


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


# -- decoding the cache's JSON (encoding is generic: dataclass fields, enums as values) ------


def summary_from_json(data: dict[str, Any]) -> ModuleSummary:
    return ModuleSummary(
        module=data["module"],
        path=data["path"],
        bindings=tuple((str(a), str(b)) for a, b in data["bindings"]),
        functions=tuple(_function(f) for f in data["functions"]),
        g_attrs=tuple((str(k), _taint(v)) for k, v in data["g_attrs"]),
        session_keys=tuple((str(k), _taint(v)) for k, v in data["session_keys"]),
        loggers=tuple(data["loggers"]),
        exception_statuses=tuple((str(k), int(v)) for k, v in data["exception_statuses"]),
        logged_statuses=tuple(int(s) for s in data["logged_statuses"]),
        constants=tuple((str(k), str(v)) for k, v in data["constants"]),
        literals=tuple((str(k), str(v)) for k, v in data["literals"]),
        request_aliases=tuple(str(n) for n in data["request_aliases"]),
        credential_urls=bool(data["credential_urls"]),
        config_objects=tuple(str(m) for m in data["config_objects"]),
    )


def _function(data: dict[str, Any]) -> ExportedFunction:
    return ExportedFunction(
        name=data["name"],
        line=int(data["line"]),
        positional=tuple(data["positional"]),
        keyword_only=tuple(data["keyword_only"]),
        star=data["star"],
        double_star=data["double_star"],
        returns=_taint(data["returns"]),
        logged_params=tuple(data["logged_params"]),
        logs=bool(data["logs"]),
        logged_fields=tuple((str(p), str(k)) for p, k in data["logged_fields"]),
    )


def _taint(data: dict[str, Any]) -> SummaryTaint:
    elements = data["elements"]
    fields = data["fields"]
    return SummaryTaint(
        labels=tuple(SummaryLabel(**label) for label in data["labels"]),
        clean=bool(data["clean"]),
        elements=tuple(_taint(e) for e in elements) if elements is not None else None,
        fields=tuple((str(k), _taint(v)) for k, v in fields) if fields is not None else None,
    )
