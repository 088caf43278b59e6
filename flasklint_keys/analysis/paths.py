"""What every path through a function does: leave by raising, log, log when it fails.

A function's *path facts* let a caller judge a call without entering it:

* ``always_raises`` — no path returns (``def fail(msg): raise SystemExit(msg)``), so a
  call of it leaves the caller's block as a ``raise`` would;
* ``always_logs`` — every path that returns has passed a log or report call, so a call
  of it logs on the caller's path;
* ``logs_on_failure`` — every return of a falsy value (``False``, ``None``, ``0``, an
  empty literal, a bare ``return``, falling off the end), or of a falsy element of a
  returned tuple, has passed a log call: ``if not verify(token): abort(401)`` is logged
  when ``verify`` logs before each ``return False``.

The walk is over statements (no expression evaluation beyond literal truthiness):
names assigned a literal keep its truthiness until reassigned, loops run at least
once, and an exception raised in a ``try`` body goes to its handlers, which start
from the state before the ``try``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

import libcst as cst

from . import flask_model as fm
from .effects import calls_in, escaping_statements, is_log_call
from .imports import dotted_name
from .index import Statement, body_of
from .nodes import bound_names

if TYPE_CHECKING:
    from .module import ModuleAnalysis


@dataclass(frozen=True)
class PathFacts:
    always_raises: bool = False
    always_logs: bool = False
    # Element indexes of the returned value (-1: the value itself) whose falsy returns all log.
    logs_on_failure: frozenset[int] = frozenset()


NO_FACTS = PathFacts()
WHOLE = -1

# Calls that never return (they raise SystemExit, an HTTPException, a test failure...).
EXIT_FUNCTIONS = frozenset(
    {
        "sys.exit",
        "os._exit",
        "os.abort",
        "pytest.fail",
        "pytest.skip",
        "pytest.exit",
        "pytest.xfail",
        "typer.Exit",
    }
)
# click's context: ``ctx.exit()``, ``ctx.fail()``, ``ctx.abort()``.
CLICK_EXITS = frozenset({"exit", "fail", "abort"})
CLICK_CONTEXT = frozenset({"click.get_current_context", "click.globals.get_current_context"})
CONTEXT_NAMES = frozenset({"ctx", "context", "click_ctx"})
# ``self.fail(...)`` raises in click parameter types and unittest test cases.
FAILING_BASES = frozenset(
    {"ParamType", "TestCase", "IsolatedAsyncioTestCase", "SimpleTestCase", "TransactionTestCase"}
)
BUILTIN_EXITS = frozenset({"exit", "quit"})
MAX_STATES = 24


# -- never-returning calls -------------------------------------------------------------------


def exits(call: cst.Call, analysis: ModuleAnalysis, func: cst.FunctionDef | None = None) -> bool:
    """Does ``call`` never return: ``abort()``, ``sys.exit()``, ``ctx.fail()``, ``self.fail()``
    in a click ``ParamType`` or a ``TestCase``, or a project function whose every path raises?"""
    index = analysis.index
    qualified = index.imports.resolve(call.func)
    if qualified in fm.ABORT or qualified in EXIT_FUNCTIONS:
        return True
    target = call.func
    if isinstance(target, cst.Name):
        if (
            target.value in BUILTIN_EXITS
            and target.value not in index.imports.bindings
            and target.value not in index.functions
        ):
            return True
    elif isinstance(target, cst.Attribute) and _exits_by_receiver(target, analysis, func):
        return True
    return function_facts(call, analysis).always_raises


def _exits_by_receiver(
    target: cst.Attribute, analysis: ModuleAnalysis, func: cst.FunctionDef | None
) -> bool:
    method = target.attr.value
    receiver = target.value
    index = analysis.index
    if method in CLICK_EXITS:
        if isinstance(receiver, cst.Call) and index.imports.resolve(receiver.func) in CLICK_CONTEXT:
            return True
        if (
            isinstance(receiver, cst.Name)
            and receiver.value in CONTEXT_NAMES
            and index.imports.imports_any("click", "typer")
        ):
            return True
    if method == "fail" and isinstance(receiver, cst.Name) and receiver.value == "self":
        return func is not None and _class_derives(func, analysis, FAILING_BASES)
    return False


def _class_derives(func: cst.FunctionDef, analysis: ModuleAnalysis, bases: frozenset[str]) -> bool:
    """Is ``func`` a method of a class with one of ``bases`` among its (module-local) ancestors?"""
    name = analysis.index.class_of.get(func)
    seen: set[str] = set()
    while name is not None and name not in seen:
        seen.add(name)
        cls = analysis.index.classes.get(name)
        if cls is None:
            return False
        parent = None
        for base in cls.bases:
            dotted = dotted_name(base.value)
            last = dotted.rsplit(".", 1)[-1] if dotted is not None else None
            if last in bases:
                return True
            if last in analysis.index.classes:
                parent = last
        name = parent
    return False


# -- callees --------------------------------------------------------------------------------


def function_facts(call: cst.Call, analysis: ModuleAnalysis) -> PathFacts:
    """Path facts of the project function ``call`` calls (``NO_FACTS`` if unknown)."""
    local = callee_function(call, analysis)
    if local is not None:
        return facts(local, analysis)
    qualified = analysis.index.imports.resolve(call.func)
    if qualified is None:
        return NO_FACTS
    found = analysis.external_function(qualified, "logs")
    if found is None:
        return NO_FACTS
    exported = found[0]
    return PathFacts(
        exported.always_raises, exported.always_logs, frozenset(exported.logs_on_failure)
    )


def callee_function(call: cst.Call, analysis: ModuleAnalysis) -> cst.FunctionDef | None:
    """A function of this module that ``call`` calls: ``f()``, or ``self.m()``/``cls.m()`` when
    every method of that name in the module is that one."""
    func = call.func
    index = analysis.index
    if isinstance(func, cst.Name):
        if func.value in index.imports.bindings:
            return None
        return index.functions.get(func.value)
    if (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and func.value.value in ("self", "cls")
    ):
        found = [m[func.attr.value] for m in index.methods.values() if func.attr.value in m]
        return found[0] if len(found) == 1 else None
    return None


def facts(func: cst.FunctionDef, analysis: ModuleAnalysis) -> PathFacts:
    """Path facts of a function of this module (memoised; a recursive call knows nothing)."""
    key = ("path_facts", func)
    cached = analysis.cache.get(key)
    if isinstance(cached, PathFacts):
        return cached
    analysis.cache[key] = NO_FACTS
    result = _compute(func, analysis)
    analysis.cache[key] = result
    return result


def _compute(func: cst.FunctionDef, analysis: ModuleAnalysis) -> PathFacts:
    body = body_of(func.body)
    walk = _Walk(analysis, func)
    fall = walk.block(body, [_State(False, ())])
    if walk.generator:
        return NO_FACTS  # its body runs when iterated, not when called
    ends = walk.ends + [_End("return", None, state) for state in fall]
    returns = [end for end in ends if end.kind == "return"]
    always_raises = bool(ends) and not returns
    always_logs = bool(returns) and all(end.state.logged for end in returns)
    return PathFacts(always_raises, always_logs, _logs_on_failure(returns))


def _logs_on_failure(returns: Sequence[_End]) -> frozenset[int]:
    width = max((_width(end.value) for end in returns), default=0)
    out = set()
    for position in (WHOLE, *range(width)):
        falsy = [
            end
            for end in returns
            if truthiness(_element(end.value, position), dict(end.state.consts)) is False
        ]
        if falsy and all(end.state.logged for end in falsy):
            out.add(position)
    return frozenset(out)


def _width(value: cst.BaseExpression | None) -> int:
    return len(value.elements) if isinstance(value, cst.Tuple) else 0


_TRUTHY = cst.Name("True")


def _element(value: cst.BaseExpression | None, position: int) -> cst.BaseExpression | None:
    if position == WHOLE:
        # A returned tuple is truthy whatever it holds.
        return _TRUTHY if isinstance(value, cst.Tuple) and value.elements else value
    if isinstance(value, cst.Tuple) and position < len(value.elements):
        return value.elements[position].value
    return _TRUTHY  # not a tuple of that width: nothing known to fail there


def truthiness(expr: cst.BaseExpression | None, consts: Mapping[str, bool]) -> bool | None:
    """The truth value of a returned expression, when a literal (or a name bound to one) decides it."""
    if expr is None:
        return False
    if isinstance(expr, cst.Name):
        if expr.value in ("True", "False", "None"):
            return expr.value == "True"
        return consts.get(expr.value)
    if isinstance(expr, cst.Integer | cst.Float):
        try:
            return float(expr.value.replace("_", "")) != 0
        except ValueError:
            return None
    if isinstance(expr, cst.SimpleString):
        value = expr.evaluated_value
        return bool(value) if isinstance(value, str | bytes) else None
    if isinstance(expr, cst.List | cst.Tuple | cst.Set | cst.Dict):
        return bool(expr.elements)
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not):
        inner = truthiness(expr.expression, consts)
        return None if inner is None else not inner
    return None


# -- the walk -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _State:
    logged: bool
    consts: tuple[tuple[str, bool], ...]

    def with_log(self, logged: bool) -> _State:
        return self if not logged or self.logged else _State(True, self.consts)

    def bind(self, name: str, value: bool | None) -> _State:
        rest = tuple(item for item in self.consts if item[0] != name)
        if value is None:
            return self if len(rest) == len(self.consts) else _State(self.logged, rest)
        return _State(self.logged, tuple(sorted((*rest, (name, value)))))


class _End(NamedTuple):
    kind: str  # "return" or "raise"
    value: cst.BaseExpression | None
    state: _State


@dataclass
class _Walk:
    analysis: ModuleAnalysis
    func: cst.FunctionDef
    ends: list[_End] = field(default_factory=list)
    _loops: list[list[_State]] = field(default_factory=list)
    _catching: int = 0
    generator: bool = False

    def block(self, stmts: Sequence[Statement], states: list[_State]) -> list[_State]:
        for stmt in stmts:
            if not states:
                return []
            states = _merge(self.statement(stmt, states))
        return states

    def statement(self, stmt: Statement, states: list[_State]) -> list[_State]:
        if isinstance(stmt, cst.SimpleStatementLine | cst.SimpleStatementSuite):
            for small in stmt.body:
                states = self.small(small, states)
                if not states:
                    return []
            return states
        if isinstance(stmt, cst.If):
            return self._if(stmt, states)
        if isinstance(stmt, cst.For | cst.While):
            return self._loop(stmt, states)
        if isinstance(stmt, cst.Try | cst.TryStar):
            return self._try(stmt, states)
        if isinstance(stmt, cst.With):
            logged = any(self._logs(item.item) for item in stmt.items)
            return self.block(body_of(stmt.body), [s.with_log(logged) for s in states])
        if isinstance(stmt, cst.Match):
            outs = [self.block(body_of(case.body), states) for case in stmt.cases]
            return [s for out in outs for s in out] + states
        return states  # nested definitions do not run here

    def small(self, small: cst.BaseSmallStatement, states: list[_State]) -> list[_State]:
        if isinstance(small, cst.Expr | cst.Assign | cst.AugAssign | cst.AnnAssign) and (
            isinstance(small.value, cst.Yield)
        ):
            self.generator = True  # ``yield x`` / ``y = yield x`` as a statement
        logged = self._logs(small)
        states = [s.with_log(logged) for s in states]
        if isinstance(small, cst.Return):
            self.ends.extend(_End("return", small.value, s) for s in states)
            return []
        if isinstance(small, cst.Raise):
            if not self._catching:
                self.ends.extend(_End("raise", None, s) for s in states)
            return []
        if isinstance(small, cst.Break | cst.Continue):
            if self._loops:
                self._loops[-1].extend(states)
            return []
        if (
            isinstance(small, cst.Expr)
            and isinstance(small.value, cst.Call)
            and exits(small.value, self.analysis, self.func)
        ):
            if not self._catching:
                self.ends.extend(_End("raise", None, s) for s in states)
            return []
        if isinstance(small, cst.Assign):
            return [self._assign(small, s) for s in states]
        if isinstance(small, cst.AugAssign | cst.AnnAssign):
            target = small.target
            if isinstance(target, cst.Name):
                value = small.value if isinstance(small, cst.AnnAssign) else None
                known = truthiness(value, dict()) if value is not None else None
                return [s.bind(target.value, known) for s in states]
        return states

    def _assign(self, small: cst.Assign, state: _State) -> _State:
        known = truthiness(small.value, dict(state.consts))
        for target in small.targets:
            for name in bound_names(target.target):
                state = state.bind(name, known if isinstance(target.target, cst.Name) else None)
        return state

    def _if(self, stmt: cst.If, states: list[_State]) -> list[_State]:
        test_logs = self._logs(stmt.test)
        then_logs = test_logs or condition_logs(stmt.test, True, self.analysis)
        else_logs = test_logs or condition_logs(stmt.test, False, self.analysis)
        then = self.block(body_of(stmt.body), [s.with_log(then_logs) for s in states])
        negative = [s.with_log(else_logs) for s in states]
        orelse = stmt.orelse
        if orelse is None:
            otherwise = negative
        elif isinstance(orelse, cst.If):
            otherwise = self._if(orelse, negative)
        else:
            otherwise = self.block(body_of(orelse.body), negative)
        return then + otherwise

    def _loop(self, stmt: cst.For | cst.While, states: list[_State]) -> list[_State]:
        head = stmt.iter if isinstance(stmt, cst.For) else stmt.test
        logged = self._logs(head)
        entry = [s.with_log(logged) for s in states]
        if isinstance(stmt, cst.For):
            entry = [_unbind(s, stmt.target) for s in entry]
        self._loops.append([])
        body = self.block(body_of(stmt.body), entry)
        left = self._loops.pop()
        endless = (
            isinstance(stmt, cst.While)
            and isinstance(stmt.test, cst.Name)
            and stmt.test.value == "True"
        )
        # The loop runs at least once: what follows sees the states its body ends in.
        finished = [] if endless else body
        if stmt.orelse is not None:
            finished = self.block(body_of(stmt.orelse.body), finished)
        return finished + left

    def _try(self, stmt: cst.Try | cst.TryStar, states: list[_State]) -> list[_State]:
        if stmt.handlers:
            self._catching += 1
        try:
            body = self.block(body_of(stmt.body), states)
        finally:
            if stmt.handlers:
                self._catching -= 1
        outs = self.block(body_of(stmt.orelse.body), body) if stmt.orelse is not None else body
        for handler in stmt.handlers:
            # The exception may come before anything of the body ran.
            outs = outs + self.block(body_of(handler.body), states)
        if stmt.finalbody is not None:
            outs = self.block(body_of(stmt.finalbody.body), _merge(outs))
        return outs

    def _logs(self, node: cst.CSTNode) -> bool:
        return any(call_logs(call, self.analysis) for call in calls_in(node))


def _unbind(state: _State, target: cst.BaseExpression) -> _State:
    for name in bound_names(target):
        state = state.bind(name, None)
    return state


def _merge(states: list[_State]) -> list[_State]:
    unique = list(dict.fromkeys(states))
    if len(unique) <= MAX_STATES:
        return unique
    # Too many distinct paths: one state that knows only what all of them agree on.
    logged = all(s.logged for s in unique)
    common = set(unique[0].consts)
    for s in unique[1:]:
        common &= set(s.consts)
    return [_State(logged, tuple(sorted(common)))]


# -- calls that log -------------------------------------------------------------------------


def call_logs(call: cst.Call, analysis: ModuleAnalysis) -> bool:
    """Does this call log on every path through it: a log sink, a report call, or a project
    function that logs on every path that returns?"""
    if is_log_call(call, analysis, must=True):
        return True
    return function_facts(call, analysis).always_logs


NO_BINDINGS: Mapping[str, tuple[cst.Call, int]] = MappingProxyType({})
# A test's branch and the calls it made: ``ok = verify(t)`` binds ``ok`` to (call, -1);
# ``payload, ok = verify(t)`` binds it to (call, 1).
Bindings = Mapping[str, tuple[cst.Call, int]]


def condition_logs(
    test: cst.BaseExpression,
    positive: bool,
    analysis: ModuleAnalysis,
    bound: Bindings = NO_BINDINGS,
) -> bool:
    """Is a log guaranteed when ``test`` evaluates to ``positive``? Calls in the condition log
    when they log on failure and the branch is the one where they failed
    (``if not verify(token):``, ``if check(x) is None:``, ``ok = verify(t)`` … ``if not ok:``)."""
    return condition_log_call(test, positive, analysis, bound) is not None


def condition_log_call(
    test: cst.BaseExpression,
    positive: bool,
    analysis: ModuleAnalysis,
    bound: Bindings = NO_BINDINGS,
) -> cst.Call | None:
    """The call that logs when ``test`` evaluates to ``positive`` (see ``condition_logs``)."""
    return _test_logs(test, positive, analysis, bound, 0)


def _test_logs(
    test: cst.BaseExpression, positive: bool, analysis: ModuleAnalysis, bound: Bindings, depth: int
) -> cst.Call | None:
    if depth > 8:
        return None
    d = depth + 1
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _test_logs(test.expression, not positive, analysis, bound, d)
    if isinstance(test, cst.BooleanOperation):
        left, right = test.left, test.right
        if isinstance(test.operator, cst.Or) == positive:
            # ``a or b`` true / ``a and b`` false: reached through either operand deciding,
            # so both ways must log.
            first = _test_logs(left, positive, analysis, bound, d)
            if first is None:
                return None
            second = _test_logs(left, not positive, analysis, bound, d) or _test_logs(
                right, positive, analysis, bound, d
            )
            return first if second is not None else None
        # ``a and b`` true / ``a or b`` false: both operands evaluated to ``positive``.
        return _test_logs(left, positive, analysis, bound, d) or _test_logs(
            right, positive, analysis, bound, d
        )
    if isinstance(test, cst.Call):
        return test if _failed_call_logs(test, WHOLE, positive, analysis) else None
    if isinstance(test, cst.Name) and test.value in bound:
        call, position = bound[test.value]
        return call if _failed_call_logs(call, position, positive, analysis) else None
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        falsy = _compared_with_falsy(test)
        if falsy is not None:
            return _test_logs(test.left, positive != falsy, analysis, bound, d)
    return None


def _failed_call_logs(
    call: cst.Call, position: int, positive: bool, analysis: ModuleAnalysis
) -> bool:
    if positive:
        return False
    return position in function_facts(call, analysis).logs_on_failure


def _compared_with_falsy(test: cst.Comparison) -> bool | None:
    """``x is None`` / ``x == False`` -> True (positive means x failed); ``is not None`` -> False."""
    target = test.comparisons[0]
    comparator = target.comparator
    if not (isinstance(comparator, cst.Name) and comparator.value in ("None", "False")):
        return None
    if isinstance(target.operator, cst.Is | cst.Equal):
        return True
    if isinstance(target.operator, cst.IsNot | cst.NotEqual):
        return False
    return None


def bindings_of(small: cst.BaseSmallStatement) -> dict[str, tuple[cst.Call, int]]:
    """``ok = f(...)`` -> {ok: (call, -1)}; ``a, ok = f(...)`` -> {a: (call, 0), ok: (call, 1)}."""
    if not isinstance(small, cst.Assign) or not isinstance(small.value, cst.Call):
        return {}
    call = small.value
    out: dict[str, tuple[cst.Call, int]] = {}
    for target in small.targets:
        node = target.target
        if isinstance(node, cst.Name):
            out[node.value] = (call, WHOLE)
        elif isinstance(node, cst.Tuple | cst.List):
            for position, element in enumerate(node.elements):
                if isinstance(element.value, cst.Name):
                    out[element.value.value] = (call, position)
    return out


def leaves(
    stmts: Sequence[cst.CSTNode], analysis: ModuleAnalysis, func: cst.FunctionDef | None = None
) -> bool:
    """Any ``raise``, ``abort(...)`` or never-returning call that leaves the statements."""
    for stmt in escaping_statements(stmts):
        if isinstance(stmt, cst.Raise):
            return True
        value = stmt.value if isinstance(stmt, cst.Expr | cst.Return) else None
        if isinstance(value, cst.Call) and exits(value, analysis, func):
            return True
    return False


def records(stmts: Sequence[cst.CSTNode], analysis: ModuleAnalysis) -> bool:
    """Does any call of ``stmts`` log or report: a sink, a report call, a write to stderr, or a
    project function that logs somewhere (or on every path, e.g. a stderr printing helper)?"""
    return any(
        is_log_call(call, analysis) or call_logs(call, analysis)
        for stmt in stmts
        for call in calls_in(stmt)
    )
