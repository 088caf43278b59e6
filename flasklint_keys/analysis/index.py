"""A statement-level pre-scan of one module (no expression traversal).

Collects what later questions need to know about the whole module before the
rules run: imports, function and class definitions, names bound to loggers,
and assignments to ``g.<attr>`` / ``session[...]``. Walking statements only is
far cheaper than a full visitor pass.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import libcst as cst

from .imports import ImportTable, dotted_name

Scope = cst.Module | cst.FunctionDef | cst.ClassDef

LOGGER_FACTORIES = frozenset(
    {
        "logging.getLogger",
        "logging.LoggerAdapter",
        "logging.root",
        "structlog.get_logger",
        "structlog.getLogger",
        "structlog.wrap_logger",
        "structlog.stdlib.get_logger",
        "loguru.logger",
        "flask.current_app.logger",
    }
)
REGISTRATION_METHODS = frozenset({"register_error_handler", "add_url_rule"})
LOGGER_METHODS_RETURNING_LOGGERS = frozenset({"getChild", "bind", "new", "opt", "patch", "child"})


# A statement as the analyses see it: SimpleStatementSuite stands in for the line
# it would be in ``if x: a()``.
Statement = cst.BaseStatement | cst.SimpleStatementSuite


def blocks(stmt: cst.BaseCompoundStatement) -> Iterator[Sequence[Statement]]:
    """The statement lists nested directly in a compound statement."""
    if isinstance(stmt, cst.If):
        yield body_of(stmt.body)
        orelse = stmt.orelse
        if isinstance(orelse, cst.If):
            yield (orelse,)  # elif
        elif orelse is not None:
            yield body_of(orelse.body)
    elif isinstance(stmt, cst.For | cst.While):
        yield body_of(stmt.body)
        if stmt.orelse is not None:
            yield body_of(stmt.orelse.body)
    elif isinstance(stmt, cst.Try | cst.TryStar):
        yield body_of(stmt.body)
        for handler in stmt.handlers:
            yield body_of(handler.body)
        if stmt.orelse is not None:
            yield body_of(stmt.orelse.body)
        if stmt.finalbody is not None:
            yield body_of(stmt.finalbody.body)
    elif isinstance(stmt, cst.With | cst.FunctionDef | cst.ClassDef):
        yield body_of(stmt.body)
    elif isinstance(stmt, cst.Match):
        for case in stmt.cases:
            yield body_of(case.body)


def body_of(suite: cst.BaseSuite) -> Sequence[Statement]:
    """Statements of a suite; a one-line suite (``if x: a(); b()``) stands as one statement."""
    if isinstance(suite, cst.IndentedBlock):
        return suite.body
    assert isinstance(suite, cst.SimpleStatementSuite)
    return (suite,)


def small_statements(stmt: Statement) -> Sequence[cst.BaseSmallStatement]:
    if isinstance(stmt, cst.SimpleStatementLine | cst.SimpleStatementSuite):
        return stmt.body
    return ()


@dataclass
class Assignment:
    """``g.<attr> = value`` or ``session[key] = value`` at ``stmt`` inside ``scope``."""

    value: cst.BaseExpression
    stmt: cst.BaseSmallStatement
    scope: Scope


@dataclass
class ModuleIndex:
    module: cst.Module
    imports: ImportTable = field(default_factory=ImportTable)
    functions: dict[str, cst.FunctionDef] = field(default_factory=dict)
    classes: dict[str, cst.ClassDef] = field(default_factory=dict)
    methods: dict[str, dict[str, cst.FunctionDef]] = field(default_factory=dict)
    class_of: dict[cst.FunctionDef, str] = field(default_factory=dict)
    parent_scope: dict[Scope, Scope] = field(default_factory=dict)
    logger_names: set[str] = field(default_factory=set)
    logger_attrs: set[str] = field(default_factory=set)
    # Module-level logger bindings -> the factory that made them ("logging.getLogger"...).
    module_loggers: dict[str, str] = field(default_factory=dict)
    # Module-level string constants (``API_KEY_HEADER = "X-API-Key"``).
    constants: dict[str, str] = field(default_factory=dict)
    g_assignments: dict[str, list[Assignment]] = field(default_factory=dict)
    session_assignments: dict[str, list[Assignment]] = field(default_factory=dict)
    # ``app.register_error_handler(X, fn)`` / ``app.add_url_rule(..., view_func=fn)`` calls.
    registration_calls: list[cst.Call] = field(default_factory=list)

    @property
    def uses_flask(self) -> bool:
        return self.imports.imports_any("flask", "werkzeug") or any(
            m.startswith("flask_") for m in self.imports.modules
        )

    def resolves_to(self, expr: cst.BaseExpression, *qualnames: str) -> bool:
        return self.imports.resolve(expr) in qualnames


def build_index(module: cst.Module) -> ModuleIndex:
    index = ModuleIndex(module)
    _scan(index, module.body, module, None)
    return index


def _scan(
    index: ModuleIndex,
    stmts: Sequence[Statement],
    scope: Scope,
    class_name: str | None,
) -> None:
    for stmt in stmts:
        if isinstance(stmt, cst.SimpleStatementLine | cst.SimpleStatementSuite):
            for small in stmt.body:
                _scan_small(index, small, scope)
        elif isinstance(stmt, cst.FunctionDef):
            index.parent_scope[stmt] = scope
            if isinstance(scope, cst.Module):
                index.functions[stmt.name.value] = stmt
            elif isinstance(scope, cst.ClassDef) and class_name is not None:
                index.methods.setdefault(class_name, {})[stmt.name.value] = stmt
                index.class_of[stmt] = class_name
            _scan(index, body_of(stmt.body), stmt, None)
        elif isinstance(stmt, cst.ClassDef):
            index.parent_scope[stmt] = scope
            if isinstance(scope, cst.Module):
                index.classes[stmt.name.value] = stmt
            _scan(index, body_of(stmt.body), stmt, stmt.name.value)
        elif isinstance(stmt, cst.BaseCompoundStatement):
            for block in blocks(stmt):
                _scan(index, block, scope, class_name)


def _scan_small(index: ModuleIndex, small: cst.BaseSmallStatement, scope: Scope) -> None:
    if isinstance(small, cst.Import):
        index.imports.add_import(small)
    elif isinstance(small, cst.ImportFrom):
        index.imports.add_import_from(small)
    elif isinstance(small, cst.Assign):
        for target in small.targets:
            _scan_target(index, target.target, small.value, small, scope)
    elif isinstance(small, cst.AnnAssign) and small.value is not None:
        _scan_target(index, small.target, small.value, small, scope)
    elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
        func = small.value.func
        if isinstance(func, cst.Attribute) and func.attr.value in REGISTRATION_METHODS:
            index.registration_calls.append(small.value)


def _scan_target(
    index: ModuleIndex,
    target: cst.BaseExpression,
    value: cst.BaseExpression,
    stmt: cst.BaseSmallStatement,
    scope: Scope,
) -> None:
    if isinstance(scope, cst.Module) and isinstance(target, cst.Name):
        literal = string_value(value)
        if literal is not None:
            index.constants[target.value] = literal
    if is_logger_factory(index, value):
        if isinstance(target, cst.Name):
            index.logger_names.add(target.value)
            if isinstance(scope, cst.Module):
                index.module_loggers[target.value] = logger_factory(index, value)
        elif isinstance(target, cst.Attribute):
            index.logger_attrs.add(target.attr.value)
        return
    if isinstance(target, cst.Attribute) and index.resolves_to(target.value, "flask.g"):
        index.g_assignments.setdefault(target.attr.value, []).append(Assignment(value, stmt, scope))
    elif isinstance(target, cst.Subscript) and index.resolves_to(target.value, "flask.session"):
        key = subscript_key(target)
        if key is not None:
            index.session_assignments.setdefault(key, []).append(Assignment(value, stmt, scope))


def is_logger_factory(index: ModuleIndex, value: cst.BaseExpression) -> bool:
    """``logging.getLogger(...)``, ``structlog.get_logger()``, ``app.logger``, ``log.bind(...)``."""
    target = value.func if isinstance(value, cst.Call) else value
    qualified = index.imports.resolve(target)
    if qualified in LOGGER_FACTORIES:
        return True
    if isinstance(target, cst.Attribute):
        if target.attr.value == "logger" and not isinstance(value, cst.Call):
            return True
        if isinstance(value, cst.Call) and target.attr.value in LOGGER_METHODS_RETURNING_LOGGERS:
            return looks_like_logger(index, target.value)
    return False


def logger_factory(index: ModuleIndex, value: cst.BaseExpression) -> str:
    """What made a logger: ``logging.getLogger``, ``structlog.get_logger``, ``flask.logger``..."""
    target = value.func if isinstance(value, cst.Call) else value
    qualified = index.imports.resolve(target)
    if qualified is not None:
        return qualified
    if isinstance(target, cst.Attribute) and target.attr.value == "logger":
        return "flask.logger"  # ``app.logger``: a standard-library Logger
    return "unknown"


def looks_like_logger(index: ModuleIndex, expr: cst.BaseExpression) -> bool:
    """A name bound to a logger, or one conventionally used for one (``log``, ``_logger``)."""
    if isinstance(expr, cst.Call):
        return is_logger_factory(index, expr)
    qualified = index.imports.resolve(expr)
    if qualified is not None:
        return (
            qualified in LOGGER_FACTORIES or qualified == "logging" or qualified.endswith(".logger")
        )
    if isinstance(expr, cst.Name):
        return expr.value in index.logger_names or is_logger_like_name(expr.value)
    if isinstance(expr, cst.Attribute):
        attr = expr.attr.value
        return attr in index.logger_attrs or is_logger_like_name(attr)
    return False


def is_logger_like_name(name: str) -> bool:
    lowered = name.lower().strip("_")
    return lowered in {"log", "logger", "logging"} or lowered.endswith(("_log", "_logger"))


def subscript_key(node: cst.Subscript) -> str | None:
    """The literal string key of ``x["key"]``, else ``None``."""
    if len(node.slice) != 1:
        return None
    element = node.slice[0].slice
    if isinstance(element, cst.Index):
        return string_value(element.value)
    return None


def is_docstring(stmt: cst.CSTNode) -> bool:
    """A statement that is only a string literal (module, class or function docstring)."""
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    )


def string_value(expr: cst.BaseExpression | None) -> str | None:
    if isinstance(expr, cst.SimpleString):
        raw = expr.value
        if "\\" not in raw and raw[:1] in "'\"":
            # No prefix, no escapes: the text between the quotes (``evaluated_value``
            # runs ``ast.literal_eval``, which parses the literal all over again).
            quote = 3 if raw[:3] in ('"""', "'''") else 1
            return raw[quote:-quote]
        try:
            value = expr.evaluated_value
        except (ValueError, SyntaxError, UnicodeError):
            return None  # ``"\N{NO SUCH NAME}"``: CPython rejects it too
        return value if isinstance(value, str) else None
    if isinstance(expr, cst.ConcatenatedString):
        # A loop, not recursion: generated code concatenates thousands of literals.
        pieces: list[str] = []
        current: cst.BaseExpression = expr
        while isinstance(current, cst.ConcatenatedString):
            left = string_value(current.left)
            if left is None:
                return None
            pieces.append(left)
            current = current.right
        last = string_value(current)
        return "".join(pieces) + last if last is not None else None
    return None


def decorator_names(func: cst.FunctionDef | cst.ClassDef) -> list[str]:
    out = []
    for dec in func.decorators:
        target = dec.decorator.func if isinstance(dec.decorator, cst.Call) else dec.decorator
        name = dotted_name(target)
        if name is not None:
            out.append(name)
    return out
