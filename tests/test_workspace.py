"""The language server's resident project (``run/workspace.py``), without the protocol:
an edit re-lints exactly the modules whose findings may change."""

from __future__ import annotations

from pathlib import Path

import pytest

from flasklint_keys.analysis.summary import ModuleSummary
from flasklint_keys.core.options import Options
from flasklint_keys.run import workspace as workspace_module
from flasklint_keys.run.runner import run
from flasklint_keys.run.workspace import Workspace

QUIET_HELPER = """def get_key():
    return "a placeholder"
"""
LOUD_HELPER = """from flask import request


def get_key():
    return request.headers.get("X-API-Key")
"""
VIEW = """import logging

from svc import get_key

log = logging.getLogger(__name__)
HEADER = "X-API-Key"


def show():
    caller = get_key()
    log.info("caller %s", caller)
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "__init__.py").write_text("from .keys import get_key\n")
    (tmp_path / "svc" / "keys.py").write_text(QUIET_HELPER)
    (tmp_path / "views.py").write_text(VIEW)
    return tmp_path


def _codes(workspace: Workspace, display: str) -> list[tuple[str, int]]:
    text = (workspace.root / display).read_text()
    return [(f.code, f.line) for f in workspace.lint(display, text).result.findings]


def test_a_change_reaches_callers_through_a_reexport(root: Path) -> None:
    """``views`` imports ``get_key`` from ``svc``, which re-exports it from ``svc.keys``:
    the helper starting to return the key makes ``views`` a dependent to re-lint."""
    workspace = Workspace(root, Options())
    workspace.load()
    assert _codes(workspace, "views.py") == []
    linted = workspace.lint("svc/keys.py", LOUD_HELPER)
    assert workspace.update("svc/keys.py", LOUD_HELPER, linted) == ["views.py"]
    assert _codes(workspace, "views.py") == [("FLK101", 11)]
    # What a run over the files as they would then be reports.
    (root / "svc" / "keys.py").write_text(LOUD_HELPER)
    cli = run(["."], Options(), cwd=root, jobs=1)
    assert [(f.code, f.line) for f in cli.findings if f.path == "views.py"] == [("FLK101", 11)]


def test_an_edit_that_changes_no_summary_relints_nobody(root: Path) -> None:
    workspace = Workspace(root, Options())
    workspace.load()
    for edit in ("\n# a comment\n", "\n# another\n"):
        edited = QUIET_HELPER + edit
        dependents = workspace.update("svc/keys.py", edited, workspace.lint("svc/keys.py", edited))
    # The first edit may summarise the helper (nobody had needed it); the second one
    # changes nothing anybody uses.
    assert dependents == []


@pytest.mark.parametrize(
    ("field", "value", "kind"),
    [
        ("raised_statuses", (("svc.errors.AuthFailed", 401),), "raised"),
        ("logged_exceptions", ("svc.errors.AuthFailed",), "raised"),
        ("logger_methods", ("audit",), "logmethod"),
        ("credential_headers", ("X-Auth-Token",), "headers"),
        ("key_recorders", ("record_key",), "keyrecord"),
        ("credential_urls", True, "fact"),
    ],
)
def test_project_wide_facts_name_the_kinds_they_change(
    field: str, value: object, kind: str
) -> None:
    """A module's facts that any module's findings may depend on: a change to one marks
    every dependency of its kind (``raised:…``) as reached."""
    before = ModuleSummary("svc.errors", "svc/errors.py")
    after = ModuleSummary("svc.errors", "svc/errors.py", **{field: value})  # type: ignore[arg-type]
    assert workspace_module._project_wide_changes(before, after)[1] == {kind}
    assert workspace_module._project_wide_changes(None, before) == (frozenset(), frozenset())
