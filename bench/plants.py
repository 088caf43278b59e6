"""What the benchmark corpus plants: snippets with a known number of findings per rule code.

This is the one place to add cases for a new rule: append ``Template`` s to
``PLANTED`` under the rule's code (and, for its hard negatives, to
``LOOKALIKES``). Every service of the corpus gets each template exactly once,
so a template's ``expected`` counts are multiplied by the number of services.

Placeholders (plain text, so templates may hold f-strings and dict braces):
``__N__`` is a suffix unique within the corpus (function names, routes, ``g``
attributes); ``__SECRET__`` is a random, realistic-looking secret literal.

``where`` says which kind of module a snippet is appended to; each provides a
fixed set of names (see ``corpus.py``):

* ``FLASK``: a blueprint module — ``bp``, ``log``, ``hashlib``, ``hmac``,
  ``os``, ``secrets``, ``abort``, ``current_app``, ``g``, ``jsonify``,
  ``request``, ``require_api_key``, ``redact``, ``StripeClient``;
* ``FACTORY``: the app-factory module — ``Flask``, ``os``, ``log``,
  ``create_app``;
* ``CONFIG``: the settings module — ``os``;
* ``TESTS``: a test module under ``tests/`` (exempt from FLK402).
"""

from __future__ import annotations

import enum
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


class Where(enum.Enum):
    FLASK = "flask"
    FACTORY = "factory"
    CONFIG = "config"
    TESTS = "tests"


@dataclass(frozen=True)
class Template:
    name: str
    source: str
    expected: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    where: Where = Where.FLASK

    def render(self, suffix: str, secret: str) -> str:
        text = textwrap.dedent(self.source).strip("\n")
        return text.replace("__N__", suffix).replace("__SECRET__", secret) + "\n"


def _one(code: str) -> Mapping[str, int]:
    return MappingProxyType({code: 1})


def planted(code: str, name: str, source: str, where: Where = Where.FLASK) -> Template:
    """A snippet that yields exactly one finding of ``code`` and nothing else."""
    return Template(name, source, _one(code), where)


def lookalike(name: str, source: str, where: Where = Where.FLASK) -> Template:
    """A snippet that resembles a finding but must yield none."""
    return Template(name, source, MappingProxyType({}), where)


PLANTED: Mapping[str, tuple[Template, ...]] = MappingProxyType(
    {
        "FLK101": (
            planted(
                "FLK101",
                "header-key-logged",
                """
                @bp.get("/debug-key-__N__")
                def debug_key___N__():
                    key = request.headers.get("X-API-Key", "")
                    log.warning("rejected key %s", key)
                    return jsonify(ok=False), 400
                """,
            ),
            planted(
                "FLK101",
                "bearer-token-fstring",
                """
                def bearer_token___N__():
                    header = request.headers.get("Authorization", "")
                    scheme, _, token = header.partition(" ")
                    log.debug(f"bearer token {token} (scheme {scheme})")
                    return token
                """,
            ),
            planted(
                "FLK101",
                "g-key-logged-in-view",
                """
                @bp.before_app_request
                def load_client_key___N__():
                    g.client_key___N__ = request.headers.get("X-API-Key")


                @bp.get("/whoami-__N__")
                def whoami___N__():
                    current_app.logger.info("request by key %s", g.client_key___N__)
                    return jsonify(ok=True)
                """,
            ),
            planted(
                "FLK101",
                "form-password-through-wrapper",
                """
                def audit___N__(message, *args):
                    log.info(message, *args)


                @bp.post("/rotate-__N__")
                @require_api_key
                def rotate___N__():
                    password = request.form.get("password", "")
                    audit___N__("rotation confirmed with %s", password)
                    return jsonify(rotated=True)
                """,
            ),
            planted(
                "FLK101",
                "secret-parameter-logged",
                """
                def connect_upstream___N__(base_url, client_secret):
                    log.debug("connecting to %s with %s", base_url, client_secret)
                    return base_url
                """,
            ),
            planted(
                "FLK101",
                "env-key-printed",
                """
                def show_settings___N__():
                    api_key = os.environ["PAYMENTS_API_KEY"]
                    print(f"payments configured with {api_key}")
                """,
            ),
        ),
        "FLK102": (
            planted(
                "FLK102",
                "headers-dict-logged",
                """
                @bp.post("/hooks/incoming-__N__")
                def incoming_hook___N__():
                    log.debug("webhook headers: %s", dict(request.headers))
                    return jsonify(received=True)
                """,
            ),
            planted(
                "FLK102",
                "json-body-printed",
                """
                @bp.post("/import-__N__")
                @require_api_key
                def import_rows___N__():
                    body = request.get_json(silent=True)
                    print(body)
                    return jsonify(imported=True), 202
                """,
            ),
            planted(
                "FLK102",
                "form-logged",
                """
                @bp.post("/signup-__N__")
                def signup___N__():
                    log.info("signup form %s", request.form)
                    return jsonify(created=True), 201
                """,
            ),
        ),
        "FLK103": (
            planted(
                "FLK103",
                "url-logged",
                """
                @bp.get("/search-__N__")
                def search___N__():
                    log.info("search %s", request.url)
                    query = request.args.get("q", "")
                    return jsonify(query=query, results=[])
                """,
            ),
            planted(
                "FLK103",
                "args-logged",
                """
                @bp.get("/report-__N__")
                @require_api_key
                def report___N__():
                    log.info("report filters %s", request.args)
                    return jsonify(rows=[])
                """,
            ),
            planted(
                "FLK103",
                "full-path-logged",
                """
                @bp.after_app_request
                def log_slow___N__(response):
                    current_app.logger.warning("slow request %s", request.full_path)
                    return response
                """,
            ),
        ),
        "FLK104": (
            planted(
                "FLK104",
                "key-helper-query-fallback",
                """
                def request_key___N__():
                    key = request.headers.get("X-API-Key")
                    if key:
                        return key
                    return request.args.get("api_key")
                """,
            ),
            planted(
                "FLK104",
                "access-token-from-values",
                """
                @bp.get("/export-__N__")
                def export___N__():
                    supplied = request.values.get("access_token", "")
                    expected = os.environ.get("EXPORT_TOKEN", "")
                    if not hmac.compare_digest(supplied, expected):
                        log.warning(
                            "export rejected", extra={"reason": "bad token", "key_origin": "query"}
                        )
                        abort(401)
                    return jsonify(rows=[])
                """,
            ),
        ),
        "FLK105": (
            planted(
                "FLK105",
                "key-in-abort-description",
                """
                @bp.get("/check-__N__")
                def check___N__():
                    key = request.headers.get("X-API-Key", "")
                    if key not in current_app.config.get("API_KEYS", ()):
                        log.warning(
                            "unknown API key", extra={"reason": "unknown", "key_origin": "header"}
                        )
                        abort(401, description=f"unknown API key {key}")
                    return jsonify(ok=True)
                """,
            ),
            planted(
                "FLK105",
                "key-echoed-in-json",
                """
                @bp.post("/validate-__N__")
                def validate___N__():
                    key = request.headers.get("X-API-Key", "")
                    return jsonify(valid=False, key=key), 400
                """,
            ),
            planted(
                "FLK105",
                "key-in-exception-message",
                """
                def parse_key___N__(header_value):
                    api_key = header_value.strip()
                    if len(api_key) != 40:
                        raise ValueError(f"malformed API key {api_key}")
                    return api_key
                """,
            ),
        ),
        "FLK401": (
            planted(
                "FLK401",
                "run-debug-true",
                """
                if __name__ == "__main__":
                    create_app().run(host="0.0.0.0", port=5000, debug=True)
                """,
                Where.FACTORY,
            ),
            planted(
                "FLK401",
                "config-debug-true",
                """
                def configure_dev___N__(app):
                    app.config["DEBUG"] = True
                    app.config["TEMPLATES_AUTO_RELOAD"] = True
                """,
            ),
            planted(
                "FLK401",
                "app-debug-attr",
                """
                def enable_debugger___N__(app):
                    app.debug = True
                """,
            ),
            planted(
                "FLK401",
                "config-update-debug",
                """
                def local_overrides___N__(app):
                    app.config.update(DEBUG=True, JSON_SORT_KEYS=False)
                """,
            ),
        ),
        "FLK402": (
            planted(
                "FLK402",
                "class-secret-key",
                """
                class LegacyConfig:
                    SECRET_KEY = "dev-__SECRET__"
                    SESSION_COOKIE_SECURE = False
                """,
                Where.CONFIG,
            ),
            planted(
                "FLK402",
                "module-api-key",
                """
                STRIPE_API_KEY = "sk_live___SECRET__"
                """,
                Where.CONFIG,
            ),
            planted(
                "FLK402",
                "password-default",
                """
                def mail_settings___N__(host="smtp.example.com", password="hunter2-__SECRET__"):
                    return {"host": host, "port": 587, "use_tls": True}
                """,
            ),
            planted(
                "FLK402",
                "api-key-keyword",
                """
                def billing_client___N__():
                    return StripeClient(api_key="sk_test___SECRET__", timeout=10)
                """,
            ),
        ),
    }
)


LOOKALIKES: tuple[Template, ...] = (
    lookalike(
        "cache-key-logged",
        """
        @bp.get("/cached-__N__")
        def cached___N__():
            cache_key = f"{bp.name}:{request.path}"
            log.info("cache miss for %s", cache_key)
            return jsonify(cached=False)
        """,
    ),
    lookalike(
        "token-count-logged",
        """
        def prompt_budget___N__(text):
            token_count = len(text.split())
            max_tokens = 4096
            log.info("prompt uses %d of %d tokens", token_count, max_tokens)
            return max_tokens - token_count
        """,
    ),
    lookalike(
        "hashed-key-id-logged",
        """
        @bp.get("/usage-__N__")
        @require_api_key
        def usage___N__():
            api_key = request.headers.get("X-API-Key", "")
            key_id = hashlib.sha256(api_key.encode()).hexdigest()[:12]
            log.info("usage requested", extra={"key_id": key_id, "key_origin": "header"})
            log.info("key ending %s (%d chars)", api_key[-4:], len(api_key))
            return jsonify(key_id=key_id)
        """,
    ),
    lookalike(
        "request-path-logged",
        """
        @bp.after_app_request
        def access_log___N__(response):
            log.info(
                "%s %s %s from %s",
                request.method,
                request.path,
                response.status_code,
                request.remote_addr,
            )
            log.info("endpoint %s base %s", request.endpoint, request.base_url)
            return response
        """,
    ),
    lookalike(
        "pagination-and-sort-params",
        """
        @bp.get("/page-__N__")
        def page___N__():
            page_token = request.args.get("page_token")
            sort_key = request.args.get("sort", "created")
            log.debug("page %s sorted by %s", page_token, sort_key)
            return jsonify(next_page_token=None, sort=sort_key)
        """,
    ),
    lookalike(
        "user-agent-and-request-id",
        """
        def request_context___N__():
            user_agent = request.headers.get("User-Agent", "-")
            request_id = request.headers.get("X-Request-Id", "-")
            log.info("ua=%s rid=%s", user_agent, request_id)
            return {"user_agent": user_agent, "request_id": request_id}
        """,
    ),
    lookalike(
        "redacted-header",
        """
        def log_auth_header___N__():
            log.debug("auth header %s", redact(request.headers.get("Authorization", "")))
        """,
    ),
    lookalike(
        "settings-items-loop",
        """
        def dump_settings___N__(settings):
            for key, value in sorted(settings.items()):
                log.info("setting %s=%s", key, value)
            for key in settings.keys():
                log.debug("setting present: %s", key)
        """,
    ),
    lookalike(
        "issued-key-returned",
        """
        @bp.post("/keys-__N__")
        @require_api_key
        def issue_key___N__():
            api_key = secrets.token_urlsafe(32)
            log.info("issued key", extra={"key_id": hashlib.sha256(api_key.encode()).hexdigest()[:12]})
            return jsonify(api_key=api_key), 201
        """,
    ),
    lookalike(
        "key-origin-and-flags",
        """
        @bp.get("/status-__N__")
        def status___N__():
            api_key = request.headers.get("X-API-Key")
            key_origin = "header" if api_key else "missing"
            has_api_key = api_key is not None
            log.info("key origin %s present %s", key_origin, has_api_key)
            return jsonify(key_origin=key_origin, has_api_key=has_api_key)
        """,
    ),
    lookalike(
        "password-hash-stored",
        """
        @bp.post("/password-__N__")
        @require_api_key
        def set_password___N__():
            password = request.form.get("password", "")
            password_hash = hashlib.sha256(password.encode()).hexdigest()
            log.info("password changed, hash prefix %s", password_hash[:8])
            return jsonify(changed=True)
        """,
    ),
    lookalike(
        "debug-from-environment",
        """
        if __name__ == "__main__":
            create_app().run(debug=os.environ.get("FLASK_DEBUG") == "1")
        """,
        Where.FACTORY,
    ),
    lookalike(
        "settings-from-environment",
        """
        SECRET_KEY = os.environ.get("SECRET_KEY", "")
        API_KEY_HEADER = "X-API-Key"
        EXAMPLE_API_KEY = "<your-api-key>"
        TOKEN_TTL_SECONDS = 3600
        PASSWORD_MIN_LENGTH = 12
        """,
        Where.CONFIG,
    ),
    lookalike(
        "hardcoded-key-in-tests",
        """
        API_KEY = "test-key-__SECRET__"


        def test_accepts_known_key___N__(client):
            response = client.get("/health", headers={"X-API-Key": API_KEY})
            assert response.status_code == 200
        """,
        Where.TESTS,
    ),
)


def all_templates() -> tuple[Template, ...]:
    return (*(t for group in PLANTED.values() for t in group), *LOOKALIKES)


def _check_table() -> None:
    """Each planted template must at least expect a finding of the code it is filed under."""
    for code, group in PLANTED.items():
        for template in group:
            if template.expected.get(code, 0) < 1:
                raise ValueError(f"template {template.name} filed under {code} expects none")
    names = [t.name for t in all_templates()]
    if len(names) != len(set(names)):
        raise ValueError("template names must be unique")


_check_table()
