"""Named files (pre-commit) and buffers (editors) keep their project: the same findings as
a run over the whole tree, cross-module ones included, and fast from the cache."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from clirun import run_cli
from harness import FIXTURES

from flasklint_keys.core.config import Config
from flasklint_keys.core.model import LintResult
from flasklint_keys.core.options import Options
from flasklint_keys.run import cache as cache_module
from flasklint_keys.run.context import Buffer, project_root
from flasklint_keys.run.runner import run
from flasklint_keys.run.stats import RunStats

VIEW = "svc/views/items.py"
# The cross-module leak: the key comes from extract_key() in svc/keys.py.
CROSS = (VIEW, 22, 32, "FLK101")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "keysvc"
    shutil.copytree(FIXTURES / "projects" / "keysvc", root)
    monkeypatch.chdir(root)
    return root


def _found(document: dict[str, Any], path: str = VIEW) -> list[tuple[str, int, int, str, str]]:
    return [
        (f["path"], f["line"], f["column"], f["code"], f["message"])
        for f in document["findings"]
        if f["path"] == path
    ]


def _cli(*args: str, stdin: bytes | None = None) -> dict[str, Any]:
    outcome = run_cli(["--format", "json", "-j", "1", *args], stdin=stdin)
    assert outcome.exit_code == 1, outcome.stderr
    document = json.loads(outcome.stdout)
    assert isinstance(document, dict)
    return document


@pytest.mark.parametrize("cache", [["--no-cache"], []], ids=["no-cache", "cache"])
def test_a_cross_module_finding_survives_the_file_alone_and_a_buffer(
    project: Path, cache: list[str]
) -> None:
    tree = _found(_cli(*cache, "."))
    assert CROSS in [finding[:4] for finding in tree]
    assert any("via extract_key() (svc/keys.py:6)" in finding[4] for finding in tree)
    alone = _cli(*cache, VIEW)
    assert _found(alone) == tree
    assert alone["summary"]["files"] == 1  # the project is context, not reported
    assert {f["path"] for f in alone["findings"]} == {VIEW}
    text = (project / VIEW).read_bytes()
    assert _found(_cli(*cache, "-", "--stdin-filename", VIEW, stdin=text)) == tree


def test_the_buffer_is_linted_not_the_file_on_disk(project: Path) -> None:
    source = (project / VIEW).read_text(encoding="utf-8")
    edited = source.replace('log.info("key %s from %s", key, origin)', "pass")
    found = _found(_cli("-", "--stdin-filename", VIEW, stdin=edited.encode()))
    assert CROSS not in [finding[:4] for finding in found]
    assert (VIEW, 27, 31, "FLK101") in [finding[:4] for finding in found]
    # ...and the other way round: a leak only in the buffer, through another module.
    leaky = source.replace('log.info("origin %s", origin)', 'log.info("again %s", key)')
    found = _found(_cli("-", "--stdin-filename", VIEW, stdin=leaky.encode()))
    assert (VIEW, 23, 26, "FLK101") in [finding[:4] for finding in found]
    assert "via extract_key() (svc/keys.py:6)" in found[2][4]


def test_from_a_subdirectory_the_project_is_the_same(project: Path) -> None:
    tree = _found(_cli("--no-cache", "."))
    shifted = [(path.removeprefix("svc/"), *rest) for path, *rest in tree]
    expected = [
        (path, line, column, code, message.replace("(svc/", "("))
        for path, line, column, code, message in shifted
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(project / "svc")
        assert _found(_cli("--no-cache", "views/items.py"), "views/items.py") == expected


def test_the_buffer_is_fixed_in_its_project(project: Path) -> None:
    """--diff on standard input fixes the findings a lint of the buffer reports, the
    cross-module leak included."""
    text = (project / VIEW).read_bytes()
    outcome = run_cli(["--diff", "--unsafe-fixes", "-", "--stdin-filename", VIEW], stdin=text)
    assert outcome.exit_code == 1
    changed = [line for line in outcome.stdout.splitlines() if line.startswith("-    log.info")]
    assert '-    log.info("key %s from %s", key, origin)  # FLK101:32' in changed
    fixed = run_cli(["--fix", "--unsafe-fixes", "-", "--stdin-filename", VIEW], stdin=text)
    assert 'log.info("key %s from %s", key, origin)' not in fixed.stdout


def _cached(
    paths: list[str], root: Path, buffer: Buffer | None = None
) -> tuple[LintResult, RunStats]:
    stats = RunStats()
    result = run(
        paths, Options(), cwd=root, jobs=1, cache_dir=root / ".cache", stats=stats, buffer=buffer
    )
    return result, stats


def test_a_named_file_takes_its_project_from_the_cache(project: Path) -> None:
    tree, _ = _cached(["."], project)
    alone, stats = _cached([VIEW], project)
    assert stats.files == 1 and stats.context == tree.files_checked - 1
    assert stats.read == stats.parsed == 0  # every summary, and its final result, cached
    assert [f for f in tree.findings if f.path == VIEW] == list(alone.findings)
    _, stats = _cached([VIEW], project)
    assert stats.read == stats.parsed == 0
    # An edit elsewhere in the project reaches the named file.
    keys = project / "svc" / "keys.py"
    keys.write_text(
        keys.read_text(encoding="utf-8").replace(
            'return key, "header"', 'return hashlib.sha256(key.encode()).hexdigest(), "header"'
        ),
        encoding="utf-8",
    )
    changed, stats = _cached([VIEW], project)
    assert stats.read == 2  # keys.py (changed) and the named file (re-linted)
    assert not [f for f in changed.findings if "extract_key" in f.message]


def test_named_files_and_the_tree_keep_each_other_warm(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both runs are remembered: neither makes the other start over (no entry decoded)."""
    tree, _ = _cached(["."], project)
    alone, _ = _cached([VIEW], project)

    def no_decoding(*data: object) -> object:
        raise AssertionError("an entry was decoded")

    monkeypatch.setattr(cache_module, "_entry", no_decoding)
    again, stats = _cached(["."], project)
    assert stats.read == stats.parsed == 0 and again.findings == tree.findings
    again, stats = _cached([VIEW], project)
    assert stats.read == stats.parsed == 0 and again.findings == alone.findings


def test_a_buffer_is_never_cached(project: Path) -> None:
    _cached(["."], project)
    text = (project / VIEW).read_bytes().replace(b'log.info("origin %s", origin)', b"pass")
    _, stats = _cached([], project, Buffer(VIEW, text))
    assert stats.files == 1 and stats.read == 2  # phase one and two of the buffer
    tree, stats = _cached(["."], project)
    assert stats.read == stats.parsed == 0  # the file on disk is still the cached one
    assert ("FLK101", 22) in {(f.code, f.line) for f in tree.findings if f.path == VIEW}


def test_excluded_project_files_are_not_context(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "keysvc"\n\n[tool.flasklint-keys]\nexclude = ["svc/keys.py"]\n',
        encoding="utf-8",
    )
    document = _cli("--no-cache", VIEW)
    assert CROSS not in [finding[:4] for finding in _found(document)]


def test_project_roots(tmp_path: Path) -> None:
    service = tmp_path / "repo" / "services" / "billing"
    (service / "app").mkdir(parents=True)
    (service / "pyproject.toml").write_text("", encoding="utf-8")
    view = service / "app" / "views.py"
    loose = tmp_path / "repo" / "scripts" / "tool.py"
    repo = tmp_path / "repo"
    # The nearest project marker...
    assert project_root(view, Config(), repo) == service
    # ...unless the configuration in use lives further up (a monorepo configured once).
    configured = Config(root=str(repo), source=str(repo / "flasklint-keys.toml"))
    assert project_root(view, configured, repo) == repo
    # Without either, the working directory if it is the top of a work tree; else none.
    assert project_root(loose, Config(), repo) is None
    (repo / ".git").mkdir()
    assert project_root(loose, Config(), repo) == repo
    assert project_root(loose, Config(), tmp_path) is None
