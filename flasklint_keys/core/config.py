"""Configuration: ``[tool.flasklint-keys]`` in pyproject.toml, or flasklint-keys.toml.

Only TOML is read: a scanned repository's configuration is data, never code.
Unknown keys, unknown rule codes and ill-typed values raise :class:`ConfigError`
naming the culprit; the CLI turns that into exit code 2.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path, PurePosixPath
from typing import Any

from .model import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

TOOL_KEY = "flasklint-keys"
CONFIG_FILE = "flasklint-keys.toml"

DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "node_modules",
    "build",
    "dist",
    "__pycache__",
    ".tox",
    ".nox",
    "site-packages",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".flasklint_cache",
)


class ConfigError(Exception):
    """A configuration or usage problem; the message names the offending key or code."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    fail_on: Severity = Severity.WARNING
    credential_names: tuple[str, ...] = ()
    not_credential_names: tuple[str, ...] = ()
    credential_headers: tuple[str, ...] = ()
    sanitizers: tuple[str, ...] = ()
    logger_names: tuple[str, ...] = ()
    report_functions: tuple[str, ...] = ()
    auth_decorators: tuple[str, ...] = ()
    # Globs of test code (``None``: the default list, DEFAULT_TEST_PATHS); a configured
    # list replaces the default, so ``test-paths = []`` treats no file as a test.
    test_paths: tuple[str, ...] | None = None
    # Where the configuration file lives; globs are relative to it.
    root: str = "."
    source: str | None = None

    def fingerprint(self) -> str:
        """A stable digest of everything that can change findings (cache key)."""
        payload = {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}
        payload.pop("source", None)
        blob = json.dumps(payload, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def _jsonable(value: object) -> object:
    if isinstance(value, Severity):
        return value.value
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value


# key in TOML -> (attribute, kind)
_KEYS: dict[str, tuple[str, str]] = {
    "select": ("select", "codes"),
    "extend-select": ("extend_select", "codes"),
    "ignore": ("ignore", "codes"),
    "exclude": ("exclude", "strings"),
    "per-file-ignores": ("per_file_ignores", "per-file"),
    "fail-on": ("fail_on", "severity"),
    "credential-names": ("credential_names", "strings"),
    "not-credential-names": ("not_credential_names", "strings"),
    "credential-headers": ("credential_headers", "strings"),
    "sanitizers": ("sanitizers", "strings"),
    "logger-names": ("logger_names", "strings"),
    "report-functions": ("report_functions", "strings"),
    "auth-decorators": ("auth_decorators", "strings"),
    "test-paths": ("test_paths", "strings"),
}


def parse_table(
    table: Mapping[str, Any], *, known_codes: Iterable[str], where: str
) -> dict[str, Any]:
    """Validate a ``[tool.flasklint-keys]`` table and convert it to Config field values."""
    codes = tuple(known_codes)
    values: dict[str, Any] = {}
    for key, raw in table.items():
        if key not in _KEYS:
            raise ConfigError(f"{where}: unknown configuration key '{key}'")
        attr, kind = _KEYS[key]
        values[attr] = _convert(key, kind, raw, codes, where)
    return values


def _convert(key: str, kind: str, raw: Any, codes: Sequence[str], where: str) -> Any:
    if kind == "severity":
        return parse_severity(raw, f"{where}: '{key}'")
    if kind == "per-file":
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: '{key}' must be a table of glob = [codes]")
        pairs = []
        for glob, value in raw.items():
            name = f"{key}.{glob}"
            pairs.append(
                (str(glob), _config_codes(name, _strings(name, value, where), codes, where))
            )
        return tuple(pairs)
    strings = _strings(key, raw, where)
    if kind == "codes":
        return _config_codes(key, strings, codes, where)
    return strings


def _config_codes(
    key: str, strings: tuple[str, ...], codes: Sequence[str], where: str
) -> tuple[str, ...]:
    try:
        return validate_codes(strings, codes)
    except ConfigError as exc:
        # The bare message names the code; a file's message also names the file and key.
        raise ConfigError(f"{where}: '{key}': {exc}") from None


def _strings(key: str, raw: Any, where: str) -> tuple[str, ...]:
    # A bare string is refused (as ruff does): `select = "FLK1"` is easy to misread as a prefix list.
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise ConfigError(f"{where}: '{key}' must be a list of strings")
    return tuple(raw)


def parse_severity(raw: object, what: str) -> Severity:
    try:
        return Severity(str(raw).lower())
    except ValueError:
        raise ConfigError(f"{what} must be one of error, warning, note (got {raw!r})") from None


def validate_codes(selectors: Iterable[str], known_codes: Sequence[str]) -> tuple[str, ...]:
    """Upper-case selectors and check each names at least one rule (``FLK1``, ``FLK101``, ``ALL``)."""
    out = []
    for raw in selectors:
        selector = raw.strip().upper()
        if not selector:
            continue
        if selector != "ALL" and not any(code.startswith(selector) for code in known_codes):
            raise ConfigError(f"unknown rule code or prefix '{raw.strip()}'")
        out.append(selector)
    return tuple(out)


def split_codes(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(part.strip() for part in value.split(",") if part.strip())


def enabled_codes(config: Config, known_codes: Sequence[str]) -> frozenset[str]:
    """Resolve select/extend-select/ignore; the most specific selector wins, as in ruff."""
    select = config.select if config.select is not None else ("ALL",)
    return _layer(frozenset(), select, config.extend_select, config.ignore, known_codes)


def _layer(
    previous: frozenset[str],
    select: tuple[str, ...] | None,
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    known_codes: Sequence[str],
) -> frozenset[str]:
    """One selection layer: ``select`` starts afresh, otherwise it edits ``previous``.

    Within the layer the most specific matching selector decides (ignore wins a tie);
    a code no selector of the layer matches keeps its previous state.
    """
    chosen = (*(select or ()), *extend_select)
    enabled = set() if select is not None else set(previous)
    for code in known_codes:
        on = _best_match(code, chosen)
        off = _best_match(code, ignore)
        if on < 0 and off < 0:
            continue
        if on > off:
            enabled.add(code)
        else:
            enabled.discard(code)
    return frozenset(enabled)


def apply_cli_selection(
    config: Config,
    known_codes: Sequence[str],
    select: tuple[str, ...] | None,
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
) -> Config:
    """Layer command-line selectors over the configured ones, as ruff does.

    ``--select`` replaces the configured selection entirely (its ``ignore`` and
    ``extend-select`` too); ``--ignore``/``--extend-select`` alone edit the configured
    result, so ``--ignore FLK1`` switches off ``FLK101`` even when the file selects
    ``FLK101`` explicitly. The result is pinned as an explicit list of codes.
    """
    if select is None and not extend_select and not ignore:
        return config
    base = enabled_codes(config, known_codes)
    final = _layer(base, select, extend_select, ignore, known_codes)
    pinned = tuple(code for code in known_codes if code in final)
    return replace(config, select=pinned, extend_select=(), ignore=())


def _best_match(code: str, selectors: Iterable[str]) -> int:
    best = -1
    for selector in selectors:
        if selector == "ALL":
            best = max(best, 0)
        elif code.startswith(selector):
            best = max(best, len(selector))
    return best


def ignored_for_path(config: Config, relpath: str) -> frozenset[str]:
    """Codes (prefixes) that ``per-file-ignores`` switch off for a file.

    Globs match the path relative to the configuration file's directory (so they
    mean the same whatever directory the tool runs from), the path as displayed,
    or the bare file name.
    """
    if not config.per_file_ignores:
        return frozenset()
    out: set[str] = set()
    candidates = {relpath, relpath.rsplit("/", 1)[-1], _relative_to_root(config, relpath)}
    for glob, codes in config.per_file_ignores:
        if any(fnmatch.fnmatchcase(candidate, glob) for candidate in candidates):
            out.update(codes)
    return frozenset(out)


def _relative_to_root(config: Config, relpath: str) -> str:
    try:
        rel = os.path.relpath(os.path.abspath(relpath), os.path.abspath(config.root))
    except ValueError:  # another drive on Windows
        return relpath
    return rel.replace(os.sep, "/")


def find_config_file(start: Path) -> Path | None:
    """The nearest flasklint-keys.toml, or pyproject.toml with our table, upward from start."""
    directory = start if start.is_dir() else start.parent
    directory = directory.resolve()
    for candidate_dir in (directory, *directory.parents):
        dedicated = candidate_dir / CONFIG_FILE
        if dedicated.is_file():
            return dedicated
        pyproject = candidate_dir / "pyproject.toml"
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
    return None


def _has_tool_table(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Silently skipping a broken file that configures us would lint with the
        # wrong settings; a broken pyproject.toml of some other tool is not our business.
        if f"tool.{TOOL_KEY}" in text:
            raise ConfigError(f"invalid TOML in {path}: {exc}") from None
        return False
    tool = data.get("tool")
    return isinstance(tool, dict) and TOOL_KEY in tool


def load_config(path: Path, known_codes: Iterable[str]) -> Config:
    """Read one configuration file; errors name the file and key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read configuration {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"invalid TOML in {path}: {exc}") from None
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        table = tool.get(TOOL_KEY, {}) if isinstance(tool, dict) else {}
    else:
        tool = data.get("tool")
        nested = tool.get(TOOL_KEY) if isinstance(tool, dict) else None
        table = nested if isinstance(nested, dict) else data
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.{TOOL_KEY}] must be a table")
    values = parse_table(table, known_codes=known_codes, where=str(path))
    return Config(**values, root=str(path.parent), source=str(path))


def with_overrides(config: Config, **overrides: Any) -> Config:
    """Apply command-line overrides; ``None`` means "not given"."""
    given = {key: value for key, value in overrides.items() if value is not None}
    return replace(config, **given)


@dataclass(frozen=True)
class PathRules:
    """Compiled exclusion rules for discovery."""

    names: frozenset[str] = field(default_factory=frozenset)
    globs: tuple[str, ...] = ()

    @classmethod
    def build(cls, patterns: Iterable[str]) -> PathRules:
        names = set()
        globs = []
        for pattern in patterns:
            stripped = pattern.strip().rstrip("/")
            if not stripped:
                continue
            if any(ch in stripped for ch in "*?[/"):
                globs.append(stripped)
            else:
                names.add(stripped)
        return cls(frozenset(names), tuple(globs))

    def excludes(self, relpath: str) -> bool:
        parts = relpath.split("/")
        if any(part in self.names for part in parts):
            return True
        for glob in self.globs:
            if "/" in glob:
                if fnmatch.fnmatchcase(relpath, glob) or fnmatch.fnmatchcase(relpath, glob + "/*"):
                    return True
            elif any(fnmatch.fnmatchcase(part, glob) for part in parts):
                return True
        return False


# Test code, where rules about production behaviour are off (FLK202/203/303/304/402).
# A glob ending in ``/`` names a directory (anywhere in the path unless it contains
# another ``/``); a glob without ``/`` matches any path component (the file name);
# any other glob matches the path relative to the configuration's directory.
DEFAULT_TEST_PATHS: tuple[str, ...] = (
    "tests/",
    "test/",
    "testing/",
    "test_*.py",
    "*_test.py",
    "conftest.py",
)


def is_test_file(display: str, config: Config | None = None) -> bool:
    """Is ``display`` test code by the configuration's ``test-paths`` (default list if unset)?"""
    globs = DEFAULT_TEST_PATHS if config is None or config.test_paths is None else config.test_paths
    if not globs:
        return False
    path = PurePosixPath(display.replace(os.sep, "/"))
    parts = path.parts
    candidates = {path.as_posix()}
    if config is not None:
        candidates.add(_relative_to_root(config, display))
    return any(_test_glob_matches(glob, parts, candidates) for glob in globs)


def _test_glob_matches(glob: str, parts: tuple[str, ...], candidates: set[str]) -> bool:
    pattern = glob.strip()
    if pattern.startswith("./"):
        pattern = pattern[2:]
    if not pattern:
        return False
    directory = pattern.endswith("/")
    pattern = pattern.rstrip("/")
    if "/" not in pattern:
        # A bare name: a directory anywhere above the file, or (not a directory glob) any part.
        names = parts[:-1] if directory else parts
        return any(fnmatch.fnmatchcase(part, pattern) for part in names)
    return any(
        fnmatch.fnmatchcase(candidate, pattern + "/*")
        or (not directory and fnmatch.fnmatchcase(candidate, pattern))
        for candidate in candidates
    )
