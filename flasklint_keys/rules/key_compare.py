"""FLK303 key-compare-not-constant-time: credentials and MACs compared with ``==``."""

from __future__ import annotations

import re
from collections.abc import Iterator

import libcst as cst

from ..analysis.imports import dotted_name
from ..analysis.taint import Kind, Origin, Taint
from ..core.model import Severity
from ..core.signals import Signal
from ._common import snippet
from ._compare_fix import compare_digest_fix
from .base import Rule, RuleContext

_DIGEST_NAME = re.compile(r"(^|_)(signature|sig|mac|hmac|digest)s?$", re.IGNORECASE)
_DIGEST_CALLS = frozenset({"hexdigest", "digest"})
REQUEST_KINDS = (Kind.FIELD, Kind.DUMP, Kind.URL)


def condition_comparisons(expr: cst.BaseExpression) -> Iterator[cst.Comparison]:
    """Comparisons whose result is used as a truth value (not passed to a call)."""
    if isinstance(expr, cst.Comparison):
        yield expr
    elif isinstance(expr, cst.BooleanOperation):
        yield from condition_comparisons(expr.left)
        yield from condition_comparisons(expr.right)
    elif isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not):
        yield from condition_comparisons(expr.expression)


def _is_literal(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.SimpleString | cst.Integer | cst.Float | cst.ConcatenatedString):
        return not isinstance(expr, cst.ConcatenatedString) or not any(
            isinstance(part, cst.FormattedString) for part in (expr.left, expr.right)
        )
    return isinstance(expr, cst.Name) and expr.value in ("None", "True", "False")


def _is_digest(expr: cst.BaseExpression) -> bool:
    """``signature``, ``expected_sig``, ``hmac.new(...).hexdigest()``."""
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
        return expr.func.attr.value in _DIGEST_CALLS
    name = dotted_name(expr)
    return name is not None and bool(_DIGEST_NAME.search(name.rsplit(".", 1)[-1]))


def _tail(what: str) -> str:
    """``request.headers['X-Hub-Signature']`` -> ``X_Hub_Signature``."""
    return re.sub(r"[^A-Za-z0-9]+", "_", what).strip("_")


def _only_request(taint: Taint) -> bool:
    return bool(taint.labels) and all(
        label.kind in REQUEST_KINDS or (label.kind is Kind.CRED and label.origin is Origin.REQUEST)
        for label in taint.labels
    )


def _from_request(taint: Taint) -> bool:
    """Attacker-controlled: request data, a credential the request presents, a parameter
    of a view or auth callback (the analysis seeds those with request labels)."""
    return any(
        label.kind in REQUEST_KINDS or (label.kind is Kind.CRED and label.origin is Origin.REQUEST)
        for label in taint.labels
    )


def _presented(taint: Taint) -> bool:
    """A credential read from the request (the key the caller presents)."""
    return any(lb.kind is Kind.CRED and lb.origin is Origin.REQUEST for lb in taint.labels)


def _opaque(taint: Taint) -> bool:
    """A value the analysis knows nothing about (a stored key, a configured one): what a
    presented key is compared with. Literals, labels and identities are not."""
    return not taint.labels and not taint.clean and not taint.no_name


class KeyCompareNotConstantTime(Rule):
    """
    ## What it does
    Flags a credential — or a signature, MAC or digest checked against request
    data — compared with `==` or `!=` against a value an attacker controls
    (request data, a parameter of a view or auth callback, a key the request
    presents compared with a stored one) where the result is used as a
    condition (`if`, `elif`, `while`, `assert`, a conditional expression, a
    boolean operand, a returned comparison). A comparison passed as an
    argument (`query.filter(User.api_key == key)`) is a database query, not a
    timing channel, and comparisons with a literal or `None`, with a label
    (`LoginMechanism.APIKEY`, a constant bound to a literal) or without an
    attacker-controlled operand (a configured secret against its default) are
    exempt.

    ## Why is this bad?
    `==` on strings stops at the first differing character, so the time it
    takes leaks how much of a guess was right; over many requests an
    attacker can recover a key or forge a webhook signature one character at
    a time (CWE-208).

    ## Example
    ```python
    if request.headers.get("X-API-Key") != API_KEY:
        abort(401)
    ```

    ## Use instead
    ```python
    if not hmac.compare_digest(request.headers.get("X-API-Key", ""), API_KEY):
        abort(401)
    ```
    The automatic fix (unsafe) is offered only where `compare_digest` cannot
    raise: both operands are known `str` (or both `bytes`) by how they are made
    (request data, `os.environ[...]`, a digest, a literal; a local bound once to
    one of those) and neither can be `None` on that path. Request data read with
    `.get(name)` gets a `""` default (it matches only an empty secret, which an
    empty header matched already), or must be tested (`if not key: abort(401)`)
    before the comparison; text is compared as its UTF-8 bytes, since
    `compare_digest` raises on a `str` that is not ASCII. Values of unknown type
    (a parameter, a configuration value, a session field) get no fix.

    ## References
    - [CWE-208: Observable Timing Discrepancy](https://cwe.mitre.org/data/definitions/208.html)
    - [hmac.compare_digest](https://docs.python.org/3/library/hmac.html#hmac.compare_digest)
    """

    code = "FLK303"
    name = "key-compare-not-constant-time"
    summary = "a credential or MAC is compared with == / != instead of hmac.compare_digest"
    severity = Severity.WARNING
    cwe = 208
    fix_suggestion = "compare with hmac.compare_digest(a, b) (on bytes, or ASCII str)"
    trigger = (Signal.CREDENTIAL_NAME, Signal.CREDENTIAL_LOOSE, Signal.DIGEST_COMPARE)

    VALID = (
        """
import hmac
from flask import request
def check(user, key, API_KEY):
    if hmac.compare_digest(key, API_KEY):
        return True
    if key is None or key == "":
        return False
    user = User.query.filter(User.api_key == key).first()
    if len(key) != 32:
        return False
    return user
""",
    )
    INVALID = (
        """
import hashlib, hmac
from flask import request
SECRET = b"s"
def check(stored_token):
    api_key = request.headers.get("X-API-Key")
    if api_key != stored_token:  # FLK303:8
        return False
    signature = request.headers.get("X-Hub-Signature")
    expected = hmac.new(SECRET, request.data, hashlib.sha256).hexdigest()
    ok = expected == signature and api_key  # FLK303:10
    return stored_token == api_key  # FLK303:12
""",
    )

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self._seen: set[cst.Comparison] = set()

    def visit_If(self, node: cst.If) -> None:
        self._check(node.test)

    def visit_While(self, node: cst.While) -> None:
        self._check(node.test)

    def visit_Assert(self, node: cst.Assert) -> None:
        self._check(node.test)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self._check(node.test)

    def visit_CompIf(self, node: cst.CompIf) -> None:
        self._check(node.test)

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        self._check(node)

    def visit_UnaryOperation(self, node: cst.UnaryOperation) -> None:
        if isinstance(node.operator, cst.Not):
            self._check(node)

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self._check(node.value)

    def _check(self, expr: cst.BaseExpression) -> None:
        if self.context.is_test_file:
            return  # a timing channel needs a server; tests compare keys on purpose
        for comparison in condition_comparisons(expr):
            if comparison in self._seen:
                continue
            self._seen.add(comparison)
            self._check_comparison(comparison)

    def _check_comparison(self, node: cst.Comparison) -> None:
        left = node.left
        for target in node.comparisons:
            right = target.comparator
            if isinstance(target.operator, cst.Equal | cst.NotEqual) and not (
                _is_literal(left) or _is_literal(right)
            ):
                culprit = self._secret_side(left, right)
                if culprit is not None:
                    op = "==" if isinstance(target.operator, cst.Equal) else "!="
                    self.report(
                        node,
                        f"`{snippet(self.context, culprit)}` is compared with {op}: "
                        "the comparison time leaks how much of it matched",
                        fix=compare_digest_fix(self.context, node),
                    )
                    return
            left = right

    def _secret_side(
        self, left: cst.BaseExpression, right: cst.BaseExpression
    ) -> cst.BaseExpression | None:
        ctx = self.context
        taints = (ctx.taint(left), ctx.taint(right))
        if all(_only_request(t) for t in taints):
            return None  # ``password != confirm``: both sides are the caller's input, no secret to time
        pairs = ((left, taints[0], taints[1]), (right, taints[1], taints[0]))
        for side, own, other in pairs:
            # A timing channel needs an attacker: the other operand is request data (or the
            # presented key is compared with a stored one). A configured secret compared with
            # its default, or a label, is not one.
            if own.has(Kind.CRED) and (
                _from_request(other) or (_presented(own) and _opaque(other))
            ):
                return side
        for side, own, other in pairs:
            # A computed MAC against request data, or a MAC taken from the request against anything.
            if _is_digest(side) and (_from_request(other) or _from_request(own)):
                return side
            if _from_request(own) and any(_DIGEST_NAME.search(_tail(lb.what)) for lb in own.labels):
                return side
        return None
