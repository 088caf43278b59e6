"""Extract a :class:`~.summary.ModuleSummary` from a module's analysis (phase one)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from . import flask_model as fm
from .imports import dotted_name
from .key_use import key_recorders
from .monitoring import credential_headers, event_processors
from .names import Strength
from .paths import facts
from .rejections import app_wide_logged_statuses, logged_exception_classes
from .summary import ExportedFunction, ModuleSummary, SummaryLabel, SummaryTaint
from .taint import Kind, Taint

if TYPE_CHECKING:
    from .module import FunctionSummary, ModuleAnalysis


@dataclass
class _Lines:
    """Line numbers for the few nodes a summary mentions (explanations, not findings),
    found by searching the file's text — a function's ``def`` line, the first
    occurrence of an origin expression — which avoids a position pass over the
    whole module."""

    module: cst.Module
    source: str

    def of(self, node: cst.CSTNode | None) -> int:
        if node is None:
            return 0
        return self._search(node, self.source)

    def _search(self, node: cst.CSTNode, source: str) -> int:
        if isinstance(node, cst.FunctionDef):
            pattern = rf"^[ \t]*(?:async[ \t]+)?def[ \t]+{re.escape(node.name.value)}\b"
            match = re.search(pattern, source, re.MULTILINE)
            offset = match.start() if match else -1
        else:
            offset = source.find(self.module.code_for_node(node).strip())
        return source.count("\n", 0, offset) + 1 if offset >= 0 else 0


def summarise(analysis: ModuleAnalysis, module_name: str) -> ModuleSummary:
    """What the module offers to others. The project lookups this makes are not the
    module's dependencies: a summary is made once, in phase one, and never re-made with
    the project's summaries, so they cannot change what the module itself reports."""
    consulted = set(analysis.dependencies)
    try:
        return _summarise(analysis, module_name)
    finally:
        analysis.dependencies.clear()
        analysis.dependencies.update(consulted)


def _summarise(analysis: ModuleAnalysis, module_name: str) -> ModuleSummary:
    lines = _Lines(analysis.module, analysis.source)
    index = analysis.index
    functions = []
    for name, func in sorted(index.functions.items()):
        summary = analysis.summary(func)
        if summary is None:
            continue
        exported = _export(name, func, summary, analysis, lines)
        if not exported.trivial:
            functions.append(exported)
    g_attrs = _store(analysis, sorted(index.g_assignments), analysis.g_taint, lines)
    session = _store(analysis, sorted(index.session_assignments), analysis.session_taint, lines)
    statuses = tuple(
        sorted(
            (name, status)
            for name, cls in index.classes.items()
            if (status := fm.class_status(cls, index)) is not None
        )
    )
    return ModuleSummary(
        module=module_name,
        path=analysis.path,
        bindings=tuple(sorted(index.imports.bindings.items())),
        functions=tuple(functions),
        g_attrs=g_attrs,
        session_keys=session,
        loggers=tuple(sorted(index.module_loggers)),
        exception_statuses=statuses,
        logged_statuses=tuple(sorted(app_wide_logged_statuses(analysis))),
        constants=_credential_constants(analysis),
        credential_headers=credential_headers(analysis),
        event_processors=event_processors(analysis),
        key_recorders=key_recorders(analysis),
        status_constants=tuple(
            sorted(
                (name, value)
                for name, value in fm.int_constants(analysis.module).items()
                if 400 <= value < 600
            )
        ),
        exception_bases=_exception_bases(analysis),
        raised_statuses=tuple(
            sorted(
                (cls, status)
                for cls, statuses in analysis.raised_statuses_here().items()
                for status in statuses
            )
        ),
        logged_exceptions=tuple(sorted(logged_exception_classes(analysis))),
        exception_details=_exception_details(analysis),
        logger_methods=tuple(sorted(fm.logger_subclass_methods(index))),
        view_classes=tuple(
            sorted(
                name
                for name in index.classes
                if fm.is_view_class(name, index, analysis.external_view)
            )
        ),
        literals=_literals(analysis),
        request_aliases=_request_aliases(analysis),
        credential_urls=builds_credential_urls(analysis),
        config_objects=tuple(m for m in analysis.config_objects() if m != "__name__"),
    )


# Names of exception classes (a model or a view inheriting another module's is no exception).
_EXCEPTION_NAME = re.compile(
    r"(Error|Exception|Denied|Forbidden|Unauthori[sz]ed|Fail(ed|ure)|Revoked|Expired|Invalid)$"
)


def _exception_bases(analysis: ModuleAnalysis) -> tuple[tuple[str, str], ...]:
    """Each exception class's first base that is a class of the project (here or imported)."""
    out = []
    for name, cls in sorted(analysis.index.classes.items()):
        names = [name, *(dotted_name(base.value) or "" for base in cls.bases)]
        if not any(_EXCEPTION_NAME.search(n) for n in names):
            continue
        for base in cls.bases:
            absolute = analysis.absolute_class(base.value)
            if absolute is not None:
                out.append((name, absolute))
                break
    return tuple(out)


def _exception_details(analysis: ModuleAnalysis) -> tuple[tuple[str, bool], ...]:
    details: dict[str, bool] = {}
    for site in analysis.raise_sites():
        cls = analysis.absolute_class(site.call.func)
        if cls is not None:
            details[cls] = details.get(cls, False) or site.detail
    return tuple(sorted(details.items()))


def _export(
    name: str,
    func: cst.FunctionDef,
    summary: FunctionSummary,
    analysis: ModuleAnalysis,
    lines: _Lines,
) -> ExportedFunction:
    params = summary.params
    returns = summary.returns
    path = analysis.path
    paths = facts(func, analysis)
    return ExportedFunction(
        name=name,
        line=lines.of(func) if _needs_lines(returns) else 0,
        positional=params.positional,
        keyword_only=params.keyword_only,
        star=params.star,
        double_star=params.double_star,
        returns=_taint(returns, path, lines),
        logged_params=tuple(sorted(summary.logged_params)),
        logs=summary.logs,
        always_raises=paths.always_raises,
        always_logs=paths.always_logs,
        logs_on_failure=tuple(sorted(paths.logs_on_failure)),
        logged_fields=tuple(sorted(summary.logged_fields)),
    )


def _needs_lines(taint: Taint) -> bool:
    return any(label.kind is Kind.CRED for label in taint.labels)


def _store(
    analysis: ModuleAnalysis, keys: list[str], lookup: object, lines: _Lines
) -> tuple[tuple[str, SummaryTaint], ...]:
    out = []
    for key in keys:
        value = lookup(key)  # type: ignore[operator]
        assert isinstance(value, Taint)
        if value.has(Kind.CRED):
            out.append((key, _taint(Taint(frozenset(value.of(Kind.CRED))), analysis.path, lines)))
    return tuple(out)


def _taint(taint: Taint, path: str, lines: _Lines) -> SummaryTaint:
    labels = tuple(
        sorted(
            (
                SummaryLabel(
                    label.kind.value,
                    label.what,
                    label.origin.value,
                    str(label.param) if label.param is not None else None,
                    label.path or path,
                    label.line or lines.of(label.node) if label.kind is Kind.CRED else 0,
                    label.field,
                )
                for label in taint.labels
                if label.kind
                in (
                    Kind.CRED,
                    Kind.DUMP,
                    Kind.URL,
                    Kind.PARAM,
                    Kind.EXC,
                    Kind.REQUEST,
                    Kind.CONN_URL,
                    Kind.HTTP,
                )
            ),
            key=repr,
        )
    )
    elements = (
        tuple(_taint(e, path, lines) for e in taint.elements)
        if taint.elements is not None
        else None
    )
    fields = (
        tuple((key, _taint(value, path, lines)) for key, value in taint.fields)
        if taint.fields is not None
        else None
    )
    return SummaryTaint(labels, taint.clean and not labels, elements, fields)


def _credential_constants(analysis: ModuleAnalysis) -> tuple[tuple[str, str], ...]:
    """Constants that name a header, field or setting holding a credential."""
    names = analysis.settings.names
    strengths = (Strength.HEADER, Strength.REQUEST, Strength.SETTING)
    return tuple(
        sorted(
            (name, value)
            for name, value in analysis.index.constants.items()
            if len(value) <= 64 and any(names.is_credential(value, s) for s in strengths)
        )
    )


def _literals(analysis: ModuleAnalysis) -> tuple[tuple[str, str], ...]:
    """Module constants and class attributes bound to literals, named like a credential:
    what an importer must know to tell a label (``ConfigKey.SECRET_KEY``) from a secret."""
    return tuple(sorted(analysis.literal_bindings().items()))


def _request_aliases(analysis: ModuleAnalysis) -> tuple[str, ...]:
    """Module-level names bound to ``flask.request`` (``typing.cast(T, flask.request)``)."""
    out = []
    for stmt in analysis.module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if not isinstance(small, cst.Assign | cst.AnnAssign) or small.value is None:
                continue
            targets = (
                [t.target for t in small.targets]
                if isinstance(small, cst.Assign)
                else [small.target]
            )
            names = [t.value for t in targets if isinstance(t, cst.Name)]
            if names and _is_request(small.value, analysis):
                out.extend(names)
    return tuple(sorted(set(out)))


def _is_request(value: cst.BaseExpression, analysis: ModuleAnalysis) -> bool:
    resolve = analysis.index.imports.resolve
    if isinstance(value, cst.Call) and resolve(value.func) == "typing.cast":
        return len(value.args) == 2 and _is_request(value.args[1].value, analysis)
    return resolve(value) == "flask.request"


def builds_credential_urls(analysis: ModuleAnalysis) -> bool:
    """A URL template formatted with a credential (``search_url.format(api_key=key)``,
    ``f"...?appid={api_key}"``): the module sends credentials in URLs."""
    return analysis.builds_credential_urls()
