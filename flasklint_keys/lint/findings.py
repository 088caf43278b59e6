"""From a rule's raw finding (a node) to a reported :class:`Finding`: positions,
suppressions, fingerprints, text edits — computed only for files with findings."""

from __future__ import annotations

import io
import tokenize
from collections.abc import Iterable, Iterator, Mapping, Sequence

import libcst as cst
from libcst.metadata import CodePosition, CodeRange

from ..core import catalog
from ..core.findings import engine_finding, finding_digest
from ..core.model import Finding, Related
from ..core.options import Options
from ..rules.base import RawFinding
from .edits import ImportSite, import_anchor, text_fix
from .positions import positions as node_positions
from .suppressions import ALL, Suppressions


def reports_unused_suppressions(options: Options, ignored: Iterable[str] = ()) -> bool:
    """FLK001 runs with ``--report-unused-suppressions`` while selected (and not ignored here)."""
    code = catalog.UNUSED_SUPPRESSION
    return (
        options.report_unused_suppressions
        and code in options.enabled
        and not any(code.startswith(i) for i in ignored)
    )


def unused_suppressions(
    source: str, display: str, suppressions: Suppressions, ran: Sequence[str]
) -> Iterator[Finding]:
    meta = catalog.meta(catalog.UNUSED_SUPPRESSION)
    assert meta is not None
    lines = source.splitlines()
    occurrences: dict[str, int] = {}
    for directive, codes in suppressions.unused(ran):
        text = lines[directive.line - 1].strip() if directive.line <= len(lines) else ""
        occurrence = occurrences.get(text, 0)
        occurrences[text] = occurrence + 1
        named = ", ".join("a bare ignore" if code == ALL else code for code in codes)
        verb = "silences" if len(codes) == 1 else "silence"
        # Only a directive naming FLK001 silences it: a bare one would silence its own report.
        silenced = any(
            other.line == directive.line
            and any(code != ALL and meta.code.startswith(code) for code in other.codes)
            for other in suppressions.directives
        )
        yield engine_finding(
            meta,
            display,
            directive.line,
            (directive.column, directive.end_column),
            f"unused suppression: {named} {verb} no finding here",
            text,
            occurrence,
            silenced,
        )


def finalise(
    module: cst.Module,
    source: str,
    display: str,
    raw: Sequence[RawFinding],
    suppressions: Suppressions,
) -> list[tuple[RawFinding, Finding]]:
    positions = node_positions(module, _needed_nodes(module, raw))
    lines_of_source = source.splitlines()
    site = ImportSite(module, positions)
    occurrences: dict[tuple[str, str], int] = {}
    findings: list[tuple[RawFinding, Finding]] = []
    seen: set[tuple[str, int, int, int, int]] = set()
    for item in sorted(raw, key=lambda r: _start(positions, r.node)):
        where = _range(positions[item.node], item.span)
        key = (
            item.meta.code,
            where.start.line,
            where.start.column,
            where.end.line,
            where.end.column,
        )
        if key in seen:
            continue
        seen.add(key)
        statement_text = _statement_text(module, item)
        occurrence_key = (item.meta.code, statement_text)
        occurrence = occurrences.get(occurrence_key, 0)
        occurrences[occurrence_key] = occurrence + 1
        lines = _suppression_lines(positions, item, where, suppressions)
        findings.append(
            (
                item,
                Finding(
                    code=item.meta.code,
                    name=item.meta.name,
                    severity=item.meta.severity,
                    message=item.message,
                    fix_suggestion=item.help or item.meta.fix_suggestion,
                    path=display,
                    line=where.start.line,
                    column=where.start.column + 1,
                    end_line=where.end.line,
                    end_column=where.end.column + 1,
                    fingerprint=finding_digest(item.meta.code, display, statement_text, occurrence),
                    fix=text_fix(module, positions, item.fix, lines_of_source, site),
                    suppressed=suppressions.match(item.meta.code, lines) is not None,
                    related=_related(display, positions, item.related),
                ),
            )
        )
    return findings


def _needed_nodes(module: cst.Module, raw: Sequence[RawFinding]) -> set[cst.CSTNode]:
    """Every node whose position a finding, its suppression lines or its fix will ask for."""
    nodes: set[cst.CSTNode] = set()
    names = sorted({name for item in raw if item.fix is not None for name in item.fix.imports})
    nodes.update(import_anchor(module, names))  # where added imports go
    for item in raw:
        nodes.add(item.node)
        if item.statement is not None:
            nodes.add(item.statement)
        nodes.update(entry[0] for entry in item.related if not isinstance(entry, Related))
        if item.fix is not None:
            nodes.update(r.old for r in item.fix.replacements)
            nodes.update(anchor for anchor, _ in item.fix.insert_before)
    return nodes


def _related(
    display: str,
    positions: Mapping[cst.CSTNode, CodeRange],
    items: Sequence[tuple[cst.CSTNode, str] | Related],
) -> tuple[Related, ...]:
    out = []
    for item in items:
        if isinstance(item, Related):
            out.append(item)
        elif item[0] in positions:
            where = positions[item[0]]
            out.append(Related(display, where.start.line, where.start.column + 1, item[1]))
    return tuple(out)


def _range(where: CodeRange, span: int | None) -> CodeRange:
    if span is None:
        return where
    return CodeRange(where.start, CodePosition(where.start.line, where.start.column + span))


def _start(positions: Mapping[cst.CSTNode, CodeRange], node: cst.CSTNode) -> tuple[int, int]:
    where = positions[node]
    return where.start.line, where.start.column


def _suppression_lines(
    positions: Mapping[cst.CSTNode, CodeRange],
    item: RawFinding,
    where: CodeRange,
    suppressions: Suppressions,
) -> list[int]:
    """The flagged statement's lines (its header for compound statements), and a comment line above."""
    first, last = where.start.line, where.end.line
    stmt = item.statement
    if stmt is not None and stmt in positions:
        span = positions[stmt]
        first = min(first, span.start.line)
        if isinstance(stmt, cst.BaseSmallStatement):
            last = max(last, span.end.line)
    lines = list(range(first, last + 1))
    above = first - 1
    while above in suppressions.comment_only:
        lines.append(above)
        above -= 1
    return lines


def _statement_text(module: cst.Module, item: RawFinding) -> str:
    """The flagged statement's tokens, without comments or layout (for fingerprints)."""
    stmt = item.statement
    node = stmt if isinstance(stmt, cst.BaseSmallStatement) else item.node
    return normalised_code(module.code_for_node(node))


_LAYOUT_TOKENS = frozenset(
    {
        tokenize.COMMENT,
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENDMARKER,
    }
)


def normalised_code(code: str) -> str:
    """``log.info(\n  key,  # why\n)`` and ``log.info(key)`` give the same text."""
    try:
        tokens = tokenize.generate_tokens(io.StringIO(code.strip()).readline)
        words = [tok.string for tok in tokens if tok.type not in _LAYOUT_TOKENS]
    except (tokenize.TokenError, SyntaxError):
        return " ".join(code.split())
    # A formatter's "magic trailing comma" is layout too.
    kept = [
        w
        for i, w in enumerate(words)
        if not (w == "," and i + 1 < len(words) and words[i + 1] in ")]}")
    ]
    return " ".join(kept)
