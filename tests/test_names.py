"""The credential-name heuristic against the contract's "What counts as a credential".

Names alone decide only for unambiguous credential names; ambiguous ones (``key``,
``token``...) count through flow, and names that describe a credential rather than
hold it never count by name. Request parameters, headers and settings are judged
with their own strengths (``?key=`` is the conventional API-key parameter).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import codes_at, run, write

from flasklint_keys.analysis.names import CredentialNames, Strength, normalise, tokens
from flasklint_keys.core.options import Options
from flasklint_keys.lint.engine import lint_source

NAMES = CredentialNames()
# Where a name alone decides: variables/attributes (strict) and keywords/dict keys (key).
NAME_STRENGTHS = (Strength.STRICT, Strength.KEY)
ALL_STRENGTHS = tuple(Strength)

# The contract's list of unambiguous credential names, verbatim.
UNAMBIGUOUS = (
    "api_key",
    "apikey",
    "x_api_key",
    "client_secret",
    "secret_key",
    "password",
    "passwd",
    "pwd",
    "access_token",
    "auth_token",
    "bearer_token",
    "refresh_token",
    "id_token",
    "private_key",
    "credentials",
    "authorization",
    "passphrase",
    "passcode",
)

# Compounds of those terms: the name still ends with a credential term.
COMPOUNDS = (
    "db_password",
    "stripe_secret_key",
    "x_api_key",
    "user_password",
    "smtp_passwd",
    "github_access_token",
    "aws_secret_access_key",
    "jwt_secret",
    "oauth_client_secret",
    "admin_credentials",
    "session_token",
    # A trailing token that keeps the meaning: the value itself.
    "api_key_value",
    "password_str",
    "raw_api_key",
)

# One name in every case style (the contract: "api-key, apiKey, API_KEY are one name").
SPELLINGS = ("api_key", "api-key", "apiKey", "API_KEY", "ApiKey", "APIKey", "Api-Key", "api key")

AMBIGUOUS = ("key", "token", "auth", "pin", "otp")

# Every exclusion pattern of the contract, instantiated with a credential term in it
# (the pattern is what keeps these from counting, not the absence of a term).
EXCLUDED = {
    "*_id": ("api_key_id", "apiKeyId", "password_id"),
    "*_ids": ("api_key_ids", "token_ids"),
    "*_count": ("api_key_count", "access_token_count", "password_count"),
    "num_*": ("num_api_keys", "num_passwords"),
    "*_len": ("api_key_len", "password_len"),
    "*_length": ("password_length", "api_key_length"),
    "max_*": ("max_api_keys", "max_password_length"),
    "min_*": ("min_password_length", "min_tokens"),
    "*_type": ("access_token_type", "api_key_type"),
    "*_kind": ("api_key_kind",),
    "*_name": ("api_key_name", "password_name"),
    "*_url": ("api_key_url", "access_token_url", "password_reset_url"),
    "*_uri": ("auth_token_uri",),
    "*_endpoint": ("api_key_endpoint", "access_token_endpoint"),
    "*_file": ("password_file", "private_key_file"),
    "*_path": ("private_key_path", "api_key_path"),
    "*_header": ("api_key_header", "API_KEY_HEADER", "auth_header"),
    "*_origin": ("api_key_origin",),
    "*_source": ("api_key_source", "password_source"),
    "*_expires*": ("access_token_expires", "access_token_expires_at", "access_token_expires_in"),
    "*_expiry": ("api_key_expiry",),
    "*_hash": ("password_hash", "api_key_hash", "passwordHash"),
    "hashed_*": ("hashed_password", "hashed_api_key"),
    "*_digest": ("api_key_digest",),
    "*_fingerprint": ("api_key_fingerprint",),
    "masked_*": ("masked_api_key", "masked_password"),
    "redacted_*": ("redacted_password", "redacted_token"),
    "encrypted_*": ("encrypted_secret", "encrypted_password"),
    "is_*": ("is_api_key", "isApiKey", "is_password"),
    "has_*": ("has_password", "has_api_key"),
    "cache_key": ("cache_key",),
    "sort_key": ("sort_key",),
    "primary_key": ("primary_key",),
    "foreign_key": ("foreign_key",),
    "pagination tokens": ("next_token", "nextToken", "page_token", "next_page_token", "cursor"),
    "*_schema": ("api_key_schema",),
    "*_field": ("password_field",),
    "*_param": ("api_key_param",),
    "*_policy": ("password_policy",),
    "*_required": ("api_key_required", "password_required"),
    "*_enabled": ("api_key_enabled",),
    "*_allowed": ("api_key_allowed",),
    "*_mode": ("auth_token_mode",),
    "*_prefix": ("api_key_prefix",),
    "*_suffix": ("api_key_suffix",),
    "*_last4": ("api_key_last4", "key_last4"),
}
EXCLUDED_CASES = [(pattern, name) for pattern, names in EXCLUDED.items() for name in names]

# Words that merely contain a credential term, or mention one without holding it.
UNRELATED = (
    "secretary",
    "keyboard",
    "tokenizer",
    "author",
    "monkey",
    "pinned",
    "otp_verified",
    "passwords_match",
    "auth_method",
    "token_ttl",
    "keys",
    "tokens",
)


@pytest.mark.parametrize("name", UNAMBIGUOUS)
@pytest.mark.parametrize("strength", NAME_STRENGTHS, ids=lambda s: s.value)
def test_unambiguous_names_count(name: str, strength: Strength) -> None:
    assert NAMES.is_credential(name, strength)


@pytest.mark.parametrize("name", COMPOUNDS)
@pytest.mark.parametrize("strength", NAME_STRENGTHS, ids=lambda s: s.value)
def test_compounds_count(name: str, strength: Strength) -> None:
    assert NAMES.is_credential(name, strength)


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_case_styles_are_one_name(spelling: str) -> None:
    assert normalise(spelling) == "api_key"
    assert NAMES.is_credential(spelling)


def test_tokens_split_camel_case_and_acronyms() -> None:
    assert tokens("xApiKey") == ("x", "api", "key")
    assert tokens("HTTP_X_API_KEY") == ("http", "x", "api", "key")
    assert tokens("APIKey") == ("api", "key")
    assert tokens("__api__key__") == ("api", "key")
    assert tokens("") == ()


def test_secret_is_a_credential_as_a_variable_but_ambiguous_as_a_dict_key() -> None:
    assert NAMES.is_credential("secret", Strength.STRICT)
    assert not NAMES.is_credential("secret", Strength.KEY)
    # Only the bare word is ambiguous there: a compound still says what it is.
    assert NAMES.is_credential("webhook_secret", Strength.KEY)


@pytest.mark.parametrize("name", AMBIGUOUS)
@pytest.mark.parametrize("strength", NAME_STRENGTHS, ids=lambda s: s.value)
def test_ambiguous_names_do_not_count_by_name(name: str, strength: Strength) -> None:
    assert not NAMES.is_credential(name, strength)


@pytest.mark.parametrize("name", (*AMBIGUOUS, "secret", "apikey", "api_key", "access_token"))
def test_short_request_parameter_names_count(name: str) -> None:
    # ?key= is the conventional API-key parameter: in request data the short names count.
    assert NAMES.is_credential(name, Strength.REQUEST)


@pytest.mark.parametrize("name", ("s3_key", "sort_key", "page_token", "keyword", "key_id"))
def test_request_parameters_that_only_mention_a_term(name: str) -> None:
    assert not NAMES.is_credential(name, Strength.REQUEST)


@pytest.mark.parametrize(("pattern", "name"), EXCLUDED_CASES, ids=[n for _, n in EXCLUDED_CASES])
@pytest.mark.parametrize("strength", ALL_STRENGTHS, ids=lambda s: s.value)
def test_exclusion_patterns_never_count_by_name(
    pattern: str, name: str, strength: Strength
) -> None:
    assert not NAMES.is_credential(name, strength), f"{name} matches {pattern}"


@pytest.mark.parametrize("name", UNRELATED)
@pytest.mark.parametrize("strength", NAME_STRENGTHS, ids=lambda s: s.value)
def test_names_that_merely_contain_a_term(name: str, strength: Strength) -> None:
    assert not NAMES.is_credential(name, strength)


@pytest.mark.parametrize(
    "name",
    ("password_hash", "hashed_api_key", "api_key_digest", "key_fingerprint", "masked_token"),
)
def test_transformation_names_are_trusted_as_sanitised(name: str) -> None:
    assert NAMES.is_sanitised_name(name)


@pytest.mark.parametrize("name", ("auth_header", "api_key_id", "api_key", "token_count"))
def test_other_exclusions_are_not_sanitising(name: str) -> None:
    # Flow wins over these exclusions: auth_header = request.headers["Authorization"] leaks.
    assert not NAMES.is_sanitised_name(name)


@pytest.mark.parametrize(
    "header", ("Authorization", "X-API-Key", "X-Auth-Token", "Api-Key", "Cookie", "X-Api-Token")
)
def test_credential_headers(header: str) -> None:
    assert NAMES.is_credential(header, Strength.HEADER)


@pytest.mark.parametrize(
    "header", ("User-Agent", "X-Request-Id", "Content-Type", "X-Forwarded-For", "X-Key-Id")
)
def test_ordinary_headers(header: str) -> None:
    assert not NAMES.is_credential(header, Strength.HEADER)


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("GITHUB_TOKEN", True),
        ("STRIPE_KEY", True),
        ("WEBHOOK_SECRET", True),
        ("SECRET_KEY", True),
        ("HTTP_AUTHORIZATION", True),
        ("HTTP_X_API_KEY", True),
        ("HTTP_USER_AGENT", False),
        ("SQLALCHEMY_DATABASE_URI", False),
        ("CACHE_KEY_PREFIX", False),
        ("DEBUG", False),
    ],
)
def test_settings_and_environ_keys(setting: str, expected: bool) -> None:
    assert NAMES.is_credential(setting, Strength.SETTING) is expected


def test_configured_credential_names_in_any_spelling() -> None:
    names = CredentialNames.build(extra=["license_blob"])
    for spelling in ("license_blob", "licenseBlob", "LICENSE_BLOB", "tenant_license_blob"):
        assert names.is_credential(spelling), spelling
    assert not NAMES.is_credential("license_blob")


def test_configured_not_credential_names_and_globs() -> None:
    names = CredentialNames.build(excluded=["session_key", "*_token_ttl", "public_*"])
    assert not names.is_credential("session_key")
    assert not names.is_credential("sessionKey")
    assert not names.is_credential("public_password")
    assert NAMES.is_credential("public_password")
    assert names.is_credential("private_password")


def test_configured_credential_headers() -> None:
    names = CredentialNames.build(headers=["X-Tenant"])
    assert names.is_credential("X-Tenant", Strength.HEADER)
    assert names.is_credential("x_tenant", Strength.HEADER)
    assert not NAMES.is_credential("X-Tenant", Strength.HEADER)


# -- names meet flow: the same contract section, end to end through the engine ---------------

FLOW_PRELUDE = "import logging\nfrom flask import request\nlog = logging.getLogger(__name__)\n\n\ndef view():\n"


def _logged_findings(body: str) -> list[tuple[int, str]]:
    source = FLOW_PRELUDE + "".join(f"    {line}\n" for line in body.splitlines())
    result = lint_source(source, "app.py", Options())
    assert not result.errors, result.errors
    first_body_line = FLOW_PRELUDE.count("\n") + 1
    return [(f.line - first_body_line + 1, f.code) for f in result.findings]


def test_flow_wins_over_a_descriptive_name() -> None:
    body = 'auth_header = request.headers.get("Authorization")\nlog.info("%s", auth_header)'
    assert _logged_findings(body) == [(2, "FLK101")]


@pytest.mark.parametrize("name", ("key_hash", "hashed_key", "masked_key", "key_fingerprint"))
def test_transformation_names_are_trusted_over_flow(name: str) -> None:
    body = f'{name} = request.headers.get("X-API-Key")\nlog.info("%s", {name})'
    assert _logged_findings(body) == []


def test_control_flow_is_not_data_flow() -> None:
    body = (
        'api_key = request.headers.get("X-API-Key")\n'
        'origin = "header" if api_key else "param"\n'
        'log.info("key from %s", origin)'
    )
    assert _logged_findings(body) == []


def test_loop_variables_over_items_and_keys_do_not_count_by_name() -> None:
    body = (
        "for name, secret in SETTINGS.items():\n"
        '    log.info("%s=%s", name, secret)\n'
        "for password in SETTINGS.keys():\n"
        '    log.info("%s", password)'
    )
    assert _logged_findings(body) == []


def test_a_credential_returned_by_a_function_of_another_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path,
        {
            "myapp/__init__.py": "",
            "myapp/keys.py": (
                "from flask import request\n\n\n"
                'def get_key():\n    return request.headers.get("X-API-Key")\n\n\n'
                "def origin():\n    return 'header'\n"
            ),
            "app.py": (
                "import logging\nfrom myapp.keys import get_key, origin\n\n"
                "log = logging.getLogger(__name__)\n\n\n"
                'def view():\n    log.info("%s %s", get_key(), origin())\n'
            ),
        },
    )
    monkeypatch.chdir(tmp_path)
    document = run(["--format", "json", "--no-cache", "."]).json()
    assert codes_at(document) == [("app.py", 8, 23, "FLK101")]
