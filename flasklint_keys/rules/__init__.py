"""The rule registry: every rule class, ordered by code."""

from __future__ import annotations

from ..model import RuleMeta
from .base import Rule
from .debug_mode import DebugModeEnabled
from .hardcoded_credential import HardcodedCredential
from .key_in_query_string import KeyInQueryString
from .parse_error import ParseError
from .request_dump_in_log import RequestDumpInLog
from .secret_in_log import SecretInLog
from .secret_in_response import SecretInResponse
from .url_in_log import UrlInLog

ALL_RULES: tuple[type[Rule], ...] = tuple(
    sorted(
        (
            ParseError,
            SecretInLog,
            RequestDumpInLog,
            UrlInLog,
            KeyInQueryString,
            SecretInResponse,
            DebugModeEnabled,
            HardcodedCredential,
        ),
        key=lambda rule: rule.code,
    )
)
RULES_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in ALL_RULES}
ALL_CODES: tuple[str, ...] = tuple(RULES_BY_CODE)
PARSE_ERROR = ParseError.meta


def all_meta() -> tuple[RuleMeta, ...]:
    return tuple(rule.meta for rule in ALL_RULES)


__all__ = ["ALL_CODES", "ALL_RULES", "PARSE_ERROR", "RULES_BY_CODE", "Rule", "all_meta"]
