"""The per-file work of a run, as worker processes do it: read, pre-pass, lint, summarise.

Workers read the files themselves: the main process, whose memory every forked
worker inherits, never holds the sources of a whole tree. The ``ast`` pre-pass
decides whether a file needs its LibCST pass at all (for the rules that are
enabled: each declares its trigger); only then is the lint layer reached,
through the seam.
"""

from __future__ import annotations

import ast
import gc
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from ..analysis.prepass import Prepass, prepass
from ..analysis.project import ProjectContext, ProjectSummaries, absolute
from ..analysis.settings import AnalysisSettings
from ..analysis.summary import ModuleSummary
from ..core import catalog
from ..core.model import FileError, FileResult
from ..core.options import Options
from ..core.signals import ALL_SIGNALS, Signal
from ..lint.suppressions import has_skip_file, might_suppress
from . import seam
from .discovery import SourceFile
from .pool import forks, parallel_map, worthwhile
from .segments import (
    Segment,
    merge_results,
    merge_summaries,
    own_result,
    own_summary,
    segments,
)
from .source import read_file

R = TypeVar("R")


@dataclass(frozen=True)
class Unit:
    """One file as the workers see it: where it is and which module it is."""

    file: SourceFile
    module: str
    is_package: bool
    size: int = 0  # from the stamp: heaviest files go first
    digest: str = ""  # the content hash the run expects, once known

    def context(self, summaries: ProjectSummaries | None = None) -> ProjectContext:
        return ProjectContext(self.module, self.is_package, summaries)

    def read(self) -> tuple[str | None, str, FileError | None]:
        return read_file(self.file)


@dataclass(frozen=True)
class PhaseOne:
    result: FileResult
    analysed: bool
    summary: ModuleSummary | None
    dependencies: frozenset[str]
    digest: str = ""  # "" when the file could not be read
    # A module the pre-pass skipped: the names of its package it imports (absolute), by
    # which other modules may reach them (``from svc import get_key``).
    reexports: tuple[tuple[str, str], ...] = ()


class TextLint(NamedTuple):
    """A file's text through the pre-pass and, if it needs it, the LibCST pass."""

    analysed: bool
    result: FileResult
    summary: ModuleSummary | None
    dependencies: frozenset[str]
    imports: tuple[tuple[str, str], ...] = ()  # of a skipped module (``Prepass.imports``)


@dataclass(frozen=True)
class PhaseTwo:
    result: FileResult
    digest: str  # what was linted; differs from Unit.digest if the file changed


def phase_one(unit: Unit, options: Options) -> PhaseOne:
    """Lint a file with imports opaque, and summarise it for the others."""
    display = unit.file.display
    text, digest, error = unit.read()
    if text is None:
        errors = (error,) if error else ()
        return PhaseOne(FileResult(display, errors=errors), False, None, frozenset(), digest)
    outcome = lint_text(text, display, options, unit.context(), summarise_as=unit.module)
    analysed, result, summary, dependencies, imports = outcome
    deps = frozenset(_absolute_deps(dependencies, unit)) if not analysed else dependencies
    reexports = project_imports(imports, unit.module, unit.is_package)
    return PhaseOne(result, analysed, summary, deps, digest, reexports)


def project_imports(
    imports: Iterable[tuple[str, str]], module: str, is_package: bool
) -> tuple[tuple[str, str], ...]:
    """The imports of a module's own top-level package (relative ones included), made
    absolute: those another module can reach through it. The rest (``flask``) never
    lead to a project module's summary."""
    package = module.split(".")[0]
    out = []
    for local, target in imports:
        resolved = absolute(target, module, is_package)
        if resolved.split(".")[0] == package:
            out.append((local, resolved))
    return tuple(sorted(out))


def lint_text(
    text: str,
    display: str,
    options: Options,
    project: ProjectContext | None = None,
    summarise_as: str | None = None,
) -> TextLint:
    """A file's text through the pre-pass and, if it needs it, the LibCST pass. A very
    large module goes in segments."""
    if has_skip_file(text):
        return TextLint(False, FileResult(display), None, frozenset())
    project = project or ProjectContext()
    parts = segments(text)
    if parts is not None:
        return _lint_segments(parts, display, options, project, summarise_as)
    decision = needs_analysis(text, options)
    if decision is not None and not decision.needed:
        return TextLint(False, FileResult(display), None, decision.dependencies, decision.imports)
    lint = seam.lint_file(text, display, options, project, summarise_as)
    return TextLint(True, lint.result, lint.summary, lint.dependencies)


def _lint_segments(
    parts: Iterable[Segment],
    display: str,
    options: Options,
    project: ProjectContext,
    summarise_as: str | None,
) -> TextLint:
    """``lint_text`` for a very large module, one segment at a time (``segments.py``).
    Dependencies come back absolute, whether a segment was analysed or not."""
    analysed = False
    results: list[FileResult] = []
    summaries: list[ModuleSummary] = []
    dependencies: set[str] = set()
    for segment in parts:
        decision = _segment_decision(segment, options)
        if decision is not None and not decision.needed:
            dependencies.update(_absolute(decision.dependencies, project))
            continue
        lint = seam.lint_file(segment.text, display, options, project, summarise_as)
        analysed = True
        results.append(own_result(lint.result, segment, display))
        if lint.summary is not None:
            summaries.append(own_summary(lint.summary, segment))
        dependencies.update(lint.dependencies)
        del lint
        _release()
    result = merge_results(display, results)
    return TextLint(analysed, result, merge_summaries(summaries), frozenset(dependencies))


def _release() -> None:
    """Free a segment's syntax trees before the next one is built: they hold reference
    cycles, and the run collects garbage rarely (``pool.GC_THRESHOLD``), so without this
    every segment's tree would stay in memory until the end of the module."""
    gc.collect()


def _segment_decision(
    segment: Segment, options: Options, wanted: frozenset[str] | None = None
) -> Prepass | None:
    if segment.tree is None:
        return None  # the LibCST pass reports the syntax error
    return _decide(segment.text, lambda: segment.prepass_tree(), options, wanted)


def needs_analysis(text: str, options: Options) -> Prepass | None:
    """The pre-pass decision for the enabled rules, or None when it cannot be made
    (then the LibCST pass decides: syntax errors become FLK000 there)."""

    def parse() -> ast.Module | None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            # Syntax errors become FLK000 and deep nesting is handled by the LibCST pass.
            return None

    return _decide(text, parse, options)


def _decide(
    text: str,
    tree: Callable[[], ast.Module | None],
    options: Options,
    wanted: frozenset[str] | None = None,
) -> Prepass | None:
    if not options.prepass:
        return None
    wanted = wanted or catalog.wanted_signals(options.enabled)
    if wanted is None:
        return None  # a rule wants every file
    if (
        Signal.SUPPRESSION_COMMENT.value in wanted
        and options.report_unused_suppressions
        and might_suppress(text)
    ):
        return None  # judging suppressions needs the LibCST pass wherever one may be
    parsed = tree()
    if parsed is None:
        return None
    settings = AnalysisSettings.from_config(options.config)
    try:
        return prepass(parsed, settings.names, settings.auth_decorators, wanted)
    except RecursionError:
        return None  # deep nesting is handled by the LibCST pass


def summarise_only(unit: Unit, options: Options) -> ModuleSummary | None:
    """A module the pre-pass skipped but an analysed module uses: its summary only
    (of a very large module: of the segments that show any construct at all)."""
    text, _, _ = unit.read()
    if text is None:
        return None
    display = unit.file.display
    parts = segments(text)
    if parts is None:
        return seam.summarise_file(text, display, options, unit.context(), unit.module)
    summaries = []
    for segment in parts:
        decision = _segment_decision(segment, options, ALL_SIGNALS)
        if decision is not None and not decision.needed:
            continue
        summary = seam.summarise_file(segment.text, display, options, unit.context(), unit.module)
        if summary is not None:
            summaries.append(own_summary(summary, segment))
    return merge_summaries(summaries)


def phase_two(unit: Unit, options: Options, summaries: ProjectSummaries) -> PhaseTwo:
    """Lint a file again, with everyone's summaries."""
    display = unit.file.display
    text, digest, error = unit.read()
    if text is None:
        return PhaseTwo(FileResult(display, errors=(error,) if error else ()), digest)
    context = unit.context(summaries)
    parts = segments(text) if not has_skip_file(text) else None
    if parts is None:
        return PhaseTwo(seam.lint_source(text, display, options, context), digest)
    results = []
    for segment in parts:
        # What phase one analysed, and what the summaries now make worth analysing.
        decision = _segment_decision(segment, options)
        if decision is not None and not decision.needed:
            deps = _absolute(decision.dependencies, context)
            if not any(summaries.matters(dep, display) for dep in deps):
                continue
        result = seam.lint_source(segment.text, display, options, context)
        results.append(own_result(result, segment, display))
        _release()
    return PhaseTwo(merge_results(display, results), digest)


def _absolute_deps(dependencies: Iterable[str], unit: Unit) -> Iterator[str]:
    return _absolute(dependencies, unit.context())


def _absolute(dependencies: Iterable[str], project: ProjectContext) -> Iterator[str]:
    for dep in dependencies:
        yield dep if ":" in dep else absolute(dep, project.module, project.is_package)


# -- worker plumbing ----------------------------------------------------------------------------

_WORKER: tuple[Options, ProjectSummaries | None] | None = None


def _init(options: Options, summaries: ProjectSummaries | None) -> None:
    global _WORKER
    _WORKER = (options, summaries)


def phase_one_task(unit: Unit) -> PhaseOne:
    assert _WORKER is not None
    return phase_one(unit, _WORKER[0])


def summary_task(unit: Unit) -> ModuleSummary | None:
    assert _WORKER is not None
    return summarise_only(unit, _WORKER[0])


def phase_two_task(unit: Unit) -> PhaseTwo:
    assert _WORKER is not None and _WORKER[1] is not None
    return phase_two(unit, _WORKER[0], _WORKER[1])


def in_parallel(
    task: Callable[[Unit], R],
    units: Sequence[Unit],
    options: Options,
    jobs: int,
    summaries: ProjectSummaries | None = None,
    done: Callable[[], None] | None = None,
) -> list[R]:
    if jobs > 1 and forks() and worthwhile(len(units), sum(u.size for u in units), jobs, True):
        # With LibCST and the rules imported here first, no forked worker of any
        # phase pays that import again (~0.25 s each, up to three pools a run).
        seam.preload()
    return parallel_map(task, units, jobs, _init, (options, summaries), lambda u: u.size, done)
