"""FLK107/FLK305 across modules: what one module learns of another, and the cache."""

from __future__ import annotations

import shutil
from pathlib import Path

import libcst as cst
import pytest
from harness import FIXTURES

from flasklint_keys.analysis.index import build_index
from flasklint_keys.analysis.key_use import key_recorders
from flasklint_keys.analysis.module import ModuleAnalysis
from flasklint_keys.analysis.monitoring import credential_headers, event_processors
from flasklint_keys.analysis.settings import AnalysisSettings
from flasklint_keys.core.model import LintResult
from flasklint_keys.core.options import Options
from flasklint_keys.run.runner import run

MONITORED = FIXTURES / "projects" / "monitored"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "monitored"
    shutil.copytree(MONITORED, root)
    return root


def _run(root: Path, cache: bool = False) -> LintResult:
    kwargs = {"cache_dir": root / ".flasklint_cache"} if cache else {}
    return run(["."], Options(), cwd=root, jobs=1, **kwargs)  # type: ignore[arg-type]


def _found(result: LintResult, code: str) -> list[tuple[str, int]]:
    return sorted((f.path, f.line) for f in result.findings if f.code == code)


def _analysis(path: Path) -> ModuleAnalysis:
    source = path.read_text(encoding="utf-8")
    module = cst.parse_module(source)
    return ModuleAnalysis(module, build_index(module), AnalysisSettings(), path.name, None, source)


def test_a_hook_of_another_module_records_the_key(project: Path) -> None:
    assert _found(_run(project), "FLK305") == []
    (project / "mon" / "hooks.py").unlink()
    assert _found(_run(project), "FLK305") == [("mon/auth.py", 11)]


def test_a_before_send_of_another_module_is_judged_by_its_body(project: Path) -> None:
    cold = _run(project, cache=True)
    assert _found(cold, "FLK107") == [
        ("mon/factory.py", 15),
        ("mon/factory.py", 16),
        ("mon/factory.py", 17),
    ]
    hooks = project / "mon" / "sentry_hooks.py"
    hooks.write_text(
        hooks.read_text(encoding="utf-8")
        .replace('headers.pop("X-Auth-Token", None)', "print(len(event))")
        .replace('headers = event.get("request", {}).get("headers", {})', "pass"),
        encoding="utf-8",
    )
    warm = _run(project, cache=True)  # the cached phase-two result of factory.py is stale
    lines = [line for _, line in _found(warm, "FLK107")]
    assert lines == [12, 13, 14, 15, 16, 17]
    assert _found(warm, "FLK107") == _found(_run(project), "FLK107")


def test_headers_read_in_another_module_reach_the_sentry_init(project: Path) -> None:
    (project / "mon" / "auth.py").unlink()
    (project / "mon" / "hooks.py").unlink()
    # Only send_default_pii=True with a before_send that keeps headers is left.
    assert _found(_run(project), "FLK107") == [("mon/factory.py", 15)]


def test_every_recording_hook_is_recognised() -> None:
    analysis = _analysis(FIXTURES / "flk305_recorded_hooks.py")
    assert key_recorders(analysis) == (
        "binds_context",
        "login_from_key",
        "request_context",
        "sets_context_var",
        "tells_sentry",
    )


def test_credential_headers_are_those_sentry_sends() -> None:
    # X-API-Key and Authorization are dropped by Sentry; X-CSRF-Token is no key.
    assert credential_headers(_analysis(FIXTURES / "flk107_monitoring.py")) == ()
    assert credential_headers(_analysis(FIXTURES / "flk107_sentry_headers.py")) == ("X-Auth-Token",)


def test_event_processors_say_whether_they_scrub() -> None:
    analysis = _analysis(MONITORED / "mon" / "sentry_hooks.py")
    assert event_processors(analysis) == (("drop_expected", False), ("scrub_headers", True))
