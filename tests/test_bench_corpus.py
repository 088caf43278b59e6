"""The benchmark's planted findings stay honest: a tiny corpus yields exactly the planted counts.

``bench/run.py`` refuses to report timings when the tool's findings differ from
what ``bench/plants.py`` planted; this runs the same check on a few hundred
lines so a rule change that breaks a template (or a template that stops
meaning what it says) fails here first.
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
TINY = 300


@pytest.fixture(scope="module")
def bench() -> SimpleNamespace:
    # bench/ is a directory of scripts, not a package: import it the way run.py does.
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(BENCH))
        return SimpleNamespace(
            corpus=importlib.import_module("corpus"), plants=importlib.import_module("plants")
        )


@pytest.fixture(scope="module")
def tiny(bench: SimpleNamespace, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return bench.corpus.generate(tmp_path_factory.mktemp("bench") / "corpus", TINY)


def lint_counts(root: Path) -> tuple[Counter[str], dict[str, object]]:
    proc = subprocess.run(
        [sys.executable, "-m", "flasklint_keys", "--format", "json", "--exit-zero", "-j", "1", "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    counts = Counter(f["code"] for f in report["findings"] if not f.get("suppressed"))
    return counts, report


def test_tiny_corpus_is_small_and_parses(tiny: Any) -> None:
    assert tiny.lines < 1_000
    for path in tiny.root.rglob("*.py"):
        ast.parse(path.read_text(encoding="utf-8"), str(path))


def test_every_planted_code_is_reported_exactly(tiny: Any) -> None:
    counts, report = lint_counts(tiny.root)
    expected = Counter(tiny.expected)
    assert report["errors"] == []
    diff = {
        code: (expected.get(code, 0), counts.get(code, 0))
        for code in sorted({*expected, *counts})
        if expected.get(code, 0) != counts.get(code, 0)
    }
    assert not diff, f"(expected, reported) per code: {diff}"


def test_generation_is_deterministic(bench: SimpleNamespace, tmp_path: Path) -> None:
    first = bench.corpus.generate(tmp_path / "a", TINY, seed=7)
    second = bench.corpus.generate(tmp_path / "b", TINY, seed=7)
    texts_a = {p.relative_to(first.root): p.read_bytes() for p in first.root.rglob("*.py")}
    texts_b = {p.relative_to(second.root): p.read_bytes() for p in second.root.rglob("*.py")}
    assert texts_a == texts_b
    assert first.expected == second.expected


def test_every_code_is_planted_and_scales(bench: SimpleNamespace, tmp_path: Path) -> None:
    per_service = Counter[str]()
    for template in bench.plants.all_templates():
        per_service.update(template.expected)
    assert set(per_service) >= {
        "FLK101",
        "FLK102",
        "FLK103",
        "FLK104",
        "FLK105",
        "FLK401",
        "FLK402",
    }
    two = bench.corpus.generate(tmp_path / "two", 2 * bench.corpus.LINES_PER_SERVICE)
    assert two.services == 2
    assert Counter(two.expected) == Counter({code: 2 * n for code, n in per_service.items()})
