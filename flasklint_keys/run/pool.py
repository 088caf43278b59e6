"""Run a task over many items in worker processes, balanced for skewed sizes."""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

T = TypeVar("T")
R = TypeVar("R")

# Starting worker processes costs more than it saves on less work than this: this
# many items, or -- when workers are forked with the linter already imported, in
# ~0.03 s (a spawned worker imports it again: ~0.3 s) -- this many bytes of
# source (~400 lines, ~0.08 s of LibCST work).
PARALLEL_THRESHOLD = 16
PARALLEL_MIN_BYTES_FORKED = 16 * 1024
# Syntax trees are millions of small acyclic objects: collecting after every 700
# allocations costs ~7% of a run. Objects alive at start-up are frozen out of it.
GC_THRESHOLD = (100_000, 50, 50)


def tune_gc() -> None:
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


def worthwhile(count: int, total_weight: int, jobs: int, forked: bool) -> bool:
    """Whether ``count`` items weighing ``total_weight`` bytes deserve a process pool."""
    if jobs <= 1 or count < 2:
        return False
    return count >= PARALLEL_THRESHOLD or (forked and total_weight >= PARALLEL_MIN_BYTES_FORKED)


def forks() -> bool:
    """Whether worker processes start as forks of this one (inheriting its imports)."""
    import multiprocessing

    return multiprocessing.get_start_method(allow_none=False) == "fork"


def _start_worker(initializer: Callable[..., None], *initargs: Any) -> None:
    tune_gc()
    initializer(*initargs)


def parallel_map(
    task: Callable[[T], R],
    items: Sequence[T],
    jobs: int,
    initializer: Callable[..., None],
    initargs: tuple[Any, ...],
    weight: Callable[[T], int],
    done: Callable[[], None] | None = None,
) -> list[R]:
    """``[task(item) for item in items]``, heaviest items first so no core idles at the end.

    ``task`` and ``initializer`` must be module-level functions (they are pickled);
    the initializer runs once per worker (and once here when running serially).
    """
    weights = [weight(item) for item in items]
    order = sorted(range(len(items)), key=lambda i: -weights[i])
    results: list[R | None] = [None] * len(items)
    if not worthwhile(len(items), sum(weights), jobs, jobs > 1 and forks()):
        tune_gc()
        initializer(*initargs)
        for i in order:
            results[i] = task(items[i])
            if done is not None:
                done()
        return cast(list[R], results)
    from concurrent.futures import ProcessPoolExecutor  # a warm run never needs it

    chunksize = max(1, min(16, len(items) // (jobs * 16)))
    with ProcessPoolExecutor(
        max_workers=jobs, initializer=_start_worker, initargs=(initializer, *initargs)
    ) as pool:
        outcomes = pool.map(task, [items[i] for i in order], chunksize=chunksize)
        for i, outcome in zip(order, outcomes, strict=True):
            results[i] = outcome
            if done is not None:
                done()
    return cast(list[R], results)
