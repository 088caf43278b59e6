"""``--add-noqa``: every current finding silenced in place; files still parse; re-run is clean."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import libcst as cst
import pytest
from clirun import run_cli

HEAD = """\
import logging
from flask import request

log = logging.getLogger(__name__)


def view():
    key = request.headers.get("X-API-Key")
"""
BEFORE = (
    HEAD
    + '''\
    log.info(
        "key %s",
        key,
    )
    log.info("""multi
line %s""", key)
    log.info("a %s" \\
             , key)
    log.info("key %s", key); log.info("""x
    %s""", key)
    log.info("k %s %s", key,  # noqa: E501
             request.url)
    log.info("k %s", key)  # flasklint-keys: ignore[FLK103]
    if key == "x": log.info(key)
    log.info("k %s", key)  # explained
    log.info("k %s", key)   \t
    return "ok"
'''
)
AFTER = (
    HEAD
    + '''\
    log.info(
        "key %s",
        key,
    )  # noqa: FLK101
    log.info("""multi
line %s""", key)  # noqa: FLK101
    log.info("a %s" \\
             , key)  # noqa: FLK101
    # noqa: FLK101
    log.info("key %s", key); log.info("""x
    %s""", key)  # noqa: FLK101
    log.info("k %s %s", key,  # noqa: E501, FLK101, FLK103
             request.url)
    log.info("k %s", key)  # flasklint-keys: ignore[FLK103, FLK101]
    if key == "x": log.info(key)  # noqa: FLK101
    log.info("k %s", key)  # explained  # noqa: FLK101
    log.info("k %s", key)  # noqa: FLK101
    return "ok"
'''
)
LEAK = HEAD + '    log.info("key %s", key)\n'


def _active(*paths: str) -> list[tuple[str, int]]:
    outcome = run_cli(["--format", "json", "-j", "1", *paths])
    return [(f["code"], f["line"]) for f in json.loads(outcome.stdout)["findings"]]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_adds_directives_where_the_matcher_finds_them(workdir: Path) -> None:
    (workdir / "views.py").write_text(BEFORE, encoding="utf-8")
    assert len(_active("views.py")) == 11
    outcome = run_cli(["--add-noqa", "views.py"])
    assert outcome.exit_code == 0
    assert outcome.stderr == "Added noqa directives for 11 findings in 1 file.\n"
    assert outcome.stdout == ""
    text = (workdir / "views.py").read_text(encoding="utf-8")
    assert text == AFTER
    cst.parse_module(text)
    assert _active("views.py") == []
    assert run_cli(["views.py"]).exit_code == 0


def test_only_changed_files_are_written_and_modes_survive(workdir: Path) -> None:
    clean = workdir / "clean.py"
    clean.write_text("x = 1\n", encoding="utf-8")
    leaky = workdir / "leaky.py"
    leaky.write_text(LEAK, encoding="utf-8")
    os.chmod(leaky, 0o640)
    before = clean.stat()
    outcome = run_cli(["--add-noqa", "."])
    assert outcome.exit_code == 0
    assert outcome.stderr == "Added noqa directives for 1 finding in 1 file.\n"
    after = clean.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert stat.S_IMODE(leaky.stat().st_mode) == 0o640
    assert leaky.read_text(encoding="utf-8").endswith(
        '    log.info("key %s", key)  # noqa: FLK101\n'
    )
    # No stray temporary files; the result cache is the tool's own directory.
    assert sorted(p.name for p in workdir.iterdir()) == [".flasklint_cache", "clean.py", "leaky.py"]


def test_line_endings_encoding_and_bom_are_kept(workdir: Path) -> None:
    (workdir / "crlf.py").write_bytes(LEAK.replace("\n", "\r\n").encode("utf-8"))
    latin = "# -*- coding: latin-1 -*-\n" + LEAK.replace('"key %s"', '"clé %s"')
    (workdir / "latin.py").write_bytes(latin.encode("latin-1"))
    (workdir / "bom.py").write_bytes(b"\xef\xbb\xbf" + LEAK.encode("utf-8"))
    assert run_cli(["--add-noqa", "."]).exit_code == 0
    directive = "  # noqa: FLK101"
    assert (workdir / "crlf.py").read_bytes() == (
        LEAK.replace("\n", "\r\n").replace("key)\r\n", f"key){directive}\r\n").encode("utf-8")
    )
    assert (workdir / "latin.py").read_bytes() == latin.replace(
        "key)\n", f"key){directive}\n"
    ).encode("latin-1")
    assert (workdir / "bom.py").read_bytes() == b"\xef\xbb\xbf" + LEAK.replace(
        "key)\n", f"key){directive}\n"
    ).encode("utf-8")
    assert _active(".") == []


def test_unparseable_files_are_left_alone_and_reported(workdir: Path) -> None:
    (workdir / "broken.py").write_text("def f(:\n    pass\n", encoding="utf-8")
    (workdir / "leaky.py").write_text(LEAK, encoding="utf-8")
    outcome = run_cli(["--add-noqa", "."])
    assert outcome.exit_code == 1
    assert outcome.stderr == (
        "Added noqa directives for 1 finding in 1 file.\n"
        "flasklint-keys: warning: 1 unparseable file left unchanged\n"
    )
    assert (workdir / "broken.py").read_text(encoding="utf-8") == "def f(:\n    pass\n"
    assert _active(".") == [("FLK000", 1)]


def test_respects_baseline_and_refuses_stdin(workdir: Path) -> None:
    (workdir / "leaky.py").write_text(LEAK, encoding="utf-8")
    assert run_cli(["--write-baseline", "base.json", "leaky.py"]).exit_code == 0
    outcome = run_cli(["--add-noqa", "--baseline", "base.json", "leaky.py"])
    assert outcome.stderr == "Added noqa directives for 0 findings in 0 files.\n"
    assert (workdir / "leaky.py").read_text(encoding="utf-8") == LEAK
    outcome = run_cli(["--add-noqa", "-"], stdin=LEAK.encode())
    assert outcome.exit_code == 2
    assert outcome.stderr == (
        "flasklint-keys: error: --add-noqa edits files; it cannot be used with standard input\n"
    )


CLAUSES = """\
from flask import Flask

app = Flask(__name__)


@app.errorhandler(Exception)
def unhandled(
    error,
):
    return "oops", 500


def load():
    try:
        return read()
    except Exception:
        return None
"""


def test_clause_findings_get_the_directive_on_their_own_header(workdir: Path) -> None:
    (workdir / "clauses.py").write_text(CLAUSES, encoding="utf-8")
    assert _active("clauses.py") == [("FLK201", 7), ("FLK202", 16)]
    assert run_cli(["--add-noqa", "clauses.py"]).exit_code == 0
    assert (workdir / "clauses.py").read_text(encoding="utf-8") == CLAUSES.replace(
        "def unhandled(\n", "def unhandled(  # noqa: FLK201\n"
    ).replace("    except Exception:\n", "    except Exception:  # noqa: FLK202\n")
    assert _active("clauses.py") == []
