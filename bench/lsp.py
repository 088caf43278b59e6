"""Editor latency: time from ``didChange`` to ``publishDiagnostics``, ours and ruff's.

    python bench/lsp.py --workspace CORPUS [--file ctfd/CTFd/admin/__init__.py]
                        [--edits 40] [--ruff PATH]

Starts ``flasklint-keys --server`` (and ``ruff server``) over stdio with the whole
tree as the workspace, waits until the server has loaded it (its first
diagnostics for the opened file), then makes ``--edits`` edits to one file — each
changes one line, as typing does — and measures, for each, the time from sending
``textDocument/didChange`` to receiving ``publishDiagnostics`` for that version
(the server's debounce included). Prints p50/p95/max and the server's peak RSS
(VmHWM of its process). Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any


def _rss_peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Client:
    """A minimal LSP client over stdio (raw JSON-RPC: any server's answers are fine)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.next_id = 0
        self.waiting: dict[int, asyncio.Future[Any]] = {}
        self.published: dict[str, asyncio.Queue[dict[str, Any]]] = {}
        self.reader = asyncio.ensure_future(self._read())

    @classmethod
    async def start(cls, command: list[str], cwd: Path) -> Client:
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=cwd,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        return cls(process)

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    async def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.waiting[self.next_id] = future
        self._send({"id": self.next_id, "method": method, "params": params})
        return await future

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    def diagnostics(self, uri: str) -> asyncio.Queue[dict[str, Any]]:
        return self.published.setdefault(uri, asyncio.Queue())

    async def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = 0
            while (line := await stream.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not length:
                return
            message = json.loads(await stream.readexactly(length))
            if "id" in message and "method" not in message:
                future = self.waiting.pop(message["id"], None)
                if future is not None:
                    future.set_result(message.get("result"))
            elif "id" in message:  # a request of the server's: answer it with nothing
                self._send({"id": message["id"], "result": None})
            elif message.get("method") == "textDocument/publishDiagnostics":
                self.diagnostics(message["params"]["uri"]).put_nowait(message["params"])

    async def close(self) -> None:
        await self.request("shutdown", None)
        self.notify("exit", None)
        await self.process.wait()
        self.reader.cancel()


async def measure(command: list[str], root: Path, name: str, edits: int) -> dict[str, float]:
    client = await Client.start(command, root)
    started = time.perf_counter()
    root_uri = root.as_uri()
    await client.request(
        "initialize", {"processId": os.getpid(), "rootUri": root_uri, "capabilities": {}}
    )
    client.notify("initialized", {})
    path = root / name
    uri = path.as_uri()
    text = path.read_text()
    published = client.diagnostics(uri)
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
    )
    await published.get()
    warm_up = time.perf_counter() - started
    lines = text.splitlines(keepends=True)
    target = next(i for i, line in enumerate(lines) if line.strip().startswith("return"))
    times = []
    for version in range(2, edits + 2):
        edited = list(lines)
        edited[target] = lines[target].rstrip("\n") + f"  # edit {version}\n"
        sent = time.perf_counter()
        client.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"text": "".join(edited)}],
            },
        )
        while (await published.get()).get("version", version) != version:
            pass
        times.append(time.perf_counter() - sent)
        await asyncio.sleep(0.2)  # a pause between keystroke bursts
    peak = _rss_peak_mb(client.process.pid)
    await client.close()
    ordered = sorted(times)
    return {
        "warm-up s": warm_up,
        "p50 ms": 1000 * statistics.median(ordered),
        "p95 ms": 1000 * ordered[max(0, round(0.95 * len(ordered)) - 1)],
        "max ms": 1000 * ordered[-1],
        "peak RSS MB": peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", required=True, type=Path)
    parser.add_argument("--file", default="ctfd/CTFd/admin/__init__.py")
    parser.add_argument("--edits", type=int, default=40)
    parser.add_argument("--ruff", default="ruff", help="the ruff executable (for `ruff server`)")
    args = parser.parse_args()
    root = args.workspace.resolve()
    commands = {
        "flasklint-keys --server": [sys.executable, "-m", "flasklint_keys", "--server"],
        "ruff server": [args.ruff, "server"] if args.ruff else [],
    }
    columns = ["warm-up s", "p50 ms", "p95 ms", "max ms", "peak RSS MB"]
    print(f"{'':26}" + "".join(f"{c:>14}" for c in columns), flush=True)
    for name, command in commands.items():
        if not command:
            continue
        try:
            row = asyncio.run(measure(command, root, args.file, args.edits))
        except Exception as exc:  # a peer the test client cannot talk to
            print(f"{name:26}  failed: {type(exc).__name__}: {exc}", flush=True)
            continue
        print(f"{name:26}" + "".join(f"{row[c]:>14.1f}" for c in columns), flush=True)


if __name__ == "__main__":
    main()
