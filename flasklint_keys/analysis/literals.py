"""Is a string literal a secret? One judgement for FLK402 and for the credential flow.

FLK402 flags a literal assigned to a credential name unless it is a placeholder,
a sentinel, a path, a label or the name of an environment variable; the flow
analysis asks the same question of names bound to literals (``ConfigKey.SECRET_KEY
= "SECRET_KEY"`` is a label, ``WEBHOOK_SECRET = "whsec_..."`` a hard-coded secret).
"""

from __future__ import annotations

import re

from .names import CredentialNames, Strength, normalise, tokens

_BRACKETED = re.compile(r"^\s*(<[^>]*>|\[[^\]]*\]|\{[^}]*\}|\([^)]*\))\s*$")
_TEMPLATED = re.compile(
    r"\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*|%\([^)]*\)[sdr]|\{\{[^}]*\}\}|\{[a-z_][a-z0-9_]*\}"
)
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_SEPARATORS = re.compile(r"[\s\-_.:]")
_WORD = re.compile(r"[A-Za-z]+")
_SNAKE_IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
_PATH = re.compile(r"^(?:/|~/|\./|\.\./|[A-Za-z]:\\)|\.(?:pem|key|crt|cer|der|p12|pfx|jks|json)$")
# Words that stand for "no value here": dummy header values, unset sentinels.
PLACEHOLDER_WORDS = frozenset(
    {
        "placeholder",
        "dummy",
        "unset",
        "unknown",
        "none",
        "null",
        "undefined",
        "example",
        "sample",
        "test",
        "todo",
        "tbd",
        "notset",
        "not_set",
    }
)
# Booleans spelled as strings (``os.environ.get("ALLOW_CREDENTIALS", "false")``).
BOOLEAN_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "enabled", "disabled"})
# A base64 literal of an empty JSON value (``"e30="`` is ``{}``): a dummy token.
EMPTY_BASE64 = frozenset({"e30=", "e30", "W10=", "W10", "IiI=", "bnVsbA=="})
# Credential words a label may mention (``api_key_required``, ``client_secret_basic``).
_CREDENTIAL_WORDS = frozenset(
    {"key", "apikey", "token", "secret", "password", "passwd", "pwd", "auth", "credential"}
)


def is_placeholder(value: str, target: str) -> bool:
    """Empty, one repeated character, ``<your-key>``, ``${API_KEY}``, ``"placeholder"``,
    the target's own name (``SECRET_KEY = "SECRET_KEY"``), or prose about it."""
    stripped = value.strip()
    if not stripped:
        return True
    if len(set(_SEPARATORS.sub("", stripped))) <= 1:
        return True
    if _BRACKETED.match(stripped) or _TEMPLATED.search(stripped):
        return True
    lowered = stripped.lower()
    if lowered in PLACEHOLDER_WORDS or lowered in BOOLEAN_WORDS or stripped in EMPTY_BASE64:
        return True
    # The name itself (``"SECRET_KEY"``, ``"api-key"``), not the name in other words:
    # ``"secret key"`` for SECRET_KEY is a value someone typed, and it is flagged.
    if not any(ch.isspace() for ch in stripped) and _fused(stripped) == _fused(target):
        return True
    if (
        _ENV_NAME.match(stripped)
        and len(_fused(target)) >= 4
        and _fused(target) in _fused(stripped)
    ):
        return True  # ``"USE_LASTFM_API_KEY"``, ``"YOUR_API_KEY"``: the name, as an instruction
    return _is_message_about(stripped, target)


def _fused(name: str) -> str:
    return "".join(tokens(name))


def _is_message_about(value: str, target: str) -> bool:
    """``"Password is required"`` for ``password``: prose that names the credential."""
    words = [w.lower() for w in _WORD.findall(value)]
    if value.count(" ") < 2 or len(words) < 3:
        return False
    name_words = {t for t in normalise(target).split("_") if len(t) > 2}
    fused = "".join(words)
    return any(w in name_words for w in words) or any(t in fused for t in name_words if len(t) > 4)


def is_path(value: str) -> bool:
    """``/etc/ssl/private/shop.key``, ``privkey.pem``: where a key is, not the key."""
    stripped = value.strip()
    return " " not in stripped and bool(_PATH.search(stripped))


def is_label(value: str, names: CredentialNames) -> bool:
    """``"api_key_required"``, ``"client_secret_basic"``: an identifier that mentions a
    credential without being one — a policy, mode or action name."""
    if not _SNAKE_IDENTIFIER.match(value):
        return False
    toks = tokens(value)
    mentions = any(tok in _CREDENTIAL_WORDS for tok in toks) or any(
        "".join(toks[i : i + 2]) in _CREDENTIAL_WORDS for i in range(len(toks) - 1)
    )
    return mentions and not names.is_credential(value)


def is_env_name(value: str, names: CredentialNames) -> bool:
    """``"GITHUB_TOKEN"``: the name of an environment variable, not its value."""
    return bool(_ENV_NAME.match(value)) and names.is_credential(value, Strength.SETTING)


def not_a_secret(value: str, target: str, names: CredentialNames) -> bool:
    """Every exemption that depends only on the literal and the name it is bound to."""
    return (
        is_placeholder(value, target)
        or is_path(value)
        or is_label(value, names)
        or is_env_name(value, names)
    )


def literal_is_secret(
    names: CredentialNames, target: str, value: str, strength: Strength = Strength.STRICT
) -> bool:
    """Would FLK402 flag ``target = "value"`` (ignoring where it stands)?"""
    return names.is_credential(target, strength) and not not_a_secret(value, target, names)


_URL_PASSWORD = re.compile(r"://[^/@:\s]+:([^/@\s]+)@")
_URL_NAME_ENDS = ("url", "uri", "urls", "uris", "dsn", "string")


def url_with_password(name: str, value: str) -> bool:
    """``MIRROR_URL = "https://user:s3cr3t@host/"``: a URL literal, bound to a name that says
    it is a URL, with a password in its userinfo that is not a placeholder (``:password@``)."""
    match = _URL_PASSWORD.search(value)
    if match is None or not tokens(name) or tokens(name)[-1] not in _URL_NAME_ENDS:
        return False
    password = match.group(1)
    return not is_placeholder(password, "password") and password.lower() not in (
        "pass",
        "secret",
        "pw",
        "pwd",
        "changeme",
    )
