"""Property tests: no internal error on any input, and the same input gives the same output.

Random programs come from hypothesmith (syntactically valid Python); random
line-level mutations of the fixture files reach deep into the rules, because the
fixtures are full of Flask handlers, credentials and log calls. Example counts
are kept small so the whole module runs in a few seconds.
"""

from __future__ import annotations

import concurrent.futures
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flasklint_keys.run.pool as _pool
from flasklint_keys.core.model import FileResult
from flasklint_keys.core.options import Options
from flasklint_keys.lint.engine import lint_source
from flasklint_keys.reporters import REPORTERS, ReportOptions
from flasklint_keys.run.runner import run as lint_paths

# hypothesmith compiles what it generates; CPython's SyntaxWarnings about it are noise here.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_SOURCES = sorted(
    (path.relative_to(FIXTURES).as_posix(), path.read_text(encoding="utf-8"))
    for path in FIXTURES.rglob("*.py")
)
FIXTURE_LINES = sorted({line for _, text in FIXTURE_SOURCES for line in text.splitlines()})

FAST = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        # hypothesmith.from_node() discards many drafts that do not round-trip.
        HealthCheck.filter_too_much,
    ],
)


def assert_no_internal_error(result: FileResult, source: str) -> None:
    internal = [e.message for e in result.errors if e.kind == "internal"]
    assert not internal, f"{internal}\n--- source ---\n{source}"


def findings_of(result: FileResult) -> list[tuple[object, ...]]:
    return [
        (f.code, f.line, f.column, f.end_line, f.end_column, f.message, f.fingerprint, f.fix)
        for f in result.findings
    ]


# -- random programs ---------------------------------------------------------------------------


@FAST
@given(source=hypothesmith.from_grammar())
def test_no_internal_error_on_random_programs(source: str) -> None:
    assert_no_internal_error(lint_source(source, "generated.py", Options()), source)


@settings(FAST, max_examples=20)
@given(source=hypothesmith.from_node())
def test_no_internal_error_on_random_syntax_trees(source: str) -> None:
    assert_no_internal_error(lint_source(source, "generated.py", Options()), source)


# -- mutated fixtures --------------------------------------------------------------------------


@st.composite
def mutated_fixture(draw: st.DrawFn) -> str:
    """A fixture file with a few lines deleted, duplicated, moved, cut or re-indented."""
    _, text = draw(st.sampled_from(FIXTURE_SOURCES))
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 6))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        operation = draw(
            st.sampled_from(["delete", "duplicate", "move", "cut", "indent", "dedent", "insert"])
        )
        if operation == "delete":
            del lines[at]
        elif operation == "duplicate":
            lines.insert(at, lines[at])
        elif operation == "move":
            lines.insert(draw(st.integers(0, len(lines) - 1)), lines.pop(at))
        elif operation == "cut":
            lines[at] = lines[at][: draw(st.integers(0, len(lines[at])))]
        elif operation == "indent":
            lines[at] = "    " + lines[at]
        elif operation == "dedent":
            lines[at] = lines[at].removeprefix("    ")
        else:
            lines.insert(at, draw(st.sampled_from(FIXTURE_LINES)))
    return "\n".join(lines) + "\n"


@settings(FAST, max_examples=60)
@given(source=mutated_fixture())
def test_no_internal_error_on_mutated_fixtures(source: str) -> None:
    assert_no_internal_error(lint_source(source, "app.py", Options()), source)


@settings(FAST, max_examples=30)
@given(source=mutated_fixture(), display=st.sampled_from(["app.py", "tests/test_app.py"]))
def test_same_input_same_findings(source: str, display: str) -> None:
    first = lint_source(source, display, Options())
    second = lint_source(source, display, Options())
    assert findings_of(first) == findings_of(second)
    assert first.errors == second.errors


# -- the same directory, serial and parallel ---------------------------------------------------


def _json(root: Path, jobs: int) -> str:
    result = lint_paths(["."], Options(), cwd=root, jobs=jobs)
    return REPORTERS["json"](result, ReportOptions())


class CountingPool(ProcessPoolExecutor):
    """The runner's process pool, counting how often a run really went parallel."""

    started = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        CountingPool.started += 1
        super().__init__(*args, **kwargs)


@settings(FAST, max_examples=5)
@given(sources=st.lists(mutated_fixture(), min_size=2, max_size=6))
def test_serial_and_parallel_runs_agree(sources: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as patch:
        root = Path(tmp)
        for number, source in enumerate(sources):
            (root / f"m{number:02d}.py").write_text(source, encoding="utf-8")
        # Small directories are linted serially; force the process pool, and check it ran.
        patch.setattr(_pool, "PARALLEL_THRESHOLD", 1)
        patch.setattr(concurrent.futures, "ProcessPoolExecutor", CountingPool)  # imported lazily
        patch.chdir(root)
        serial = _json(root, 1)
        before = CountingPool.started
        parallel = _json(root, 2)
        assert CountingPool.started > before
        assert serial == parallel


def test_fixture_directory_serial_and_parallel() -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(FIXTURES)
        serial, parallel = _json(FIXTURES, 1), _json(FIXTURES, 2)
    assert serial == parallel
    assert '"FLK101"' in serial


LINT = (sys.executable, "-m", "flasklint_keys")


def _lint_in_process(seed: str) -> str:
    proc = subprocess.run(
        [*LINT, "--format", "json", "--exit-zero", "--no-cache", "-j", "1", "."],
        cwd=FIXTURES,
        env={**os.environ, "PYTHONHASHSEED": seed},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return proc.stdout


def test_output_does_not_depend_on_hash_randomisation() -> None:
    # Worker processes forked from one parent share its hash seed; separate runs do not.
    assert _lint_in_process("1") == _lint_in_process("2")
