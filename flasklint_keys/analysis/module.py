"""Per-module analysis state shared by every rule: flows, summaries, ``g``/``session``.

Everything is computed lazily and memoised: a file whose rules never ask about
credential flow never pays for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import libcst as cst

from . import flask_model as fm
from . import seeds
from .evaluate import HTTP_TYPES, Env, Evaluator, Mode
from .flow import ScopeFlow, analyse_scope
from .imports import dotted_name
from .index import Assignment, ModuleIndex, decorator_names, string_value
from .literals import literal_is_secret, url_with_password
from .names import Strength, is_credential_url
from .nodes import child_nodes
from .project import ProjectContext, absolute
from .settings import AnalysisSettings
from .sinks import Sink, SinkKind, classify_sink
from .summary import ExportedFunction, ModuleSummary
from .taint import CLEAN, UNKNOWN, Kind, Label, Origin, Taint, join, taint_of

HTTPAUTH_CREDENTIAL_CALLBACKS = frozenset(
    {"verify_token", "verify_password", "header_loader", "get_password"}
)
# A literal bound to a name that says it is a label: not a credential, never judged by name.
LABEL = Taint(clean=True, no_name=True)
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
    # Fields of parameters that reach a log sink (``params["url"]``): (parameter, key or "*").
    logged_fields: frozenset[tuple[str, str]] = field(default_factory=frozenset)


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
        self._facts: seeds.ModuleFacts | None = None
        self._seeds: dict[cst.FunctionDef, dict[str, Taint]] = {}
        self._class_literals: dict[str, dict[str, str | None]] = {}
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
        decorators = {d.rsplit(".", 1)[-1] for d in decorator_names(scope)}
        requests = self._request_parameters(scope, params, decorators)
        if mode is Mode.SUMMARY:
            for name in params.all():
                env[name] = taint_of(Label(Kind.PARAM, f"parameter '{name}'", param=name))
            # The request object stays the request in a summary: ``get_key(request)``
            # returns a credential read from the request, whoever calls it.
            env.update(requests)
            return env
        for name in params.all():
            env.pop(name, None)
        env.update(self._callback_arguments(scope, decorators))
        env.update(self._route_parameters(scope))
        env.update(self._http_parameters(scope))
        exc_param = self._error_handler_parameter(scope, params)
        if exc_param is not None:
            env[exc_param] = Taint(
                frozenset({Label(Kind.EXC, f"exception '{exc_param}'", node=scope)}), no_name=True
            )
        env.update(requests)
        for name, value in self.caller_seeds(scope).items():
            env.setdefault(name, value)
        return env

    def _request_parameters(
        self, func: cst.FunctionDef, params: Parameters, decorators: set[str]
    ) -> Env:
        """``request``/``req`` parameters in a Flask module, the argument of a
        ``request_loader``, and a ``request`` parameter read through attributes only a
        Flask request has (``request.args``) in a helper module that imports no Flask."""
        env: dict[str, Taint] = {}
        flask = self.index.uses_flask
        for name in params.positional:
            if (flask and (name in REQUEST_PARAMETER_NAMES or decorators & REQUEST_CALLBACKS)) or (
                not flask and name == "request" and _reads_flask_request(func, name)
            ):
                env[name] = taint_of(Label(Kind.REQUEST, name, node=func))
        return env

    def _callback_arguments(self, func: cst.FunctionDef, decorators: set[str]) -> Env:
        """Flask-HTTPAuth callbacks: the token/password is a credential, the username only
        request data (an attacker's operand for FLK303, never FLK101/105)."""
        if not decorators & HTTPAUTH_CREDENTIAL_CALLBACKS:
            return {}
        callback = sorted(decorators & HTTPAUTH_CREDENTIAL_CALLBACKS)[0]
        env: dict[str, Taint] = {}
        for name, is_credential in seeds.callback_roles(func, decorators).items():
            what = f"argument '{name}' of a {callback} callback"
            label = (
                Label(Kind.CRED, what, Origin.REQUEST, func)
                if is_credential
                else Label(Kind.FIELD, what, node=func)
            )
            env[name] = taint_of(label)
        return env

    def _route_parameters(self, func: cst.FunctionDef) -> Env:
        """``@app.get("/invite/<token>")``: the view's ``token`` is read from the URL."""
        env: dict[str, Taint] = {}
        for name in seeds.route_variables(func):
            what = f"route parameter '<{name}>'"
            if self.settings.names.is_credential(name, Strength.REQUEST):
                env[name] = taint_of(Label(Kind.CRED, what, Origin.REQUEST, func))
            else:
                env[name] = taint_of(Label(Kind.FIELD, what, node=func))
        return env

    def _http_parameters(self, func: cst.FunctionDef) -> Env:
        """``def log_response(response: httpx.Response)``: an HTTP client's response."""
        env: dict[str, Taint] = {}
        params = func.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if seeds.annotation_of(param, self.index) in HTTP_TYPES:
                name = param.name.value
                env[name] = taint_of(Label(Kind.HTTP, f"HTTP client object '{name}'", node=func))
        return env

    # -- parameters seeded by their callers --------------------------------------------

    def caller_seeds(self, func: cst.FunctionDef) -> Env:
        """Parameters named like a credential that a caller in this module fills with
        request data (``render_token_page(token)`` from a view with ``/<token>``): the
        credential the caller read, as far as this helper is concerned."""
        if func in self._seeds:
            return self._seeds[func]
        self._seeds[func] = {}  # recursion guard: callers being analysed see no seeds
        wanted = [
            name
            for name in Parameters.of(func).all()
            if name not in ("self", "cls")
            and self.settings.names.is_credential(name, Strength.REQUEST)
        ]
        found: dict[str, Taint] = {}
        if wanted and self._callable_here(func):
            found = self._seeds_from_callers(func, wanted)
        self._seeds[func] = found
        return found

    def facts(self) -> seeds.ModuleFacts:
        """Call sites and file-path names of the module (one walk, on first use)."""
        if self._facts is None:
            self._facts = seeds.module_facts(self.module)
        return self._facts

    def _callable_here(self, func: cst.FunctionDef) -> bool:
        """Defined where this module can call it, and called here at all (read off the text
        first: most helpers are called only from other modules)."""
        name = func.name.value
        if self.source.count(f"{name}(") < 2:  # its ``def`` is one
            return False
        return self.index.functions.get(name) is func or func in self.index.class_of

    def _seeds_from_callers(self, func: cst.FunctionDef, wanted: list[str]) -> dict[str, Taint]:
        params = Parameters.of(func)
        bound = func in self.index.class_of
        found: dict[str, Taint] = {}
        for call, scope, stmt in self.facts().calls.get(func.name.value, ()):
            if scope is func or not isinstance(scope, cst.FunctionDef | cst.Module):
                continue
            if bound != isinstance(call.func, cst.Attribute):
                continue
            binding = params.bind(call, bound)
            evaluator = self.evaluator(scope)
            env = self.flow(scope).env_before(stmt)
            for name in wanted:
                if name in found:
                    continue
                for arg in binding.get(name, []):
                    if _attacker(evaluator.eval(arg.value, env)):
                        caller = (
                            scope.name.value if isinstance(scope, cst.FunctionDef) else "module"
                        )
                        what = f"argument '{name}', request data from {caller}()"
                        found[name] = taint_of(Label(Kind.CRED, what, Origin.REQUEST, call))
                        break
        return found

    def _error_handler_parameter(self, func: cst.FunctionDef, params: Parameters) -> str | None:
        """The exception parameter of a handler for a non-HTTP exception class."""
        if not params.positional:
            return None
        for reg in fm.registrations(func, self.index):
            if reg.role is not fm.Role.ERROR_HANDLER:
                continue
            kind = fm.classify_handled(reg.target, self.index)
            if kind in (fm.Handled.EXCEPTION, fm.Handled.OTHER):
                if isinstance(reg.target, str) and (
                    reg.target.rsplit(".", 1)[-1] in fm.CLIENT_MESSAGE_EXCEPTIONS
                    or (kind is fm.Handled.OTHER and self.client_message_class(reg.target))
                ):
                    continue
                return params.positional[0]
        return None

    # -- names bound to literals -------------------------------------------------------

    def literal_verdict(
        self, name: str, value: str | None, node: cst.CSTNode | None = None
    ) -> Taint:
        """``name = <literal>``: a hard-coded secret (a literal FLK402 would flag, a URL with a
        password in it) or a label (``ConfigKey.SECRET_KEY = "SECRET_KEY"``, an error code)."""
        if value is None:
            return LABEL  # an int, a bool, an enum ``auto()``: never a secret
        if literal_is_secret(self.settings.names, name, value):
            return taint_of(Label(Kind.CRED, f"hard-coded '{name}'", Origin.CODE, node))
        if url_with_password(name, value):
            return taint_of(Label(Kind.CONN_URL, f"hard-coded '{name}'", Origin.CODE, node))
        return LABEL

    def class_literal(self, class_name: str, attr: str) -> Taint | None:
        """``Cls.ATTR`` when the class body binds ATTR to a literal."""
        literals = self._literals_of(class_name)
        if attr not in literals:
            return None
        return self.literal_verdict(attr, literals[attr])

    def _literals_of(self, class_name: str) -> dict[str, str | None]:
        literals = self._class_literals.get(class_name)
        if literals is None:
            cls = self.index.classes.get(class_name)
            literals = _class_literals(cls) if cls is not None else {}
            self._class_literals[class_name] = literals
        return literals

    def literal_bindings(self) -> dict[str, str]:
        """``NAME``/``Class.ATTR`` -> "label"/"secret", for names the heuristic judges."""
        names = self.settings.names
        out: dict[str, str] = {}

        def add(qualname: str, attr: str, value: str | None) -> None:
            if names.is_credential(attr) or is_credential_url(attr):
                verdict = self.literal_verdict(attr, value)
                out[qualname] = "label" if verdict is LABEL else "secret"

        for name, value in _body_literals(self.module.body).items():
            add(name, name, value)
        for class_name in sorted(self.index.classes):
            for attr, value in self._literals_of(class_name).items():
                add(f"{class_name}.{attr}", attr, value)
        return out

    def external_literal(self, qualified: str) -> Taint | None:
        """A name imported from another project module and bound there to a literal."""
        absolute_name = self.qualify(qualified)
        self.dependencies.add(f"binding:{absolute_name}")
        summaries = self.project.summaries
        found = summaries.literal(absolute_name) if summaries is not None else None
        if found is None:
            return None
        verdict, path = found
        if verdict == "label":
            return LABEL
        name = absolute_name.rsplit(".", 1)[-1]
        kind = Kind.CRED if self.settings.names.is_credential(name) else Kind.CONN_URL
        return taint_of(Label(kind, f"hard-coded '{name}'", Origin.CODE, path=path))

    def external_request_alias(self, qualified: str) -> bool:
        absolute_name = self.qualify(qualified)
        self.dependencies.add(f"binding:{absolute_name}")
        summaries = self.project.summaries
        return summaries is not None and summaries.request_alias(absolute_name)

    def project_builds_credential_urls(self) -> bool:
        """Does any module of the project put credentials in URLs it builds (FLK106)?"""
        self.dependencies.add("fact:credential-urls")
        summaries = self.project.summaries
        return self.builds_credential_urls() or (
            summaries is not None and summaries.builds_credential_urls()
        )

    def builds_credential_urls(self) -> bool:
        """A URL template with a credential placeholder (``"?appid={api_key}"``,
        ``"&key=" + api_key``): read off the text, as templates are often module constants
        formatted elsewhere."""
        cached = self.cache.get("credential_urls")
        if isinstance(cached, bool):
            return cached
        names = self.settings.names
        found = any(
            names.is_credential(name.rsplit(".", 1)[-1], Strength.REQUEST)
            for match in _URL_PLACEHOLDER.finditer(self.source)
            for name in match.groups()
            if name
        )
        self.cache["credential_urls"] = found
        return found

    # -- configuration modules ----------------------------------------------------------

    def loaded_as_config(self) -> bool:
        """Is this module loaded with ``app.config.from_object("pkg.settings")`` (here or in
        another module of the project)?"""
        module = self.project.module
        if not module:
            return False
        if module in self.config_objects() or "__name__" in self.config_objects():
            return True
        self.dependencies.add(f"fact:config:{module}")
        summaries = self.project.summaries
        return summaries is not None and summaries.loads_config(module)

    def config_objects(self) -> tuple[str, ...]:
        """Modules this one loads as configuration (``config.from_object(...)``)."""
        cached = self.cache.get("config_objects")
        if isinstance(cached, tuple):
            return cached
        found: set[str] = set()
        if "from_object" in self.source:
            stack: list[cst.CSTNode] = [self.module]
            while stack:
                node = stack.pop()
                stack.extend(child_nodes(node))
                if (
                    isinstance(node, cst.Call)
                    and isinstance(node.func, cst.Attribute)
                    and node.func.attr.value == "from_object"
                    and node.args
                ):
                    target = self._config_target(node.args[0].value)
                    if target is not None:
                        found.add(target)
        result = tuple(sorted(found))
        self.cache["config_objects"] = result
        return result

    def _config_target(self, expr: cst.BaseExpression) -> str | None:
        literal = string_value(expr)
        if literal is not None:
            return literal
        if isinstance(expr, cst.Name) and expr.value == "__name__":
            return "__name__"
        qualified = self.index.imports.resolve(expr)
        return self.qualify(qualified) if qualified is not None else None

    # -- names that hold a file path ------------------------------------------------------

    def names_a_path(self, node: cst.CSTNode) -> bool:
        """``self.ssl_client_key`` opened with ``open()`` somewhere in the module, a local
        passed as ``keyfile=``: the name holds where a key is, not the key."""
        if not isinstance(node, cst.Name | cst.Attribute):
            return False
        leaf = node.value if isinstance(node, cst.Name) else node.attr.value
        if not leaf.lower().endswith("key"):
            return False  # only ``*_key`` names hold a key file's path; passwords do not
        dotted = dotted_name(node)
        if dotted is None or (f"({dotted}" not in self.source and f"={dotted}" not in self.source):
            return False  # never passed as an argument: not opened anywhere
        return dotted in self.facts().paths

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
        names = self.settings.names
        logged: set[str] = set()
        fields: set[tuple[str, str]] = set()
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
                        # A parameter (or a field) named like a credential is flagged inside
                        # the wrapper itself.
                        if names.is_credential(label.param):
                            continue
                        if label.field is None:
                            logged.add(label.param)
                        elif not (
                            names.is_credential(label.field, Strength.KEY)
                            or is_credential_url(label.field)
                        ):
                            fields.add((label.param, label.field))
        returns = flow.returns if flow.returns is not None else CLEAN
        fields = {(param, key) for param, key in fields if param not in logged}
        return FunctionSummary(
            Parameters.of(func), returns, frozenset(logged), logs, frozenset(fields)
        )

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
        if summary is None or not (summary.logged_params or summary.logged_fields):
            return None
        seeded = self._seeded_logged(target, summary)
        logged = sorted(p for p in summary.logged_params if p not in seeded)
        projected = sorted(f for f in summary.logged_fields if f[0] not in seeded)
        binding = summary.params.bind(call, bound)
        return _wrapper(
            binding, logged, projected, f"{target.name.value}(), which logs its arguments"
        )

    def _seeded_logged(self, target: cst.FunctionDef, summary: FunctionSummary) -> Env:
        """Logged parameters that the helper's callers fill with a credential: reported in
        the helper, where it is logged, not again at each call."""
        names = self.settings.names
        if not any(names.is_credential(p, Strength.REQUEST) for p in summary.logged_params):
            return {}
        return self.caller_seeds(target)

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

    def logger_methods(self) -> frozenset[str]:
        """Methods a project ``logging.Logger`` subclass adds (``error_or_exception``): calls of
        them on a logger are log calls. This module's, and (phase two) every module's."""
        local = self.cache.get("logger_methods")
        if not isinstance(local, frozenset):
            local = self.cache["logger_methods"] = fm.logger_subclass_methods(self.index)
        summaries = self.project.summaries
        if summaries is None:
            return local
        return local | summaries.logger_methods()

    def note_logger_method(self, method: str) -> None:
        """A call of ``method`` on a logger: another module's Logger subclass may define it."""
        self.dependencies.add(f"logmethod:{method}")

    # -- exception classes across the project -------------------------------------------

    def absolute_class(self, expr: cst.BaseExpression) -> str | None:
        """The absolute dotted name of the class ``expr`` names (imported or of this module)."""
        qualified = self.index.imports.resolve(expr)
        if qualified is not None:
            return self.qualify(qualified)
        if isinstance(expr, cst.Name) and expr.value in self.index.classes:
            return f"{self.project.module}.{expr.value}" if self.project.module else expr.value
        return None

    def raised_statuses(self, expr: cst.BaseExpression) -> frozenset[int]:
        """Statuses the project's raise sites pass to the class ``expr`` names."""
        absolute_name = self.absolute_class(expr)
        if absolute_name is None:
            return frozenset()
        self.dependencies.add(f"raised:{absolute_name}")
        summaries = self.project.summaries
        local = self._local_raised().get(absolute_name, frozenset())
        if summaries is None:
            return local
        return local | summaries.raised_statuses(absolute_name)

    def raised_statuses_here(self) -> dict[str, frozenset[int]]:
        """Statuses this module's raise sites pass, by absolute class name."""
        return self._local_raised()

    def _local_raised(self) -> dict[str, frozenset[int]]:
        cached = self.cache.get("raised_statuses")
        if isinstance(cached, dict):
            return cached
        found: dict[str, set[int]] = {}
        for site in self.raise_sites():
            status = fm.explicit_status(site.call, self.index, self.status_constant)
            cls = self.absolute_class(site.call.func)
            if status is not None and cls is not None:
                found.setdefault(cls, set()).add(status)
        result = {cls: frozenset(v) for cls, v in found.items()}
        self.cache["raised_statuses"] = result
        return result

    def raise_sites(self) -> list[fm.RaiseSite]:
        cached = self.cache.get("raise_sites")
        if not isinstance(cached, list):
            cached = self.cache["raise_sites"] = fm.raise_sites(self.module)
        return cached

    def logs_exception(self, absolute_name: str) -> bool:
        """Does an error handler (of any module) for this class, or a base, log every time?"""
        self.dependencies.add(f"raised:{absolute_name}")
        summaries = self.project.summaries
        return summaries is not None and summaries.logs_exception(absolute_name)

    def exception_detail(self, absolute_name: str) -> bool | None:
        """Does some raise site of this project class pass exception detail into it?"""
        self.dependencies.add(f"raised:{absolute_name}")
        summaries = self.project.summaries
        return summaries.exception_detail(absolute_name) if summaries is not None else None

    def client_message_class(self, target: cst.BaseExpression | str) -> bool:
        """A project exception class whose every raise site passes only literals or values
        that are not exceptions: its message is written for the client, not internal detail."""
        if isinstance(target, str):
            local = target in self.index.classes
            absolute = (
                f"{self.project.module}.{target}" if local and self.project.module else target
            )
            absolute = absolute if local else self.qualify(target)
        else:
            found = self.absolute_class(target)
            if found is None:
                return False
            absolute = found
        here = [
            site.detail
            for site in self.raise_sites()
            if (cls := self.absolute_class(site.call.func)) is not None and cls == absolute
        ]
        project = self.exception_detail(absolute)
        if project is None and not here:
            return False  # never raised in the project: a library's exception
        return not any(here) and not project

    def status_constant(self, expr: cst.BaseExpression) -> int | None:
        """An HTTP status bound to a constant of another project module."""
        qualified = self.index.imports.resolve(expr)
        if qualified is None:
            return None
        absolute_name = self.qualify(qualified)
        self.dependencies.add(f"const:{absolute_name}")
        summaries = self.project.summaries
        return summaries.status_constant(absolute_name) if summaries is not None else None

    def external_view(self, qualified: str) -> bool:
        """Is this class of another project module a view (``class Base(Resource)``)?"""
        absolute_name = self.qualify(qualified)
        self.dependencies.add(f"view:{absolute_name}")
        summaries = self.project.summaries
        return summaries is not None and summaries.is_view_class(absolute_name)

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
        if found is None or not (found[0].logged_params or found[0].logged_fields):
            return None
        exported, summary = found
        params = Parameters(
            exported.positional, exported.keyword_only, exported.star, exported.double_star
        )
        binding = params.bind(call, bound=False)
        return _wrapper(
            binding,
            list(exported.logged_params),
            list(exported.logged_fields),
            f"{exported.name}() ({summary.path}), which logs its arguments",
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
            values.append(Taint(labels, value.clean, no_name=value.no_name))
        result = join(values)
        cache[key] = result
        return result


def _wrapper(
    binding: dict[str, list[cst.Arg]],
    logged: list[str],
    projected: list[tuple[str, str]],
    description: str,
) -> Sink | None:
    """The sink a logging wrapper's call is: the arguments it logs, each whole or only the
    field it logs (``params["url"]``)."""
    args: list[cst.Arg] = []
    keys: list[str | None] = []
    for name in logged:
        for arg in binding.get(name, []):
            args.append(arg)
            keys.append(None)
    for name, key in projected:
        for arg in binding.get(name, []):
            args.append(arg)
            keys.append(key)
    if not args:
        return None
    return Sink(SinkKind.WRAPPER, description, tuple(args), fields=tuple(keys))


def _attacker(value: Taint) -> bool:
    """Request data: a request field, mapping or URL, or a credential read from the request."""
    return any(
        lb.kind in (Kind.FIELD, Kind.DUMP, Kind.URL)
        or (lb.kind is Kind.CRED and lb.origin is Origin.REQUEST)
        for lb in value.labels
    )


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
                labels |= _argument(arg, label.field, evaluator, env).labels
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


_URL_PLACEHOLDER = re.compile(
    r"[?&][A-Za-z0-9_.\-]+=(?:\{\s*([A-Za-z_][\w.]*)[^}]*\}"
    r"|['\"]\s*\+\s*([A-Za-z_][\w.]*)|%s['\"]\s*%\s*\(?\s*([A-Za-z_][\w.]*))"
)


def _literal_value(expr: cst.BaseExpression) -> tuple[bool, str | None]:
    """(is it a literal, its text if a string): ``"x"``, ``4031``, ``True``, ``auto()``."""
    if isinstance(expr, cst.SimpleString | cst.ConcatenatedString):
        return True, string_value(expr)
    if isinstance(expr, cst.Integer | cst.Float):
        return True, None
    if isinstance(expr, cst.Name) and expr.value in ("True", "False", "None"):
        return True, None
    if isinstance(expr, cst.Call) and dotted_name(expr.func) in ("auto", "enum.auto"):
        return True, None
    if isinstance(expr, cst.Call) and expr.args:
        # ``INVALID_API_KEY = LastFMError(code=10, message="Invalid API key")``: a constant
        # built from literals; judged by its text (a wrapped secret stays one).
        parts = [_literal_value(arg.value) for arg in expr.args]
        if all(literal for literal, _ in parts):
            texts = [text for _, text in parts if text is not None]
            return True, max(texts, key=len) if texts else None
    return False, None


def _body_literals(body: Sequence[cst.CSTNode]) -> dict[str, str | None]:
    """``NAME = <literal>`` statements directly in a module or class body."""
    out: dict[str, str | None] = {}
    for stmt in body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Assign) and len(small.targets) == 1:
                target, value = small.targets[0].target, small.value
            elif isinstance(small, cst.AnnAssign) and small.value is not None:
                target, value = small.target, small.value
            else:
                continue
            literal, text = _literal_value(value)
            if literal and isinstance(target, cst.Name):
                out[target.value] = text
    return out


def _class_literals(cls: cst.ClassDef) -> dict[str, str | None]:
    return _body_literals(cls.body.body) if isinstance(cls.body, cst.IndentedBlock) else {}


# Attributes only a Flask/werkzeug request has (a ``requests`` object has ``url`` and
# ``headers`` too): a parameter read through one of them is the request.
FLASK_ONLY_ATTRIBUTES = frozenset(
    {"args", "form", "values", "view_args", "full_path", "get_json", "get_data", "authorization"}
)


def _reads_flask_request(func: cst.FunctionDef, name: str) -> bool:
    stack: list[cst.CSTNode] = [func.body]
    while stack:
        node = stack.pop()
        if (
            isinstance(node, cst.Attribute)
            and node.attr.value in FLASK_ONLY_ATTRIBUTES
            and isinstance(node.value, cst.Name)
            and node.value.value == name
        ):
            return True
        stack.extend(child_nodes(node))
    return False


def _argument(arg: cst.Arg, key: str | None, evaluator: Evaluator, env: Env) -> Taint:
    """What an argument carries into a summary: all of it, or the field the callee reads."""
    value = evaluator.eval(arg.value, env)
    if key is None or not value.labels:
        return value
    return evaluator.field(arg.value, value, None if key == "*" else key, arg.value)


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
