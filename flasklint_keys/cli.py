"""The command line (click only: everything else lives in the engine and reporters)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click

from . import __version__
from .config import (
    Config,
    ConfigError,
    find_config_file,
    load_config,
    parse_severity,
    split_codes,
    validate_codes,
    with_overrides,
)
from .docs import explain
from .engine import Options, lint_paths
from .model import LintResult, Severity
from .reporters import REPORTERS, ReportOptions
from .rules import ALL_CODES, RULES_BY_CODE, all_meta

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
PROGRESS_MIN_FILES = 50


def _codes(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return validate_codes(split_codes(value), ALL_CODES)


def resolve_config(paths: tuple[str, ...], explicit: str | None, cwd: Path) -> Config:
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"configuration file not found: {explicit}")
        return load_config(path, ALL_CODES)
    found = find_config_file(cwd / paths[0]) if paths else None
    if found is None:
        return Config(root=str(cwd))
    return load_config(found, ALL_CODES)


def build_config(
    paths: tuple[str, ...],
    config_file: str | None,
    select: str | None,
    extend_select: str | None,
    ignore: str | None,
    exclude: str | None,
    fail_on: str | None,
) -> Config:
    cwd = Path.cwd()
    config = resolve_config(paths, config_file, cwd)
    extra_ignore = _codes(ignore) or ()
    extra_select = _codes(extend_select) or ()
    extra_exclude = tuple(part.strip() for part in exclude.split(",")) if exclude else ()
    return with_overrides(
        config,
        select=_codes(select),
        extend_select=(*config.extend_select, *extra_select),
        ignore=(*config.ignore, *extra_ignore),
        exclude=(*config.exclude, *extra_exclude),
        fail_on=parse_severity(fail_on, "--fail-on") if fail_on else None,
    )


def exit_code(result: LintResult, fail_on: Severity, exit_zero: bool) -> int:
    if any(error.kind == "internal" for error in result.errors):
        return EXIT_ERROR
    if exit_zero:
        return EXIT_OK
    failing = [f for f in result.active_findings if f.severity.rank >= fail_on.rank]
    return EXIT_FINDINGS if failing else EXIT_OK


def _use_color(output: str | None) -> bool:
    if output is not None or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr, only for interactive text runs over many files."""
    if not enabled:
        yield None
        return
    from rich.console import Console
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


def _list_rules() -> str:
    lines = []
    for meta in all_meta():
        cwe = f"CWE-{meta.cwe}" if meta.cwe else "-"
        lines.append(
            f"{meta.code}  {meta.name:<32} {meta.severity.value:<8} {cwe:<8} {meta.summary}"
        )
    return "\n".join(lines) + "\n"


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--format",
    "output_format",
    type=click.Choice(sorted(REPORTERS)),
    default="text",
    show_default=True,
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write the report to FILE instead of stdout.",
)
@click.option(
    "--select", help="Comma list of codes or prefixes to enable (replaces the configured set)."
)
@click.option("--extend-select", help="Comma list of codes or prefixes to enable in addition.")
@click.option("--ignore", help="Comma list of codes or prefixes to disable.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help="Explicit pyproject.toml or flasklint-keys.toml.",
)
@click.option("--exclude", help="Comma list of extra exclude globs.")
@click.option(
    "--force-exclude",
    is_flag=True,
    help="Apply excludes to explicitly named files too (pre-commit).",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "note"]),
    help="Lowest severity that fails the run [default: warning].",
)
@click.option(
    "--exit-zero", is_flag=True, help="Exit 0 even with findings (not on internal errors)."
)
@click.option(
    "--include-suppressed",
    is_flag=True,
    help="Keep inline-suppressed findings in the report, marked as suppressed.",
)
@click.option(
    "--report-unused-suppressions",
    is_flag=True,
    help="Report suppression comments that silence nothing.",
)
@click.option(
    "--show-source/--no-show-source",
    default=True,
    help="Show the flagged source line (text format).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary.")
@click.option("--statistics", is_flag=True, help="Print counts per rule instead of findings.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=0,
    help="Worker processes [default: CPU count].",
)
@click.option("--list-rules", is_flag=True, help="Print the rule table and exit.")
@click.option(
    "--explain", "explain_code", metavar="CODE", help="Print one rule's documentation and exit."
)
@click.version_option(__version__, "--version", prog_name="flasklint-keys")
def main(
    paths: tuple[str, ...],
    output_format: str,
    output: str | None,
    select: str | None,
    extend_select: str | None,
    ignore: str | None,
    config_file: str | None,
    exclude: str | None,
    force_exclude: bool,
    fail_on: str | None,
    exit_zero: bool,
    include_suppressed: bool,
    report_unused_suppressions: bool,
    show_source: bool,
    quiet: bool,
    statistics: bool,
    jobs: int,
    list_rules: bool,
    explain_code: str | None,
) -> None:
    """Find API-key logging and monitoring failures in Flask code under PATHS (default: .)."""
    if list_rules:
        click.echo(_list_rules(), nl=False)
        sys.exit(EXIT_OK)
    if explain_code is not None:
        rule = RULES_BY_CODE.get(explain_code.strip().upper())
        if rule is None:
            _fail(f"unknown rule code '{explain_code}'")
        click.echo(explain(rule.meta), nl=False)
        sys.exit(EXIT_OK)
    paths = paths or (".",)
    try:
        config = build_config(paths, config_file, select, extend_select, ignore, exclude, fail_on)
    except ConfigError as exc:
        _fail(str(exc))
    options = Options.from_config(config, report_unused_suppressions=report_unused_suppressions)
    interactive = output_format == "text" and not quiet and sys.stderr.isatty()
    with _progress(interactive) as progress:
        result = lint_paths(
            paths, options, jobs=jobs or None, force_exclude=force_exclude, progress=progress
        )
    missing = [e for e in result.errors if e.message == "no such file or directory"]
    if missing:
        _fail(f"{missing[0].path}: no such file or directory")
    report_options = ReportOptions(
        color=output_format == "text" and _use_color(output),
        show_source=show_source,
        quiet=quiet,
        statistics=statistics,
        include_suppressed=include_suppressed,
    )
    _write(REPORTERS[output_format](result, report_options), output)
    sys.exit(exit_code(result, config.fail_on, exit_zero))


def _write(text: str, output: str | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror or exc}")


def _fail(message: str) -> NoReturn:
    click.echo(f"flasklint-keys: error: {message}", err=True)
    sys.exit(EXIT_ERROR)
