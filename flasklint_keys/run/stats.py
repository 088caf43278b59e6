"""What a run did, counted (the benchmark and the cache tests read it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RunStats:
    files: int = 0
    read: int = 0  # reads of a file for linting, any phase (an unchanged stamp spares them)
    cached: int = 0
    skipped_by_prepass: int = 0
    parsed: int = 0  # LibCST parses, all phases
    relinted: int = 0  # phase two
    context: int = 0  # files of named files' projects, linted for their summaries
    # Unchanged files whose result the remembered run gave (everyone's summaries as then).
    remembered: int = 0
