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
    NAME_USES,
    ModuleNames,
    ProjectContext,
    ProjectSummaries,
    absolute,
    changed_aggregates,
    split_dependency,
)
from ..analysis.summary import ModuleSummary
from ..core.model import FileResult, LintResult
from ..core.options import Options
from . import seam
from .discovery import display_path
from .phases import Project
from .runner import run_project
from .worker import lint_text, project_imports


@dataclass(frozen=True)
class Linted:
    """One buffer's result, and what it told about its module."""

    result: FileResult
    summary: ModuleSummary | None
    dependencies: frozenset[str]
    reexports: tuple[tuple[str, str], ...] = ()  # skipped by the pre-pass: see PhaseOne


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
    _binding_index: dict[str, set[str]] | None = None
    reexports: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    _users: dict[str, bool] = field(default_factory=dict)  # module -> used by another file

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
        self._binders()  # now rather than at the first edit
        return result

    def _adopt(self, project: Project | None) -> None:
        if project is None:
            return
        self.places = dict(project.places)
        self.dependencies = dict(project.dependencies)
        summaries = project.summaries or ProjectSummaries()
        self.modules = dict(summaries.modules)
        self.reexports = {m: tuple(names.items()) for m, names in summaries.reexports.items()}
        self.summaries = summaries
        self._binding_index = None
        self._users.clear()

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
        with seam.trees_kept(1):  # the second pass, if any, parses nothing
            analysed, result, summary, dependencies, imports = lint_text(
                text, display, self.options, alone, summarise_as=module
            )
            if not analysed:
                dependencies = frozenset(
                    dep if ":" in dep else absolute(dep, module, is_package) for dep in dependencies
                )
            if any(self.summaries.matters(dep, display) for dep in dependencies):
                with_project = ProjectContext(module, is_package, self.summaries)
                result = seam.lint_source(text, display, self.options, with_project)
        return Linted(result, summary, dependencies, project_imports(imports, module, is_package))

    def update(self, display: str, text: str, linted: Linted) -> list[str]:
        """Take an edited file's new state into account; the files whose findings may
        change because of it (its dependents), in display order."""
        module, is_package = self.place(display)
        self.places[display] = (module, is_package)
        if self.dependencies.get(display) != linted.dependencies:
            self._users.clear()  # who uses what may have changed
        self.dependencies[display] = linted.dependencies
        summary = linted.summary
        if summary is None and (module in self.modules or self._used(module, display)):
            summary = seam.summarise_file(
                text, display, self.options, ProjectContext(module, is_package), module
            )
        old = self.modules.get(module)
        old_bindings = self._bindings_of(module)
        reexports = linted.reexports if summary is None else ()
        if summary == old and reexports == self.reexports.get(module, ()):
            return []
        if summary is None:
            self.modules.pop(module, None)
        else:
            self.modules[module] = summary
        if reexports:
            self.reexports[module] = reexports
        else:
            self.reexports.pop(module, None)
        packages = {name for name, package in self.places.values() if package}
        self.summaries = ProjectSummaries.build(self.modules.values(), packages, self.reexports)
        self._rebind(module, old_bindings)
        self._users.clear()
        shared, kinds = _project_wide_changes(old, summary)
        names = {module} | self._reexported(module)
        return sorted(self._dependents(names, exclude=display, shared=shared, kinds=kinds))

    def _used(self, module: str, display: str) -> bool:
        """Does another file use a name of ``module`` (its file: ``display``)? Asked at
        each edit of a module without a summary: the answer is kept while nobody's
        dependencies or summary change (typing in one file changes neither, mostly)."""
        used = self._users.get(module)
        if used is None:
            names = {module} | self._reexported(module)
            used = self._users[module] = any(self._dependents(names, exclude=display))
        return used

    def _dependents(
        self,
        names: set[str],
        exclude: str,
        shared: frozenset[str] = frozenset(),
        kinds: frozenset[str] = frozenset(),
    ) -> Iterable[str]:
        """Files with a dependency on one of ``names`` (modules or names in them), on one
        of the ``shared`` facts, or of one of the ``kinds``."""
        for display, dependencies in self.dependencies.items():
            if display != exclude and any(
                _reaches(dep, names, shared, kinds) for dep in dependencies
            ):
                yield display

    # -- re-exports: ``svc.get_key`` reaches ``svc.keys`` through ``svc/__init__.py`` ---------

    def _reexported(self, module: str) -> set[str]:
        """The names other modules bind to a name of ``module``, directly or through
        one another (``from .keys import get_key`` in ``svc``: ``svc.get_key``)."""
        index = self._binders()
        found: set[str] = set()
        frontier = {module}
        while frontier:
            frontier = {b for name in frontier for b in index.get(name, ()) if b not in found}
            found |= frontier
        return found

    def _binders(self) -> dict[str, set[str]]:
        """Every prefix of every binding's target -> the names bound to it (kept up to date
        module by module: built once)."""
        if self._binding_index is None:
            self._binding_index = {}
            for module in [*self.modules, *self.reexports]:
                self._index(module, self._bindings_of(module), add=True)
        return self._binding_index

    def _bindings_of(self, module: str) -> tuple[tuple[str, str], ...]:
        """(local, absolute target) of what the module binds by importing."""
        summary = self.modules.get(module)
        if summary is None:
            return self.reexports.get(module, ())
        package = module in self.summaries.packages
        return tuple((local, absolute(t, module, package)) for local, t in summary.bindings)

    def _rebind(self, module: str, old: tuple[tuple[str, str], ...]) -> None:
        if self._binding_index is None:
            return  # built when first asked for, from the summaries then
        self._index(module, old, add=False)
        self._index(module, self._bindings_of(module), add=True)

    def _index(self, module: str, bindings: Iterable[tuple[str, str]], add: bool) -> None:
        assert self._binding_index is not None
        for local, target in bindings:
            bound = f"{module}.{local}"
            parts = target.split(".")
            for end in range(1, len(parts) + 1):
                prefix = ".".join(parts[:end])
                if add:
                    self._binding_index.setdefault(prefix, set()).add(bound)
                else:
                    self._binding_index.get(prefix, set()).discard(bound)


def _reaches(
    dependency: str, names: set[str], shared: frozenset[str], kinds: frozenset[str]
) -> bool:
    if dependency in shared:
        return True
    kind, name = split_dependency(dependency)
    if kind in kinds:
        return True
    if kind not in NAME_USES and kind != "any":
        return False
    # ``name`` or one of its prefixes (``svc.keys`` of ``svc.keys.get_key``) is named.
    end = name.find(".")
    while end != -1:
        if name[:end] in names:
            return True
        end = name.find(".", end + 1)
    return name in names


EXACT_KINDS = frozenset({"g", "session", "status"})  # changes told apart key by key


def _project_wide_changes(
    old: ModuleSummary | None, new: ModuleSummary | None
) -> tuple[frozenset[str], frozenset[str]]:
    """What a module's new summary changes of what any module may provide: dependencies
    (``g:x``, ``session:k``, ``status:401``), and whole kinds (``raised``, ...)."""
    kinds = changed_aggregates(old, new) - EXACT_KINDS
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
    return frozenset(changed), kinds
