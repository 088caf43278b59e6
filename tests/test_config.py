"""Configuration: where it is found, what every key does, and how mistakes are reported."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_support import APP, codes_at, run, write

from flasklint_keys.analysis.settings import AnalysisSettings
from flasklint_keys.core.catalog import codes
from flasklint_keys.core.config import (
    Config,
    ConfigError,
    find_config_file,
    ignored_for_path,
    is_test_file,
    load_config,
)
from flasklint_keys.core.model import Severity

ALL_CODES = codes()

WARNING_ONLY = (
    "import logging\nfrom flask import request\n\nlog = logging.getLogger(__name__)\n"
    'log.info("GET %s", request.url)\n'
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"app.py": APP})
    return tmp_path


def _configure(root: Path, body: str, name: str = "pyproject.toml") -> None:
    table = "[tool.flasklint-keys]\n" if name == "pyproject.toml" else ""
    write(root, {name: table + body})


def _lint(args: list[str]) -> list[tuple[str, int, int, str]]:
    result = run(["--format", "json", *args])
    assert result.exit_code in (0, 1), result.stderr
    return codes_at(result.json())


def _error(args: list[str]) -> str:
    result = run(args)
    assert result.exit_code == 2, result.stdout
    assert result.stdout == ""
    assert result.stderr.startswith("flasklint-keys: error: ")
    return result.stderr


# -- where the configuration is found ----------------------------------------------------------


def test_pyproject_found_upward_from_the_first_path(project: Path) -> None:
    _configure(project, 'select = ["FLK103"]\n')
    write(project, {"pkg/sub/mod.py": WARNING_ONLY + APP})
    assert {code for *_, code in _lint(["pkg/sub/mod.py"])} == {"FLK103"}
    assert {code for *_, code in _lint(["pkg"])} == {"FLK103"}


def test_only_the_first_path_decides(project: Path) -> None:
    write(project, {"a/mod.py": APP, "b/mod.py": APP})
    _configure(project / "b", 'select = ["FLK103"]\n')
    assert {code for *_, code in _lint(["a", "b"])} == {"FLK101", "FLK103"}
    assert {code for *_, code in _lint(["b", "a"])} == {"FLK103"}


def test_pyproject_without_our_table_is_passed_over(project: Path) -> None:
    _configure(project, 'select = ["FLK103"]\n')
    write(project, {"pkg/pyproject.toml": "[tool.black]\nline-length = 100\n", "pkg/m.py": APP})
    assert {code for *_, code in _lint(["pkg"])} == {"FLK103"}


def test_dedicated_file(project: Path) -> None:
    _configure(project, 'select = ["FLK101"]\n', name="flasklint-keys.toml")
    assert [code for *_, code in _lint(["app.py"])] == ["FLK101"]


def test_dedicated_file_with_a_tool_table(project: Path) -> None:
    write(project, {"flasklint-keys.toml": '[tool.flasklint-keys]\nselect = ["FLK101"]\n'})
    assert [code for *_, code in _lint(["app.py"])] == ["FLK101"]


def test_dedicated_file_wins_in_the_same_directory(project: Path) -> None:
    _configure(project, 'select = ["FLK103"]\n')
    _configure(project, 'select = ["FLK101"]\n', name="flasklint-keys.toml")
    assert find_config_file(project / "app.py") == project / "flasklint-keys.toml"
    assert [code for *_, code in _lint(["app.py"])] == ["FLK101"]


def test_nearest_configuration_wins(project: Path) -> None:
    _configure(project, 'select = ["FLK103"]\n')
    write(project, {"pkg/m.py": APP})
    _configure(project / "pkg", 'select = ["FLK101"]\n')
    assert find_config_file(project / "pkg" / "m.py") == project / "pkg" / "pyproject.toml"
    assert [code for *_, code in _lint(["pkg"])] == ["FLK101"]


def test_explicit_config_file(project: Path) -> None:
    _configure(project, 'select = ["FLK103"]\n')
    write(project, {"ci/lint.toml": 'select = ["FLK101"]\n'})
    assert [code for *_, code in _lint(["--config", "ci/lint.toml", "app.py"])] == ["FLK101"]


def test_no_configuration_enables_every_rule(project: Path) -> None:
    assert [code for *_, code in _lint(["app.py"])] == ["FLK103", "FLK101"]


# -- every key ---------------------------------------------------------------------------------


def test_select_ignore_extend_select(project: Path) -> None:
    _configure(project, 'select = ["FLK1"]\nignore = ["FLK10"]\nextend-select = ["FLK101"]\n')
    assert [code for *_, code in _lint(["app.py"])] == ["FLK101"]


def test_exclude(project: Path) -> None:
    write(project, {"migrations/m.py": APP, "scripts/gen/x.py": APP})
    _configure(project, 'exclude = ["migrations", "scripts/*"]\n')
    assert {path for path, *_ in _lint(["."])} == {"app.py"}


def test_exclude_globs_are_relative_to_the_configuration(project: Path) -> None:
    write(project, {"scripts/x.py": APP})
    _configure(project, 'exclude = ["scripts/*.py"]\n')
    (project / "sub").mkdir()
    os.chdir(project / "sub")
    assert {path for path, *_ in _lint([".."])} == {"../app.py"}


def test_per_file_ignores(project: Path) -> None:
    write(project, {"tests/test_app.py": APP, "other.py": APP})
    body = '[tool.flasklint-keys.per-file-ignores]\n"tests/*" = ["FLK1"]\n"other.py" = ["FLK101"]\n'
    write(project, {"pyproject.toml": body})
    assert _lint(["."]) == [
        ("app.py", 10, 24, "FLK103"),
        ("app.py", 12, 24, "FLK101"),
        ("other.py", 10, 24, "FLK103"),
    ]


def test_per_file_ignores_match_from_the_configuration_directory(project: Path) -> None:
    write(project, {"tests/test_app.py": APP})
    write(
        project,
        {"pyproject.toml": '[tool.flasklint-keys.per-file-ignores]\n"tests/*" = ["FLK1"]\n'},
    )
    os.chdir(project / "tests")
    assert _lint(["."]) == []


@pytest.mark.parametrize(("fail_on", "expected"), [("error", 0), ("warning", 1), ("note", 1)])
def test_fail_on(project: Path, fail_on: str, expected: int) -> None:
    write(project, {"app.py": WARNING_ONLY})
    _configure(project, f'fail-on = "{fail_on}"\n')
    assert run(["app.py"]).exit_code == expected


def test_fail_on_command_line_beats_the_configuration(project: Path) -> None:
    write(project, {"app.py": WARNING_ONLY})
    _configure(project, 'fail-on = "error"\n')
    assert run(["--fail-on", "warning", "app.py"]).exit_code == 1


KEYED = """\
import logging
from flask import Flask, request
from myapp.logs import audit
from myapp.errors import report_error

app = Flask(__name__)
log = logging.getLogger(__name__)


def load(license_blob, db_password):
    log.info("blob %s", license_blob)
    log.info("db %s", db_password)
    tenant = request.headers.get("X-Tenant")
    log.info("tenant %s", tenant)
    api_key = request.headers.get("X-API-Key")
    audit.info("key %s", api_key)


def risky():
    try:
        load(1, 2)
    except Exception:
        report_error()
        return None
"""

AUTH = """\
KEYS = {"a"}


class Unauthorized(Exception):
    code = 401


def require_key(key):
    if key not in KEYS:
        raise Unauthorized()
    return key
"""


@pytest.fixture
def keyed(project: Path) -> Path:
    write(project, {"app.py": KEYED, "auth.py": AUTH})
    return project


def test_analysis_keys_unset(keyed: Path) -> None:
    assert _lint(["."]) == [("app.py", 12, 23, "FLK101"), ("app.py", 22, 12, "FLK202")]


@pytest.mark.parametrize(
    ("body", "gained", "lost"),
    [
        ('credential-names = ["license_blob"]', ("app.py", 11, 25, "FLK101"), None),
        ('not-credential-names = ["db_password"]', None, ("app.py", 12, 23, "FLK101")),
        ('not-credential-names = ["db_*"]', None, ("app.py", 12, 23, "FLK101")),
        ('credential-headers = ["X-Tenant"]', ("app.py", 14, 27, "FLK101"), None),
        ('logger-names = ["audit"]', ("app.py", 16, 26, "FLK101"), None),
        ('report-functions = ["myapp.errors.report_error"]', None, ("app.py", 22, 12, "FLK202")),
        ('auth-decorators = ["require_key"]', ("auth.py", 10, 15, "FLK301"), None),
    ],
    ids=[
        "credential-names",
        "not-credential-names",
        "not-credential-names-glob",
        "credential-headers",
        "logger-names",
        "report-functions",
        "auth-decorators",
    ],
)
def test_analysis_keys(
    keyed: Path,
    body: str,
    gained: tuple[str, int, int, str] | None,
    lost: tuple[str, int, int, str] | None,
) -> None:
    expected = [("app.py", 12, 23, "FLK101"), ("app.py", 22, 12, "FLK202")]
    if lost is not None:
        expected.remove(lost)
    if gained is not None:
        expected.append(gained)
    _configure(keyed, body + "\n")
    assert _lint(["."]) == sorted(expected)


def test_sanitizers_reach_the_analysis(project: Path) -> None:
    _configure(project, 'sanitizers = ["myapp.security.fingerprint"]\n')
    config = load_config(project / "pyproject.toml", ALL_CODES)
    assert AnalysisSettings.from_config(config).sanitizers == {"myapp.security.fingerprint"}


def test_sanitizers(project: Path) -> None:
    write(
        project,
        {
            "myapp/__init__.py": "",
            "myapp/security.py": "def shorten(value):\n    return value.strip()\n",
            "app.py": (
                "import logging\nfrom flask import request\n"
                "from myapp.security import shorten\n\nlog = logging.getLogger(__name__)\n\n\n"
                'def view():\n    key = request.headers.get("X-API-Key")\n'
                '    log.info("k %s", shorten(key))\n'
            ),
        },
    )
    assert _lint(["."]) == [("app.py", 10, 22, "FLK101")]
    _configure(project, 'sanitizers = ["myapp.security.shorten"]\n')
    assert _lint(["."]) == []


def test_every_key_is_accepted(project: Path) -> None:
    body = """\
select = ["FLK"]
ignore = ["FLK402"]
extend-select = ["FLK1"]
exclude = ["migrations"]
fail-on = "note"
credential-names = ["license_blob"]
not-credential-names = ["session_key", "*_token_ttl"]
credential-headers = ["X-Tenant-Secret"]
sanitizers = ["myapp.security.fingerprint"]
logger-names = ["audit"]
report-functions = ["myapp.errors.report_error"]
auth-decorators = ["myapp.auth.require_key"]
test-paths = ["qa/", "*_check.py"]

[tool.flasklint-keys.per-file-ignores]
"tests/*" = ["FLK101"]
"""
    _configure(project, body)
    config = load_config(project / "pyproject.toml", ALL_CODES)
    assert config == Config(
        select=("FLK",),
        extend_select=("FLK1",),
        ignore=("FLK402",),
        exclude=("migrations",),
        per_file_ignores=(("tests/*", ("FLK101",)),),
        fail_on=Severity.NOTE,
        credential_names=("license_blob",),
        not_credential_names=("session_key", "*_token_ttl"),
        credential_headers=("X-Tenant-Secret",),
        sanitizers=("myapp.security.fingerprint",),
        logger_names=("audit",),
        report_functions=("myapp.errors.report_error",),
        auth_decorators=("myapp.auth.require_key",),
        test_paths=("qa/", "*_check.py"),
        root=str(project),
        source=str(project / "pyproject.toml"),
    )
    assert run(["app.py"]).exit_code == 1


def test_codes_are_normalised_to_upper_case(project: Path) -> None:
    _configure(project, 'select = ["flk103"]\n')
    assert load_config(project / "pyproject.toml", ALL_CODES).select == ("FLK103",)


def test_per_file_ignores_helper() -> None:
    config = Config(per_file_ignores=(("tests/*", ("FLK1",)), ("conftest.py", ("FLK402",))))
    assert ignored_for_path(config, "tests/a/test_x.py") == {"FLK1"}
    assert ignored_for_path(config, "pkg/conftest.py") == {"FLK402"}
    assert ignored_for_path(config, "app.py") == frozenset()


# -- mistakes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["pyproject.toml", "flasklint-keys.toml"])
def test_unknown_key(project: Path, name: str) -> None:
    _configure(project, "colour = true\n", name=name)
    assert f"{project / name}: unknown configuration key 'colour'" in _error(["app.py"])


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ('select = ["FLK999"]', "'select': unknown rule code or prefix 'FLK999'"),
        ('ignore = ["FLK1", "E501"]', "'ignore': unknown rule code or prefix 'E501'"),
        ('extend-select = ["XYZ"]', "'extend-select': unknown rule code or prefix 'XYZ'"),
        (
            '[tool.flasklint-keys.per-file-ignores]\n"tests/*" = ["FLK9"]',
            "'per-file-ignores.tests/*': unknown rule code or prefix 'FLK9'",
        ),
    ],
)
def test_unknown_codes(project: Path, body: str, named: str) -> None:
    _configure(project, body + "\n")
    assert named in _error(["app.py"])


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("select", '"FLK1"', "'select' must be a list of strings"),
        ("select", "3", "'select' must be a list of strings"),
        ("ignore", "[1]", "'ignore' must be a list of strings"),
        ("exclude", "true", "'exclude' must be a list of strings"),
        ("credential-names", '"license"', "'credential-names' must be a list of strings"),
        ("not-credential-names", "{}", "'not-credential-names' must be a list of strings"),
        ("credential-headers", "[[]]", "'credential-headers' must be a list of strings"),
        ("sanitizers", "1.5", "'sanitizers' must be a list of strings"),
        ("logger-names", '"audit"', "'logger-names' must be a list of strings"),
        ("report-functions", "false", "'report-functions' must be a list of strings"),
        ("auth-decorators", "[1, 2]", "'auth-decorators' must be a list of strings"),
        ("test-paths", '"tests/"', "'test-paths' must be a list of strings"),
        ("extend-select", "0", "'extend-select' must be a list of strings"),
        ("per-file-ignores", '["x"]', "'per-file-ignores' must be a table of glob = [codes]"),
        ("fail-on", '"fatal"', "'fail-on' must be one of error, warning, note (got 'fatal')"),
        ("fail-on", "2", "'fail-on' must be one of error, warning, note (got 2)"),
    ],
)
def test_wrong_types(project: Path, key: str, value: str, message: str) -> None:
    _configure(project, f"{key} = {value}\n")
    assert message in _error(["app.py"])


def test_per_file_ignores_values_must_be_lists(project: Path) -> None:
    write(project, {"pyproject.toml": '[tool.flasklint-keys.per-file-ignores]\n"t/*" = 3\n'})
    assert "'per-file-ignores.t/*' must be a list of strings" in _error(["app.py"])


def test_table_of_the_wrong_type(project: Path) -> None:
    write(project, {"pyproject.toml": "[tool]\nflasklint-keys = 1\n"})
    assert "[tool.flasklint-keys] must be a table" in _error(["app.py"])


def test_invalid_toml_in_our_configuration(project: Path) -> None:
    write(project, {"pyproject.toml": "[tool.flasklint-keys]\nselect = [\n"})
    assert f"invalid TOML in {project / 'pyproject.toml'}" in _error(["app.py"])


def test_invalid_toml_in_a_dedicated_file(project: Path) -> None:
    write(project, {"flasklint-keys.toml": "select = \n"})
    assert "invalid TOML in" in _error(["app.py"])


def test_invalid_toml_of_another_tool_is_not_ours(project: Path) -> None:
    write(project, {"pyproject.toml": "[tool.black\nline-length = 100\n"})
    assert run(["app.py"]).exit_code == 1


def test_invalid_explicit_config(project: Path) -> None:
    write(project, {"lint.toml": "select = [1]\n"})
    assert "'select' must be a list of strings" in _error(["--config", "lint.toml", "app.py"])


def test_config_errors_are_exceptions_naming_the_file(project: Path) -> None:
    _configure(project, "bogus = 1\n")
    with pytest.raises(ConfigError, match=r"pyproject\.toml: unknown configuration key 'bogus'"):
        load_config(project / "pyproject.toml", ALL_CODES)


# -- test code -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("tests/test_app.py", True),
        ("pkg/tests/helpers.py", True),
        ("test/data.py", True),
        ("src/testing/fakes.py", True),
        ("pkg/test_views.py", True),
        ("pkg/views_test.py", True),
        ("conftest.py", True),
        ("pkg/contest.py", False),
        ("pkg/testimonials.py", False),
        ("pkg/latest/views.py", False),
        ("tests.py", False),
    ],
)
def test_default_test_paths(path: str, expected: bool) -> None:
    assert is_test_file(path) is expected
    assert is_test_file(path, Config()) is expected


@pytest.mark.parametrize(
    ("globs", "path", "expected"),
    [
        (("qa/",), "qa/smoke.py", True),
        (("qa/",), "pkg/qa/smoke.py", True),
        (("qa/",), "tests/test_app.py", False),  # the list replaces the default
        (("*_check.py",), "pkg/keys_check.py", True),
        (("pkg/fixtures/",), "pkg/fixtures/data.py", True),
        (("pkg/fixtures/",), "other/pkg/fixtures/data.py", False),
        (("pkg/*/fakes.py",), "pkg/a/fakes.py", True),
        ((), "tests/test_app.py", False),
    ],
)
def test_configured_test_paths(globs: tuple[str, ...], path: str, expected: bool) -> None:
    assert is_test_file(path, Config(test_paths=globs)) is expected


HARDCODED = 'API_KEY = "sk_live_51Habcdefghijkl"\n'


def test_test_paths_reach_the_rules(project: Path) -> None:
    write(project, {"qa/keys.py": HARDCODED, "tests/keys.py": HARDCODED})
    assert [c for c in _lint(["qa", "tests"]) if c[3] == "FLK402"] == [
        ("qa/keys.py", 1, 11, "FLK402")
    ]
    _configure(project, 'test-paths = ["qa/"]\n')
    assert [c for c in _lint(["qa", "tests"]) if c[3] == "FLK402"] == [
        ("tests/keys.py", 1, 11, "FLK402")
    ]
