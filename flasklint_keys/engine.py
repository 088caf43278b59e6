"""Discover, parse, run the rules, suppress, sort — for one file or a whole run."""

from __future__ import annotations

import ast
import hashlib
import os
import tokenize
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider

from . import __version__
from ._discovery import SourceFile, discover
from ._suppressions import Suppressions, has_skip_file, parse_suppressions
from ._traversal import run_rules
from .analysis.index import build_index
from .analysis.module import AnalysisSettings, ModuleAnalysis
from .config import Config, enabled_codes, ignored_for_path
from .model import (
    Applicability,
    Edit,
    FileError,
    FileResult,
    Finding,
    Fix,
    LintResult,
    Related,
    sort_findings,
)
from .rules import ALL_CODES, ALL_RULES, PARSE_ERROR
from .rules.base import NodeFix, RawFinding, RuleContext

TEST_DIRS = frozenset({"tests", "test", "testing"})


@dataclass(frozen=True)
class Options:
    """Everything that decides what one file's result is (besides its text)."""

    config: Config = field(default_factory=Config)
    enabled: frozenset[str] = frozenset(ALL_CODES)
    report_unused_suppressions: bool = False

    @classmethod
    def from_config(cls, config: Config, **kwargs: bool) -> Options:
        return cls(config, enabled_codes(config, ALL_CODES), **kwargs)


def is_test_file(display: str) -> bool:
    path = PurePosixPath(display)
    name = path.name
    if name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py"):
        return True
    return any(part in TEST_DIRS for part in path.parts[:-1])


# -- one file --------------------------------------------------------------------------------


def read_source(path: Path, display: str) -> tuple[str | None, FileError | None]:
    """Read and decode a file per PEP 263; problems become a FileError, never an exception."""
    try:
        if path.is_dir():
            return None, FileError(display, "is a directory, not a Python file", "io")
        data = path.read_bytes()
    except PermissionError:
        return None, FileError(display, "permission denied", "io")
    except OSError as exc:
        return None, FileError(display, f"cannot read: {exc.strerror or exc}", "io")
    try:
        encoding, _ = tokenize.detect_encoding(iter(data.splitlines(keepends=True)).__next__)
        text = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        return None, FileError(display, f"cannot decode: {exc}", "decode")
    return text.removeprefix("\ufeff"), None


def lint_source(source: str, display: str, options: Options) -> FileResult:
    """Lint one file's text. Never raises for anything the file contains."""
    if has_skip_file(source):
        return FileResult(display)
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        return _parse_error(source, display, options, exc)
    except (RecursionError, MemoryError, ValueError) as exc:
        return FileResult(
            display,
            errors=(FileError(display, f"cannot parse: {type(exc).__name__}: {exc}", "parse"),),
        )
    return _lint_module(module, source, display, options)


def _parse_error(
    source: str, display: str, options: Options, exc: cst.ParserSyntaxError
) -> FileResult:
    if PARSE_ERROR.code not in options.enabled:
        return FileResult(display)
    line, column, message = exc.raw_line, exc.raw_column + 1, exc.message
    # CPython's own parser locates errors better; prefer it when it also fails.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(source)
    except SyntaxError as syntax:
        line, column, message = syntax.lineno or line, syntax.offset or 1, syntax.msg
    except (ValueError, RecursionError, MemoryError) as err:
        message = str(err)
    lines = source.splitlines()
    line = max(1, min(line, len(lines) or 1))
    finding = Finding(
        code=PARSE_ERROR.code,
        name=PARSE_ERROR.name,
        severity=PARSE_ERROR.severity,
        message=f"cannot parse: {message}",
        fix_suggestion=PARSE_ERROR.fix_suggestion,
        path=display,
        line=line,
        column=max(1, column),
        end_line=line,
        end_column=max(1, column) + 1,
        fingerprint=_digest(PARSE_ERROR.code, display, "parse-error", 0),
    )
    return FileResult(display, findings=(finding,))


def _lint_module(module: cst.Module, source: str, display: str, options: Options) -> FileResult:
    index = build_index(module)
    analysis = ModuleAnalysis(module, index, AnalysisSettings.from_config(options.config), display)
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
    if not context.findings:
        return FileResult(display, errors=errors)
    findings, unused = _finalise(module, source, display, context.findings, options)
    return FileResult(display, findings, errors, unused)


def _finalise(
    module: cst.Module,
    source: str,
    display: str,
    raw: Sequence[RawFinding],
    options: Options,
) -> tuple[tuple[Finding, ...], tuple[tuple[int, str], ...]]:
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    suppressions = parse_suppressions(source)
    occurrences: dict[tuple[str, str], int] = {}
    findings = []
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
                fix=_fix(module, positions, item.fix),
                suppressed=suppressions.match(item.meta.code, lines) is not None,
                related=tuple(
                    Related(
                        display, positions[node].start.line, positions[node].start.column + 1, text
                    )
                    for node, text in item.related
                    if node in positions
                ),
            )
        )
    unused = tuple(suppressions.unused()) if options.report_unused_suppressions else ()
    return tuple(findings), unused


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
    stmt = item.statement
    node = stmt if isinstance(stmt, cst.BaseSmallStatement) else item.node
    return " ".join(module.code_for_node(node).split())


def _digest(code: str, path: str, text: str, occurrence: int) -> str:
    blob = "\0".join((code, path, text, str(occurrence))).encode("utf-8", "surrogateescape")
    return hashlib.sha256(blob).hexdigest()[:20]


def _fix(
    module: cst.Module, positions: Mapping[cst.CSTNode, CodeRange], fix: NodeFix | None
) -> Fix | None:
    if fix is None:
        return None
    edits = []
    for replacement in fix.replacements:
        where = positions.get(replacement.old)
        if where is None:
            return None
        edits.append(
            Edit(
                where.start.line,
                where.start.column + 1,
                where.end.line,
                where.end.column + 1,
                module.code_for_node(replacement.new),
            )
        )
    return Fix(fix.title, Applicability(fix.applicability), tuple(edits))


def lint_file(file: SourceFile, options: Options) -> tuple[FileResult, str | None]:
    source, error = read_source(file.path, file.display)
    if error is not None or source is None:
        return FileResult(file.display, errors=(error,) if error else ()), None
    try:
        result = lint_source(source, file.display, options)
    except RecursionError:
        return FileResult(
            file.display,
            errors=(FileError(file.display, "too deeply nested to analyse", "internal"),),
        ), None
    return result, source if result.findings else None


# -- a whole run ----------------------------------------------------------------------------

_WORKER_OPTIONS: Options | None = None


def _init_worker(options: Options) -> None:
    global _WORKER_OPTIONS
    _WORKER_OPTIONS = options


def _lint_in_worker(file: SourceFile) -> tuple[FileResult, str | None]:
    assert _WORKER_OPTIONS is not None
    return lint_file(file, _WORKER_OPTIONS)


PARALLEL_THRESHOLD = 16


def iter_results(
    files: Sequence[SourceFile], options: Options, jobs: int | None = None
) -> Iterator[tuple[FileResult, str | None]]:
    """Lint files, in parallel when it pays; results arrive in input order."""
    workers = jobs if jobs and jobs > 0 else (os.cpu_count() or 1)
    if workers <= 1 or len(files) < PARALLEL_THRESHOLD:
        for file in files:
            yield lint_file(file, options)
        return
    chunksize = max(1, min(8, len(files) // (workers * 8)))
    with ProcessPoolExecutor(
        max_workers=workers, initializer=_init_worker, initargs=(options,)
    ) as pool:
        yield from pool.map(_lint_in_worker, files, chunksize=chunksize)


def lint_paths(
    paths: Sequence[str],
    options: Options,
    cwd: Path | None = None,
    jobs: int | None = None,
    force_exclude: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> LintResult:
    cwd = cwd or Path.cwd()
    files, errors = discover(paths, options.config, cwd, force_exclude)
    return collect(files, errors, options, jobs, progress)


def collect(
    files: Sequence[SourceFile],
    errors: Iterable[FileError],
    options: Options,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> LintResult:
    findings: list[Finding] = []
    all_errors = list(errors)
    sources: dict[str, str] = {}
    for done, (result, source) in enumerate(iter_results(files, options, jobs), start=1):
        findings.extend(result.findings)
        all_errors.extend(result.errors)
        if source is not None:
            sources[result.path] = source
        if progress is not None:
            progress(done, len(files))
    enabled = tuple(rule.meta for rule in ALL_RULES if rule.code in options.enabled)
    return LintResult(
        findings=sort_findings(findings),
        errors=tuple(sorted(all_errors, key=lambda e: (e.path, e.message))),
        files_checked=len(files),
        rules=enabled,
        sources=sources,
    )


__all__ = [
    "Options",
    "__version__",
    "collect",
    "is_test_file",
    "lint_file",
    "lint_paths",
    "lint_source",
    "read_source",
]
