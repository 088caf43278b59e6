"""Where values get written somewhere people read: log sinks and response sinks."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

import libcst as cst

from .imports import dotted_name
from .index import ModuleIndex, looks_like_logger
from .settings import AnalysisSettings
from .vocabulary import LOG_METHODS

# Keyword arguments of logging calls that never carry data.
CONTROL_KEYWORDS = frozenset({"exc_info", "stack_info", "stacklevel", "stack_level"})
STREAM_SINKS = frozenset(
    {"sys.stdout.write", "sys.stderr.write", "sys.stdout.writelines", "sys.stderr.writelines"}
)
OTHER_SINKS = frozenset({"warnings.warn", "pprint.pprint", "pprint.pp"})
REPORT_FUNCTIONS = frozenset(
    {
        "sentry_sdk.capture_exception",
        "sentry_sdk.capture_message",
        "rollbar.report_exc_info",
        "rollbar.report_message",
        "bugsnag.notify",
        "traceback.print_exc",
        "traceback.print_exception",
    }
)


class SinkKind(enum.Enum):
    LOG = "log call"
    PRINT = "print()"
    STREAM = "stream write"
    WARNING = "warnings.warn()"
    METRIC = "metrics label"
    WRAPPER = "logging wrapper"


@dataclass(frozen=True)
class Sink:
    kind: SinkKind
    description: str
    args: tuple[cst.Arg, ...]
    method: str | None = None
    # Logging wrappers: the field of each argument that is logged (``params["url"]``),
    # ``"*"`` for one under a computed key, ``None`` for all of it; empty: all of every one.
    fields: tuple[str | None, ...] = ()


class SinkHost(Protocol):
    """What classifying a call asks of the module it is in (``ModuleAnalysis``)."""

    index: ModuleIndex
    settings: AnalysisSettings

    def wrapper_sink(self, func: cst.Name | cst.Attribute, call: cst.Call) -> Sink | None: ...

    def external_wrapper(self, qualified: str, call: cst.Call) -> Sink | None: ...

    def external_logger(self, qualified: str) -> bool: ...

    def logger_methods(self) -> frozenset[str]: ...

    def note_logger_method(self, method: str) -> None: ...


def log_method(call: cst.Call, analysis: SinkHost) -> str | None:
    """The method name when ``call`` is ``<logger>.<level>(...)``, else ``None``.

    Also ``error(...)`` imported ``from logging``, and the methods a project's
    ``logging.Logger`` subclass adds (``log.error_or_exception(e)``).
    """
    func = call.func
    if isinstance(func, cst.Name):
        qualified = analysis.index.imports.resolve(func)
        level = qualified[len("logging.") :] if qualified else ""
        if qualified is not None and qualified.startswith("logging.") and level in LOG_METHODS:
            return level
        return None
    if not isinstance(func, cst.Attribute):
        return None
    if func.attr.value not in LOG_METHODS:
        return _subclass_method(func, analysis)
    receiver = func.value
    index = analysis.index
    if index.imports.resolve(receiver) == "logging":
        return func.attr.value
    dotted = dotted_name(receiver)
    if dotted is not None and dotted in analysis.settings.logger_names:
        return func.attr.value
    if looks_like_logger(index, receiver):
        return func.attr.value
    qualified = index.imports.resolve(receiver)
    if qualified is not None and analysis.external_logger(qualified):
        return func.attr.value  # ``from app.log import audit``: a logger of another module
    return None


def _subclass_method(func: cst.Attribute, analysis: SinkHost) -> str | None:
    """``log.error_or_exception(e)``: a method of a project ``logging.Logger`` subclass."""
    receiver = func.value
    dotted = dotted_name(receiver)
    if not (
        looks_like_logger(analysis.index, receiver)
        or (dotted is not None and dotted in analysis.settings.logger_names)
    ):
        return None
    analysis.note_logger_method(func.attr.value)
    return func.attr.value if func.attr.value in analysis.logger_methods() else None


def classify_sink(call: cst.Call, analysis: SinkHost) -> Sink | None:
    method = log_method(call, analysis)
    if method is not None:
        args = tuple(a for a in call.args if not _is_control_keyword(a))
        return Sink(SinkKind.LOG, "a log call", args, method)
    func = call.func
    index = analysis.index
    if isinstance(func, cst.Name):
        if (
            func.value == "print"
            and "print" not in index.functions
            and "print" not in index.imports.bindings
        ):
            return Sink(
                SinkKind.PRINT, "print()", _data_args(call, {"file", "sep", "end", "flush"})
            )
        wrapper = analysis.wrapper_sink(func, call)
        if wrapper is not None:
            return wrapper
    qualified = index.imports.resolve(func)
    if qualified is not None:
        external = analysis.external_wrapper(qualified, call)
        if external is not None:
            return external
    if qualified in STREAM_SINKS:
        return Sink(SinkKind.STREAM, qualified, tuple(call.args))
    if qualified in OTHER_SINKS:
        return Sink(SinkKind.WARNING, f"{qualified}()", tuple(call.args[:1]))
    if isinstance(func, cst.Attribute):
        if func.attr.value == "labels" and index.imports.imports_any("prometheus_client"):
            return Sink(SinkKind.METRIC, "a Prometheus metric label", tuple(call.args))
        if isinstance(func.value, cst.Name) and func.value.value in ("self", "cls"):
            wrapper = analysis.wrapper_sink(func, call)
            if wrapper is not None:
                return wrapper
    return None


def is_report_call(call: cst.Call, analysis: SinkHost) -> bool:
    """``sentry_sdk.capture_exception()``, ``app.log_exception()`` or a configured report function."""
    func = call.func
    qualified = analysis.index.imports.resolve(func)
    if qualified in REPORT_FUNCTIONS or qualified in analysis.settings.report_functions:
        return True
    if isinstance(func, cst.Attribute) and func.attr.value == "log_exception":
        return True
    dotted = dotted_name(func)
    return dotted is not None and dotted in analysis.settings.report_functions


def _is_control_keyword(arg: cst.Arg) -> bool:
    return arg.keyword is not None and arg.keyword.value in CONTROL_KEYWORDS


def _data_args(call: cst.Call, skip: set[str]) -> tuple[cst.Arg, ...]:
    return tuple(a for a in call.args if a.keyword is None or a.keyword.value not in skip)
