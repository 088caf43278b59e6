"""``--format github``: GitHub Actions workflow commands, one annotation per finding.

Everything the scanned code controls (paths, messages quoting source) is
escaped as the Actions runner unescapes it, so a crafted message cannot end
its command early and inject a second one (``%0A::error ...``).
"""

from __future__ import annotations

from ..core.model import FileError, Finding, LintResult, Severity
from ._options import ReportOptions

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def escape_data(text: str) -> str:
    """The command's message (actions/toolkit ``escapeData``), and every other control
    character percent-encoded too: the console would strip or act on them, and a file
    name that lost one would name a file that does not exist."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if not any(_is_control(ch) for ch in text):
        return text
    return "".join(_percent(ch) if _is_control(ch) else ch for ch in text)


def _is_control(ch: str) -> bool:
    code = ord(ch)
    return code < 0x20 or 0x7F <= code < 0xA0


def _percent(ch: str) -> str:
    return "".join(f"%{byte:02X}" for byte in ch.encode("utf-8"))


def escape_property(text: str) -> str:
    """A ``key=value`` property (actions/toolkit ``escapeProperty``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(name: str, properties: list[tuple[str, object]], message: str) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties)
    return f"::{name} {props}::{escape_data(message)}"


def finding_command(finding: Finding) -> str:
    return _command(
        COMMAND[finding.severity],
        [
            ("file", finding.path),
            ("line", finding.line),
            ("col", finding.column),
            ("endLine", finding.end_line),
            ("endColumn", finding.end_column),
            ("title", f"{finding.code} {finding.name}"),
        ],
        finding.message,
    )


def error_command(error: FileError) -> str:
    return _command("error", [("file", error.path), ("title", "flasklint-keys")], error.message)


def render_github(result: LintResult, options: ReportOptions) -> str:
    # Annotations are alerts: suppressed findings never become one.
    lines = [finding_command(f) for f in result.active_findings]
    lines.extend(error_command(e) for e in result.errors)
    return "".join(line + "\n" for line in lines)
