"""The command line (click only: everything else lives in the engine and reporters)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from . import __version__
from ._rule_index import CODES as ALL_CODES
from ._rule_index import RULES
from ._source import STDIN, decode_source
from .config import (
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
from .model import LintResult, Severity
from .options import Options
from .reporters import REPORTERS, ReportOptions
from .runner import default_cache_dir, run

if TYPE_CHECKING:
    from .baseline import Baseline

# Features that need LibCST (fixing, --add-noqa, standard input, --explain) import it
# when used: linting a cached tree or printing --version starts in a fraction of the time.

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
PROGRESS_MIN_FILES = 50


def _codes(value: str | None, option: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    try:
        return validate_codes(split_codes(value), ALL_CODES)
    except ConfigError as exc:
        raise ConfigError(f"{option}: {exc}") from None


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
    # Command-line selectors form a layer over the configured ones (ruff's semantics).
    config = apply_cli_selection(
        config,
        ALL_CODES,
        _codes(select, "--select"),
        _codes(extend_select, "--extend-select") or (),
        _codes(ignore, "--ignore") or (),
    )
    extra_exclude = tuple(part.strip() for part in exclude.split(",")) if exclude else ()
    return with_overrides(
        config,
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


MACHINE_FORMATS = frozenset({"json", "sarif", "github"})


def show_progress(output_format: str, quiet: bool, stderr_is_tty: bool) -> bool:
    """Only people watching a terminal get a progress bar: never CI logs or machine output."""
    return output_format not in MACHINE_FORMATS and not quiet and stderr_is_tty


def _stderr_is_tty() -> bool:
    return sys.stderr.isatty()


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
    for code, name, severity, cwe_id, summary in RULES:
        cwe = f"CWE-{cwe_id}" if cwe_id else "-"
        lines.append(f"{code}  {name:<32} {severity:<8} {cwe:<8} {summary}")
    return "\n".join(lines) + "\n"


class GuardedCommand(click.Command):
    """Last resort: an unexpected exception is an internal error (exit 2), not a traceback.

    Per-file failures are already isolated by the engine; this catches the rest of
    the run. ``FLASKLINT_KEYS_TRACEBACK=1`` lets the exception through for debugging.
    """

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if os.environ.get("FLASKLINT_KEYS_TRACEBACK"):
                raise
            click.echo(
                f"flasklint-keys: internal error: {type(exc).__name__}: {exc}\n"
                "(set FLASKLINT_KEYS_TRACEBACK=1 to see the traceback, and please report it)",
                err=True,
            )
            ctx.exit(EXIT_ERROR)


@click.command(cls=GuardedCommand, context_settings={"help_option_names": ["-h", "--help"]})
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
    "--sarif-output",
    type=click.Path(dir_okay=False),
    help="Also write a SARIF report to FILE (whatever --format says).",
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
    "--baseline",
    "baseline_file",
    type=click.Path(dir_okay=False),
    help="Report only findings not recorded in this baseline FILE.",
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False),
    help="Record the current findings to FILE and exit.",
)
@click.option(
    "--add-noqa",
    is_flag=True,
    help="Append '# noqa: CODE' to every current finding's statement and exit.",
)
@click.option(
    "--stdin-filename",
    metavar="NAME",
    help="With PATH '-': lint standard input as if it were the file NAME (editors).",
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
@click.option("--no-cache", is_flag=True, help="Do not read or write the result cache.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    help="Where the result cache lives [default: .flasklint_cache/ next to the configuration].",
)
@click.option(
    "--fix", is_flag=True, help="Apply safe fixes (files are rewritten; comments survive)."
)
@click.option(
    "--unsafe-fixes",
    is_flag=True,
    help="With --fix or --diff: also apply fixes that change behaviour.",
)
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing.")
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
    baseline_file: str | None,
    write_baseline: str | None,
    add_noqa: bool,
    stdin_filename: str | None,
    sarif_output: str | None,
    show_source: bool,
    quiet: bool,
    statistics: bool,
    jobs: int,
    no_cache: bool,
    cache_dir: str | None,
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    list_rules: bool,
    explain_code: str | None,
) -> None:
    """Find API-key logging and monitoring failures in Flask code under PATHS (default: .)."""
    if list_rules:
        click.echo(_list_rules(), nl=False)
        sys.exit(EXIT_OK)
    if explain_code is not None:
        from .docs import explain
        from .rules import RULES_BY_CODE

        rule = RULES_BY_CODE.get(explain_code.strip().upper())
        if rule is None:
            _fail(f"unknown rule code '{explain_code}'")
        click.echo(explain(rule.meta), nl=False)
        sys.exit(EXIT_OK)
    use_stdin = _reads_stdin(paths, stdin_filename, add_noqa)
    paths = paths or (".",)
    try:
        config_paths = (stdin_filename,) if use_stdin and stdin_filename else paths
        config = build_config(
            config_paths, config_file, select, extend_select, ignore, exclude, fail_on
        )
        known = _load_baseline(baseline_file)
    except ConfigError as exc:
        _fail(str(exc))
    options = Options.from_config(config, report_unused_suppressions=report_unused_suppressions)
    if use_stdin and (fix or diff):
        sys.exit(_fix_stdin(stdin_filename, options, unsafe_fixes, diff))
    if use_stdin:
        result = _lint_stdin(stdin_filename, config, options, force_exclude)
    else:
        interactive = show_progress(output_format, quiet, _stderr_is_tty())
        with _progress(interactive) as progress:
            result = run(
                paths,
                options,
                jobs=jobs or None,
                force_exclude=force_exclude,
                progress=progress,
                cache_dir=None
                if no_cache
                else Path(cache_dir)
                if cache_dir
                else default_cache_dir(options, Path.cwd()),
            )
    missing = [e for e in result.errors if e.message == "no such file or directory"]
    if missing:
        _fail(f"{missing[0].path}: no such file or directory")
    if write_baseline is not None:
        sys.exit(_write_baseline(result, write_baseline))
    if known is not None:
        from .baseline import apply_baseline

        result = apply_baseline(result, known)
    if add_noqa:
        sys.exit(_add_noqa(result, options))
    if diff:
        sys.exit(_print_diff(result, options, unsafe_fixes, jobs))
    if fix:
        result = _fix(result, options, unsafe_fixes, jobs)
    report_options = ReportOptions(
        color=output_format == "text" and _use_color(output),
        show_source=show_source,
        quiet=quiet,
        statistics=statistics,
        include_suppressed=include_suppressed,
    )
    if sarif_output is not None:
        _write(REPORTERS["sarif"](result, report_options), sarif_output)
    _write(REPORTERS[output_format](result, report_options), output, report_options.color)
    sys.exit(exit_code(result, config.fail_on, exit_zero))


def _print_diff(result: LintResult, options: Options, unsafe: bool, jobs: int) -> int:
    """``--diff``: show what --fix would change, write nothing; exit 1 when there is a change."""
    from .fixer import fix_result

    run = fix_result(result, options, unsafe=unsafe, write=False, cwd=Path.cwd(), jobs=jobs or None)
    click.echo(run.diff(), nl=False)
    _report_dropped(run.dropped)
    count = run.applied
    click.echo(f"Would fix {count} finding{'s' if count != 1 else ''}.", err=True)
    if _internal_errors(result):
        return EXIT_ERROR
    return EXIT_FINDINGS if any(o.changed for o in run.outcomes) else EXIT_OK


def _fix(result: LintResult, options: Options, unsafe: bool, jobs: int) -> LintResult:
    """``--fix``: rewrite files, then report what is left."""
    from .fixer import fix_result

    run = fix_result(result, options, unsafe=unsafe, write=True, cwd=Path.cwd(), jobs=jobs or None)
    _report_dropped(run.dropped)
    remaining = len(run.result.active_findings)
    click.echo(
        f"Fixed {run.applied} finding{'s' if run.applied != 1 else ''} ({remaining} remaining).",
        err=True,
    )
    return run.result


def _report_dropped(messages: tuple[str, ...]) -> None:
    for message in messages:
        click.echo(f"flasklint-keys: warning: {message}", err=True)


def _fix_stdin(stdin_filename: str | None, options: Options, unsafe: bool, diff: bool) -> int:
    """Editors: the fixed buffer (or its diff) on standard output."""
    from ._stdin import stdin_display
    from .fixer import fix_source

    display = stdin_display(stdin_filename, Path.cwd())
    text, error = decode_source(_read_stdin(), display)
    if text is None:
        _fail(error.message if error else "standard input cannot be decoded")
    outcome = fix_source(text, display, options, unsafe)
    _report_dropped(outcome.dropped)
    click.echo(outcome.diff() if diff else outcome.fixed, nl=False)
    return EXIT_FINDINGS if diff and outcome.changed else EXIT_OK


def _reads_stdin(paths: tuple[str, ...], stdin_filename: str | None, add_noqa: bool) -> bool:
    """PATH ``-`` (or ``--stdin-filename`` without PATH) lints standard input."""
    if STDIN not in paths and not (stdin_filename and not paths):
        if stdin_filename:
            _fail("--stdin-filename needs PATH '-'")
        return False
    if paths not in ((), (STDIN,)):
        _fail("PATH '-' (standard input) cannot be combined with other paths")
    if add_noqa:
        _fail("--add-noqa edits files; it cannot be used with standard input")
    return True


def _lint_stdin(
    stdin_filename: str | None, config: Config, options: Options, force_exclude: bool
) -> LintResult:
    from ._stdin import empty_result, lint_stdin, stdin_display, stdin_excluded

    cwd = Path.cwd()
    data = _read_stdin()  # always drained, so the editor's write never hits a closed pipe
    if stdin_filename and force_exclude and stdin_excluded(stdin_filename, config, cwd):
        return empty_result(options)
    return lint_stdin(data, stdin_display(stdin_filename, cwd), options)


def _read_stdin() -> bytes:
    # Bytes, so the engine decodes the buffer as it would the file (PEP 263 cookie, BOM).
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is not None:
        return bytes(buffer.read())
    return sys.stdin.read().encode("utf-8")


def _load_baseline(path: str | None) -> Baseline | None:
    if path is None:
        return None
    from .baseline import BaselineError, load_baseline

    try:
        return load_baseline(Path(path))
    except BaselineError as exc:
        raise ConfigError(str(exc)) from None


def _write_baseline(result: LintResult, path: str) -> int:
    from .baseline import BaselineError, write_baseline

    try:
        count = write_baseline(result, Path(path))
    except BaselineError as exc:
        _fail(str(exc))
    click.echo(f"Wrote {count} finding{'s' if count != 1 else ''} to baseline {path}.", err=True)
    return EXIT_ERROR if _internal_errors(result) else EXIT_OK


def _add_noqa(result: LintResult, options: Options) -> int:
    from ._add_noqa import add_noqa

    report = add_noqa(result, options, Path.cwd())
    files = len(report.added)
    click.echo(
        f"Added noqa directives for {report.total} finding{'s' if report.total != 1 else ''}"
        f" in {files} file{'s' if files != 1 else ''}.",
        err=True,
    )
    for problem in report.problems:
        click.echo(f"flasklint-keys: warning: {problem}", err=True)
    if _internal_errors(result):
        return EXIT_ERROR
    return EXIT_FINDINGS if report.problems else EXIT_OK


def _internal_errors(result: LintResult) -> bool:
    return any(error.kind == "internal" for error in result.errors)


def _write(text: str, output: str | None, color: bool = False) -> None:
    if output is None:
        # click strips ANSI codes when stdout is not a terminal unless told otherwise,
        # which would defeat FORCE_COLOR; without colour the text has no codes to strip.
        click.echo(text, nl=False, color=color or None)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror or exc}")


def _fail(message: str) -> NoReturn:
    click.echo(f"flasklint-keys: error: {message}", err=True)
    sys.exit(EXIT_ERROR)
