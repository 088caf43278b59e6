"""A whole run: discover, consult the cache, pre-pass, two phases, in parallel.

Phase one lints every changed file with imports opaque — after an ``ast``
pre-pass that sends only files with a relevant construct to LibCST — and
extracts each analysed module's summary and the project symbols it consulted.
Modules that an analysed module uses but the pre-pass skipped are summarised
on demand. Phase two re-lints, with everyone's summaries, exactly the modules
whose dependencies turned out to matter; a cached phase-two result is reused
while the summaries it depended on are unchanged.
"""

from __future__ import annotations

import ast
import hashlib
import os
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from ._discovery import SourceFile, discover
from ._pool import forks, parallel_map, worthwhile
from ._source import decode_source, read_bytes
from ._suppressions import has_skip_file, might_suppress
from .cache import CACHE_DIR, Cache, Entry, content_hash, file_stamp, run_key
from .model import FileError, FileResult, Finding, LintResult, sort_findings
from .options import Options

if TYPE_CHECKING:  # imported at run time only where needed: a warm run needs none
    from .analysis.module import ModuleAnalysis
    from .analysis.prepass import Prepass
    from .analysis.project import ProjectContext, ProjectSummaries
    from .analysis.summary import ModuleSummary

Progress = Callable[[int, int], None]
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Unit:
    """One file as the workers see it. Workers read it: the main process, whose
    memory every forked worker inherits, never holds the sources of a whole tree."""

    file: SourceFile
    module: str
    is_package: bool
    size: int = 0  # from the stamp: heaviest files go first
    digest: str = ""  # the content hash the run expects, once known

    def context(self, summaries: ProjectSummaries | None = None) -> ProjectContext:
        from .analysis.project import ProjectContext

        return ProjectContext(self.module, self.is_package, summaries)

    def read(self) -> tuple[str | None, str, FileError | None]:
        return read_file(self.file)


def read_file(file: SourceFile) -> tuple[str | None, str, FileError | None]:
    """Its text (None if unreadable or undecodable), content hash and the error."""
    data, error = read_bytes(file.path, file.display)
    if data is None:
        return None, "", error
    text, error = decode_source(data, file.display)
    return text, content_hash(data), error


@dataclass(frozen=True)
class PhaseOne:
    result: FileResult
    analysed: bool
    summary: ModuleSummary | None
    dependencies: frozenset[str]
    digest: str = ""  # "" when the file could not be read


@dataclass(frozen=True)
class PhaseTwo:
    result: FileResult
    digest: str  # what was linted; differs from Unit.digest if the file changed


@dataclass
class RunStats:
    """What a run did; the benchmark and the cache tests read it."""

    files: int = 0
    read: int = 0  # reads of a file for linting, any phase (an unchanged stamp spares them)
    cached: int = 0
    skipped_by_prepass: int = 0
    parsed: int = 0  # LibCST parses, all phases
    relinted: int = 0  # phase two


@dataclass
class _State:
    unit: Unit
    stamp: str = ""
    entry: Entry | None = None
    final: FileResult | None = None
    deps_digest: str = ""


# -- per-file work (runs in worker processes) -----------------------------------------------


def phase_one(unit: Unit, options: Options) -> PhaseOne:
    display = unit.file.display
    text, digest, error = unit.read()
    if text is None:
        errors = (error,) if error else ()
        return PhaseOne(FileResult(display, errors=errors), False, None, frozenset(), digest)
    if has_skip_file(text):
        return PhaseOne(FileResult(display), False, None, frozenset(), digest)
    # Judging suppressions needs the LibCST pass wherever a suppression comment is.
    prepass = options.prepass and not (options.report_unused_suppressions and might_suppress(text))
    decision = _prepass(text, options) if prepass else None
    if decision is not None and not decision.needed:
        deps = frozenset(_absolute_deps(decision.dependencies, unit))
        return PhaseOne(FileResult(display), False, None, deps, digest)
    from . import engine  # LibCST is imported only when a file needs it

    analyses: list[ModuleAnalysis] = []
    result = engine.lint_source(text, display, options, unit.context(), analyses.append)
    if not analyses:
        return PhaseOne(result, True, None, frozenset(), digest)
    analysis = analyses[0]
    summary = _summary(analysis, unit)
    return PhaseOne(result, True, summary, frozenset(analysis.dependencies), digest)


def summarise_only(unit: Unit, options: Options) -> ModuleSummary | None:
    """A module the pre-pass skipped but an analysed module uses: its summary only."""
    text, _, _ = unit.read()
    if text is None:
        return None

    import libcst as cst

    from . import engine

    def work() -> ModuleSummary | None:
        module = cst.parse_module(text)
        return _summary(
            engine.module_analysis(module, unit.file.display, options, unit.context(), text), unit
        )

    try:
        return work()
    except RecursionError:
        try:
            return engine.run_deep(work)
        except Exception:
            return None
    except Exception:
        return None


def phase_two(unit: Unit, options: Options, summaries: ProjectSummaries) -> PhaseTwo:
    display = unit.file.display
    text, digest, error = unit.read()
    if text is None:
        return PhaseTwo(FileResult(display, errors=(error,) if error else ()), digest)
    from . import engine

    return PhaseTwo(engine.lint_source(text, display, options, unit.context(summaries)), digest)


def _summary(analysis: ModuleAnalysis, unit: Unit) -> ModuleSummary | None:
    from .analysis.summarise import summarise

    try:
        return summarise(analysis, unit.module)
    except RecursionError:
        return None


def _prepass(text: str, options: Options) -> Prepass | None:
    """The pre-pass decision, or None when it cannot be made (LibCST then decides)."""
    from .analysis.prepass import prepass  # only files read need it; a warm run reads none
    from .analysis.settings import AnalysisSettings

    settings = AnalysisSettings.from_config(options.config)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
        return prepass(tree, settings.names, settings.auth_decorators)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        # Syntax errors become FLK000 and deep nesting is handled by the LibCST pass.
        return None


def _absolute_deps(dependencies: Iterable[str], unit: Unit) -> Iterator[str]:
    from .analysis.project import absolute

    for dep in dependencies:
        yield dep if ":" in dep else absolute(dep, unit.module, unit.is_package)


# -- worker plumbing ----------------------------------------------------------------------------

_WORKER: tuple[Options, ProjectSummaries | None] | None = None


def _init(options: Options, summaries: ProjectSummaries | None) -> None:
    global _WORKER
    _WORKER = (options, summaries)


def _phase_one_task(unit: Unit) -> PhaseOne:
    assert _WORKER is not None
    return phase_one(unit, _WORKER[0])


def _summary_task(unit: Unit) -> ModuleSummary | None:
    assert _WORKER is not None
    return summarise_only(unit, _WORKER[0])


def _phase_two_task(unit: Unit) -> PhaseTwo:
    assert _WORKER is not None and _WORKER[1] is not None
    return phase_two(unit, _WORKER[0], _WORKER[1])


def _parallel(
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
        from . import engine  # noqa: F401
    return parallel_map(task, units, jobs, _init, (options, summaries), lambda u: u.size, done)


# -- a whole run ---------------------------------------------------------------------------------


@dataclass
class Runner:
    options: Options
    cwd: Path
    jobs: int
    cache: Cache | None = None
    progress: Progress | None = None
    stats: RunStats = field(default_factory=RunStats)
    tops: Sequence[Path] = ()  # the directories named on the command line
    _done: int = 0

    def run(self, files: Sequence[SourceFile], errors: Iterable[FileError]) -> LintResult:
        self.stats.files = len(files)
        stamps = [(file.display, _stamp(file)) for file in files]
        if self.cache is not None:
            results = self.cache.last_run(stamps)
            if results is not None:  # the same files at the same stamps: nothing changed
                self.stats.cached = len(files)
                if self.progress is not None and files:
                    self.progress(len(files), len(files))
                return self._result(files, results, list(errors))
        states = self._states(files, stamps)
        self._phase_one(states)
        summaries = self._summaries(states)
        self._phase_two(states, summaries)
        finals = [state.final for state in states if state.final is not None]
        if self.cache is not None:
            self.cache.record_run(stamps, _stages(states))
            self.cache.save()
        return self._result(files, finals, list(errors))

    # -- the files and phase one ----------------------------------------------------------

    def _states(
        self, files: Sequence[SourceFile], stamps: Sequence[tuple[str, str]]
    ) -> list[_State]:
        """One state per file; those with an unchanged stamp start from their cache entry."""
        from .analysis.project import ModuleNames

        names = ModuleNames(self.cwd, self.tops)
        states = []
        for file, (_, stamp) in zip(files, stamps, strict=True):
            entry = self.cache.unchanged(file.display, stamp) if self.cache else None
            unit = Unit(
                file,
                names(file.path),
                file.path.name == "__init__.py",
                size=_stamp_size(stamp),
                digest=entry.hash if entry is not None else "",
            )
            states.append(_State(unit, stamp, entry))
            self.stats.cached += entry is not None
        return states

    def _phase_one(self, states: list[_State]) -> None:
        todo: list[_State] = []
        for state in states:
            if state.entry is not None:
                self._tick(len(states))
            else:
                todo.append(state)
        outcomes = _parallel(
            _phase_one_task,
            [s.unit for s in todo],
            self.options,
            self.jobs,
            done=lambda: self._tick(len(states)),
        )
        self.stats.read += len(todo)
        for state, outcome in zip(todo, outcomes, strict=True):
            self.stats.parsed += outcome.analysed
            self.stats.skipped_by_prepass += not outcome.analysed and bool(outcome.digest)
            state.unit = replace(state.unit, digest=outcome.digest)
            state.entry = Entry(
                hash=outcome.digest,
                stamp=state.stamp,
                analysed=outcome.analysed,
                summarised=outcome.summary is not None or outcome.analysed,
                summary=outcome.summary,
                dependencies=outcome.dependencies,
                first=outcome.result,
            )
            if outcome.digest:
                self._store(state)
            else:  # unreadable: reported, and never cached (a chmod keeps the stamp)
                state.final = outcome.result

    def _summaries(self, states: list[_State]) -> ProjectSummaries:
        """Everyone's summaries, computing on demand those of skipped modules in use."""
        by_module = {s.unit.module: s for s in states if s.final is None}
        defining: dict[str, _State | None] = {}  # many modules share a dependency
        wanted: dict[str, _State] = {}
        for state in by_module.values():
            entry = state.entry
            assert entry is not None
            if not entry.analysed:
                continue
            for dep in entry.dependencies:
                if dep in defining:
                    target = defining[dep]
                else:
                    target = defining[dep] = _defining_module(dep, by_module)
                if target is not None and target.entry is not None and not target.entry.summarised:
                    wanted[target.unit.module] = target
        todo = sorted(wanted.values(), key=lambda s: s.unit.file.display)
        outcomes = _parallel(_summary_task, [s.unit for s in todo], self.options, self.jobs)
        self.stats.read += len(todo)
        for state, summary in zip(todo, outcomes, strict=True):
            assert state.entry is not None
            self.stats.parsed += 1
            state.entry.summary = summary
            state.entry.summarised = True
            self._store(state)
        from .analysis.project import ProjectSummaries

        packages = {s.unit.module for s in states if s.unit.is_package}
        return ProjectSummaries.build(
            (
                s.entry.summary
                for s in states
                if s.entry is not None and s.entry.summary is not None
            ),
            packages,
        )

    # -- phase two --------------------------------------------------------------------------

    def _phase_two(self, states: list[_State], summaries: ProjectSummaries) -> None:
        todo: list[_State] = []
        for state in states:
            entry = state.entry
            assert entry is not None
            if state.final is not None:
                continue  # unreadable
            display = state.unit.file.display
            mattering = sorted(d for d in entry.dependencies if summaries.matters(d, display))
            if not mattering:
                state.final = entry.first
                continue
            state.deps_digest = _dependency_digest(mattering, summaries, display)
            if entry.final is not None and entry.final_digest == state.deps_digest:
                state.final = entry.final
            else:
                todo.append(state)
        outcomes = _parallel(
            _phase_two_task, [s.unit for s in todo], self.options, self.jobs, summaries
        )
        self.stats.read += len(todo)
        for state, outcome in zip(todo, outcomes, strict=True):
            assert state.entry is not None
            self.stats.parsed += 1
            self.stats.relinted += 1
            state.final = outcome.result
            if outcome.digest != state.unit.digest:
                # Rewritten since its cache entry (a tool that restores modification
                # times) or during the run: this result is of the text now there, and
                # the next run starts the file afresh.
                if self.cache is not None:
                    self.cache.forget(state.unit.file.display)
                continue
            state.entry.final = outcome.result
            state.entry.final_digest = state.deps_digest
            self._store(state)

    # -- bookkeeping ------------------------------------------------------------------------

    def _store(self, state: _State) -> None:
        if self.cache is not None and state.entry is not None:
            self.cache.put(state.unit.file.display, state.entry)

    def _tick(self, total: int) -> None:
        if self.progress is not None:
            self._done += 1
            self.progress(self._done, total)

    def _result(
        self, files: Sequence[SourceFile], results: Iterable[FileResult], errors: list[FileError]
    ) -> LintResult:
        findings: list[Finding] = []
        with_findings: set[str] = set()
        for result in results:
            findings.extend(result.findings)
            errors.extend(result.errors)
            if result.findings:
                with_findings.add(result.path)
        return LintResult(
            findings=sort_findings(findings),
            errors=tuple(sorted(errors, key=lambda e: (e.path, e.message))),
            files_checked=self.stats.files,
            enabled=tuple(sorted(self.options.enabled)),
            sources=Sources({f.display: f for f in files if f.display in with_findings}),
        )


class Sources(Mapping[str, str]):
    """The text of each file with findings, read and decoded only if a reporter asks.

    JSON and GitHub output never look; text and SARIF read only the files they show.
    """

    def __init__(self, files: dict[str, SourceFile]) -> None:
        self._files = files
        self._texts: dict[str, str | None] = {}

    def __getitem__(self, path: str) -> str:
        if path not in self._texts:
            self._texts[path] = read_file(self._files[path])[0]
        text = self._texts[path]
        if text is None:
            raise KeyError(path)
        return text

    def __iter__(self) -> Iterator[str]:
        return iter([path for path in self._files if path in self])

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, path: object) -> bool:
        if not isinstance(path, str) or path not in self._files:
            return False
        try:
            self[path]
        except KeyError:
            return False
        return True


def _stages(states: Iterable[_State]) -> dict[str, str] | None:
    """For each file with something to report, which result of its entry is final
    (None if one's is in no entry: the next run must not take this one's word)."""
    stages = {}
    for state in states:
        final, entry = state.final, state.entry
        if final is None or not (final.findings or final.errors):
            continue
        if entry is not None and final is entry.first:
            stages[final.path] = "first"
        elif entry is not None and final is entry.final:
            stages[final.path] = "final"
        else:
            return None
    return stages


def _stamp(file: SourceFile) -> str:
    return file.stamp if file.stamp is not None else file_stamp(file.path)


def _stamp_size(stamp: str) -> int:
    return int(stamp.rpartition(":")[2] or 0)


def _defining_module(dependency: str, by_module: dict[str, _State]) -> _State | None:
    """The project module a dependency (``svc.keys.fingerprint``) points into, if any."""
    from .analysis.project import NAME_USES, split_dependency

    kind, name = split_dependency(dependency)
    if kind not in NAME_USES and kind != "any":
        return None  # g:, session:, status: are not names of a module
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        state = by_module.get(".".join(parts[:end]))
        if state is not None:
            return state
    return None


def _dependency_digest(
    dependencies: Sequence[str], summaries: ProjectSummaries, own_path: str
) -> str:
    """Changes exactly when what these dependencies resolve to changes."""
    digest = hashlib.sha256()
    for dep in dependencies:
        digest.update(dep.encode())
        digest.update(summaries.describe(dep, own_path).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()[:20]


def default_cache_dir(options: Options, cwd: Path) -> Path:
    return Path(options.config.root or cwd) / CACHE_DIR


def run(
    paths: Sequence[str],
    options: Options,
    *,
    cwd: Path | None = None,
    jobs: int | None = None,
    force_exclude: bool = False,
    progress: Progress | None = None,
    cache_dir: Path | None = None,
    stats: RunStats | None = None,
) -> LintResult:
    """Lint ``paths`` as one project. ``cache_dir=None`` runs without a cache."""
    cwd = cwd or Path.cwd()
    files, errors = discover(paths, options.config, cwd, force_exclude)
    cache = Cache.load(cache_dir, run_key(options.config, options.enabled)) if cache_dir else None
    workers = jobs if jobs and jobs > 0 else (os.cpu_count() or 1)
    tops = [path for path in (cwd / p for p in paths) if path.is_dir()]
    runner = Runner(options, cwd, workers, cache, progress, stats or RunStats(), tops)
    return runner.run(files, errors)
