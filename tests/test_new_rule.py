"""A new rule is one module (and a fixture): nothing else to touch for it to work everywhere.

The package is copied, one rule module dropped into ``rules/``, and the copy run
as a user would: the rule is enabled by default, selectable, listed, explained,
documented by the generator, and its findings survive the ``ast`` pre-pass.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

THROWAWAY = '''\
"""FLK998/FLK999: throwaway rules of the new-rule test."""

from __future__ import annotations

import libcst as cst

from ..core.model import Severity
from ..core.signals import Signal
from .base import Rule


class MarkEverywhere(Rule):
    """
    ## What it does
    Flags `mark_me()`.

    ## Why is this bad?
    It is a test.

    ## Example
    ```python
    mark_me()
    ```

    ## Use instead
    Nothing.

    ## References
    - none
    """

    code = "FLK999"
    name = "throwaway-everywhere"
    summary = "a throwaway rule that wants every file"
    severity = Severity.WARNING
    fix_suggestion = "remove mark_me()"
    VALID = ("x = 1\\n",)
    INVALID = ("mark_me()  # FLK999:1\\n",)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "mark_me":
            self.report(node)


class MarkOnDebug(Rule):
    """
    ## What it does
    Flags `mark_debug()` in files that turn debug mode on.

    ## Why is this bad?
    It is a test.

    ## Example
    ```python
    mark_debug()
    ```

    ## Use instead
    Nothing.

    ## References
    - none
    """

    code = "FLK998"
    name = "throwaway-on-debug"
    summary = "a throwaway rule with a pre-pass trigger"
    severity = Severity.WARNING
    fix_suggestion = "remove mark_debug()"
    trigger = (Signal.DEBUG_ON,)
    VALID = ("x = 1\\n",)
    INVALID = ("app.run(debug=True)\\nmark_debug()  # FLK998:1\\n",)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "mark_debug":
            self.report(node)
'''


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("copy")
    shutil.copytree(
        REPO / "flasklint_keys",
        root / "flasklint_keys",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(REPO / "README.md", root / "README.md")
    (root / "docs").mkdir()
    shutil.copy(REPO / "docs" / "rules.md", root / "docs" / "rules.md")
    (root / "flasklint_keys" / "rules" / "zz_throwaway.py").write_text(THROWAWAY, encoding="utf-8")
    project = root / "project"
    project.mkdir()
    # Nothing here interests any real rule: the pre-pass would skip both files for them.
    (project / "plain.py").write_text("def f():\n    mark_me()\n", encoding="utf-8")
    (project / "debug.py").write_text("app.run(debug=True)\nmark_debug()\n", encoding="utf-8")
    (project / "quiet.py").write_text("mark_debug()\n", encoding="utf-8")
    return root


def _run(copy: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(copy)}
    return subprocess.run(
        [sys.executable, "-m", "flasklint_keys", *args],
        cwd=copy / "project",
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _found(copy: Path, *args: str) -> list[tuple[str, int, str]]:
    done = _run(copy, "--format", "json", "--no-cache", "--exit-zero", *args, ".")
    assert done.returncode == 0, done.stderr
    return [(f["path"], f["line"], f["code"]) for f in json.loads(done.stdout)["findings"]]


def test_the_new_rules_are_enabled_and_kept_through_the_prepass(copy: Path) -> None:
    # FLK999 declares no trigger: every file gets its LibCST pass, and every rule runs there.
    assert _found(copy) == [
        ("debug.py", 1, "FLK401"),
        ("debug.py", 2, "FLK998"),
        ("plain.py", 2, "FLK999"),
        ("quiet.py", 1, "FLK998"),
    ]


def test_the_new_rules_are_selectable(copy: Path) -> None:
    assert _found(copy, "--select", "FLK999") == [("plain.py", 2, "FLK999")]
    # FLK998's trigger keeps debug.py; quiet.py shows no debug signal, so the pre-pass
    # skips it (an optimisation the rule asked for by declaring its trigger).
    assert _found(copy, "--select", "FLK998") == [("debug.py", 2, "FLK998")]


def test_the_new_rules_are_listed_and_explained(copy: Path) -> None:
    listed = _run(copy, "--list-rules").stdout.splitlines()
    assert [line.split()[0] for line in listed][-2:] == ["FLK998", "FLK999"]
    explained = _run(copy, "--explain", "FLK999")
    assert explained.returncode == 0
    assert explained.stdout.startswith("# FLK999 throwaway-everywhere\n")
    assert "## Why is this bad?" in explained.stdout


def test_the_generator_documents_the_new_rules(copy: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(copy)}
    command = [sys.executable, "-m", "flasklint_keys.rules"]
    check = subprocess.run([*command, "--check"], cwd=copy, env=env, capture_output=True, text=True)
    assert check.returncode == 1  # not regenerated yet
    subprocess.run(command, cwd=copy, env=env, check=True, capture_output=True)
    docs = (copy / "docs" / "rules.md").read_text(encoding="utf-8")
    assert '<a id="flk999"></a>' in docs and '<a id="flk998"></a>' in docs
    assert "| FLK999 | `throwaway-everywhere` |" in (copy / "README.md").read_text(encoding="utf-8")
    again = subprocess.run([*command, "--check"], cwd=copy, env=env, capture_output=True, text=True)
    assert again.returncode == 0
