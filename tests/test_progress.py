"""The progress bar is for people at a terminal: never machine formats, never a non-TTY."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from clirun import run_cli

from flasklint_keys.modes import session as cli


@pytest.mark.parametrize(
    ("output_format", "quiet", "tty", "shown"),
    [
        ("text", False, True, True),
        ("text", True, True, False),
        ("text", False, False, False),
        ("json", False, True, False),
        ("sarif", False, True, False),
        ("github", False, True, False),
    ],
)
def test_show_progress(output_format: str, quiet: bool, tty: bool, shown: bool) -> None:
    assert cli.show_progress(output_format, quiet, tty) is shown


@pytest.mark.parametrize("output_format", ["json", "sarif", "github"])
def test_machine_formats_on_a_tty_get_no_progress(
    output_format: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(cli.PROGRESS_MIN_FILES + 1):
        (tmp_path / f"m{number}.py").write_text("x = 1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "stderr_is_tty", lambda: True)
    seen: list[bool] = []
    real = cli.progress_bar

    @contextmanager
    def spy(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
        seen.append(enabled)
        with real(enabled) as update:
            yield update

    monkeypatch.setattr(cli, "progress_bar", spy)
    outcome = run_cli(["--format", output_format, "-j", "1", "."])
    assert outcome.exit_code == 0
    assert seen == [False]
    assert outcome.stderr == ""
    if output_format != "github":
        json.loads(outcome.stdout)
    text = run_cli(["-j", "1", "."])
    assert seen == [False, True]
    assert text.stdout == f"All checks passed ({cli.PROGRESS_MIN_FILES + 1} files checked).\n"
