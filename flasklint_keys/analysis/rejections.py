"""Where a function rejects a request (401/403 and friends), and whether that is logged.

"Logged on its path" means a log that records *this* failure: a log or report call
that runs before the rejection on every path that reaches it and not on every
accepting path — in the failing branch, in the handler of the raised exception, in
the branch condition (``if not verify(token):`` when ``verify`` logs before each
``return False``), or in a project function that logs on every path. A log in a
sibling branch does not count, nor one every request writes before the decision
(``log.info("upload started")`` at the top of the view).

Which rule a rejection belongs to is decided by the conditions that lead to it
(``_Classifier``): a credential read or check makes it an authentication failure
(FLK301); a role, permission or ownership check an access denial (FLK304); a CSRF
mismatch, a 401 used for something else than authentication, or a 403 gated only
by configuration is neither.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

import libcst as cst

from . import flask_model as fm
from .effects import calls_in, is_broad_handler, statements_in
from .imports import dotted_name
from .index import Statement, blocks, body_of
from .nodes import bound_names, child_nodes
from .paths import Bindings, bindings_of, call_logs, callee_function, condition_log_call, exits
from .taint import Kind, Taint
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
    statement: cst.CSTNode
    depth: int  # how many branches deep the log call is (same as the rejection: same branch)
    # Inside a branch (or past an early exit that accepted): not every request writes it.
    conditional: bool = True


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
    # A log inserted before the statement records this failure (not so for a form
    # re-rendered after the block where the check failed: every request renders it).
    fixable: bool = True


class Guard(enum.Enum):
    """How an early-exit ``if`` without ``else`` left: what follows runs only when it did not."""

    ERROR = "error"  # by a rejection, an error response or a raise: a validation guard
    ACCEPT = "accept"  # by answering normally (``if valid(key): return f()``)


@dataclass
class _Branch:
    test: cst.BaseExpression | None  # None: an except handler (``tried`` decides)
    positive: bool
    at: cst.CSTNode  # the statement holding the test (for the environment)
    guard: Guard | None = None
    tried: Sequence[Statement] = ()


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
    # ``ok = verify(t)``: names bound to a call's value (or an element of it).
    _bound: dict[str, tuple[cst.Call, int]] = field(default_factory=dict)
    # Failed credential checks whose branch fell through (``error = "bad password"``), with
    # the state and depth they ended in: a login form re-rendered later answers them.
    _pending: list[tuple[cst.CSTNode, Logged, int]] = field(default_factory=list)
    _handler_answered: bool = False
    _classifier: _Classifier | None = None

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
            if isinstance(stmt, cst.If) and stmt.orelse is None and not self._falls_through(stmt):
                # ``if check(): return ok`` — what follows runs only when the check failed.
                path.append(_Branch(stmt.test, False, stmt, self._guard_kind(stmt)))
        return state, True

    def statement(self, stmt: Statement, state: Logged, path: list[_Branch]) -> tuple[Logged, bool]:
        if isinstance(stmt, cst.SimpleStatementLine | cst.SimpleStatementSuite):
            for small in stmt.body:
                self._small(small, state, path)
                logs = [call for call in calls_in(small) if call_logs(call, self.analysis)]
                if logs:
                    conditional = any(branch.guard is not Guard.ERROR for branch in path)
                    state = frozenset({LogSite(logs[-1], small, len(path), conditional)})
                self._bind(small)
                if _terminates(small, self.analysis, self.func):
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

    def _bind(self, small: cst.BaseSmallStatement) -> None:
        if isinstance(small, cst.Assign):
            for target in small.targets:
                for name in bound_names(target.target):
                    self._bound.pop(name, None)
            self._bound.update(bindings_of(small))

    def _if(self, stmt: cst.If, state: Logged, path: list[_Branch]) -> tuple[Logged, bool]:
        depth = len(path) + 1
        then_state, then_falls = self.block(
            body_of(stmt.body),
            self._condition_state(stmt, True, state, depth),
            [*path, _Branch(stmt.test, True, stmt)],
        )
        orelse = stmt.orelse
        negative = [*path, _Branch(stmt.test, False, stmt)]
        else_entry = self._condition_state(stmt, False, state, depth)
        if orelse is None:
            else_state, else_falls = else_entry, True
        elif isinstance(orelse, cst.If):
            else_state, else_falls = self._if(orelse, else_entry, negative)
        else:
            else_state, else_falls = self.block(body_of(orelse.body), else_entry, negative)
        for positive, out, falls in (
            (True, then_state, then_falls),
            (False, else_state, else_falls),
        ):
            if falls and _check_failed(stmt.test, positive, self._bound):
                self._pending.append((stmt.test, out, depth))
        survivors = [
            s for s, falls in ((then_state, then_falls), (else_state, else_falls)) if falls
        ]
        if not survivors:
            return state, False
        return _join(survivors), True

    def _condition_state(self, stmt: cst.If, positive: bool, state: Logged, depth: int) -> Logged:
        """A call in the condition that logs when this branch is taken (``if not verify(t):``)."""
        call = condition_log_call(stmt.test, positive, self.analysis, self._bound)
        if call is None:
            return state
        return frozenset({LogSite(call, stmt, depth)})

    def _try(
        self, stmt: cst.Try | cst.TryStar, state: Logged, path: list[_Branch]
    ) -> tuple[Logged, bool]:
        body = body_of(stmt.body)
        body_state, body_falls = self.block(body, state, path)
        outs = []
        if stmt.orelse is not None and body_falls:
            outs.append(self.block(body_of(stmt.orelse.body), body_state, path))
        elif body_falls:
            outs.append((body_state, True))
        for handler in stmt.handlers:
            # The exception may come before any log of the body ran; the handler is a branch
            # of its own (what the ``try`` body did decides it).
            branch = _Branch(None, True, handler, tried=body)
            outs.append(self.block(body_of(handler.body), state, [*path, branch]))
        survivors = [s for s, falls in outs if falls]
        after = _join(survivors) if survivors else state
        if stmt.finalbody is not None:
            after, _ = self.block(body_of(stmt.finalbody.body), after, path)
        return after, bool(survivors)

    def _falls_through(self, stmt: cst.If) -> bool:
        return not any(_terminates(small, self.analysis, self.func) for small in _last_smalls(stmt))

    def _guard_kind(self, stmt: cst.If) -> Guard:
        for small in _last_smalls(stmt):
            if isinstance(small, cst.Raise):
                return Guard.ERROR
            status, _, _ = self._status_of(small)
            if status is not None and status >= 400:
                return Guard.ERROR
            value = small.value if isinstance(small, cst.Return | cst.Expr) else None
            if isinstance(value, cst.Call) and exits(value, self.analysis, self.func):
                return Guard.ERROR
        return Guard.ACCEPT

    def _handled_by_logging_handler(self, status: int, small: cst.BaseSmallStatement) -> bool:
        if isinstance(small, cst.Raise) and small.exc is not None:
            target = small.exc.func if isinstance(small.exc, cst.Call) else small.exc
            absolute = self.analysis.absolute_class(target)
            if absolute is not None and self.analysis.logs_exception(absolute):
                return True  # the handler of the raised exception logs it
        if status in self.logged_statuses:
            return True
        self.analysis.dependencies.add(f"status:{status}")
        summaries = self.analysis.project.summaries
        return summaries is not None and status in summaries.logged_statuses()

    def has_candidates(self) -> bool:
        """A cheap scan: does any statement look like a rejection (or a failed check)?"""
        for stmt in statements_in(body_of(self.func.body)):
            if isinstance(stmt, cst.BaseSmallStatement) and self._status_of(stmt)[0] in (
                REJECTION_STATUSES
            ):
                return True
            if isinstance(stmt, cst.If | cst.While) and any(
                is_credential_check(call) for call in calls_in(stmt.test)
            ):
                return True
            if (
                isinstance(stmt, cst.Assign)
                and isinstance(stmt.value, cst.Call)
                and is_credential_check(stmt.value)
            ):
                return True  # ``ok = verify_token(t)``, tested later
        return False

    # -- rejections ----------------------------------------------------------------------

    def _small(self, small: cst.BaseSmallStatement, state: Logged, path: list[_Branch]) -> None:
        self._depth = len(path)
        self._path = path
        status, node, form = self._status_of(small)
        if status in REJECTION_STATUSES and node is not None:
            if form in ("abort", "raise") and self._handled_by_logging_handler(status, small):
                return  # goes through an error handler that logs it
            category = self._category(status, path)
            if category is not None:
                self._add(node, small, f"{form} with {status}", category, state)
            return
        if self.auth_handler and isinstance(small, cst.Return):
            self._add(small, small, HANDLER_ANSWER, Category.AUTHENTICATION, state)
            return
        if not self._answers_login(small):
            return
        failed = self._failed_check(path)
        if failed is not None and failed not in self._reported_checks:
            self._reported_checks.add(failed)
            self._add(small, small, CHECK_FAILED, Category.AUTHENTICATION, state)
            return
        if failed is None:
            self._answer_pending(small)

    def _answer_pending(self, small: cst.BaseSmallStatement) -> None:
        """A login form re-rendered after the block where the check failed."""
        for test, logs, depth in self._pending:
            if test in self._reported_checks:
                continue
            self._reported_checks.add(test)
            saved = self._depth
            self._depth = depth
            self._add(small, small, CHECK_FAILED, Category.AUTHENTICATION, logs, fixable=False)
            self._depth = saved
            return

    def _add(
        self,
        node: cst.CSTNode,
        stmt: cst.CSTNode,
        form: str,
        category: Category,
        state: Logged,
        fixable: bool = True,
    ) -> None:
        logs = self._records_this_failure(state)
        if form == HANDLER_ANSWER and logs is None:
            if self._handler_answered:
                return  # an auth handler is reported once, at its first unlogged answer
            self._handler_answered = True
        reason, origin = self._describe(form)
        self.found.append(
            Rejection(node, stmt, form, category, logs, self._depth, reason, origin, fixable)
        )

    def _records_this_failure(self, state: Logged) -> Logged:
        """Drop logs every request writes before the decision: a log outside any branch (past
        validation guards only) records the failure only when the rejection is unconditional
        too, or in a handler whose whole body answers the failure."""
        if state is None or self._depth == 0 or self.auth_handler:
            return state
        if not all(site.conditional for site in state):
            return None
        return state

    def _describe(self, form: str) -> tuple[str, str | None]:
        """A reason slug (``key_not_in_valid_keys``) and the key origin (``header``) for log lines."""
        if form in FORM_REASONS:
            return FORM_REASONS[form], None
        branch = next((b for b in reversed(self._path) if b.test is not None), None)
        if branch is None or branch.test is None:
            return _slug(form), None
        text = _slug(self.analysis.module.code_for_node(branch.test))
        reason = text if branch.positive else f"not_{text}".replace("not_not_", "")
        origin = None
        for leaf in _leaves(branch.test):
            for label in self.analysis.taint(leaf, self.func, branch.at).of(Kind.CRED):
                origin = origin or _origin_word(label.what)
        return reason[:48].strip("_") or "rejected", origin

    def _status_of(
        self, small: cst.BaseSmallStatement
    ) -> tuple[int | None, cst.CSTNode | None, str]:
        index = self.analysis.index
        lookup = self.analysis.status_constant
        if isinstance(small, cst.Expr | cst.Return) and isinstance(small.value, cst.Call):
            call = small.value
            if index.imports.resolve(call.func) in fm.ABORT:
                return fm.call_status(call, index, lookup), call, "abort"
        if isinstance(small, cst.Raise) and small.exc is not None:
            status = fm.exception_status(small.exc, index, self.analysis.external_status, lookup)
            return status, small.exc, "raise"
        if isinstance(small, cst.Return) and small.value is not None:
            status = fm.response_status(small.value, index, lookup)
            if status is None:
                status = self._exception_answer(small.value)
            return status, small.value, "response"
        if isinstance(small, cst.Assign):
            if isinstance(small.value, cst.Call):
                status = fm.call_status(small.value, index, lookup)
                if status is not None:
                    return status, small.value, "response"
            if any(
                isinstance(t.target, cst.Attribute) and t.target.attr.value == "status_code"
                for t in small.targets
            ):
                return fm.status_value(small.value, index, lookup), small, "response"
        return None, None, ""

    def _exception_answer(self, value: cst.BaseExpression) -> int | None:
        """An error handler answering with its exception's own status
        (``return body, err.status_code``): the status of the class it handles — its
        ``code``/``status_code``, else what the project's raise sites pass (401 before 403)."""
        if not isinstance(value, cst.Tuple) or len(value.elements) < 2:
            return None
        params = self.func.params.params
        status = value.elements[1].value
        if not (
            params
            and isinstance(status, cst.Attribute)
            and isinstance(status.value, cst.Name)
            and status.value.value == params[0].name.value
            and status.attr.value in fm.STATUS_KEYWORDS
        ):
            return None
        statuses: set[int] = set()
        for target in self._handled_classes():
            statuses |= self._class_statuses(target)
        return next((s for s in sorted(REJECTION_STATUSES) if s in statuses), None)

    def _handled_classes(self) -> list[cst.BaseExpression]:
        """The class expressions this function is registered to handle."""
        out: list[cst.BaseExpression] = []
        for dec in self.func.decorators:
            name, call = fm.decorator_call(dec)
            if name in fm.ERROR_HANDLER_DECORATORS and call is not None and call.args:
                out.append(call.args[0].value)
        for call in self.analysis.index.registration_calls:
            assert isinstance(call.func, cst.Attribute)
            if (
                call.func.attr.value == "register_error_handler"
                and len(call.args) >= 2
                and isinstance(call.args[1].value, cst.Name)
                and call.args[1].value.value == self.func.name.value
            ):
                out.append(call.args[0].value)
        return out

    def _class_statuses(self, target: cst.BaseExpression) -> set[int]:
        index = self.analysis.index
        status = fm.exception_status(target, index, self.analysis.external_status)
        found = {status} if status is not None else set()
        return found | set(self.analysis.raised_statuses(target))

    # -- which rule --------------------------------------------------------------------

    def _category(self, status: int, path: list[_Branch]) -> Category | None:
        if self.auth_handler:
            return Category.AUTHENTICATION
        if self._classifier is None:
            self._classifier = _Classifier(self.analysis, self.func)
        return self._classifier.category(status, path, self.auth_code)

    def _failed_check(self, path: list[_Branch]) -> cst.CSTNode | None:
        """The innermost branch on the path where a credential check failed."""
        for branch in reversed(path):
            if branch.test is not None and _check_failed(branch.test, branch.positive, self._bound):
                return branch.test
        return None

    def _answers_login(self, small: cst.BaseSmallStatement) -> bool:
        """``return redirect(...)``, ``return render_template(...)``, ``flash(...)``."""
        value = small.value if isinstance(small, cst.Return | cst.Expr) else None
        return isinstance(value, cst.Call) and _answer_name(value) in LOGIN_ANSWERS


# -- which rule a rejection belongs to ---------------------------------------------------------

# What a condition reads, in order of precedence.
CRED, ROLE, DERIVED, OWNER, AUTHN = "cred", "role", "derived", "owner", "authn"
CONFIG, OTHER = "config", "other"
_CSRF = re.compile(r"csrf|xsrf|nonce", re.IGNORECASE)
# Request attributes that never decide who may do something.
NEUTRAL_REQUEST = frozenset(
    {
        "method",
        "is_json",
        "path",
        "full_path",
        "endpoint",
        "blueprint",
        "url_rule",
        "accept_mimetypes",
        "mimetype",
        "content_type",
        "is_secure",
        "scheme",
        "is_xhr",
    }
)
# Who is asking: Flask-Login's user, ``g.user``, the session.
IDENTITY_OBJECTS = frozenset(
    {
        "current_user",
        "user",
        "g.user",
        "g.current_user",
        "g.logged_in_user",
        "g.identity",
        "g.auth",
        "g.account",
        "current_identity",
        "identity",
        "session",
        "account",
        "principal",
    }
)
IDENTITY_ACCESSORS = frozenset(
    {"current_user", "get_current_user", "current_identity", "get_jwt_identity", "logged_in_user"}
)
# Names that read who asks (``current_user``, ``get_current_user_attrs()``, ``g.user``).
_ASKER = re.compile(
    r"current_user|current_identity|jwt_identity|logged_in_user|\bg\.(user|identity|account)\b"
)
# Authentication state of the identity (who, not what they may do).
AUTHN_STATE = frozenset(
    {"is_authenticated", "is_anonymous", "id", "get_id", "username", "name", "email", "uid"}
)
_AUTHN_CALL = re.compile(r"(^|_)(authed|logged_in|is_login|authenticated|get_current_user)\b")
# Permission words decide wherever they are read; an account's state (``disabled``,
# ``banned``) decides only as a property of who is asking (``current_user.banned``).
_ROLE = re.compile(
    r"role|admin|perm|privilege|scope|staff|superuser|acl|grant|^can_|^has_|^may_|"
    r"allowed|authori[sz]|owner|author|member|moderator|rights?$"
)
_OWNER = re.compile(r"user|owner|author|creator|uid")
_CONFIG = re.compile(r"config|setting|environ|getenv|feature|flag|option")
CONFIG_HEADS = frozenset({"args", "options", "opts", "conf", "cfg", "env", "settings"})


class _Classifier:
    """Decides FLK301 / FLK304 / neither from the conditions that lead to a rejection."""

    def __init__(self, analysis: ModuleAnalysis, func: cst.FunctionDef) -> None:
        self.analysis = analysis
        self.func = func
        self._derived: set[str] | None = None
        self._checker: bool | None = None
        self._identities: set[str] | None = None
        self._lookups: set[str] | None = None
        self._configs: set[str] | None = None

    def category(self, status: int, path: list[_Branch], auth_code: bool) -> Category | None:
        # Branches around the rejection, and early exits that answered normally, decide;
        # validation guards that rejected (``if not new_password: abort(400)``) are context.
        deciding = [b for b in path if b.guard is not Guard.ERROR and not self._neutral(b)]
        # ``if recaptcha_secret:`` around the check only says the feature is on.
        deciding = [b for b in deciding[:-1] if not _feature_gate(b)] + deciding[-1:]
        if deciding and self._csrf(deciding[-1]):
            return None  # a CSRF token mismatch is neither an auth failure nor a denial
        if auth_code:
            return Category.AUTHENTICATION
        reads = [self._reads(branch) for branch in deciding]
        if reads and CONFIG in reads[-1] and _decide(reads[-1]) is None:
            # The condition right above the rejection reads a setting and no credential or
            # identity: a limit reached or a feature off (even in a login), no access decision.
            return None
        # The innermost condition that reads a credential or an identity decides.
        for kinds in reversed(reads):
            decided = _decide(kinds)
            if decided is not None:
                return decided
        kinds = {kind for branch_kinds in reads for kind in branch_kinds}
        if self._checks_credentials():
            return Category.AUTHENTICATION  # a login: the user it looked up is unknown
        if CONFIG in kinds:
            return None  # a feature switch or a setting, not an access decision
        if status == 401:
            return self._other_401(path, deciding)
        if not deciding or self._decided_by_project(deciding):
            return Category.AUTHORIZATION
        return None  # a CAPTCHA, a resource's state: no one's identity or rights decide

    def _other_401(self, path: list[_Branch], deciding: list[_Branch]) -> Category | None:
        """A 401 whose own condition names no credential or identity: an authentication
        failure in code that handles credentials (its guards read one) or when a project
        function decides (its body checks); otherwise a 401 used for something else."""
        if not deciding:
            return Category.AUTHENTICATION
        context = [b for b in path if b.guard is Guard.ERROR]
        if any({CRED, DERIVED} & self._reads(branch) for branch in context):
            return Category.AUTHENTICATION
        if self._decided_by_project(deciding):
            return Category.AUTHENTICATION
        return None

    def _identity_names(self) -> set[str]:
        """Locals assigned from who is asking (``user_id = current_user.get_name()``)."""
        if self._identities is None:
            self._identities = {
                name
                for name, text in self._local_values()
                if text is not None and self._named_identity(text.split("."))
            }
        return self._identities

    def _looked_up(self) -> set[str]:
        """Locals the function binds to something else than who asks (``user =
        user_repo.get_by_name(name)``): a resource named like the identity, not the asker.
        Only in a function that names who asks otherwise (``current_user``, ``g.user``): in
        a login or a sign-up the user looked up is the asker."""
        if self._lookups is None:
            self._lookups = set()
            if self._checks_credentials() or not _ASKER.search(
                self.analysis.module.code_for_node(self.func.body)
            ):
                return self._lookups
            self._lookups = {
                name
                for name, text in self._local_values()
                if text is None or not self._asker(text.split("."))
            }
        return self._lookups

    def _config_locals(self) -> set[str]:
        """Locals bound only to a setting (``limit = int(app.config["MAX_USERS"])``)."""
        if self._configs is None:
            verdicts: dict[str, bool] = {}
            for stmt in statements_in(body_of(self.func.body)):
                if not isinstance(stmt, cst.Assign):
                    continue
                setting = self._reads_setting(stmt.value)
                for target in stmt.targets:
                    if isinstance(target.target, cst.Name):
                        name = target.target.value
                        verdicts[name] = verdicts.get(name, True) and setting
            self._configs = {name for name, setting in verdicts.items() if setting}
        return self._configs

    def _reads_setting(self, value: cst.BaseExpression) -> bool:
        """``get_config("x")``, ``app.config["X"]``, ``os.environ.get("X")``, also under
        ``int()``/``bool()``/``str()``/``float()``."""
        while (
            isinstance(value, cst.Call)
            and isinstance(value.func, cst.Name)
            and value.func.value in ("int", "bool", "str", "float")
            and value.args
        ):
            value = value.args[0].value
        text = _text(value, self.analysis)
        return text is not None and bool(_CONFIG.search(text.lower()))

    def _local_values(self) -> list[tuple[str, str | None]]:
        """(local, dotted text of its value) for each ``name = value`` of the function."""
        return [
            (target.target.value, _text(stmt.value, self.analysis))
            for stmt in statements_in(body_of(self.func.body))
            if isinstance(stmt, cst.Assign)
            for target in stmt.targets
            if isinstance(target.target, cst.Name)
        ]

    def _asker(self, parts: list[str]) -> bool:
        """Does a value read who asks (``current_user``, ``g.user``, an accessor)?"""
        resolved = self.analysis.index.imports.bindings.get(parts[0], "")
        if resolved in ("flask_login.current_user", "flask.g"):
            return True
        return any(_ASKER.search(part) for part in parts)

    def _checks_credentials(self) -> bool:
        """Does the function check a credential (``user.verify_password(...)``) anywhere?"""
        if self._checker is None:
            self._checker = any(
                is_credential_check(call)
                for stmt in statements_in(body_of(self.func.body))
                if isinstance(stmt, cst.BaseSmallStatement | cst.If | cst.While)
                for call in calls_in(stmt.test if isinstance(stmt, cst.If | cst.While) else stmt)
            )
        return self._checker

    def _decided_by_project(self, deciding: list[_Branch]) -> bool:
        """A project function decides (``if not delete_shelf_helper(shelf):``): its body
        checks who asks, out of this condition's sight."""
        return any(
            self._project_call(call)
            for b in deciding
            if not self._broad_except(b)
            for call in _branch_calls(b)
        )

    def _broad_except(self, branch: _Branch) -> bool:
        """``except Exception:`` after project calls: anything failed, not a check (a
        browser that would not start answered with 401 is no authentication failure)."""
        handler = branch.at
        return (
            branch.test is None
            and isinstance(handler, cst.ExceptHandler | cst.ExceptStarHandler)
            and is_broad_handler(handler, self.analysis.index)
        )

    def _project_call(self, call: cst.Call) -> bool:
        if callee_function(call, self.analysis) is not None:
            return True
        qualified = self.analysis.index.imports.resolve(call.func)
        if qualified is None:
            return False
        if qualified.startswith("."):
            return True
        summaries = self.analysis.project.summaries
        return (
            summaries is not None and summaries.locate(self.analysis.qualify(qualified)) is not None
        )

    # -- what a branch reads -------------------------------------------------------------

    def _reads(self, branch: _Branch) -> set[str]:
        kinds: set[str] = set()
        if branch.test is None:
            # An except clause: the calls of its ``try`` body decide (a failed token lookup).
            for stmt in branch.tried:
                for call in calls_in(stmt):
                    if is_credential_check(call):
                        kinds.add(CRED)
                    for arg in call.args:
                        for leaf in _leaves(arg.value):
                            kinds |= self._leaf_kinds(leaf, stmt, tried=True)
            return kinds
        presence = _presence_of(branch.test)
        if presence is not None and presence in self._derived_names():
            # ``owner = KEYS.get(key); if owner is None:`` -- the lookup by a key found
            # nothing (an unknown key), whatever the local is called.
            return {DERIVED}
        if any(is_credential_check(call) for call in calls_in(branch.test)):
            kinds.add(CRED)
        for leaf in _leaves(branch.test):
            kinds |= self._leaf_kinds(leaf, branch.at)
        if self._ownership(branch.test):
            kinds.add(OWNER)
        if _anonymous(branch.test, branch.positive) is False:
            # ``if user.is_anonymous: abort(401) else: abort(403)``: who asks is known here,
            # so being logged in is not what failed.
            kinds.discard(AUTHN)
        return kinds

    def _leaf_kinds(
        self, leaf: cst.BaseExpression, at: cst.CSTNode, tried: bool = False
    ) -> set[str]:
        kinds: set[str] = set()
        if _presents_credential(self.analysis.taint(leaf, self.func, at)):
            kinds.add(CRED)
        text = _text(leaf, self.analysis)
        if text is None:
            return kinds
        head = text.split(".", 1)[0]
        if head in self._derived_names():
            kinds.add(DERIVED)
        if head in self._config_locals():
            kinds.add(CONFIG)  # ``limit = int(get_config("num_users"))``
        if tried:
            return kinds
        kinds.add(self._word_kind(text))
        return kinds

    def _word_kind(self, text: str) -> str:
        parts = text.split(".")
        lowered = [p.lower() for p in parts]
        if lowered[0] == "request" or text.startswith("flask.request"):
            return OTHER
        identity = self._identity_prefix(parts)
        if identity:
            # ``current_user.is_authenticated`` is who; any other property decides what.
            rest = lowered[identity:]
            return AUTHN if all(p in AUTHN_STATE for p in rest) else ROLE
        if any(_ROLE.search(p) for p in lowered):
            return ROLE
        if any(_AUTHN_CALL.search(p) for p in lowered):
            return AUTHN
        if lowered[0] in CONFIG_HEADS or any(_CONFIG.search(p) for p in lowered):
            return CONFIG
        if len(parts) == 1 and parts[0].isupper() and len(parts[0]) > 1:
            return CONFIG  # a module constant
        return OTHER

    def _identity_prefix(self, parts: list[str]) -> int:
        """How many leading parts name the identity (``current_user`` 1, ``g.user`` 2), or 0.
        A local bound to one (``user_id = current_user.get_name()``) is the identity too."""
        if parts[0] in self._identity_names():
            return 1
        return self._named_identity(parts)

    def _named_identity(self, parts: list[str]) -> int:
        resolved = self.analysis.index.imports.bindings.get(parts[0], "")
        if resolved == "flask_login.current_user" or parts[0] == "current_user":
            return 1
        two = ".".join(parts[:2])
        if resolved == "flask.g" and len(parts) >= 2:
            return 2 if two in IDENTITY_OBJECTS or _OWNER.search(parts[1].lower()) else 0
        if parts[0] in IDENTITY_OBJECTS and parts[0] not in self._looked_up():
            return 1
        # ``auth.current_user().is_anonymous``: an accessor of the identity further down.
        for position, part in enumerate(parts[1:], start=2):
            if part in IDENTITY_ACCESSORS:
                return position
        return 0

    def _ownership(self, test: cst.BaseExpression) -> bool:
        """``post.author_id != current_user.id``, ``comment["user"] != current_user``: who is
        asking compared with an owner (not with ``None`` or a literal)."""
        for node in _comparisons(test):
            if len(node.comparisons) != 1:
                continue
            sides = [node.left, node.comparisons[0].comparator]
            if any(_literal(side) for side in sides):
                continue
            texts = [_text(side, self.analysis) for side in sides]
            kinds = [self._word_kind(t) if t is not None else OTHER for t in texts]
            if kinds.count(AUTHN) == 1:
                return True
        return False

    def _neutral(self, branch: _Branch) -> bool:
        """A condition on the request's method, path or format decides nothing about access."""
        if branch.test is None:
            return False
        leaves = [leaf for leaf in _leaves(branch.test) if not isinstance(leaf, cst.Call)]
        if not leaves:
            return False
        for leaf in leaves:
            text = _text(leaf, self.analysis)
            if text is None:
                return False
            parts = text.split(".")
            if not (parts[0] == "request" and len(parts) == 2 and parts[1] in NEUTRAL_REQUEST):
                return False
        return True

    def _csrf(self, branch: _Branch) -> bool:
        if branch.test is None:
            return False
        return bool(_CSRF.search(self.analysis.module.code_for_node(branch.test)))

    def _derived_names(self) -> set[str]:
        """Local names assigned from an expression that reads a presented credential
        (``record = ApiKey.query.filter_by(secret=presented).first()``)."""
        if self._derived is not None:
            return self._derived
        self._derived = set()
        for stmt in statements_in(body_of(self.func.body)):
            if not isinstance(stmt, cst.Assign):
                continue
            names = [n for t in stmt.targets for n in bound_names(t.target)]
            if not names or isinstance(stmt.value, cst.BaseString | cst.Integer | cst.Name):
                continue
            if any(
                _presents_credential(self.analysis.taint(leaf, self.func, stmt))
                for leaf in _leaves(stmt.value)
            ):
                self._derived.update(names)
        return self._derived


# Whole request parts that are the presented credentials (``request.authorization``).
CREDENTIAL_PARTS = ("request.authorization", "request.cookies")


def _presents_credential(taint: Taint) -> bool:
    return taint.has(Kind.CRED) or any(
        label.what.startswith(CREDENTIAL_PARTS) for label in taint.of(Kind.DUMP)
    )


def _text(expr: cst.BaseExpression, analysis: ModuleAnalysis) -> str | None:
    """A dotted text for a leaf: ``current_user.is_admin``, ``app.config``, ``authed`` (a call)."""
    if isinstance(expr, cst.Call):
        return _text(expr.func, analysis)
    if isinstance(expr, cst.Subscript):
        return _text(expr.value, analysis)
    if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Call | cst.Subscript):
        inner = _text(expr.value, analysis)
        return f"{inner}.{expr.attr.value}" if inner is not None else None
    dotted = dotted_name(expr)
    if dotted is None:
        return None
    qualified = analysis.index.imports.resolve(expr)
    if qualified is not None and qualified.startswith("flask.request"):
        return "request" + qualified[len("flask.request") :]
    if qualified is not None and qualified.startswith(("flask.current_app", "flask.g")):
        return dotted
    return dotted


def _presence_of(test: cst.BaseExpression) -> str | None:
    """The local a test only asks the presence of: ``x``, ``not x``, ``x is (not) None``."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        test = test.expression
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        if not (
            isinstance(target.operator, cst.Is | cst.IsNot)
            and isinstance(target.comparator, cst.Name)
            and target.comparator.value == "None"
        ):
            return None
        test = test.left
    return test.value if isinstance(test, cst.Name) else None


def _decide(kinds: set[str]) -> Category | None:
    if CRED in kinds:
        return Category.AUTHENTICATION
    if ROLE in kinds:
        return Category.AUTHORIZATION
    if DERIVED in kinds:
        return Category.AUTHENTICATION  # a key that belongs to another user
    if OWNER in kinds:
        return Category.AUTHORIZATION  # an ownership check
    if AUTHN in kinds:
        return Category.AUTHENTICATION  # nobody (known) is asking: not logged in
    return None


def _anonymous(test: cst.BaseExpression, positive: bool) -> bool | None:
    """Does taking this branch mean nobody is logged in (True), somebody is (False), or is
    the test about something else (None)? ``is_anonymous``, ``is_authenticated``."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _anonymous(test.expression, not positive)
    if isinstance(test, cst.Attribute):
        if test.attr.value == "is_anonymous":
            return positive
        if test.attr.value == "is_authenticated":
            return not positive
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        if isinstance(target.comparator, cst.Name) and target.comparator.value in (
            "True",
            "False",
        ):
            same = isinstance(target.operator, cst.Is | cst.Equal)
            truth = (target.comparator.value == "True") == same
            return _anonymous(test.left, positive == truth)
    return None


def _feature_gate(branch: _Branch) -> bool:
    """``if setting:`` taken: a bare truth test around the decision, not the decision."""
    return (
        branch.guard is None
        and branch.positive
        and isinstance(branch.test, cst.Name | cst.Attribute)
    )


def _literal(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Name):
        return expr.value in ("None", "True", "False")
    return isinstance(expr, cst.BaseString | cst.Integer | cst.Float)


def _branch_calls(branch: _Branch) -> list[cst.Call]:
    """The calls whose results the branch tests (``if not f(x)``, ``if g(x) is None``), or
    for an except clause the calls of its ``try`` body."""
    if branch.test is None:
        return [call for stmt in branch.tried for call in calls_in(stmt)]
    out: list[cst.Call] = []
    stack: list[cst.BaseExpression] = [branch.test]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Call):
            out.append(node)
        elif isinstance(node, cst.UnaryOperation):
            stack.append(node.expression)
        elif isinstance(node, cst.BooleanOperation):
            stack.extend((node.left, node.right))
        elif isinstance(node, cst.Comparison):
            stack.append(node.left)
            stack.extend(target.comparator for target in node.comparisons)
    return out


def _comparisons(test: cst.BaseExpression) -> list[cst.Comparison]:
    out = []
    stack: list[cst.CSTNode] = [test]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Comparison):
            out.append(node)
        elif isinstance(node, cst.UnaryOperation | cst.BooleanOperation):
            stack.extend(child_nodes(node))
    return out


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


def _answer_name(call: cst.Call) -> str | None:
    name = dotted_name(call.func)
    return name.rsplit(".", 1)[-1] if name is not None else None


def is_credential_check(call: cst.Call) -> bool:
    name = dotted_name(call.func)
    if name is None:
        return False
    last = name.rsplit(".", 1)[-1]
    return last in CREDENTIAL_CHECKS or bool(_CHECK_NAME.match(last))


def _check_failed(test: cst.BaseExpression, positive: bool, bound: Bindings) -> bool:
    """Is this branch the one where a credential check in ``test`` returned false?"""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _check_failed(test.expression, not positive, bound)
    if isinstance(test, cst.Call):
        return is_credential_check(test) and not positive
    if isinstance(test, cst.Name) and test.value in bound:
        # ``ok = verify_token(t)`` … ``if not ok:``
        return is_credential_check(bound[test.value][0]) and not positive
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        if isinstance(target.comparator, cst.Name) and target.comparator.value in ("None", "False"):
            if isinstance(target.operator, cst.Is | cst.Equal):
                return _check_failed(test.left, not positive, bound)
            if isinstance(target.operator, cst.IsNot | cst.NotEqual):
                return _check_failed(test.left, positive, bound)
    if isinstance(test, cst.BooleanOperation):
        # ``not user or not check(...)`` true → failed; ``user and check(...)`` false → failed.
        if isinstance(test.operator, cst.Or) and positive:
            return _check_failed(test.left, True, bound) or _check_failed(test.right, True, bound)
        if isinstance(test.operator, cst.And) and not positive:
            return _check_failed(test.left, False, bound) or _check_failed(test.right, False, bound)
    return False


def _leaves(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    """Operands worth evaluating in a condition: names, attributes, subscripts (and their
    keys), calls and their arguments."""
    out: list[cst.BaseExpression] = []
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name | cst.Attribute):
            out.append(node)
            if isinstance(node, cst.Attribute) and not isinstance(node.value, cst.Name):
                stack.append(node.value)  # ``KEYS[key].revoked``: the key is read too
        elif isinstance(node, cst.Subscript):
            out.append(node)
            stack.append(node.value)
            stack.extend(el.slice.value for el in node.slice if isinstance(el.slice, cst.Index))
        elif isinstance(node, cst.Call):
            out.append(node)
            stack.extend(arg.value for arg in node.args)
            if isinstance(node.func, cst.Attribute) and not isinstance(
                node.func.value, cst.Name | cst.Attribute
            ):
                stack.append(node.func.value)
        elif isinstance(node, cst.BaseExpression):
            stack.extend(
                c
                for c in child_nodes(node)
                if isinstance(c, cst.BaseExpression | cst.ComparisonTarget)
            )
        elif isinstance(node, cst.ComparisonTarget):
            stack.append(node.comparator)
    return out


def _last_smalls(stmt: cst.If) -> list[cst.BaseSmallStatement]:
    """The small statements of the ``if`` body's lines (where it leaves, if it does)."""
    return [
        small
        for line in body_of(stmt.body)
        if isinstance(line, cst.SimpleStatementLine | cst.SimpleStatementSuite)
        for small in line.body
    ]


def _terminates(
    small: cst.BaseSmallStatement, analysis: ModuleAnalysis, func: cst.FunctionDef | None = None
) -> bool:
    if isinstance(small, cst.Return | cst.Raise | cst.Continue | cst.Break):
        return True
    return (
        isinstance(small, cst.Expr)
        and isinstance(small.value, cst.Call)
        and exits(small.value, analysis, func)
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


def logged_exception_classes(analysis: ModuleAnalysis) -> set[str]:
    """Exception classes (absolute names) whose error handler here logs every time."""
    out: set[str] = set()
    index = analysis.index
    for func in index.functions.values():
        for reg in fm.registrations(func, index):
            if reg.role is not fm.Role.ERROR_HANDLER or not isinstance(reg.target, str):
                continue
            if fm.classify_handled(reg.target, index) is not fm.Handled.OTHER:
                continue
            if _always_logs(func, analysis):
                out.add(_absolute_target(reg.target, analysis))
    return out


def _absolute_target(target: str, analysis: ModuleAnalysis) -> str:
    if target in analysis.index.classes and analysis.project.module:
        return f"{analysis.project.module}.{target}"
    return analysis.qualify(target)


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
