"""Messages and help that fit the code they are about (FLK201 class paths, FLK203 loggers)."""

from __future__ import annotations

from pathlib import Path

from cli_support import write
from harness import lint

from flasklint_keys.core.options import Options
from flasklint_keys.run.runner import run

LOGURU = """\
from loguru import logger


def work(job):
    try:
        job.run()
    except Exception as exc:
        logger.error("job failed: {}", exc)
"""

STDLIB = LOGURU.replace(
    "from loguru import logger", "import logging\n\nlogger = logging.getLogger()"
)


def test_traceback_help_fits_loguru() -> None:
    (finding,) = lint(LOGURU)
    assert finding.code == "FLK203"
    assert "logger.opt(exception=True)" in finding.fix_suggestion
    assert "exc_info" not in finding.fix_suggestion


def test_traceback_help_of_the_standard_library() -> None:
    (finding,) = lint(STDLIB)
    assert finding.code == "FLK203"
    assert "exc_info=True" in finding.fix_suggestion


HANDLERS = """\
from flask import Blueprint, jsonify

from ..lib.error import AuthError

bp = Blueprint("api", __name__)


@bp.app_errorhandler(AuthError)
def auth_error(error):
    return jsonify(error="failed"), 500
"""


def test_error_handler_message_names_the_absolute_class(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "app"\n',
            "app/__init__.py": "",
            "app/lib/__init__.py": "",
            "app/lib/error.py": "class AuthError(Exception):\n    pass\n",
            "app/api/__init__.py": "",
            "app/api/handlers.py": HANDLERS,
        },
    )
    result = run(["."], Options(), cwd=tmp_path, jobs=1)
    (finding,) = [f for f in result.findings if f.code == "FLK201"]
    assert "error handler for app.lib.error.AuthError answers" in finding.message
