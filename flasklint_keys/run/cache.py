"""The result cache: one file per project, ``.flasklint_cache/cache-v2`` (a line per file).

An entry is reused only when the file's stamp (inode, modification time in
nanoseconds, size) is unchanged -- such a file is not even read -- and the run's
key matches: tool version, a digest of the tool's own source (so any change to
a rule invalidates everything), the effective configuration and the Python
version. The content hash is kept to notice a file rewritten during a run.
Phase-two results also record a digest of the summaries they used, so a module
is re-linted exactly when something it imports changed.

Each entry is stored as two JSON texts next to its stamp -- its summary and what
its judgement consulted; its ``Results`` (dependencies, phase one's and phase
two's findings) -- decoded only for a file whose stamp is unchanged, the second
only when asked for. The final results of the last run are kept
with a digest of its file names and stamps: a run over the same files at the
same stamps (nothing changed) reports them, decoding only the results of files
with findings. A few such runs are remembered (the tree, and the files pre-commit
or an editor named, which bring the rest of their project along as context), so
that one does not make the next run of the other start over; each also keeps a
digest of the project's summaries, so that a later run can tell whether what
the entries say is what that run knew.

JSON, not pickle: a cache directory found in a repository being scanned is
data, and loading it must never run code. The stamp makes a cache committed to
a repository useless on any other checkout: an attacker cannot predict the
inodes and times of a fresh clone, so a planted cache cannot hide findings.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .. import __version__
from ..analysis.summary import ModuleSummary, summary_from_json, summary_to_json
from ..core.config import Config
from ..core.model import Applicability, Edit, FileError, FileResult, Finding, Fix, Related, Severity
from .discovery import stamp_of
from .files import write_atomically

CACHE_DIR = ".flasklint_cache"
CACHE_FILE = "cache-v2"
OLD_CACHE_FILE = "cache-v1.json"  # formats up to 6: one JSON document
# 4: summaries carry monitoring facts (FLK107/FLK305); last runs keyed by what is reported.
# 5: summaries carry the auth model's exception, status and logger facts.
# 6: summaries carry literal bindings, request aliases, logged fields and config objects.
# 7: summaries leave out fields at their default; last runs carry the summaries' digest;
#    skipped modules their re-exports; an entry's results are stored (and decoded) apart.
FORMAT = 7
# Runs remembered for "nothing changed": a tree run and a few named-file runs.
LAST_RUNS = 8


@lru_cache(maxsize=1)
def tool_digest() -> str:
    """A digest of every source file of the tool: a changed rule means a new cache."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def run_key(config: Config, enabled: frozenset[str]) -> str:
    python = ".".join(str(part) for part in sys.version_info[:2])
    return ":".join(
        (__version__, tool_digest(), config.fingerprint(), ",".join(sorted(enabled)), python)
    )


def file_stamp(path: Path) -> str:
    try:
        return stamp_of(path.stat())
    except OSError:
        return ""


class CorruptCache(Exception):
    """An entry's results, decoded only when asked for, turned out not to decode."""


@dataclass
class Results:
    """What phase two and the report need of a file: decoded only when asked for (most
    files of an incremental run are never asked)."""

    dependencies: frozenset[str]
    first: FileResult  # phase one: imports opaque
    final: FileResult | None = None  # phase two, valid for ``final_digest``
    final_digest: str = ""


class Entry:
    """What is known about one file at one content hash: its summary and what it
    looked up (decoded with the entry), its ``Results`` (decoded when first asked for)."""

    def __init__(
        self,
        hash: str,
        stamp: str,  # inode, mtime and size when it was analysed
        analysed: bool,  # went through LibCST in phase one
        summarised: bool,  # a summary was computed (analysed, or on demand)
        summary: ModuleSummary | None,
        results: Results | str,  # or its JSON text, as read
        summary_digest: str = "",  # of ``summary`` ("" without one): ``summary_digest()``
        # Skipped by the pre-pass and never summarised: the names of its package it imports.
        reexports: tuple[tuple[str, str], ...] = (),
        # What judging its dependencies last looked up: project module names (found or
        # not) and project-wide facts (``@raised``); None: never judged.
        consults: tuple[str, ...] | None = None,
    ) -> None:
        self.hash, self.stamp = hash, stamp
        self.analysed, self.summarised, self.summary = analysed, summarised, summary
        self.summary_digest, self.reexports, self.consults = summary_digest, reexports, consults
        self._results = results

    @property
    def results(self) -> Results:
        if isinstance(self._results, str):
            try:
                self._results = _results(json.loads(self._results))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise CorruptCache(str(exc)) from None
        return self._results

    def results_json(self) -> str:
        if isinstance(self._results, str):
            return self._results  # never looked at: as read
        return _dumps(_results_json(self._results))

    @property
    def dependencies(self) -> frozenset[str]:
        return self.results.dependencies

    @property
    def first(self) -> FileResult:
        return self.results.first

    @property
    def final(self) -> FileResult | None:
        return self.results.final

    @property
    def final_digest(self) -> str:
        return self.results.final_digest

    def relinted(self, final: FileResult, digest: str) -> None:
        """Phase two's result, valid while the summaries it used describe to ``digest``."""
        self.results.final, self.results.final_digest = final, digest


def summary_digest(entry: Entry) -> str:
    """A digest of what other modules can learn of the entry's module -- its summary,
    or what it re-exports -- computed once ("" for nothing)."""
    if not entry.summary_digest:
        if entry.summary is not None:
            entry.summary_digest = entry.summary.digest()
        elif entry.reexports:
            text = repr(entry.reexports).encode("utf-8", "surrogateescape")
            entry.summary_digest = "r" + hashlib.sha256(text).hexdigest()[:19]
    return entry.summary_digest


@dataclass
class Cache:
    path: Path
    key: str
    entries: dict[str, Entry] = field(default_factory=dict)
    dirty: bool = False
    # Entries as read, each a stamp, its entry's JSON text and its results' JSON text:
    # decoded only when the file's stamp is unchanged (the results only when asked for),
    # and saved again as read while nobody replaced them.
    _raw: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    _last_runs: list[LastRun] = field(default_factory=list)  # most recent first

    @classmethod
    def load(cls, directory: Path, key: str) -> Cache:
        path = directory / CACHE_FILE
        cache = cls(path, key)
        try:
            raw = decode_document(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            return cache
        if raw.get("format") != FORMAT or raw.get("key") != key:
            return cache  # another tool version, rules or configuration: start afresh
        files = raw.get("files")
        if isinstance(files, dict):
            for name, item in files.items():
                if (
                    isinstance(item, list)
                    and len(item) == 3
                    and all(isinstance(part, str) for part in item)
                ):
                    cache._raw[name] = (item[0], item[1], item[2])
        runs = raw.get("last_runs")
        if isinstance(runs, list):
            loaded = (LastRun.from_json(item) for item in runs[:LAST_RUNS])
            cache._last_runs = [run for run in loaded if run is not None]
        return cache

    def unchanged(self, path: str, stamp: str) -> Entry | None:
        """The entry of a file whose inode, modification time and size are as recorded.

        Like ruff and mypy, an unchanged stamp is taken to mean unchanged content:
        the file is then neither read nor hashed.
        """
        if not stamp:
            return None
        entry = self.entries.get(path)
        if entry is not None:
            return entry if entry.stamp == stamp else None
        raw = self._raw.get(path)
        if raw is None or raw[0] != stamp:
            return None
        entry = _decoded(raw)
        if entry is not None:
            self.entries[path] = entry
        return entry

    def put(self, path: str, entry: Entry) -> None:
        self.entries[path] = entry
        self._raw.pop(path, None)
        self.dirty = True

    def emptied(self) -> Cache:
        """This cache with nothing in it (saved over it at the end of the run)."""
        return Cache(self.path, self.key, dirty=True)

    def forget(self, path: str) -> None:
        found = self.entries.pop(path, None) is not None
        if self._raw.pop(path, None) is not None or found:
            self.dirty = True

    def last_run(self, stamps: Sequence[Stamp]) -> list[FileResult] | None:
        """The final results of an earlier run that linted exactly these files (each
        reported or context alike) at exactly these stamps: then nothing can have
        changed, neither a file nor what one module knows of another. Only files with
        something to report are decoded, and of their entries only the result that
        run used."""
        digest = run_digest(stamps)
        last = next((run for run in self._last_runs if run.digest == digest), None)
        if last is None:
            return None
        results = []
        for name, stage in last.stages.items():
            raw = self._raw.get(name)
            if raw is None:
                return None
            try:
                data = json.loads(raw[2])
                which, _, digest = stage.partition(":")
                if which == "final" and data["final_digest"] != digest:
                    return None  # re-linted since, by a run that knew other summaries
                results.append(_result(data[which]))
            except (KeyError, TypeError, ValueError, AttributeError):
                return None
        return results

    def previous_run(self, names: Sequence[tuple[str, bool]]) -> LastRun | None:
        """The remembered run over these files (each reported or context alike) at the
        stamps their entries have: what each unchanged file reported then still holds
        if the project's summaries are what they were (``LastRun.summaries``)."""
        stamps = [(name, self._recorded_stamp(name), reported) for name, reported in names]
        if not all(stamp for _, stamp, _ in stamps):
            return None
        digest = run_digest(stamps)
        return next((run for run in self._last_runs if run.digest == digest), None)

    def recorded(self, path: str) -> Entry | None:
        """The file's entry whatever its stamp (what the last run that linted it knew)."""
        entry = self.entries.get(path)
        if entry is not None:
            return entry
        raw = self._raw.get(path)
        return _decoded(raw) if raw is not None else None

    def _recorded_stamp(self, path: str) -> str:
        entry = self.entries.get(path)
        if entry is not None:
            return entry.stamp
        raw = self._raw.get(path)
        return raw[0] if raw is not None else ""

    def record_run(
        self, stamps: Sequence[Stamp], stages: dict[str, str] | None, summaries: str = ""
    ) -> None:
        """Remember this run for the next one over the same files at the same stamps:
        for each reported file with something to report, which result of its entry
        (``first``, or ``final:<its final_digest>``) was its final one; and a digest of
        the project's summaries it used (``phases.project_digest``).

        Only when every file has an entry with its stamp: an unreadable file, or one
        found rewritten during the run, must be looked at again."""
        digest = run_digest(stamps)
        runs = [run for run in self._last_runs if run.digest != digest]
        if stages is not None and all(self._stored_with(name, stamp) for name, stamp, _ in stamps):
            runs.insert(0, LastRun(digest, dict(sorted(stages.items())), summaries))
        runs = runs[:LAST_RUNS]
        if runs != self._last_runs:
            self._last_runs = runs
            self.dirty = True

    def _stored_with(self, path: str, stamp: str) -> bool:
        entry = self.entries.get(path)
        if entry is not None:
            return bool(stamp) and entry.stamp == stamp
        raw = self._raw.get(path)
        return raw is not None and bool(stamp) and raw[0] == stamp

    def save(self) -> None:
        """Write atomically; a cache that cannot be written is simply not kept."""
        if not self.dirty:
            return
        files = dict(self._raw)
        for name, entry in self.entries.items():
            if name not in files:
                files[name] = (entry.stamp, _dumps(_entry_json(entry)), entry.results_json())
        document = {
            "format": FORMAT,
            "key": self.key,
            "files": {name: list(files[name]) for name in sorted(files)},
            "last_runs": [run.to_json() for run in self._last_runs],
        }
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            gitignore = self.path.parent / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("*\n", encoding="utf-8")
            write_atomically(self.path, encode_document(document))
            (self.path.parent / OLD_CACHE_FILE).unlink(missing_ok=True)
        self.dirty = False


# -- the file: a JSON header line, then a line per file -------------------------------------
#
# ``{"format": 7, "key": ..., "last_runs": [...]}``, then for each file (sorted)
# ``<its name, JSON>\t<stamp>\t<its entry, JSON>\t<its results, JSON>``. JSON leaves no
# tab or line break
# unescaped, and an entry is stored as the text it was read as: reading and writing the
# cache never decodes or re-escapes an entry nobody looked at (a JSON document holding
# each entry as a string would, both ways).


def encode_document(document: dict[str, Any]) -> bytes:
    header = {k: v for k, v in document.items() if k != "files"}
    lines = [json.dumps(header, separators=(",", ":"))]
    for name, (stamp, entry, results) in document["files"].items():
        lines.append(f"{json.dumps(name)}\t{stamp}\t{entry}\t{results}")
    return "\n".join(lines).encode("utf-8")


def decode_document(text: str) -> dict[str, Any]:
    """The document ``encode_document`` wrote; ValueError for anything else."""
    first, _, body = text.partition("\n")
    document = json.loads(first)
    if not isinstance(document, dict):
        raise ValueError("not a cache")
    files: dict[str, list[str]] = {}
    for line in body.split("\n") if body else ():
        name, stamp, entry, results = line.split("\t", 3)
        decoded = json.loads(name)
        if not isinstance(decoded, str):
            raise ValueError("not a cache")
        files[decoded] = [stamp, entry, results]
    document["files"] = files
    return document


@dataclass(frozen=True)
class LastRun:
    """The previous run: which files at which stamps, and for each file with
    something to report, which result of its entry was final."""

    digest: str
    stages: dict[str, str]  # path -> "first" or "final:<final_digest>"
    summaries: str = ""  # a digest of the project's summaries the run used

    @classmethod
    def from_json(cls, data: Any) -> LastRun | None:
        if not isinstance(data, dict):
            return None
        digest, stages = data.get("digest"), data.get("stages")
        summaries = data.get("summaries")
        if not isinstance(digest, str) or not isinstance(stages, dict):
            return None
        if not isinstance(summaries, str):
            return None
        if not all(_valid_stage(stage) for stage in stages.values()):
            return None
        return cls(digest, stages, summaries)

    def to_json(self) -> dict[str, Any]:
        return {"digest": self.digest, "stages": self.stages, "summaries": self.summaries}


def _valid_stage(stage: Any) -> bool:
    return isinstance(stage, str) and (stage == "first" or stage.startswith("final:"))


# A file of a run: its display path, its stamp, and whether the run reports it (a
# named file's project comes along as context, linted but not reported).
Stamp = tuple[str, str, bool]


def run_digest(stamps: Sequence[Stamp]) -> str:
    """Identifies a run's files, their stamps and which are reported (in the order given)."""
    digest = hashlib.blake2b(digest_size=16)
    for name, stamp, reported in stamps:
        role = "r" if reported else "c"
        digest.update(f"{name}\0{stamp}\0{role}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


# -- JSON codec ---------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """``dataclasses.asdict`` without its deep copies (several times faster on findings)."""
    if isinstance(value, enum.Enum):  # before str: Severity and Applicability are str enums
        return value.value
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, frozenset | set):
        return sorted(_plain(item) for item in value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    names = _FIELDS.get(type(value))
    if names is None:
        names = _FIELDS[type(value)] = tuple(f.name for f in dataclasses.fields(value))
    return {name: _plain(getattr(value, name)) for name in names}


_FIELDS: dict[type, tuple[str, ...]] = {}


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"))


def _entry_json(entry: Entry) -> dict[str, Any]:
    return {
        "hash": entry.hash,
        "stamp": entry.stamp,
        "analysed": entry.analysed,
        "summarised": entry.summarised,
        "summary": summary_to_json(entry.summary) if entry.summary is not None else None,
        "summary_digest": summary_digest(entry),
        "reexports": [list(pair) for pair in entry.reexports],
        "consults": list(entry.consults) if entry.consults is not None else None,
    }


def _decoded(raw: tuple[str, str, str]) -> Entry | None:
    """An entry as read (its results still text); None if it does not decode."""
    try:
        return _entry(json.loads(raw[1]), raw[2])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _entry(data: dict[str, Any], results: str) -> Entry:
    consults = data["consults"]
    return Entry(
        hash=str(data["hash"]),
        stamp=str(data["stamp"]),
        analysed=bool(data["analysed"]),
        summarised=bool(data["summarised"]),
        summary=_summary(data["summary"]),
        results=results,
        summary_digest=str(data["summary_digest"]),
        reexports=tuple((str(local), str(target)) for local, target in data["reexports"]),
        consults=None if consults is None else tuple(map(str, consults)),
    )


def _results_json(results: Results) -> dict[str, Any]:
    return {
        "dependencies": sorted(results.dependencies),
        "first": _result_json(results.first),
        "final": _result_json(results.final) if results.final is not None else None,
        "final_digest": results.final_digest,
    }


def _results(data: dict[str, Any]) -> Results:
    return Results(
        dependencies=frozenset(str(d) for d in data["dependencies"]),
        first=_result(data["first"]),
        final=_result(data["final"]) if data["final"] is not None else None,
        final_digest=str(data["final_digest"]),
    )


def _summary(data: dict[str, Any] | None) -> ModuleSummary | None:
    if data is None:
        return None
    return summary_from_json(data)


def _result_json(result: FileResult) -> dict[str, Any]:
    return {
        "path": result.path,
        "findings": [_finding_json(f) for f in result.findings],
        "errors": _plain(result.errors),
    }


def _result(data: dict[str, Any]) -> FileResult:
    return FileResult(
        path=str(data["path"]),
        findings=tuple(_finding(f) for f in data["findings"]),
        errors=tuple(FileError(**e) for e in data["errors"]),
    )


def _finding_json(finding: Finding) -> dict[str, Any]:
    out: dict[str, Any] = _plain(finding)  # enums become their values
    return out


def _finding(data: dict[str, Any]) -> Finding:
    fix = data["fix"]
    return Finding(
        code=data["code"],
        name=data["name"],
        severity=Severity(data["severity"]),
        message=data["message"],
        fix_suggestion=data["fix_suggestion"],
        path=data["path"],
        line=int(data["line"]),
        column=int(data["column"]),
        end_line=int(data["end_line"]),
        end_column=int(data["end_column"]),
        fingerprint=data["fingerprint"],
        fix=Fix(
            fix["title"],
            Applicability(fix["applicability"]),
            tuple(Edit(**e) for e in fix["edits"]),
        )
        if fix is not None
        else None,
        suppressed=bool(data["suppressed"]),
        related=tuple(Related(**r) for r in data["related"]),
    )
