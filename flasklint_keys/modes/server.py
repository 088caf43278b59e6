"""``flasklint-keys --server``: the language server (LSP over stdio, on pygls 2).

The workspace is loaded once (``run/workspace.py``: an ordinary run through the
result cache, warmed by a child process so that the server never forks while it
serves) and kept loaded: an edit re-lints its buffer as a whole run would, and
the open modules whose findings depend on what changed. Diagnostics are pushed
on open, change (debounced), save and close, and answered on pull; code
actions offer each finding's fix, a suppression comment and "fix all safe";
hovering a ``# noqa: FLKnnn`` shows the rule. Configuration comes from the
workspace's pyproject.toml / flasklint-keys.toml (reloaded when it changes) and
the client's ``initializationOptions`` (``select``, ``extendSelect``,
``ignore``, ``unsafeFixes``).
"""

from __future__ import annotations

import asyncio
import difflib
import gc
import os
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import ServerTextPosition, ServerTextRange, TextDocument

from .. import __version__
from ..core import catalog
from ..core.config import (
    CONFIG_FILE,
    Config,
    ConfigError,
    apply_cli_selection,
    find_config_file,
    load_config,
    validate_codes,
)
from ..core.docs import explain
from ..core.model import Edit, Finding, Severity
from ..core.options import Options
from ..fix.add_noqa import suppress_source
from ..fix.fixer import fix_source
from ..run.runner import default_cache_dir
from ..run.seam import trees_kept
from ..run.workspace import Workspace

SOURCE = "flasklint-keys"
FIX_ALL = "source.fixAll.flasklint-keys"
# Typing is ~100 ms between keystrokes: a longer wait coalesces nothing and only adds
# latency; linting is synchronous, so changes that arrive during a lint coalesce anyway.
DEBOUNCE_SECONDS = 0.01
CONFIG_NAMES = ("pyproject.toml", CONFIG_FILE)
WATCHED = ("**/*.py", "**/pyproject.toml", f"**/{CONFIG_FILE}")
REGISTRATION_SECONDS = 5.0
SEVERITIES = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.NOTE: lsp.DiagnosticSeverity.Information,
}
_NOQA_CODE = re.compile(r"FLK\d{3}")
# Garbage is collected between edits, never during one: with the project loaded, a
# collection takes 50-120 ms, longer than linting a buffer.
COLLECT_WHEN_IDLE_SECONDS = 0.05
COLLECT_AT_LEAST_EVERY = 20  # lints, however busy the client keeps the server


class Collector:
    """The server's garbage collection: the loaded project frozen out of it, automatic
    collection off, and a collection when the server has been idle a moment (or after
    many lints without one: syntax trees hold reference cycles)."""

    def __init__(self, busy: Callable[[], bool]) -> None:
        self.busy = busy
        self.lints = 0
        self._later: asyncio.TimerHandle | None = None

    def loaded(self) -> None:
        gc.collect()
        gc.freeze()  # the project's summaries live as long as the server
        gc.disable()

    def linted(self) -> None:
        self.lints += 1
        if self.lints >= COLLECT_AT_LEAST_EVERY:
            self.collect()
            return
        if self._later is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # not on the event loop: nothing to wait for
                self.collect()
                return
            self._later = loop.call_later(COLLECT_WHEN_IDLE_SECONDS, self._when_idle)

    def _when_idle(self) -> None:
        self._later = None
        if self.busy():
            self._later = asyncio.get_running_loop().call_later(
                COLLECT_WHEN_IDLE_SECONDS, self._when_idle
            )
            return
        self.collect()

    def collect(self) -> None:
        if self._later is not None:
            self._later.cancel()
            self._later = None
        self.lints = 0
        gc.collect()


@dataclass(frozen=True)
class Settings:
    """What the client says in ``initializationOptions`` (over the configuration file)."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    unsafe_fixes: bool | None = None

    @classmethod
    def parse(cls, raw: object) -> Settings:
        if not raw:
            return cls()
        if not isinstance(raw, dict):
            raise ConfigError("initializationOptions must be an object")
        unknown = sorted(set(raw) - {"select", "extendSelect", "ignore", "unsafeFixes"})
        if unknown:
            raise ConfigError(f"initializationOptions: unknown setting '{unknown[0]}'")
        unsafe = raw.get("unsafeFixes")
        if unsafe is not None and not isinstance(unsafe, bool):
            raise ConfigError("initializationOptions: 'unsafeFixes' must be true or false")
        select = raw.get("select")
        return cls(
            _codes(select, "select") if select is not None else None,
            _codes(raw.get("extendSelect", []), "extendSelect"),
            _codes(raw.get("ignore", []), "ignore"),
            unsafe,
        )


def _codes(raw: object, name: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise ConfigError(f"initializationOptions: '{name}' must be a list of codes")
    try:
        return validate_codes(raw, catalog.codes())
    except ConfigError as exc:
        raise ConfigError(f"initializationOptions: '{name}': {exc}") from None


class FlasklintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("flasklint-keys", __version__)
        self.root = Path.cwd()
        self.settings = Settings()
        self.config = Config(root=str(self.root))
        self.project: Workspace | None = None
        self.ready = asyncio.Event()
        self.findings: dict[str, list[Finding]] = {}
        self._pending: dict[str, asyncio.Task[None]] = {}
        self.collector = Collector(lambda: bool(self._pending))
        self.background: set[asyncio.Future[None]] = set()  # kept alive until done

    # -- configuration and the project -------------------------------------------------

    @property
    def unsafe_fixes(self) -> bool:
        if self.settings.unsafe_fixes is not None:
            return self.settings.unsafe_fixes
        return self.config.unsafe_fixes

    def load_options(self) -> Options:
        """The workspace's configuration under the client's settings; a problem is shown
        to the user and the defaults are used."""
        try:
            found = find_config_file(self.root)
            config = load_config(found, catalog.codes()) if found else Config(root=str(self.root))
        except ConfigError as exc:
            self.window_show_message(
                lsp.ShowMessageParams(lsp.MessageType.Error, f"flasklint-keys: {exc}")
            )
            config = Config(root=str(self.root))
        settings = self.settings
        config = apply_cli_selection(
            config, catalog.codes(), settings.select, settings.extend_select, settings.ignore
        )
        self.config = config
        return Options.from_config(config)

    async def start(self) -> None:
        """Load the workspace: warm the result cache in a child process (this process
        never forks while it serves), then load the project from it."""
        options = self.load_options()
        cache_dir = default_cache_dir(options, self.root)
        await _warm_cache(self.root, cache_dir)
        project = Workspace(self.root, options, cache_dir, jobs=1)
        await asyncio.to_thread(project.load)
        self.project = project
        self.collector.loaded()
        self.ready.set()
        for uri in list(self.workspace.text_documents):
            self.schedule(uri, 0)

    async def reload(self) -> None:
        """The configuration changed: reload the project with it and re-lint what is open."""
        self.ready.clear()
        await self.start()

    async def watch_files(self) -> None:
        """Ask the client to tell about Python and configuration files changed on disk
        (a checkout, another editor), when it can register watchers dynamically."""
        workspace = self.client_capabilities.workspace
        watching = workspace.did_change_watched_files if workspace else None
        if watching is None or not watching.dynamic_registration:
            return
        watchers = [lsp.FileSystemWatcher(glob_pattern=glob) for glob in WATCHED]
        registration = lsp.Registration(
            id="flasklint-keys-files",
            method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=lsp.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
        )
        try:
            await asyncio.wait_for(
                self.client_register_capability_async(lsp.RegistrationParams([registration])),
                REGISTRATION_SECONDS,
            )
        except Exception as exc:  # the client declined: edits still update open files
            self.window_log_message(
                lsp.LogMessageParams(lsp.MessageType.Info, f"no file watching: {exc}")
            )

    def file_changed_on_disk(self, uri: str) -> None:
        """A closed module changed: take its new summary, re-lint the open dependents."""
        project = self.project
        path = to_fs_path(uri)
        if project is None or path is None:
            return
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return
        display = project.display(Path(path))
        for dependent in project.update(display, text, project.lint(display, text)):
            other = from_fs_path(str(project.root / dependent))
            if other is not None and other in self.workspace.text_documents:
                again = self.workspace.get_text_document(other)
                self._publish(again, project.lint(dependent, again.source).result.findings)
        self.collector.linted()

    # -- linting -------------------------------------------------------------------------

    def schedule(self, uri: str, delay: float) -> None:
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self._pending[uri] = asyncio.ensure_future(self._lint_later(uri, delay))

    async def _lint_later(self, uri: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        await self.ready.wait()
        self._pending.pop(uri, None)
        self.lint_and_publish(uri)

    def lint_and_publish(self, uri: str) -> None:
        document = self.workspace.get_text_document(uri)
        if self.project is None or not _is_python(document):
            return
        with trees_kept(1):  # for the summary ``update`` may need of the same text
            self._lint_and_publish(document, self.project)
        self.collector.linted()

    def _lint_and_publish(self, document: TextDocument, project: Workspace) -> None:
        uri = document.uri
        display = project.display(Path(to_fs_path(uri) or uri))
        linted = project.lint(display, document.source)
        self._publish(document, linted.result.findings)
        for error in linted.result.errors:
            self.window_log_message(
                lsp.LogMessageParams(lsp.MessageType.Error, f"{error.path}: {error.message}")
            )
        for dependent in project.update(display, document.source, linted):
            other = from_fs_path(str(project.root / dependent))
            if other is not None and other in self.workspace.text_documents and other != uri:
                again = self.workspace.get_text_document(other)
                self._publish(again, project.lint(dependent, again.source).result.findings)

    def _publish(self, document: TextDocument, findings: Iterable[Finding]) -> None:
        active = [f for f in findings if not f.suppressed]
        self.findings[document.uri] = active
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(
                uri=document.uri,
                version=document.version,
                diagnostics=[self.diagnostic(document, f) for f in active],
            )
        )

    def diagnostic(self, document: TextDocument, finding: Finding) -> lsp.Diagnostic:
        meta = catalog.meta(finding.code)
        related = []
        for place in finding.related:
            path = self.root / place.path
            uri = from_fs_path(str(path)) or place.path
            start = lsp.Position(max(place.line - 1, 0), max(place.column - 1, 0))
            related.append(
                lsp.DiagnosticRelatedInformation(
                    lsp.Location(uri, lsp.Range(start, start)), place.message
                )
            )
        return lsp.Diagnostic(
            range=_range(
                document, finding.line, finding.column, finding.end_line, finding.end_column
            ),
            message=f"{finding.message} [{finding.name}]",
            severity=SEVERITIES[finding.severity],
            code=finding.code,
            code_description=lsp.CodeDescription(meta.help_uri) if meta else None,
            source=SOURCE,
            related_information=related or None,
            data={"fingerprint": finding.fingerprint},
        )

    # -- code actions ------------------------------------------------------------------------

    def code_actions(self, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        document = self.workspace.get_text_document(params.text_document.uri)
        wanted = params.context.only
        actions: list[lsp.CodeAction] = []
        if wanted is None or any(kind.startswith(lsp.CodeActionKind.QuickFix) for kind in wanted):
            for finding in self._findings_in(document, params.range):
                actions.extend(self._quick_fixes(document, finding))
        if wanted is None or any(FIX_ALL.startswith(kind) for kind in wanted):
            fix_all = self._fix_all(document)
            if fix_all is not None:
                actions.append(fix_all)
        self.collector.linted()  # fixes parse the buffer too
        return actions

    def _findings_in(self, document: TextDocument, where: lsp.Range) -> list[Finding]:
        found = []
        for finding in self.findings.get(document.uri, []):
            span = _range(
                document, finding.line, finding.column, finding.end_line, finding.end_column
            )
            if _overlaps(span, where):
                found.append(finding)
        return found

    def _quick_fixes(self, document: TextDocument, finding: Finding) -> Iterable[lsp.CodeAction]:
        diagnostic = self.diagnostic(document, finding)
        fix = finding.fix
        if fix is not None and (fix.applicability.value == "safe" or self.unsafe_fixes):
            edits = [_text_edit(document, edit) for edit in fix.edits]
            yield lsp.CodeAction(
                title=f"{finding.code}: {fix.title} ({fix.applicability.value} fix)",
                kind=lsp.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                is_preferred=fix.applicability.value == "safe",
                edit=lsp.WorkspaceEdit(changes={document.uri: edits}),
            )
        noqa = self._suppression(document, finding)
        if noqa:
            yield lsp.CodeAction(
                title=f"Suppress {finding.code} on this line",
                kind=lsp.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                edit=lsp.WorkspaceEdit(changes={document.uri: noqa}),
            )

    def _suppression(self, document: TextDocument, finding: Finding) -> list[lsp.TextEdit]:
        if self.project is None:
            return []
        display = self.project.display(Path(to_fs_path(document.uri) or document.uri))
        context = self.project.context(display)
        try:
            outcome = suppress_source(
                document.source, display, [finding], self.project.options, context
            )
        except ValueError:
            return []
        return _edits_between(document.source, outcome.text)

    def _fix_all(self, document: TextDocument) -> lsp.CodeAction | None:
        if self.project is None or not self.findings.get(document.uri):
            return None
        display = self.project.display(Path(to_fs_path(document.uri) or document.uri))
        context = self.project.context(display)
        outcome = fix_source(document.source, display, self.project.options, False, context)
        if not outcome.changed:
            return None
        return lsp.CodeAction(
            title="flasklint-keys: fix all safe",
            kind=FIX_ALL,
            edit=lsp.WorkspaceEdit(
                changes={document.uri: _edits_between(document.source, outcome.fixed)}
            ),
        )

    # -- hover ---------------------------------------------------------------------------

    def hover(self, params: lsp.HoverParams) -> lsp.Hover | None:
        document = self.workspace.get_text_document(params.text_document.uri)
        position = document.position_codec.position_from_client_units(
            document.lines, params.position
        )
        if position.line >= len(document.lines):
            return None
        line = document.lines[position.line]
        comment = line.find("#")
        if comment < 0 or ("noqa" not in line[comment:] and "flasklint-keys" not in line[comment:]):
            return None
        for match in _NOQA_CODE.finditer(line, comment):
            if match.start() <= position.character <= match.end():
                meta = catalog.meta(match.group())
                if meta is None:
                    return None
                return lsp.Hover(lsp.MarkupContent(lsp.MarkupKind.Markdown, explain(meta)))
        return None


# -- positions and edits -------------------------------------------------------------------


def _range(
    document: TextDocument, line: int, column: int, end_line: int, end_column: int
) -> lsp.Range:
    """A finding's 1-based code-point span as the client counts (UTF-16 by default)."""
    server = ServerTextRange(
        ServerTextPosition(max(line - 1, 0), max(column - 1, 0)),
        ServerTextPosition(max(end_line - 1, 0), max(end_column - 1, 0)),
    )
    return document.position_codec.range_to_client_units(document.lines, server)


def _text_edit(document: TextDocument, edit: Edit) -> lsp.TextEdit:
    where = _range(document, edit.line, edit.column, edit.end_line, edit.end_column)
    return lsp.TextEdit(where, edit.content)


def _overlaps(a: lsp.Range, b: lsp.Range) -> bool:
    def key(p: lsp.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def _edits_between(old: str, new: str) -> list[lsp.TextEdit]:
    """Line-wise edits turning ``old`` into ``new`` (whole lines: no unit conversions)."""
    before = old.splitlines(keepends=True)
    after = new.splitlines(keepends=True)
    edits = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        edits.append(
            lsp.TextEdit(lsp.Range(lsp.Position(i1, 0), lsp.Position(i2, 0)), "".join(after[j1:j2]))
        )
    return edits


def _is_python(document: TextDocument) -> bool:
    return document.uri.endswith((".py", ".pyi")) or document.language_id == "python"


async def _warm_cache(root: Path, cache_dir: Path) -> None:
    """Lint the workspace once in a child process, so the cache answers the load."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "flasklint_keys",
        "--format",
        "json",
        "--exit-zero",
        "--cache-dir",
        str(cache_dir),
        "-o",
        os.devnull,
        ".",
        cwd=root,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    await child.wait()


# -- the protocol ---------------------------------------------------------------------------


def build_server() -> FlasklintServer:
    server = FlasklintServer()

    @server.feature(lsp.INITIALIZE)
    def initialize(ls: FlasklintServer, params: lsp.InitializeParams) -> None:
        ls.root = _workspace_root(params)
        try:
            ls.settings = Settings.parse(params.initialization_options)
        except ConfigError as exc:
            ls.window_show_message(
                lsp.ShowMessageParams(lsp.MessageType.Error, f"flasklint-keys: {exc}")
            )

    @server.feature(lsp.INITIALIZED)
    async def initialized(ls: FlasklintServer, params: lsp.InitializedParams) -> None:
        ls.background.add(asyncio.ensure_future(ls.watch_files()))
        await ls.start()

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: FlasklintServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: FlasklintServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, DEBOUNCE_SECONDS)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: FlasklintServer, params: lsp.DidSaveTextDocumentParams) -> None:
        if _is_config(params.text_document.uri):
            await ls.reload()
            return
        ls.schedule(params.text_document.uri, 0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: FlasklintServer, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        pending = ls._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        ls.findings.pop(uri, None)
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def watched(ls: FlasklintServer, params: lsp.DidChangeWatchedFilesParams) -> None:
        if any(_is_config(change.uri) for change in params.changes):
            await ls.reload()
            return
        await ls.ready.wait()
        for change in params.changes:
            if change.uri.endswith(".py") and change.uri not in ls.workspace.text_documents:
                ls.file_changed_on_disk(change.uri)

    @server.feature(
        lsp.TEXT_DOCUMENT_DIAGNOSTIC,
        lsp.DiagnosticOptions(
            identifier=SOURCE, inter_file_dependencies=True, workspace_diagnostics=False
        ),
    )
    async def pull(
        ls: FlasklintServer, params: lsp.DocumentDiagnosticParams
    ) -> lsp.FullDocumentDiagnosticReport:
        await ls.ready.wait()
        ls.lint_and_publish(params.text_document.uri)
        document = ls.workspace.get_text_document(params.text_document.uri)
        items = [ls.diagnostic(document, f) for f in ls.findings.get(document.uri, [])]
        return lsp.FullDocumentDiagnosticReport(items=items)

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL]),
    )
    def code_action(ls: FlasklintServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        return ls.code_actions(params)

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls: FlasklintServer, params: lsp.HoverParams) -> lsp.Hover | None:
        return ls.hover(params)

    return server


def _workspace_root(params: lsp.InitializeParams) -> Path:
    for uri in [
        *(folder.uri for folder in params.workspace_folders or ()),
        params.root_uri,
    ]:
        if uri:
            path = to_fs_path(uri)
            if path:
                return Path(path)
    if params.root_path:
        return Path(params.root_path)
    return Path.cwd()


def _is_config(uri: str) -> bool:
    return uri.rsplit("/", 1)[-1] in CONFIG_NAMES


def serve() -> int:
    build_server().start_io()
    return 0


__all__ = ["FlasklintServer", "Settings", "build_server", "serve"]
