"""The command line: click turns the flags into a :class:`~flasklint_keys.modes.Request`,
and a mode handler (``modes/``) does the rest."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from . import __version__
from .modes import Request, execute
from .modes.request import EXIT_ERROR
from .reporters import REPORTERS


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
@click.option(
    "--server",
    is_flag=True,
    help="Run as a language server (LSP over stdio) for editors; needs flasklint-keys[lsp].",
)
@click.version_option(__version__, "--version", prog_name="flasklint-keys")
def main(**flags: Any) -> None:
    """Find API-key logging and monitoring failures in Flask code under PATHS (default: .)."""
    sys.exit(execute(Request(**flags)))
