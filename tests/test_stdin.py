"""Editors: PATH ``-`` with ``--stdin-filename``, and ``--force-exclude`` for named files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from clirun import run_cli

from flasklint_keys.reporters._line_hash import line_hashes

LEAK = (
    "import logging\nfrom flask import request\n"
    'logging.info("key %s", request.headers["X-API-Key"])\n'
    'API_KEY = "sk-live-0123456789"\n'
)


def _json(args: list[str], stdin: bytes | None = None) -> tuple[int, dict[str, Any]]:
    outcome = run_cli(["--format", "json", "-j", "1", *args], stdin=stdin)
    return outcome.exit_code, json.loads(outcome.stdout)


def _found(report: dict[str, Any]) -> list[tuple[str, str, int]]:
    return [(f["path"], f["code"], f["line"]) for f in report["findings"]]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.flasklint-keys]\nexclude = ["migrations"]\n', encoding="utf-8"
    )
    (tmp_path / "strict").mkdir()
    (tmp_path / "strict" / "pyproject.toml").write_text(
        '[tool.flasklint-keys]\nignore = ["FLK101"]\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_stdin_is_linted_as_the_named_file(project: Path) -> None:
    code, report = _json(["-", "--stdin-filename", "app/views.py"], LEAK.encode())
    assert code == 1
    assert _found(report) == [("app/views.py", "FLK101", 3), ("app/views.py", "FLK402", 4)]
    assert report["summary"]["files"] == 1
    # NAME need not exist; an absolute NAME is shown relative to the working directory.
    code, report = _json(["-", "--stdin-filename", str(project / "app" / "x.py")], LEAK.encode())
    assert {f["path"] for f in report["findings"]} == {"app/x.py"}
    # Without a name the buffer is called "-"; --stdin-filename alone implies PATH "-".
    assert {f["path"] for f in _json(["-"], LEAK.encode())[1]["findings"]} == {"-"}
    assert _found(_json(["--stdin-filename", "a.py"], LEAK.encode())[1])[0][0] == "a.py"


def test_name_decides_configuration_and_per_file_rules(project: Path) -> None:
    _, report = _json(["-", "--stdin-filename", "strict/views.py"], LEAK.encode())
    assert _found(report) == [("strict/views.py", "FLK402", 4)]
    # Test files are exempt from FLK402 by name.
    _, report = _json(["-", "--stdin-filename", "tests/test_views.py"], LEAK.encode())
    assert _found(report) == [("tests/test_views.py", "FLK101", 3)]


def test_excludes_apply_to_stdin_only_with_force_exclude(project: Path) -> None:
    name = ["-", "--stdin-filename", "migrations/0001_keys.py"]
    code, report = _json(name, LEAK.encode())
    assert code == 1 and len(report["findings"]) == 2
    code, report = _json([*name, "--force-exclude"], LEAK.encode())
    assert (code, report["findings"], report["summary"]["files"]) == (0, [], 0)
    code, report = _json(
        ["-", "--stdin-filename", "build/gen.py", "--force-exclude"], LEAK.encode()
    )
    assert (code, report["findings"]) == (0, [])


def test_force_exclude_for_explicitly_named_files(project: Path) -> None:
    for directory in ("migrations", "build", "app"):
        (project / directory).mkdir(exist_ok=True)
        (project / directory / "keys.py").write_text(LEAK, encoding="utf-8")
    named = ["migrations/keys.py", "build/keys.py", "app/keys.py"]
    _, report = _json(named)
    assert {f["path"] for f in report["findings"]} == set(named)
    _, report = _json(["--force-exclude", *named])
    assert {f["path"] for f in report["findings"]} == {"app/keys.py"}
    assert report["summary"]["files"] == 1
    # Directory walks always apply excludes.
    _, report = _json(["."])
    assert {f["path"] for f in report["findings"]} == {"app/keys.py"}


def test_stdin_is_decoded_like_a_source_file(project: Path) -> None:
    source = "# -*- coding: latin-1 -*-\n" + LEAK.replace('"key %s"', '"clé %s"')
    _, report = _json(["-", "--stdin-filename", "a.py"], source.encode("latin-1"))
    assert _found(report) == [("a.py", "FLK101", 4), ("a.py", "FLK402", 5)]
    code, report = _json(["-", "--stdin-filename", "a.py"], b"x = '\xff'\n")
    assert code == 1
    assert report["errors"] == []
    (finding,) = report["findings"]
    assert (finding["path"], finding["code"], finding["line"]) == ("a.py", "FLK000", 1)
    assert finding["message"].startswith("cannot decode as utf-8: invalid byte 0xff")


def test_stdin_in_every_format(project: Path) -> None:
    text = run_cli(["-", "--stdin-filename", "v.py", "--no-show-source"], stdin=LEAK.encode())
    assert text.stdout.startswith("v.py:3:24: FLK101 [secret-in-log]")
    github = run_cli(["--format", "github", "-", "--stdin-filename", "v.py"], stdin=LEAK.encode())
    assert github.stdout.startswith("::error file=v.py,line=3,col=24,")
    sarif = run_cli(["--format", "sarif", "-", "--stdin-filename", "v.py"], stdin=LEAK.encode())
    run = json.loads(sarif.stdout)["runs"][0]
    assert [r["partialFingerprints"]["primaryLocationLineHash"] for r in run["results"]] == [
        line_hashes(LEAK)[3],
        line_hashes(LEAK)[4],
    ]


def test_usage_errors(project: Path) -> None:
    (project / "a.py").write_text("x = 1\n", encoding="utf-8")
    outcome = run_cli(["a.py", "--stdin-filename", "b.py"])
    assert (outcome.exit_code, outcome.stderr) == (
        2,
        "flasklint-keys: error: --stdin-filename needs PATH '-'\n",
    )
    outcome = run_cli(["-", "a.py"], stdin=b"x = 1\n")
    assert (outcome.exit_code, outcome.stderr) == (
        2,
        "flasklint-keys: error: PATH '-' (standard input) cannot be combined with other paths\n",
    )
