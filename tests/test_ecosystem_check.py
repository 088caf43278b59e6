"""The pure parts of scripts/ecosystem_check.py (the whole script installs two venvs)."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "ecosystem_check.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ecosystem_check", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["ecosystem_check"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


check = _load()


def test_difference_is_a_multiset_difference() -> None:
    kept = ("FLK101", "app.py", 3, "leak")
    twice = ("FLK303", "secret.py", 8, "compare")
    gone = ("FLK103", "app.py", 9, "url")
    before = Counter([kept, twice, gone])
    after = Counter([kept, twice, twice])
    assert check.difference(before, after) == ([twice], [gone])


def test_relative_paths_are_relative_to_the_checkout(tmp_path: Path) -> None:
    workdir = tmp_path / "run" / "head"
    checkout = tmp_path / "apps" / "CTFd"
    assert check.relative("../../apps/CTFd/CTFd/auth.py", workdir, checkout) == "CTFd/auth.py"
    assert check.relative("../../elsewhere/x.py", workdir, checkout) == "../../elsewhere/x.py"


def test_describe() -> None:
    base = check.Report(findings=Counter([("FLK101", "a.py", 1, "m")]), seconds=1.0)
    head = check.Report(
        findings=Counter([("FLK103", "a.py", 2, "u")]),
        errors=Counter([("internal", "b.py", "boom")]),
        seconds=2.0,
        exit_code=2,
    )
    lines, changed = check.describe("app", base, head)
    assert changed
    assert lines == [
        "== app: base 1 findings in 1.0 s, head 1 findings in 2.0 s; +1 -1",
        "   appeared by code: FLK103 1",
        "   disappeared by code: FLK101 1",
        "+ FLK103 a.py:2 u",
        "- FLK101 a.py:1 m",
        "+ error [internal] b.py: boom",
        "!! head exited 2 (internal error)",
    ]
    assert check.describe("app", base, base) == (
        ["== app: base 1 findings in 1.0 s, head 1 findings in 1.0 s; +0 -0"],
        False,
    )


def test_work_tree_export_copies_tracked_files(tmp_path: Path) -> None:
    label = check.export_work_tree(tmp_path / "copy")
    assert label.startswith("working tree")
    assert (tmp_path / "copy" / "flasklint_keys" / "cli.py").read_bytes() == (
        check.REPO / "flasklint_keys" / "cli.py"
    ).read_bytes()
    assert not (tmp_path / "copy" / ".git").exists()
