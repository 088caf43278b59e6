"""Helpers for the command-line tests: run in-process, or as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from flasklint_keys.cli import main

# A request handler with one warning (FLK103) and one error (FLK101) — and nothing else.
APP = """\
import logging
from flask import Flask, request

app = Flask(__name__)
log = logging.getLogger(__name__)


@app.route("/items")
def items():
    log.info("GET %s", request.url)
    api_key = request.headers.get("X-API-Key")
    log.info("key %s", api_key)
    return "ok"
"""
APP_FINDINGS = [(10, 24, "FLK103"), (12, 24, "FLK101")]

CLEAN = "import logging\n\nlog = logging.getLogger(__name__)\nlog.info('started')\n"


@dataclass(frozen=True)
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        document = json.loads(self.stdout)
        assert isinstance(document, dict)
        return document


def _runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:  # click >= 8.2 always keeps stderr apart
        return CliRunner()


def run(args: Sequence[str], env: Mapping[str, str | None] | None = None) -> Run:
    """Invoke the CLI in-process (the working directory is the caller's).

    The colour variables of the outer environment are cleared so they cannot
    change what a test sees; ``env`` sets them explicitly.
    """
    full_env: dict[str, str | None] = {"FORCE_COLOR": None, "NO_COLOR": None, **(env or {})}
    result = _runner().invoke(main, list(args), env=full_env, catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


def run_process(
    args: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 120
) -> Run:
    """Run ``python -m flasklint_keys`` as a separate process (real stdout, real exit)."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "flasklint_keys", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def codes_at(document: Mapping[str, Any]) -> list[tuple[str, int, int, str]]:
    """(path, line, column, code) of every finding in a JSON report, in report order."""
    return [(f["path"], f["line"], f["column"], f["code"]) for f in document["findings"]]


def write(root: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
