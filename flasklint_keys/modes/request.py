"""The command line as one frozen value, checked before anything runs."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..run.source import STDIN

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """Flags that cannot be honoured together; the command line exits 2 with the message."""


class Mode(enum.Enum):
    LINT = "lint"
    FIX = "fix"
    DIFF = "diff"
    ADD_NOQA = "add-noqa"
    WRITE_BASELINE = "write-baseline"
    LIST_RULES = "list-rules"
    EXPLAIN = "explain"
    SERVER = "server"


@dataclass(frozen=True)
class Request:
    paths: tuple[str, ...] = ()
    output_format: str = "text"
    output: str | None = None
    sarif_output: str | None = None
    select: str | None = None
    extend_select: str | None = None
    ignore: str | None = None
    config_file: str | None = None
    exclude: str | None = None
    force_exclude: bool = False
    fail_on: str | None = None
    exit_zero: bool = False
    include_suppressed: bool = False
    report_unused_suppressions: bool = False
    baseline_file: str | None = None
    write_baseline: str | None = None
    add_noqa: bool = False
    stdin_filename: str | None = None
    show_source: bool = True
    quiet: bool = False
    statistics: bool = False
    jobs: int = 0
    no_cache: bool = False
    cache_dir: str | None = None
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    list_rules: bool = False
    explain_code: str | None = None
    server: bool = False

    @property
    def mode(self) -> Mode:
        if self.server:
            return Mode.SERVER
        if self.list_rules:
            return Mode.LIST_RULES
        if self.explain_code is not None:
            return Mode.EXPLAIN
        if self.write_baseline is not None:
            return Mode.WRITE_BASELINE
        if self.add_noqa:
            return Mode.ADD_NOQA
        if self.diff:
            return Mode.DIFF
        if self.fix:
            return Mode.FIX
        return Mode.LINT

    @property
    def reads_stdin(self) -> bool:
        """PATH ``-`` (or ``--stdin-filename`` without PATH) lints standard input."""
        return STDIN in self.paths or (bool(self.stdin_filename) and not self.paths)

    @property
    def lint_paths(self) -> tuple[str, ...]:
        return self.paths or (".",)

    @property
    def config_paths(self) -> tuple[str, ...]:
        """Where the configuration is looked for: the buffer's name, or the first PATH."""
        if self.reads_stdin and self.stdin_filename:
            return (self.stdin_filename,)
        return self.lint_paths

    def check(self) -> None:
        """Raise :class:`UsageError` for flags that contradict each other."""
        if self.server:
            others = [flag for flag, on in self._mode_flags().items() if on and flag != "--server"]
            if self.paths or others:
                what = "PATH" if self.paths else others[0]
                raise UsageError(f"--server takes its files from the editor: drop {what}")
        if not self.reads_stdin:
            if self.stdin_filename:
                raise UsageError("--stdin-filename needs PATH '-'")
            return
        if self.paths not in ((), (STDIN,)):
            raise UsageError("PATH '-' (standard input) cannot be combined with other paths")
        if self.add_noqa:
            raise UsageError("--add-noqa edits files; it cannot be used with standard input")

    def _mode_flags(self) -> dict[str, bool]:
        return {
            "--server": self.server,
            "--fix": self.fix,
            "--diff": self.diff,
            "--add-noqa": self.add_noqa,
            "--write-baseline": self.write_baseline is not None,
            "--list-rules": self.list_rules,
            "--explain": self.explain_code is not None,
            "--stdin-filename": self.stdin_filename is not None,
        }
