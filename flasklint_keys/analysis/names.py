"""Which identifiers hold a credential, judged by name alone.

Names are normalised to lower-case tokens (``apiKey``, ``API_KEY`` and ``api-key``
are all ``["api", "key"]``). A name is a credential when it *ends* with a
credential term — ``db_password``, ``stripe_secret_key``, ``x_api_key`` — so
names that merely mention one (``password_reset_url``, ``api_key_header``,
``token_count``) are not. Prefixes that declare a boolean, a count or a
transformation (``is_``, ``max_``, ``hashed_``, ``masked_``…) disqualify a name
outright. Three strengths exist because context changes what a name means:

* ``strict``: variables and attributes (``key``/``token`` are ambiguous and
  count only through flow);
* ``key``: keywords, dict keys and subscript keys — as strict, but a bare
  ``secret`` is ambiguous there too;
* ``request``: names of request parameters and JSON fields, where the short
  conventional names (``?key=``, ``token``, ``auth``) do mean a credential;
* ``header``: header names (``Authorization``, ``X-Token``, ``Cookie``);
* ``setting``: environment and config keys (``GITHUB_TOKEN``, ``STRIPE_KEY``).
"""

from __future__ import annotations

import enum
import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

_CAMEL_1 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_CAMEL_2 = re.compile(r"([a-z0-9])([A-Z])")
_SPLIT = re.compile(r"[^A-Za-z0-9]+")


@lru_cache(maxsize=4096)
def tokens(name: str) -> tuple[str, ...]:
    """``'xApiKey'`` -> ``('x', 'api', 'key')``; ``'HTTP_X_API_KEY'`` -> ``('http','x','api','key')``."""
    spaced = _CAMEL_2.sub(r"\1_\2", _CAMEL_1.sub(r"\1_\2", name))
    return tuple(part.lower() for part in _SPLIT.split(spaced) if part)


def normalise(name: str) -> str:
    return "_".join(tokens(name))


# Credential terms, fused (so ``apikey`` and ``api_key`` both match).
STRICT_TERMS = frozenset(
    {
        "apikey",
        "secretkey",
        "privatekey",
        "signingkey",
        "encryptionkey",
        "accesskey",
        "secretaccesskey",
        "authkey",
        "appkey",
        "clientkey",
        "masterkey",
        "licensekey",
        "accesstoken",
        "authtoken",
        "bearertoken",
        "refreshtoken",
        "idtoken",
        "apitoken",
        "sessiontoken",
        "securitytoken",
        "oauthtoken",
        "jwttoken",
        "secret",
        "clientsecret",
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "passcode",
        "credential",
        "credentials",
        "creds",
        "authorization",
        "bearer",
    }
)

# Short names that mean a credential in request data, headers and settings only.
AMBIGUOUS_TERMS = frozenset({"key", "token", "auth", "pin", "otp", "secret", "pass"})

# Trailing tokens that keep the meaning of what precedes them (``api_key_value``).
NEUTRAL_SUFFIXES = frozenset(
    {"value", "val", "str", "string", "raw", "plain", "plaintext", "bytes", "text", "b64"}
)

# Leading tokens that make a name describe something else (a flag, a count, a hash).
EXCLUDED_PREFIXES = frozenset(
    {
        "is",
        "has",
        "num",
        "n",
        "max",
        "min",
        "total",
        "hashed",
        "masked",
        "redacted",
        "encrypted",
        "salted",
        "use",
        "require",
        "requires",
        "should",
        "allow",
        "enable",
        "no",
        "missing",
        # Names of an error about a credential: ``INVALID_API_KEY``, ``wrong_password``.
        "invalid",
        "wrong",
        "bad",
        "expired",
        "incorrect",
        # Names of what is to be removed: ``censor_keys`` lists key *names*.
        "censor",
        "censored",
        "redact",
        "hide",
        "hidden",
        "sensitive",
        "scrub",
    }
)
# Anti-forgery tokens (``X-CSRF-Token``, ``csrf_token``): bound to a session, they
# authenticate no one.
ANTI_FORGERY = frozenset({"csrf", "xsrf"})
# Keys meant to be shipped to browsers (``DISQUS_PUBLIC_KEY``, ``STRIPE_PUBLISHABLE_KEY``).
PUBLIC_WORDS = frozenset({"public", "publishable"})

# ``path_to_private_key``, ``file_of_secret``: a name that says it holds where a key is.
LOCATION_PREFIXES = frozenset({"path", "file", "filename", "dir", "directory"})
LOCATION_LINKS = frozenset({"to", "of", "for"})

# ``LDAP_EMAIL_KEY``, ``DISPLAY_NAME_KEY``: the key of a mapping field, not a secret.
FIELD_NOUNS = frozenset(
    {
        "name",
        "email",
        "mail",
        "user",
        "username",
        "attr",
        "attribute",
        "field",
        "column",
        "display",
        "group",
        "dn",
        "uid",
        "sort",
        "lookup",
    }
)

# Whole names that look like credentials but are not.
EXCLUDED_NAMES = frozenset(
    {
        "cache_key",
        "sort_key",
        "primary_key",
        "foreign_key",
        "public_key",
        "next_token",
        "page_token",
        "next_page_token",
        "continuation_token",
        "pagination_token",
        "sync_token",
        "cursor",
        "idempotency_key",
        "partition_key",
        "lookup_key",
        "dict_key",
        "map_key",
        "row_key",
        "group_key",
        "hotkey",
        "shortcut_key",
        "key_func",
        "token_type",
    }
)

# Trailing tokens that describe a credential rather than hold it.  Names ending
# in these never reach the term check, but listing them documents the contract
# and guards compounds such as ``password_hash`` against future term additions.
DESCRIPTIVE_SUFFIXES = frozenset(
    {
        "id",
        "ids",
        "count",
        "len",
        "length",
        "type",
        "kind",
        "name",
        "names",
        "url",
        "uri",
        "endpoint",
        "file",
        "path",
        "header",
        "headers",
        "origin",
        "source",
        "expires",
        "expiry",
        "expiration",
        "hash",
        "digest",
        "fingerprint",
        "schema",
        "field",
        "param",
        "policy",
        "required",
        "enabled",
        "allowed",
        "mode",
        "prefix",
        "suffix",
        "last4",
        "label",
        "format",
        "pattern",
        "regex",
        "location",
        "lifetime",
        "ttl",
        "age",
        "version",
    }
)

# Transformations a name can declare: trusted as sanitised even when flow says otherwise.
SANITISED_PREFIXES = frozenset({"hashed", "masked", "redacted", "encrypted", "salted"})
SANITISED_SUFFIXES = frozenset({"hash", "digest", "fingerprint"})


class Strength(enum.Enum):
    STRICT = "strict"
    KEY = "key"
    REQUEST = "request"
    HEADER = "header"
    SETTING = "setting"


@dataclass(frozen=True)
class CredentialNames:
    """The configured heuristic; ``extra`` and ``excluded`` come from the config file."""

    extra: frozenset[str] = frozenset()
    excluded: tuple[str, ...] = ()
    extra_headers: frozenset[str] = frozenset()

    @classmethod
    def build(
        cls,
        extra: Iterable[str] = (),
        excluded: Iterable[str] = (),
        headers: Iterable[str] = (),
    ) -> CredentialNames:
        return cls(
            frozenset("".join(tokens(n)) for n in extra),
            tuple(normalise(n) if not _is_glob(n) else n.lower() for n in excluded),
            frozenset(normalise(h) for h in headers),
        )

    def is_credential(self, name: str, strength: Strength = Strength.STRICT) -> bool:
        return _judge(self, name, strength)

    def is_sanitised_name(self, name: str) -> bool:
        """Names that declare a transformation (``key_hash``, ``masked_token``)."""
        toks = tokens(name)
        return bool(toks) and (toks[0] in SANITISED_PREFIXES or toks[-1] in SANITISED_SUFFIXES)

    def is_excluded(self, name: str) -> bool:
        norm = normalise(name)
        return any(
            fnmatch.fnmatchcase(norm, pat) if _is_glob(pat) else norm == pat
            for pat in self.excluded
        )


def _is_glob(pattern: str) -> bool:
    return any(ch in pattern for ch in "*?[")


@lru_cache(maxsize=8192)
def _judge(names: CredentialNames, name: str, strength: Strength) -> bool:
    toks = tokens(name)
    if not toks or names.is_excluded(name):
        return False
    if strength is Strength.HEADER and normalise(name) in names.extra_headers:
        return True
    if strength is Strength.SETTING and toks[0] == "http":
        # WSGI environ keys: HTTP_AUTHORIZATION is the Authorization header.
        toks = toks[1:]
        strength = Strength.HEADER
        if not toks:
            return False
    if toks[0] in EXCLUDED_PREFIXES and len(toks) > 1:
        return False
    if ANTI_FORGERY.intersection(toks):
        return False
    if toks[-1] in ("key", "keys") and PUBLIC_WORDS.intersection(toks):
        return False  # ``DISQUS_PUBLIC_KEY``: a key meant to be public
    if len(toks) > 2 and toks[0] in LOCATION_PREFIXES and toks[1] in LOCATION_LINKS:
        return False
    while len(toks) > 1 and toks[-1] in NEUTRAL_SUFFIXES:
        toks = toks[:-1]
    if "_".join(toks) in EXCLUDED_NAMES or toks[-1] in DESCRIPTIVE_SUFFIXES:
        return False
    if strength is Strength.KEY and toks == ("secret",):
        return False
    if _ends_with_term(toks, STRICT_TERMS | names.extra):
        return True
    if strength in (Strength.STRICT, Strength.KEY):
        return False
    return _ambiguous_match(toks, strength)


def _ends_with_term(toks: tuple[str, ...], terms: frozenset[str]) -> bool:
    for width in (1, 2, 3):
        if width > len(toks):
            break
        tail = toks[-width:]
        fused = "".join(tail)
        if fused in terms or (fused.endswith("s") and fused[:-1] in terms):
            return True
    return False


def _ambiguous_match(toks: tuple[str, ...], strength: Strength) -> bool:
    last = toks[-1][:-1] if toks[-1].endswith("s") and toks[-1] != "pass" else toks[-1]
    if strength is Strength.REQUEST:
        # ``?key=``, ``token``, ``auth``: only the bare conventional names, not ``s3_key``.
        return len(toks) == 1 and last in AMBIGUOUS_TERMS
    if strength is Strength.HEADER:
        if toks[-1] in {"cookie", "cookies"}:
            return True
        rest = toks[1:] if toks[0] == "x" else toks
        return len(rest) <= 2 and last in AMBIGUOUS_TERMS
    # Settings: GITHUB_TOKEN, STRIPE_KEY, WEBHOOK_SECRET, MAIL_PASS.
    if last == "key" and len(toks) > 1 and toks[-2].removesuffix("s") in FIELD_NOUNS:
        return False  # LDAP_EMAIL_KEY names the attribute holding the e-mail address
    return last in AMBIGUOUS_TERMS


# -- URLs and DSNs that may carry a password (FLK106) --------------------------------------

URL_WORDS = frozenset({"url", "uri", "urls", "uris", "string", "strings"})
# What a URL connects to, when the name says so: ``DATABASE_URL``, ``proxy_url``.
CONNECTION_WORDS = frozenset(
    {
        "database",
        "db",
        "sqlalchemy",
        "redis",
        "cache",
        "broker",
        "celery",
        "amqp",
        "rabbitmq",
        "mq",
        "mongo",
        "mongodb",
        "postgres",
        "postgresql",
        "pg",
        "mysql",
        "mariadb",
        "influx",
        "influxdb",
        "elasticsearch",
        "smtp",
        "ldap",
        "proxy",
        "socks",
        "notification",
        "notifications",
        "notify",
        "apprise",
        "connection",
        "conn",
        "dsn",
    }
)
PROXY_WORDS = frozenset({"proxy", "proxies"})
# ``HTTPS_PROXY``, ``socks_proxy``: a proxy URL; ``trusted_proxies`` are addresses.
PROXY_SCHEMES = frozenset(
    {"http", "https", "socks", "socks4", "socks5", "ftp", "all", "upstream", "outgoing", "forward"}
)
CONNECTION_URL_NAMES = frozenset(
    {"sqlalchemy_binds", "celery_result_backend", "result_backend", "broker_transport_options"}
)
# Sentry's DSN holds a public key, meant to be shipped to browsers.
PUBLIC_URL_WORDS = frozenset({"sentry", "public"})


@lru_cache(maxsize=8192)
def is_credential_url(name: str) -> bool:
    """A name that says it holds a connection/broker/cache/proxy/notification URL or a DSN:
    ``DATABASE_URL``, ``SQLALCHEMY_DATABASE_URI``, ``*_DSN``, ``HTTPS_PROXY``,
    ``notification_urls`` — whose userinfo or query may hold a password."""
    toks = tokens(name)
    if not toks or PUBLIC_URL_WORDS.intersection(toks):
        return False
    if toks[0] in EXCLUDED_PREFIXES and len(toks) > 1:
        return False  # ``use_proxy``, ``has_database_url``
    while len(toks) > 1 and toks[-1] in NEUTRAL_SUFFIXES - {"string"}:
        toks = toks[:-1]
    if "_".join(toks) in CONNECTION_URL_NAMES:
        return True
    last = toks[-1]
    if last == "dsn":
        return True
    if last in PROXY_WORDS:
        return len(toks) == 1 or toks[-2] in PROXY_SCHEMES
    if last in URL_WORDS and len(toks) > 1:
        return any(tok in CONNECTION_WORDS for tok in toks[:-1])
    return False
