"""Where a function rejects a request (401/403 and friends), and whether that is logged.

"Logged on its path" is path-sensitive: a log call counts for a rejection only
if it runs before it on every path that reaches it — in the same branch, or
before the branching. A log in a sibling branch does not count.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

import libcst as cst

from . import flask_model as fm
from .effects import calls_in, logs_in, statements_in
from .imports import dotted_name
from .index import Statement, blocks, body_of
from .nodes import child_nodes
from .taint import Kind
from .vocabulary import CREDENTIAL_CHECKS

if TYPE_CHECKING:
    from .module import ModuleAnalysis

REJECTION_STATUSES = frozenset({401, 403})
_CHECK_NAME = re.compile(
    r"^_*(verify|check|validate|is_valid)_(\w+_)?(password|passwd|key|api_key|apikey|token|credentials?|signature|secret)$"
)
LOGIN_ANSWERS = frozenset({"redirect", "render_template", "flash"})
CHECK_FAILED = "a failed credential check"
HANDLER_ANSWER = "an auth failure handler's answer"
FORM_REASONS = {CHECK_FAILED: "invalid_credentials", HANDLER_ANSWER: "unauthorized"}


class LogSite(NamedTuple):
    call: cst.Call
    statement: cst.BaseSmallStatement
    depth: int  # how many branches deep the log call is (same as the rejection: same branch)


# None = not logged on every path; otherwise the nearest log call of each path.
Logged = frozenset[LogSite] | None


class Category(enum.Enum):
    AUTHENTICATION = "authentication failure"  # FLK301 / FLK302
    AUTHORIZATION = "access denial"  # FLK304


@dataclass(frozen=True)
class Rejection:
    node: cst.CSTNode
    statement: cst.CSTNode
    form: str
    category: Category
    logs: Logged
    depth: int = 0
    reason: str = "rejected"  # a slug of the condition, for the log line a fix inserts
    origin: str | None = None  # where the credential in the condition came from


@dataclass
class _Branch:
    test: cst.BaseExpression
    positive: bool
    at: cst.CSTNode  # the statement holding the test (for the environment)


@dataclass
class _Walker:
    analysis: ModuleAnalysis
    func: cst.FunctionDef
    auth_handler: bool
    auth_code: bool
    logged_statuses: frozenset[int]
    found: list[Rejection] = field(default_factory=list)
    _reported_checks: set[cst.CSTNode] = field(default_factory=set)
    # The branch path and depth of the statement being looked at.
    _path: list[_Branch] = field(default_factory=list)
    _depth: int = 0

    # -- statements ----------------------------------------------------------------------

    def block(
        self, stmts: Sequence[Statement], state: Logged, path: list[_Branch]
    ) -> tuple[Logged, bool]:
        """Walk statements; returns (state after, whether control falls through)."""
        path = list(path)
        for stmt in stmts:
            state, falls = self.statement(stmt, state, path)
            if not falls:
                return state, False
            if isinstance(stmt, cst.If) and stmt.orelse is None:
                # ``if check(): return ok`` — what follows runs only when the check failed.
                then_falls = self._falls_through(stmt)
                if not then_falls:
                    path.append(_Branch(stmt.test, False, stmt))
        return state, True

    def statement(self, stmt: Statement, state: Logged, path: list[_Branch]) -> tuple[Logged, bool]:
        if isinstance(stmt, cst.SimpleStatementLine | cst.SimpleStatementSuite):
            for small in stmt.body:
                self._small(small, state, path)
                logs = logs_in(small, self.analysis)
                if logs:
                    state = frozenset({LogSite(logs[-1], small, len(path))})
                if _terminates(small, self.analysis):
                    return state, False
            return state, True
        if isinstance(stmt, cst.If):
            return self._if(stmt, state, path)
        if isinstance(stmt, cst.FunctionDef | cst.ClassDef):
            return state, True
        if isinstance(stmt, cst.Try | cst.TryStar):
            return self._try(stmt, state, path)
        if isinstance(stmt, cst.For | cst.While):
            extra = [_Branch(stmt.test, True, stmt)] if isinstance(stmt, cst.While) else []
            self.block(body_of(stmt.body), state, path + extra)
            if stmt.orelse is not None:
                self.block(body_of(stmt.orelse.body), state, path)
            return state, True
        if isinstance(stmt, cst.With):
            return self.block(body_of(stmt.body), state, path)
        if isinstance(stmt, cst.BaseCompoundStatement):
            outs = [self.block(b, state, path) for b in blocks(stmt)]
            return _join([s for s, falls in outs if falls] or [state]), True
        return state, True

    def _if(self, stmt: cst.If, state: Logged, path: list[_Branch]) -> tuple[Logged, bool]:
        then_state, then_falls = self.block(
            body_of(stmt.body), state, [*path, _Branch(stmt.test, True, stmt)]
        )
        orelse = stmt.orelse
        negative = [*path, _Branch(stmt.test, False, stmt)]
        if orelse is None:
            else_state, else_falls = state, True
        elif isinstance(orelse, cst.If):
            else_state, else_falls = self._if(orelse, state, negative)
        else:
            else_state, else_falls = self.block(body_of(orelse.body), state, negative)
        survivors = [
            s for s, falls in ((then_state, then_falls), (else_state, else_falls)) if falls
        ]
        if not survivors:
            return state, False
        return _join(survivors), True

    def _try(
        self, stmt: cst.Try | cst.TryStar, state: Logged, path: list[_Branch]
    ) -> tuple[Logged, bool]:
        body_state, body_falls = self.block(body_of(stmt.body), state, path)
        outs = []
        if stmt.orelse is not None and body_falls:
            outs.append(self.block(body_of(stmt.orelse.body), body_state, path))
        elif body_falls:
            outs.append((body_state, True))
        for handler in stmt.handlers:
            # The exception may come before any log of the body ran.
            outs.append(self.block(body_of(handler.body), state, path))
        survivors = [s for s, falls in outs if falls]
        after = _join(survivors) if survivors else state
        if stmt.finalbody is not None:
            after, _ = self.block(body_of(stmt.finalbody.body), after, path)
        return after, bool(survivors)

    def _falls_through(self, stmt: cst.If) -> bool:
        body = body_of(stmt.body)
        return not any(
            _terminates(small, self.analysis)
            for line in body
            if isinstance(line, cst.SimpleStatementLine | cst.SimpleStatementSuite)
            for small in line.body
        )

    def _handled_by_logging_handler(self, status: int) -> bool:
        if status in self.logged_statuses:
            return True
        self.analysis.dependencies.add(f"status:{status}")
        summaries = self.analysis.project.summaries
        return summaries is not None and status in summaries.logged_statuses()

    def _external_status(self, qualified: str) -> int | None:
        return self.analysis.external_status(qualified)

    def has_candidates(self) -> bool:
        """A cheap scan: does any statement look like a rejection (or a failed check)?"""
        for stmt in statements_in(body_of(self.func.body)):
            if (
                isinstance(stmt, cst.BaseSmallStatement)
                and self._status_rejection(stmt)[0] is not None
            ):
                return True
            if isinstance(stmt, cst.If | cst.While) and any(
                is_credential_check(call) for call in calls_in(stmt.test)
            ):
                return True
        return False

    # -- rejections ----------------------------------------------------------------------

    def _small(self, small: cst.BaseSmallStatement, state: Logged, path: list[_Branch]) -> None:
        self._depth = len(path)
        self._path = path
        status, node, form = self._status_rejection(small)
        if status is not None and node is not None:
            if form in ("abort", "raise") and self._handled_by_logging_handler(status):
                return  # goes through an error handler that logs it
            self._add(node, small, f"{form} with {status}", self._category(status, path), state)
            return
        if self.auth_handler and isinstance(small, cst.Return):
            self._add(small, small, HANDLER_ANSWER, Category.AUTHENTICATION, state)
            return
        failed = self._failed_check(path)
        if (
            failed is not None
            and failed not in self._reported_checks
            and self._answers_login(small)
        ):
            self._reported_checks.add(failed)
            self._add(small, small, CHECK_FAILED, Category.AUTHENTICATION, state)

    def _add(
        self, node: cst.CSTNode, stmt: cst.CSTNode, form: str, category: Category, state: Logged
    ) -> None:
        reason, origin = self._describe(form)
        self.found.append(Rejection(node, stmt, form, category, state, self._depth, reason, origin))

    def _describe(self, form: str) -> tuple[str, str | None]:
        """A reason slug (``key_not_in_valid_keys``) and the key origin (``header``) for log lines."""
        if form in FORM_REASONS:
            return FORM_REASONS[form], None
        if not self._path:
            return _slug(form), None
        branch = self._path[-1]
        text = _slug(self.analysis.module.code_for_node(branch.test))
        reason = text if branch.positive else f"not_{text}".replace("not_not_", "")
        origin = None
        for leaf in _leaves(branch.test):
            for label in self.analysis.taint(leaf, self.func, branch.at).of(Kind.CRED):
                origin = origin or _origin_word(label.what)
        return reason[:48].strip("_") or "rejected", origin

    def _status_rejection(
        self, small: cst.BaseSmallStatement
    ) -> tuple[int | None, cst.CSTNode | None, str]:
        index = self.analysis.index
        if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
            status = fm.call_status(small.value, index)
            if status in REJECTION_STATUSES and index.imports.resolve(small.value.func) in fm.ABORT:
                return status, small.value, "abort"
        elif isinstance(small, cst.Raise) and small.exc is not None:
            status = fm.exception_status(small.exc, index, self._external_status)
            if status in REJECTION_STATUSES:
                return status, small.exc, "raise"
        elif isinstance(small, cst.Return) and small.value is not None:
            status = fm.response_status(small.value, index)
            if status in REJECTION_STATUSES:
                return status, small.value, "response"
        elif isinstance(small, cst.Assign):
            if isinstance(small.value, cst.Call):
                status = fm.call_status(small.value, index)
                if status in REJECTION_STATUSES:
                    return status, small.value, "response"
            if any(
                isinstance(t.target, cst.Attribute) and t.target.attr.value == "status_code"
                for t in small.targets
            ):
                status = fm.status_value(small.value)
                if status in REJECTION_STATUSES:
                    return status, small, "response"
        return None, None, ""

    def _category(self, status: int, path: list[_Branch]) -> Category:
        if status == 401 or self.auth_code:
            return Category.AUTHENTICATION
        if any(self._reads_credential(branch) for branch in path):
            return Category.AUTHENTICATION
        return Category.AUTHORIZATION

    def _reads_credential(self, branch: _Branch) -> bool:
        if any(is_credential_check(call) for call in calls_in(branch.test)):
            return True
        scope: cst.CSTNode = self.func
        for leaf in _leaves(branch.test):
            if self.analysis.taint(leaf, scope, branch.at).has(Kind.CRED):
                return True
        return False

    def _failed_check(self, path: list[_Branch]) -> cst.CSTNode | None:
        """The innermost branch on the path where a credential check failed."""
        for branch in reversed(path):
            if _check_failed(branch.test, branch.positive):
                return branch.test
        return None

    def _answers_login(self, small: cst.BaseSmallStatement) -> bool:
        """``return redirect(...)``, ``return render_template(...)``, ``flash(...)``."""
        value = small.value if isinstance(small, cst.Return | cst.Expr) else None
        if not isinstance(value, cst.Call):
            return False
        name = dotted_name(value.func)
        return name is not None and name.rsplit(".", 1)[-1] in LOGIN_ANSWERS


_ORIGINS = (
    ("header", "header"),
    ("query", "query"),
    ("cookie", "cookie"),
    ("authorization", "authorization"),
    ("request field", "body"),
    ("callback", "auth callback"),
)


def _origin_word(what: str) -> str | None:
    return next((word for key, word in _ORIGINS if key in what), None)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def is_credential_check(call: cst.Call) -> bool:
    name = dotted_name(call.func)
    if name is None:
        return False
    last = name.rsplit(".", 1)[-1]
    return last in CREDENTIAL_CHECKS or bool(_CHECK_NAME.match(last))


def _check_failed(test: cst.BaseExpression, positive: bool) -> bool:
    """Is this branch the one where a credential check in ``test`` returned false?"""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _check_failed(test.expression, not positive)
    if isinstance(test, cst.Call):
        return is_credential_check(test) and not positive
    if isinstance(test, cst.BooleanOperation):
        # ``not user or not check(...)`` true → failed; ``user and check(...)`` false → failed.
        if isinstance(test.operator, cst.Or) and positive:
            return _check_failed(test.left, True) or _check_failed(test.right, True)
        if (
            isinstance(test, cst.BooleanOperation)
            and isinstance(test.operator, cst.And)
            and not positive
        ):
            return _check_failed(test.left, False) or _check_failed(test.right, False)
    return False


def _leaves(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    """Operands worth evaluating in a condition: names, attributes, subscripts and call arguments."""
    out: list[cst.BaseExpression] = []
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name | cst.Attribute | cst.Subscript):
            out.append(node)
        elif isinstance(node, cst.Call):
            out.append(node)
            stack.extend(arg.value for arg in node.args)
        elif isinstance(node, cst.BaseExpression):
            stack.extend(
                c
                for c in child_nodes(node)
                if isinstance(c, cst.BaseExpression | cst.ComparisonTarget)
            )
        elif isinstance(node, cst.ComparisonTarget):
            stack.append(node.comparator)
    return out


def _terminates(small: cst.BaseSmallStatement, analysis: ModuleAnalysis) -> bool:
    if isinstance(small, cst.Return | cst.Raise | cst.Continue | cst.Break):
        return True
    return (
        isinstance(small, cst.Expr)
        and isinstance(small.value, cst.Call)
        and analysis.index.imports.resolve(small.value.func) in fm.ABORT
    )


def _join(states: Sequence[Logged]) -> Logged:
    if any(state is None for state in states):
        return None
    out: frozenset[LogSite] = frozenset()
    for state in states:
        assert state is not None
        out |= state
    return out


def find_rejections(analysis: ModuleAnalysis, func: cst.FunctionDef) -> list[Rejection]:
    index = analysis.index
    auth_handler = fm.has_role(func, index, fm.Role.AUTH_HANDLER)
    auth_code = func.name.value in analysis.settings.auth_decorators or any(
        name in analysis.settings.auth_decorators for name in _qualified_names(func, analysis)
    )
    walker = _Walker(analysis, func, auth_handler, auth_code, logged_statuses(analysis))
    if not auth_handler and not walker.has_candidates():
        return []  # most functions reject nothing: skip the path walk and its log search
    walker.block(body_of(func.body), None, [])
    return walker.found


def _qualified_names(func: cst.FunctionDef, analysis: ModuleAnalysis) -> list[str]:
    module = analysis.path.removesuffix(".py").replace("/", ".")
    return [f"{module}.{func.name.value}", module.rsplit(".", 1)[-1] + "." + func.name.value]


def logged_statuses(analysis: ModuleAnalysis) -> frozenset[int]:
    """Statuses whose error handler in this module logs before answering (``abort(401)`` is then logged)."""
    cached = analysis.cache.get("logged_statuses")
    if isinstance(cached, frozenset):
        return cached
    statuses: set[int] = set()
    for func in analysis.index.functions.values():
        for reg in fm.registrations(func, analysis.index):
            if reg.role is not fm.Role.ERROR_HANDLER:
                continue
            covered = _covered_statuses(reg.target, analysis)
            if covered and _always_logs(func, analysis):
                statuses |= covered
    result = frozenset(statuses)
    analysis.cache["logged_statuses"] = result
    return result


def app_wide_logged_statuses(analysis: ModuleAnalysis) -> set[int]:
    """Statuses logged by an error handler registered on the app: they cover every module."""
    statuses: set[int] = set()
    for func in analysis.index.functions.values():
        for reg in fm.registrations(func, analysis.index):
            if reg.role is fm.Role.ERROR_HANDLER and reg.app_wide:
                covered = _covered_statuses(reg.target, analysis)
                if covered and _always_logs(func, analysis):
                    statuses |= covered
    return statuses


def _covered_statuses(target: int | str | None, analysis: ModuleAnalysis) -> set[int]:
    if isinstance(target, int):
        return {target} & REJECTION_STATUSES
    if target is None:
        return set()
    last = target.rsplit(".", 1)[-1]
    if last == "HTTPException":
        return set(REJECTION_STATUSES)
    return {fm.EXCEPTION_STATUS[q] for q in fm.EXCEPTION_STATUS if q.endswith("." + last)}


def _always_logs(func: cst.FunctionDef, analysis: ModuleAnalysis) -> bool:
    walker = _Walker(analysis, func, True, True, frozenset())
    walker.block(body_of(func.body), None, [])
    return bool(walker.found) and all(r.logs is not None for r in walker.found)
