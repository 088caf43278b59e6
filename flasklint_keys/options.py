"""What decides one file's result besides its text: the configuration and enabled rules."""

from __future__ import annotations

from dataclasses import dataclass, field

from ._rule_index import CODES
from .config import Config, enabled_codes

# FLK001 unused-suppression (rules/unused_suppression.py): on only with the flag.
UNUSED_SUPPRESSION = "FLK001"


@dataclass(frozen=True)
class Options:
    config: Config = field(default_factory=Config)
    enabled: frozenset[str] = frozenset(CODES)
    report_unused_suppressions: bool = False
    # The ast pre-pass only saves time; turning it off must not change any finding.
    prepass: bool = True

    @classmethod
    def from_config(cls, config: Config, *, report_unused_suppressions: bool = False) -> Options:
        enabled = enabled_codes(config, CODES)
        if not report_unused_suppressions:
            # FLK001 only judges suppressions when asked to: off, it is not enabled at
            # all (not in SARIF's rules, not in the cache key).
            enabled -= {UNUSED_SUPPRESSION}
        return cls(config, enabled, report_unused_suppressions=report_unused_suppressions)
