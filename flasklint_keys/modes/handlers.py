"""The mode handlers: lint, fix, diff, add-noqa, write-baseline — over a tree or a buffer.

Each handler is the same pipeline with its own step: run → baseline → step → exit.
Fixing and ``--add-noqa`` need LibCST in this process: their handlers import the
fix layer when they run, so that linting (above all a warm run) never loads it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from ..core import catalog
from ..core.config import ConfigError
from ..core.docs import explain, list_rules
from ..core.model import LintResult
from ..reporters.hints import unsafe_left
from ..run.baseline import BaselineError, write_baseline
from ..run.context import Buffer
from ..run.source import decode_source
from ..run.stdin import empty_result, read_stdin, stdin_display, stdin_excluded
from .request import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, Mode, Request, UsageError
from .session import Failure, Session, fail, internal_errors, say, warn

Handler = Callable[[Session], int]


def execute(request: Request) -> int:
    """Run one invocation; usage and configuration problems exit 2 with a message."""
    try:
        request.check()
        if request.mode is Mode.LIST_RULES:
            click.echo(list_rules(), nl=False)
            return EXIT_OK
        if request.mode is Mode.EXPLAIN:
            return _explain(request.explain_code or "")
        if request.mode is Mode.SERVER:
            return _serve()
        session = Session.open(request)
        handlers = STDIN_HANDLERS if request.reads_stdin else HANDLERS
        return handlers[request.mode](session)
    except (UsageError, ConfigError, Failure) as exc:
        click.echo(f"flasklint-keys: error: {exc}", err=True)
        return EXIT_ERROR


def _serve() -> int:
    """``--server``: the language server (needs the optional extra ``[lsp]``)."""
    try:
        from .server import serve
    except ImportError as exc:
        fail(f"the language server needs pygls: pip install 'flasklint-keys[lsp]' ({exc})")
    return serve()


def _explain(code: str) -> int:
    meta = catalog.meta(code.strip().upper())
    if meta is None:
        fail(f"unknown rule code '{code}'")
    click.echo(explain(meta), nl=False)
    return EXIT_OK


# -- a tree ----------------------------------------------------------------------------------


def lint(session: Session) -> int:
    result, _ = session.run()
    return session.report(session.without_baseline(result))


def fix(session: Session) -> int:
    """``--fix``: rewrite files, then report what is left (a fresh run of the same paths).

    A file whose fixes would create findings elsewhere (its helpers now hand a key to
    callers that log it) gets its old text back, with a warning.
    """
    from ..fix.fixer import fix_result, undo_creations  # fixing needs LibCST in this process

    result, project = session.run(want_project=True)
    result = session.without_baseline(result)
    unsafe = session.unsafe_fixes
    done = fix_result(
        result,
        session.options,
        unsafe=unsafe,
        write=True,
        cwd=session.cwd,
        jobs=session.request.jobs or None,
        project=project,
    )
    _report_dropped(done.dropped)
    applied = done.applied
    if done.changed:
        after, project_after = session.run(want_project=True)
        undone, messages = undo_creations(result, after, project_after, done, session.cwd)
        _report_dropped(messages)
        applied -= undone
        result = session.without_baseline(session.run()[0] if undone else after)
    remaining = len(result.active_findings)
    more = 0 if unsafe else unsafe_left(result.active_findings)
    say(
        f"Fixed {applied} finding{_s(applied)} ({remaining} remaining)."
        + (f" {more} more fixable with `--fix --unsafe-fixes`." if more else "")
    )
    return session.report(result)


def diff(session: Session) -> int:
    """``--diff``: show what --fix would change, write nothing; exit 1 when there is a change."""
    from ..fix.fixer import fix_result

    result, project = session.run(want_project=True)
    result = session.without_baseline(result)
    done = fix_result(
        result,
        session.options,
        unsafe=session.unsafe_fixes,
        write=False,
        cwd=session.cwd,
        jobs=session.request.jobs or None,
        project=project,
    )
    click.echo(done.diff(), nl=False)
    _report_dropped(done.dropped)
    message = f"Would fix {done.applied} finding{_s(done.applied)}."
    if not session.unsafe_fixes:
        unsafe_only = [
            f
            for f in result.active_findings
            if f.fix is not None and f.fix.applicability.value == "unsafe"
        ]
        if unsafe_only:
            message += f" {len(unsafe_only)} more with `--diff --unsafe-fixes`."
    say(message)
    if internal_errors(result):
        return EXIT_ERROR
    return EXIT_FINDINGS if done.changed else EXIT_OK


def add_noqa(session: Session) -> int:
    from ..fix.add_noqa import add_noqa as suppress_all

    result, project = session.run(want_project=True)
    result = session.without_baseline(result)
    report = suppress_all(result, session.options, session.cwd, project)
    files = len(report.added)
    say(
        f"Added noqa directives for {report.total} finding{_s(report.total)}"
        f" in {files} file{_s(files)}."
    )
    for problem in report.problems:
        warn(problem)
    if internal_errors(result):
        return EXIT_ERROR
    return EXIT_FINDINGS if report.problems else EXIT_OK


def baseline(session: Session) -> int:
    """``--write-baseline FILE``: record the current findings (before any baseline)."""
    path = session.request.write_baseline
    assert path is not None
    result, _ = session.run()
    return _write_baseline(result, path)


def _write_baseline(result: LintResult, path: str) -> int:
    try:
        count = write_baseline(result, Path(path))
    except BaselineError as exc:
        fail(str(exc))
    say(f"Wrote {count} finding{_s(count)} to baseline {path}.")
    return EXIT_ERROR if internal_errors(result) else EXIT_OK


HANDLERS: dict[Mode, Handler] = {
    Mode.LINT: lint,
    Mode.FIX: fix,
    Mode.DIFF: diff,
    Mode.ADD_NOQA: add_noqa,
    Mode.WRITE_BASELINE: baseline,
}


# -- a buffer on standard input ----------------------------------------------------------------


def lint_buffer(session: Session) -> int:
    """The buffer is linted as the file it names, with the rest of that file's project."""
    buffer = _read_buffer(session)
    if buffer is None:
        return session.report(empty_result(session.options))
    return session.report(session.without_baseline(session.run(buffer=buffer)[0]))


def baseline_buffer(session: Session) -> int:
    path = session.request.write_baseline
    assert path is not None
    buffer = _read_buffer(session)
    result = empty_result(session.options) if buffer is None else session.run(buffer=buffer)[0]
    return _write_baseline(result, path)


def _read_buffer(session: Session) -> Buffer | None:
    """Standard input, or None when its name is excluded (with --force-exclude)."""
    request = session.request
    data = read_stdin()  # always drained, so the editor's write never hits a closed pipe
    name = request.stdin_filename
    if name and request.force_exclude and stdin_excluded(name, session.config, session.cwd):
        return None
    return Buffer(name, data)


def fix_buffer(session: Session) -> int:
    """Editors: the fixed buffer (or its diff) on standard output, fixed in the context of
    its project, so that the fixes are those of the findings a lint of it reports."""
    from ..fix.fixer import fix_source

    request = session.request
    data = read_stdin()
    display = stdin_display(request.stdin_filename, session.cwd)
    text, error = decode_source(data, display)
    if text is None:
        fail(error.message if error else "standard input cannot be decoded")
    name = request.stdin_filename
    if name and request.force_exclude and stdin_excluded(name, session.config, session.cwd):
        click.echo("" if request.diff else text, nl=False)
        return EXIT_OK
    _, project = session.run(want_project=True, buffer=Buffer(name, data))
    context = project.context(display) if project is not None else None
    outcome = fix_source(text, display, session.options, session.unsafe_fixes, context)
    _report_dropped(outcome.dropped)
    click.echo(outcome.diff() if request.diff else outcome.fixed, nl=False)
    return EXIT_FINDINGS if request.diff and outcome.changed else EXIT_OK


STDIN_HANDLERS: dict[Mode, Handler] = {
    Mode.LINT: lint_buffer,
    Mode.FIX: fix_buffer,
    Mode.DIFF: fix_buffer,
    Mode.WRITE_BASELINE: baseline_buffer,
}


def _report_dropped(messages: tuple[str, ...]) -> None:
    for message in messages:
        warn(message)


def _s(count: int) -> str:
    return "" if count == 1 else "s"
