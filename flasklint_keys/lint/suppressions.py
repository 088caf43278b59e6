"""Inline suppressions: ``# noqa: FLK101``, ``# flasklint-keys: ignore[FLK101]``, skip-file."""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass, field

ALL = "*"
SKIP_FILE = re.compile(r"#\s*flasklint-keys\s*:\s*skip-file\b", re.IGNORECASE)
_NOQA = re.compile(
    r"#\s*noqa(?P<sep>\s*:\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)
_IGNORE = re.compile(r"#\s*flasklint-keys\s*:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)


@dataclass(frozen=True)
class Directive:
    """One suppression comment: where it is and what it silences."""

    line: int  # 1-based
    column: int  # 1-based start of the directive within the line
    end_column: int  # exclusive
    codes: frozenset[str]  # ``*`` = all
    ours: bool  # ``flasklint-keys: ignore`` (``noqa`` is shared with other linters)


@dataclass
class Suppressions:
    """Line number (1-based) -> codes silenced on it (``*`` = all)."""

    by_line: dict[int, frozenset[str]] = field(default_factory=dict)
    comment_only: set[int] = field(default_factory=set)
    used: set[tuple[int, str]] = field(default_factory=set)
    directives: list[Directive] = field(default_factory=list)

    def match(self, code: str, lines: Iterable[int]) -> int | None:
        """The line whose suppression silences ``code``, if any."""
        for line in lines:
            codes = self.by_line.get(line)
            if codes is None:
                continue
            if ALL in codes:
                self.used.add((line, ALL))
                return line
            for candidate in codes:
                if code.startswith(candidate):
                    self.used.add((line, candidate))
                    return line
        return None

    def unused(self, enabled: Iterable[str]) -> list[tuple[Directive, tuple[str, ...]]]:
        """Each directive with the codes it names that silenced nothing here.

        Only codes of enabled rules count: another linter's ``E501`` is not ours to
        judge, nor a code whose rule did not run. A bare ``# noqa`` is never
        reported (other linters read it too); a bare ``flasklint-keys: ignore`` is."""
        codes_enabled = tuple(enabled)
        out = []
        for directive in self.directives:
            idle = tuple(
                sorted(
                    code
                    for code in directive.codes
                    if (directive.line, code) not in self.used
                    and (
                        directive.ours
                        if code == ALL
                        else any(c.startswith(code) for c in codes_enabled)
                    )
                )
            )
            if idle:
                out.append((directive, idle))
        return out


def has_skip_file(source: str) -> bool:
    if "skip-file" not in source:
        return False
    return any(SKIP_FILE.search(comment) for _, _, comment in _comments(source))


def might_suppress(source: str) -> bool:
    """Whether ``source`` may hold a suppression comment (a cheap text test)."""
    lowered = source.lower()
    return "noqa" in lowered or "flasklint-keys" in lowered


def parse_suppressions(source: str) -> Suppressions:
    result = Suppressions()
    if not might_suppress(source):
        return result
    lines = source.splitlines()
    for line, column, comment in _comments(source):
        directive = _directive(line, column, comment)
        if directive is None:
            continue
        result.directives.append(directive)
        result.by_line[line] = result.by_line.get(line, frozenset()) | directive.codes
        text = lines[line - 1] if line - 1 < len(lines) else ""
        if text.lstrip().startswith("#"):
            result.comment_only.add(line)
    return result


def _directive(line: int, column: int, comment: str) -> Directive | None:
    noqa = _NOQA.search(comment)
    if noqa is not None:
        codes = (
            frozenset(c.upper() for c in _CODE.findall(noqa.group("codes")))
            if noqa.group("codes")
            else frozenset({ALL})
        )
        start, end, ours = noqa.start(), noqa.end(), False
    else:
        ignore = _IGNORE.search(comment)
        if ignore is None:
            return None
        inner = ignore.group("codes")
        codes = (
            frozenset(c.upper() for c in _CODE.findall(inner))
            if inner is not None and inner.strip()
            else frozenset({ALL})
        )
        start, end, ours = ignore.start(), ignore.end(), True
    return Directive(line, column + start + 1, column + end + 1, codes, ours)


def _comments(source: str) -> list[tuple[int, int, str]]:
    """(line, 0-based column, text) of every real comment — not ``# noqa`` inside a string."""
    out: list[tuple[int, int, str]] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                out.append((token.start[0], token.start[1], token.string))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        # Fall back to a line scan; the file parsed with LibCST, so this is rare.
        for number, text in enumerate(source.splitlines(), start=1):
            if "#" in text:
                out.append((number, text.index("#"), text[text.index("#") :]))
    return out
