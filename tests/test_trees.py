"""Syntax trees kept between two passes over one text (``lint/trees.py``)."""

from __future__ import annotations

import libcst as cst
import pytest
from harness import FIXTURES

from flasklint_keys.core.options import Options
from flasklint_keys.lint import positions as positions_module
from flasklint_keys.lint import trees
from flasklint_keys.lint.engine import lint_source
from flasklint_keys.run import seam

TEXT = (FIXTURES / "flk101_secret_in_log.py").read_text(encoding="utf-8")


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = cst.parse_module

    def counting(source: str, *args: object, **kwargs: object) -> cst.Module:
        seen.append(source)
        return real(source)

    monkeypatch.setattr(cst, "parse_module", counting)
    return seen


def test_a_second_pass_over_the_same_text_parses_nothing(parses: list[str]) -> None:
    plain = lint_source(TEXT, "keys.py", Options())
    assert plain.findings
    with seam.trees_kept(1):
        first = lint_source(TEXT, "keys.py", Options())
        second = lint_source(TEXT, "keys.py", Options())
    assert len(parses) == 2  # plain and first; second took first's tree
    assert first == second == plain


def test_only_the_same_file_and_text_share_a_tree(parses: list[str]) -> None:
    with seam.trees_kept(1):
        lint_source(TEXT, "keys.py", Options())
        lint_source(TEXT, "other.py", Options())  # another file: its own tree
        lint_source(TEXT + "\n", "other.py", Options())  # another text
        lint_source(TEXT, "keys.py", Options())  # evicted by the last two (limit 1)
    assert len(parses) == 4


def test_nothing_is_kept_unless_asked(parses: list[str]) -> None:
    lint_source(TEXT, "keys.py", Options())
    lint_source(TEXT, "keys.py", Options())
    with seam.trees_kept(2):
        lint_source(TEXT, "keys.py", Options())
    assert not trees._trees  # forgotten on leaving
    lint_source(TEXT, "keys.py", Options())
    assert len(parses) == 4


def test_an_enclosing_keeper_keeps_its_trees(parses: list[str]) -> None:
    """The language server keeps an edited buffer's tree across its lint (which keeps
    trees for its own second pass) and the summary it may then need."""
    with seam.trees_kept(1):
        with seam.trees_kept(1):
            lint_source(TEXT, "keys.py", Options())
        lint_source(TEXT, "keys.py", Options())
    assert len(parses) == 1


def test_a_second_pass_places_its_findings_from_the_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Positions need code generation up to the last finding: in a kept tree, the
    second pass reuses what the first placed."""
    placed: list[int] = []
    real = positions_module._placed

    def counting(module: cst.Module, targets: object) -> object:
        placed.append(len(targets))  # type: ignore[arg-type]
        return real(module, targets)  # type: ignore[arg-type]

    monkeypatch.setattr(positions_module, "_placed", counting)
    plain = lint_source(TEXT, "keys.py", Options())
    with seam.trees_kept(1):
        first = lint_source(TEXT, "keys.py", Options())
        second = lint_source(TEXT, "keys.py", Options())
    assert len(placed) == 2  # plain and first
    assert first == second == plain
