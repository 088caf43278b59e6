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


@dataclass
class Suppressions:
    """Line number (1-based) -> codes silenced on it (``*`` = all)."""

    by_line: dict[int, frozenset[str]] = field(default_factory=dict)
    comment_only: set[int] = field(default_factory=set)
    used: set[tuple[int, str]] = field(default_factory=set)

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

    def unused(self) -> list[tuple[int, str]]:
        out = []
        for line, codes in sorted(self.by_line.items()):
            for code in sorted(codes):
                if (line, code) not in self.used:
                    out.append((line, code))
        return out


def has_skip_file(source: str) -> bool:
    if "skip-file" not in source:
        return False
    return any(SKIP_FILE.search(comment) for _, comment in _comments(source))


def parse_suppressions(source: str) -> Suppressions:
    result = Suppressions()
    if "noqa" not in source.lower() and "flasklint-keys" not in source.lower():
        return result
    lines = source.splitlines()
    for line, comment in _comments(source):
        codes = _codes(comment)
        if codes is None:
            continue
        result.by_line[line] = result.by_line.get(line, frozenset()) | codes
        text = lines[line - 1] if line - 1 < len(lines) else ""
        if text.lstrip().startswith("#"):
            result.comment_only.add(line)
    return result


def _codes(comment: str) -> frozenset[str] | None:
    noqa = _NOQA.search(comment)
    if noqa is not None:
        if noqa.group("codes"):
            return frozenset(c.upper() for c in _CODE.findall(noqa.group("codes")))
        return frozenset({ALL})
    ignore = _IGNORE.search(comment)
    if ignore is not None:
        inner = ignore.group("codes")
        if inner is None or not inner.strip():
            return frozenset({ALL})
        return frozenset(c.upper() for c in _CODE.findall(inner))
    return None


def _comments(source: str) -> list[tuple[int, str]]:
    """(line, text) of every real comment — not ``# noqa`` inside a string."""
    out: list[tuple[int, str]] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                out.append((token.start[0], token.string))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        # Fall back to a line scan; the file parsed with LibCST, so this is rare.
        for number, text in enumerate(source.splitlines(), start=1):
            if "#" in text:
                out.append((number, text[text.index("#") :]))
    return out
