"""The configured parts of the analysis (no LibCST needed to build them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from ..core.config import Config
from .names import CredentialNames


@dataclass(frozen=True)
class AnalysisSettings:
    names: CredentialNames = field(default_factory=CredentialNames)
    sanitizers: frozenset[str] = frozenset()
    logger_names: frozenset[str] = frozenset()
    report_functions: frozenset[str] = frozenset()
    auth_decorators: frozenset[str] = frozenset()

    @classmethod
    def from_config(cls, config: Config) -> AnalysisSettings:
        """Built once per configuration (every file of a run asks)."""
        return _settings(config)

    @classmethod
    def build(cls, config: Config) -> AnalysisSettings:
        return cls(
            names=CredentialNames.build(
                config.credential_names, config.not_credential_names, config.credential_headers
            ),
            sanitizers=frozenset(config.sanitizers),
            logger_names=frozenset(config.logger_names),
            report_functions=frozenset(config.report_functions),
            auth_decorators=frozenset(config.auth_decorators),
        )


@lru_cache(maxsize=8)
def _settings(config: Config) -> AnalysisSettings:
    return AnalysisSettings.build(config)
