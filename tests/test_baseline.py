"""``--write-baseline`` / ``--baseline``: adopt on legacy code, fail only on new findings."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from clirun import run_cli

from flasklint_keys.core.model import Finding, LintResult, Severity
from flasklint_keys.run.baseline import (
    Baseline,
    BaselineError,
    apply_baseline,
    baseline_document,
    load_baseline,
)

APP = """\
import logging
from flask import request

log = logging.getLogger(__name__)


def view():
    key = request.headers.get("X-API-Key")
    log.info("key %s", key)
    log.info("key %s", key)
    log.info("url %s", request.url)
    log.info("quiet %s", key)  # noqa: FLK101
    return "ok"
"""
NEW_LEAK = '    log.warning("still the key: %s", key)\n'


def _json(*args: str) -> tuple[int, dict[str, Any]]:
    outcome = run_cli(["--format", "json", "-j", "1", *args])
    return outcome.exit_code, json.loads(outcome.stdout)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_write_baseline_records_unsuppressed_findings_sorted(project: Path) -> None:
    _, report = _json("app.py")
    outcome = run_cli(["--write-baseline", ".flasklint-baseline.json", "app.py"])
    assert outcome.exit_code == 0
    assert outcome.stderr == "Wrote 3 findings to baseline .flasklint-baseline.json.\n"
    assert outcome.stdout == ""
    document = json.loads((project / ".flasklint-baseline.json").read_text(encoding="utf-8"))
    expected = [
        {"path": path, "code": code, "fingerprint": fingerprint}
        for path, code, fingerprint in sorted(
            (f["path"], f["code"], f["fingerprint"]) for f in report["findings"]
        )
    ]
    assert [f["code"] for f in report["findings"]] == ["FLK101", "FLK101", "FLK103"]
    assert document == {"version": 1, "tool": "flasklint-keys", "findings": expected}
    assert document["findings"] == sorted(
        document["findings"], key=lambda e: (e["path"], e["code"], e["fingerprint"])
    )
    first = (project / ".flasklint-baseline.json").read_bytes()
    run_cli(["--write-baseline", ".flasklint-baseline.json", "app.py"])
    assert (project / ".flasklint-baseline.json").read_bytes() == first


def test_baseline_survives_line_shifts_and_reports_only_the_new_leak(project: Path) -> None:
    assert run_cli(["--write-baseline", "base.json", "app.py"]).exit_code == 0
    code, report = _json("--baseline", "base.json", "app.py")
    assert code == 0 and report["findings"] == []

    shifted = '"""Module docstring."""\nimport os\nimport sys\n' + APP
    (project / "app.py").write_text(shifted, encoding="utf-8")
    code, report = _json("app.py")
    assert code == 1 and [f["line"] for f in report["findings"]] == [12, 13, 14]
    code, report = _json("--baseline", "base.json", "app.py")
    assert (code, report["findings"]) == (0, [])

    lines = shifted.splitlines(keepends=True)
    lines.insert(15, NEW_LEAK)  # after the suppressed call, before `return`
    (project / "app.py").write_text("".join(lines), encoding="utf-8")
    code, report = _json("--baseline", "base.json", "app.py")
    assert code == 1
    assert [(f["code"], f["line"], f["column"]) for f in report["findings"]] == [("FLK101", 16, 38)]
    assert report["summary"]["findings"] == 1


def test_bad_or_missing_baseline_is_a_usage_error(project: Path) -> None:
    outcome = run_cli(["--baseline", "nope.json", "app.py"])
    assert outcome.exit_code == 2
    assert outcome.stderr == "flasklint-keys: error: baseline file not found: nope.json\n"

    (project / "bad.json").write_text("{not json", encoding="utf-8")
    outcome = run_cli(["--baseline", "bad.json", "app.py"])
    assert outcome.exit_code == 2
    assert outcome.stderr.startswith(
        "flasklint-keys: error: bad.json is not a baseline: invalid JSON"
    )

    (project / "old.json").write_text('{"version": 99, "findings": []}', encoding="utf-8")
    outcome = run_cli(["--baseline", "old.json", "app.py"])
    assert outcome.exit_code == 2
    assert outcome.stderr == (
        "flasklint-keys: error: old.json: unsupported baseline version 99 "
        "(this flasklint-keys writes version 1)\n"
    )

    (project / "shape.json").write_text('{"version": 1, "findings": [{"code": "FLK101"}]}')
    outcome = run_cli(["--baseline", "shape.json", "app.py"])
    assert outcome.exit_code == 2
    assert outcome.stderr == (
        "flasklint-keys: error: shape.json: findings[0] has no 'fingerprint' string\n"
    )

    outcome = run_cli(["--write-baseline", "missing-dir/base.json", "app.py"])
    assert outcome.exit_code == 2
    assert outcome.stderr.startswith("flasklint-keys: error: cannot write baseline missing-dir")


def _finding(fingerprint: str, line: int, suppressed: bool = False) -> Finding:
    return Finding(
        "FLK101",
        "secret-in-log",
        Severity.ERROR,
        "m",
        "s",
        "a.py",
        line,
        1,
        line,
        2,
        fingerprint=fingerprint,
        suppressed=suppressed,
    )


def test_each_baseline_entry_matches_once_and_suppressed_findings_pass_through(
    tmp_path: Path,
) -> None:
    findings = (_finding("aa", 1), _finding("aa", 2), _finding("bb", 3, suppressed=True))
    result = LintResult(findings=findings, errors=(), files_checked=1, enabled=())
    kept = apply_baseline(result, Baseline(Counter({"aa": 1, "bb": 1})))
    assert [(f.line, f.suppressed) for f in kept.findings] == [(2, False), (3, True)]
    path = tmp_path / "b.json"
    path.write_text(baseline_document(findings), encoding="utf-8")
    assert load_baseline(path) == Baseline(Counter({"aa": 2}))
    with pytest.raises(BaselineError, match="no 'version' field"):
        path.write_text("[]", encoding="utf-8")
        load_baseline(path)
