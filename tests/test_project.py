"""Project-wide runs: cross-module flows, the pre-pass, the cache and its invalidation."""

from __future__ import annotations

import json
import os
import random
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest
from harness import FIXTURES, project_mismatches

from flasklint_keys.analysis import project as project_module
from flasklint_keys.analysis.summary import summary_from_json, summary_to_json
from flasklint_keys.core.config import Config
from flasklint_keys.core.model import FileError, Finding, LintResult
from flasklint_keys.core.options import Options
from flasklint_keys.reporters import REPORTERS, ReportOptions
from flasklint_keys.run import cache as cache_module
from flasklint_keys.run import phases as phases_module
from flasklint_keys.run import source as source_module
from flasklint_keys.run.context import Buffer
from flasklint_keys.run.runner import run, run_project
from flasklint_keys.run.stats import RunStats

PROJECTS = sorted(p for p in (FIXTURES / "projects").iterdir() if p.is_dir())


def _run(root: Path, options: Options | None = None, **kwargs: object) -> LintResult:
    return run(["."], options or Options(), cwd=root, jobs=1, **kwargs)  # type: ignore[arg-type]


def _keys(findings: tuple[Finding, ...]) -> list[tuple[str, int, int, str, str]]:
    return [(f.path, f.line, f.column, f.code, f.message) for f in findings]


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_project_expectations(project: Path) -> None:
    result = _run(project)
    assert result.errors == ()
    assert project_mismatches(result.findings, project) == {}


def test_cross_module_findings_name_their_origin() -> None:
    result = _run(FIXTURES / "projects" / "keysvc")
    leak = next(f for f in result.findings if f.path == "svc/views/items.py" and f.line == 22)
    assert "via extract_key() (svc/keys.py:6)" in leak.message
    assert [(r.path, r.line) for r in leak.related] == [("svc/keys.py", 8)]
    sarif = json.loads(REPORTERS["sarif"](result, ReportOptions()))
    located = [
        r
        for r in sarif["runs"][0]["results"]
        if r["locations"][0]["physicalLocation"]["region"]["startLine"] == 22
    ]
    related = located[0]["relatedLocations"][0]["physicalLocation"]
    assert (
        related["artifactLocation"]["uri"] == "svc/keys.py" and related["region"]["startLine"] == 8
    )


def _fixture_roots() -> list[Path]:
    return [FIXTURES, *PROJECTS]


@pytest.mark.parametrize("root", _fixture_roots(), ids=lambda p: p.name)
def test_prepass_changes_nothing(root: Path, tmp_path: Path) -> None:
    """Every fixture, with and without the ast pre-pass: identical findings."""
    work = tmp_path / "tree"
    shutil.copytree(
        root, work, ignore=shutil.ignore_patterns("projects", "fixes") if root == FIXTURES else None
    )
    fast = _run(work, Options())
    thorough = _run(work, Options(prepass=False))
    assert _keys(fast.findings) == _keys(thorough.findings)
    assert fast.errors == thorough.errors


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "keysvc"
    shutil.copytree(FIXTURES / "projects" / "keysvc", root)
    return root


def _cached_run(root: Path, options: Options | None = None) -> tuple[LintResult, RunStats]:
    stats = RunStats()
    result = _run(root, options, cache_dir=root / ".flasklint_cache", stats=stats)
    return result, stats


def test_warm_run_parses_nothing_and_agrees(project: Path) -> None:
    cold, first = _cached_run(project)
    warm, second = _cached_run(project)
    assert first.parsed > 0 and first.cached == 0 and first.read >= first.files
    assert second.parsed == 0 and second.cached == second.files == first.files
    assert second.read == 0  # unchanged stamps: not even read
    assert _keys(warm.findings) == _keys(cold.findings)
    assert _keys(cold.findings) == _keys(_run(project).findings)
    # Reporters still get the text of every file with findings, read when asked for.
    paths = sorted({f.path for f in warm.findings})
    assert sorted(warm.sources) == paths
    for path in paths:
        assert warm.sources[path] == (project / path).read_text(encoding="utf-8")
    assert second.read == 0  # reading sources for a reporter is not the linter's reading


def test_nothing_changed_decodes_no_entry(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same files at the same stamps: the last run's results, no entry decoded."""
    cold, _ = _cached_run(project)

    def no_decoding(*data: object) -> object:
        raise AssertionError("an entry was decoded")

    monkeypatch.setattr(cache_module, "_entry", no_decoding)
    warm, stats = _cached_run(project)
    assert stats.cached == stats.files and stats.read == stats.parsed == 0
    assert _keys(warm.findings) == _keys(cold.findings)
    assert warm.errors == cold.errors and warm.files_checked == cold.files_checked


def test_another_set_of_files_does_not_reuse_the_last_run(project: Path) -> None:
    """A run over part of the project (pre-commit passes file names) has other results."""
    _cached_run(project)
    stats = RunStats()
    part = run(
        ["svc/views"],
        Options(),
        cwd=project,
        jobs=1,
        cache_dir=project / ".flasklint_cache",
        stats=stats,
    )
    assert stats.cached == stats.files > 0
    assert _keys(part.findings) == _keys(
        run(["svc/views"], Options(), cwd=project, jobs=1).findings
    )
    whole, stats = _cached_run(project)
    assert stats.cached == stats.files
    assert _keys(whole.findings) == _keys(_run(project).findings)


def test_changed_file_is_reanalysed_alone(project: Path) -> None:
    _cached_run(project)
    hooks = project / "svc" / "hooks.py"
    hooks.write_text(hooks.read_text(encoding="utf-8") + "\n# touched\n", encoding="utf-8")
    _, stats = _cached_run(project)
    assert stats.cached == stats.files - 1
    # hooks.py is parsed again; its summary is unchanged, so nobody is re-linted.
    assert stats.relinted == 0


def test_an_edit_that_changes_no_summary_reuses_the_other_results(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Everyone's summaries as in the last run over these files: the unchanged files
    report what they did then, without their dependencies being judged again."""
    cold, _ = _cached_run(project)
    assert any(stage.startswith("final:") for stage in _last_run(project)["stages"].values())
    hooks = project / "svc" / "hooks.py"
    hooks.write_text(hooks.read_text(encoding="utf-8") + "\n# touched\n", encoding="utf-8")
    asked: set[str] = set()
    judge = phases_module._Relevance.matters

    def spy(self: phases_module._Relevance, dependency: str, own_path: str) -> bool:
        asked.add(own_path)
        return judge(self, dependency, own_path)

    monkeypatch.setattr(phases_module._Relevance, "matters", spy)
    result, stats = _cached_run(project)
    assert stats.remembered == stats.files - 1 and stats.relinted == 0
    assert asked <= {"svc/hooks.py"}
    assert _keys(result.findings) == _keys(cold.findings) == _keys(_run(project).findings)


def test_a_remembered_result_is_the_one_that_run_used(project: Path) -> None:
    """A file's phase-two result re-linted since by a run that knew other summaries is
    not what the remembered run reported: neither "nothing changed" nor an edit
    elsewhere takes it."""
    cold, _ = _cached_run(project)
    items = "svc/views/items.py"
    assert _last_run(project)["stages"][items].startswith("final:")
    document = _cache_document(project)
    results = json.loads(document["files"][items][2])
    results["final"]["findings"], results["final_digest"] = [], "another run's"
    document["files"][items][2] = json.dumps(results)
    _write_cache_document(project, document)
    warm, stats = _cached_run(project)
    assert stats.relinted == 1  # items.py: its final result was not that run's
    assert _keys(warm.findings) == _keys(cold.findings)


def _last_run(root: Path) -> dict[str, Any]:
    return cast(dict[str, Any], _cache_document(root)["last_runs"][0])


def _cache_document(root: Path) -> dict[str, Any]:
    cache_file = root / ".flasklint_cache" / cache_module.CACHE_FILE
    return cache_module.decode_document(cache_file.read_text(encoding="utf-8"))


def _write_cache_document(root: Path, document: dict[str, Any]) -> None:
    cache_file = root / ".flasklint_cache" / cache_module.CACHE_FILE
    cache_file.write_bytes(cache_module.encode_document(document))


def test_changing_a_module_relints_its_dependents_only(project: Path) -> None:
    _cached_run(project)
    keys = project / "svc" / "keys.py"
    keys.write_text(
        keys.read_text(encoding="utf-8").replace(
            'return key, "header"', 'return hashlib.sha256(key.encode()).hexdigest(), "header"'
        ),
        encoding="utf-8",
    )
    result, stats = _cached_run(project)
    # keys.py changed; items.py looked svc.keys up: the six others are as they were.
    assert stats.remembered == stats.files - 2 == 6
    assert stats.relinted == 1  # svc/views/items.py, the only module using extract_key
    assert stats.read == 2  # keys.py, changed; items.py, unchanged but re-linted
    leaks = [f for f in result.findings if f.code == "FLK101" and "extract_key" in f.message]
    assert leaks == []
    assert _keys(result.findings) == _keys(_run(project).findings)


def test_rewritten_file_with_its_old_stamp_is_linted_afresh(project: Path) -> None:
    """An unchanged stamp skips reading. A tool that restores modification times can
    rewrite a file without changing its stamp; once its text is needed, the run
    notices, lints what is there, and the next run reads it again."""
    _cached_run(project)
    keys = project / "svc" / "keys.py"
    keys.write_text(  # items.py must be re-linted, so its text is needed
        keys.read_text(encoding="utf-8").replace(
            'return key, "header"', 'return hashlib.sha256(key.encode()).hexdigest(), "header"'
        ),
        encoding="utf-8",
    )
    items = project / "svc" / "views" / "items.py"
    info = items.stat()
    harmless = 'log.info("origin %s", origin)'
    leak = 'log.info("t %s", g.token)'.ljust(len(harmless))  # as long: the size stays
    items.write_text(items.read_text(encoding="utf-8").replace(harmless, leak), encoding="utf-8")
    os.utime(items, ns=(info.st_atime_ns, info.st_mtime_ns))
    if (items.stat().st_ino, items.stat().st_size) != (info.st_ino, info.st_size):
        pytest.skip("the file system gave the rewritten file a new inode or size")
    result, _ = _cached_run(project)
    assert result.errors == ()
    assert _keys(result.findings) == _keys(_run(project).findings)
    assert ("FLK101", "svc/views/items.py", 23) in {
        (f.code, f.path, f.line) for f in result.findings
    }
    _, stats = _cached_run(project)
    assert stats.cached == stats.files - 1  # items.py: its entry was dropped


def test_unreadable_file_is_not_cached(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """chmod keeps a file's stamp: a cached "permission denied" would outlive the fix."""
    real = source_module.read_bytes

    def denied(path: Path, display: str) -> tuple[bytes | None, FileError | None]:
        if display == "svc/views/items.py":
            return None, FileError(display, "cannot read: permission denied", "io")
        return real(path, display)

    monkeypatch.setattr(source_module, "read_bytes", denied)
    result, _ = _cached_run(project)
    assert [(f.path, f.code, f.message) for f in result.findings if f.code == "FLK000"] == [
        ("svc/views/items.py", "FLK000", "cannot read: permission denied")
    ]
    monkeypatch.setattr(source_module, "read_bytes", real)
    result, stats = _cached_run(project)
    assert result.errors == () and stats.cached == stats.files - 1
    assert _keys(result.findings) == _keys(_run(project).findings)


def test_configuration_change_invalidates(project: Path) -> None:
    _cached_run(project)
    options = Options.from_config(Config(ignore=("FLK301",), root=str(project)))
    result, stats = _cached_run(project, options)
    assert stats.cached == 0
    assert "FLK301" not in {f.code for f in result.findings}


def test_tool_change_invalidates(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _cached_run(project)
    monkeypatch.setattr(cache_module, "tool_digest", lambda: "another-version")
    _, stats = _cached_run(project)
    assert stats.cached == 0


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda text: "{not json",
        lambda text: text + "\na line without its fields",
        lambda text: text.replace('"svc/keys.py"\t', "42\t"),  # a name that is no string
        lambda text: text.replace('{"format"', '["format"', 1),
    ],
    ids=["not-json", "short-line", "bad-name", "bad-header"],
)
def test_corrupt_cache_is_ignored(project: Path, corrupt: Callable[[str], str]) -> None:
    _, first = _cached_run(project)
    cache_file = project / ".flasklint_cache" / cache_module.CACHE_FILE
    damaged = corrupt(cache_file.read_text(encoding="utf-8"))
    assert damaged != cache_file.read_text(encoding="utf-8")
    cache_file.write_text(damaged, encoding="utf-8")
    result, stats = _cached_run(project)
    assert stats.cached == 0 and stats.parsed == first.parsed
    assert {f.code for f in result.findings} == {"FLK101", "FLK301"}


def test_cache_is_one_file_with_a_gitignore(project: Path) -> None:
    (project / ".flasklint_cache").mkdir()
    (project / ".flasklint_cache" / cache_module.OLD_CACHE_FILE).write_text("{}")
    _cached_run(project)  # an older version's file is removed
    assert sorted(p.name for p in (project / ".flasklint_cache").iterdir()) == [
        ".gitignore",
        cache_module.CACHE_FILE,
    ]


def test_parallel_and_serial_runs_agree(project: Path) -> None:
    serial = run(["."], Options(), cwd=project, jobs=1)
    parallel = run(["."], replace(Options()), cwd=project, jobs=2)
    assert _keys(serial.findings) == _keys(parallel.findings)


def test_a_planted_cache_cannot_hide_findings(project: Path, tmp_path: Path) -> None:
    """A cache committed to a repository: well formed, right key, every finding removed."""
    cold, _ = _cached_run(project)
    assert cold.findings
    document = _cache_document(project)
    for item in document["files"].values():
        results = json.loads(item[2])
        for stage in ("first", "final"):
            if results[stage] is not None:
                results[stage]["findings"] = []
        item[2] = json.dumps(results)
    (last_run,) = document["last_runs"]
    assert last_run["stages"]
    last_run["stages"] = {}
    _write_cache_document(project, document)
    clone = tmp_path / "clone"
    shutil.copytree(project, clone)  # a fresh checkout: new inodes and times
    result, stats = _cached_run(clone)
    assert stats.cached == 0
    assert _keys(result.findings) == _keys(cold.findings)


def test_module_names(tmp_path: Path) -> None:
    """Below the nearest directory with a project marker, ``src/`` dropped; else the cwd."""
    service = tmp_path / "services" / "billing"
    for directory in (service / "src" / "billing" / "api", tmp_path / "tools", tmp_path / "src"):
        directory.mkdir(parents=True)
    (service / "pyproject.toml").write_text("", encoding="utf-8")
    names = project_module.ModuleNames(tmp_path)
    expected = {
        service / "src" / "billing" / "api" / "keys.py": "billing.api.keys",
        service / "src" / "billing" / "__init__.py": "billing",
        service / "setup.py": "setup",
        tmp_path / "tools" / "audit.py": "tools.audit",
        tmp_path / "tools" / "v1.2.py": "tools.v1.2",
        tmp_path / "src" / "run.py": "run",
        tmp_path / "__init__.py": "__init__",
        tmp_path.parent / "elsewhere.py": "elsewhere",
    }
    assert {path: names(path) for path in expected} == expected
    # Linting another directory than the working one: below the directory named.
    other = tmp_path.parent / "checkout"
    away = project_module.ModuleNames(tmp_path / "tools", [other, other / "pkg"])
    assert away(other / "pkg" / "keys.py") == "keys"
    assert away(other / "svc" / "keys.py") == "svc.keys"
    assert away(tmp_path / "src" / "run.py") == "run"


def test_linting_a_directory_elsewhere_finds_cross_module_flows(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "pyproject.toml").unlink()  # no marker: the directory named is the root
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    away = run([str(project)], Options(), cwd=elsewhere, jobs=1)
    here = _run(project)
    assert [(f.code, f.line) for f in away.findings] == [(f.code, f.line) for f in here.findings]
    assert any("via extract_key()" in f.message for f in away.findings)


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_summaries_survive_the_cache(project: Path, tmp_path: Path) -> None:
    """What the cache keeps of a summary leaves out fields at their default, and what it
    decodes is the summary again."""
    work = tmp_path / project.name
    shutil.copytree(project, work)
    _, known = run_project(["."], Options(), cwd=work, jobs=1, want_project=True)
    assert known is not None and known.summaries is not None
    summaries = list(known.summaries.modules.values())
    assert summaries
    for summary in summaries:
        encoded = json.loads(json.dumps(summary_to_json(summary)))
        assert summary_from_json(encoded) == summary
        assert all(value not in ([], False, None) for value in encoded.values())


EDITS = {
    "a helper": "\n\ndef _edited_helper(value):\n    return value\n",
    "emptied": None,  # the module loses everything it offered
}


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_incremental_runs_agree_with_cold_ones(project: Path, tmp_path: Path) -> None:
    """Each module of each project edited in turn (a helper added, the module emptied)
    and restored: every cached run reports what a run without the cache does -- the
    other files' remembered results included."""
    work = tmp_path / project.name
    shutil.copytree(project, work)
    cold, _ = _cached_run(work)
    remembered = 0
    for path in sorted(work.rglob("*.py")):
        original = path.read_text(encoding="utf-8")
        for name, edit in EDITS.items():
            path.write_text(original + edit if edit is not None else "", encoding="utf-8")
            edited, stats = _cached_run(work)
            remembered += stats.remembered
            where = f"{path.relative_to(work)}, {name}"
            assert _keys(edited.findings) == _keys(_run(work).findings), where
            path.write_text(original, encoding="utf-8")
            restored, stats = _cached_run(work)
            remembered += stats.remembered
            assert _keys(restored.findings) == _keys(cold.findings), f"{where}, restored"
    assert remembered > 0  # the shortcut was taken, and is checked above


RANDOM_EDITS = [
    lambda text: text + "\n\ndef _edited_helper(value):\n    return value\n",
    lambda text: "",
    lambda text: text + "\n# touched\n",
    lambda text: (
        text
        + "\nfrom flask import request as _rq\n\n\ndef _leak():\n    return _rq.headers.get('X-API-Key')\n"
    ),
]


@pytest.mark.parametrize("seed", range(6))
def test_runs_of_every_kind_agree_with_uncached_ones(seed: int, tmp_path: Path) -> None:
    """Random edits (restores among them), each followed by a tree run, a run naming
    the edited file (pre-commit) or an edited buffer (an editor), all on one cache:
    each reports what the same run without a cache does."""
    rng = random.Random(seed)
    project = rng.choice(PROJECTS)
    work = tmp_path / project.name
    shutil.copytree(project, work)
    files = sorted(work.rglob("*.py"))
    originals = {path: path.read_text(encoding="utf-8") for path in files}
    cache = work / ".flasklint_cache"
    for step in range(10):
        path = rng.choice(files)
        restore = rng.random() < 0.3
        path.write_text(
            originals[path] if restore else rng.choice(RANDOM_EDITS)(originals[path]),
            encoding="utf-8",
        )
        display = path.relative_to(work).as_posix()
        how = rng.choice(["tree", "tree", "named", "buffer"])
        paths = {"tree": ["."], "named": [display], "buffer": []}[how]
        buffer = None
        if how == "buffer":
            buffer = Buffer(display, rng.choice(RANDOM_EDITS)(originals[path]).encode())
        cached = run(paths, Options(), cwd=work, jobs=1, cache_dir=cache, buffer=buffer)
        uncached = run(paths, Options(), cwd=work, jobs=1, buffer=buffer)
        assert _keys(cached.findings) == _keys(uncached.findings), f"step {step}: {how} {display}"


def test_an_edit_decodes_only_the_results_it_needs(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After an edit that changes no summary, the other files' dependencies and results
    stay text: only files with findings to report decode theirs."""
    cold, _ = _cached_run(project)
    hooks = project / "svc" / "hooks.py"
    hooks.write_text(hooks.read_text(encoding="utf-8") + "\n# touched\n", encoding="utf-8")
    decoded: list[str] = []
    real = cache_module._results

    def counting(data: dict[str, Any]) -> cache_module.Results:
        decoded.append(data["first"]["path"])
        return real(data)

    monkeypatch.setattr(cache_module, "_results", counting)
    result, stats = _cached_run(project)
    assert stats.remembered == stats.files - 1
    with_findings = {f.path for f in cold.findings}
    # hooks.py itself was linted afresh; the others' results are read only to report them.
    assert set(decoded) == with_findings - {"svc/hooks.py"} != set()
    assert _keys(result.findings) == _keys(cold.findings)


def test_results_that_do_not_decode_start_the_run_afresh(project: Path) -> None:
    """An entry's results are decoded only when needed: damaged there, the run notices
    late, and starts again without the cache rather than fail."""
    cold, _ = _cached_run(project)
    items = "svc/views/items.py"
    document = _cache_document(project)
    document["files"][items][2] = '{"dependencies": ['
    _write_cache_document(project, document)
    keys = project / "svc" / "keys.py"  # an edit, so that items.py is judged
    keys.write_text(keys.read_text(encoding="utf-8") + "\n# touched\n", encoding="utf-8")
    result, stats = _cached_run(project)
    assert stats.cached == 0 and result.errors == ()
    assert _keys(result.findings) == _keys(cold.findings)
    again, stats = _cached_run(project)
    assert stats.cached == stats.files and _keys(again.findings) == _keys(cold.findings)
