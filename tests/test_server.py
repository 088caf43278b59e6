"""The language server end to end: a real LSP client (pytest-lsp) over stdio.

Each test starts ``flasklint-keys --server`` on a copy of the keysvc project (a
service whose helpers, wrappers and ``g`` live in other modules) and drives it as
an editor does.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from harness import FIXTURES
from lsprotocol import types as lsp
from pygls.uris import from_fs_path
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "flasklint_keys", "--server"])
ITEMS = "svc/views/items.py"
KEYS = "svc/keys.py"
TIMEOUT = 60

Start = Callable[..., Awaitable[LanguageClient]]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "keysvc"
    shutil.copytree(FIXTURES / "projects" / "keysvc", root)
    return root


@pytest_asyncio.fixture
async def start(project: Path) -> AsyncIterator[Start]:
    clients: list[LanguageClient] = []

    async def started(options: dict[str, Any] | None = None) -> LanguageClient:
        client = await SERVER.start()
        clients.append(client)
        await client.initialize_session(
            lsp.InitializeParams(
                capabilities=client_capabilities("visual-studio-code"),
                root_uri=uri(project),
                initialization_options=options,
            )
        )
        return client

    yield started
    for client in clients:
        await client.shutdown_session()
        await client.stop()


def uri(path: Path) -> str:
    found = from_fs_path(str(path))
    assert found is not None
    return found


def cli_findings(project: Path) -> dict[str, list[tuple[int, int, str]]]:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "flasklint_keys",
            "--format",
            "json",
            "--no-cache",
            "--exit-zero",
            ".",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    )
    out: dict[str, list[tuple[int, int, str]]] = {}
    for f in json.loads(done.stdout)["findings"]:
        out.setdefault(f["path"], []).append((f["line"], f["column"], f["code"]))
    return out


def seen(client: LanguageClient, document: str) -> list[tuple[int, int, str]]:
    """(1-based line, 1-based column, code) of the document's diagnostics."""
    return sorted(
        (d.range.start.line + 1, d.range.start.character + 1, str(d.code))
        for d in client.diagnostics.get(document, [])
    )


async def settle(
    client: LanguageClient, document: str, wanted: Callable[[list[tuple[int, int, str]]], bool]
) -> list[tuple[int, int, str]]:
    """Wait until the document's diagnostics satisfy ``wanted``."""

    async def poll() -> list[tuple[int, int, str]]:
        while document not in client.diagnostics or not wanted(seen(client, document)):
            await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        return seen(client, document)

    return await asyncio.wait_for(poll(), TIMEOUT)


def open_file(client: LanguageClient, project: Path, name: str, text: str | None = None) -> str:
    path = project / name
    document = uri(path)
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(
                document, "python", 1, text if text is not None else path.read_text()
            )
        )
    )
    return document


def replace_all(client: LanguageClient, document: str, version: int, text: str) -> None:
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            lsp.VersionedTextDocumentIdentifier(uri=document, version=version),
            [lsp.TextDocumentContentChangeWholeDocument(text)],
        )
    )


def codes(found: Sequence[tuple[int, int, str]]) -> list[str]:
    return sorted(code for _, _, code in found)


async def test_same_findings_as_the_command_line(project: Path, start: Start) -> None:
    expected = cli_findings(project)
    client = await start()
    for name in sorted(expected):
        document = open_file(client, project, name)
        got = await settle(client, document, lambda found: True)
        assert got == sorted(expected[name]), name
    assert ITEMS in expected  # the cross-module findings are among them


async def test_open_change_save_close(project: Path, start: Start) -> None:
    client = await start()
    text = (project / ITEMS).read_text()
    document = open_file(client, project, ITEMS, text)
    before = await settle(client, document, lambda found: bool(found))
    assert ("FLK101", 22) in {(code, line) for line, _, code in before}
    # A new leak typed in: found after the debounce.
    leaking = text.replace('    log.info("origin %s", origin)\n', '    log.info("k %s", key)\n')
    replace_all(client, document, 2, leaking)
    after = await settle(client, document, lambda found: (23, 22, "FLK101") in found)
    assert len(after) == len(before) + 1
    # Saved as it was: diagnostics follow the buffer.
    replace_all(client, document, 3, text)
    client.text_document_did_save(
        lsp.DidSaveTextDocumentParams(lsp.TextDocumentIdentifier(document), text)
    )
    assert await settle(client, document, lambda found: found == before) == before
    client.text_document_did_close(
        lsp.DidCloseTextDocumentParams(lsp.TextDocumentIdentifier(document))
    )
    assert await settle(client, document, lambda found: not found) == []


async def test_pull_diagnostics(project: Path, start: Start) -> None:
    client = await start()
    document = open_file(client, project, ITEMS)
    report = await asyncio.wait_for(
        client.text_document_diagnostic_async(
            lsp.DocumentDiagnosticParams(lsp.TextDocumentIdentifier(document))
        ),
        TIMEOUT,
    )
    assert isinstance(
        report, lsp.RelatedFullDocumentDiagnosticReport | lsp.FullDocumentDiagnosticReport
    )
    got = sorted(
        (d.range.start.line + 1, d.range.start.character + 1, str(d.code)) for d in report.items
    )
    assert got == sorted(cli_findings(project)[ITEMS])
    leak = next(d for d in report.items if d.code == "FLK101" and d.range.start.line == 21)
    assert leak.severity == lsp.DiagnosticSeverity.Error
    assert leak.source == "flasklint-keys"
    assert leak.code_description is not None
    assert leak.code_description.href.endswith("docs/rules.md#flk101")
    # Where the key came from: another module's helper.
    assert leak.related_information is not None
    assert leak.related_information[0].location.uri == uri(project / KEYS)
    assert leak.related_information[0].location.range.start.line == 7


async def test_a_helper_that_starts_returning_the_key_updates_its_callers(
    project: Path, start: Start
) -> None:
    keys = project / KEYS
    original = keys.read_text()
    harmless = original.replace(
        '    return {"model": "gpt", "endpoint": "https://llm.example.com", "api_key": '
        'request.headers.get("X-LLM-Key")}',
        '    return {"model": "gpt", "endpoint": "https://llm.example.com"}',
    )
    assert harmless != original
    keys.write_text(harmless)
    client = await start()
    items = open_file(client, project, ITEMS)
    quiet = await settle(client, items, lambda found: bool(found))
    assert (42, 27, "FLK101") not in quiet
    helper = open_file(client, project, KEYS, harmless)
    await settle(client, helper, lambda found: True)
    replace_all(client, helper, 2, original)  # the helper now returns the key
    loud = await settle(client, items, lambda found: (42, 27, "FLK101") in found)
    assert sorted(set(loud) - set(quiet)) == [(42, 27, "FLK101")]


async def test_code_actions_fix_suppress_and_fix_all(project: Path, start: Start) -> None:
    client = await start({"unsafeFixes": True})
    text = (project / ITEMS).read_text()
    document = open_file(client, project, ITEMS, text)
    found = await settle(client, document, lambda found: bool(found))
    leak = next(d for d in client.diagnostics[document] if d.range.start.line == 21)
    actions = await asyncio.wait_for(
        client.text_document_code_action_async(
            lsp.CodeActionParams(
                lsp.TextDocumentIdentifier(document),
                leak.range,
                lsp.CodeActionContext([leak]),
            )
        ),
        TIMEOUT,
    )
    assert actions is not None
    titles = [a.title for a in actions if isinstance(a, lsp.CodeAction)]
    assert "FLK101: Log a SHA-256 fingerprint of the credential instead (unsafe fix)" in titles
    assert "Suppress FLK101 on this line" in titles
    fix = next(
        a for a in actions if isinstance(a, lsp.CodeAction) and a.title.startswith("FLK101:")
    )
    fixed = apply(text, fix)
    assert "hashlib.sha256(str(key).encode()).hexdigest()[:12]" in fixed
    replace_all(client, document, 2, fixed)
    after = await settle(client, document, lambda now: (22, 32, "FLK101") not in now)
    assert len(after) == len(found) - 1
    noqa = next(
        a for a in actions if isinstance(a, lsp.CodeAction) and a.title.startswith("Suppress")
    )
    suppressed = apply(text, noqa)
    assert "# noqa: FLK101" in suppressed.splitlines()[21]
    # Without unsafe fixes enabled, fix-all applies nothing unsafe: no action.
    safe_only = await start()
    other = open_file(safe_only, project, ITEMS, text)
    await settle(safe_only, other, lambda found: bool(found))
    actions = await asyncio.wait_for(
        safe_only.text_document_code_action_async(
            lsp.CodeActionParams(
                lsp.TextDocumentIdentifier(other),
                lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)),
                lsp.CodeActionContext([], only=["source.fixAll.flasklint-keys"]),
            )
        ),
        TIMEOUT,
    )
    assert not actions


def apply(text: str, action: lsp.CodeAction) -> str:
    assert action.edit is not None and action.edit.changes is not None
    (edits,) = action.edit.changes.values()
    lines = text.splitlines(keepends=True)
    for edit in sorted(
        edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True
    ):
        start = (
            sum(len(line) for line in lines[: edit.range.start.line]) + edit.range.start.character
        )
        end = sum(len(line) for line in lines[: edit.range.end.line]) + edit.range.end.character
        joined = "".join(lines)
        lines = (joined[:start] + edit.new_text + joined[end:]).splitlines(keepends=True)
    return "".join(lines)


async def test_fix_all_safe(project: Path, start: Start, tmp_path: Path) -> None:
    (project / "svc" / "debug.py").write_text(
        "import logging\n\nlog = logging.getLogger(__name__)\n\n\ndef f():\n"
        "    try:\n        g()\n    except Exception:\n        log.error('failed')\n"
    )
    client = await start()
    document = open_file(client, project, "svc/debug.py")
    await settle(client, document, lambda found: "FLK203" in codes(found))
    actions = await asyncio.wait_for(
        client.text_document_code_action_async(
            lsp.CodeActionParams(
                lsp.TextDocumentIdentifier(document),
                lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)),
                lsp.CodeActionContext([], only=["source.fixAll.flasklint-keys"]),
            )
        ),
        TIMEOUT,
    )
    assert actions is not None and len(actions) == 1
    assert isinstance(actions[0], lsp.CodeAction)
    fixed = apply((project / "svc/debug.py").read_text(), actions[0])
    assert "log.exception('failed')" in fixed


async def test_hover_on_a_suppression_shows_the_rule(project: Path, start: Start) -> None:
    client = await start()
    text = "import os\nx = 1  # noqa: FLK101, FLK202\n"
    document = open_file(client, project, "svc/hover.py", text)
    hover = await asyncio.wait_for(
        client.text_document_hover_async(
            lsp.HoverParams(lsp.TextDocumentIdentifier(document), lsp.Position(1, 24))
        ),
        TIMEOUT,
    )
    assert hover is not None and isinstance(hover.contents, lsp.MarkupContent)
    assert hover.contents.value.startswith("# FLK202 broad-except-swallows")
    nothing = await asyncio.wait_for(
        client.text_document_hover_async(
            lsp.HoverParams(lsp.TextDocumentIdentifier(document), lsp.Position(0, 3))
        ),
        TIMEOUT,
    )
    assert nothing is None


async def test_configuration_is_reloaded(project: Path, start: Start) -> None:
    client = await start()
    document = open_file(client, project, ITEMS)
    await settle(client, document, lambda found: "FLK101" in codes(found))
    config = project / "pyproject.toml"
    config.write_text(config.read_text() + '\n[tool.flasklint-keys]\nignore = ["FLK101"]\n')
    client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams([lsp.FileEvent(uri(config), lsp.FileChangeType.Changed)])
    )
    after = await settle(client, document, lambda found: "FLK101" not in codes(found))
    assert codes(after) == ["FLK301"]


async def test_initialization_options_select(project: Path, start: Start) -> None:
    client = await start({"select": ["FLK301"]})
    document = open_file(client, project, ITEMS)
    assert codes(await settle(client, document, lambda found: bool(found))) == ["FLK301"]


async def test_bad_input_is_a_diagnostic_or_a_message_never_a_crash(
    project: Path, start: Start
) -> None:
    (project / "pyproject.toml").write_text("[tool.flasklint-keys]\nno-such-key = 1\n")
    client = await start()
    document = open_file(client, project, "svc/broken.py", "def f(:\n    pass\n")
    found = await settle(client, document, lambda found: bool(found))
    assert codes(found) == ["FLK000"]
    assert any(
        m.type == lsp.MessageType.Error and "no-such-key" in m.message for m in client.messages
    )
    # It still serves.
    items = open_file(client, project, ITEMS)
    assert "FLK101" in codes(await settle(client, items, lambda found: bool(found)))
    bad = await start({"select": ["NOPE"]})
    assert any("NOPE" in m.message for m in bad.messages)


async def test_a_command_line_run_on_the_same_cache_meanwhile(project: Path, start: Start) -> None:
    client = await start()
    document = open_file(client, project, ITEMS)
    before = await settle(client, document, lambda found: bool(found))
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "flasklint_keys", "--format", "json", "--exit-zero", "."],
            cwd=project,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    replace_all(client, document, 2, (project / ITEMS).read_text() + "\n")
    for run in runs:
        out, _ = run.communicate(timeout=TIMEOUT)
        assert run.returncode == 0
        assert json.loads(out)["summary"]["findings"] == sum(
            len(v) for v in cli_findings(project).values()
        )
    assert await settle(client, document, lambda found: found == before) == before


def test_without_the_lsp_extra_the_server_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from clirun import run_cli

    monkeypatch.setitem(sys.modules, "pygls.lsp.server", None)
    monkeypatch.delitem(sys.modules, "flasklint_keys.modes.server", raising=False)
    outcome = run_cli(["--server"])
    assert outcome.exit_code == 2
    assert "pip install 'flasklint-keys[lsp]'" in outcome.stderr


def test_server_takes_no_paths() -> None:
    from clirun import run_cli

    outcome = run_cli(["--server", "app.py"])
    assert outcome.exit_code == 2
    assert "--server takes its files from the editor: drop PATH" in outcome.stderr


async def test_a_closed_helper_changed_on_disk_updates_its_open_callers(
    project: Path, start: Start
) -> None:
    keys = project / KEYS
    original = keys.read_text()
    keys.write_text(
        original.replace(
            '"endpoint": "https://llm.example.com", "api_key": request.headers.get("X-LLM-Key")}',
            '"endpoint": "https://llm.example.com"}',
        )
    )
    client = await start()
    items = open_file(client, project, ITEMS)
    quiet = await settle(client, items, lambda found: bool(found))
    assert (42, 27, "FLK101") not in quiet
    keys.write_text(original)  # a checkout brings the leaking helper back
    client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams([lsp.FileEvent(uri(keys), lsp.FileChangeType.Changed)])
    )
    assert (42, 27, "FLK101") in await settle(
        client, items, lambda found: (42, 27, "FLK101") in found
    )
