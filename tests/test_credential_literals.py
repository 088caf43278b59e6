"""Names of connection URLs (FLK106) and the judgement of literals bound to credential names."""

from __future__ import annotations

import pytest

from flasklint_keys.analysis.literals import literal_is_secret, url_with_password
from flasklint_keys.analysis.names import CredentialNames, Strength, is_credential_url

NAMES = CredentialNames()


@pytest.mark.parametrize(
    "name",
    [
        "DATABASE_URL",
        "SQLALCHEMY_DATABASE_URI",
        "CELERY_BROKER_URL",
        "redis_url",
        "HTTPS_PROXY",
        "proxies",
        "notification_urls",
        "MONGO_DSN",
        "db_connection_string",
    ],
)
def test_connection_url_names(name: str) -> None:
    assert is_credential_url(name)


@pytest.mark.parametrize(
    "name",
    ["SENTRY_DSN", "docs_url", "api_url", "webhook_url", "trusted_proxies", "use_proxy", "url"],
)
def test_other_url_names(name: str) -> None:
    assert not is_credential_url(name)


@pytest.mark.parametrize(
    ("name", "strength"),
    [
        ("censor_keys", Strength.SETTING),
        ("path_to_private_key", Strength.STRICT),
        ("INVALID_API_KEY", Strength.STRICT),
        ("DISQUS_PUBLIC_KEY", Strength.SETTING),
        ("X-CSRF-Token", Strength.HEADER),
        ("LDAP_EMAIL_KEY", Strength.SETTING),
        ("IDP_GROUPS_KEYS", Strength.SETTING),
        ("salted_password", Strength.STRICT),
    ],
)
def test_names_that_describe_credentials(name: str, strength: Strength) -> None:
    assert not NAMES.is_credential(name, strength)


@pytest.mark.parametrize(
    ("name", "literal"),
    [
        ("SECRET_KEY", "secret key"),
        ("SECRET_KEY", "CHANGE_ME"),
        ("WEBHOOK_SECRET", "whsec_9f8e7d6c5b4a"),
        ("password", "hunter2"),
    ],
)
def test_secrets(name: str, literal: str) -> None:
    assert literal_is_secret(NAMES, name, literal)


@pytest.mark.parametrize(
    ("name", "literal"),
    [
        ("SECRET_KEY", "SECRET_KEY"),
        ("SETHSM_PASSWORD", "set_hsm_password"),
        ("APIKEY", "api_key_required"),
        ("LASTFM_API_KEY", "USE_LASTFM_API_KEY"),
        ("api_key", "unset"),
        ("ALLOW_CREDENTIALS", "false"),
        ("ssl_client_key", "/etc/ssl/private/client.key"),
        ("FAILED_TO_DECRYPT_PASSWORD", "FAILED TO DECRYPT PASSWORD!"),
        ("token", "e30="),
    ],
)
def test_labels_and_placeholders(name: str, literal: str) -> None:
    assert not literal_is_secret(NAMES, name, literal)


def test_urls_with_a_password() -> None:
    assert url_with_password("MIRROR_URL", "https://mirror:s3cr3t@mirror.example.org/")
    assert not url_with_password("EXAMPLE_URL", "postgresql://user:password@localhost/app")
    assert not url_with_password("CONFIG_FILE", "https://mirror:s3cr3t@mirror.example.org/")
    assert not url_with_password("HOME_URL", "https://example.org:8443/path@x")
