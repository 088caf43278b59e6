"""Discover, parse, run the rules, suppress, sort — for one file or a whole run."""

from __future__ import annotations

import ast
import hashlib
import io
import sys
import threading
import tokenize
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TypeVar

import libcst as cst
from libcst.metadata import CodePosition, CodeRange

from . import __version__
from ._edits import import_position, text_fix
from ._positions import positions as node_positions
from ._source import decode_source, read_bytes, read_source
from ._suppressions import ALL, Suppressions, has_skip_file, parse_suppressions
from ._traversal import run_rules
from .analysis.index import build_index
from .analysis.module import ModuleAnalysis
from .analysis.project import ProjectContext
from .analysis.settings import AnalysisSettings
from .config import ignored_for_path
from .model import (
    FileError,
    FileResult,
    Finding,
    LintResult,
    Related,
    RuleMeta,
)
from .options import Options
from .rules import ALL_RULES, PARSE_ERROR, UNUSED_SUPPRESSION
from .rules.base import RawFinding, RuleContext

TEST_DIRS = frozenset({"tests", "test", "testing"})


def is_test_file(display: str) -> bool:
    path = PurePosixPath(display)
    name = path.name
    if name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py"):
        return True
    return any(part in TEST_DIRS for part in path.parts[:-1])


# -- one file --------------------------------------------------------------------------------


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
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        return _parse_error(source, display, options, exc)
    except (MemoryError, ValueError) as exc:
        # RecursionError is left to lint_source, which retries with a deeper stack.
        return FileResult(
            display,
            errors=(FileError(display, f"cannot parse: {type(exc).__name__}: {exc}", "parse"),),
        )
    return _lint_module(module, source, display, options, project, on_analysis)


def _parse_error(
    source: str, display: str, options: Options, exc: cst.ParserSyntaxError
) -> FileResult:
    if PARSE_ERROR.code not in options.enabled:
        return FileResult(display)
    line, column, message = exc.raw_line, exc.raw_column + 1, exc.message
    # CPython's own parser locates errors better; prefer it when it also fails.
    try:
        _compile_check(source)
    except SyntaxError as syntax:
        line, column, message = syntax.lineno or line, syntax.offset or 1, syntax.msg
    except (ValueError, RecursionError, MemoryError) as err:
        message = str(err)
    return _parse_finding(source, display, line, column, message)


def _null_byte(source: str, display: str, options: Options) -> FileResult:
    if PARSE_ERROR.code not in options.enabled:
        return FileResult(display)
    # CPython's message for this varies by version (and has no position before 3.12).
    nul = source.index("\0")
    line = source.count("\n", 0, nul) + 1
    column = nul - (source.rfind("\n", 0, nul) + 1) + 1
    return _parse_finding(source, display, line, column, "the file contains a null byte")


def _finding_for_syntax_error(
    source: str, display: str, options: Options, exc: SyntaxError
) -> FileResult:
    if PARSE_ERROR.code not in options.enabled:
        return FileResult(display)
    return _parse_finding(source, display, exc.lineno or 1, exc.offset or 1, exc.msg)


def _parse_finding(source: str, display: str, line: int, column: int, message: str) -> FileResult:
    lines = source.splitlines()
    line = max(1, min(line, len(lines) or 1))
    column = max(1, column)
    finding = _engine_finding(
        PARSE_ERROR, display, line, (column, column + 1), f"cannot parse: {message}", "parse-error"
    )
    return FileResult(display, findings=(finding,))


def _engine_finding(
    meta: RuleMeta,
    display: str,
    line: int,
    columns: tuple[int, int],
    message: str,
    statement_text: str,
    occurrence: int = 0,
    suppressed: bool = False,
) -> Finding:
    """A finding of a rule the engine reports itself (FLK000, FLK001): one line, no fix."""
    return Finding(
        code=meta.code,
        name=meta.name,
        severity=meta.severity,
        message=message,
        fix_suggestion=meta.fix_suggestion,
        path=display,
        line=line,
        column=columns[0],
        end_line=line,
        end_column=columns[1],
        fingerprint=_digest(meta.code, display, statement_text, occurrence),
        suppressed=suppressed,
    )


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
    context = RuleContext(display, module, analysis, is_test_file=is_test_file(display))
    ignored = ignored_for_path(options.config, display)
    rules = [
        rule(context)
        for rule in ALL_RULES
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
        _finalise(module, source, display, context.findings, suppressions)
        if context.findings
        else []
    )
    comments: tuple[Finding, ...] = ()
    if judge_suppressions:
        ran = [rule.code for rule in rules if rule.code != UNUSED_SUPPRESSION.code]
        comments = tuple(_unused_suppressions(source, display, suppressions, ran))
    return ModuleFindings(pairs, errors, comments, analysis)


def reports_unused_suppressions(options: Options, ignored: Iterable[str] = ()) -> bool:
    """FLK001 runs with ``--report-unused-suppressions`` while selected (and not ignored here)."""
    code = UNUSED_SUPPRESSION.code
    return (
        options.report_unused_suppressions
        and code in options.enabled
        and not any(code.startswith(i) for i in ignored)
    )


def _unused_suppressions(
    source: str, display: str, suppressions: Suppressions, ran: Sequence[str]
) -> Iterator[Finding]:
    meta = UNUSED_SUPPRESSION
    lines = source.splitlines()
    occurrences: dict[str, int] = {}
    for directive, codes in suppressions.unused(ran):
        text = lines[directive.line - 1].strip() if directive.line <= len(lines) else ""
        occurrence = occurrences.get(text, 0)
        occurrences[text] = occurrence + 1
        named = ", ".join("a bare ignore" if code == ALL else code for code in codes)
        verb = "silences" if len(codes) == 1 else "silence"
        # Only a directive naming FLK001 silences it: a bare one would silence its own report.
        silenced = any(
            other.line == directive.line
            and any(code != ALL and meta.code.startswith(code) for code in other.codes)
            for other in suppressions.directives
        )
        yield _engine_finding(
            meta,
            display,
            directive.line,
            (directive.column, directive.end_column),
            f"unused suppression: {named} {verb} no finding here",
            text,
            occurrence,
            silenced,
        )


def _finalise(
    module: cst.Module,
    source: str,
    display: str,
    raw: Sequence[RawFinding],
    suppressions: Suppressions,
) -> list[tuple[RawFinding, Finding]]:
    positions = node_positions(module, _needed_nodes(module, raw))
    lines_of_source = source.splitlines()
    occurrences: dict[tuple[str, str], int] = {}
    findings: list[tuple[RawFinding, Finding]] = []
    seen: set[tuple[str, int, int, int, int]] = set()
    for item in sorted(raw, key=lambda r: _start(positions, r.node)):
        where = _range(positions[item.node], item.span)
        key = (
            item.meta.code,
            where.start.line,
            where.start.column,
            where.end.line,
            where.end.column,
        )
        if key in seen:
            continue
        seen.add(key)
        statement_text = _statement_text(module, item)
        occurrence_key = (item.meta.code, statement_text)
        occurrence = occurrences.get(occurrence_key, 0)
        occurrences[occurrence_key] = occurrence + 1
        lines = _suppression_lines(positions, item, where, suppressions)
        findings.append(
            (
                item,
                Finding(
                    code=item.meta.code,
                    name=item.meta.name,
                    severity=item.meta.severity,
                    message=item.message,
                    fix_suggestion=item.meta.fix_suggestion,
                    path=display,
                    line=where.start.line,
                    column=where.start.column + 1,
                    end_line=where.end.line,
                    end_column=where.end.column + 1,
                    fingerprint=_digest(item.meta.code, display, statement_text, occurrence),
                    fix=text_fix(module, positions, item.fix, lines_of_source),
                    suppressed=suppressions.match(item.meta.code, lines) is not None,
                    related=_related(display, positions, item.related),
                ),
            )
        )
    return findings


def _needed_nodes(module: cst.Module, raw: Sequence[RawFinding]) -> set[cst.CSTNode]:
    """Every node whose position a finding, its suppression lines or its fix will ask for."""
    nodes: set[cst.CSTNode] = set()
    if any(item.fix is not None and item.fix.imports for item in raw):
        index = import_position(module)
        if index < len(module.body):
            nodes.add(module.body[index])  # where an added import goes
    for item in raw:
        nodes.add(item.node)
        if item.statement is not None:
            nodes.add(item.statement)
        nodes.update(entry[0] for entry in item.related if not isinstance(entry, Related))
        if item.fix is not None:
            nodes.update(r.old for r in item.fix.replacements)
            nodes.update(anchor for anchor, _ in item.fix.insert_before)
    return nodes


def _related(
    display: str,
    positions: Mapping[cst.CSTNode, CodeRange],
    items: Sequence[tuple[cst.CSTNode, str] | Related],
) -> tuple[Related, ...]:
    out = []
    for item in items:
        if isinstance(item, Related):
            out.append(item)
        elif item[0] in positions:
            where = positions[item[0]]
            out.append(Related(display, where.start.line, where.start.column + 1, item[1]))
    return tuple(out)


def _range(where: CodeRange, span: int | None) -> CodeRange:
    if span is None:
        return where
    return CodeRange(where.start, CodePosition(where.start.line, where.start.column + span))


def _start(positions: Mapping[cst.CSTNode, CodeRange], node: cst.CSTNode) -> tuple[int, int]:
    where = positions[node]
    return where.start.line, where.start.column


def _suppression_lines(
    positions: Mapping[cst.CSTNode, CodeRange],
    item: RawFinding,
    where: CodeRange,
    suppressions: Suppressions,
) -> list[int]:
    """The flagged statement's lines (its header for compound statements), and a comment line above."""
    first, last = where.start.line, where.end.line
    stmt = item.statement
    if stmt is not None and stmt in positions:
        span = positions[stmt]
        first = min(first, span.start.line)
        if isinstance(stmt, cst.BaseSmallStatement):
            last = max(last, span.end.line)
    lines = list(range(first, last + 1))
    above = first - 1
    while above in suppressions.comment_only:
        lines.append(above)
        above -= 1
    return lines


def _statement_text(module: cst.Module, item: RawFinding) -> str:
    """The flagged statement's tokens, without comments or layout (for fingerprints)."""
    stmt = item.statement
    node = stmt if isinstance(stmt, cst.BaseSmallStatement) else item.node
    return normalised_code(module.code_for_node(node))


_LAYOUT_TOKENS = frozenset(
    {
        tokenize.COMMENT,
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENDMARKER,
    }
)


def normalised_code(code: str) -> str:
    """``log.info(\n  key,  # why\n)`` and ``log.info(key)`` give the same text."""
    try:
        tokens = tokenize.generate_tokens(io.StringIO(code.strip()).readline)
        words = [tok.string for tok in tokens if tok.type not in _LAYOUT_TOKENS]
    except (tokenize.TokenError, SyntaxError):
        return " ".join(code.split())
    # A formatter's "magic trailing comma" is layout too.
    kept = [
        w
        for i, w in enumerate(words)
        if not (w == "," and i + 1 < len(words) and words[i + 1] in ")]}")
    ]
    return " ".join(kept)


def _digest(code: str, path: str, text: str, occurrence: int) -> str:
    blob = "\0".join((code, path, text, str(occurrence))).encode("utf-8", "surrogateescape")
    return hashlib.sha256(blob).hexdigest()[:20]


def lint_paths(
    paths: Sequence[str],
    options: Options,
    cwd: Path | None = None,
    jobs: int | None = None,
    force_exclude: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> LintResult:
    """Lint ``paths`` as one project (cross-module flows included), without a cache."""
    from .runner import run  # the runner builds on this module

    return run(paths, options, cwd=cwd, jobs=jobs, force_exclude=force_exclude, progress=progress)


__all__ = [
    "Options",
    "__version__",
    "decode_source",
    "is_test_file",
    "lint_paths",
    "lint_source",
    "read_bytes",
    "read_source",
]
