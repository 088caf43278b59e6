"""The project as a whole: module names, import resolution, and everyone's summaries.

Only modules of the project are followed; a qualified name that no project
module defines (``flask.request``, ``requests.get``) resolves to nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from .summary import ExportedFunction, ModuleSummary, SummaryTaint

ROOT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg")
MAX_REEXPORT_DEPTH = 5


class ModuleNames:
    """The dotted module name of each file: its path below the project root, the
    nearest ancestor directory holding pyproject.toml / setup.py / setup.cfg --
    else the working directory, or for a file outside it the directory named on
    the command line that holds it. ``root/src/pkg/keys.py`` -> ``pkg.keys``;
    ``pkg/__init__.py`` -> ``pkg``.

    On strings, with each directory's root looked up once: a run names every
    file of the tree, and pathlib would cost more than the rest of a warm run.
    """

    def __init__(self, cwd: Path, tops: Iterable[Path] = ()) -> None:
        self.cwd = str(cwd)
        # Deepest first: the first one holding a file is the nearest.
        self.tops = sorted({str(top) for top in tops}, key=len, reverse=True)
        self._roots: dict[str, str | None] = {}

    def __call__(self, path: Path) -> str:
        text = str(path)
        directory, _, name = text.rpartition(os.sep)
        root = self._root(directory or os.sep)
        return _dotted(text, name, self._fallback(text) if root is None else root)

    def _fallback(self, path: str) -> str:
        for root in (self.cwd, *self.tops):
            if _below(path, root):
                return root
        return self.cwd

    def _root(self, directory: str) -> str | None:
        if directory in self._roots:
            return self._roots[directory]
        if any(os.path.isfile(os.path.join(directory, marker)) for marker in ROOT_MARKERS):
            root: str | None = directory
        else:
            parent = os.path.dirname(directory)
            root = None if parent == directory else self._root(parent)
        self._roots[directory] = root
        return root


def _below(path: str, root: str) -> bool:
    return path.startswith(root if root.endswith(os.sep) else root + os.sep)


def _dotted(path: str, name: str, root: str) -> str:
    prefix = root if root.endswith(os.sep) else root + os.sep
    relative = path[len(prefix) :] if path.startswith(prefix) else name
    parts = relative.split(os.sep)
    parts[-1] = _without_suffix(parts[-1])
    if parts[0] == "src" and len(parts) > 1:
        parts = parts[1:]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) or _without_suffix(name)


def _without_suffix(name: str) -> str:
    """pathlib's ``with_suffix("")``: a leading or trailing dot is no suffix."""
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


def absolute(target: str, module: str, is_package: bool) -> str:
    """Resolve ``.keys.get_key`` imported by ``module`` into a dotted name."""
    if not target.startswith("."):
        return target
    level = len(target) - len(target.lstrip("."))
    base = module.split(".") if is_package else module.split(".")[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)] if level - 1 <= len(base) else []
    rest = target[level:]
    return ".".join([*base, rest] if rest else base)


T = TypeVar("T")
# A memo of answers, each with the module names and facts it looked up.
Memo = dict[str, tuple[T, frozenset[str]]]


@dataclass
class ProjectSummaries:
    """Every module's summary, with the indexes lookups need."""

    modules: dict[str, ModuleSummary] = field(default_factory=dict)
    packages: set[str] = field(default_factory=set)
    # Modules without a summary (the pre-pass skipped them) -> the names of their
    # package they import, absolute: ``svc/__init__.py``'s ``from .keys import get_key``.
    reexports: dict[str, dict[str, str]] = field(default_factory=dict)
    _suffix: dict[str, list[str]] = field(default_factory=dict)
    # attr/key -> (defining path, taint): built once, looked up for every module.
    _g: dict[str, list[tuple[str, SummaryTaint]]] = field(default_factory=dict)
    _session: dict[str, list[tuple[str, SummaryTaint]]] = field(default_factory=dict)
    _logged: frozenset[int] = frozenset()
    # path -> credential headers it reads / its before_request hooks recording key use.
    _headers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _recorders: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Canonical exception class -> statuses its raise sites pass; classes whose handler logs;
    # classes whose raise sites pass exception detail (True) or only client text (False).
    _raised: dict[str, set[int]] = field(default_factory=dict)
    _logged_exceptions: set[str] = field(default_factory=set)
    _details: dict[str, bool] = field(default_factory=dict)
    # Canonical class -> paths of the modules that raise it or handle it.
    _exception_users: dict[str, set[str]] = field(default_factory=dict)
    _logger_methods: frozenset[str] = frozenset()
    _credential_urls: bool = False
    _config_objects: frozenset[str] = frozenset()
    # dependency on a name -> (path of its defining module, does it matter): every
    # module of a tree asks about the same few helpers.
    _name_matters: Memo[tuple[str, bool]] = field(default_factory=dict, compare=False)
    # qualified name -> where it is defined (``locate``): asked again and again by every
    # module of a tree, and fixed once the summaries are built.
    _located: Memo[tuple[ModuleSummary, str] | None] = field(default_factory=dict, compare=False)
    # While ``tracing``: the module names looked up (found or not) and the project-wide
    # facts read (``@g``, ``@raised``, ...) -- all an answer could depend on.
    _trace: set[str] | None = field(default=None, compare=False)
    # The module names building the exception indexes looked up (canonical classes).
    _exception_lookups: frozenset[str] = field(default=frozenset(), compare=False)

    def __getstate__(self) -> dict[str, object]:
        """Pickled for worker processes without the lookups memoised so far."""
        state = dict(self.__dict__)
        state["_located"], state["_name_matters"], state["_trace"] = {}, {}, None
        return state

    # -- what an answer depends on ---------------------------------------------------------

    @contextmanager
    def tracing(self) -> Iterator[set[str]]:
        """Within: every module name looked up and project-wide fact read is collected
        in the set given (and in an enclosing trace's)."""
        outer, looked = self._trace, set[str]()
        self._trace = looked
        try:
            yield looked
        finally:
            self._trace = outer
            if outer is not None:
                outer.update(looked)

    def remembered(self, memo: Memo[T], key: str, compute: Callable[[], T]) -> T:
        """``compute()``, memoised in ``memo`` with what it looked up: a trace in progress
        gets that on every later answer from the memo too."""
        hit = memo.get(key)
        if hit is None:
            with self.tracing() as looked:
                value = compute()
            hit = memo[key] = (value, frozenset(looked))
        elif self._trace is not None:
            self._trace.update(hit[1])
        return hit[0]

    def _note(self, what: str) -> None:
        if self._trace is not None:
            self._trace.add(what)

    def exception_lookups(self) -> frozenset[str]:
        """The module names the exception indexes were built with: a change to one of
        those modules may change every ``@raised`` answer."""
        return self._exception_lookups

    @classmethod
    def build(
        cls,
        summaries: Iterable[ModuleSummary],
        packages: Iterable[str] = (),
        reexports: Mapping[str, Iterable[tuple[str, str]]] | None = None,
    ) -> ProjectSummaries:
        project = cls(packages=set(packages))
        for summary in summaries:
            project.modules[summary.module] = summary
        for module, names in (reexports or {}).items():
            if module not in project.modules:
                project.reexports[module] = dict(names)
        for name, summary in project.modules.items():
            parts = name.split(".")
            for start in range(1, len(parts)):
                project._suffix.setdefault(".".join(parts[start:]), []).append(name)
            # dict(): a module that assigns one attribute twice contributes its last value.
            for attr, taint in dict(summary.g_attrs).items():
                project._g.setdefault(attr, []).append((summary.path, taint))
            for key, taint in dict(summary.session_keys).items():
                project._session.setdefault(key, []).append((summary.path, taint))
        project._logged = frozenset(
            s for summary in project.modules.values() for s in summary.logged_statuses
        )
        for summary in project.modules.values():
            if summary.credential_headers:
                project._headers[summary.path] = summary.credential_headers
            if summary.key_recorders:
                project._recorders[summary.path] = summary.key_recorders
        with project.tracing() as looked:
            project._index_exceptions()
        project._exception_lookups = frozenset(looked)
        project._logger_methods = frozenset(
            m for summary in project.modules.values() for m in summary.logger_methods
        )
        project._credential_urls = any(s.credential_urls for s in project.modules.values())
        project._config_objects = frozenset(
            target for s in project.modules.values() for target in s.config_objects
        )
        return project

    def logger_methods(self) -> frozenset[str]:
        return self._logger_methods

    def _index_exceptions(self) -> None:
        for summary in self.modules.values():
            users: set[str] = set()
            for cls, status in summary.raised_statuses:
                self._raised.setdefault(self.canonical(cls), set()).add(status)
                users.add(cls)
            for cls in summary.logged_exceptions:
                self._logged_exceptions.add(self.canonical(cls))
                users.add(cls)
            for cls, detail in summary.exception_details:
                key = self.canonical(cls)
                self._details[key] = self._details.get(key, False) or detail
                users.add(cls)
            for cls in users:
                self._exception_users.setdefault(self.canonical(cls), set()).add(summary.path)

    def canonical(self, qualified: str) -> str:
        """The defining module's name for ``qualified`` (re-exports followed)."""
        found = self.locate(qualified)
        return f"{found[0].module}.{found[1]}" if found is not None else qualified

    def _module(self, name: str) -> ModuleSummary | None:
        if self._trace is not None:
            self._trace.add(name)
        found = self.modules.get(name)
        if found is not None:
            return found
        # ``from keyservice.auth import x`` run from a parent directory: a unique suffix match.
        candidates = self._suffix.get(name, [])
        return self.modules[candidates[0]] if len(candidates) == 1 else None

    def locate(self, qualified: str) -> tuple[ModuleSummary, str] | None:
        """The module that defines ``qualified`` and the name in it, following re-exports."""
        return self.remembered(self._located, qualified, lambda: self._locate(qualified, 0))

    def _locate(self, qualified: str, depth: int) -> tuple[ModuleSummary, str] | None:
        module, _, name = qualified.rpartition(".")
        if not module or depth > MAX_REEXPORT_DEPTH:
            return None
        summary = self._module(module)
        if summary is None:
            # A module with nothing of its own to say may still pass a name on.
            target = self.reexports.get(module, {}).get(name)
            return self._locate(target, depth + 1) if target is not None else None
        for local, target in summary.bindings:
            if local == name:
                resolved = absolute(target, summary.module, summary.module in self.packages)
                if resolved != qualified:
                    return self._locate(resolved, depth + 1) or (summary, name)
        return summary, name

    def function(self, qualified: str) -> tuple[ExportedFunction, ModuleSummary] | None:
        found = self.locate(qualified)
        if found is None:
            return None
        summary, name = found
        exported = summary.function(name)
        return (exported, summary) if exported is not None else None

    def exception_status(self, qualified: str, depth: int = 0) -> int | None:
        """A class's status: its own (or a base's in its module), else an imported base's."""
        found = self.locate(qualified)
        if found is None or depth > MAX_REEXPORT_DEPTH:
            return None
        summary, name = found
        own = dict(summary.exception_statuses).get(name)
        if own is not None:
            return own
        base = dict(summary.exception_bases).get(name)
        return self.exception_status(base, depth + 1) if base is not None else None

    def ancestry(self, qualified: str) -> list[str]:
        """``qualified`` and its bases of other project modules, canonical names."""
        out: list[str] = []
        current: str | None = qualified
        while current is not None and len(out) <= MAX_REEXPORT_DEPTH:
            found = self.locate(current)
            if found is None:
                out.append(current)
                break
            summary, name = found
            canonical = f"{summary.module}.{name}"
            if canonical in out:
                break
            out.append(canonical)
            current = dict(summary.exception_bases).get(name)
        return out

    def raised_statuses(self, qualified: str) -> frozenset[int]:
        return frozenset(self._raised.get(self.canonical(qualified), ()))

    def logs_exception(self, qualified: str) -> bool:
        return any(cls in self._logged_exceptions for cls in self.ancestry(qualified))

    def exception_detail(self, qualified: str) -> bool | None:
        """Does some raise site of the class pass exception detail? None: never raised here."""
        return self._details.get(self.canonical(qualified))

    def status_constant(self, qualified: str) -> int | None:
        found = self.locate(qualified)
        return dict(found[0].status_constants).get(found[1]) if found is not None else None

    def is_view_class(self, qualified: str) -> bool:
        found = self.locate(qualified)
        return found is not None and found[1] in found[0].view_classes

    def constant(self, qualified: str) -> str | None:
        found = self.locate(qualified)
        return dict(found[0].constants).get(found[1]) if found is not None else None

    def literal(self, qualified: str) -> tuple[str, str] | None:
        """("label"|"secret", defining path) of a name bound to a literal: a module
        constant (``pkg.crypto.FAILED``) or a class attribute (``pkg.error.Error.CODE``)."""
        found = self.locate(qualified)
        if found is not None:
            verdict = dict(found[0].literals).get(found[1])
            if verdict is not None:
                return verdict, found[0].path
        parent, _, attr = qualified.rpartition(".")
        owner = self.locate(parent) if parent else None
        if owner is None:
            return None
        verdict = dict(owner[0].literals).get(f"{owner[1]}.{attr}")
        return (verdict, owner[0].path) if verdict is not None else None

    def request_alias(self, qualified: str) -> bool:
        found = self.locate(qualified)
        return found is not None and found[1] in found[0].request_aliases

    def builds_credential_urls(self) -> bool:
        return self._credential_urls

    def loads_config(self, module: str) -> bool:
        """Does some module load ``module`` with ``config.from_object`` (by any name)?"""
        return module in self._config_objects or any(
            target.endswith("." + module) or module.endswith("." + target)
            for target in self._config_objects
        )

    def is_logger(self, qualified: str) -> bool:
        found = self.locate(qualified)
        return found is not None and found[1] in found[0].loggers

    def g_attr(self, attr: str, exclude: str) -> list[SummaryTaint]:
        return [taint for path, taint in self._g.get(attr, ()) if path != exclude]

    def session_key(self, key: str, exclude: str) -> list[SummaryTaint]:
        return [taint for path, taint in self._session.get(key, ()) if path != exclude]

    def logged_statuses(self) -> frozenset[int]:
        return self._logged

    def credential_headers(self, exclude: str) -> tuple[str, ...]:
        """Credential headers read by the other modules of the project."""
        return tuple(
            sorted({h for path, found in self._headers.items() if path != exclude for h in found})
        )

    def key_recorders(self, exclude: str) -> tuple[str, ...]:
        """``before_request`` hooks of the other modules that record which key came in."""
        return tuple(
            sorted(
                f"{path}:{hook}"
                for path, hooks in self._recorders.items()
                if path != exclude
                for hook in hooks
            )
        )

    def scrubs_headers(self, qualified: str) -> bool | None:
        """Does this project function, passed as Sentry's ``before_send``, scrub headers?
        None when it is not a project function shaped like one."""
        found = self.locate(qualified)
        if found is None:
            return None
        summary, name = found
        return dict(summary.event_processors).get(name)

    def describe(self, dependency: str, own_path: str) -> str:
        """What a dependency resolves to, as text (its digest keys cached phase-two results)."""
        kind, name = split_dependency(dependency)
        if kind in AGGREGATE_KINDS:
            self._note(f"@{kind}")
        if kind == "g":
            return repr(self.g_attr(name, own_path))
        if kind == "session":
            return repr(self.session_key(name, own_path))
        if kind == "status":
            return repr(sorted(self.logged_statuses()))
        if kind == "headers":
            return repr(self.credential_headers(own_path))
        if kind == "keyrecord":
            return repr(self.key_recorders(own_path))
        if kind == "scrubs":
            return repr(self.scrubs_headers(name))
        if kind == "logmethod":
            return repr(name in self._logger_methods)
        if kind == "raised":
            canonical = self.canonical(name)
            return repr(
                (
                    sorted(self._raised.get(canonical, ())),
                    self.logs_exception(name),
                    self._details.get(canonical),
                )
            )
        if kind == "fact":
            return repr(self._fact(name))
        if kind == "binding":
            return repr((self.literal(name), self.request_alias(name)))
        self._note("@raised")  # a name's description says what its exception facts are
        found = self.locate(name)
        if found is None:
            return ""
        summary, local = found
        canonical = f"{summary.module}.{local}"
        return repr(
            (
                summary.path,
                summary.function(local),
                local in summary.loggers,
                dict(summary.exception_statuses).get(local),
                dict(summary.constants).get(local),
                self.exception_status(name),
                sorted(self._raised.get(canonical, ())),
                self.logs_exception(name),
                self._details.get(canonical),
                dict(summary.status_constants).get(local),
                local in summary.view_classes,
            )
        )

    def matters(self, dependency: str, own_path: str) -> bool:
        """Would knowing this dependency's summary change what the importer finds?

        Each use is judged by what it needs: a value needs a non-opaque return, a sink
        needs forwarded parameters, a log check needs "it logs"; an unqualified name
        (a module the pre-pass skipped) matters if anything about it is known.
        """
        kind, name = split_dependency(dependency)
        if kind in AGGREGATE_KINDS:
            self._note(f"@{kind}")
        if kind == "g":
            return bool(self.g_attr(name, own_path))
        if kind == "session":
            return bool(self.session_key(name, own_path))
        if kind == "status":
            return int(name) in self.logged_statuses()
        if kind == "headers":
            return bool(self.credential_headers(own_path))
        if kind == "keyrecord":
            return bool(self.key_recorders(own_path))
        if kind == "logmethod":
            return name in self._logger_methods
        if kind == "raised":
            # Raise sites and handlers of a class in other modules (its own module included
            # when the class is defined elsewhere).
            users = self._exception_users.get(self.canonical(name), set())
            return any(path != own_path for path in users) or any(
                cls in self._logged_exceptions for cls in self.ancestry(name)[1:]
            )
        if kind == "fact":
            return self._fact(name)
        if kind == "binding":
            literal = self.literal(name)
            if literal is not None:
                return literal[1] != own_path
            found = self.locate(name)
            return self.request_alias(name) and found is not None and found[0].path != own_path
        defined_in, mattering = self.remembered(
            self._name_matters, dependency, lambda: self._matters_by_name(kind, name)
        )
        return mattering and defined_in != own_path

    def _fact(self, name: str) -> bool:
        """``fact:credential-urls``, ``fact:config:pkg.settings``: facts about the project."""
        if name.startswith("config:"):
            return self.loads_config(name.removeprefix("config:"))
        return self.builds_credential_urls()

    def _matters_by_name(self, kind: str, name: str) -> tuple[str, bool]:
        found = self.locate(name)
        if found is None:
            return "", False
        summary, local = found
        exported = summary.function(local)
        canonical = f"{summary.module}.{local}"
        # Each use judged only when asked for: most dependencies ask one question.
        uses: dict[str, Callable[[], bool]] = {
            "value": lambda: exported is not None and not exported.returns.trivial,
            "sink": lambda: (
                exported is not None and bool(exported.logged_params or exported.logged_fields)
            ),
            "logs": lambda: exported is not None and exported.logging_facts,
            "logger": lambda: local in summary.loggers,
            "scrubs": lambda: any(name == local for name, _ in summary.event_processors),
            "raises": lambda: self.exception_status(canonical) is not None,
            "const": lambda: (
                any(name == local for name, _ in summary.constants)
                or any(name == local for name, _ in summary.status_constants)
            ),
            "view": lambda: local in summary.view_classes,
            "binding": lambda: (
                any(name == local for name, _ in summary.literals)
                or local in summary.request_aliases
            ),
        }
        if kind in uses:
            return summary.path, uses[kind]()
        # A module the pre-pass skipped shows no construct path facts or views could
        # change (no except block, no rejection): only what the old uses say counts.
        uses["logs"] = lambda: exported is not None and exported.logs
        uses.pop("view")
        return summary.path, any(use() for use in uses.values())


# Dependencies answered from facts every module contributes to (``ProjectSummaries``
# indexes them at build), each with the summary fields behind it.
AGGREGATE_FIELDS: dict[str, tuple[str, ...]] = {
    "g": ("g_attrs",),
    "session": ("session_keys",),
    "status": ("logged_statuses",),
    "headers": ("credential_headers",),
    "keyrecord": ("key_recorders",),
    "logmethod": ("logger_methods",),
    "raised": (
        "raised_statuses",
        "logged_exceptions",
        "exception_details",
        "exception_bases",
        "exception_statuses",
    ),
    "fact": ("credential_urls", "config_objects"),
}
AGGREGATE_KINDS = frozenset(AGGREGATE_FIELDS)


def changed_aggregates(old: ModuleSummary | None, new: ModuleSummary | None) -> frozenset[str]:
    """The kinds of project-wide facts (``AGGREGATE_FIELDS``) a module's new summary
    changes; no summary, an empty field and False all say nothing."""
    return frozenset(
        kind
        for kind, names in AGGREGATE_FIELDS.items()
        if any(_fact_field(old, n) != _fact_field(new, n) for n in names)
    )


def _fact_field(summary: ModuleSummary | None, name: str) -> object:
    return getattr(summary, name) or None if summary is not None else None


NAME_USES = frozenset(
    {"value", "sink", "logs", "logger", "raises", "const", "scrubs", "view", "binding"}
)


def points_into(dependency: str, module: str) -> bool:
    """Does a dependency (``value:svc.keys.get_key``) name something of ``module``?"""
    kind, name = split_dependency(dependency)
    if kind not in NAME_USES and kind != "any":
        return False  # g:, session:, status: are project-wide, not names of a module
    return name == module or name.startswith(module + ".")


def split_dependency(dependency: str) -> tuple[str, str]:
    """``value:svc.keys.get_key`` -> (``value``, ``svc.keys.get_key``); a plain name -> (``any``, name)."""
    kind, sep, name = dependency.partition(":")
    return (kind, name) if sep else ("any", dependency)


@dataclass(frozen=True)
class ProjectContext:
    """Where a module sits in the project, and (phase two) everyone's summaries."""

    module: str = ""
    is_package: bool = False
    summaries: ProjectSummaries | None = None
