"""Run the command line in-process, with stdout and stderr kept apart (click 8.1 and 8.2+)."""

from __future__ import annotations

from collections.abc import Sequence

from click.testing import CliRunner, Result

from flasklint_keys.cli import main


def _runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:  # click >= 8.2 always separates them
        return CliRunner()


def run_cli(args: Sequence[str], stdin: bytes | None = None) -> Result:
    return _runner().invoke(main, list(args), input=stdin, catch_exceptions=False)
