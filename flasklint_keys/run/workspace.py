"""A project kept loaded: what a resident process (the language server) lints against.

The workspace is loaded once by an ordinary run (the result cache makes a warm
load cheap) and then kept up to date file by file: an edited buffer is linted
exactly as a run would lint it — phase one, and phase two when what it uses of
other modules matters — and its module's summary is recomputed when another
module uses it, so that modules depending on what changed are linted again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..analysis.project import (
    ModuleNames,
    ProjectContext,
    ProjectSummaries,
    absolute,
    points_into,
)
from ..analysis.summary import ModuleSummary
from ..core.model import FileResult, LintResult
from ..core.options import Options
from . import seam
from .discovery import display_path
from .phases import Project
from .runner import run_project
from .worker import lint_text


@dataclass(frozen=True)
class Linted:
    """One buffer's result, and what it told about its module."""

    result: FileResult
    summary: ModuleSummary | None
    dependencies: frozenset[str]


@dataclass
class Workspace:
    root: Path
    options: Options
    cache_dir: Path | None = None
    jobs: int | None = None
    result: LintResult | None = None  # of the load: every file as it is on disk
    places: dict[str, tuple[str, bool]] = field(default_factory=dict)
    dependencies: dict[str, frozenset[str]] = field(default_factory=dict)
    modules: dict[str, ModuleSummary] = field(default_factory=dict)  # by module name
    summaries: ProjectSummaries = field(default_factory=ProjectSummaries)
    _names: ModuleNames | None = None

    def load(self) -> LintResult:
        """Lint the whole workspace (through the cache) and keep what it learnt."""
        result, project = run_project(
            ["."],
            self.options,
            cwd=self.root,
            jobs=self.jobs,
            cache_dir=self.cache_dir,
            want_project=True,
        )
        self.result = result
        self._adopt(project)
        return result

    def _adopt(self, project: Project | None) -> None:
        if project is None:
            return
        self.places = dict(project.places)
        self.dependencies = dict(project.dependencies)
        summaries = project.summaries or ProjectSummaries()
        self.modules = dict(summaries.modules)
        self.summaries = summaries

    # -- one file ----------------------------------------------------------------------

    def display(self, path: Path) -> str:
        return display_path(path, self.root)

    def place(self, display: str) -> tuple[str, bool]:
        known = self.places.get(display)
        if known is not None:
            return known
        if self._names is None:
            self._names = ModuleNames(self.root, [self.root])
        path = self.root / display
        return self._names(path), path.name == "__init__.py"

    def context(self, display: str) -> ProjectContext:
        """The file's place in the project, with everyone's current summaries."""
        module, is_package = self.place(display)
        return ProjectContext(module, is_package, self.summaries)

    def lint(self, display: str, text: str) -> Linted:
        """Lint ``text`` as the file ``display`` of this workspace: the findings a whole
        run would report for it if the file held this text."""
        module, is_package = self.place(display)
        alone = ProjectContext(module, is_package)
        analysed, result, summary, dependencies = lint_text(
            text, display, self.options, alone, summarise_as=module
        )
        if not analysed:
            dependencies = frozenset(
                dep if ":" in dep else absolute(dep, module, is_package) for dep in dependencies
            )
        if any(self.summaries.matters(dep, display) for dep in dependencies):
            with_project = ProjectContext(module, is_package, self.summaries)
            result = seam.lint_source(text, display, self.options, with_project)
        return Linted(result, summary, dependencies)

    def update(self, display: str, text: str, linted: Linted) -> list[str]:
        """Take an edited file's new state into account; the files whose findings may
        change because of it (its dependents), in display order."""
        module, is_package = self.place(display)
        self.places[display] = (module, is_package)
        self.dependencies[display] = linted.dependencies
        summary = linted.summary
        if summary is None and (module in self.modules or self._used(module)):
            summary = seam.summarise_file(
                text, display, self.options, ProjectContext(module, is_package), module
            )
        old = self.modules.get(module)
        if summary == old:
            return []
        if summary is None:
            self.modules.pop(module, None)
        else:
            self.modules[module] = summary
        packages = {name for name, (_, package) in self.places.items() if package}
        self.summaries = ProjectSummaries.build(self.modules.values(), packages)
        shared = _project_wide_changes(old, summary)
        return sorted(self._dependents(module, exclude=display, shared=shared))

    def _used(self, module: str) -> bool:
        return any(self._dependents(module, exclude=""))

    def _dependents(
        self, module: str, exclude: str, shared: frozenset[str] = frozenset()
    ) -> Iterable[str]:
        for display, dependencies in self.dependencies.items():
            if display == exclude:
                continue
            if any(dep in shared or points_into(dep, module) for dep in dependencies):
                yield display


def _project_wide_changes(old: ModuleSummary | None, new: ModuleSummary | None) -> frozenset[str]:
    """Dependencies on what any module may provide (``g.x``, ``session[k]``, a logging
    error handler) that a module's new summary changes."""
    changed: set[str] = set()
    for kind, pick in (
        ("g", lambda s: dict(s.g_attrs)),
        ("session", lambda s: dict(s.session_keys)),
        ("status", lambda s: {str(status): True for status in s.logged_statuses}),
    ):
        before = pick(old) if old is not None else {}
        after = pick(new) if new is not None else {}
        changed.update(
            f"{kind}:{key}"
            for key in before.keys() | after.keys()
            if before.get(key) != after.get(key)
        )
    return frozenset(changed)
