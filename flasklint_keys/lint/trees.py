"""Syntax trees kept for a moment, so that a file linted twice in a row is parsed once.

An incremental run lints the few files that changed twice in one process --
phase one with imports opaque, then phase two with everyone's summaries -- and
the language server does the same with each edited buffer. Parsing is the
larger part of linting a file, and LibCST trees are immutable, so the second
pass takes the first one's tree. Nothing is kept unless a caller asks
(``run/seam.py: trees_kept``): a worker going through thousands of files must
not hold trees it will never see again.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst
    from libcst.metadata import CodeRange

_trees: OrderedDict[tuple[str, str], cst.Module] = OrderedDict()  # (display, text) -> tree
_limit = 0
# A kept tree's node positions placed so far (``lint/positions.py``), by the tree's id:
# the second pass's findings are mostly the first one's.
_positions: dict[int, dict[cst.CSTNode, CodeRange]] = {}


def keep(limit: int) -> int:
    """Keep the trees of the last ``limit`` files parsed (0: none, and forget those kept);
    the limit before."""
    global _limit
    before, _limit = _limit, max(0, limit)
    while len(_trees) > _limit:
        _forget()
    return before


def kept_limit() -> int:
    return _limit


def take(display: str, text: str) -> cst.Module | None:
    return _trees.get((display, text))


def put(display: str, text: str, tree: cst.Module) -> None:
    if not _limit:
        return
    _trees[(display, text)] = tree
    _trees.move_to_end((display, text))
    _positions[id(tree)] = {}
    while len(_trees) > _limit:
        _forget()


def positions_of(tree: cst.Module) -> dict[cst.CSTNode, CodeRange] | None:
    """The positions placed so far in ``tree``, if it is kept (None: it is not)."""
    return _positions.get(id(tree)) if any(t is tree for t in _trees.values()) else None


def _forget() -> None:
    _, tree = _trees.popitem(last=False)
    _positions.pop(id(tree), None)
