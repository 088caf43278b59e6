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
        """Raise :class:`UsageError` for flags that contradict each other (exit 2, naming them).

        Each mode does one thing: flags that another mode would need, or that this
        mode would silently ignore, are refused rather than half-honoured.
        """
        if self.server:
            others = [flag for flag in self._mode_flags() if flag != "--server"]
            if self.paths or self.stdin_filename or others:
                what = "PATH" if self.paths else (others or ["--stdin-filename"])[0]
                raise UsageError(f"--server takes its files from the editor: drop {what}")
            return
        modes = self._mode_flags()
        for first, second in _PAIRS:
            if first in modes and second in modes:
                raise UsageError(f"{first} cannot be combined with {second}")
        if self.unsafe_fixes and not (self.fix or self.diff):
            raise UsageError("--unsafe-fixes needs --fix or --diff")
        if self.no_cache and self.cache_dir is not None:
            raise UsageError("--no-cache cannot be combined with --cache-dir")
        self._check_info(modes)
        self._check_reporting()
        self._check_stdin()

    def _mode_flags(self) -> list[str]:
        given = (
            (self.server, "--server"),
            (self.list_rules, "--list-rules"),
            (self.explain_code is not None, "--explain"),
            (self.write_baseline is not None, "--write-baseline"),
            (self.baseline_file is not None, "--baseline"),
            (self.add_noqa, "--add-noqa"),
            (self.fix, "--fix"),
            (self.diff, "--diff"),
        )
        return [flag for on, flag in given if on]

    def _check_info(self, modes: list[str]) -> None:
        """--list-rules and --explain print documentation: no other mode, no PATH."""
        info = [flag for flag in modes if flag in ("--list-rules", "--explain")]
        if not info:
            return
        others = [flag for flag in modes if flag not in info]
        if len(info) > 1 or others:
            raise UsageError(f"{info[0]} cannot be combined with {(info[1:] + others)[0]}")
        if self.paths or self.stdin_filename:
            raise UsageError(f"{info[0]} takes no PATH")

    def _check_reporting(self) -> None:
        """Modes that write no report refuse the flags that only shape one."""
        mode = self.mode
        silent = mode in (Mode.DIFF, Mode.ADD_NOQA, Mode.WRITE_BASELINE) or (
            mode is Mode.FIX and self.reads_stdin
        )
        if not silent:
            return
        name = _MODE_FLAG[mode]
        for flag, given in self._report_flags():
            if given:
                where = " on standard input" if mode is Mode.FIX else ""
                raise UsageError(f"{name}{where} writes no report; {flag} would be ignored")

    def _report_flags(self) -> tuple[tuple[str, bool], ...]:
        return (
            ("--output", self.output is not None),
            ("--sarif-output", self.sarif_output is not None),
            ("--format", self.output_format != "text"),
            ("--statistics", self.statistics),
            ("--include-suppressed", self.include_suppressed),
        )

    def _check_stdin(self) -> None:
        if not self.reads_stdin:
            if self.stdin_filename:
                raise UsageError("--stdin-filename needs PATH '-'")
            return
        if self.paths not in ((), (STDIN,)):
            raise UsageError("PATH '-' (standard input) cannot be combined with other paths")
        if self.add_noqa:
            raise UsageError("--add-noqa edits files; it cannot be used with standard input")


# Mode flags that contradict each other: each names a different thing to do with the findings.
_PAIRS = (
    ("--add-noqa", "--fix"),
    ("--add-noqa", "--diff"),
    ("--add-noqa", "--write-baseline"),
    ("--write-baseline", "--fix"),
    ("--write-baseline", "--diff"),
    ("--write-baseline", "--baseline"),
)

_MODE_FLAG = {
    Mode.FIX: "--fix",
    Mode.DIFF: "--diff",
    Mode.ADD_NOQA: "--add-noqa",
    Mode.WRITE_BASELINE: "--write-baseline",
}
