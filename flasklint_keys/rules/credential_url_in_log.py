"""FLK106 credential-url-in-log: a URL or DSN that may carry a password reaches a log sink."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst
from libcst.helpers import parse_template_expression

from ..analysis.names import tokens
from ..analysis.nodes import child_nodes
from ..analysis.sinks import Sink
from ..analysis.taint import Kind, Label, Origin, Taint
from ..core.model import Applicability, Severity
from ..core.signals import Signal
from ._common import snippet
from ._fixes import needed_imports, rewritable_in
from ._imports import reference
from .base import NodeFix, Replacement, Rule, RuleContext

# Calls whose first argument is a connection URL or DSN: a value used there is one,
# whatever it is called (``InfluxDBClient.from_dsn(self.configuration["url"])``).
DSN_CONSUMERS = frozenset(
    {
        "from_dsn",
        "from_url",
        "create_engine",
        "create_async_engine",
        "make_url",
        "MongoClient",
        "StrictRedis",
        "Redis",
        "Connection",
    }
)
# Names of database URLs, for which SQLAlchemy's redaction is the standard fix.
DATABASE_WORDS = frozenset(
    {"database", "db", "sqlalchemy", "postgres", "postgresql", "pg", "mysql", "mariadb"}
)
SQLALCHEMY_PACKAGES = ("sqlalchemy", "flask_sqlalchemy")
# Database clients that take a password; a module using SQLite and none of these holds
# SQLite paths in its ``db_url``s (SQLite has no passwords).
PASSWORD_DATABASES = (
    "sqlalchemy",
    "flask_sqlalchemy",
    "psycopg2",
    "psycopg",
    "pymysql",
    "MySQLdb",
    "mysql",
    "pymongo",
    "redis",
    "motor",
    "asyncpg",
    "aiomysql",
    "peewee",
    "mongoengine",
    "influxdb",
    "elasticsearch",
)


class CredentialUrlInLog(Rule):
    """
    ## What it does
    Flags a URL or DSN that may carry a password in its userinfo or query string
    reaching a log sink without the password removed: a value whose name or
    configuration key says it is a connection, broker, cache, proxy or
    notification URL (`DATABASE_URL`, `SQLALCHEMY_DATABASE_URI`, `*_DSN`,
    `REDIS_URL`, `CELERY_BROKER_URL`, `HTTPS_PROXY`, apprise `notification_urls`),
    a value passed to a connection constructor (`create_engine`, `from_dsn`,
    `from_url`), a URL built with a credential (`f"...?key={api_key}"`), or
    what is parsed from one of those. `SENTRY_DSN` (a public key) is exempt.
    The URL of an outgoing HTTP request (`response.request.url`) counts in a
    project that builds URLs with credentials in them.

    ## Why is this bad?
    Connection strings embed the database, broker or proxy password
    (`postgresql://app:s3cret@db/app`, `redis://:s3cret@cache:6379/0`), and
    notification URLs embed bot tokens; logging the URL logs the password
    with it (CWE-532). Log aggregators keep it long after the password is
    rotated — if it ever is.

    ## Example
    ```python
    log.info("connecting to %s", app.config["SQLALCHEMY_DATABASE_URI"])
    ```

    ## Use instead
    Log the URL with its password masked, or only its host:
    ```python
    from sqlalchemy.engine import make_url

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    log.info("connecting to %s", url.render_as_string(hide_password=True))
    log.info("proxy host %s", urlsplit(proxy_url).hostname)
    ```
    The automatic fix (unsafe) wraps a database URL in
    `sqlalchemy.engine.make_url(...).render_as_string(hide_password=True)` when
    the module uses SQLAlchemy; `make_url` raises on a string that is not a URL.

    ## References
    - [CWE-532: Insertion of Sensitive Information into Log File](https://cwe.mitre.org/data/definitions/532.html)
    - [SQLAlchemy: URL.render_as_string](https://docs.sqlalchemy.org/en/20/core/engines.html#sqlalchemy.engine.URL.render_as_string)
    - [OWASP Logging Cheat Sheet: data to exclude](https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html#data-to-exclude)
    """

    code = "FLK106"
    name = "credential-url-in-log"
    summary = "a URL or DSN that may carry a password reaches a log sink"
    severity = Severity.WARNING
    cwe = 532
    fix_suggestion = (
        "log the URL with its password removed, e.g. "
        "make_url(url).render_as_string(hide_password=True), or only urlsplit(url).hostname"
    )
    trigger = (
        Signal.CREDENTIAL_URL,
        Signal.CREDENTIAL_NAME,
        Signal.CREDENTIAL_LOOSE,
        Signal.REQUEST_LOGGED,
    )

    VALID = (
        """
import logging, os
from urllib.parse import urlsplit
from sqlalchemy.engine import make_url
log = logging.getLogger(__name__)
DATABASE_URL = os.environ["DATABASE_URL"]
log.info("database %s", make_url(DATABASE_URL).render_as_string(hide_password=True))
log.info("database host %s", urlsplit(DATABASE_URL).hostname)
log.info("errors go to %s", os.environ.get("SENTRY_DSN"))
log.info("docs at %s", "https://docs.example.org")
""",
    )
    INVALID = (
        """
import logging, os
log = logging.getLogger(__name__)
DATABASE_URL = os.environ["DATABASE_URL"]
log.info("database %s", DATABASE_URL)  # FLK106:25
def notify(job):
    for url in job["notification_urls"]:
        log.info("notifying %s", url.strip())  # FLK106:34
def search(api_key, q):
    search_url = f"https://api.example.org/search?key={api_key}&q={q}"
    log.debug("GET %s", search_url)  # FLK106:25
""",
    )

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self._dsn_uses: dict[cst.CSTNode, frozenset[str]] = {}
        self._consumers: bool | None = None

    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.context
        sink, culprits = ctx.log_leaks(node)
        if sink is None:
            return
        reported: set[cst.CSTNode] = set()
        for culprit in culprits:
            label = self._url_label(culprit.taint)
            if label is None:
                continue
            reported.add(culprit.node)
            self._report(culprit.node, describe_url(label), sink, label)
        for expr in self._used_as_dsn(sink):
            if expr not in reported:
                self._report(expr, "a DSN: it is passed to a connection constructor", sink, None)

    def _url_label(self, taint: Taint) -> Label | None:
        """The evidence a value is a credential-bearing URL: its own, or (for an outgoing
        request's URL) the project's habit of putting credentials in URLs."""
        urls = [lb for lb in taint.of(Kind.CONN_URL) if not self._sqlite_url(lb)]
        if urls:
            return sorted(urls, key=lambda lb: (lb.origin is Origin.NAME, lb.what))[0]
        outbound = taint.of(Kind.OUTBOUND_URL)
        if outbound and self.context.analysis.project_builds_credential_urls():
            return outbound[0]
        return None

    def _sqlite_url(self, label: Label) -> bool:
        """``self.db_url`` in a module that connects with ``sqlite3`` only: a file path."""
        imports = self.context.index.imports
        return (
            label.origin is Origin.NAME
            and bool(DATABASE_WORDS.intersection(tokens(label.what)))
            and imports.imports_any("sqlite3")
            and not imports.imports_any(*PASSWORD_DATABASES)
        )

    def _report(self, node: cst.BaseExpression, what: str, sink: Sink, label: Label | None) -> None:
        self.report(
            node,
            f"`{snippet(self.context, node)}` ({what}) may carry a password in its userinfo "
            f"or query and reaches {sink.description}",
            fix=self._fix(node, label) if rewritable_in(sink, node) else None,
        )

    def _used_as_dsn(self, sink: Sink) -> Iterator[cst.BaseExpression]:
        """Sink arguments written exactly as the DSN of a connection made in this function."""
        func = self.context.function
        if func is None or not self._mentions_consumer():
            return
        uses = self._dsn_uses.get(func)
        if uses is None:
            uses = self._dsn_uses[func] = frozenset(self._dsn_arguments(func))
        if not uses:
            return
        for arg in sink.args:
            for expr in _pieces(arg.value):
                if _code(self.context, expr) in uses:
                    yield expr

    def _mentions_consumer(self) -> bool:
        """Does the file call a connection constructor at all (read off its text, once)?"""
        if self._consumers is None:
            source = self.context.analysis.source
            self._consumers = any(f"{name}(" in source for name in DSN_CONSUMERS)
        return self._consumers

    def _dsn_arguments(self, func: cst.FunctionDef) -> Iterator[str]:
        stack: list[cst.CSTNode] = [func.body]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Call):
                callee = node.func
                name = callee.attr.value if isinstance(callee, cst.Attribute) else None
                if isinstance(callee, cst.Name):
                    name = callee.value
                if name in DSN_CONSUMERS and node.args and node.args[0].keyword is None:
                    value = node.args[0].value
                    if not isinstance(value, cst.SimpleString | cst.FormattedString):
                        yield _code(self.context, value)
            stack.extend(child_nodes(node))

    def _fix(self, node: cst.BaseExpression, label: Label | None) -> NodeFix | None:
        """``DATABASE_URL`` -> ``sqlalchemy.engine.make_url(DATABASE_URL).render_as_string(
        hide_password=True)``: only for database URLs in a module that uses SQLAlchemy."""
        ctx = self.context
        if label is None or not DATABASE_WORDS.intersection(tokens(label.what)):
            return None
        if not ctx.index.imports.imports_any(*SQLALCHEMY_PACKAGES):
            return None
        make_url = reference(ctx.module, ctx.index, "sqlalchemy.engine", "make_url")
        if make_url is None:
            return None
        value = node.with_changes(lpar=(), rpar=()) if getattr(node, "lpar", ()) else node
        new = parse_template_expression(
            make_url.code + "({url}).render_as_string(hide_password=True)", url=value
        )
        return NodeFix(
            "Log the URL with its password hidden (SQLAlchemy's make_url)",
            Applicability.UNSAFE,
            (Replacement(node, new),),
            needed_imports(make_url),
        )


def describe_url(label: Label) -> str:
    """``setting 'DATABASE_URL'``, ``URL named 'proxy_url'``, ``a URL built with ...``."""
    if label.kind is Kind.OUTBOUND_URL:
        return "the URL of an outgoing request; this project puts credentials in URLs"
    if label.origin is Origin.SERVER:
        return f"setting {label.what}"
    if label.origin is Origin.NAME:
        return f"URL named {label.what}"
    if label.origin is Origin.CODE:
        return f"{label.what}, with a password in it"
    return label.what


def _pieces(expr: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    """The expression and the values an f-string or ``%``/``+`` builds it from."""
    yield expr
    if isinstance(expr, cst.FormattedString):
        for part in expr.parts:
            if isinstance(part, cst.FormattedStringExpression):
                yield from _pieces(part.expression)
    elif isinstance(expr, cst.BinaryOperation):
        yield from _pieces(expr.left)
        yield from _pieces(expr.right)
    elif isinstance(expr, cst.Tuple):
        for el in expr.elements:
            yield from _pieces(el.value)


def _code(ctx: RuleContext, node: cst.CSTNode) -> str:
    return "".join(ctx.code(node).split())
