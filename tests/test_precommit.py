"""The real ``pre-commit try-repo`` against this repository's hooks, in throw-away git repos.

pre-commit installs the hook from a commit into an isolated virtualenv, which
needs PyPI for our dependencies; without network the test is skipped (and
says so), with it the hook must fail on a leak and pass on clean code. The
hook repository is a temporary commit of the current working tree, so the
test checks the code under test, not the last commit.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
HAS_PRE_COMMIT = importlib.util.find_spec("pre_commit") is not None
needs_pre_commit = pytest.mark.skipif(
    not HAS_PRE_COMMIT or shutil.which("git") is None,
    reason="needs pre-commit (in the 'test' extra) and git",
)
NETWORK_TROUBLE = (
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "No matching distribution found",
    "Could not find a version that satisfies",
    "NewConnectionError",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "ProxyError",
)
LEAK = (
    "import logging\nfrom flask import request\n"
    'logging.info("key %s", request.headers["X-API-Key"])\n'
)


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(
        GIT_AUTHOR_NAME="test",
        GIT_AUTHOR_EMAIL="test@example.invalid",
        GIT_COMMITTER_NAME="test",
        GIT_COMMITTER_EMAIL="test@example.invalid",
        GIT_CONFIG_NOSYSTEM="1",
        PRE_COMMIT_HOME=str(home),
        PRE_COMMIT_COLOR="never",
    )
    return env


def _git(cwd: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def _working_tree_files() -> list[str]:
    """What a commit of the working tree would hold: tracked and new files, not ignored ones."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if listed.returncode != 0:  # not a checkout (an sdist): what the build needs
        return ["pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "flasklint_keys"]
    names = listed.stdout.decode("utf-8", "surrogateescape").split("\0")
    return [n for n in names if n and (ROOT / n).is_file() and "__pycache__" not in n]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    base = tmp_path_factory.mktemp("precommit")
    env = _env(base / "pre-commit-home")
    hooks = base / "hook-repo"
    for name in _working_tree_files():
        target = hooks / name
        target.parent.mkdir(parents=True, exist_ok=True)
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    _git(hooks, env, "init", "-q")
    _git(hooks, env, "add", "-A")
    _git(hooks, env, "commit", "-q", "-m", "working tree under test")

    project = base / "project"
    (project / "vendor").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        '[tool.flasklint-keys]\nexclude = ["vendor"]\n', encoding="utf-8"
    )
    (project / "leak.py").write_text(LEAK, encoding="utf-8")
    (project / "vendor" / "leak.py").write_text(LEAK, encoding="utf-8")
    (project / "clean.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    _git(project, env, "init", "-q")
    _git(project, env, "add", "-A")
    return hooks, project, env


def _try_repo(
    workspace: tuple[Path, Path, dict[str, str]], *files: str
) -> subprocess.CompletedProcess[str]:
    hooks, project, env = workspace
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(hooks), "flasklint-keys"]
    try:
        done = subprocess.run(
            [*command, "--files", *files],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.skip("pre-commit try-repo timed out installing the hook (no network to PyPI?)")
    if done.returncode not in (0, 1):
        log = Path(env["PRE_COMMIT_HOME"]) / "pre-commit.log"
        details = done.stdout + done.stderr + (log.read_text() if log.exists() else "")
        if any(marker in details for marker in NETWORK_TROUBLE):
            pytest.skip("pre-commit could not install the hook's dependencies: no network to PyPI")
        pytest.fail(f"pre-commit try-repo failed ({done.returncode}):\n{details}")
    return done


def test_manifest_declares_both_hooks() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    common = {
        "language": "python",
        "types": ["python"],
        "require_serial": True,
        "minimum_pre_commit_version": "2.9.2",
    }
    assert [h["id"] for h in hooks] == ["flasklint-keys", "flasklint-keys-fix"]
    entries = ("flasklint-keys --force-exclude", "flasklint-keys --force-exclude --fix")
    for hook, entry in zip(hooks, entries, strict=True):
        assert hook["entry"] == entry
        assert {key: hook[key] for key in common} == common
    if HAS_PRE_COMMIT:
        from pre_commit.clientlib import load_manifest

        assert [h["id"] for h in load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))] == [
            "flasklint-keys",
            "flasklint-keys-fix",
        ]


@needs_pre_commit
def test_hook_fails_on_a_leak_and_passes_on_clean_code(
    workspace: tuple[Path, Path, dict[str, str]],
) -> None:
    failing = _try_repo(workspace, "leak.py", "vendor/leak.py", "clean.py")
    assert failing.returncode == 1, failing.stdout
    assert "flasklint-keys" in failing.stdout and "Failed" in failing.stdout
    assert "leak.py:3:24: FLK101 [secret-in-log]" in failing.stdout
    assert "vendor/leak.py" not in failing.stdout  # --force-exclude: excludes still apply
    assert "Found 1 finding (1 error) in 1 of 2 files." in failing.stdout

    passing = _try_repo(workspace, "clean.py", "vendor/leak.py")
    assert passing.returncode == 0, passing.stdout
    assert "Passed" in passing.stdout
