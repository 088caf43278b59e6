"""What decides one file's result besides its text: the configuration and enabled rules."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import catalog
from .config import Config, enabled_codes


def _all_codes() -> frozenset[str]:
    return frozenset(catalog.codes())


@dataclass(frozen=True)
class Options:
    config: Config = field(default_factory=Config)
    enabled: frozenset[str] = field(default_factory=_all_codes)
    report_unused_suppressions: bool = False
    # The ast pre-pass only saves time; turning it off must not change any finding.
    prepass: bool = True

    @classmethod
    def from_config(cls, config: Config, *, report_unused_suppressions: bool = False) -> Options:
        enabled = enabled_codes(config, catalog.codes())
        if not report_unused_suppressions:
            # FLK001 only judges suppressions when asked to: off, it is not enabled at
            # all (not in SARIF's rules, not in the cache key).
            enabled -= {catalog.UNUSED_SUPPRESSION}
        return cls(config, enabled, report_unused_suppressions=report_unused_suppressions)
