"""``--fix``, ``--unsafe-fixes`` and ``--diff``: apply the rules' fixes through LibCST.

Fixes are node replacements and statement insertions, so comments and
formatting survive. Fixes that overlap are applied over repeated passes (each
pass re-lints the result), imports are added once after the module docstring
and ``__future__`` imports, and every result is re-parsed: a fix that would
break the file is dropped and reported. Files are written atomically and only
when they changed.
"""

from __future__ import annotations

import ast
import difflib
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor

from ..analysis.project import ProjectContext
from ..core.model import Applicability, Finding, LintResult
from ..core.options import Options
from ..lint.engine import ModuleFindings, analyse_module, run_deep
from ..lint.suppressions import has_skip_file
from ..rules.base import NodeFix, RawFinding
from ..run.discovery import SourceFile
from ..run.files import write_atomically
from ..run.phases import Project
from ..run.pool import parallel_map
from ..run.source import read_decoded

MAX_PASSES = 10
Candidate = tuple[RawFinding, Finding]


@dataclass(frozen=True)
class FixOutcome:
    path: str
    original: str
    fixed: str
    applied: int = 0
    dropped: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.fixed != self.original

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.original.splitlines(keepends=True),
                self.fixed.splitlines(keepends=True),
                fromfile=f"a/{self.path}",
                tofile=f"b/{self.path}",
            )
        )


def allowed(finding: Finding, unsafe: bool) -> bool:
    fix = finding.fix
    if fix is None or finding.suppressed:
        return False
    return fix.applicability is Applicability.SAFE or unsafe


def fix_source(
    source: str,
    display: str,
    options: Options,
    unsafe: bool,
    project: ProjectContext | None = None,
) -> FixOutcome:
    """Apply every allowed fix to ``source`` until nothing changes (or MAX_PASSES).

    ``project`` is the file's place in the project and everyone's summaries, as the
    run that reported the findings had them: the fixes applied are the ones reported,
    cross-module findings included.

    Never raises. Like linting, a file too deeply nested for the default stack is
    fixed again in a deep thread; if even that fails (or a rule crashes), the file
    is left exactly as it was -- linting it reports the problem.
    """
    try:
        return _fix_source(source, display, options, unsafe, project)
    except RecursionError:
        pass
    except Exception:
        return FixOutcome(display, source, source)
    try:
        return run_deep(lambda: _fix_source(source, display, options, unsafe, project))
    except Exception:
        return FixOutcome(display, source, source)


def _fix_source(
    source: str, display: str, options: Options, unsafe: bool, project: ProjectContext | None
) -> FixOutcome:
    text = source
    applied = 0
    dropped: list[str] = []
    if has_skip_file(source):
        return FixOutcome(display, source, text)
    for _ in range(MAX_PASSES):
        try:
            module = cst.parse_module(text)
        except (cst.ParserSyntaxError, RecursionError, ValueError):
            break
        found: ModuleFindings = analyse_module(module, text, display, options, project)
        chosen = _non_overlapping([pair for pair in found.pairs if allowed(pair[1], unsafe)])
        if not chosen:
            break
        new_text, kept, lost = _apply_checked(module, chosen)
        dropped.extend(
            f"{display}:{f.line}:{f.column}: {f.code} fix dropped: it would break the file"
            for f in lost
        )
        if new_text == text or not kept:
            break
        text = new_text
        applied += len(kept)
    return FixOutcome(display, source, text, applied, tuple(dropped))


def _non_overlapping(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Fixes of one pass must not touch the same text; the rest wait for the next pass."""
    chosen: list[Candidate] = []
    taken: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for raw, finding in sorted(candidates, key=lambda pair: pair[1].sort_key):
        assert finding.fix is not None
        spans = [
            ((e.line, e.column), (e.end_line, e.end_column))
            for e in finding.fix.edits
            if (e.line, e.column) != (e.end_line, e.end_column)
        ]
        if any(_overlaps(span, other) for span in spans for other in taken):
            continue
        if any(_same_node(raw, other) for other, _ in chosen):
            continue
        chosen.append((raw, finding))
        taken.extend(spans)
    return chosen


def _overlaps(
    a: tuple[tuple[int, int], tuple[int, int]], b: tuple[tuple[int, int], tuple[int, int]]
) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _same_node(a: RawFinding, b: RawFinding) -> bool:
    """Two fixes replacing the same node (two rules on one expression): keep one per pass."""
    assert a.fix is not None and b.fix is not None
    olds = {r.old for r in a.fix.replacements}
    return any(r.old in olds for r in b.fix.replacements)


def _apply_checked(
    module: cst.Module, chosen: Sequence[Candidate]
) -> tuple[str, list[Finding], list[Finding]]:
    """Apply the fixes; if the result does not parse, keep only those that are fine alone."""
    fixes = [raw.fix for raw, _ in chosen if raw.fix is not None]
    code = _apply(module, fixes)
    if code is not None:
        return code, [f for _, f in chosen], []
    kept: list[Candidate] = []
    lost: list[Finding] = []
    for raw, finding in chosen:
        assert raw.fix is not None
        if _apply(module, [raw.fix]) is not None:
            kept.append((raw, finding))
        else:
            lost.append(finding)
    code = _apply(module, [raw.fix for raw, _ in kept if raw.fix is not None]) if kept else None
    if code is None:
        return module.code, [], [f for _, f in chosen]
    return code, [f for _, f in kept], lost


def _apply(module: cst.Module, fixes: Sequence[NodeFix]) -> str | None:
    """The fixed code, or None if it would not parse."""
    replacements: dict[cst.CSTNode, cst.CSTNode] = {}
    inserts: dict[cst.CSTNode, list[cst.BaseStatement]] = {}
    imports: set[str] = set()
    for fix in fixes:
        for replacement in fix.replacements:
            replacements[replacement.old] = replacement.new
        for anchor, statements in fix.insert_before:
            inserts.setdefault(anchor, []).extend(statements)
        imports.update(fix.imports)
    try:
        updated = module.visit(_Applier(replacements, inserts))
        if imports:
            context = CodemodContext()
            for name in sorted(imports):
                AddImportsVisitor.add_needed_import(context, name)
            updated = AddImportsVisitor(context).transform_module(updated)
        code = updated.code
    except (cst.CSTValidationError, cst.ParserSyntaxError, TypeError, ValueError):
        return None
    return code if parses(code) else None


def parses(code: str) -> bool:
    try:
        cst.parse_module(code)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(code)
    except (cst.ParserSyntaxError, SyntaxError, ValueError, RecursionError):
        return False
    return True


class _Applier(cst.CSTTransformer):
    """Swap nodes by identity and insert statements before their anchors."""

    def __init__(
        self,
        replacements: dict[cst.CSTNode, cst.CSTNode],
        inserts: dict[cst.CSTNode, list[cst.BaseStatement]],
    ) -> None:
        super().__init__()
        self.replacements = replacements
        self.inserts = inserts

    # Replacements change a node's type (``a == b`` -> a call), which the generic
    # signature of CSTTransformer.on_leave cannot express.
    def on_leave(  # type: ignore[override]
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]:
        if original_node in self.replacements:
            return self.replacements[original_node]
        if isinstance(original_node, cst.SimpleStatementLine | cst.SimpleStatementSuite):
            assert isinstance(updated_node, cst.SimpleStatementLine | cst.SimpleStatementSuite)
            return self._splice(original_node, updated_node)
        if original_node in self.inserts and isinstance(updated_node, cst.BaseStatement):
            return _before(self.inserts[original_node], updated_node)
        return updated_node

    def _splice(
        self,
        original: cst.SimpleStatementLine | cst.SimpleStatementSuite,
        updated: cst.SimpleStatementLine | cst.SimpleStatementSuite,
    ) -> cst.CSTNode | cst.FlattenSentinel[cst.CSTNode]:
        lines: list[cst.BaseStatement] = list(self.inserts.get(original, ()))
        smalls: list[cst.BaseSmallStatement] = []
        for position, (old, new) in enumerate(zip(original.body, updated.body, strict=True)):
            added = self.inserts.get(old, [])
            if added and position == 0 and isinstance(original, cst.SimpleStatementLine):
                lines.extend(added)  # a line of its own, before this one
            else:
                smalls.extend(_small_statements(added))  # joins the line: ``log(...); abort(401)``
            smalls.append(new)
        result = updated.with_changes(body=smalls)
        if not lines:
            return result
        assert isinstance(result, cst.BaseStatement)
        return _before(lines, result)


def _before(
    added: Sequence[cst.BaseStatement], stmt: cst.BaseStatement
) -> cst.FlattenSentinel[cst.CSTNode]:
    """Insert statements before ``stmt``, moving its leading comments above them."""
    leading = getattr(stmt, "leading_lines", ())
    first, *rest = added
    if leading and hasattr(first, "leading_lines"):
        first = first.with_changes(leading_lines=leading)
        stmt = stmt.with_changes(leading_lines=())
    return cst.FlattenSentinel([first, *rest, stmt])


def _small_statements(statements: Sequence[cst.BaseStatement]) -> list[cst.BaseSmallStatement]:
    out: list[cst.BaseSmallStatement] = []
    for stmt in statements:
        if isinstance(stmt, cst.SimpleStatementLine):
            out.extend(
                small.with_changes(semicolon=cst.MaybeSentinel.DEFAULT) for small in stmt.body
            )
    return out


# -- files --------------------------------------------------------------------------------


def fix_file(
    file: SourceFile,
    options: Options,
    unsafe: bool,
    write: bool,
    project: ProjectContext | None = None,
) -> FixOutcome | None:
    """Fix one file (None when it cannot be read and decoded: linting reported that)."""
    decoded, _ = read_decoded(file.path, file.display)
    if decoded is None:
        return None
    outcome = fix_source(decoded.text, file.display, options, unsafe, project)
    if write and outcome.changed:
        write_atomically(file.path, decoded.encode(outcome.fixed))
    return outcome


_WORKER: tuple[Options, bool, bool, Project | None] | None = None


def _init(options: Options, unsafe: bool, write: bool, project: Project | None) -> None:
    global _WORKER
    _WORKER = (options, unsafe, write, project)


def _fix_in_worker(file: SourceFile) -> FixOutcome | None:
    assert _WORKER is not None
    options, unsafe, write, project = _WORKER
    context = project.context(file.display) if project is not None else None
    return fix_file(file, options, unsafe, write, context)


def fix_files(
    files: Sequence[SourceFile],
    options: Options,
    unsafe: bool,
    write: bool,
    jobs: int | None = None,
    project: Project | None = None,
) -> list[FixOutcome]:
    """Fix files (in parallel when it pays); outcomes in input order, unreadable files left out."""
    workers = jobs if jobs and jobs > 0 else (os.cpu_count() or 1)
    outcomes = parallel_map(
        _fix_in_worker,
        files,
        workers,
        _init,
        (options, unsafe, write, project),
        lambda f: _size(f.path),
    )
    return [outcome for outcome in outcomes if outcome is not None]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


# -- a whole run --------------------------------------------------------------------------


@dataclass(frozen=True)
class FixRun:
    """What ``--fix``/``--diff`` did to the files of a run's result."""

    outcomes: tuple[FixOutcome, ...]

    @property
    def applied(self) -> int:
        return sum(o.applied for o in self.outcomes)

    @property
    def dropped(self) -> tuple[str, ...]:
        return tuple(message for o in self.outcomes for message in o.dropped)

    @property
    def changed(self) -> bool:
        return any(o.changed for o in self.outcomes)

    def diff(self) -> str:
        return "".join(o.diff() for o in self.outcomes if o.changed)


def fix_result(
    result: LintResult,
    options: Options,
    *,
    unsafe: bool,
    write: bool,
    cwd: Path,
    jobs: int | None = None,
    project: Project | None = None,
) -> FixRun:
    """Fix the files of ``result`` that have allowed fixes, in the run's project context."""
    paths = sorted({f.path for f in result.findings if allowed(f, unsafe)})
    files = [SourceFile((cwd / path).absolute(), path) for path in paths]
    return FixRun(tuple(fix_files(files, options, unsafe, write, jobs, project)))
