"""``--format text``: ruff-like diagnostics with the source line underlined."""

from __future__ import annotations

import io
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from ..core.model import Applicability, Finding, LintResult, Severity
from ._options import ReportOptions
from .hints import fix_hint

SEVERITY_STYLE = {
    Severity.ERROR: "bold red",
    Severity.WARNING: "bold yellow",
    Severity.NOTE: "bold cyan",
}


# What ASCII text may hold that a terminal would obey: C0 controls (tab aside) and DEL.
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def escape_control(text: str) -> str:
    """Show control characters (terminal escapes, bidi overrides) instead of obeying them."""
    if text.isascii() and _ASCII_CONTROL.search(text) is None:
        return text.replace("\t", "    ")  # the common case, without a loop per character
    out = []
    for ch in text:
        if ch == "\t":
            out.append("    ")
        elif (
            ord(ch) < 0x20
            or 0x7F <= ord(ch) < 0xA0
            or unicodedata.category(ch) in ("Cf", "Cs", "Co")
        ):
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


def _source_block(finding: Finding, lines: list[str] | None) -> list[Text]:
    if lines is None or not 1 <= finding.line <= len(lines):
        return []
    raw = lines[finding.line - 1]
    number = str(finding.line)
    gutter = " " * len(number)
    start = finding.column - 1
    end = finding.end_column - 1 if finding.end_line == finding.line else len(raw)
    prefix = escape_control(raw[:start])
    marked = escape_control(raw[start:end]) or " "
    line = Text(f"{number} | ", style="blue")
    line.append(escape_control(raw))
    underline = Text(f"{gutter} | ", style="blue")
    # Terminal cells, not characters: wide (CJK) characters take two columns.
    underline.append(
        " " * cell_len(prefix) + "^" * max(1, cell_len(marked)),
        style=SEVERITY_STYLE[finding.severity],
    )
    return [Text(f"{gutter} |", style="blue"), line, underline]


def _finding_lines(finding: Finding, lines: list[str] | None, options: ReportOptions) -> list[Text]:
    head = Text()
    head.append(f"{escape_control(finding.path)}:{finding.line}:{finding.column}: ", style="bold")
    head.append(finding.code, style=SEVERITY_STYLE[finding.severity])
    head.append(f" [{finding.name}] ")
    head.append(escape_control(finding.message))
    out = [head]
    if options.quiet:
        return out
    if options.show_source:
        out.extend(_source_block(finding, lines))
    for related in finding.related:
        note = Text("  = note: ", style="cyan")
        note.append(
            f"{escape_control(related.message)}"
            f" ({escape_control(related.path)}:{related.line}:{related.column})"
        )
        out.append(note)
    help_line = Text("  = help: ", style="green")
    help_line.append(escape_control(finding.fix_suggestion))
    if finding.fix is not None:
        help_line.append(
            f" [fix available: {finding.fix.title} ({finding.fix.applicability.value})]"
        )
    out.append(help_line)
    out.append(Text(""))
    return out


def _errors(result: LintResult) -> list[Text]:
    out = []
    for error in result.errors:
        line = Text("error: ", style="bold red")
        line.append(f"{escape_control(error.path)}: {escape_control(error.message)}")
        out.append(line)
    return out


def _summary(result: LintResult, unsafe: bool = False) -> list[Text]:
    active = result.active_findings
    out: list[Text] = []
    if not active:
        files = "file" if result.files_checked == 1 else "files"
        if result.errors:
            # Something could not be checked (listed above): the run did not pass.
            count = len({error.path for error in result.errors})
            out.append(
                Text(
                    f"Not all checks ran: {count} {'file' if count == 1 else 'files'} "
                    f"could not be linted ({result.files_checked} {files} checked).",
                    style="bold red",
                )
            )
            return out
        out.append(
            Text(f"All checks passed ({result.files_checked} {files} checked).", style="bold green")
        )
        return out
    severities = Counter(f.severity for f in active)
    parts = [
        f"{severities[s]} {s.value}{'s' if severities[s] != 1 else ''}"
        for s in Severity
        if severities[s]
    ]
    paths = len({f.path for f in active})
    suppressed = len(result.findings) - len(active)
    summary = f"Found {len(active)} finding{'s' if len(active) != 1 else ''} ({', '.join(reversed(parts))}) "
    summary += (
        f"in {paths} of {result.files_checked} file{'s' if result.files_checked != 1 else ''}"
    )
    if suppressed:
        summary += f"; {suppressed} suppressed"
    out.append(Text(summary + ".", style="bold"))
    out.extend(_table(active, unsafe))
    hint = fix_hint(active, unsafe)
    if hint:
        out.append(Text(hint))
    return out


def _table(findings: tuple[Finding, ...], unsafe: bool = False) -> list[Text]:
    counts = Counter((f.code, f.name, f.severity) for f in findings)
    safe = Counter(
        f.code
        for f in findings
        if f.fix is not None and (f.fix.applicability is Applicability.SAFE or unsafe)
    )
    risky = Counter(f.code for f in findings if f.fix is not None) - safe
    rows = []
    for (code, name, severity), count in sorted(counts.items()):
        row = Text(f"{count:>6}  ")
        row.append(f"{code}", style=SEVERITY_STYLE[severity])
        row.append(f"  {name:<32} {severity.value}")
        notes = []
        if safe[code]:
            notes.append(f"{safe[code]} fixable")
        if risky[code]:
            notes.append(f"{risky[code]} with --unsafe-fixes")
        if notes:
            row.append(f"{' ' * (8 - len(severity.value))} {', '.join(notes)}")
        rows.append(row)
    return rows


def render_text(result: LintResult, options: ReportOptions) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=options.color,
        no_color=not options.color,
        color_system="standard" if options.color else None,
        width=max(options.width, 40),
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=True,
    )
    # Files that could not be linted are shown in every mode: with --quiet or
    # --statistics an exit code 2 would otherwise come with no explanation.
    if options.statistics:
        _print(console, [*_errors(result), *_table(result.active_findings, options.unsafe_fixes)])
        return buffer.getvalue()
    out: list[Text] = []
    lines = _Lines(result.sources)
    for finding in result.findings:
        if finding.suppressed and not options.include_suppressed:
            continue
        out.extend(_finding_lines(finding, lines.of(finding.path), options))
    out.extend(_errors(result))
    if not options.quiet:
        out.extend(_summary(result, options.unsafe_fixes))
    _print(console, out)
    return buffer.getvalue()


def _print(console: Console, lines: list[Text]) -> None:
    if console.no_color:
        # Without styles a Text is its plain string (soft wrap: no line breaking), and
        # rich's rendering costs ~0.1 ms a line: CI logs get the text directly.
        console.file.write("".join(f"{line.plain}\n" for line in lines))
        return
    for line in lines:
        console.print(line)


class _Lines:
    """Each file's lines, split once however many findings it has."""

    def __init__(self, sources: Mapping[str, str]) -> None:
        self._sources = sources
        self._lines: dict[str, list[str] | None] = {}

    def of(self, path: str) -> list[str] | None:
        if path not in self._lines:
            source = self._sources.get(path)
            self._lines[path] = source.splitlines() if source is not None else None
        return self._lines[path]
