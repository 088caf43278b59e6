"""Very large modules are linted in segments: the same findings, at the module's lines.

The segment sizes are shrunk here so that a few hundred lines exercise what a
multi-megabyte generated module does in production.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_support import codes_at, run, write
from test_robustness import generated_module

from flasklint_keys.core.options import Options
from flasklint_keys.run import segments as segments_module
from flasklint_keys.run.runner import run as run_paths
from flasklint_keys.run.worker import lint_text

HEAD = """\
import logging

from flask import request

log = logging.getLogger(__name__)
KEY_HEADER = "X-API-Key"
"""


def handlers(start: int, count: int) -> str:
    return "".join(
        f"\n\ndef handler_{i}(value):\n"
        f"    data = {{'name': 'item{i}', 'values': [{i}, {i + 1}]}}\n"
        f"    log.info('handler %s got %s', {i}, value)\n"
        "    return data\n"
        for i in range(start, start + count)
    )


TAIL = '''

DOC = """
def looks_like_a_cut():
    return 1
"""


# a comment right above a definition stays with it
def leak():
    log.info("%s", request.url)


def suppressed():
    log.info("%s", request.url)  # noqa: FLK103


def key_leak():
    key = request.headers[KEY_HEADER]
    log.info("key %s", key)
'''

MODULE = HEAD + handlers(0, 40) + TAIL


@pytest.fixture
def small_segments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(segments_module, "LARGE", 2_000)
    monkeypatch.setattr(segments_module, "SEGMENT", 1_000)


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def _findings(text: str, prepass: bool = True) -> list[tuple[int, int, str, str]]:
    result = lint_text(text, "big.py", Options(prepass=prepass)).result
    return sorted(
        (f.line, f.column, f.code, f.message) for f in result.findings if not f.suppressed
    )


def test_a_large_module_is_cut_between_definitions(small_segments: None) -> None:
    parts = segments_module.segments(MODULE)
    assert parts is not None
    pieces = list(parts)
    assert len(pieces) > 3
    lines = MODULE.splitlines()
    owned = [n for piece in pieces for n in range(piece.own_from, piece.own_to + 1)]
    assert owned == list(range(1, len(lines) + 1))  # every line once, in order
    for piece in pieces[1:]:
        first = lines[piece.own_from - 1]
        assert first.startswith(("def ", "#", "\n")) or first == "", first
        assert piece.text.startswith(HEAD.split("\n\n")[0])  # the imports come along
        assert "KEY_HEADER = " in piece.text.splitlines()[piece.header_lines - 1]
    # The "def" inside the string is no place to cut.
    assert not any(lines[p.own_from - 1].startswith("def looks_like") for p in pieces)


def test_segments_find_what_the_whole_module_shows(
    small_segments: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = _findings(MODULE)
    leak, key = _line(MODULE, 'log.info("%s", request.url)'), _line(MODULE, 'log.info("key')
    assert [(line, code) for line, _, code, _ in found] == [(leak, "FLK103"), (key, "FLK101")]
    assert "header 'X-API-Key'" in found[1][3]  # the header's name came from the header
    assert found == _findings(MODULE, prepass=False)
    result = lint_text(MODULE, "big.py", Options()).result
    assert [f.line for f in result.findings if f.suppressed] == [_line(MODULE, "# noqa: FLK103")]
    monkeypatch.setattr(segments_module, "LARGE", 10**9)
    assert found == _findings(MODULE)  # and what the module linted whole shows


def test_a_syntax_error_is_reported_where_it_is(small_segments: None) -> None:
    broken = HEAD + handlers(0, 20) + "\n\ndef broken(:\n    pass\n" + handlers(20, 20) + TAIL
    found = _findings(broken)
    assert (_line(broken, "def broken("), 12, "FLK000") in [f[:3] for f in found]
    # The segments after it are still analysed.
    assert _line(broken, 'log.info("key') in [f[0] for f in found]


def test_fixes_and_related_locations_are_at_the_modules_lines(
    small_segments: None, tmp_path: Path
) -> None:
    write(tmp_path, {"big.py": MODULE})
    result = run_paths(["big.py"], Options(), cwd=tmp_path, jobs=1)
    (leak,) = [f for f in result.findings if f.code == "FLK101"]
    line = _line(MODULE, 'log.info("key')
    assert leak.fix is not None
    # The fix's own edit, and ``import hashlib`` in the module's standard-library group
    # at its top (before ``import logging``, in sorted order).
    assert sorted(e.line for e in leak.fix.edits) == [1, line]
    assert leak.fix.edits[0].content.startswith("import hashlib")
    assert [r.line for r in leak.related] == [_line(MODULE, "key = request.headers")]


def test_a_segmented_module_summarises_what_it_offers(small_segments: None, tmp_path: Path) -> None:
    """Another module sees the large module's helper, at the helper's real line."""
    helper = "\n\ndef get_key():\n    return request.headers.get('X-API-Key')\n"
    big = HEAD + handlers(0, 30) + helper + handlers(30, 10)
    view = "import logging\nfrom big import get_key\n\nlogging.info('%s', get_key())\n"
    write(tmp_path, {"big.py": big, "view.py": view, "pyproject.toml": ""})
    result = run_paths(["."], Options(), cwd=tmp_path, jobs=1)
    found = [(f.path, f.line, f.code) for f in result.findings]
    assert found == [("view.py", 4, "FLK101")]
    assert f"via get_key() (big.py:{_line(big, 'def get_key')})" in result.findings[0].message


def test_large_module_through_the_command_line(small_segments: None, tmp_path: Path) -> None:
    write(tmp_path, {"big.py": MODULE})
    os.chdir(tmp_path)
    outcome = run(["--format", "json", "--no-cache", "-j", "1", "big.py"])
    assert codes_at(outcome.json()) == [
        ("big.py", _line(MODULE, 'log.info("%s", request.url)'), 20, "FLK103"),
        ("big.py", _line(MODULE, 'log.info("key'), 24, "FLK101"),
    ]


SLOW = pytest.mark.skipif(
    not os.environ.get("FLASKLINT_KEYS_SLOW_TESTS"),
    reason="writes and lints a 5 MB module; set FLASKLINT_KEYS_SLOW_TESTS=1 to run it",
)


def _measure(tmp_path: Path) -> tuple[float, float, dict[str, object]]:
    """Wall time, peak memory (MB) and JSON report of the command, in a fresh process."""
    probe = (
        "import json, resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "wall = time.perf_counter() - start\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024\n"
        "print(json.dumps({'wall': wall, 'peak': peak, 'out': proc.stdout}))\n"
    )
    command = [sys.executable, "-m", "flasklint_keys", "--format", "json", "--no-cache"]
    command += ["-j", "1", "generated.py"]
    measured = subprocess.run(
        [sys.executable, "-c", probe, *command],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    data = json.loads(measured.stdout)
    return data["wall"], data["peak"] / 2**20, json.loads(data["out"])


@SLOW
def test_five_megabyte_module_with_a_finding_in_every_function(tmp_path: Path) -> None:
    """~20k findings: positions, suppressions, fingerprints and fixes stay linear too
    (before: 185 s and 2.5 GB)."""
    source = generated_module(5 * 1024 * 1024).replace(
        "log.info('handler %s got %s',", "log.info('handler %s got %s', request.url,"
    )
    (tmp_path / "generated.py").write_text(source, encoding="utf-8")
    wall, peak, report = _measure(tmp_path)
    assert report["errors"] == []
    assert len(report["findings"]) > 15_000
    assert wall <= 150, f"{wall:.1f} s"  # CPU-bound LibCST work on every segment
    assert peak <= 500, f"{peak:.0f} MB"


@SLOW
def test_five_megabyte_module_in_ten_seconds_and_half_a_gigabyte(tmp_path: Path) -> None:
    """Time and peak memory of the whole command, measured in a fresh process."""
    source = generated_module(5 * 1024 * 1024)
    (tmp_path / "generated.py").write_text(source, encoding="utf-8")
    started = time.perf_counter()
    wall, peak, report = _measure(tmp_path)
    assert codes_at(report) == [("generated.py", source.count("\n"), 20, "FLK103")]
    assert report["errors"] == []
    assert wall <= 10, f"{wall:.1f} s (whole test {time.perf_counter() - started:.0f} s)"
    assert peak <= 500, f"{peak:.0f} MB"
