"""FLK001: a suppression comment that silences nothing (reported by the engine, not a visitor)."""

from __future__ import annotations

from ..core.model import Severity
from ..core.signals import Signal
from .base import Rule


class UnusedSuppression(Rule):
    """
    ## What it does
    With `--report-unused-suppressions`, reports a `# noqa: FLK…` or
    `# flasklint-keys: ignore[…]` comment that names a code no finding of its
    statement has: the leak it once silenced was fixed or moved. Only codes of
    enabled rules are judged (another linter's `E501` is left alone), and a bare
    `# noqa`, which other linters read too, is never reported.

    ## Why is this bad?
    A stale suppression is a hole waiting for a leak: the next credential logged
    on that line is silenced without anyone having looked at it. Removing
    suppressions that silence nothing keeps every remaining one deliberate.

    ## Example
    ```python
    log.info("key fingerprint %s", fingerprint(key))  # noqa: FLK101
    ```

    ## Use instead
    ```python
    log.info("key fingerprint %s", fingerprint(key))
    ```

    ## References
    - [ruff: unused-noqa (RUF100)](https://docs.astral.sh/ruff/rules/unused-noqa/)
    """

    code = "FLK001"
    name = "unused-suppression"
    summary = "a suppression comment silences no finding"
    severity = Severity.WARNING
    cwe = None
    fix_suggestion = "remove the unused code from the comment, or the whole comment"
    trigger = (Signal.SUPPRESSION_COMMENT,)

    # Judged with every other rule enabled: a suppression is unused only if the
    # code it names found nothing on its statement.
    VALID = (
        """
        import logging
        log = logging.getLogger(__name__)

        def verify(api_key):
            log.info("checking %s", api_key)  # noqa: FLK101
            # flasklint-keys: ignore[FLK101]
            log.debug("raw %s", api_key)
            total = 1  # noqa: E501 (another linter's code)
            width = 2  # noqa
        """,
    )
    INVALID = (
        """
        import logging
        log = logging.getLogger(__name__)

        def rotate(key_id, api_key):
            log.info("rotated %s", key_id)  # noqa: FLK101  # FLK001:37
            log.info("got %s", api_key)  # flasklint-keys: ignore[FLK101, FLK203]  # FLK001:34
            return key_id  # flasklint-keys: ignore  # FLK001:20
        """,
    )
