"""What decides one file's result besides its text: the configuration and enabled rules."""

from __future__ import annotations

from dataclasses import dataclass, field

from ._rule_index import CODES
from .config import Config, enabled_codes


@dataclass(frozen=True)
class Options:
    config: Config = field(default_factory=Config)
    enabled: frozenset[str] = frozenset(CODES)
    report_unused_suppressions: bool = False
    # The ast pre-pass only saves time; turning it off must not change any finding.
    prepass: bool = True

    @classmethod
    def from_config(cls, config: Config, **kwargs: bool) -> Options:
        return cls(config, enabled_codes(config, CODES), **kwargs)
