"""Building blocks for fixes: fingerprints, constant-time comparisons, log statements.

Rules describe *what* to change as node replacements and insertions; the
fixer applies them through LibCST, so comments and formatting survive.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.helpers import parse_template_expression, parse_template_statement

from ..analysis.index import body_of, is_docstring
from ..analysis.sinks import Sink, SinkKind
from ..core.model import Applicability
from ._imports import Reference, reference
from .base import NodeFix, Replacement, RuleContext

STDLIB_FACTORIES = frozenset(
    {
        "logging",
        "logging.getLogger",
        "logging.root",
        "logging.LoggerAdapter",
        "flask.logger",
        "flask.current_app.logger",
    }
)
LOGGER_PREFERENCE = ("logger", "log", "LOGGER", "LOG", "_logger", "_log")


@dataclass(frozen=True)
class LoggerRef:
    """A logger usable at a point of the code: ``log``, ``current_app.logger``, ``self.logger``."""

    code: str
    kind: str  # "stdlib", "structlog", "loguru" or "unknown"


def logger_kind(factory: str) -> str:
    if factory in STDLIB_FACTORIES or factory.startswith("logging."):
        return "stdlib"
    if factory.startswith("structlog"):
        return "structlog"
    if factory.startswith("loguru"):
        return "loguru"
    return "unknown"


def logger_in_scope(ctx: RuleContext) -> LoggerRef | None:
    """A logger the module already has; ``None`` when there is none (then there is no fix)."""
    index = ctx.index
    if index.module_loggers:
        name = sorted(
            index.module_loggers,
            key=lambda n: (
                LOGGER_PREFERENCE.index(n) if n in LOGGER_PREFERENCE else len(LOGGER_PREFERENCE),
                n,
            ),
        )[0]
        return LoggerRef(name, logger_kind(index.module_loggers[name]))
    for local, qualified in sorted(index.imports.bindings.items()):
        if qualified == "loguru.logger":
            return LoggerRef(local, "loguru")
    for local, qualified in sorted(index.imports.bindings.items()):
        if qualified == "flask.current_app":
            return LoggerRef(f"{local}.logger", "stdlib")
    func = ctx.function
    if func is not None and func in index.class_of and index.logger_attrs:
        params = func.params.params
        cls = index.classes.get(index.class_of[func])
        if params and params[0].name.value == "self" and cls is not None:
            # Only a logger this class sets itself: another class's ``self._logger`` is an
            # AttributeError here.
            code = ctx.module.code_for_node(cls)
            for attr in sorted(index.logger_attrs):
                if f"self.{attr} =" in code:
                    return LoggerRef(f"self.{attr}", "unknown")
    return None


def rewritable_in(sink: Sink, culprit: cst.BaseExpression) -> bool:
    """Whether replacing ``culprit`` in the sink call changes only what is logged.

    Not through a logging wrapper: the project function also does its real work
    with the argument (``self._shortcmd("PASS " + password)`` logs it and sends
    it to the server), so the fix belongs in the wrapper. Not the value of a
    ``*args``/``**kwargs`` argument: a digest string would be unpacked instead.
    Not ``print()`` or a stream write: a program's output may be its product (a
    tool that prints the secrets it converts), not a log.
    """
    if sink.kind in (SinkKind.WRAPPER, SinkKind.PRINT, SinkKind.STREAM):
        return False
    return not any(arg.star and arg.value is culprit for arg in sink.args)


def fingerprint_fix(ctx: RuleContext, culprit: cst.BaseExpression) -> NodeFix | None:
    """``key`` -> ``hashlib.sha256(str(key).encode()).hexdigest()[:12]``."""
    sha256 = reference(ctx.module, ctx.index, "hashlib", "sha256")
    if sha256 is None:
        return None
    new = parse_template_expression(
        sha256.code + "(str({value}).encode()).hexdigest()[:12]",
        value=culprit.with_changes(lpar=(), rpar=()) if _has_parens(culprit) else culprit,
    )
    return NodeFix(
        "Log a SHA-256 fingerprint of the credential instead",
        Applicability.UNSAFE,
        (Replacement(culprit, new),),
        needed_imports(sha256),
    )


def needed_imports(found: Reference) -> tuple[str, ...]:
    """The import a reference needs, if any, as a fix lists it."""
    return (found.needs_import,) if found.needs_import else ()


def debug_from_env_fix(ctx: RuleContext, value: cst.BaseExpression) -> NodeFix | None:
    """``debug=True`` -> ``debug=os.environ.get("FLASK_DEBUG") == "1"``."""
    environ = reference(ctx.module, ctx.index, "os", "environ")
    if environ is None:
        return None
    new = cst.parse_expression(environ.code + '.get("FLASK_DEBUG") == "1"')
    return NodeFix(
        "Read debug mode from the FLASK_DEBUG environment variable",
        Applicability.UNSAFE,
        (Replacement(value, new),),
        needed_imports(environ),
    )


def insert_log_fix(title: str, anchor: cst.CSTNode, statement: cst.BaseStatement) -> NodeFix:
    return NodeFix(title, Applicability.UNSAFE, insert_before=((anchor, (statement,)),))


def exception_log_statement(ref: LoggerRef, message: str) -> cst.BaseStatement:
    return parse_template_statement(
        f"{ref.code}.exception({{message}})\n", message=_string(message)
    )


def auth_warning_statement(ref: LoggerRef, reason: str, origin: str | None) -> cst.BaseStatement:
    fields = {"reason": reason}
    if origin:
        fields["key_origin"] = origin
    if ref.kind == "stdlib" or ref.kind == "unknown":
        pairs = ", ".join(f'"{k}": "{v}"' for k, v in fields.items())
        return cst.parse_statement(
            f'{ref.code}.warning("authentication failed", extra={{{pairs}}})\n'
        )
    kwargs = ", ".join(f'{k}="{v}"' for k, v in fields.items())
    return cst.parse_statement(f'{ref.code}.warning("authentication failed", {kwargs})\n')


def first_statement(suite: cst.BaseSuite) -> cst.CSTNode | None:
    """The statement a log call is inserted before: the first one after a docstring."""
    body = body_of(suite)
    if isinstance(suite, cst.SimpleStatementSuite):
        return suite.body[0] if suite.body else None
    for index, stmt in enumerate(body):
        if index == 0 and is_docstring(stmt) and len(body) > 1:
            continue
        return stmt
    return None


def _string(text: str) -> cst.SimpleString:
    return cst.SimpleString('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')


def _has_parens(node: cst.BaseExpression) -> bool:
    return bool(getattr(node, "lpar", ()))
