"""GitHub's ``primaryLocationLineHash``: a port of codeql-action ``src/fingerprints.ts``.

GitHub matches alerts across commits by this hash when a SARIF file carries
it, and computes it itself only in the CodeQL upload action; other uploaders
must ship it, or every push re-opens every alert. The algorithm is a rolling
hash over the first 100 non-space/tab characters counted from the start of
each line (line endings normalised to ``\\n``), in JavaScript's 64-bit
``Long`` arithmetic over UTF-16 code units, with a ``:N`` suffix counting
repeats of the same hash. The port must stay bit-exact: the unit tests carry
the upstream test vectors.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Collection, Iterable, Iterator

BLOCK_SIZE = 100
_MOD = 37
_MASK = (1 << 64) - 1
_FIRST_MOD = pow(_MOD, BLOCK_SIZE, 1 << 64)
_TAB, _SPACE, _LF, _CR = 0x09, 0x20, 0x0A, 0x0D
# fingerprints.ts feeds this sentinel after the last character; it counts as a character.
_EOF = 65535


def _utf16_units(text: str) -> array[int]:
    """The text as JavaScript sees it (``charCodeAt``): UTF-16 code units."""
    units = array("H")
    units.frombytes(text.encode("utf-16-le", "surrogatepass"))
    if sys.byteorder == "big":
        units.byteswap()
    return units


class _RollingHash:
    """The state of ``hash()`` in fingerprints.ts, one method per inner function."""

    def __init__(self) -> None:
        self.window = [0] * BLOCK_SIZE
        self.line_numbers = [-1] * BLOCK_SIZE
        self.value = 0
        self.index = 0
        self.counts: dict[str, int] = {}

    def output(self) -> tuple[int, str]:
        hex_value = format(self.value, "x")
        self.counts[hex_value] = self.counts.get(hex_value, 0) + 1
        line = self.line_numbers[self.index]
        self.line_numbers[self.index] = -1
        return line, f"{hex_value}:{self.counts[hex_value]}"

    def update(self, current: int) -> None:
        begin = self.window[self.index]
        self.window[self.index] = current
        self.value = (_MOD * self.value + current - _FIRST_MOD * begin) & _MASK
        self.index = (self.index + 1) % BLOCK_SIZE


def iter_line_hashes(text: str) -> Iterator[tuple[int, str]]:
    """Yield ``(line, hash)`` for every line of ``text`` in order, 1-based, as GitHub does.

    A text ending in a line break has one more (empty) line, as in fingerprints.ts.
    """
    state = _RollingHash()
    line_number = 0
    line_start = True
    prev_cr = False
    units: Iterable[int] = _utf16_units(text)
    for current in (*units, _EOF):
        if current in (_SPACE, _TAB) or (prev_cr and current == _LF):
            prev_cr = False
            continue
        prev_cr = current == _CR
        if prev_cr:
            current = _LF
        if state.line_numbers[state.index] != -1:
            yield state.output()
        if line_start:
            line_start = False
            line_number += 1
            state.line_numbers[state.index] = line_number
        if current == _LF:
            line_start = True
        state.update(current)
    for _ in range(BLOCK_SIZE):
        if state.line_numbers[state.index] != -1:
            yield state.output()
        state.update(0)


def line_hashes(text: str, wanted: Collection[int] | None = None) -> dict[int, str]:
    """Line number -> hash; with ``wanted``, stop as soon as those lines are known."""
    out: dict[int, str] = {}
    remaining = set(wanted) if wanted is not None else None
    for line, value in iter_line_hashes(text):
        if remaining is None:
            out[line] = value
            continue
        if line in remaining:
            out[line] = value
            remaining.discard(line)
            if not remaining:
                break
    return out
