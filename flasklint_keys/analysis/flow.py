"""Flow-sensitive credential analysis of one scope (module, class body or function).

An abstract interpreter walks the statements in order, keeping an environment
(variable -> :class:`Taint`). Branches are analysed separately and joined, loop
bodies twice (enough for a may-analysis of this lattice's height in practice),
and the environment *before* every statement is recorded so rules can ask
"what does this expression carry here?" in O(expression size).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from .evaluate import Env, EvaluationHost, Evaluator, Mode, bind_target, iterated_item
from .flask_model import exposes_internals
from .index import Statement, blocks, body_of, string_value
from .taint import UNKNOWN, Kind, Label, Taint, join, union

CONTAINER_MUTATORS = frozenset(
    {"append", "extend", "add", "update", "insert", "setdefault", "appendleft"}
)


@dataclass
class ScopeFlow:
    scope: cst.CSTNode
    initial: Env
    env_at: dict[cst.CSTNode, Env] = field(default_factory=dict)
    returns: Taint | None = None
    final: Env = field(default_factory=dict)

    def env_before(self, stmt: cst.CSTNode | None) -> Env:
        if stmt is None:
            return self.initial
        return self.env_at.get(stmt, self.initial)


def analyse_scope(
    analysis: EvaluationHost, scope: cst.CSTNode, initial: Env, mode: Mode
) -> ScopeFlow:
    flow = ScopeFlow(scope, initial)
    interpreter = _Interpreter(analysis, flow, Evaluator(analysis, scope, mode))
    if isinstance(scope, cst.Module):
        body: Sequence[Statement] = scope.body
    else:
        assert isinstance(scope, cst.FunctionDef | cst.ClassDef)
        body = body_of(scope.body)
    flow.final = interpreter.block(body, initial)
    return flow


class _Interpreter:
    def __init__(self, analysis: EvaluationHost, flow: ScopeFlow, evaluator: Evaluator) -> None:
        self.analysis = analysis
        self.flow = flow
        self.ev = evaluator

    def block(self, stmts: Sequence[Statement], env: Env) -> Env:
        for stmt in stmts:
            env = self.statement(stmt, env)
        return env

    def statement(self, stmt: Statement, env: Env) -> Env:
        self.flow.env_at[stmt] = env
        if isinstance(stmt, cst.SimpleStatementLine | cst.SimpleStatementSuite):
            for small in stmt.body:
                self.flow.env_at[small] = env
                env = self.small(small, env)
            return env
        if isinstance(stmt, cst.If):
            return self._if(stmt, env)
        if isinstance(stmt, cst.For):
            return self._for(stmt, env)
        if isinstance(stmt, cst.While):
            return self._while(stmt, env)
        if isinstance(stmt, cst.Try | cst.TryStar):
            return self._try(stmt, env)
        if isinstance(stmt, cst.With):
            return self._with(stmt, env)
        if isinstance(stmt, cst.FunctionDef | cst.ClassDef):
            return {**env, stmt.name.value: Taint(no_name=True)}
        if isinstance(stmt, cst.BaseCompoundStatement):  # match, and anything newer
            return _join_envs([env, *(self.block(b, env) for b in blocks(stmt))])
        return env

    # -- compound statements -------------------------------------------------------------

    def _if(self, stmt: cst.If, env: Env) -> Env:
        then_env = self.block(body_of(stmt.body), env)
        orelse = stmt.orelse
        if orelse is None:
            else_env = env
        elif isinstance(orelse, cst.If):
            else_env = self.statement(orelse, env)
        else:
            else_env = self.block(body_of(orelse.body), env)
        return _join_envs([then_env, else_env])

    def _for(self, stmt: cst.For, env: Env) -> Env:
        iterated = self.ev.eval(stmt.iter, env)
        item = iterated_item(stmt.iter, iterated)
        loop_env = env
        for _ in range(2):
            entry = dict(_join_envs([env, loop_env]))
            bind_target(entry, stmt.target, item, self.ev.credential_target)
            loop_env = self.block(body_of(stmt.body), entry)
        after = _join_envs([env, loop_env])
        if stmt.orelse is not None:
            after = self.block(body_of(stmt.orelse.body), after)
        return after

    def _while(self, stmt: cst.While, env: Env) -> Env:
        loop_env = env
        for _ in range(2):
            loop_env = self.block(body_of(stmt.body), _join_envs([env, loop_env]))
        after = _join_envs([env, loop_env])
        if stmt.orelse is not None:
            after = self.block(body_of(stmt.orelse.body), after)
        return after

    def _try(self, stmt: cst.Try | cst.TryStar, env: Env) -> Env:
        body_env = self.block(body_of(stmt.body), env)
        handler_entry = _join_envs([env, body_env])
        outs = []
        for handler in stmt.handlers:
            entry = dict(handler_entry)
            if handler.name is not None and isinstance(handler.name.name, cst.Name):
                entry[handler.name.name.value] = self._exception_value(handler)
            outs.append(self.block(body_of(handler.body), entry))
        else_env = body_env
        if stmt.orelse is not None:
            else_env = self.block(body_of(stmt.orelse.body), body_env)
        after = _join_envs([else_env, *outs])
        if stmt.finalbody is not None:
            after = self.block(body_of(stmt.finalbody.body), after)
        return after

    def _exception_value(self, handler: cst.ExceptHandler | cst.ExceptStarHandler) -> Taint:
        """``except Exception as e``: ``e`` carries internal detail (FLK204), not a credential."""
        if not exposes_internals(handler.type, self.analysis.index):
            return Taint(no_name=True)
        name = (
            handler.name.name.value
            if handler.name and isinstance(handler.name.name, cst.Name)
            else "exception"
        )
        return Taint(
            frozenset({Label(Kind.EXC, f"exception '{name}'", node=handler)}), no_name=True
        )

    def _with(self, stmt: cst.With, env: Env) -> Env:
        entry = dict(env)
        for item in stmt.items:
            if item.asname is not None:
                bind_target(
                    entry, item.asname.name, self.ev.eval(item.item, env), self.ev.credential_target
                )
        return self.block(body_of(stmt.body), entry)

    # -- simple statements ---------------------------------------------------------------

    def small(self, small: cst.BaseSmallStatement, env: Env) -> Env:
        if isinstance(small, cst.Assign):
            value = self.ev.eval(small.value, env)
            out = dict(env)
            for target in small.targets:
                self._bind(out, target.target, small.value, value)
            return out
        if isinstance(small, cst.AnnAssign):
            if small.value is None:
                return env
            out = dict(env)
            self._bind(out, small.target, small.value, self.ev.eval(small.value, env))
            return out
        if isinstance(small, cst.AugAssign):
            return self._aug_assign(small, env)
        if isinstance(small, cst.Return):
            value = self.ev.eval(small.value, env) if small.value is not None else UNKNOWN
            self.flow.returns = (
                value if self.flow.returns is None else join([self.flow.returns, value])
            )
            return env
        if isinstance(small, cst.Expr):
            return self._expr_statement(small.value, env)
        if isinstance(small, cst.Del):
            return _delete(small.target, env)
        return env

    def _bind(
        self,
        env: dict[str, Taint],
        target: cst.BaseExpression,
        expr: cst.BaseExpression,
        value: Taint,
    ) -> None:
        """Bind ``target = expr``; a name bound to a string literal is a label or a
        hard-coded secret (``WEBHOOK_SECRET = "whsec_..."``), judged like FLK402 judges it."""
        if isinstance(target, cst.Name) and isinstance(
            expr, cst.SimpleString | cst.ConcatenatedString
        ):
            text = string_value(expr)
            if text is not None:
                value = self.analysis.literal_verdict(target.value, text, expr)
        bind_target(env, target, value, self.ev.credential_target)

    def _aug_assign(self, small: cst.AugAssign, env: Env) -> Env:
        value = self.ev.eval(small.value, env)
        target = small.target
        if isinstance(target, cst.Name):
            old = env.get(target.value, UNKNOWN)
            return {
                **env,
                target.value: union([old, value]) if value.tainted or old.tainted else old,
            }
        out = dict(env)
        bind_target(out, target, value)
        return out

    def _expr_statement(self, value: cst.BaseExpression, env: Env) -> Env:
        if isinstance(value, cst.NamedExpr):
            out = dict(env)
            bind_target(out, value.target, self.ev.eval(value.value, env))
            return out
        # ``parts.append(key)``: the container now holds the key.
        if (
            isinstance(value, cst.Call)
            and isinstance(value.func, cst.Attribute)
            and isinstance(value.func.value, cst.Name)
            and value.func.attr.value in CONTAINER_MUTATORS
            and value.args
        ):
            name = value.func.value.value
            old = env.get(name, UNKNOWN)
            if (
                value.func.attr.value == "update"
                and old.fields is not None
                and all(a.keyword for a in value.args)
            ):
                for arg in value.args:
                    assert arg.keyword is not None
                    key = arg.keyword.value
                    old = old.with_field(
                        key, self.ev.keyed(key, self.ev.eval(arg.value, env), arg.value)
                    )
                return {**env, name: old}
            added = union(self.ev.eval(arg.value, env) for arg in value.args)
            if added.tainted:
                return {**env, name: union([old, Taint(added.labels)])}
        return env


def _delete(target: cst.BaseExpression, env: Env) -> Env:
    if isinstance(target, cst.Name) and target.value in env:
        out = dict(env)
        del out[target.value]
        return out
    if isinstance(target, cst.Tuple | cst.List):
        for el in target.elements:
            env = _delete(el.value, env)
    return env


def _join_envs(envs: Sequence[Env]) -> Env:
    """Pointwise join; a variable bound on only some paths keeps its bound taint."""
    first = envs[0]
    if all(e is first for e in envs):
        return first
    out: dict[str, Taint] = {}
    keys: set[str] = set()
    for e in envs:
        keys.update(e)
    for key in keys:
        values = [e[key] for e in envs if key in e]
        out[key] = values[0] if len(values) == 1 else join(values)
    return out
