"""Abstract values of the credential-flow analysis.

A value carries a set of :class:`Label` s saying what it may hold: a
credential (``CRED``), a whole credential-bearing request mapping (``DUMP``,
e.g. ``request.headers``), URL or query-string data (``URL``), the request
object itself (``REQUEST``), a function parameter (``PARAM``, used to
summarise helpers: "returns its first argument", "logs its second"), any
other field of request data (``FIELD``), exception details (``EXC``), a URL
or DSN that may carry a password (``CONN_URL``), an HTTP client's request or
response object (``HTTP``) and the URL of such an outgoing request
(``OUTBOUND_URL``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the runner's warm path never imports LibCST
    import libcst as cst


class Kind(enum.Enum):
    CRED = "credential"
    DUMP = "request dump"
    URL = "url"
    REQUEST = "request"
    PARAM = "param"
    FIELD = "request field"  # one non-credential field of request data (FLK303)
    EXC = "exception detail"  # an exception object, its text or a traceback (FLK204)
    # A connection/broker/cache/proxy/notification URL or DSN, or a URL built with a
    # credential: its userinfo or query may hold a password (FLK106).
    CONN_URL = "credential url"
    HTTP = "http client message"  # an HTTP client's response or request object
    OUTBOUND_URL = "outgoing request url"  # ``response.request.url`` (FLK106, by project fact)


class Origin(enum.Enum):
    """Where a credential came from; decides which rules care (FLK105 ignores NAME)."""

    REQUEST = "request"  # read from request data
    SERVER = "server"  # configuration / environment secret
    NAME = "name"  # the name says so
    CODE = "code"  # a literal in the source that FLK402 would flag (a hard-coded secret)
    NONE = "none"  # not a credential label


@dataclass(frozen=True)
class Label:
    kind: Kind
    what: str  # human description: "header 'X-API-Key'", "request.headers"
    origin: Origin = Origin.NONE
    node: cst.CSTNode | None = None  # where it entered (for explanations)
    param: int | str | None = None  # PARAM labels: index or name ("**" for kwargs)
    path: str | None = None  # another module, for cross-module explanations
    line: int = 0  # where in ``path`` it entered
    # PARAM labels: the key read from the parameter (``p["url"]``; ``"*"`` for a computed
    # key), so that a helper logging ``p["url"]`` is not said to log all of ``p``.
    field: str | None = None


@dataclass(frozen=True)
class Taint:
    """What a value may carry.

    ``clean`` is positive knowledge (a literal, a hash, a length): the name
    heuristic is not applied to such values. ``elements`` keeps per-item taint
    of tuple/list displays so ``key, origin = get_key()`` taints only ``key``.
    ``no_name`` marks bindings whose name must not be judged (loop variables
    over ``.items()``). ``fields`` keeps per-key taint of dicts built from
    literals, so ``cfg["model"]`` does not inherit ``cfg["api_key"]``.
    """

    labels: frozenset[Label] = frozenset()
    clean: bool = False
    elements: tuple[Taint, ...] | None = None
    no_name: bool = False
    fields: tuple[tuple[str, Taint], ...] | None = None

    def field(self, key: str) -> Taint | None:
        """The taint stored under ``key``; ``None`` when this value has no field map."""
        if self.fields is None:
            return None
        wildcard = None
        for name, value in self.fields:
            if name == key:
                return value
            if name == "*":
                wildcard = value
        if wildcard is not None:
            return wildcard  # ``d[k] = v`` with a computed key, read back under any key
        known: frozenset[Label] = frozenset().union(*(v.labels for _, v in self.fields))
        return Taint(self.labels - known)

    def with_field(self, key: str, value: Taint) -> Taint:
        """This dict after ``d[key] = value``."""
        fields = dict(self.fields or ())
        fields[key] = value
        labels = frozenset().union(*(v.labels for v in fields.values()))
        if self.fields is None:
            labels |= self.labels
        else:
            known: frozenset[Label] = frozenset().union(*(v.labels for _, v in self.fields))
            labels |= self.labels - known
        return Taint(
            labels, False, None, self.no_name, tuple(sorted(fields.items(), key=lambda kv: kv[0]))
        )

    def has(self, kind: Kind) -> bool:
        return any(label.kind is kind for label in self.labels)

    def of(self, kind: Kind) -> list[Label]:
        """The labels of one kind, in a deterministic order (a frozenset's is not)."""
        return sorted((label for label in self.labels if label.kind is kind), key=label_order)

    @property
    def tainted(self) -> bool:
        return bool(self.labels)

    def without_params(self) -> Taint:
        return Taint(frozenset(lb for lb in self.labels if lb.kind is not Kind.PARAM), self.clean)


def label_order(label: Label) -> tuple[str, str, str, str, str, int, str]:
    return (
        label.kind.value,
        label.what,
        label.origin.value,
        str(label.param),
        label.path or "",
        label.line,
        label.field or "",
    )


UNKNOWN = Taint()
CLEAN = Taint(clean=True)


def taint_of(*labels: Label) -> Taint:
    return Taint(frozenset(labels))


def join(values: Iterable[Taint]) -> Taint:
    """Least upper bound: may carry whatever any input carries."""
    items = list(values)
    if not items:
        return UNKNOWN
    if len(items) == 1:
        return items[0]
    labels: frozenset[Label] = frozenset().union(*(t.labels for t in items))
    clean = all(t.clean for t in items)
    # A value that is not judged by name (claims, an opaque object) joined with a clean
    # fallback (``except: claims = {}``) is still not judged by name.
    no_name = any(t.no_name for t in items) and all(
        t.no_name or (t.clean and not t.labels) for t in items
    )
    elements = None
    shapes = [t.elements for t in items]
    first = shapes[0]
    if first is not None and all(s is not None and len(s) == len(first) for s in shapes):
        elements = tuple(join(column) for column in zip(*shapes, strict=True))
    fields = None
    # Branches without labels (``return None``, an opaque value) put no credential under
    # any key, so they keep the field map of the branches that have one.
    if any(t.fields is not None for t in items) and all(
        t.fields is not None or not t.labels for t in items
    ):
        merged: dict[str, list[Taint]] = {}
        for t in items:
            for key, value in t.fields or ():
                merged.setdefault(key, []).append(value)
        fields = tuple((key, join(values)) for key, values in sorted(merged.items()))
    return Taint(labels, clean and not labels, elements, no_name, fields)


def union(values: Iterable[Taint]) -> Taint:
    """Combine parts of one value (f-string pieces, operands): no shape survives."""
    items = list(values)
    labels: frozenset[Label] = (
        frozenset().union(*(t.labels for t in items)) if items else frozenset()
    )
    clean = bool(items) and all(t.clean for t in items)
    return Taint(labels, clean and not labels)


def element(value: Taint, index: int) -> Taint:
    """Taint of ``value[index]`` when unpacking."""
    if value.elements is not None and -len(value.elements) <= index < len(value.elements):
        return value.elements[index]
    return Taint(value.labels, value.clean)
