"""Benchmark flasklint-keys against its parsing floors and its peers, and check its findings.

    python bench/run.py [--sizes 20k,100k,500k] [--out bench/RESULTS-synthetic.md] [--quick]
                        [--peers-venv /tmp/benchpeers] [--profile]

For every size a seeded synthetic Flask corpus (``corpus.py``) is generated in
a temporary directory and timed with:

* flasklint-keys cold with ``-j 1`` and with all cores, warm (a second run,
  nothing changed) and incremental (one file changed) — without a result cache
  in the CLI, warm and incremental are plain re-runs, marked "no cache yet";
* the floors: ``ast.parse`` and ``libcst.parse_module`` over the same files,
  in one fresh process each;
* the peers ``bandit -r`` and ``ruff check --select S,LOG,G,TRY,BLE`` (cold,
  warm and incremental), found in ``--peers-venv`` or on PATH.

Each run happens in a fresh wrapper process that starts the command, samples
the summed RSS of the command's process tree from ``/proc`` and, at the end,
reads ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` — the exact peak of the largest
single process. Every flasklint-keys run's JSON report is checked against the
planted findings: the counts per code must match exactly, or the script prints
the difference and exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import pstats
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from corpus import Corpus, generate, touch

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
DEFAULT_SIZES = "20k,100k,500k"
RUFF_SELECT = "S,LOG,G,TRY,BLE"
SAMPLE_INTERVAL = 0.05
NO_CACHE = "no cache yet"
# Other processes' CPU (in cores) above which a run's wall time is marked as contended.
CONTENDED = 0.25

# Runs in a fresh interpreter so RUSAGE_CHILDREN covers exactly one command. The
# process tree is found by scanning /proc/*/stat for parent ids (this kernel may
# lack /proc/<pid>/task/<tid>/children); the scan costs ~1 ms per sample. The
# machine's busy CPU time (/proc/stat) minus the command's own tells how much
# other processes ran meanwhile: on a shared machine that is what makes a
# wall time trustworthy or not.
_MEASURE = r"""
import json, os, resource, subprocess, sys, time

cmd, cwd, stdout_path, stderr_path, interval, stdin_path = json.loads(sys.argv[1])
page = os.sysconf("SC_PAGE_SIZE")


def children_map():
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        parent = int(stat.rsplit(b")", 1)[1].split()[1])
        out.setdefault(parent, []).append(int(entry))
    return out


def tree_rss(root):
    if not os.path.isdir("/proc"):
        return 0
    children, total, stack = children_map(), 0, [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/statm") as handle:
                total += int(handle.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            pass
        stack.extend(children.get(pid, ()))
    return total


def machine_busy():
    try:
        with open("/proc/stat") as handle:
            fields = [int(v) for v in handle.readline().split()[1:]]
    except OSError:
        return 0.0
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err, \
        open(stdin_path or os.devnull, "rb") as given:
    busy_before = machine_busy()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdin=given, stdout=out, stderr=err)
    peak = 0
    while True:
        try:
            proc.wait(timeout=interval)
            break
        except subprocess.TimeoutExpired:
            peak = max(peak, tree_rss(proc.pid))
    wall = time.perf_counter() - start
    busy = machine_busy() - busy_before
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = usage.ru_utime + usage.ru_stime
print(json.dumps({"wall": wall, "returncode": proc.returncode, "max_rss": usage.ru_maxrss * 1024,
                  "tree_rss": peak, "cpu": cpu, "others": max(0.0, busy - cpu) / wall}))
"""

# The floors: read and parse every file once, in one process, as the linter must.
_FLOOR = r"""
import sys
from pathlib import Path

kind, root = sys.argv[1], Path(sys.argv[2])
if kind == "libcst":
    import libcst

    parse = lambda data: libcst.parse_module(data)
else:
    import ast

    parse = lambda data: ast.parse(data)
for path in sorted(root.rglob("*.py")):
    parse(path.read_bytes())
"""


# -- command-line options ----------------------------------------------------------------------


def parse_size(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    number = text[:-1] if factor != 1 else text
    return int(float(number) * factor)


def size_label(lines: int) -> str:
    return f"{lines // 1000}k" if lines >= 1000 and lines % 1000 == 0 else str(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="comma list of corpus sizes")
    parser.add_argument(
        "--out",
        type=Path,
        help="markdown results [default: bench/RESULTS.md with --corpus, else RESULTS-synthetic.md]",
    )
    parser.add_argument("--quick", action="store_true", help="20k only, ours and the floors")
    parser.add_argument("--peers-venv", type=Path, help="virtualenv holding bandit and ruff")
    parser.add_argument("--python", default=sys.executable, help="interpreter with the tool")
    parser.add_argument("--tool", help="flasklint-keys command [default: next to --python]")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="'all cores'")
    parser.add_argument(
        "--repeat",
        type=int,
        help="runs per measurement, best kept [default: 3 up to 100k lines, then 1; --quick: 1]",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        help="seconds to wait for other processes to go idle before each run "
        "[default: 20, --quick: 0]",
    )
    parser.add_argument(
        "--tool-rev",
        help="what revision the tool is, for the report [default: git of the repo it runs from]",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, help="generate here and keep it [default: temp]")
    parser.add_argument(
        "--profile", action="store_true", help="also cProfile the tool (-j 1) on the middle size"
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        help="benchmark a real tree instead (e.g. the development corpus built with "
        "../shared/realworld/build_corpus.sh); it is copied, never edited",
    )
    parser.add_argument(
        "--edit",
        default="ctfd/CTFd/auth.py",
        help="with --corpus: the file an incremental run edits [default: ctfd/CTFd/auth.py]",
    )
    parser.add_argument("--note", help="a line for the report (e.g. why numbers are provisional)")
    return parser


@dataclass(frozen=True)
class Settings:
    sizes: tuple[int, ...]
    quick: bool
    python: str
    tool: tuple[str, ...]
    jobs: int
    repeat: int | None
    quiet_wait: float
    seed: int
    bandit: str | None
    ruff: str | None
    cache_flags: frozenset[str]
    out: Path | None
    profile: bool
    command: str
    tool_rev: str


def settings_from(args: argparse.Namespace, argv: Sequence[str]) -> Settings:
    sizes = (20_000,) if args.quick else tuple(parse_size(s) for s in args.sizes.split(","))
    tool = tuple(shlex.split(args.tool)) if args.tool else default_tool(args.python)
    peers = not args.quick or args.corpus is not None
    # --quick is the inner-loop check: a quiet machine is not worth waiting for there.
    default_wait = 0.0 if args.quick else 20.0
    default_out = BENCH_DIR / ("RESULTS.md" if args.corpus is not None else "RESULTS-synthetic.md")
    out = args.out if args.out is not None or args.quick else default_out
    return Settings(
        sizes=sizes,
        quick=args.quick,
        python=args.python,
        tool=tool,
        jobs=max(1, args.jobs),
        repeat=max(1, args.repeat) if args.repeat else (1 if args.quick else None),
        quiet_wait=max(0.0, args.quiet_wait if args.quiet_wait is not None else default_wait),
        seed=args.seed,
        bandit=find_peer("bandit", args.peers_venv) if peers else None,
        ruff=find_peer("ruff", args.peers_venv) if peers else None,
        cache_flags=cache_flags(tool),
        out=out,
        profile=args.profile,
        command=shlex.join(["python", "bench/run.py", *argv]),
        tool_rev=args.tool_rev or tool_revision(args.python),
    )


def default_tool(python: str) -> tuple[str, ...]:
    script = Path(python).parent / "flasklint-keys"
    if script.exists():
        return (str(script),)
    return (python, "-m", "flasklint_keys")


def find_peer(name: str, venv: Path | None) -> str | None:
    if venv is not None:
        # Absolute: the peers run from inside the corpus, not from where the path was given.
        candidate = venv.absolute() / "bin" / name
        return str(candidate) if candidate.exists() else None
    return shutil.which(name)


def cache_flags(tool: Sequence[str]) -> frozenset[str]:
    """Which of ``--no-cache`` / ``--cache-dir`` the CLI offers (a cache is being added)."""
    proc = subprocess.run([*tool, "--help"], capture_output=True, text=True, check=False)
    return frozenset(flag for flag in ("--no-cache", "--cache-dir") if flag in proc.stdout)


# -- measuring one command ---------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    wall: float
    max_rss: int  # bytes, largest single process (getrusage)
    tree_rss: int  # bytes, summed over the process tree (sampled)
    cpu: float  # user + system seconds of the whole tree
    others: float  # cores' worth of CPU other processes used during the run
    returncode: int
    runs: int = 1


def cpu_busy(interval: float = 0.5) -> float:
    """Fraction of the machine's CPU in use over ``interval`` (0 where /proc is missing)."""

    def snapshot() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]

    try:
        total0, idle0 = snapshot()
        time.sleep(interval)
        total1, idle1 = snapshot()
    except OSError:
        return 0.0
    return 1 - (idle1 - idle0) / (total1 - total0) if total1 > total0 else 0.0


def wait_for_quiet(limit: float, threshold: float = 0.2) -> None:
    """Others share this machine: give their bursts a chance to end before timing."""
    deadline = time.monotonic() + limit
    while cpu_busy() > threshold and time.monotonic() < deadline:
        time.sleep(2)


def measure(
    cmd: Sequence[str], cwd: Path, stdout: Path, scratch: Path, stdin: Path | None = None
) -> Sample:
    """Run ``cmd`` once in a fresh wrapper process (standard input from ``stdin``)."""
    stderr = scratch / "stderr.txt"
    given = str(stdin) if stdin is not None else None
    payload = json.dumps([list(cmd), str(cwd), str(stdout), str(stderr), SAMPLE_INTERVAL, given])
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, payload], capture_output=True, text=True, check=True
    )
    data = json.loads(proc.stdout)
    if data["returncode"] not in (0, 1):
        tail = stderr.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{shlex.join(cmd)} exited {data['returncode']}:\n{tail}")
    return Sample(
        data["wall"],
        data["max_rss"],
        max(data["tree_rss"], data["max_rss"]),
        data["cpu"],
        data["others"],
        data["returncode"],
    )


def best_sample(samples: Sequence[Sample]) -> Sample:
    """The fastest run (least disturbed by other processes); memory is the worst seen."""
    best = min(samples, key=lambda s: s.wall)
    return Sample(
        best.wall,
        max(s.max_rss for s in samples),
        max(s.tree_rss for s in samples),
        best.cpu,
        best.others,
        best.returncode,
        len(samples),
    )


# -- one corpus --------------------------------------------------------------------------------


@dataclass
class Row:
    size: int
    lines: int
    files: int
    tool: str
    run: str
    sample: Sample | None
    note: str = ""

    @property
    def lines_per_s(self) -> float | None:
        return self.lines / self.sample.wall if self.sample else None


@dataclass
class Check:
    size: int
    run: str
    expected: Counter[str]
    found: Counter[str]
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.expected == self.found and not self.problems


class SizeBench:
    """Everything measured on one corpus."""

    def __init__(self, settings: Settings, corpus: Corpus, size: int, scratch: Path) -> None:
        self.s = settings
        self.corpus = corpus
        self.size = size
        self.scratch = scratch
        self.rows: list[Row] = []
        self.checks: list[Check] = []
        self.touches = 0

    def row(self, tool: str, run: str, sample: Sample | None, note: str = "") -> Row:
        row = Row(self.size, self.corpus.lines, self.corpus.files, tool, run, sample, note)
        self.rows.append(row)
        wall = f"{sample.wall:8.2f} s" if sample else "       —"
        print(f"  {tool:<15} {run:<22} {wall}  {note}", flush=True)
        return row

    @property
    def repeat(self) -> int:
        if self.s.repeat is not None:
            return self.s.repeat
        return 3 if self.size <= 100_000 else 1

    def timed(
        self, cmd: Sequence[str], stdout: Path, before: Callable[[], None] | None = None
    ) -> Sample:
        samples = []
        for _ in range(self.repeat):
            if before is not None:
                before()
            wait_for_quiet(self.s.quiet_wait)
            samples.append(measure(cmd, self.corpus.root, stdout, self.scratch))
        return best_sample(samples)

    def touch(self) -> None:
        assert self.corpus.touch_target is not None
        self.touches += 1
        touch(self.corpus.touch_target, self.touches)

    # -- flasklint-keys

    def ours(self) -> None:
        cold, before = self._cold_flags()
        self._ours("cold, -j 1", ["-j", "1", *cold], before=before)
        self._ours(f"cold, -j {self.s.jobs}", ["-j", str(self.s.jobs), *cold], before=before)
        cached = bool(self.s.cache_flags)
        if self.s.quick and not cached:
            self.row("flasklint-keys", "warm / incremental", None, f"{NO_CACHE} (skipped: --quick)")
            return
        flags = ["-j", str(self.s.jobs)]
        if "--cache-dir" in self.s.cache_flags:
            flags += ["--cache-dir", str(self.scratch / "flasklint-cache")]
        if cached:
            self._run_ours(flags, self.scratch / "prime.json")  # fill the cache, untimed
        note = "" if cached else NO_CACHE
        self._ours("warm", flags, note)
        self._ours("incremental (1 file)", flags, note, before=self.touch)

    def _cold_flags(self) -> tuple[list[str], Callable[[], None] | None]:
        """Flags for a run without a usable cache (and what to do before each repetition)."""
        if "--no-cache" in self.s.cache_flags:
            return ["--no-cache"], None
        if "--cache-dir" in self.s.cache_flags:
            # Only a cache location can be chosen: start each repetition with an empty one.
            empty = self.scratch / "cold-cache"
            return ["--cache-dir", str(empty)], lambda: shutil.rmtree(empty, ignore_errors=True)
        return [], None

    def _ours(
        self,
        run: str,
        flags: list[str],
        note: str = "",
        before: Callable[[], None] | None = None,
    ) -> None:
        report = self.scratch / f"ours-{len(self.rows)}.json"
        cmd = [*self.s.tool, "--format", "json", "--exit-zero", "-o", str(report), *flags, "."]
        sample = self.timed(cmd, self.scratch / "stdout.txt", before)
        self.row("flasklint-keys", run, sample, note)
        self.checks.append(self._check(run, report))

    def _run_ours(self, flags: list[str], report: Path) -> None:
        cmd = [*self.s.tool, "--format", "json", "--exit-zero", "-o", str(report), *flags, "."]
        subprocess.run(cmd, cwd=self.corpus.root, capture_output=True, check=True)

    def _check(self, run: str, report: Path) -> Check:
        data = json.loads(report.read_text(encoding="utf-8"))
        found = Counter(f["code"] for f in data["findings"] if not f.get("suppressed"))
        check = Check(self.size, run, Counter(self.corpus.expected), found)
        for error in data.get("errors", []):
            check.problems.append(f"error: {error.get('path')}: {error.get('message')}")
        files = data.get("summary", {}).get("files")
        if files is not None and files != self.corpus.files:
            check.problems.append(f"linted {files} files, the corpus has {self.corpus.files}")
        return check

    # -- floors and peers

    def floors(self) -> None:
        for kind in ("ast", "libcst"):
            cmd = [self.s.python, "-c", _FLOOR, kind, "."]
            floor = "ast.parse" if kind == "ast" else "libcst.parse_module"
            self.row(floor, "floor, 1 process", self.timed(cmd, self.scratch / "stdout.txt"))

    def bandit(self) -> None:
        if self.s.bandit is None:
            self.row("bandit", "cold", None, "skipped: bandit not found")
            return
        report = self.scratch / "bandit.json"
        cmd = [self.s.bandit, "-r", ".", "-q", "-f", "json", "-o", str(report)]
        self.row("bandit", "cold, 1 process", self.timed(cmd, self.scratch / "stdout.txt"))

    def ruff(self) -> None:
        if self.s.ruff is None:
            self.row("ruff", "cold", None, "skipped: ruff not found")
            return
        base = [self.s.ruff, "check", "--isolated", "--select", RUFF_SELECT, "--exit-zero"]
        base += ["--output-format", "json", "-o", str(self.scratch / "ruff.json")]
        out = self.scratch / "stdout.txt"
        self.row("ruff", "cold (--no-cache)", self.timed([*base, "--no-cache", "."], out))
        cached = [*base, "--cache-dir", str(self.scratch / "ruff-cache"), "."]
        subprocess.run(cached, cwd=self.corpus.root, capture_output=True, check=True)
        self.row("ruff", "warm", self.timed(cached, out))
        self.row("ruff", "incremental (1 file)", self.timed(cached, out, before=self.touch))


def bench_size(settings: Settings, size: int, workdir: Path) -> SizeBench:
    root = workdir / f"corpus-{size_label(size)}"
    scratch = workdir / f"scratch-{size_label(size)}"
    scratch.mkdir(parents=True, exist_ok=True)
    corpus = generate(root, size, settings.seed)
    print(
        f"\n{size_label(size)}: {corpus.lines:,} lines in {corpus.files} files, "
        f"{corpus.services} services, {sum(corpus.expected.values())} planted findings",
        flush=True,
    )
    bench = SizeBench(settings, corpus, size, scratch)
    bench.ours()
    bench.floors()
    if not settings.quick:
        bench.bandit()
        bench.ruff()
    return bench


# -- profile -----------------------------------------------------------------------------------

# (phase, file suffix, function name): cumulative time of these functions.
PHASES: tuple[tuple[str, str, str], ...] = (
    ("whole run (lint_paths)", "flasklint_keys/engine.py", "lint_paths"),
    ("discovery (walk, excludes, git ls-files)", "flasklint_keys/_discovery.py", "discover"),
    ("read + decode", "flasklint_keys/engine.py", "read_source"),
    ("parse (libcst.parse_module)", "libcst/_parser/entrypoints.py", "parse_module"),
    ("module index (statement pre-scan)", "flasklint_keys/analysis/index.py", "build_index"),
    ("traversal + rules (run_rules)", "flasklint_keys/_traversal.py", "run_rules"),
    ("  rule callbacks incl. analysis (_call)", "flasklint_keys/_traversal.py", "_call"),
    ("    flow analysis (ModuleAnalysis.flow)", "flasklint_keys/analysis/module.py", "flow"),
    ("    sink classification", "flasklint_keys/analysis/sinks.py", "classify_sink"),
    (
        "    culprit search (eval of sink args)",
        "flasklint_keys/analysis/culprits.py",
        "find_culprits",
    ),
    ("positions + findings (_finalise)", "flasklint_keys/engine.py", "_finalise"),
    ("  PositionProvider (MetadataWrapper.resolve)", "libcst/metadata/wrapper.py", "resolve"),
    ("report rendering (JSON)", "flasklint_keys/reporters/json.py", "render_json"),
)
# (phase, cumulative time of the first minus that of the others): what the table above hides.
DERIVED: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "  libcst walk + dispatch (run_rules minus on_visit/on_leave)",
        "run_rules",
        ("on_visit", "on_leave"),
    ),
    (
        "  scope/statement bookkeeping (on_visit/on_leave minus _call)",
        "on_visit+on_leave",
        ("_call",),
    ),
)

Table = dict[tuple[str, int, str], tuple[int, int, float, float, object]]


def _cum(table: Table, name: str, suffix: str = "flasklint_keys/") -> float:
    total = 0.0
    for part in name.split("+"):
        total += sum(v[3] for (f, _, n), v in table.items() if n == part and suffix in f)
    return total


def profile(settings: Settings, bench: SizeBench) -> str:
    out = bench.scratch / "profile.pstats"
    report = bench.scratch / "profile.json"
    cmd = [settings.python, "-m", "cProfile", "-o", str(out), "-m", "flasklint_keys"]
    cmd += ["--format", "json", "--exit-zero", "-o", str(report), "-j", "1", "."]
    subprocess.run(cmd, cwd=bench.corpus.root, capture_output=True, check=True)
    return profile_markdown(pstats.Stats(str(out)), bench.corpus)


def profile_markdown(stats: pstats.Stats, corpus: Corpus) -> str:
    table: Table = stats.stats  # type: ignore[attr-defined]
    total = max((v[3] for v in table.values()), default=0.0) or 1.0
    lines = [
        f"cProfile of `flasklint-keys -j 1` on {corpus.lines:,} lines "
        f"({total:.1f} s under the profiler, which inflates call-heavy code):",
        "",
        "| phase | cumulative s | share |",
        "|---|---:|---:|",
    ]
    for phase, suffix, name in PHASES:
        cum = sum(v[3] for (f, _, n), v in table.items() if n == name and f.endswith(suffix))
        lines.append(f"| {phase} | {cum:.2f} | {cum / total:.0%} |")
    for phase, whole, parts in DERIVED:
        cum = _cum(table, whole) - sum(_cum(table, part) for part in parts)
        lines.append(f"| {phase} | {cum:.2f} | {cum / total:.0%} |")
    lines += _top(table, "Top functions by own time", 2, lambda path: True)
    lines += _top(
        table,
        "Top flasklint_keys functions by cumulative time",
        3,
        lambda p: "flasklint_keys/" in p,
    )
    return "\n".join(lines) + "\n"


def _top(table: Table, title: str, column: int, keep: Callable[[str], bool]) -> list[str]:
    lines = [
        "",
        f"{title}:",
        "",
        "| function | own s | cumulative s | calls |",
        "|---|---:|---:|---:|",
    ]
    chosen = [item for item in table.items() if keep(item[0][0])]
    for (path, line, name), (_, calls, own, cum, _) in sorted(
        chosen, key=lambda kv: kv[1][column], reverse=True
    )[:15]:
        lines.append(f"| `{_short(path)}:{line}({name})` | {own:.2f} | {cum:.2f} | {calls:,} |")
    return lines


def _short(path: str) -> str:
    for marker in ("flasklint_keys/", "libcst/", "site-packages/"):
        if marker in path:
            return path[path.index(marker) :]
    return Path(path).name


# -- the report --------------------------------------------------------------------------------


def _mb(value: int) -> str:
    return f"{value / 2**20:,.0f}"


def _find(rows: Iterable[Row], tool: str, run_prefix: str) -> Row | None:
    for row in rows:
        if row.tool == tool and row.run.startswith(run_prefix) and row.sample is not None:
            return row
    return None


def _ratio(a: Row | None, b: Row | None) -> float | None:
    if a is None or b is None or a.sample is None or b.sample is None:
        return None
    return a.sample.wall / b.sample.wall


def _fmt_ratio(value: float | None, limit: float | None = None) -> str:
    if value is None:
        return "—"
    text = f"{value:.2f}x"
    if limit is not None:
        text += " ✅" if value <= limit else " ❌"
    return text


def runs_table(benches: Sequence[SizeBench]) -> list[str]:
    out = [
        "| size | tool | run | wall s | lines/s | CPU s | peak RSS MB, largest process | "
        "peak RSS MB, process tree | others' CPU, cores | note |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for bench in benches:
        label = (
            f"{size_label(bench.size)} ({bench.corpus.lines:,} lines, {bench.corpus.files} files)"
        )
        for row in bench.rows:
            if row.sample is None:
                dashes = " — |" * 6
                out.append(f"| {label} | {row.tool} | {row.run} |{dashes} {row.note} |")
                continue
            s = row.sample
            out.append(
                f"| {label} | {row.tool} | {row.run} | {s.wall:.2f} | {row.lines_per_s:,.0f} | "
                f"{s.cpu:.1f} | {_mb(s.max_rss)} | {_mb(s.tree_rss)} | {s.others:.2f} | "
                f"{_note(row)} |"
            )
    return out


def ratios_table(settings: Settings, benches: Sequence[SizeBench]) -> list[str]:
    all_cores = f"cold, -j {settings.jobs}"
    out = [
        f"| size | ours/bandit (cold, -j {settings.jobs}; ≤ 0.5) | warm/ruff (≤ 2) | "
        "incremental/ruff (≤ 3) | ours/ast floor | ours/libcst floor |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for bench in benches:
        rows = bench.rows
        cold, single = (
            _find(rows, "flasklint-keys", all_cores),
            _find(rows, "flasklint-keys", "cold, -j 1"),
        )
        warm, inc = _find(rows, "flasklint-keys", "warm"), _find(rows, "flasklint-keys", "incr")
        ruff_cold, ruff_warm = _find(rows, "ruff", "cold"), _find(rows, "ruff", "warm")
        ruff_inc = _find(rows, "ruff", "incr")
        out.append(
            f"| {size_label(bench.size)} | {_fmt_ratio(_ratio(cold, _find(rows, 'bandit', 'cold')), 0.5)} | "
            f"{_fmt_ratio(_ratio(warm, ruff_warm), 2)} (vs ruff --no-cache: "
            f"{_fmt_ratio(_ratio(warm, ruff_cold))}) | "
            f"{_fmt_ratio(_ratio(inc, ruff_inc), 3)} (vs ruff --no-cache: "
            f"{_fmt_ratio(_ratio(inc, ruff_cold))}) | "
            f"{_fmt_ratio(_ratio(single, _find(rows, 'ast.parse', 'floor')))} | "
            f"{_fmt_ratio(_ratio(single, _find(rows, 'libcst.parse_module', 'floor')))} |"
        )
    return out


def _note(row: Row) -> str:
    if row.sample is None or row.sample.others < CONTENDED:
        return row.note
    return f"{row.note}; contended" if row.note else "contended"


def scaling_lines(settings: Settings, benches: Sequence[SizeBench]) -> list[str]:
    by_size = {bench.size: bench for bench in benches}
    small, large = by_size.get(min(by_size)), by_size.get(max(by_size))
    if small is None or large is None or small is large:
        return []
    out = []
    for run in ("cold, -j 1", f"cold, -j {settings.jobs}"):
        a, b = _find(small.rows, "flasklint-keys", run), _find(large.rows, "flasklint-keys", run)
        if a and b and a.sample and b.sample:
            per_line = (b.sample.wall / b.lines) / (a.sample.wall / a.lines)
            cpu_per_line = (b.sample.cpu / b.lines) / (a.sample.cpu / a.lines)
            out.append(
                f"- time per line, {run}: {size_label(large.size)} / {size_label(small.size)} = "
                f"{_fmt_ratio(per_line, 1.3)} (target ≤ 1.3x); CPU per line: "
                f"{_fmt_ratio(cpu_per_line)} (immune to other processes)"
            )
    for bench in benches:
        ours = _find(bench.rows, "flasklint-keys", "cold, -j 1")
        bandit = _find(bench.rows, "bandit", "cold")
        if ours and bandit and ours.sample and bandit.sample:
            out.append(
                f"- CPU seconds at {size_label(bench.size)}, flasklint-keys -j 1 / bandit: "
                f"{_fmt_ratio(ours.sample.cpu / bandit.sample.cpu)}"
            )
    cold = _find(large.rows, "flasklint-keys", f"cold, -j {settings.jobs}")
    if cold and cold.sample:
        ok = "✅" if cold.sample.tree_rss < 250 * 2**20 else "❌"
        out.append(
            f"- peak RSS at {size_label(large.size)}, cold -j {settings.jobs}: process tree "
            f"{_mb(cold.sample.tree_rss)} MB, largest process {_mb(cold.sample.max_rss)} MB "
            f"(target < 250 MB) {ok}"
        )
    return out


def checks_table(benches: Sequence[SizeBench]) -> list[str]:
    codes = sorted({c for b in benches for ch in b.checks for c in (*ch.expected, *ch.found)})
    out = [
        "| size | " + " | ".join(codes) + " | runs checked | result |",
        "|---|" + "---:|" * len(codes) + "---:|---|",
    ]
    for bench in benches:
        expected = Counter(bench.corpus.expected)
        ok = all(check.ok for check in bench.checks)
        cells = " | ".join(str(expected.get(code, 0)) for code in codes)
        verdict = "all reported exactly ✅" if ok else "MISMATCH ❌"
        out.append(f"| {size_label(bench.size)} | {cells} | {len(bench.checks)} | {verdict} |")
    return out


def machine_line(settings: Settings) -> str:
    version = subprocess.run(
        [*settings.tool, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    peers = []
    for name, path in (("bandit", settings.bandit), ("ruff", settings.ruff)):
        if path:
            text = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
            peers.append(text.stdout.splitlines()[0].strip() if text.stdout else name)
    parts = [
        f"{os.cpu_count()} cores",
        f"{platform.system()} {platform.machine()}",
        f"Python {platform.python_version()}",
        f"{version or 'flasklint-keys'} ({settings.tool_rev})",
        *peers,
    ]
    return ", ".join(parts)


def repeat_text(settings: Settings) -> str:
    if settings.repeat is not None:
        return str(settings.repeat)
    return "3 (corpora up to 100k lines) or 1 (larger)"


def tool_revision(python: str) -> str:
    """The repo's commit when the tool runs from this checkout, else where it is installed."""
    proc = subprocess.run(
        [python, "-c", "import flasklint_keys; print(flasklint_keys.__file__)"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tempfile.gettempdir(),  # not the checkout: its package would shadow the installed one
    )
    location = Path(proc.stdout.strip() or ".").resolve().parent
    if location.is_relative_to(REPO):
        return f"commit {git_revision()}"
    return f"installed at {location}"


def git_revision() -> str:
    rev = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--", "flasklint_keys"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return f"{rev or 'unknown'}{' + uncommitted changes' if dirty else ''}"


def markdown(settings: Settings, benches: Sequence[SizeBench], profile_text: str | None) -> str:
    cache = "yes" if settings.cache_flags else f"no ({NO_CACHE})"
    lines = [
        "# flasklint-keys benchmark",
        "",
        f"Machine: {machine_line(settings)}.",
        "",
        f"Command: `{settings.command}`",
        "",
        f"Result cache in the CLI: {cache}. Corpus: seeded synthetic Flask services "
        f"(seed {settings.seed}; see `bench/corpus.py`). Wall time: the best of "
        f"{repeat_text(settings)} runs. CPU: user + system seconds of the whole process tree. "
        "Peak RSS: *largest process* is `getrusage(RUSAGE_CHILDREN).ru_maxrss` "
        "of a fresh wrapper process per run (exact); *process tree* is the sum of RSS over the "
        f"command's process tree sampled from /proc every {SAMPLE_INTERVAL * 1000:.0f} ms "
        "(pages shared by forked workers count once per process). *Others' CPU*: CPU time "
        "that other processes on this shared machine used during the run, in cores "
        f"(out of {os.cpu_count()}); runs above {CONTENDED} are marked *contended*: their wall "
        "time is inflated when the tool wanted every core.",
        "",
        "## Runs",
        "",
        *runs_table(benches),
        "",
        "## Ratios",
        "",
        "Wall-time ratios; ours/floors use flasklint-keys cold `-j 1` (floors are one process). "
        "warm/incremental compare like with like (ruff with its cache); ruff `--no-cache` "
        "in parentheses.",
        "",
        *ratios_table(settings, benches),
        "",
        *scaling_lines(settings, benches),
        "",
        "## Planted findings",
        "",
        "Expected per code (every flasklint-keys run above is checked; counts must match exactly):",
        "",
        *checks_table(benches),
        "",
    ]
    if profile_text:
        lines += ["## Profile", "", profile_text]
    return "\n".join(lines).rstrip("\n") + "\n"


# -- main --------------------------------------------------------------------------------------


def report_mismatches(benches: Sequence[SizeBench]) -> bool:
    """Print every check that failed; True when all passed."""
    ok = True
    for bench in benches:
        for check in bench.checks:
            if check.ok:
                continue
            ok = False
            print(f"\nMISMATCH at {size_label(check.size)} ({check.run}):", file=sys.stderr)
            for code in sorted({*check.expected, *check.found}):
                want, got = check.expected.get(code, 0), check.found.get(code, 0)
                if want != got:
                    print(
                        f"  {code}: expected {want}, reported {got} ({got - want:+d})",
                        file=sys.stderr,
                    )
            for problem in check.problems:
                print(f"  {problem}", file=sys.stderr)
    return ok


def run(settings: Settings, workdir: Path) -> int:
    print(
        f"tool: {shlex.join(settings.tool)}; cache flags: {sorted(settings.cache_flags) or 'none'}"
    )
    benches = []
    for size in settings.sizes:
        benches.append(bench_size(settings, size, workdir))
    profile_text = None
    if settings.profile:
        middle = benches[len(benches) // 2]
        print(f"\nprofiling {size_label(middle.size)} (-j 1)...", flush=True)
        profile_text = profile(settings, middle)
        print(profile_text)
    text = markdown(settings, benches, profile_text)
    print("\n" + text)
    if settings.out is not None:
        settings.out.write_text(text, encoding="utf-8")
        print(f"wrote {settings.out}")
    return 0 if report_mismatches(benches) else 1


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    settings = settings_from(args, argv)
    if args.corpus is not None:
        import realworld  # the real-code benchmark shares this module's measuring

        return realworld.main(settings, args)
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        return run(settings, args.workdir.resolve())
    with tempfile.TemporaryDirectory(prefix="flasklint-bench-") as tmp:
        return run(settings, Path(tmp))


if __name__ == "__main__":
    raise SystemExit(main())
