"""The benchmark on real code: ``python bench/run.py --corpus DIR``.

DIR is a tree of real Flask apps -- the development corpus, built with
``../shared/realworld/build_corpus.sh`` -- linted as one tree. It is copied
into the work directory first (the incremental runs edit a file, and a fresh
copy has fresh inodes and times), then timed, each run in a fresh wrapper
process (``run.py``'s ``measure``):

* flasklint-keys cold (``--no-cache``) with ``-j 1`` and with all cores;
  warm (a second run over an unchanged tree);
* incremental: one file (``--edit``, default ``ctfd/CTFd/auth.py``) edited --
  a small clean helper appended, so no finding moves -- and then linted three
  ways, as CI, pre-commit and an editor do: the tree, the file alone (its
  project comes along from the cache), and the file as a buffer on standard
  input (``--stdin-filename``). Each way edits the file afresh first;
* the parse floors: ``ast.parse`` and ``libcst.parse_module`` over every file,
  in one process;
* the peers, in the same run: ``bandit -r`` and ``ruff check --select
  S,LOG,G,TRY,BLE`` (cold, warm, incremental), from ``--peers-venv``.

There are no planted findings in real code; instead every run's findings are
compared: the cold, warm and tree-incremental runs report the same findings,
and the three incremental ways report the same findings for the edited file
as the cold run did. Any difference is printed and makes the script exit 1.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from run import (
    CONTENDED,
    RUFF_SELECT,
    SAMPLE_INTERVAL,
    Sample,
    Settings,
    best_sample,
    machine_line,
    measure,
    wait_for_quiet,
)

# The floors over a real tree: files that do not parse (Python 2 leftovers) are counted,
# not fatal.
_FLOOR = r"""
import sys, warnings
from pathlib import Path

kind, root = sys.argv[1], Path(sys.argv[2])
if kind == "libcst":
    import libcst

    parse = libcst.parse_module
else:
    import ast

    parse = ast.parse
failed = 0
warnings.simplefilter("ignore")
for path in sorted(root.rglob("*.py")):
    try:
        parse(path.read_bytes())
    except Exception:
        failed += 1
print(failed)
"""

Finding = tuple[str, int, int, str, str]


@dataclass(frozen=True)
class RealCorpus:
    root: Path
    files: int
    lines: int
    apps: tuple[str, ...]


def prepare(source: Path, workdir: Path) -> RealCorpus:
    """A copy of ``source`` (the original is never edited), and what it holds."""
    root = workdir / "corpus"
    if root.exists():
        shutil.rmtree(root)
    # Another tool's (or our own) cache in the source is not part of the corpus.
    shutil.copytree(source, root, symlinks=True, ignore=shutil.ignore_patterns(".*_cache"))
    files = lines = 0
    for path in root.rglob("*.py"):
        if path.is_file() and not path.is_symlink():
            files += 1
            lines += path.read_bytes().count(b"\n")
    apps = tuple(
        sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    )
    return RealCorpus(root, files, lines, apps)


@dataclass
class RealRow:
    tool: str
    run: str
    sample: Sample | None
    note: str = ""


@dataclass
class RealBench:
    settings: Settings
    corpus: RealCorpus
    scratch: Path
    edit: str
    repeat: int
    rows: list[RealRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    edits: int = 0
    cold_findings: list[Finding] = field(default_factory=list)

    # -- bookkeeping

    def row(self, tool: str, run: str, sample: Sample | None, note: str = "") -> None:
        self.rows.append(RealRow(tool, run, sample, note))
        wall = f"{sample.wall:8.2f} s" if sample else "       —"
        print(f"  {tool:<20} {run:<36} {wall}  {note}", flush=True)

    def timed(
        self,
        cmd: Sequence[str],
        repeat: int,
        before: Callable[[], None] | None = None,
        stdin: Path | None = None,
    ) -> Sample:
        samples = []
        for _ in range(repeat):
            if before is not None:
                before()
            wait_for_quiet(self.settings.quiet_wait)
            out = self.scratch / "stdout.txt"
            samples.append(measure(cmd, self.corpus.root, out, self.scratch, stdin))
        return best_sample(samples)

    def edit_file(self) -> None:
        """Append a small clean helper: the file changes, none of its findings move."""
        self.edits += 1
        path = self.corpus.root / self.edit
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"\n\ndef _bench_edit_{self.edits}(value):\n    return value + 1\n")

    def ours_cmd(self, report: Path, *flags: str) -> list[str]:
        tool = self.settings.tool
        return [*tool, "--format", "json", "--exit-zero", "-o", str(report), *flags]

    # -- flasklint-keys

    def ours(self) -> None:
        jobs = str(self.settings.jobs)
        cache = ["--cache-dir", str(self.scratch / "flasklint-cache")]
        cold = self.scratch / "cold.json"
        self.row(
            "flasklint-keys",
            "cold, -j 1",
            self.timed(self.ours_cmd(cold, "--no-cache", "-j", "1", "."), 1),
        )
        self.cold_findings = findings_of(cold)
        cold_all = self.scratch / "cold-all.json"
        sample = self.timed(self.ours_cmd(cold_all, "--no-cache", "-j", jobs, "."), 1)
        self.row("flasklint-keys", f"cold, -j {jobs}", sample)
        self.same("cold -j 1", self.cold_findings, f"cold -j {jobs}", findings_of(cold_all))
        subprocess.run(
            self.ours_cmd(self.scratch / "prime.json", *cache, "-j", jobs, "."),
            cwd=self.corpus.root,
            capture_output=True,
            check=True,
        )
        warm = self.scratch / "warm.json"
        self.row(
            "flasklint-keys",
            "warm (nothing changed)",
            self.timed(self.ours_cmd(warm, *cache, "-j", jobs, "."), self.repeat),
        )
        self.same("cold", self.cold_findings, "warm", findings_of(warm))
        self.incremental(cache, jobs)

    def incremental(self, cache: list[str], jobs: str) -> None:
        edited = self.edit
        before = [f for f in self.cold_findings if f[0] == edited]
        tree = self.scratch / "incremental-tree.json"
        sample = self.timed(
            self.ours_cmd(tree, *cache, "-j", jobs, "."), self.repeat, self.edit_file
        )
        self.row("flasklint-keys", f"incremental: the tree ({edited} edited)", sample)
        self.same("cold", self.cold_findings, "incremental (tree)", findings_of(tree))
        alone = self.scratch / "incremental-file.json"
        sample = self.timed(
            self.ours_cmd(alone, *cache, "-j", jobs, edited), self.repeat, self.edit_file
        )
        self.row("flasklint-keys", "incremental: the file alone", sample)
        self.same(f"cold ({edited})", before, "incremental (the file alone)", findings_of(alone))
        buffer = self.scratch / "incremental-buffer.json"
        given = self.scratch / "buffer.py"

        def edit_and_copy() -> None:
            self.edit_file()
            shutil.copyfile(self.corpus.root / edited, given)

        cmd = self.ours_cmd(buffer, *cache, "-j", jobs, "-", "--stdin-filename", edited)
        sample = self.timed(cmd, self.repeat, edit_and_copy, stdin=given)
        self.row("flasklint-keys", "incremental: the file as a buffer (stdin)", sample)
        self.same(f"cold ({edited})", before, "incremental (buffer)", findings_of(buffer))

    def same(self, name: str, expected: list[Finding], other: str, found: list[Finding]) -> None:
        if expected == found:
            return
        missing = sorted(set(expected) - set(found))[:5]
        extra = sorted(set(found) - set(expected))[:5]
        self.problems.append(
            f"{other} differs from {name}: {len(expected)} vs {len(found)} findings; "
            f"missing {missing}, extra {extra}"
        )

    # -- floors and peers

    def floors(self) -> None:
        for kind, name in (("ast", "ast.parse"), ("libcst", "libcst.parse_module")):
            cmd = [self.settings.python, "-c", _FLOOR, kind, "."]
            self.row(name, "floor, 1 process", self.timed(cmd, 1))

    def bandit(self) -> None:
        if self.settings.bandit is None:
            self.row("bandit", "cold", None, "skipped: bandit not found")
            return
        report = self.scratch / "bandit.json"
        cmd = [self.settings.bandit, "-r", ".", "-q", "-f", "json", "-o", str(report)]
        self.row("bandit", "cold, 1 process", self.timed(cmd, 1))

    def ruff(self) -> None:
        if self.settings.ruff is None:
            self.row("ruff", "cold", None, "skipped: ruff not found")
            return
        base = [self.settings.ruff, "check", "--isolated", "--select", RUFF_SELECT, "--exit-zero"]
        base += ["--output-format", "json", "-o", str(self.scratch / "ruff.json")]
        self.row("ruff", "cold (--no-cache)", self.timed([*base, "--no-cache", "."], self.repeat))
        cached = [*base, "--cache-dir", str(self.scratch / "ruff-cache"), "."]
        subprocess.run(cached, cwd=self.corpus.root, capture_output=True, check=True)
        self.row("ruff", "warm (nothing changed)", self.timed(cached, self.repeat))
        self.row(
            "ruff",
            f"incremental: the tree ({self.edit} edited)",
            self.timed(cached, self.repeat, self.edit_file),
        )


def findings_of(report: Path) -> list[Finding]:
    data = json.loads(report.read_text(encoding="utf-8"))
    return sorted(
        (f["path"], f["line"], f["column"], f["code"], f["message"]) for f in data["findings"]
    )


# -- the report --------------------------------------------------------------------------------


def _find(rows: Sequence[RealRow], tool: str, prefix: str) -> Sample | None:
    for row in rows:
        if row.tool == tool and row.run.startswith(prefix) and row.sample is not None:
            return row.sample
    return None


def _ratio(a: Sample | None, b: Sample | None, attribute: str = "wall") -> str:
    if a is None or b is None:
        return "—"
    return f"{getattr(a, attribute) / getattr(b, attribute):.2f}x"


def runs_table(bench: RealBench) -> list[str]:
    out = [
        "| tool | run | wall s | CPU s | peak RSS MB, largest process | "
        "peak RSS MB, process tree | others' CPU, cores | note |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in bench.rows:
        s = row.sample
        if s is None:
            out.append(f"| {row.tool} | {row.run} | — | — | — | — | — | {row.note} |")
            continue
        note = row.note
        if s.others >= CONTENDED:
            note = f"{note}; contended" if note else "contended"
        out.append(
            f"| {row.tool} | {row.run} | {s.wall:.2f} | {s.cpu:.1f} | {s.max_rss / 2**20:,.0f} | "
            f"{s.tree_rss / 2**20:,.0f} | {s.others:.2f} | {note} |"
        )
    return out


def summary_lines(bench: RealBench) -> list[str]:
    rows, jobs = bench.rows, bench.settings.jobs
    ours = lambda prefix: _find(rows, "flasklint-keys", prefix)  # noqa: E731
    cold_all, cold_one = ours(f"cold, -j {jobs}"), ours("cold, -j 1")
    bandit = _find(rows, "bandit", "cold")
    lines = [
        f"- cold, -j {jobs} ÷ bandit: {_ratio(cold_all, bandit)} wall; "
        f"CPU, -j 1 ÷ bandit: {_ratio(cold_one, bandit, 'cpu')}",
        f"- cold, -j 1 ÷ parse floors: {_ratio(cold_one, _find(rows, 'ast.parse', 'floor'))} of "
        f"`ast`, {_ratio(cold_one, _find(rows, 'libcst.parse_module', 'floor'))} of LibCST",
        f"- warm ÷ ruff warm: {_ratio(ours('warm'), _find(rows, 'ruff', 'warm'))}",
    ]
    for way in ("the tree", "the file alone", "the file as a buffer"):
        sample = ours(f"incremental: {way}")
        if sample is not None:
            verdict = "✅" if sample.wall <= 1.0 else "❌"
            lines.append(f"- incremental, {way}: {sample.wall:.2f} s (target ≤ 1.0 s) {verdict}")
    return lines


def markdown(bench: RealBench, command: str, note: str | None) -> str:
    corpus = bench.corpus
    lines = [
        "# flasklint-keys benchmark: real code",
        "",
        *([f"**{note}**", ""] if note else []),
        f"Machine: {machine_line(bench.settings)}.",
        "",
        f"Command: `{command}`",
        "",
        f"Corpus: {len(corpus.apps)} real Flask apps ({', '.join(corpus.apps)}), "
        f"{corpus.files:,} Python files, {corpus.lines:,} lines, linted as one tree (a copy; "
        "built with `../shared/realworld/build_corpus.sh`). The incremental runs edit "
        f"`{bench.edit}` (a small clean helper appended, afresh before each run) and lint the "
        "tree, the file alone (its project comes along, from the cache) or the file as a "
        "buffer on standard input (`--stdin-filename`), as CI, pre-commit and an editor do. "
        f"Wall time: the best of {bench.repeat} runs (cold runs and floors: 1). CPU: user + "
        "system seconds of the whole process tree. Peak RSS: *largest process* is exact "
        "(`getrusage`); *process tree* sums RSS over the command's processes, sampled every "
        f"{SAMPLE_INTERVAL * 1000:.0f} ms. *Others' CPU*: what other processes used meanwhile, "
        f"in cores (out of {os.cpu_count()}); above {CONTENDED} a run is marked *contended*.",
        "",
        "## Runs",
        "",
        *runs_table(bench),
        "",
        "## Summary",
        "",
        *summary_lines(bench),
        "",
        "## Findings agree",
        "",
    ]
    if bench.problems:
        lines += [f"- ❌ {problem}" for problem in bench.problems]
    else:
        edited = sum(1 for f in bench.cold_findings if f[0] == bench.edit)
        lines.append(
            f"- ✅ cold (-j 1 and all cores), warm and the tree's incremental run report the same "
            f"{len(bench.cold_findings):,} findings; the three incremental ways report the same "
            f"{edited} findings for `{bench.edit}` as the cold run."
        )
    return "\n".join(lines).rstrip("\n") + "\n"


def main(settings: Settings, args: argparse.Namespace) -> int:
    source = args.corpus.absolute()
    if not (source / args.edit).is_file():
        print(f"{source / args.edit}: no such file to edit (see --edit)")
        return 2
    repeat = settings.repeat or 3
    command = settings.command
    with tempfile.TemporaryDirectory(prefix="flasklint-bench-real-") as tmp:
        workdir = args.workdir.absolute() if args.workdir is not None else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        corpus = prepare(source, workdir)
        scratch = workdir / "scratch"
        scratch.mkdir(exist_ok=True)
        print(f"{source}: {corpus.files:,} files, {corpus.lines:,} lines, {len(corpus.apps)} apps")
        bench = RealBench(settings, corpus, scratch, args.edit, repeat)
        bench.ours()
        bench.floors()
        bench.bandit()
        bench.ruff()
        text = markdown(bench, command, args.note)
    print("\n" + text)
    if settings.out is not None:
        settings.out.write_text(text, encoding="utf-8")
        print(f"wrote {settings.out}")
    for problem in bench.problems:
        print(f"MISMATCH: {problem}")
    return 1 if bench.problems else 0
