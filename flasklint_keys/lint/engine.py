"""One file: parse, analyse, run the rules, suppress — the LibCST side of a run.

The run layer (``run/``) reaches this module only through its lazy seam
(``run/seam.py``): a run whose files need no LibCST pass never imports it.
"""

from __future__ import annotations

import ast
import sys
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import libcst as cst

from ..analysis.index import build_index
from ..analysis.module import ModuleAnalysis
from ..analysis.project import ProjectContext
from ..analysis.settings import AnalysisSettings
from ..analysis.summarise import summarise
from ..analysis.summary import ModuleSummary
from ..core import catalog
from ..core.config import ignored_for_path, is_test_file
from ..core.findings import engine_finding
from ..core.model import FileError, FileResult, Finding
from ..core.options import Options
from ..rules import all_rules
from ..rules.base import RawFinding, RuleContext
from .findings import finalise, reports_unused_suppressions, unused_suppressions
from .suppressions import has_skip_file, parse_suppressions
from .traversal import run_rules
from .trees import put as keep_tree
from .trees import take as kept_tree

# -- what the run asks of one file ------------------------------------------------------------


@dataclass(frozen=True)
class FileLint:
    """A file's result, and what the rest of the project needs to know of it."""

    result: FileResult
    summary: ModuleSummary | None
    dependencies: frozenset[str]


def lint_file(
    text: str, display: str, options: Options, project: ProjectContext, summarise_as: str | None
) -> FileLint:
    """Lint one file; with ``summarise_as`` (its module name), also summarise it."""
    analyses: list[ModuleAnalysis] = []
    result = lint_source(text, display, options, project, analyses.append)
    if not analyses:
        return FileLint(result, None, frozenset())
    analysis = analyses[0]
    summary = _summarise(analysis, summarise_as) if summarise_as is not None else None
    return FileLint(result, summary, frozenset(analysis.dependencies))


def summarise_file(
    text: str, display: str, options: Options, project: ProjectContext, module_name: str
) -> ModuleSummary | None:
    """What a module offers to others (a module the pre-pass skipped but another uses)."""

    def work() -> ModuleSummary | None:
        module = _parse(text, display)
        return _summarise(module_analysis(module, display, options, project, text), module_name)

    try:
        return work()
    except RecursionError:
        try:
            return run_deep(work)
        except Exception:
            return None
    except Exception:
        return None


def _summarise(analysis: ModuleAnalysis, module_name: str) -> ModuleSummary | None:
    try:
        return summarise(analysis, module_name)
    except RecursionError:
        return None


# -- one file ----------------------------------------------------------------------------------


# Receives the module's analysis after the rules ran (phase one: summary, dependencies).
AnalysisHook = Callable[[ModuleAnalysis], None]


def lint_source(
    source: str,
    display: str,
    options: Options,
    project: ProjectContext | None = None,
    on_analysis: AnalysisHook | None = None,
) -> FileResult:
    """Lint one file's text. Never raises: what goes wrong becomes a FileError.

    Deeply nested code (generated expressions) exhausts Python's default recursion
    limit inside LibCST's visitors; such a file is linted again in a thread with a
    large stack and a high recursion limit. Any other exception is an internal
    error of this file only, so the run goes on (and ends with exit code 2).
    """
    try:
        return _lint_source(source, display, options, project, on_analysis)
    except RecursionError:
        pass
    except Exception as exc:
        return _internal_error(display, exc)
    try:
        return run_deep(lambda: _lint_source(source, display, options, project, on_analysis))
    except RecursionError:
        return _too_deep(source, display, options)
    except Exception as exc:
        return _internal_error(display, exc)


def _internal_error(display: str, exc: BaseException) -> FileResult:
    message = f"internal error: {type(exc).__name__}: {exc}"
    return FileResult(display, errors=(FileError(display, message, "internal"),))


def _too_deep(source: str, display: str, options: Options) -> FileResult:
    """Even the deep thread ran out: FLK000 if CPython rejects the file too, else our limit."""
    try:
        run_deep(lambda: _compile_check(source))
    except SyntaxError as exc:
        return _finding_for_syntax_error(source, display, options, exc)
    except (RecursionError, MemoryError, ValueError):
        pass
    message = f"too deeply nested to analyse (more than {DEEP_RECURSION_LIMIT} levels)"
    return FileResult(display, errors=(FileError(display, message, "internal"),))


def _compile_check(source: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ast.parse(source)


# A generated ``"a" + "b" + ...`` of a few hundred terms already needs more than
# the default 1000 frames; 256 MiB of (lazily committed) stack holds the limit below.
DEEP_RECURSION_LIMIT = 30_000
DEEP_STACK_BYTES = 256 * 1024 * 1024

T = TypeVar("T")


def run_deep(work: Callable[[], T]) -> T:
    """Run ``work`` in a thread with a large stack and recursion limit; re-raise its error."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # re-raised in the calling thread
            failure.append(exc)

    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, DEEP_RECURSION_LIMIT))
    try:
        thread = threading.Thread(target=target, name="flasklint-keys-deep", daemon=True)
        _start_with_stack(thread)
        thread.join()
    finally:
        sys.setrecursionlimit(old_limit)
    if failure:
        raise failure[0]
    return outcome[0]


def _start_with_stack(thread: threading.Thread) -> None:
    with _STACK_LOCK:
        try:
            previous = threading.stack_size(DEEP_STACK_BYTES)
        except (ValueError, RuntimeError):  # the platform refuses: keep its default
            thread.start()
            return
        try:
            thread.start()
        finally:
            threading.stack_size(previous)


_STACK_LOCK = threading.Lock()


def _lint_source(
    source: str,
    display: str,
    options: Options,
    project: ProjectContext | None = None,
    on_analysis: AnalysisHook | None = None,
) -> FileResult:
    if has_skip_file(source):
        return FileResult(display)
    if "\0" in source:
        # CPython refuses any source with a null byte; LibCST accepts one inside a string.
        return _null_byte(source, display, options)
    try:
        module = _parse(source, display)
    except cst.ParserSyntaxError as exc:
        return _parse_error(
            source, display, options, (exc.raw_line, exc.raw_column + 1, exc.message)
        )
    except cst.CSTValidationError as exc:
        # LibCST's grammar is looser than CPython's in places its node constructors then
        # refuse (a bare ``except:`` that is not the last handler): the code does not parse.
        return _parse_error(source, display, options, (1, 1, str(exc)))
    except (MemoryError, ValueError) as exc:
        # RecursionError is left to lint_source, which retries with a deeper stack.
        return _parse_error(source, display, options, (1, 1, f"{type(exc).__name__}: {exc}"))
    return _lint_module(module, source, display, options, project, on_analysis)


def _parse(source: str, display: str) -> cst.Module:
    """The file's syntax tree: kept from the last pass over this very text, if it was."""
    module = kept_tree(display, source)
    if module is None:
        module = cst.parse_module(source)
        keep_tree(display, source, module)
    return module


def _parse_error(
    source: str, display: str, options: Options, where: tuple[int, int, str]
) -> FileResult:
    """FLK000 where LibCST failed (``where``: line, column, message), located by CPython's
    own parser when it rejects the code too, as it does better."""
    if catalog.PARSE_ERROR not in options.enabled:
        return FileResult(display)
    line, column, message = where
    try:
        _compile_check(source)
        # Some rules (a bare ``except:`` that is not last) are enforced only by CPython's
        # compiler, after its parser: compiling (never running) the code locates them.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, display, "exec", dont_inherit=True)
    except SyntaxError as syntax:
        line, column, message = syntax.lineno or line, syntax.offset or 1, syntax.msg
    except (ValueError, RecursionError, MemoryError) as err:
        message = str(err)
    return _parse_finding(source, display, line, column, message)


def _null_byte(source: str, display: str, options: Options) -> FileResult:
    if catalog.PARSE_ERROR not in options.enabled:
        return FileResult(display)
    # CPython's message for this varies by version (and has no position before 3.12).
    nul = source.index("\0")
    line = source.count("\n", 0, nul) + 1
    column = nul - (source.rfind("\n", 0, nul) + 1) + 1
    return _parse_finding(source, display, line, column, "the file contains a null byte")


def _finding_for_syntax_error(
    source: str, display: str, options: Options, exc: SyntaxError
) -> FileResult:
    if catalog.PARSE_ERROR not in options.enabled:
        return FileResult(display)
    return _parse_finding(source, display, exc.lineno or 1, exc.offset or 1, exc.msg)


def _parse_finding(source: str, display: str, line: int, column: int, message: str) -> FileResult:
    lines = source.splitlines()
    line = max(1, min(line, len(lines) or 1))
    column = max(1, column)
    meta = catalog.meta(catalog.PARSE_ERROR)
    assert meta is not None
    finding = engine_finding(
        meta, display, line, (column, column + 1), f"cannot parse: {message}", "parse-error"
    )
    return FileResult(display, findings=(finding,))


@dataclass
class ModuleFindings:
    """A module's findings, each with the raw finding (nodes, fix) it was made from."""

    pairs: list[tuple[RawFinding, Finding]]
    errors: tuple[FileError, ...] = ()
    # Findings about comments rather than code (FLK001): no node, no fix.
    comments: tuple[Finding, ...] = ()
    analysis: ModuleAnalysis | None = None

    @property
    def findings(self) -> tuple[Finding, ...]:
        return (*(f for _, f in self.pairs), *self.comments)

    @property
    def module(self) -> cst.Module | None:
        return self.analysis.module if self.analysis is not None else None


def _lint_module(
    module: cst.Module,
    source: str,
    display: str,
    options: Options,
    project: ProjectContext | None = None,
    on_analysis: AnalysisHook | None = None,
) -> FileResult:
    found = analyse_module(module, source, display, options, project)
    if on_analysis is not None and found.analysis is not None:
        on_analysis(found.analysis)
    return FileResult(display, found.findings, found.errors)


def module_analysis(
    module: cst.Module,
    display: str,
    options: Options,
    project: ProjectContext | None = None,
    source: str | None = None,
) -> ModuleAnalysis:
    settings = AnalysisSettings.from_config(options.config)
    return ModuleAnalysis(module, build_index(module), settings, display, project, source)


def analyse_module(
    module: cst.Module,
    source: str,
    display: str,
    options: Options,
    project: ProjectContext | None = None,
) -> ModuleFindings:
    """Run the rules over a parsed module (the fixer needs the nodes behind the findings)."""
    analysis = module_analysis(module, display, options, project, source)
    context = RuleContext(
        display, module, analysis, is_test_file=is_test_file(display, options.config)
    )
    ignored = ignored_for_path(options.config, display)
    rules = [
        rule(context)
        for rule in all_rules()
        if rule.code in options.enabled and not any(rule.code.startswith(i) for i in ignored)
    ]
    failures = run_rules(module, context, rules)
    errors = tuple(
        FileError(display, f"internal error in {code}: {message}", "internal")
        for code, message in failures
    )
    judge_suppressions = reports_unused_suppressions(options, ignored)
    if not context.findings and not judge_suppressions:
        return ModuleFindings([], errors, analysis=analysis)
    suppressions = parse_suppressions(source)
    pairs = (
        finalise(module, source, display, context.findings, suppressions)
        if context.findings
        else []
    )
    comments: tuple[Finding, ...] = ()
    if judge_suppressions:
        ran = [rule.code for rule in rules if rule.code != catalog.UNUSED_SUPPRESSION]
        comments = tuple(unused_suppressions(source, display, suppressions, ran))
    return ModuleFindings(pairs, errors, comments, analysis)
