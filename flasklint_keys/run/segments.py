"""Very large modules in pieces: time and memory grow linearly, never with the whole file.

LibCST's syntax tree of a 5 MB generated module takes 2.5 GB and twenty
seconds to build; even ``ast`` needs 0.8 GB. A module larger than
:data:`LARGE` is therefore cut, at top-level ``def``/``class`` statements
(and their decorators and the comments right above them), into *segments* of
about :data:`SEGMENT` bytes. Each segment is parsed on its own, after a
*header*: the module's earlier imports and short module-level assignments
(``log = logging.getLogger(...)``, ``API_KEY_HEADER = "X-API-Key"``), so
that names keep their meaning. The ``ast`` pre-pass looks at each segment
(with the header's imports only), and only segments that show a construct
some enabled rule asks for go through LibCST, one at a time.

Findings, related locations, fixes and the module's summary are mapped back
from a segment's lines to the module's; findings in header lines belong to
the segment that owns those lines. What is lost, and only in modules above
:data:`LARGE`: flows between functions in different segments (a helper in one
segment that returns a credential another segment logs), and the summary
other modules see covers only the segments that were analysed.

A cut that falls inside a string or a bracket leaves a segment that does not
parse with an "unexpected end" error: the segment is then merged with the
next one. Any other syntax error is reported (FLK000) where it is.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from ..analysis.summary import ExportedFunction, ModuleSummary, SummaryLabel, SummaryTaint
from ..core.model import FileError, FileResult, Finding, Fix

# Modules larger than this (characters) are linted in segments of about SEGMENT.
LARGE = 512 * 1024
SEGMENT = 192 * 1024
# The header is capped: a module with more imports than this keeps the first ones.
HEADER_LIMIT = 64 * 1024
# Module-level assignments longer than this are tables, not names worth carrying along.
HEADER_STATEMENT_LIMIT = 400
_STARTS = ("def ", "class ", "async def ", "@")
# CPython's messages for code cut short: the cut fell inside a string or brackets.
_CUT_SHORT = ("unterminated", "was never closed", "unexpected EOF", "expected an indented block")


@dataclass(frozen=True)
class Segment:
    """A piece of a module: the header's lines, then its own lines."""

    text: str
    origin: tuple[int, ...]  # the module's line number of each line of ``text``
    own_from: int  # the module's lines [own_from, own_to] are this segment's own
    own_to: int
    header_lines: int  # how many of ``text``'s first lines are the header
    tree: ast.Module | None  # None: it does not parse (the LibCST pass reports FLK000)
    error: str = ""  # why it does not parse

    def line(self, line: int) -> int:
        """The module's line for a line of this segment's text."""
        if 1 <= line <= len(self.origin):
            return self.origin[line - 1]
        return self.own_to if line > len(self.origin) else self.own_from

    def owns(self, line: int) -> bool:
        """Whether a line of the text is one of this segment's own (not the header's)."""
        return line > self.header_lines

    def prepass_tree(self) -> ast.Module | None:
        """The segment's own statements, after the header's imports only: the header's
        assignments would otherwise make every segment look worth analysing."""
        if self.tree is None:
            return None
        body = [
            node
            for node in self.tree.body
            if node.lineno > self.header_lines or isinstance(node, ast.Import | ast.ImportFrom)
        ]
        return ast.Module(body=body, type_ignores=[])


def segments(text: str) -> Iterator[Segment] | None:
    """The segments of a module above :data:`LARGE`, one at a time (each with its ``ast``
    tree); None for a smaller one, or one without a place to cut."""
    if len(text) <= LARGE:
        return None
    lines = text.splitlines(keepends=True)
    pieces = _pieces(lines)
    if len(pieces) < 2:
        return None
    return _parsed(lines, pieces)


def _pieces(lines: Sequence[str]) -> list[tuple[int, int]]:
    """Line ranges [start, end) of about SEGMENT characters, cut where a top-level
    definition begins."""
    pieces = []
    start, size = 0, 0
    for index, line in enumerate(lines):
        if size >= SEGMENT and index > start and _starts_definition(lines, index):
            cut = _above_comments(lines, index, start)
            if cut > start:
                pieces.append((start, cut))
                start = cut
                size = sum(len(lines[i]) for i in range(cut, index))
        size += len(line)
    pieces.append((start, len(lines)))
    return pieces


def _starts_definition(lines: Sequence[str], index: int) -> bool:
    if not lines[index].startswith(_STARTS):
        return False
    previous = _previous_code(lines, index)
    return previous is None or not lines[previous].startswith("@")


def _previous_code(lines: Sequence[str], index: int) -> int | None:
    for back in range(index - 1, -1, -1):
        stripped = lines[back].strip()
        if stripped and not stripped.startswith("#"):
            return back
    return None


def _above_comments(lines: Sequence[str], index: int, floor: int) -> int:
    """Move a cut above the comment lines right before a definition (a suppression there
    belongs to it)."""
    cut = index
    while cut - 1 > floor and lines[cut - 1].startswith("#"):
        cut -= 1
    return cut


def _parsed(lines: Sequence[str], pieces: list[tuple[int, int]]) -> Iterator[Segment]:
    header: list[tuple[int, int]] = []  # the module's line ranges [start, end) of the header
    size = 0
    index = 0
    while index < len(pieces):
        start, end = pieces[index]
        segment = _segment(lines, header, start, end)
        while segment.tree is None and index + 1 < len(pieces) and _cut_short(segment.error):
            index += 1
            end = pieces[index][1]
            segment = _segment(lines, header, start, end)
        yield segment
        if segment.tree is not None:
            size = _extend_header(header, size, segment, lines)
        index += 1


def _segment(
    lines: Sequence[str], header: Sequence[tuple[int, int]], start: int, end: int
) -> Segment:
    parts: list[str] = []
    origin: list[int] = []
    for first, stop in header:
        parts.extend(lines[first:stop])
        origin.extend(range(first + 1, stop + 1))
    header_lines = len(origin)
    parts.extend(lines[start:end])
    origin.extend(range(start + 1, end + 1))
    text = "".join(parts)
    if parts and not parts[-1].endswith(("\n", "\r")):
        text += "\n"
    tree, error = _parse(text)
    return Segment(text, tuple(origin), start + 1, end, header_lines, tree, error)


def _parse(text: str) -> tuple[ast.Module | None, str]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text), ""
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return None, str(getattr(exc, "msg", exc))


def _cut_short(error: str) -> bool:
    return any(marker in error for marker in _CUT_SHORT)


def _extend_header(
    header: list[tuple[int, int]], size: int, segment: Segment, lines: Sequence[str]
) -> int:
    """Add the segment's imports and short module-level assignments to the header."""
    assert segment.tree is not None
    for node in segment.tree.body:
        if not segment.owns(node.lineno) or not _carried(node):
            continue
        first = segment.line(node.lineno) - 1
        stop = segment.line(node.end_lineno or node.lineno)
        if header and first < header[-1][1]:
            continue  # shares a line with the previous one
        length = sum(len(lines[i]) for i in range(first, stop))
        if size + length > HEADER_LIMIT:
            continue
        header.append((first, stop))
        size += length
    return size


def _carried(node: ast.stmt) -> bool:
    if isinstance(node, ast.Import | ast.ImportFrom):
        return True
    if isinstance(node, ast.Assign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        span = (node.end_lineno or node.lineno) - node.lineno
        short = span < 10 and (node.end_col_offset or 0) < HEADER_STATEMENT_LIMIT
        return short and all(isinstance(t, ast.Name) for t in targets)
    return False


# -- mapping results back to the module's lines -----------------------------------------------


def own_result(result: FileResult, segment: Segment, display: str) -> FileResult:
    """A segment's result in the module's lines, without what lies in the header."""
    findings = tuple(_finding(f, segment, display) for f in result.findings if segment.owns(f.line))
    return FileResult(result.path, findings, result.errors)


def _finding(finding: Finding, segment: Segment, display: str) -> Finding:
    line = segment.line
    return replace(
        finding,
        line=line(finding.line),
        end_line=line(finding.end_line),
        fix=_fix(finding.fix, line) if finding.fix is not None else None,
        related=tuple(
            replace(r, line=line(r.line)) if r.path == display else r for r in finding.related
        ),
    )


def _fix(fix: Fix, line: Callable[[int], int]) -> Fix:
    return replace(
        fix,
        edits=tuple(replace(e, line=line(e.line), end_line=line(e.end_line)) for e in fix.edits),
    )


def merge_results(display: str, results: Sequence[FileResult]) -> FileResult:
    findings: list[Finding] = []
    errors: list[FileError] = []
    for result in results:
        findings.extend(result.findings)
        errors.extend(e for e in result.errors if e not in errors)
    return FileResult(display, tuple(findings), tuple(errors))


def own_summary(summary: ModuleSummary, segment: Segment) -> ModuleSummary:
    """A segment's summary in the module's lines."""
    mapper = _SummaryLines(segment, summary.path)
    return replace(
        summary,
        functions=tuple(mapper.function(f) for f in summary.functions),
        g_attrs=tuple((k, mapper.taint(t)) for k, t in summary.g_attrs),
        session_keys=tuple((k, mapper.taint(t)) for k, t in summary.session_keys),
    )


def merge_summaries(summaries: Sequence[ModuleSummary]) -> ModuleSummary | None:
    """One summary of the module from its segments' (header items once)."""
    if not summaries:
        return None

    def union(values: Iterator[tuple[object, ...]]) -> tuple[object, ...]:
        seen: dict[object, None] = {}
        for group in values:
            for value in group:
                seen.setdefault(value, None)
        return tuple(seen)

    # Every field but the module's name and path is a tuple of facts (the union of the
    # segments') or a flag (set if any segment sets it): a field added to ModuleSummary
    # is merged without a change here.
    first = summaries[0]
    merged: dict[str, Any] = {}
    for f in fields(ModuleSummary):
        if f.name in ("module", "path"):
            continue
        values = [getattr(s, f.name) for s in summaries]
        merged[f.name] = any(values) if isinstance(values[0], bool) else union(iter(values))
    return replace(first, **merged)


@dataclass(frozen=True)
class _SummaryLines:
    segment: Segment
    path: str

    def function(self, function: ExportedFunction) -> ExportedFunction:
        line = self.segment.line(function.line) if function.line else 0
        return replace(function, line=line, returns=self.taint(function.returns))

    def taint(self, taint: SummaryTaint) -> SummaryTaint:
        return replace(
            taint,
            labels=tuple(self.label(label) for label in taint.labels),
            elements=tuple(self.taint(e) for e in taint.elements)
            if taint.elements is not None
            else None,
            fields=tuple((k, self.taint(v)) for k, v in taint.fields)
            if taint.fields is not None
            else None,
        )

    def label(self, label: SummaryLabel) -> SummaryLabel:
        if label.path != self.path or not label.line:
            return label
        return replace(label, line=self.segment.line(label.line))
