"""FLK000: a file that cannot be parsed (reported by the engine, not a visitor)."""

from __future__ import annotations

from ..core.model import Severity
from .base import Rule


class ParseError(Rule):
    """
    ## What it does
    Reports a Python file that cannot be parsed, with the parser's line and message.

    ## Why is this bad?
    A file that does not parse cannot be analysed: any credential leak in it goes
    unnoticed. It is usually a syntax error, Python 2 code, or syntax newer than
    the parser understands.

    ## Example
    ```python
    def verify(key:
        return key in KEYS
    ```

    ## Use instead
    ```python
    def verify(key):
        return key in KEYS
    ```

    ## References
    - [Python language reference](https://docs.python.org/3/reference/grammar.html)
    """

    code = "FLK000"
    name = "parse-error"
    summary = "the file cannot be parsed"
    severity = Severity.ERROR
    cwe = None
    fix_suggestion = "fix the syntax error, or exclude the file if it is not Python 3"
    trigger = ()
