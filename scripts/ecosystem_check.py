"""Compare two versions of flasklint-keys on real Flask applications.

Usage::

    python scripts/ecosystem_check.py [--base REV] [--jobs N] CHECKOUT [CHECKOUT...]

The *base* is a git revision of this repository (default ``HEAD``); the *head* is
the current working tree, uncommitted changes included. Each is copied into a
temporary directory (``git archive`` for the base, the non-ignored files of the
work tree for the head) and installed into its own temporary virtual
environment, so neither run sees the other's code and the repository is left
exactly as it was. Both versions lint every CHECKOUT (a local clone of a real
application; nothing is copied from it) and the script prints the findings that
appeared and disappeared, by code, path, line and message, plus any file
errors and the time each version took.

Exit status: 0, or 1 with ``--fail-on-change`` when anything differs, or 2 when
a version could not be installed or crashed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import venv
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# (code, path relative to the checkout, line, message)
Key = tuple[str, str, int, str]


@dataclass
class Report:
    """One version's result on one checkout."""

    findings: Counter[Key] = field(default_factory=Counter)
    errors: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    seconds: float = 0.0
    exit_code: int = 0
    stderr: str = ""


class CheckError(Exception):
    """A version could not be prepared or run; the message says which and why."""


# -- preparing the two versions ----------------------------------------------------------------


def git(*args: str) -> bytes:
    proc = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, check=False)
    if proc.returncode != 0:
        raise CheckError(f"git {' '.join(args)}: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def export_revision(revision: str, destination: Path) -> str:
    """Unpack ``revision`` into ``destination`` (read-only for the repository)."""
    commit = git("rev-parse", "--verify", f"{revision}^{{commit}}").decode().strip()
    archive = git("archive", "--format=tar", commit)
    destination.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(destination, filter="data")
        else:  # pragma: no cover - Python without extraction filters
            tar.extractall(destination)  # our own repository's archive
    return commit[:12]


def export_work_tree(destination: Path) -> str:
    """Copy the work tree's tracked and untracked, non-ignored files into ``destination``."""
    names = git("ls-files", "-z", "--cached", "--others", "--exclude-standard").split(b"\0")
    for raw in names:
        if not raw:
            continue
        name = raw.decode("utf-8", "surrogateescape")
        source = REPO / name
        if not source.is_file():  # deleted but still in the index
            continue
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    dirty = git("status", "--porcelain").strip()
    return "working tree" + (" (with uncommitted changes)" if dirty else "")


def install(source: Path, environment: Path) -> Path:
    """A fresh virtual environment with ``source`` installed (not editable); its python."""
    venv.EnvBuilder(with_pip=True, clear=True).create(environment)
    python = environment / ("Scripts" if os.name == "nt" else "bin") / "python"
    proc = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(source),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise CheckError(f"cannot install {source}:\n{proc.stdout}\n{proc.stderr}")
    return python


# -- running -----------------------------------------------------------------------------------


def lint(python: Path, checkout: Path, workdir: Path, jobs: int) -> Report:
    """Run one version on one checkout and collect its JSON report."""
    workdir.mkdir(parents=True, exist_ok=True)
    # The console entry point, not ``python -m``: nothing from the working directory
    # or the checkout can shadow the tool's own modules.
    script = python.parent / ("flasklint-keys.exe" if os.name == "nt" else "flasklint-keys")
    started = time.perf_counter()
    proc = subprocess.run(
        [str(script), "--format", "json", "--exit-zero", "-j", str(jobs), str(checkout)],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
    )
    report = Report(seconds=time.perf_counter() - started, exit_code=proc.returncode)
    report.stderr = proc.stderr
    try:
        document = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise CheckError(
            f"{script} exited {proc.returncode} without a JSON report on {checkout}:\n"
            f"{proc.stderr[-4000:]}"
        ) from None
    for finding in document["findings"]:
        path = relative(finding["path"], workdir, checkout)
        report.findings[(finding["code"], path, finding["line"], finding["message"])] += 1
    for error in document["errors"]:
        path = relative(error["path"], workdir, checkout)
        report.errors[(error["kind"], path, error["message"])] += 1
    return report


def relative(shown: str, workdir: Path, checkout: Path) -> str:
    """A reported path (relative to the run's working directory) relative to the checkout."""
    absolute = Path(os.path.normpath(workdir / shown))
    try:
        return absolute.relative_to(checkout).as_posix()
    except ValueError:
        return shown


# -- reporting ---------------------------------------------------------------------------------


def difference(before: Counter[Key], after: Counter[Key]) -> tuple[list[Key], list[Key]]:
    appeared = sorted((after - before).elements())
    disappeared = sorted((before - after).elements())
    return appeared, disappeared


def by_code(keys: Iterable[Key]) -> str:
    counts = Counter(key[0] for key in keys)
    return ", ".join(f"{code} {count}" for code, count in sorted(counts.items())) or "none"


def describe(name: str, base: Report, head: Report) -> tuple[list[str], bool]:
    appeared, disappeared = difference(base.findings, head.findings)
    new_errors = sorted((head.errors - base.errors).elements())
    gone_errors = sorted((base.errors - head.errors).elements())
    lines = [
        f"== {name}: base {sum(base.findings.values())} findings in {base.seconds:.1f} s, "
        f"head {sum(head.findings.values())} findings in {head.seconds:.1f} s; "
        f"+{len(appeared)} -{len(disappeared)}",
    ]
    if appeared or disappeared:
        lines.append(f"   appeared by code: {by_code(appeared)}")
        lines.append(f"   disappeared by code: {by_code(disappeared)}")
    lines += [f"+ {code} {path}:{line} {message}" for code, path, line, message in appeared]
    lines += [f"- {code} {path}:{line} {message}" for code, path, line, message in disappeared]
    lines += [f"+ error [{kind}] {path}: {message}" for kind, path, message in new_errors]
    lines += [f"- error [{kind}] {path}: {message}" for kind, path, message in gone_errors]
    for label, report in (("base", base), ("head", head)):
        if report.exit_code != 0:
            lines.append(f"!! {label} exited {report.exit_code} (internal error)")
    changed = bool(appeared or disappeared or new_errors or gone_errors)
    return lines, changed


# -- main --------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkouts", nargs="+", type=Path, help="local checkouts of Flask apps")
    parser.add_argument("--base", default="HEAD", help="git revision to compare against")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--fail-on-change", action="store_true", help="exit 1 when any finding changed"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    return parser.parse_args(argv)


def prepare(base_revision: str, scratch: Path) -> tuple[Path, str, Path, str]:
    base_label = f"{base_revision} ({export_revision(base_revision, scratch / 'base-src')})"
    head_label = export_work_tree(scratch / "head-src")
    print(f"installing base {base_label} and head ({head_label})...", file=sys.stderr)
    base_python = install(scratch / "base-src", scratch / "base-venv")
    head_python = install(scratch / "head-src", scratch / "head-venv")
    return base_python, base_label, head_python, head_label


def run(args: argparse.Namespace, scratch: Path) -> int:
    checkouts = [path.resolve() for path in args.checkouts]
    missing = [str(path) for path in checkouts if not path.is_dir()]
    if missing:
        raise CheckError(f"not a directory: {', '.join(missing)}")
    base_python, base_label, head_python, head_label = prepare(args.base, scratch)
    print(f"base: {base_label}\nhead: {head_label}\n")
    any_change = crashed = False
    totals = [0, 0, 0, 0]  # base findings, head findings, appeared, disappeared
    for checkout in checkouts:
        # Same depth for both working directories, so reported paths read alike.
        base = lint(base_python, checkout, scratch / "run" / "base", args.jobs)
        head = lint(head_python, checkout, scratch / "run" / "head", args.jobs)
        lines, changed = describe(checkout.name, base, head)
        print("\n".join(lines) + "\n")
        appeared, disappeared = difference(base.findings, head.findings)
        totals = [
            totals[0] + sum(base.findings.values()),
            totals[1] + sum(head.findings.values()),
            totals[2] + len(appeared),
            totals[3] + len(disappeared),
        ]
        any_change |= changed
        crashed |= base.exit_code != 0 or head.exit_code != 0
    print(
        f"total: base {totals[0]} findings, head {totals[1]} findings; "
        f"{totals[2]} appeared, {totals[3]} disappeared"
    )
    if crashed:
        return 2
    return 1 if any_change and args.fail_on_change else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="flasklint-ecosystem-"))
    try:
        return run(args, scratch)
    except CheckError as exc:
        print(f"ecosystem_check: {exc}", file=sys.stderr)
        return 2
    finally:
        if args.keep:
            print(f"kept {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
