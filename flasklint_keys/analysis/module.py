"""Per-module analysis state shared by every rule: flows, summaries, ``g``/``session``.

Everything is computed lazily and memoised: a file whose rules never ask about
credential flow never pays for it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import libcst as cst

from . import flask_model as fm
from .evaluate import Env, Evaluator, Mode
from .flow import ScopeFlow, analyse_scope
from .index import Assignment, ModuleIndex, decorator_names
from .project import ProjectContext, absolute
from .settings import AnalysisSettings
from .sinks import Sink, SinkKind, classify_sink
from .summary import ExportedFunction, ModuleSummary
from .taint import CLEAN, UNKNOWN, Kind, Label, Origin, Taint, join, taint_of

HTTPAUTH_CREDENTIAL_CALLBACKS = frozenset({"verify_token", "verify_password", "header_loader"})
REQUEST_PARAMETER_NAMES = frozenset({"request", "req"})
REQUEST_CALLBACKS = frozenset({"request_loader"})


@dataclass
class Parameters:
    positional: tuple[str, ...]
    keyword_only: tuple[str, ...]
    star: str | None
    double_star: str | None

    @classmethod
    def of(cls, func: cst.FunctionDef) -> Parameters:
        params = func.params
        star = params.star_arg.name.value if isinstance(params.star_arg, cst.Param) else None
        double = params.star_kwarg.name.value if params.star_kwarg is not None else None
        positional = tuple(p.name.value for p in (*params.posonly_params, *params.params))
        return cls(positional, tuple(p.name.value for p in params.kwonly_params), star, double)

    def all(self) -> Iterator[str]:
        yield from self.positional
        yield from self.keyword_only
        if self.star:
            yield self.star
        if self.double_star:
            yield self.double_star

    def bind(self, call: cst.Call, bound: bool) -> dict[str, list[cst.Arg]]:
        """Which call arguments land in which parameter."""
        positional = self.positional[1:] if bound else self.positional
        out: dict[str, list[cst.Arg]] = {}
        index = 0
        for arg in call.args:
            if arg.keyword is not None:
                name = arg.keyword.value
                if name in positional or name in self.keyword_only:
                    out.setdefault(name, []).append(arg)
                elif self.double_star:
                    out.setdefault(self.double_star, []).append(arg)
            elif arg.star == "**":
                if self.double_star:
                    out.setdefault(self.double_star, []).append(arg)
            elif arg.star == "*":
                for name in (*positional[index:], *([self.star] if self.star else [])):
                    out.setdefault(name, []).append(arg)
            elif index < len(positional):
                out.setdefault(positional[index], []).append(arg)
                index += 1
            elif self.star:
                out.setdefault(self.star, []).append(arg)
        return out


@dataclass
class FunctionSummary:
    params: Parameters
    returns: Taint
    # Parameters whose value reaches a log sink (the function is a logging wrapper).
    logged_params: frozenset[str]
    logs: bool


class ModuleAnalysis:
    def __init__(
        self,
        module: cst.Module,
        index: ModuleIndex,
        settings: AnalysisSettings,
        path: str,
        project: ProjectContext | None = None,
        source: str | None = None,
    ) -> None:
        self.module = module
        # The file's text (generated from the tree when the caller has none).
        self.source = source if source is not None else module.code
        self.index = index
        self.settings = settings
        self.path = path
        self.project = project or ProjectContext()
        # Project facts this module's analysis consulted: imported functions, loggers and
        # exception classes by qualified name, ``g:api_key``, ``session:token``, ``status:401``.
        self.dependencies: set[str] = set()
        self._flows: dict[tuple[cst.CSTNode, Mode], ScopeFlow] = {}
        self._summaries: dict[cst.FunctionDef, FunctionSummary | None] = {}
        self._g: dict[str, Taint] = {}
        self._session: dict[str, Taint] = {}
        self._module_env: Env | None = None
        self._evaluators: dict[tuple[cst.CSTNode, Mode], Evaluator] = {}
        # Per-file memo for analyses built on top of this one (rejections, handlers...).
        self.cache: dict[object, object] = {}

    # -- flows ---------------------------------------------------------------------------

    def flow(self, scope: cst.CSTNode, mode: Mode = Mode.LINT) -> ScopeFlow:
        key = (scope, mode)
        cached = self._flows.get(key)
        if cached is None:
            cached = analyse_scope(self, scope, self._initial_env(scope, mode), mode)
            self._flows[key] = cached
        return cached

    def taint(
        self, expr: cst.BaseExpression, scope: cst.CSTNode, stmt: cst.CSTNode | None
    ) -> Taint:
        """What ``expr`` may carry, evaluated before ``stmt`` in ``scope``."""
        return self.evaluator(scope).eval(expr, self.env(scope, stmt))

    def env(self, scope: cst.CSTNode, stmt: cst.CSTNode | None) -> Env:
        return self.flow(scope).env_before(stmt)

    def evaluator(self, scope: cst.CSTNode, mode: Mode = Mode.LINT) -> Evaluator:
        key = (scope, mode)
        evaluator = self._evaluators.get(key)
        if evaluator is None:
            evaluator = self._evaluators[key] = Evaluator(self, scope, mode)
        return evaluator

    def module_env(self) -> Env:
        if self._module_env is None:
            self._module_env = {}  # recursion guard while the module body is analysed
            self._module_env = self.flow(self.module).final
        return self._module_env

    def _initial_env(self, scope: cst.CSTNode, mode: Mode) -> Env:
        if not isinstance(scope, cst.FunctionDef):
            return {}
        env: dict[str, Taint] = {}
        parent = self.index.parent_scope.get(scope)
        if isinstance(parent, cst.FunctionDef):
            # A closure sees the enclosing function's variables as they were at the ``def``.
            env.update(self.flow(parent, mode).env_before(scope))
        params = Parameters.of(scope)
        if mode is Mode.SUMMARY:
            for name in params.all():
                env[name] = taint_of(Label(Kind.PARAM, f"parameter '{name}'", param=name))
            return env
        for name in params.all():
            env.pop(name, None)
        decorators = {d.rsplit(".", 1)[-1] for d in decorator_names(scope)}
        if decorators & HTTPAUTH_CREDENTIAL_CALLBACKS:
            callback = sorted(decorators & HTTPAUTH_CREDENTIAL_CALLBACKS)[0]
            for name in params.positional:
                env[name] = taint_of(
                    Label(
                        Kind.CRED,
                        f"argument '{name}' of a {callback} callback",
                        Origin.REQUEST,
                        scope,
                    )
                )
        exc_param = self._error_handler_parameter(scope, params)
        if exc_param is not None:
            env[exc_param] = Taint(
                frozenset({Label(Kind.EXC, f"exception '{exc_param}'", node=scope)}), no_name=True
            )
        if self.index.uses_flask:
            for name in params.positional:
                if name in REQUEST_PARAMETER_NAMES or decorators & REQUEST_CALLBACKS:
                    env[name] = taint_of(Label(Kind.REQUEST, name, node=scope))
        return env

    def _error_handler_parameter(self, func: cst.FunctionDef, params: Parameters) -> str | None:
        """The exception parameter of a handler for a non-HTTP exception class."""
        if not params.positional:
            return None
        for reg in fm.registrations(func, self.index):
            if reg.role is not fm.Role.ERROR_HANDLER:
                continue
            kind = fm.classify_handled(reg.target, self.index)
            if kind in (fm.Handled.EXCEPTION, fm.Handled.OTHER):
                if (
                    isinstance(reg.target, str)
                    and reg.target.rsplit(".", 1)[-1] in fm.CLIENT_MESSAGE_EXCEPTIONS
                ):
                    continue
                return params.positional[0]
        return None

    # -- development entry points -------------------------------------------------------

    def in_main_block(self, node: cst.CSTNode) -> bool:
        """Is ``node`` inside a module-level ``if __name__ == "__main__":`` block?"""
        nodes = self.cache.get("main_block_nodes")
        if not isinstance(nodes, frozenset):
            nodes = self.cache["main_block_nodes"] = fm.main_block_nodes(self.module)
        return node in nodes

    # -- summaries -----------------------------------------------------------------------

    def summary(self, func: cst.FunctionDef) -> FunctionSummary | None:
        if func in self._summaries:
            return self._summaries[func]
        self._summaries[func] = None  # recursion guard: a recursive call is unknown
        summary = self._summarise(func)
        self._summaries[func] = summary
        return summary

    def _summarise(self, func: cst.FunctionDef) -> FunctionSummary:
        flow = self.flow(func, Mode.SUMMARY)
        evaluator = self.evaluator(func, Mode.SUMMARY)
        logged: set[str] = set()
        logs = False
        for stmt, env in flow.env_at.items():
            for call in _statement_calls(stmt):
                sink = classify_sink(call, self)
                if sink is None:
                    continue
                logs = True
                for arg in sink.args:
                    for label in evaluator.eval(arg.value, env).of(Kind.PARAM):
                        assert isinstance(label.param, str)
                        # A parameter named like a credential is flagged inside the wrapper itself.
                        if not self.settings.names.is_credential(label.param):
                            logged.add(label.param)
        returns = flow.returns if flow.returns is not None else CLEAN
        return FunctionSummary(Parameters.of(func), returns, frozenset(logged), logs)

    def apply_summary(
        self,
        func: cst.FunctionDef,
        call: cst.Call,
        env: Env,
        evaluator: Evaluator,
        bound: bool = False,
    ) -> Taint:
        """Taint of ``func(...)`` at a call site: its own credentials plus those of passed-through args."""
        summary = self.summary(func)
        if summary is None:
            return UNKNOWN
        bound = bound or func in self.index.class_of
        binding = summary.params.bind(call, bound)
        name = func.name.value

        return _instantiate(summary.returns, binding, evaluator, env, f"{name}()")

    def wrapper_sink(self, func: cst.Name | cst.Attribute, call: cst.Call) -> Sink | None:
        """A call of a project function that passes some of its arguments to a log sink."""
        if isinstance(func, cst.Name):
            target = self.index.functions.get(func.value)
            bound = False
        else:
            target = None
            for methods in self.index.methods.values():
                target = methods.get(func.attr.value) or target
            bound = True
        if target is None:
            return None
        summary = self.summary(target)
        if summary is None or not summary.logged_params:
            return None
        binding = summary.params.bind(call, bound)
        args = tuple(arg for name in sorted(summary.logged_params) for arg in binding.get(name, []))
        if not args:
            return None
        return Sink(SinkKind.WRAPPER, f"{target.name.value}(), which logs its arguments", args)

    # -- other modules ---------------------------------------------------------------

    def qualify(self, qualified: str) -> str:
        """Absolute dotted name for a (possibly relative) import target."""
        return absolute(qualified, self.project.module, self.project.is_package)

    def external_function(
        self, qualified: str, use: str = "value"
    ) -> tuple[ExportedFunction, ModuleSummary] | None:
        """A function of another project module; ``use`` says what the caller needs of it
        (``value``, ``sink``, ``logs``), so phase two re-lints only when that changes."""
        absolute_name = self.qualify(qualified)
        self.dependencies.add(f"{use}:{absolute_name}")
        summaries = self.project.summaries
        if summaries is None:
            return None
        found = summaries.function(absolute_name)
        if found is None or found[1].path == self.path:
            return None
        return found

    def external_constant(self, qualified: str) -> str | None:
        absolute_name = self.qualify(qualified)
        self.dependencies.add(f"const:{absolute_name}")
        summaries = self.project.summaries
        return summaries.constant(absolute_name) if summaries is not None else None

    def external_logger(self, qualified: str) -> bool:
        absolute_name = self.qualify(qualified)
        self.dependencies.add(f"logger:{absolute_name}")
        summaries = self.project.summaries
        return summaries is not None and summaries.is_logger(absolute_name)

    def external_status(self, qualified: str) -> int | None:
        absolute_name = self.qualify(qualified)
        self.dependencies.add(f"raises:{absolute_name}")
        summaries = self.project.summaries
        return summaries.exception_status(absolute_name) if summaries is not None else None

    def apply_external(
        self, qualified: str, call: cst.Call, env: Env, evaluator: Evaluator
    ) -> Taint | None:
        """Taint of a call of a function defined in another module of the project."""
        found = self.external_function(qualified)
        if found is None:
            return None
        exported, summary = found
        params = Parameters(
            exported.positional, exported.keyword_only, exported.star, exported.double_star
        )
        binding = params.bind(call, bound=False)
        through = (
            f"{exported.name}() ({summary.path}:{exported.line})"
            if exported.line
            else f"{exported.name}()"
        )

        return _instantiate(exported.returns.to_taint(), binding, evaluator, env, through)

    def external_wrapper(self, qualified: str, call: cst.Call) -> Sink | None:
        found = self.external_function(qualified, "sink")
        if found is None or not found[0].logged_params:
            return None
        exported, summary = found
        params = Parameters(
            exported.positional, exported.keyword_only, exported.star, exported.double_star
        )
        binding = params.bind(call, bound=False)
        args = tuple(arg for name in exported.logged_params for arg in binding.get(name, []))
        if not args:
            return None
        return Sink(
            SinkKind.WRAPPER, f"{exported.name}() ({summary.path}), which logs its arguments", args
        )

    # -- g and session -------------------------------------------------------------------

    def g_taint(self, attr: str) -> Taint:
        self.dependencies.add(f"g:{attr}")
        local = self._global_store(self._g, self.index.g_assignments, attr, "g")
        return self._with_project(local, attr, "g")

    def session_taint(self, key: str) -> Taint:
        self.dependencies.add(f"session:{key}")
        local = self._global_store(self._session, self.index.session_assignments, key, "session")
        return self._with_project(local, key, "session")

    def _with_project(self, local: Taint, key: str, what: str) -> Taint:
        """``g.api_key`` set in another module's ``before_request`` carries its credential here."""
        summaries = self.project.summaries
        if summaries is None:
            return local
        stored = (
            summaries.g_attr(key, self.path)
            if what == "g"
            else summaries.session_key(key, self.path)
        )
        if not stored:
            return local
        return join([local, *(value.to_taint() for value in stored)])

    def _global_store(
        self, cache: dict[str, Taint], sites: Mapping[str, list[Assignment]], key: str, what: str
    ) -> Taint:
        if key in cache:
            return cache[key]
        assignments = sites.get(key)
        if not assignments:
            return UNKNOWN
        cache[key] = UNKNOWN  # recursion guard
        values = []
        for site in assignments:
            value = self.taint(site.value, site.scope, site.stmt)
            through = f"g.{key}" if what == "g" else f"session['{key}']"
            labels = frozenset(
                _via(lb, through) for lb in value.labels if lb.kind is not Kind.PARAM
            )
            values.append(Taint(labels, value.clean))
        result = join(values)
        cache[key] = result
        return result


def _instantiate(
    value: Taint, binding: dict[str, list[cst.Arg]], evaluator: Evaluator, env: Env, through: str
) -> Taint:
    """A summarised return value at a call site: parameters replaced by the arguments' taint."""
    if not value.labels and value.elements is None and value.fields is None:
        return value
    labels: set[Label] = set()
    for label in value.labels:
        if label.kind is Kind.PARAM:
            for arg in binding.get(str(label.param), []):
                labels |= evaluator.eval(arg.value, env).labels
        else:
            labels.add(_via(label, through))
    elements = (
        tuple(_instantiate(e, binding, evaluator, env, through) for e in value.elements)
        if value.elements is not None
        else None
    )
    fields = (
        tuple((key, _instantiate(v, binding, evaluator, env, through)) for key, v in value.fields)
        if value.fields is not None
        else None
    )
    return Taint(frozenset(labels), value.clean and not labels, elements, False, fields)


def _via(label: Label, through: str) -> Label:
    if label.kind is not Kind.CRED or through in label.what:
        return label
    return Label(
        label.kind,
        f"{label.what} via {through}",
        label.origin,
        label.node,
        label.param,
        label.path,
        label.line,
    )


def _statement_calls(stmt: cst.CSTNode) -> Iterator[cst.Call]:
    """Calls standing as a whole statement or a returned value (where log calls live)."""
    if isinstance(stmt, cst.Expr | cst.Return) and isinstance(stmt.value, cst.Call):
        yield stmt.value
