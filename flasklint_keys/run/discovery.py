"""Which files to lint: walk the given paths, honour excludes and .gitignore."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..core.config import DEFAULT_EXCLUDES, Config, PathRules
from ..core.findings import UNREADABLE
from ..core.model import FileError

# FileError kinds of discovery: a named path that does not exist (a usage error), and a
# file that is not a regular one (a FIFO named ``*.py``), skipped with a warning.
MISSING = "missing"
SKIPPED = "skipped"


@dataclass(frozen=True)
class SourceFile:
    path: Path  # absolute
    display: str  # relative to the working directory, forward slashes
    # Inode, modification time (ns) and size, taken by the walk from the directory
    # listing's stat; None when the runner must stat the file itself ("" for a buffer).
    stamp: str | None = None
    # The text of an editor's buffer (standard input), in place of the file's.
    data: bytes | None = None


def stamp_of(info: os.stat_result) -> str:
    return f"{info.st_ino}:{info.st_mtime_ns}:{info.st_size}"


_IRREGULAR = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def irregular(info: os.stat_result) -> str | None:
    """What a file that is neither a regular file nor a directory is (reading one may
    block forever), or None."""
    if stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode):
        return None
    for test, kind in _IRREGULAR:
        if test(info.st_mode):
            return kind
    return "a special file"


def skipped(display: str, kind: str) -> FileError:
    return FileError(display, f"{kind}, not a regular file: skipped", SKIPPED)


def display_path(path: Path, cwd: Path) -> str:
    try:
        rel = os.path.relpath(path, cwd)
    except ValueError:  # another drive on Windows
        rel = str(path)
    return rel.replace(os.sep, "/")


def discover(
    paths: Sequence[str],
    config: Config,
    cwd: Path,
    force_exclude: bool = False,
) -> tuple[list[SourceFile], list[FileError]]:
    rules = PathRules.build((*DEFAULT_EXCLUDES, *config.exclude))
    root = Path(config.root).resolve()
    found: dict[Path, SourceFile] = {}
    errors: list[FileError] = []
    for raw in paths:
        path = (cwd / raw).absolute()
        shown = display_path(path, cwd)
        problem = link_problem(path)
        if problem is not None:
            errors.append(FileError(shown, f"{UNREADABLE}: {problem}", "io"))
            continue
        if path.is_dir():
            for file in walk_directory(path, rules, root, cwd, errors):
                found.setdefault(file.path, file)
        elif path.exists():
            if force_exclude and _excluded(path, rules, root, cwd):
                continue
            kind = _irregular_path(path)
            if kind is not None:
                errors.append(skipped(shown, kind))
                continue
            found.setdefault(path, SourceFile(path, shown))
        else:
            errors.append(FileError(shown, "no such file or directory", MISSING))
    return sorted(found.values(), key=lambda f: f.display), errors


def _irregular_path(path: Path) -> str | None:
    try:
        return irregular(path.stat())
    except OSError:
        return None  # reading it reports why


def link_problem(path: Path) -> str | None:
    """Why a symbolic link cannot be followed (dangling or a loop), or None."""
    if not path.is_symlink():
        return None
    try:
        path.stat()
    except FileNotFoundError:
        return "broken symbolic link"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop"
        return f"cannot follow symbolic link: {exc.strerror or exc}"
    return None


def _excluded(path: Path, rules: PathRules, root: Path, cwd: Path) -> bool:
    candidates = {display_path(path, cwd)}
    # resolve() raises RuntimeError on a symlink loop before Python 3.13, OSError after.
    with contextlib.suppress(ValueError, OSError, RuntimeError):
        candidates.add(path.resolve().relative_to(root).as_posix())
    return any(rules.excludes(candidate) for candidate in candidates)


def walk_directory(
    top: Path, rules: PathRules, root: Path, cwd: Path, errors: list[FileError]
) -> Iterable[SourceFile]:
    listed = _git_listed(top)
    real_top = top.resolve()
    try:
        top_in_root: str | None = real_top.relative_to(root).as_posix()
    except ValueError:
        top_in_root = None
    walk = _Walk(rules, root, cwd, real_top, top_in_root, listed, errors)
    yield from walk.directory(str(top), display_path(top, cwd), ".")


@dataclass(frozen=True)
class _Walk:
    """One walk below ``top``, on ``os.scandir``: the listing tells what is a
    directory or a symbolic link without a system call, and one ``stat`` per
    file gives its stamp. Like ``os.walk(followlinks=False)``, a symlinked
    directory is never entered (so, below ``top``, a directory's real path is
    ``real_top`` plus its relative path: no resolve() per file). A directory
    that cannot be listed is an error (its files would go unchecked); a file that
    is not a regular one (a FIFO named ``*.py``) is skipped with a warning."""

    rules: PathRules
    root: Path
    cwd: Path
    real_top: Path
    top_in_root: str | None
    listed: set[Path] | None
    errors: list[FileError]

    def directory(self, path: str, shown: str, relative: str) -> Iterator[SourceFile]:
        try:
            with os.scandir(path) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            reason = "permission denied" if isinstance(exc, PermissionError) else exc.strerror
            self.errors.append(FileError(shown, f"{UNREADABLE} directory: {reason or exc}", "io"))
            return
        place = _Place(self.rules, shown, self.top_in_root, relative)
        subdirectories = []
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir()  # follows a symlink, as os.walk does
            except OSError:
                is_dir = False
            if is_dir:
                if not entry.is_symlink() and not place.excludes(name, entry.path, False, self):
                    subdirectories.append(entry)
            elif name.endswith(".py"):
                found = self._file(entry, place)
                if found is not None:
                    yield found
        for entry in subdirectories:
            below = entry.name if relative == "." else f"{relative}/{entry.name}"
            yield from self.directory(entry.path, place.shown(entry.name), below)

    def _file(self, entry: os.DirEntry[str], place: _Place) -> SourceFile | None:
        file = Path(entry.path)  # ``top`` is absolute: so is ``file``
        if self.listed is not None and file not in self.listed:
            return None
        link = entry.is_symlink()
        if place.excludes(entry.name, entry.path, link, self):
            return None
        if link:
            # Never follow a symlink out of the tree being linted; the runner stamps it.
            if not _inside(file, self.real_top):
                return None
            kind = _irregular_path(file)
            if kind is not None:
                self.errors.append(skipped(place.shown(entry.name), kind))
                return None
            return SourceFile(file, place.shown(entry.name))
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            return SourceFile(file, place.shown(entry.name))
        kind = irregular(info)
        if kind is not None:
            self.errors.append(skipped(place.shown(entry.name), kind))
            return None
        return SourceFile(file, place.shown(entry.name), stamp_of(info))


@dataclass(frozen=True)
class _Place:
    """One directory of the walk: the two spellings an exclude pattern may match."""

    rules: PathRules
    shown_dir: str
    top_in_root: str | None
    relative: str

    def shown(self, name: str) -> str:
        """``display_path`` of an entry of this directory, without a relpath per file."""
        return f"{self.shown_dir}/{name}" if self.shown_dir != "." else name

    def excludes(self, name: str, path: str, is_symlink: bool, walk: _Walk) -> bool:
        if is_symlink:  # its real location may lie anywhere: resolve it
            return _excluded(Path(path), self.rules, walk.root, walk.cwd)
        if self.rules.excludes(self.shown(name)):
            return True
        if self.top_in_root is None:
            return False
        parts = [p for p in (self.top_in_root, self.relative, name) if p and p != "."]
        return self.rules.excludes("/".join(parts))


def _inside(file: Path, real_top: Path) -> bool:
    """Whether a symlink found in the walk stays inside the tree being linted."""
    if link_problem(file) == "symbolic link loop":
        return True  # leads nowhere; reading it reports the loop
    try:
        file.resolve().relative_to(real_top)
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def _git_listed(top: Path) -> set[Path] | None:
    """Files git does not ignore under ``top`` (tracked or untracked), or None outside a work tree.

    A directory that is itself ignored (a checkout inside another repository's
    ignored folder) was named on purpose: like ripgrep and ruff, lint it anyway.
    """
    listed = _git(top, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ".")
    if listed is None or listed.returncode != 0:
        return None
    if not listed.stdout:
        ignored = _git(top, "check-ignore", "-q", "--", ".")
        if ignored is not None and ignored.returncode == 0:
            return None
    return {
        (top / name).absolute()
        for name in listed.stdout.decode("utf-8", "surrogateescape").split("\0")
        if name
    }


def _git(top: Path, *args: str) -> subprocess.CompletedProcess[bytes] | None:
    # The scanned repository's own .git/config must not run anything: core.fsmonitor
    # names a command that `git ls-files` would execute.
    try:
        return subprocess.run(
            ["git", "-c", "core.fsmonitor=false", *args],
            cwd=top,
            # Linting writes nothing into the scanned tree, not even a refreshed .git/index.
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
