"""``--add-noqa``: silence every current finding in place, to adopt the tool on legacy code.

Each finding gets a ``# noqa: CODE`` where the suppression matcher looks for
it (any line of the flagged statement): preferably the statement's last line,
never a line that ends inside a string or continues with a backslash, merged
into an existing ``# noqa: X`` / ``# flasklint-keys: ignore[X]`` comment. The
result is re-linted before it is written: a file is only written when it
still parses, and findings a comment could not reach get a comment line above
their statement instead. Files are replaced atomically, and only changed ones.
"""

from __future__ import annotations

import contextlib
import io
import re
import tokenize
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from ..analysis.project import ProjectContext
from ..core.catalog import PARSE_ERROR
from ..core.model import Finding, LintResult
from ..core.options import Options
from ..lint.engine import lint_source
from ..run.files import write_atomically
from ..run.phases import Project
from ..run.source import read_decoded

_NOQA = re.compile(
    r"#\s*noqa(?:\s*:\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)
_IGNORE = re.compile(r"#\s*flasklint-keys\s*:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)
_FSTRING_START = getattr(tokenize, "FSTRING_START", None)
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)


@dataclass
class NoqaReport:
    """What ``--add-noqa`` did: directives added per file, and what it could not do."""

    added: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.added.values())


# -- the file's lines, strings and comments ------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    """Physical lines (as the suppression parser numbers them) and what their ends allow."""

    lines: list[str]
    blocked: frozenset[int]  # line ends inside a string, or continued by a backslash
    comments: dict[int, tuple[int, str]]  # line -> (column, comment text)

    @classmethod
    def of(cls, text: str) -> _Layout:
        lines = io.StringIO(text).readlines()
        blocked: set[int] = set()
        comments: dict[int, tuple[int, str]] = {}
        # Newer syntax than this Python tokenizes: the re-lint check still guards the result.
        with contextlib.suppress(tokenize.TokenError, SyntaxError):
            _scan_tokens(text, blocked, comments)
        for number, line in enumerate(lines, start=1):
            if number not in comments and _body(line).rstrip().endswith("\\"):
                blocked.add(number)
        return cls(lines, frozenset(blocked), comments)

    def commentable(self, line: int) -> bool:
        return 1 <= line <= len(self.lines) and line not in self.blocked


def _scan_tokens(text: str, blocked: set[int], comments: dict[int, tuple[int, str]]) -> None:
    open_fstrings: list[int] = []
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = (token.start[1], token.string)
        elif token.type == _FSTRING_START:
            open_fstrings.append(token.start[0])
        elif token.type == _FSTRING_END and open_fstrings:
            blocked.update(range(open_fstrings.pop(), token.end[0]))
        elif token.type == tokenize.STRING:
            blocked.update(range(token.start[0], token.end[0]))


def _body(line: str) -> str:
    return line.rstrip("\r\n")


# -- where each finding's comment goes -------------------------------------------------------


@dataclass(frozen=True)
class _Statement:
    start: int
    end: int
    header_end: int  # compound statements: the line of the ':' that ends the header
    small: bool
    start_column: int


# Clauses with a header and a body of their own; rules may name one as the flagged statement.
_CLAUSES = (cst.ExceptHandler, cst.ExceptStarHandler, cst.Else, cst.Finally, cst.MatchCase)


class _StatementSpans(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self) -> None:
        super().__init__()
        self.spans: list[tuple[CodeRange, _Statement]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.BaseSmallStatement, cst.BaseCompoundStatement, *_CLAUSES)):
            where = self.get_metadata(PositionProvider, node)
            small = isinstance(node, cst.BaseSmallStatement)
            header_end = where.start.line if small else self._header_end(node, where)
            self.spans.append(
                (
                    where,
                    _Statement(
                        where.start.line, where.end.line, header_end, small, where.start.column
                    ),
                )
            )
        return True

    def _header_end(self, node: cst.CSTNode, where: CodeRange) -> int:
        body = getattr(node, "body", None)
        anchor = body.header if isinstance(body, cst.IndentedBlock) else body
        if isinstance(anchor, cst.CSTNode):
            found = self.get_metadata(PositionProvider, anchor, None)
            if found is not None:
                return int(found.start.line)
        return int(where.start.line)


def _statements(module: cst.Module) -> list[tuple[CodeRange, _Statement]]:
    visitor = _StatementSpans()
    MetadataWrapper(module, unsafe_skip_copy=True).visit(visitor)
    return visitor.spans


def _innermost(
    spans: Sequence[tuple[CodeRange, _Statement]], finding: Finding
) -> _Statement | None:
    point = (finding.line, finding.column - 1)
    containing = [
        statement
        for where, statement in spans
        if (where.start.line, where.start.column) <= point <= (where.end.line, where.end.column)
    ]
    # Statements nest, so the one that starts last is the innermost.
    return max(containing, key=lambda s: (s.start, s.start_column), default=None)


def _candidates(finding: Finding, statement: _Statement | None) -> list[int]:
    """Lines the suppression matcher accepts for ``finding``, best first."""
    own = list(range(finding.end_line, finding.line - 1, -1))
    if statement is None:
        return own
    if statement.small:
        # The statement's last line first: formatters keep trailing comments there.
        whole = range(statement.end, statement.start - 1, -1)
        return [statement.end, *own, *(line for line in whole if line not in own)]
    if finding.line <= statement.header_end:
        top = min(statement.header_end, finding.end_line)
        return list(range(top, min(statement.start, finding.line) - 1, -1))
    # Not in the header: the finding's own lines are the ones the matcher always accepts.
    header = range(statement.header_end, statement.start - 1, -1)
    return [*range(finding.line, finding.end_line + 1), *header]


def _choose(layout: _Layout, candidates: Iterable[int]) -> int | None:
    usable = [line for line in candidates if layout.commentable(line)]
    # Merging into an existing directive beats adding a second comment to the statement.
    for line in usable:
        comment = layout.comments.get(line)
        if comment is not None and (_NOQA.search(comment[1]) or _IGNORE.search(comment[1])):
            return line
    return usable[0] if usable else None


# -- editing ---------------------------------------------------------------------------------


def _merge_codes(existing: str, codes: Iterable[str]) -> str:
    present = [code.upper() for code in _CODE.findall(existing)]
    extra = sorted(set(codes) - set(present))
    return ", ".join([*present, *extra])


def _with_codes(comment: str, codes: set[str]) -> str | None:
    """The comment with ``codes`` merged in; None when it already silences every code."""
    noqa = _NOQA.search(comment)
    if noqa is not None:
        if not noqa.group("codes"):
            return None
        start, end = noqa.span("codes")
        return comment[:start] + _merge_codes(noqa.group("codes"), codes) + comment[end:]
    ignore = _IGNORE.search(comment)
    if ignore is not None:
        inner = ignore.group("codes")
        if inner is None or not inner.strip():
            return None
        start, end = ignore.span("codes")
        return comment[:start] + _merge_codes(inner, codes) + comment[end:]
    return f"{comment}  # noqa: {', '.join(sorted(codes))}"


def _directive(codes: Iterable[str]) -> str:
    return f"# noqa: {', '.join(sorted(set(codes)))}"


def _append(layout: _Layout, line: int, codes: set[str]) -> str:
    text = layout.lines[line - 1]
    body = _body(text)
    ending = text[len(body) :]
    comment = layout.comments.get(line)
    if comment is None:
        code = body.rstrip(" \t")
        return f"{code}  {_directive(codes)}{ending}"
    column, old = comment
    new = _with_codes(old, codes)
    if new is None:
        return text
    return body[:column] + new + body[column + len(old) :] + ending


def _apply_trailing(layout: _Layout, plan: Mapping[int, set[str]]) -> str:
    lines = list(layout.lines)
    for line, codes in plan.items():
        lines[line - 1] = _append(layout, line, codes)
    return "".join(lines)


def _insert_above(layout: _Layout, plan: Mapping[int, set[str]]) -> str:
    """Comment-only lines directly above the given lines (the matcher looks there too)."""
    lines = list(layout.lines)
    newline = _newline(lines)
    for line in sorted(plan, reverse=True):
        text = lines[line - 1]
        indent = text[: len(text) - len(text.lstrip(" \t"))]
        lines.insert(line - 1, f"{indent}{_directive(plan[line])}{newline}")
    return "".join(lines)


def _newline(lines: Sequence[str]) -> str:
    for line in lines:
        if line.endswith("\r\n"):
            return "\r\n"
        if line.endswith("\n"):
            return "\n"
    return "\n"


# -- one file --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Outcome:
    text: str
    added: int
    unresolved: tuple[Finding, ...] = ()


def _plan_trailing(
    layout: _Layout, module: cst.Module, findings: Sequence[Finding]
) -> dict[int, set[str]]:
    """Line -> codes for trailing directives; findings with no usable line are left out."""
    spans = _statements(module)
    plan: dict[int, set[str]] = defaultdict(set)
    for finding in findings:
        line = _choose(layout, _candidates(finding, _innermost(spans, finding)))
        if line is not None:
            plan[line].add(finding.code)
    return plan


def _plan_above(layout: _Layout, findings: Sequence[Finding]) -> dict[int, set[str]]:
    plan: dict[int, set[str]] = defaultdict(set)
    for finding in findings:
        # A new line may go above ``line`` only if the previous line does not end in a string.
        if finding.line == 1 or layout.commentable(finding.line - 1):
            plan[finding.line].add(finding.code)
    return plan


def suppress_source(
    text: str,
    display: str,
    findings: Sequence[Finding],
    options: Options,
    project: ProjectContext | None = None,
) -> _Outcome:
    """Add directives for ``findings`` to ``text``; raises ValueError if it cannot parse."""
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        raise ValueError(f"cannot parse: {exc.message}") from None
    layout = _Layout.of(text)
    plan = _plan_trailing(layout, module, findings)
    new_text = _apply_trailing(layout, plan)
    missed = _still_active(new_text, display, options, findings, {}, project)
    if not missed:
        return _Outcome(new_text, len(findings))
    layout = _Layout.of(new_text)
    above = _plan_above(layout, missed)
    newer = _insert_above(layout, above)
    left = _still_active(newer, display, options, missed, above, project)
    return _Outcome(newer, len(findings) - len(left), tuple(left))


def _still_active(
    text: str,
    display: str,
    options: Options,
    findings: Sequence[Finding],
    inserted: Mapping[int, set[str]],
    project: ProjectContext | None,
) -> list[Finding]:
    """Which of ``findings`` a re-lint of the edited text still reports."""

    def shift(line: int) -> int:
        return line + sum(1 for above in inserted if above <= line)

    result = lint_source(text, display, options, project)
    if any(f.code == PARSE_ERROR for f in result.findings):
        raise ValueError("the edited file no longer parses")
    active = {(f.code, f.line, f.column) for f in result.findings if not f.suppressed}
    return [f for f in findings if (f.code, shift(f.line), f.column) in active]


# -- the whole run ---------------------------------------------------------------------------


def _by_path(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        # A file that does not parse cannot carry a directive where the matcher looks.
        if finding.code != PARSE_ERROR and not finding.suppressed:
            grouped[finding.path].append(finding)
    return dict(grouped)


def add_noqa(
    result: LintResult, options: Options, cwd: Path, project: Project | None = None
) -> NoqaReport:
    """Suppress every active finding of ``result``; re-lints happen in the run's project
    context (``project``), so cross-module findings are recognised as suppressed."""
    report = NoqaReport()
    for display, findings in sorted(_by_path(result.findings).items()):
        context = project.context(display) if project is not None else None
        _one_file(cwd / display, display, findings, result, options, report, context)
    skipped = sum(1 for f in result.active_findings if f.code == PARSE_ERROR)
    if skipped:
        report.problems.append(
            f"{skipped} unparseable file{'s' if skipped != 1 else ''} left unchanged"
        )
    return report


def _one_file(
    path: Path,
    display: str,
    findings: Sequence[Finding],
    result: LintResult,
    options: Options,
    report: NoqaReport,
    project: ProjectContext | None,
) -> None:
    decoded, error = read_decoded(path, display)
    if decoded is None:
        report.problems.append(f"{display}: {error.message if error else 'cannot read'}")
        return
    text = decoded.text
    linted = result.sources.get(display)
    if linted is not None and linted != text:
        report.problems.append(f"{display}: changed since it was linted; left unchanged")
        return
    try:
        outcome = suppress_source(text, display, findings, options, project)
    except ValueError as exc:
        report.problems.append(f"{display}: {exc}; left unchanged")
        return
    for finding in outcome.unresolved:
        report.problems.append(
            f"{display}:{finding.line}:{finding.column}: could not place a directive for {finding.code}"
        )
    if outcome.text == text:
        return
    try:
        write_atomically(path, decoded.encode(outcome.text))
    except (OSError, UnicodeEncodeError) as exc:
        report.problems.append(f"{display}: cannot write: {exc}")
        return
    report.added[display] = outcome.added


__all__ = ["NoqaReport", "add_noqa", "suppress_source"]
