"""The rest of the project, for files named on the command line and for editor buffers.

pre-commit names only the staged files and an editor pipes in one buffer; both
must report what a run over the whole tree reports, cross-module findings
included. So a named file (or a buffer's ``--stdin-filename``) brings its
project along as *context*: every Python file below the project root, walked as
a tree run would walk it (excludes and ``.gitignore`` honoured). Context files
go through phase one like any other -- from the cache when their stamps are
unchanged -- so that everyone's summaries are known; only the named files are
re-linted with them and reported.

The project root of a file is the outermost of the directory holding the
configuration in use and the nearest ancestor with ``pyproject.toml``,
``setup.py`` or ``setup.cfg`` (what module names are relative to); without
either, the working directory if it is the top of a git work tree (where
pre-commit and editors run) and the file lies below it; else the file has no
project and is linted alone -- a stray file named from ``/`` or a home
directory never makes a run walk the whole disk.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..analysis.project import ROOT_MARKERS
from ..core.config import DEFAULT_EXCLUDES, Config, PathRules
from ..core.model import FileError
from .discovery import SourceFile, discover, display_path, walk_directory
from .source import STDIN


@dataclass(frozen=True)
class Buffer:
    """Standard input, linted as if it were the file ``name`` (None: a nameless buffer)."""

    name: str | None
    data: bytes


@dataclass
class Discovery:
    targets: list[SourceFile]  # what the run reports
    context: list[SourceFile] = field(default_factory=list)  # the rest of their projects
    errors: list[FileError] = field(default_factory=list)
    roots: list[Path] = field(default_factory=list)  # the project roots walked for context

    @property
    def files(self) -> list[SourceFile]:
        return [*self.targets, *self.context]


def discover_project(
    paths: Sequence[str],
    config: Config,
    cwd: Path,
    force_exclude: bool = False,
    buffer: Buffer | None = None,
) -> Discovery:
    """The files to report (``paths``, or the buffer) and the rest of their projects."""
    if buffer is not None:
        found = Discovery([buffer_file(buffer, cwd)])
        named = [found.targets[0].path] if buffer.name else []
    else:
        files, errors = discover(paths, config, cwd, force_exclude)
        found = Discovery(files, errors=errors)
        named = _named_files(paths, cwd)
    if named:
        _add_context(found, named, config, cwd)
    return found


def buffer_file(buffer: Buffer, cwd: Path) -> SourceFile:
    if not buffer.name:
        return SourceFile(cwd / STDIN, STDIN, "", buffer.data)
    path = (cwd / buffer.name).absolute()
    return SourceFile(path, display_path(path, cwd), "", buffer.data)


def _named_files(paths: Sequence[str], cwd: Path) -> list[Path]:
    named = []
    for raw in paths:
        path = (cwd / raw).absolute()
        if not path.is_dir():
            named.append(path)
    return named


def _add_context(found: Discovery, named: list[Path], config: Config, cwd: Path) -> None:
    wanted = {file.path for file in found.targets}
    roots: set[Path] = set()
    for path in named:
        root = project_root(path, config, cwd) if path in wanted else None
        if root is not None:
            roots.add(root)
    taken = set(wanted)
    rules = PathRules.build((*DEFAULT_EXCLUDES, *config.exclude))
    config_root = Path(config.root).resolve()
    unreported: list[FileError] = []  # a context file the walk cannot read is not the user's
    for root in sorted(roots, key=str):
        # The walk spells paths below the root it starts from ("../svc/keys.py" from
        # inside svc/); display paths are relative to the working directory.
        respell = not root.is_relative_to(cwd)
        for file in walk_directory(root, rules, config_root, cwd, unreported):
            if file.path not in taken:
                taken.add(file.path)
                if respell:
                    file = replace(file, display=display_path(file.path, cwd))
                found.context.append(file)
        found.roots.append(root)
    found.context.sort(key=lambda f: f.display)


def project_root(path: Path, config: Config, cwd: Path) -> Path | None:
    """Where the project of a named file begins (see the module's docstring)."""
    candidates = [root for root in (_config_root(config, cwd), _marker_root(path)) if root]
    holding = [root for root in candidates if _below(path, root)]
    if holding:
        return min(holding, key=lambda root: len(root.parts))
    return cwd if _below(path, cwd) and (cwd / ".git").exists() else None


def _config_root(config: Config, cwd: Path) -> Path | None:
    if config.source is None:
        return None
    root = (cwd / config.root).absolute()
    # The configuration was found by resolved paths; display paths (cache keys) are
    # spelt from the working directory, whatever symbolic links lead to it.
    try:
        return cwd / root.resolve().relative_to(cwd.resolve())
    except (ValueError, OSError, RuntimeError):
        return root


def _marker_root(path: Path) -> Path | None:
    for directory in path.parents:
        if any(os.path.isfile(directory / marker) for marker in ROOT_MARKERS):
            return directory
    return None


def _below(path: Path, root: Path) -> bool:
    return path != root and path.is_relative_to(root)
