"""One invocation's settings and I/O: configuration, options, output, exit codes."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from ..core import catalog
from ..core.config import (
    Config,
    ConfigError,
    apply_cli_selection,
    find_config_file,
    load_config,
    parse_severity,
    split_codes,
    validate_codes,
    with_overrides,
)
from ..core.findings import INPUT_ERROR_KINDS
from ..core.model import LintResult, Severity
from ..core.options import Options
from ..reporters import REPORTERS, ReportOptions
from ..run.baseline import Baseline, BaselineError, apply_baseline, load_baseline
from ..run.context import Buffer
from ..run.discovery import MISSING, SKIPPED
from ..run.runner import default_cache_dir, run_project
from ..run.stats import RunStats
from .request import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, Request

if TYPE_CHECKING:
    from ..run.phases import Project

PROGRESS_MIN_FILES = 50
MACHINE_FORMATS = frozenset({"json", "sarif", "github"})


@dataclass(frozen=True)
class Session:
    request: Request
    config: Config
    options: Options
    baseline: Baseline | None
    cwd: Path

    @classmethod
    def open(cls, request: Request) -> Session:
        """Configuration, options and baseline for ``request`` (ConfigError: exit 2)."""
        cwd = Path.cwd()
        config = build_config(request, cwd)
        baseline = _load_baseline(request.baseline_file)
        options = Options.from_config(
            config, report_unused_suppressions=request.report_unused_suppressions
        )
        if not options.enabled:
            raise ConfigError(_nothing_enabled(request, config))
        return cls(request, config, options, baseline, cwd)

    # -- the pipeline ----------------------------------------------------------------------

    def run(
        self, want_project: bool = False, buffer: Buffer | None = None
    ) -> tuple[LintResult, Project | None]:
        """Lint the request's paths -- or an editor's buffer -- as one project (with a
        progress bar for people)."""
        request = self.request
        interactive = show_progress(request.output_format, request.quiet, stderr_is_tty())
        with progress_bar(interactive) as progress:
            result, project = run_project(
                request.lint_paths,
                self.options,
                cwd=self.cwd,
                jobs=request.jobs or None,
                force_exclude=request.force_exclude,
                progress=progress,
                cache_dir=self.cache_dir,
                stats=RunStats(),
                want_project=want_project,
                buffer=buffer,
            )
        return without_notes(result), project

    @property
    def unsafe_fixes(self) -> bool:
        """``--unsafe-fixes``, or ``unsafe-fixes = true`` in the configuration."""
        return self.request.unsafe_fixes or self.config.unsafe_fixes

    @property
    def cache_dir(self) -> Path | None:
        if self.request.no_cache:
            return None
        if self.request.cache_dir:
            return Path(self.request.cache_dir)
        return default_cache_dir(self.options, self.cwd)

    def without_baseline(self, result: LintResult) -> LintResult:
        return apply_baseline(result, self.baseline) if self.baseline is not None else result

    def report(self, result: LintResult) -> int:
        """Write the report(s) and return the exit code."""
        request = self.request
        options = ReportOptions(
            color=request.output_format == "text" and use_color(request.output),
            show_source=request.show_source,
            quiet=request.quiet,
            statistics=request.statistics,
            include_suppressed=request.include_suppressed,
            unsafe_fixes=self.unsafe_fixes,
        )
        if request.sarif_output is not None:
            write(REPORTERS["sarif"](result, options), request.sarif_output)
        write(REPORTERS[request.output_format](result, options), request.output, options.color)
        return exit_code(result, self.config.fail_on, request.exit_zero)


# -- configuration -------------------------------------------------------------------------


def _codes(value: str | None, option: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    try:
        return validate_codes(split_codes(value), catalog.codes())
    except ConfigError as exc:
        raise ConfigError(f"{option}: {exc}") from None


def resolve_config(paths: tuple[str, ...], explicit: str | None, cwd: Path) -> Config:
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"configuration file not found: {explicit}")
        return load_config(path, catalog.codes())
    found = find_config_file(cwd / paths[0]) if paths else None
    if found is None:
        return Config(root=str(cwd))
    return load_config(found, catalog.codes())


def build_config(request: Request, cwd: Path) -> Config:
    config = resolve_config(request.config_paths, request.config_file, cwd)
    # Command-line selectors form a layer over the configured ones (ruff's semantics).
    config = apply_cli_selection(
        config,
        catalog.codes(),
        _codes(request.select, "--select"),
        _codes(request.extend_select, "--extend-select") or (),
        _codes(request.ignore, "--ignore") or (),
    )
    exclude = request.exclude
    extra_exclude = tuple(part.strip() for part in exclude.split(",")) if exclude else ()
    return with_overrides(
        config,
        exclude=(*config.exclude, *extra_exclude),
        fail_on=parse_severity(request.fail_on, "--fail-on") if request.fail_on else None,
    )


def _nothing_enabled(request: Request, config: Config) -> str:
    """Why no rule would run: a run that checks nothing must not pass."""
    if request.select is not None and not split_codes(request.select):
        return "--select selects no rule (an empty list)"
    from_file = request.select is None and request.ignore is None and not request.extend_select
    if from_file and config.source is not None and config.select == ():
        return f"{config.source}: 'select' is empty: no rule would run"
    return "no rule is enabled: the selection and ignores leave nothing to run"


def _load_baseline(path: str | None) -> Baseline | None:
    if path is None:
        return None
    try:
        return load_baseline(Path(path))
    except BaselineError as exc:
        raise ConfigError(str(exc)) from None


# -- output and exit codes -----------------------------------------------------------------


def without_notes(result: LintResult) -> LintResult:
    """A named path that does not exist is a usage error; a file skipped because it is
    not a regular one (a FIFO) is a warning on stderr, not part of the report."""
    missing = [e for e in result.errors if e.kind == MISSING]
    if missing:
        fail(f"{missing[0].path}: {missing[0].message}")
    notes = [e for e in result.errors if e.kind == SKIPPED]
    for note in notes:
        warn(f"{note.path}: {note.message}")
    if not notes:
        return result
    return replace(result, errors=tuple(e for e in result.errors if e.kind != SKIPPED))


def exit_code(result: LintResult, fail_on: Severity, exit_zero: bool) -> int:
    if internal_errors(result):
        return EXIT_ERROR
    if exit_zero:
        return EXIT_OK
    failing = [f for f in result.active_findings if f.severity.rank >= fail_on.rank]
    return EXIT_FINDINGS if failing else EXIT_OK


def internal_errors(result: LintResult) -> bool:
    """The tool failed: an internal error, or input it could not read or decode that no
    FLK000 finding reports (FLK000 switched off): such a run must not pass."""
    return any(
        error.kind == "internal" or error.kind in INPUT_ERROR_KINDS for error in result.errors
    )


def use_color(output: str | None) -> bool:
    if output is not None or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


def stderr_is_tty() -> bool:
    return sys.stderr.isatty()


def show_progress(output_format: str, quiet: bool, stderr_is_tty: bool) -> bool:
    """Only people watching a terminal get a progress bar: never CI logs or machine output."""
    return output_format not in MACHINE_FORMATS and not quiet and stderr_is_tty


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr, only for interactive text runs over many files."""
    if not enabled:
        yield None
        return
    from rich.console import Console  # only people at a terminal pay for rich
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("linting"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = progress.add_task("lint", total=None)
    shown = False

    def update(done: int, total: int) -> None:
        nonlocal shown
        if total < PROGRESS_MIN_FILES:
            return
        if not shown:
            progress.start()
            shown = True
        progress.update(task, completed=done, total=total)

    try:
        yield update
    finally:
        if shown:
            progress.stop()


def write(text: str, output: str | None, color: bool = False) -> None:
    if output is None:
        # click strips ANSI codes when stdout is not a terminal unless told otherwise,
        # which would defeat FORCE_COLOR; without colour the text has no codes to strip.
        click.echo(text, nl=False, color=color or None)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")


def say(message: str) -> None:
    click.echo(message, err=True)


def warn(message: str) -> None:
    click.echo(f"flasklint-keys: warning: {message}", err=True)


class Failure(Exception):
    """A usage or configuration failure found mid-run: exit 2 with the message."""


def fail(message: str) -> NoReturn:
    raise Failure(message)
