"""The rule registry: every rule class, ordered by code."""

from __future__ import annotations

from ..model import RuleMeta
from .access_denied_unlogged import AccessDeniedUnlogged
from .auth_failure_unlogged import AuthFailureUnlogged
from .auth_log_lacks_context import AuthLogLacksContext
from .base import Rule
from .broad_except_swallows import BroadExceptSwallows
from .debug_mode import DebugModeEnabled
from .error_handler_swallows import ErrorHandlerSwallows
from .exception_detail_to_client import ExceptionDetailToClient
from .hardcoded_credential import HardcodedCredential
from .key_compare import KeyCompareNotConstantTime
from .key_in_query_string import KeyInQueryString
from .parse_error import ParseError
from .request_dump_in_log import RequestDumpInLog
from .secret_in_log import SecretInLog
from .secret_in_response import SecretInResponse
from .traceback_dropped import TracebackDropped
from .unused_suppression import UnusedSuppression
from .url_in_log import UrlInLog

ALL_RULES: tuple[type[Rule], ...] = tuple(
    sorted(
        (
            ParseError,
            UnusedSuppression,
            SecretInLog,
            RequestDumpInLog,
            UrlInLog,
            KeyInQueryString,
            SecretInResponse,
            DebugModeEnabled,
            HardcodedCredential,
            ErrorHandlerSwallows,
            BroadExceptSwallows,
            TracebackDropped,
            ExceptionDetailToClient,
            AuthFailureUnlogged,
            AuthLogLacksContext,
            KeyCompareNotConstantTime,
            AccessDeniedUnlogged,
        ),
        key=lambda rule: rule.code,
    )
)
RULES_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in ALL_RULES}
ALL_CODES: tuple[str, ...] = tuple(RULES_BY_CODE)
PARSE_ERROR = ParseError.meta
UNUSED_SUPPRESSION = UnusedSuppression.meta


def all_meta() -> tuple[RuleMeta, ...]:
    return tuple(rule.meta for rule in ALL_RULES)


__all__ = [
    "ALL_CODES",
    "ALL_RULES",
    "PARSE_ERROR",
    "RULES_BY_CODE",
    "UNUSED_SUPPRESSION",
    "Rule",
    "all_meta",
]
