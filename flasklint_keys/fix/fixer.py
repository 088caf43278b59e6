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
import re
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import libcst as cst

from ..analysis.project import ProjectContext
from ..core.model import Applicability, Finding, LintResult
from ..core.options import Options
from ..lint.engine import ModuleFindings, analyse_module, run_deep
from ..lint.suppressions import has_skip_file
from ..rules._imports import import_line, placement
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
    # The file's bytes before it was rewritten (None when nothing was written).
    written_over: bytes | None = None

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
    if has_skip_file(source):
        return FixOutcome(display, source, source)
    fixing = _Fixing(display, options, unsafe, project)
    text = source
    found = fixing.analyse(text)
    for _ in range(MAX_PASSES):
        if found is None:
            break
        chosen = _non_overlapping(
            [pair for pair in found.pairs if allowed(pair[1], unsafe) and not fixing.banned(pair)]
        )
        if not chosen:
            break
        step = fixing.step(text, found, chosen)
        if step is None:
            continue  # a culprit was banned: choose again
        text, found = step
    return FixOutcome(display, source, text, fixing.applied, tuple(fixing.dropped))


FindingKey = tuple[str, str]


# ``(svc/keys.py:6)`` in a message: where a credential came from, which a fix moves.
_LOCATION = re.compile(r"(\.py):\d+")


def _key(finding: Finding) -> FindingKey:
    """What a finding says, wherever it stands and whatever lines it quotes (fixes move
    lines, also those another module's findings point at)."""
    return (finding.code, _LOCATION.sub(r"\1", finding.message))


def _active(found: ModuleFindings) -> Counter[FindingKey]:
    return Counter(_key(f) for f in found.findings if not f.suppressed)


@dataclass
class _Fixing:
    """One file's fixing: each pass applies the fixes that do not overlap; a fix whose
    result has a finding the file did not have (a fix that *creates* a problem) is
    dropped with a message, and the others are applied without it."""

    display: str
    options: Options
    unsafe: bool
    project: ProjectContext | None
    applied: int = 0
    dropped: list[str] = field(default_factory=list)
    _banned: set[FindingKey] = field(default_factory=set)

    def analyse(self, text: str) -> ModuleFindings | None:
        try:
            module = cst.parse_module(text)
        except (cst.ParserSyntaxError, RecursionError, ValueError):
            return None
        return analyse_module(module, text, self.display, self.options, self.project)

    def banned(self, pair: Candidate) -> bool:
        return _key(pair[1]) in self._banned

    def step(
        self, text: str, found: ModuleFindings, chosen: Sequence[Candidate]
    ) -> tuple[str, ModuleFindings | None] | None:
        """Apply ``chosen``: the new text and its findings, or None after banning a culprit."""
        module = found.module
        assert module is not None
        new_text, kept, lost = _apply_checked(module, chosen)
        self.dropped.extend(
            f"{self.display}:{f.line}:{f.column}: {f.code} fix dropped: it would break the file"
            for f in lost
        )
        for finding in lost:
            self._banned.add(_key(finding))
        if new_text == text or not kept:
            return None if lost else (text, None)
        after = self.analyse(new_text)
        if after is not None and self._creates(found, after, kept):
            for raw, finding in chosen:
                if finding in kept and self._creates_alone(text, found, (raw, finding)):
                    self._banned.add(_key(finding))
                    self.dropped.append(
                        f"{self.display}:{finding.line}:{finding.column}: {finding.code} fix "
                        "dropped: the fixed code would have a finding of its own"
                    )
            return None
        self.applied += len(kept)
        return new_text, after

    def _creates(
        self, before: ModuleFindings, after: ModuleFindings, fixed: Sequence[Finding]
    ) -> bool:
        expected = _active(before) - Counter(_key(f) for f in fixed)
        return bool(_active(after) - expected)

    def _creates_alone(self, text: str, found: ModuleFindings, pair: Candidate) -> bool:
        module = found.module
        assert module is not None
        alone, kept, _ = _apply_checked(module, [pair])
        after = self.analyse(alone) if kept else None
        return after is not None and self._creates(found, after, [pair[1]])


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
    appended = _plan_imports(module, sorted(imports), inserts)
    try:
        updated = module.visit(_Applier(replacements, inserts))
        if appended:
            updated = updated.with_changes(body=(*updated.body, *appended))
        code = updated.code
    except (cst.CSTValidationError, cst.ParserSyntaxError, TypeError, ValueError):
        return None
    return code if parses(code) else None


def _plan_imports(
    module: cst.Module, names: Sequence[str], inserts: dict[cst.CSTNode, list[cst.BaseStatement]]
) -> list[cst.BaseStatement]:
    """Schedule ``import name`` for each of ``names`` where isort would put it (see
    rules/_imports.py); returns the statements to append when that is the end."""
    appended: list[cst.BaseStatement] = []
    separated: set[cst.CSTNode] = set()
    for name in names:
        where = placement(module, name)
        statement = cst.parse_statement(import_line(name))
        if where.index >= len(module.body):
            appended.append(statement)
            continue
        anchor = module.body[where.index]
        inserts.setdefault(anchor, []).append(statement)
        if where.own_group:
            separated.add(anchor)
    for separated_anchor in separated:
        # A group of its own: a blank line between it and what follows.
        inserts[separated_anchor].append(_GROUP_END)
    return appended


# Marks the end of an inserted import group (rendered as a blank line before the anchor).
_GROUP_END = cst.SimpleStatementLine(body=[cst.Pass()])


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
    """Insert statements before ``stmt``, moving its leading comments above them (and a
    blank line after an inserted import group)."""
    group_end = _GROUP_END in added
    added = [statement for statement in added if statement is not _GROUP_END]
    leading = getattr(stmt, "leading_lines", ())
    first, *rest = added
    if hasattr(first, "leading_lines"):
        first = first.with_changes(leading_lines=leading)
        stmt = stmt.with_changes(leading_lines=(cst.EmptyLine(),) if group_end else ())
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
        return replace(outcome, written_over=decoded.encode(decoded.text))
    return outcome


def restore(file: SourceFile, outcome: FixOutcome) -> None:
    """Undo a written fix (its bytes back as they were)."""
    if outcome.written_over is not None:
        write_atomically(file.path, outcome.written_over)


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


def undo_creations(
    before: LintResult, after: LintResult, project: Project | None, done: FixRun, cwd: Path
) -> tuple[int, tuple[str, ...]]:
    """Undo the written fixes of files whose change created findings in other files
    (a helper rewritten so that its callers now leak): how many fixes were undone,
    and a message for each finding that would have been created."""
    written = {o.path: o for o in done.outcomes if o.written_over is not None}
    if not written or project is None:
        return 0, ()
    had = Counter((f.path, *_key(f)) for f in before.active_findings)
    now = Counter((f.path, *_key(f)) for f in after.active_findings if f.path not in written)
    culprits: set[str] = set()
    messages = []
    for path, code, _message in sorted(now - had):
        for fixed in sorted(written):
            if project.uses(path, fixed):
                culprits.add(fixed)
                messages.append(f"{fixed}: fixes undone: they would create {code} in {path}")
    for fixed in culprits:
        restore(SourceFile((cwd / fixed).absolute(), fixed), written[fixed])
    return sum(written[fixed].applied for fixed in culprits), tuple(messages)
