"""A whole run: discover, consult the cache, then (if anything changed) the two phases.

A run over the same files at the same stamps as the last one is answered by the
cache without reading a file or importing the analysis (the warm path). Otherwise
``phases.py`` reads, analyses and summarises what changed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..core import catalog
from ..core.findings import INPUT_ERROR_KINDS, input_failure
from ..core.model import FileError, FileResult, Finding, LintResult, sort_findings
from ..core.options import Options
from .cache import CACHE_DIR, Cache, CorruptCache, file_stamp, run_key
from .context import Buffer, Discovery, discover_project
from .discovery import SourceFile
from .source import read_file
from .stats import RunStats

if TYPE_CHECKING:
    from .phases import Project

Progress = Callable[[int, int], None]


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
    # With ``want_project``, the run keeps everyone's summaries (``project``) even when
    # the cache could answer without them.
    want_project: bool = False
    project: Project | None = None  # after a run that was not answered by the cache
    _done: int = 0

    def run(self, found: Discovery) -> LintResult:
        """Lint ``found.targets`` (with ``found.context``, the rest of their projects)."""
        targets, files = found.targets, found.files
        self.stats.files, self.stats.context = len(targets), len(found.context)
        stamps = [(file.display, _stamp(file), True) for file in targets]
        stamps += [(file.display, _stamp(file), False) for file in found.context]
        buffered = any(file.data is not None for file in targets)
        if self.cache is not None and not self.want_project and not buffered:
            results = self.cache.last_run(stamps)
            if results is not None:  # the same files at the same stamps: nothing changed
                self.stats.cached = len(files)
                if self.progress is not None and files:
                    self.progress(len(files), len(files))
                return self._result(targets, results, list(found.errors))
        # The warm path ends here: what follows reads, analyses and summarises files.
        from .phases import Phases

        try:
            phases = Phases(self.options, self.cwd, self.jobs, self.cache, self.stats, self.tops)
            finals = phases.run(files, stamps, lambda: self._tick(len(files)))
        except CorruptCache:
            # Damaged where only a lazily decoded part shows it: start afresh without it.
            assert self.cache is not None  # nothing else raises it
            self.cache, self.stats.cached, self._done = self.cache.emptied(), 0, 0
            phases = Phases(self.options, self.cwd, self.jobs, self.cache, self.stats, self.tops)
            finals = phases.run(files, stamps, lambda: self._tick(len(files)))
        self.project = phases.project
        return self._result(targets, finals, list(found.errors))

    # -- bookkeeping ------------------------------------------------------------------------

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
        found_before = len(findings)
        errors = fail_closed(errors, findings, self.options)
        # A named path that could not even be opened (a symbolic link loop) was checked too.
        unopened = {f.path for f in findings[found_before:]} - {f.display for f in files}
        return LintResult(
            findings=sort_findings(findings),
            errors=tuple(sorted(errors, key=lambda e: (e.path, e.message))),
            files_checked=self.stats.files + len(unopened),
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


def fail_closed(
    errors: Iterable[FileError], findings: list[Finding], options: Options
) -> list[FileError]:
    """Input that could not be read or decoded becomes an FLK000 finding (appended to
    ``findings``), so the run fails; the errors left are returned. With FLK000 switched
    off such errors stay errors, and the run exits 2 (see ``modes/session.py``)."""
    if catalog.PARSE_ERROR not in options.enabled:
        return list(errors)
    kept = []
    for error in errors:
        if error.kind in INPUT_ERROR_KINDS:
            findings.append(input_failure(error))
        else:
            kept.append(error)
    return kept


def _stamp(file: SourceFile) -> str:
    if file.data is not None:
        return ""  # a buffer: not the file of that name
    return file.stamp if file.stamp is not None else file_stamp(file.path)


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
    buffer: Buffer | None = None,
) -> LintResult:
    """Lint ``paths`` (or a buffer) as one project. ``cache_dir=None`` runs without a cache."""
    return run_project(
        paths,
        options,
        cwd=cwd,
        jobs=jobs,
        force_exclude=force_exclude,
        progress=progress,
        cache_dir=cache_dir,
        stats=stats,
        buffer=buffer,
    )[0]


def run_project(
    paths: Sequence[str],
    options: Options,
    *,
    cwd: Path | None = None,
    jobs: int | None = None,
    force_exclude: bool = False,
    progress: Progress | None = None,
    cache_dir: Path | None = None,
    stats: RunStats | None = None,
    want_project: bool = False,
    buffer: Buffer | None = None,
) -> tuple[LintResult, Project | None]:
    """Lint ``paths`` -- or ``buffer``, standard input named as a file -- as one project,
    named files and the buffer with the rest of their projects as context (``context.py``);
    with ``want_project``, also return what the run learnt of the project."""
    cwd = cwd or Path.cwd()
    found = discover_project(paths, options.config, cwd, force_exclude, buffer)
    cache = Cache.load(cache_dir, run_key(options.config, options.enabled)) if cache_dir else None
    workers = jobs if jobs and jobs > 0 else (os.cpu_count() or 1)
    named = () if buffer is not None else paths
    tops = [path for path in (cwd / p for p in named) if path.is_dir()] + found.roots
    runner = Runner(options, cwd, workers, cache, progress, stats or RunStats(), tops, want_project)
    result = runner.run(found)
    return result, runner.project
