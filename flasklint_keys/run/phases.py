"""The analysing part of a run: phase one, summaries on demand, phase two — in parallel.

Phase one lints every changed file with imports opaque — after an ``ast``
pre-pass that sends only files with a relevant construct to LibCST — and
extracts each analysed module's summary and the project symbols it consulted.
Modules that an analysed module uses but the pre-pass skipped are summarised
on demand. Phase two re-lints, with everyone's summaries, exactly the modules
whose dependencies turned out to matter; a cached phase-two result is reused
while the summaries it depended on are unchanged.

Judging a module's dependencies is traced (``ProjectSummaries.tracing``): what
it looked up is kept in its entry (``consults``). A run over the files of a
remembered run, after an edit, judges again only the modules whose consults
meet what the edit changed (modules' summaries, project-wide facts); the others
report what they did in that run.

A run over named files (pre-commit) or a buffer (an editor) also has *context*:
the rest of their projects (``context.py``). Context files go through phase one
(from the cache when unchanged) for their summaries, and never through phase
two: only the reported files are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..analysis.project import (
    NAME_USES,
    Memo,
    ModuleNames,
    ProjectContext,
    ProjectSummaries,
    changed_aggregates,
    points_into,
    split_dependency,
)
from ..analysis.summary import ModuleSummary
from ..core.model import FileResult
from ..core.options import Options
from . import seam
from .cache import Cache, Entry, LastRun, Results, Stamp, summary_digest
from .discovery import SourceFile
from .pool import tune_gc
from .stats import RunStats
from .worker import Unit, in_parallel, phase_one_task, phase_two_task, summary_task


@dataclass(frozen=True)
class Project:
    """What a run learnt of the project: where each file sits and everyone's summaries.

    Fixing and ``--add-noqa`` re-analyse files in this context, so that they see
    exactly the findings (and fixes) the report showed, cross-module ones included.
    """

    places: Mapping[str, tuple[str, bool]]  # display path -> (module name, is a package)
    summaries: ProjectSummaries | None = None
    # display path -> what its analysis consulted of other modules (``value:pkg.keys.get``)
    dependencies: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def context(self, display: str) -> ProjectContext:
        module, is_package = self.places.get(display, ("", False))
        return ProjectContext(module, is_package, self.summaries)

    def uses(self, display: str, other: str) -> bool:
        """Whether what is found in ``display`` may depend on the file ``other``: it uses a
        name of ``other``'s module, or something any module may provide (``g.x``,
        ``session[k]``, a logging error handler)."""
        module = self.places.get(other, ("", False))[0]
        return any(
            points_into(dep, module) or split_dependency(dep)[0] in PROJECT_WIDE
            for dep in self.dependencies.get(display, ())
        )


PROJECT_WIDE = frozenset({"g", "session", "status"})
# Up to this many changed files keep their syntax trees between the two phases.
KEPT_TREES = 8


@dataclass
class _State:
    unit: Unit
    stamp: str = ""
    entry: Entry | None = None
    final: FileResult | None = None
    deps_digest: str = ""
    reported: bool = True  # False: context, linted for its summary only
    fresh: bool = False  # went through phase one in this run (no entry at its stamp)

    @property
    def buffered(self) -> bool:
        """An editor's buffer: never cached (it has no stamp, and is not the file)."""
        return self.unit.file.data is not None


@dataclass
class Phases:
    options: Options
    cwd: Path
    jobs: int
    cache: Cache | None
    stats: RunStats
    tops: Sequence[Path] = ()  # the directories named on the command line
    project: Project | None = None
    _tick: Callable[[], None] = field(default=lambda: None)

    def run(
        self,
        files: Sequence[SourceFile],
        stamps: Sequence[Stamp],
        tick: Callable[[], None],
    ) -> list[FileResult]:
        """Each reported file's final result (with the cache updated and saved)."""
        self._tick = tick
        tune_gc()  # decoding the cache's entries allocates as much as linting does
        states = self._states(files, stamps)
        since = self._since(states, stamps)
        changed = sum(state.entry is None for state in states)
        # The few files an edit changed are linted twice here: parse each once.
        with seam.trees_kept(changed if changed <= KEPT_TREES else 0):
            self._phase_one(states)
            summaries = self._summaries(states, since is not None)
            digest = project_digest(_known(states))
            self.project = Project(
                {s.unit.file.display: (s.unit.module, s.unit.is_package) for s in states},
                summaries,
                _Dependencies(
                    {
                        s.unit.file.display: s.entry
                        for s in states
                        if s.entry is not None and s.final is None
                    }
                ),
            )
            self._phase_two(states, summaries, since)
        if self.cache is not None:
            if not any(state.buffered for state in states):
                self.cache.record_run(stamps, _stages(states), digest)
            self.cache.save()
        return [state.final for state in states if state.reported and state.final is not None]

    # -- the files and phase one ----------------------------------------------------------

    def _states(self, files: Sequence[SourceFile], stamps: Sequence[Stamp]) -> list[_State]:
        """One state per file; those with an unchanged stamp start from their cache entry."""
        names = ModuleNames(self.cwd, self.tops)
        states = []
        for file, (_, stamp, reported) in zip(files, stamps, strict=True):
            buffered = file.data is not None
            entry = (
                self.cache.unchanged(file.display, stamp) if self.cache and not buffered else None
            )
            unit = Unit(
                file,
                names(file.path),
                file.path.name == "__init__.py",
                size=_stamp_size(stamp),
                digest=entry.hash if entry is not None else "",
            )
            states.append(_State(unit, stamp, entry, reported=reported))
            self.stats.cached += entry is not None
        return states

    def _since(self, states: list[_State], stamps: Sequence[Stamp]) -> _Since | None:
        """The remembered run over these files at the stamps their entries have (before
        this run), if everyone's summaries then are what the entries say."""
        if self.cache is None:
            return None
        previous = self.cache.previous_run([(name, reported) for name, _, reported in stamps])
        if previous is None:
            return None
        before: dict[str, tuple[str, ModuleSummary | None]] = {}
        entries = []
        for state in states:
            display = state.unit.file.display
            entry = state.entry or self.cache.recorded(display)
            if entry is None:
                return None
            entries.append((state.unit, entry))
            before[display] = (summary_digest(entry), entry.summary)  # a snapshot
        if project_digest(entries) != previous.summaries:
            return None  # another run changed a summary since (one known on demand)
        return _Since(previous, before)

    def _phase_one(self, states: list[_State]) -> None:
        todo: list[_State] = []
        for state in states:
            if state.entry is not None:
                self._tick()
            else:
                state.fresh = True
                todo.append(state)
        outcomes = in_parallel(
            phase_one_task,
            [s.unit for s in todo],
            self.options,
            self.jobs,
            done=lambda: self._tick(),
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
                results=Results(outcome.dependencies, outcome.result),
                reexports=outcome.reexports,
            )
            if outcome.digest:
                self._store(state)
            else:  # unreadable: reported, and never cached (a chmod keeps the stamp)
                state.final = outcome.result

    def _summaries(self, states: list[_State], remembered: bool) -> ProjectSummaries:
        """Everyone's summaries, computing on demand those of skipped modules in use
        (with a ``remembered`` run: only what the changed modules use may be missing)."""
        by_module = {s.unit.module: s for s in states if s.final is None}
        defining: dict[str, _State | None] = {}  # many modules share a dependency
        wanted: dict[str, _State] = {}
        askers = list(by_module.values())
        if remembered and all(
            s.entry is not None and s.entry.summarised for s in states if s.fresh
        ):
            # What the unchanged modules use was summarised for the remembered run,
            # and no changed module lost a summary: only the changed ones may want more.
            askers = [s for s in askers if s.fresh]
        for state in askers:
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
        outcomes = in_parallel(summary_task, [s.unit for s in todo], self.options, self.jobs)
        self.stats.read += len(todo)
        for state, summary in zip(todo, outcomes, strict=True):
            assert state.entry is not None
            self.stats.parsed += 1
            state.entry.summary = summary
            state.entry.summarised = True
            state.entry.summary_digest = ""  # of what it had before
            self._store(state)
        packages = {s.unit.module for s in states if s.unit.is_package}
        entries = [(s.unit.module, s.entry) for s in states if s.entry is not None]
        return ProjectSummaries.build(
            (entry.summary for _, entry in entries if entry.summary is not None),
            packages,
            {
                module: entry.reexports
                for module, entry in entries
                if entry.summary is None and entry.reexports
            },
        )

    # -- phase two --------------------------------------------------------------------------

    def _phase_two(
        self, states: list[_State], summaries: ProjectSummaries, since: _Since | None
    ) -> None:
        todo: list[_State] = []
        relevance = _Relevance(summaries)
        universe = _module_names(states)
        touched = since.touched(states, summaries) if since is not None else frozenset()
        for state in states:
            entry = state.entry
            assert entry is not None
            if state.final is not None or not state.reported:
                continue  # unreadable, or context
            if since is not None and self._remember(state, since.previous, touched):
                continue
            display = state.unit.file.display
            with summaries.tracing() as looked:
                mattering = sorted(d for d in entry.dependencies if relevance.matters(d, display))
                if mattering:
                    state.deps_digest = relevance.digest(mattering, display)
            consults = tuple(sorted(n for n in looked if n in universe or n.startswith("@")))
            if consults != entry.consults:
                entry.consults = consults
                self._store(state)
            if not mattering:
                state.final = entry.first
            elif entry.final is not None and entry.final_digest == state.deps_digest:
                state.final = entry.final
            else:
                todo.append(state)
        outcomes = in_parallel(
            phase_two_task, [s.unit for s in todo], self.options, self.jobs, summaries
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
            state.entry.relinted(outcome.result, state.deps_digest)
            self._store(state)

    def _remember(self, state: _State, previous: LastRun, touched: frozenset[str]) -> bool:
        """Does the file report what it did in the remembered run? Yes if its text is as
        then and nothing its judgement looked up then has changed since (``touched``)."""
        entry = state.entry
        if state.fresh or entry is None or entry.consults is None:
            return False
        if not touched.isdisjoint(entry.consults):
            return False
        state.final = _remembered(previous, state.unit.file.display, entry)
        self.stats.remembered += state.final is not None
        return state.final is not None

    # -- bookkeeping ------------------------------------------------------------------------

    def _store(self, state: _State) -> None:
        if self.cache is not None and state.entry is not None and not state.buffered:
            self.cache.put(state.unit.file.display, state.entry)


def _stages(states: Iterable[_State]) -> dict[str, str] | None:
    """For each file with something to report, which result of its entry is final
    (None if one's is in no entry: the next run must not take this one's word)."""
    stages = {}
    for state in states:
        final, entry = state.final, state.entry
        if not state.reported or final is None or not (final.findings or final.errors):
            continue
        if entry is not None and final is entry.first:
            stages[final.path] = "first"
        elif entry is not None and final is entry.final:
            stages[final.path] = f"final:{entry.final_digest}"
        else:
            return None
    return stages


def _remembered(previous: LastRun, display: str, entry: Entry) -> FileResult | None:
    """What a file reported in the remembered run (None if its entry no longer holds it:
    re-linted since by a run that knew other summaries)."""
    stage = previous.stages.get(display)
    if stage is None:
        return FileResult(display)  # it had nothing to report
    if stage == "first":
        return entry.first
    if entry.final is not None and stage == f"final:{entry.final_digest}":
        return entry.final
    return None


def project_digest(known: Iterable[tuple[Unit, Entry | None]]) -> str:
    """Changes exactly when what phase two knows of the project changes: the files,
    their module names and everyone's summaries."""
    digest = hashlib.blake2b(digest_size=16)
    for unit, entry in known:
        summary = summary_digest(entry) if entry is not None else ""
        package = "p" if unit.is_package else "m"
        line = f"{unit.file.display}\0{unit.module}\0{package}\0{summary}\n"
        digest.update(line.encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


class _Dependencies(Mapping[str, frozenset[str]]):
    """Each file's dependencies, decoded from the cache when asked for (by ``--fix``,
    and the language server: most runs never ask)."""

    def __init__(self, entries: dict[str, Entry]) -> None:
        self._entries = entries

    def __getitem__(self, display: str) -> frozenset[str]:
        return self._entries[display].dependencies

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


def _known(states: Iterable[_State]) -> Iterator[tuple[Unit, Entry | None]]:
    return ((state.unit, state.entry) for state in states)


@dataclass(frozen=True)
class _Since:
    """The remembered run (same files; the stamps and summaries the entries had before
    this run), and each file's entry as it knew it."""

    previous: LastRun
    before: dict[str, tuple[str, ModuleSummary | None]]  # display -> summary digest, summary

    def touched(self, states: Iterable[_State], summaries: ProjectSummaries) -> frozenset[str]:
        """What changed since, as a judgement would have looked it up: the names of the
        modules whose summaries changed (and their dotted suffixes, which a lookup by a
        shorter name may end at), and the project-wide facts (``@raised``) they changed."""
        modules: set[str] = set()
        kinds: set[str] = set()
        for state in states:
            (digest, summary), new = self.before[state.unit.file.display], state.entry
            if digest != (summary_digest(new) if new is not None else ""):
                modules.add(state.unit.module)
                kinds |= changed_aggregates(summary, new.summary if new else None)
        names = {suffix for module in modules for suffix in _suffixes(module)}
        if not names.isdisjoint(summaries.exception_lookups()):
            kinds.add("raised")  # a class raised somewhere may be named otherwise now
        return frozenset(names | {f"@{kind}" for kind in kinds})


def _suffixes(module: str) -> Iterator[str]:
    """``a.b.c`` -> ``a.b.c``, ``b.c``, ``c``."""
    parts = module.split(".")
    for start in range(len(parts)):
        yield ".".join(parts[start:])


def _module_names(states: Iterable[_State]) -> frozenset[str]:
    """Every name a lookup could find a module of this project by (all its suffixes)."""
    return frozenset(suffix for state in states for suffix in _suffixes(state.unit.module))


def _stamp_size(stamp: str) -> int:
    return int(stamp.rpartition(":")[2] or 0)


def _defining_module(dependency: str, by_module: dict[str, _State]) -> _State | None:
    """The project module a dependency (``svc.keys.fingerprint``) points into, if any."""
    kind, name = split_dependency(dependency)
    if kind not in NAME_USES and kind != "any":
        return None  # g:, session:, status: are not names of a module
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        state = by_module.get(".".join(parts[:end]))
        if state is not None:
            return state
    return None


class _Relevance:
    """``ProjectSummaries.matters`` and ``describe`` for every module of a run, each
    dependency on a name judged once: thousands of modules ask about the same helpers.
    Dependencies on a name of a module (``value:``, ``sink:``, ...) are judged once, and
    ``matters`` only asks whether the name is the asker's own; every other kind (``g:``,
    ``session:``, ``raised:``, ``headers:``, ...) may depend on who asks (a class
    defined here and raised elsewhere, a module's own assignments), so it is asked as is."""

    def __init__(self, summaries: ProjectSummaries) -> None:
        self.summaries = summaries
        # Each answer with what it looked up (``ProjectSummaries.remembered``), so that
        # tracing what a module's judgement depended on sees it on every answer.
        self._verdicts: Memo[tuple[str | None, bool]] = {}
        self._described: Memo[bytes] = {}

    def matters(self, dependency: str, own_path: str) -> bool:
        if dependency not in self._verdicts and not _shared(split_dependency(dependency)[0]):
            return self.summaries.matters(dependency, own_path)
        defined_in, mattering = self.summaries.remembered(
            self._verdicts, dependency, lambda: self._verdict(dependency)
        )
        return mattering and defined_in != own_path

    def _verdict(self, dependency: str) -> tuple[str | None, bool]:
        kind, name = split_dependency(dependency)
        found = self.summaries.locate(name)
        if found is None and kind != "binding":
            # Nothing of the project (most are: ``sink:json.dumps``); a binding may
            # still name a class attribute (``pkg.errors.Error.CODE``).
            return None, False
        defined_in = found[0].path if found is not None else None
        # Asked for nobody's path: does it matter to a module defining it elsewhere?
        return defined_in, self.summaries.matters(dependency, "\0")

    def digest(self, dependencies: Sequence[str], own_path: str) -> str:
        """Changes exactly when what these dependencies resolve to changes."""
        digest = hashlib.sha256()
        for dep in dependencies:
            digest.update(dep.encode())
            digest.update(self._describe(dep, own_path))
        return digest.hexdigest()[:20]

    def _describe(self, dependency: str, own_path: str) -> bytes:
        if not _shared(split_dependency(dependency)[0]):
            return self._encode(self.summaries.describe(dependency, own_path))
        return self.summaries.remembered(
            self._described,
            dependency,
            lambda: self._encode(self.summaries.describe(dependency, own_path)),
        )

    @staticmethod
    def _encode(text: str) -> bytes:
        return text.encode("utf-8", "surrogateescape")


def _shared(kind: str) -> bool:
    """Is a dependency of this kind judged the same for every asker (but its own module)?"""
    return kind in NAME_USES or kind == "any"
