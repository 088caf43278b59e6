"""Lint the running interpreter's standard library: no internal error, no traceback.

The standard library is a large, varied corpus of real Python, and its test
suite ships deliberately broken files (bad encodings, bad syntax, Python 2
grammar tests). All of it must be reported cleanly. The full library takes
2.5 to 4 minutes on a 2-core CI machine, so the command-line run lints a
deterministic subset: every file whose name marks it as deliberately bad, plus
every ``STRIDE``-th file in path order (25-40 s).

The command line sends only files with a Flask-relevant construct through
LibCST and the rules (the ``ast`` pre-pass skips the rest), so a second test
runs the parser and every rule directly on a smaller subset of the library.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

from flasklint_keys.core.options import Options
from flasklint_keys.lint.engine import lint_source
from flasklint_keys.run.source import decode_source

STRIDE = 4
RULES_STRIDE = 16
# Files the standard library's own tests keep broken on purpose.
DELIBERATELY_BAD = re.compile(r"(^|/)(bad[^/]*|[^/]*py2[^/]*|[^/]*_grammar[^/]*)\.py$")
STDLIB = Path(sysconfig.get_paths()["stdlib"])


def stdlib_files() -> list[Path]:
    return sorted(
        path
        for path in STDLIB.rglob("*.py")
        if not {"site-packages", "dist-packages"} & set(path.relative_to(STDLIB).parts)
    )


def corpus_subset() -> list[Path]:
    files = stdlib_files()
    bad = [path for path in files if DELIBERATELY_BAD.search(path.relative_to(STDLIB).as_posix())]
    return sorted(set(files[::STRIDE]) | set(bad))


@pytest.mark.corpus
def test_standard_library_through_the_command_line(tmp_path: Path) -> None:
    files = corpus_subset()
    assert len(files) > 200
    started = time.perf_counter()
    command = [sys.executable, "-m", "flasklint_keys", "--format", "json", "--exit-zero"]
    proc = subprocess.run(
        [*command, "-j", "2", "--no-cache", *(str(path) for path in files)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    elapsed = time.perf_counter() - started
    assert "Traceback" not in proc.stderr, proc.stderr[-5000:]
    document = json.loads(proc.stdout)
    internal = [e for e in document["errors"] if e["kind"] == "internal"]
    assert internal == []
    assert {e["kind"] for e in document["errors"]} <= {"io", "decode", "parse"}
    # --exit-zero: only the tool's own failure could make this non-zero.
    assert proc.returncode == 0, proc.stderr[-5000:]
    assert document["summary"]["files"] == len(files)
    assert list(tmp_path.iterdir()) == []
    print(f"linted {len(files)} standard library files in {elapsed:.1f} s")


@pytest.mark.corpus
def test_standard_library_through_every_rule() -> None:
    files = stdlib_files()[3::RULES_STRIDE]
    internal = []
    for path in files:
        source, _ = decode_source(path.read_bytes(), path.name)
        if source is None:
            continue
        result = lint_source(source, path.relative_to(STDLIB).as_posix(), Options())
        internal += [e.path + ": " + e.message for e in result.errors if e.kind == "internal"]
    assert internal == []


@pytest.mark.corpus
def test_standard_library_survives_every_fix() -> None:
    """--fix --unsafe-fixes over real code never raises; whatever it changes still parses,
    and a second pass changes nothing. (The standard library is not a Flask app: few or
    no fixes apply, so this guards the no-op path at scale; tests/fixtures/fixes covers
    the fixes themselves.)"""
    from flasklint_keys.fix.fixer import fix_source, parses

    for path in stdlib_files()[5::RULES_STRIDE]:
        source, _ = decode_source(path.read_bytes(), path.name)
        if source is None or not parses(source):
            continue
        display = path.relative_to(STDLIB).as_posix()
        outcome = fix_source(source, display, Options(), unsafe=True)
        assert parses(outcome.fixed), display
        assert outcome.dropped == (), outcome.dropped
        if outcome.changed:
            assert not fix_source(outcome.fixed, display, Options(), unsafe=True).changed, display
