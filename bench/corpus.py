"""A deterministic synthetic Flask code base with a known number of findings per rule.

The corpus is a set of *services*, each a Flask package shaped like the ones
real teams write — an app factory, settings, extensions, logging setup, error
handlers, models, an API-key decorator, a few blueprints of CRUD views, a
test module — plus ordinary non-Flask modules (utilities, data pipelines,
reports, CLI commands) that make up most of the lines. Every service receives
each template of ``plants.py`` once, so the planted findings scale with the
size and their density stays constant (time per line is comparable across
sizes). Everything outside the templates is written to be clean under the
whole rule table of the contract, FLK2xx/FLK3xx included: auth failures are
logged with context, broad ``except`` blocks log the traceback, keys are
compared with ``hmac.compare_digest``.

Service ``i`` depends only on ``(seed, i)``, so a larger corpus contains the
smaller ones as a prefix.
"""

from __future__ import annotations

import random
import textwrap
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from plants import Where, all_templates

LINES_PER_SERVICE = 2_500
RESOURCES_PER_SERVICE = 3

NOUNS = [
    "order",
    "invoice",
    "customer",
    "shipment",
    "product",
    "warehouse",
    "supplier",
    "refund",
    "ledger",
    "coupon",
    "basket",
    "parcel",
    "route",
    "driver",
    "vehicle",
    "station",
    "sensor",
    "reading",
    "metric",
    "sample",
    "batch",
    "report",
    "region",
    "tenant",
    "project",
    "task",
    "ticket",
    "article",
    "author",
    "review",
    "rating",
    "schedule",
    "slot",
    "booking",
    "room",
    "venue",
    "campaign",
    "segment",
    "audience",
    "channel",
    "asset",
    "image",
    "document",
    "folder",
    "archive",
    "snapshot",
    "forecast",
    "budget",
    "expense",
    "receipt",
    "payout",
    "subscription",
    "plan",
    "quota",
]
FIELDS = [
    "name",
    "status",
    "country",
    "city",
    "currency",
    "category",
    "owner",
    "title",
    "code",
    "colour",
    "priority",
    "stage",
    "carrier",
    "unit",
    "source_system",
]
NUMERIC_FIELDS = [
    "amount",
    "quantity",
    "price",
    "weight",
    "score",
    "duration",
    "distance",
    "volume",
]
VERBS = [
    "normalise",
    "merge",
    "rank",
    "filter",
    "score",
    "enrich",
    "compact",
    "dedupe",
    "flatten",
    "resolve",
    "group",
]
ADJECTIVES = [
    "pending",
    "active",
    "archived",
    "overdue",
    "flagged",
    "draft",
    "closed",
    "open",
    "late",
]
FILLER_DIRS = ("utils", "pipelines", "reports", "tasks", "cli")


@dataclass
class Corpus:
    """What ``generate`` wrote: where, how much, and how many findings to expect."""

    root: Path
    services: int
    files: int = 0
    lines: int = 0
    expected: Counter[str] = field(default_factory=Counter)
    # A Flask module safe to touch for the incremental run (adding a clean function).
    touch_target: Path | None = None

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.files += 1
        self.lines += text.count("\n")
        return path


def services_for(target_lines: int) -> int:
    return max(1, round(target_lines / LINES_PER_SERVICE))


def generate(root: Path, target_lines: int, seed: int = 0) -> Corpus:
    """Write a corpus of about ``target_lines`` lines under ``root`` (which must be empty)."""
    root.mkdir(parents=True, exist_ok=True)
    if any(root.iterdir()):
        raise ValueError(f"{root} is not empty")
    services = services_for(target_lines)
    per_service = target_lines // services
    corpus = Corpus(root, services)
    for index in range(services):
        _Service(corpus, index, seed, per_service).build()
    return corpus


def touch(path: Path, number: int = 1) -> None:
    """An incremental run's edit: append a clean helper to a view module (changes no finding)."""
    with path.open("a", encoding="utf-8") as handle:
        handle.write(
            f"\n\ndef touched_{number}(value: int) -> int:\n"
            '    log.debug("touched %d", value)\n'
            "    return value + 1\n"
        )


# -- one service -------------------------------------------------------------------------------


class _Service:
    def __init__(self, corpus: Corpus, index: int, seed: int, budget: int) -> None:
        self.corpus = corpus
        self.index = index
        self.rng = random.Random(f"flasklint-bench:{seed}:{index}")
        self.budget = budget
        self.package = f"svc{index:03d}_{self.rng.choice(NOUNS)}"
        self.lines = 0
        small = budget < LINES_PER_SERVICE // 2
        count = 1 if small else RESOURCES_PER_SERVICE
        self.resources = self.rng.sample(NOUNS, count)
        self.modules: dict[str, list[str]] = {}

    def build(self) -> None:
        self._skeleton()
        self._plant()
        for relative, chunks in self.modules.items():
            self._emit(relative, "\n\n\n".join(chunk.strip("\n") for chunk in chunks) + "\n")
        self._filler()

    def _emit(self, relative: str, text: str) -> Path:
        self.lines += text.count("\n")
        return self.corpus.write(f"{self.package}/{relative}", text)

    def _add(self, relative: str, text: str) -> None:
        self.modules.setdefault(relative, []).append(textwrap.dedent(text).strip("\n") + "\n")

    def _skeleton(self) -> None:
        pkg = self.package
        resources = self.resources
        self._add("__init__.py", f'"""The {pkg} service."""\n\nfrom .app import create_app\n')
        self._add("__init__.py", '__all__ = ["create_app"]')
        self._add("app.py", _factory(pkg, resources))
        self._add("config.py", _CONFIG)
        self._add("extensions.py", _EXTENSIONS)
        self._add("logging_setup.py", _LOGGING_SETUP)
        self._add("errors.py", _ERRORS)
        self._add("models.py", _models(resources))
        self._add("auth/__init__.py", '"""Authentication."""')
        self._add("auth/decorators.py", _AUTH)
        self._add("utils/__init__.py", '"""Helpers."""')
        self._add("utils/redaction.py", _REDACTION)
        self._add("api/__init__.py", '"""HTTP API blueprints."""')
        for resource in resources:
            self._add(f"api/{resource}s.py", _views(resource))
        self._add("tests/__init__.py", "")
        self._add("tests/test_api.py", _TESTS_HEADER)
        self._add("wsgi.py", _WSGI.replace("__PKG__", pkg))
        self._add("cli/__init__.py", '"""Command line tools."""')

    def _plant(self) -> None:
        views = [f"api/{resource}s.py" for resource in self.resources]
        targets = {
            Where.FACTORY: lambda: "app.py",
            Where.CONFIG: lambda: "config.py",
            Where.TESTS: lambda: "tests/test_api.py",
            Where.FLASK: lambda: self.rng.choice(views),
        }
        for number, template in enumerate(all_templates()):
            suffix = f"s{self.index}t{number}"
            self._add(targets[template.where](), template.render(suffix, self._secret()))
            self.corpus.expected.update(template.expected)
        if self.corpus.touch_target is None:
            self.corpus.touch_target = self.corpus.root / self.package / views[0]

    def _secret(self) -> str:
        return "".join(self.rng.choice("0123456789abcdefghjkmnpqrstuvwxyz") for _ in range(24))

    def _filler(self) -> None:
        used: set[str] = set()
        while self.lines < self.budget:
            directory = self.rng.choice(FILLER_DIRS)
            noun = self.rng.choice(NOUNS)
            name = f"{directory}/{noun}_{self.rng.choice(VERBS)}.py"
            if name in used:
                continue
            used.add(name)
            package_init = f"{directory}/__init__.py"
            if package_init not in used and package_init not in self.modules:
                used.add(package_init)
                self._emit(package_init, f'"""{directory.title()}."""\n')
            remaining = self.budget - self.lines
            size = min(remaining + 40, self.rng.randint(140, 420))
            self._emit(name, _filler_module(self.rng, self.package, noun, directory, size))


# -- Flask modules (clean under every rule) --------------------------------------------------


def _factory(package: str, resources: Sequence[str]) -> str:
    imports = "\n".join(f"from .api import {r}s" for r in resources)
    registers = "\n".join(f"    app.register_blueprint({r}s.bp)" for r in resources)
    return f'''
"""Application factory of the {package} service."""

from __future__ import annotations

import logging
import os

from flask import Flask

from .config import CONFIGS
from .errors import register_error_handlers
from .extensions import db
from .logging_setup import configure_logging
{imports}

log = logging.getLogger(__name__)


def create_app(config_name: str | None = None) -> Flask:
    """Build the app: settings from the environment, logging, extensions, blueprints."""
    name = config_name or os.environ.get("APP_CONFIG", "production")
    app = Flask(__name__)
    app.config.from_object(CONFIGS[name])
    app.config.from_prefixed_env()
    configure_logging(app)
    db.init_app(app)
    register_error_handlers(app)
{registers}
    log.info("app created", extra={{"config": name, "blueprints": len(app.blueprints)}})
    return app
'''


_CONFIG = '''
"""Settings, read from the environment (never committed)."""

from __future__ import annotations

import os


class BaseConfig:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "sqlite:///local.db")
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    API_KEYS = tuple(filter(None, os.environ.get("API_KEYS", "").split(",")))
    JSON_SORT_KEYS = False
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")


class ProductionConfig(BaseConfig):
    SESSION_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


class DevelopmentConfig(BaseConfig):
    LOG_LEVEL = "DEBUG"


CONFIGS = {"production": ProductionConfig, "development": DevelopmentConfig}
'''

_EXTENSIONS = '''
"""Extension objects, initialised by the app factory."""

from __future__ import annotations

from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class StripeClient:
    """A thin billing client; the key is injected by the caller."""

    def __init__(self, api_key: str, timeout: int = 10) -> None:
        self._api_key = api_key
        self.timeout = timeout

    def charge(self, customer_id: str, cents: int) -> dict[str, object]:
        return {"customer": customer_id, "amount": cents, "status": "queued"}
'''

_LOGGING_SETUP = '''
"""Structured logging with a request id on every record."""

from __future__ import annotations

import logging
import logging.config
import uuid

from flask import Flask, g, has_request_context, request


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` and the route (never the query string) to records."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = getattr(g, "request_id", "-")
            record.route = request.path
        else:
            record.request_id = "-"
            record.route = "-"
        return True


def configure_logging(app: Flask) -> None:
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "filters": {"request_id": {"()": RequestIdFilter}},
            "formatters": {
                "plain": {
                    "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
                }
            },
            "handlers": {
                "console": {
                    "class": "logging.StreamHandler",
                    "formatter": "plain",
                    "filters": ["request_id"],
                }
            },
            "root": {"level": app.config.get("LOG_LEVEL", "INFO"), "handlers": ["console"]},
        }
    )

    @app.before_request
    def assign_request_id() -> None:
        g.request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex
'''

_ERRORS = '''
"""Error handlers: every unexpected error is logged with its traceback."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ValidationError(Exception):
    """Bad input from the client (answered with 400)."""

    def __init__(self, message: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.fields = fields


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(404)
    def not_found(error: HTTPException):
        return jsonify(error="not found", path=request.path), 404

    @app.errorhandler(ValidationError)
    def invalid(error: ValidationError):
        log.info("validation failed on %s", request.path, extra={"fields": list(error.fields)})
        return jsonify(error="invalid request"), 400

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return jsonify(error="internal error"), 500
'''

_AUTH = '''
"""API-key authentication: header only, constant-time comparison, every failure logged."""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
from collections.abc import Callable
from typing import Any

from flask import abort, current_app, g, jsonify, request

log = logging.getLogger(__name__)

API_KEY_HEADER = "X-API-Key"


def fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:12]


def is_known(candidate: str) -> bool:
    return any(hmac.compare_digest(candidate, known) for known in current_app.config["API_KEYS"])


def require_api_key(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        candidate = request.headers.get(API_KEY_HEADER, "")
        if not candidate:
            log.warning(
                "authentication failed",
                extra={"reason": "missing key", "key_origin": "header", "route": request.path},
            )
            return jsonify(error="missing API key"), 401
        if not is_known(candidate):
            log.warning(
                "authentication failed",
                extra={"reason": "unknown key", "key_id": fingerprint(candidate)},
            )
            return jsonify(error="invalid API key"), 401
        g.key_id = fingerprint(candidate)
        return view(*args, **kwargs)

    return wrapper


def require_scope(scope: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if scope not in getattr(g, "scopes", ()):
                log.info(
                    "access denied",
                    extra={"reason": "missing scope", "scope": scope, "key_id": g.get("key_id")},
                )
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate
'''

_REDACTION = '''
"""Redaction helpers for anything that may hold a credential."""

from __future__ import annotations


def redact(value: str | None) -> str:
    """Keep at most the last four characters."""
    if not value:
        return "-"
    return "****" + value[-4:]
'''

_TESTS_HEADER = '''
"""API tests (fixtures come from conftest)."""

from __future__ import annotations


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200
'''

_WSGI = '''
"""WSGI entry point: ``gunicorn __PKG__.wsgi:app``."""

import os

from __PKG__ import create_app

app = create_app(os.environ.get("APP_CONFIG", "production"))
'''


def _camel(noun: str) -> str:
    return "".join(part.title() for part in noun.split("_"))


def _models(resources: Sequence[str]) -> str:
    classes = []
    for resource in resources:
        model = _camel(resource)
        classes.append(
            f'''
class {model}(db.Model):
    __tablename__ = "{resource}s"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120), nullable=False, index=True)
    status = db.Column(db.String(20), nullable=False, default="active")
    owner_id = db.Column(db.String(64), index=True)
    created_at = db.Column(db.DateTime, default=datetime.utcnow)

    def to_dict(self) -> dict[str, object]:
        return {{
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "created_at": self.created_at.isoformat() if self.created_at else None,
        }}
'''
        )
    api_key_model = """
class ApiKey(db.Model):
    __tablename__ = "api_keys"

    id = db.Column(db.Integer, primary_key=True)
    key_hash = db.Column(db.String(64), unique=True, nullable=False)
    key_prefix = db.Column(db.String(8), nullable=False)
    revoked = db.Column(db.Boolean, default=False)

    @classmethod
    def find(cls, digest: str) -> ApiKey | None:
        return cls.query.filter_by(key_hash=digest, revoked=False).first()
"""
    header = '''
"""Database models."""

from __future__ import annotations

from datetime import datetime

from .extensions import db
'''
    return header + "".join(classes) + api_key_model


def _views(resource: str) -> str:
    model = _camel(resource)
    return f'''
"""HTTP API for {resource}s."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets

from flask import Blueprint, abort, current_app, g, jsonify, request

from ..auth.decorators import require_api_key, require_scope
from ..errors import ValidationError
from ..extensions import StripeClient, db
from ..models import {model}
from ..utils.redaction import redact

bp = Blueprint("{resource}s", __name__, url_prefix="/{resource}s")
log = logging.getLogger(__name__)

MAX_PAGE_SIZE = 100


def _page_args() -> tuple[int, int]:
    page = request.args.get("page", 1, type=int)
    per_page = min(request.args.get("per_page", 20, type=int), MAX_PAGE_SIZE)
    return max(page, 1), max(per_page, 1)


@bp.get("/")
@require_api_key
def list_{resource}s():
    page, per_page = _page_args()
    query = {model}.query.order_by({model}.id)
    status = request.args.get("status")
    if status:
        query = query.filter_by(status=status)
    items = query.paginate(page=page, per_page=per_page, error_out=False)
    log.info("listed {resource}s page %d (%d items)", page, len(items.items))
    return jsonify(items=[item.to_dict() for item in items.items], page=page, total=items.total)


@bp.get("/<int:item_id>")
@require_api_key
def get_{resource}(item_id: int):
    item = db.session.get({model}, item_id)
    if item is None:
        abort(404)
    return jsonify(item.to_dict())


@bp.post("/")
@require_api_key
@require_scope("{resource}s:write")
def create_{resource}():
    payload = request.get_json(silent=True) or {{}}
    name = str(payload.get("name", "")).strip()
    if not name:
        raise ValidationError("name is required", ("name",))
    item = {model}(name=name, owner_id=g.get("key_id"))
    db.session.add(item)
    db.session.commit()
    log.info("created {resource} %s", item.id, extra={{"key_id": g.get("key_id")}})
    return jsonify(item.to_dict()), 201


@bp.patch("/<int:item_id>")
@require_api_key
@require_scope("{resource}s:write")
def update_{resource}(item_id: int):
    item = db.session.get({model}, item_id)
    if item is None:
        abort(404)
    payload = request.get_json(silent=True) or {{}}
    changed = []
    for attr in ("name", "status"):
        if attr in payload:
            setattr(item, attr, str(payload[attr]).strip())
            changed.append(attr)
    db.session.commit()
    log.info("updated {resource} %s fields %s", item_id, ",".join(changed))
    return jsonify(item.to_dict())


@bp.delete("/<int:item_id>")
@require_api_key
@require_scope("{resource}s:admin")
def delete_{resource}(item_id: int):
    item = db.session.get({model}, item_id)
    if item is None:
        abort(404)
    db.session.delete(item)
    db.session.commit()
    log.info("deleted {resource} %s", item_id, extra={{"key_id": g.get("key_id")}})
    return "", 204
'''


# -- ordinary modules ----------------------------------------------------------------------

_FILLER_HEADER = '''"""{title} for the {package} service."""

from __future__ import annotations

import argparse
import csv
import json
import logging
import re
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
'''


@dataclass
class _Ctx:
    rng: random.Random
    noun: str
    model: str
    text_field: str
    num_field: str
    opt_field: str
    names: set[str] = field(default_factory=set)

    def fresh(self, base: str) -> str:
        name, number = base, 2
        while name in self.names:
            name, number = f"{base}_v{number}", number + 1
        self.names.add(name)
        return name


Shape = Callable[[_Ctx], str]


def _record(c: _Ctx) -> str:
    return f'''
@dataclass
class {c.model}:
    """One {c.noun} row as read from the nightly export."""

    id: int
    {c.text_field}: str
    {c.num_field}: float = 0.0
    {c.opt_field}: str | None = None
    tags: list[str] = field(default_factory=list)

    @classmethod
    def from_row(cls, row: Mapping[str, str]) -> {c.model}:
        return cls(
            id=int(row["id"]),
            {c.text_field}=row.get("{c.text_field}", "").strip(),
            {c.num_field}=float(row.get("{c.num_field}") or 0),
            {c.opt_field}=row.get("{c.opt_field}") or None,
            tags=[tag for tag in row.get("tags", "").split(";") if tag],
        )

    def to_dict(self) -> dict[str, object]:
        return {{
            "id": self.id,
            "{c.text_field}": self.{c.text_field},
            "{c.num_field}": self.{c.num_field},
            "{c.opt_field}": self.{c.opt_field},
            "tags": list(self.tags),
        }}
'''


def _parse(c: _Ctx) -> str:
    name = c.fresh(f"parse_{c.noun}_line")
    width = c.rng.randint(4, 9)
    columns = ", ".join(
        f'"{col}"'
        for col in ["id", c.text_field, c.num_field, c.opt_field, "tags"][: min(width, 5)]
    )
    return f'''
def {name}(line: str, *, sep: str = ",") -> dict[str, str] | None:
    """Split one line of a {c.noun} export into named columns."""
    parts = [part.strip() for part in line.rstrip("\\n").split(sep)]
    if len(parts) < {min(width, 5)}:
        log.warning("short {c.noun} line (%d columns)", len(parts))
        return None
    columns = ({columns},)
    try:
        values = dict(zip(columns, parts))
        values["id"] = str(int(values["id"]))
    except (KeyError, ValueError) as exc:
        log.warning("bad {c.noun} line: %s", exc)
        return None
    return values
'''


def _aggregate(c: _Ctx) -> str:
    name = c.fresh(f"summarise_{c.noun}s")
    top = c.rng.randint(5, 50)
    return f'''
def {name}(records: Iterable[{c.model}]) -> dict[str, float]:
    """Mean {c.num_field} per {c.text_field}, the {top} largest first."""
    totals: dict[str, float] = defaultdict(float)
    counts: Counter[str] = Counter()
    for record in records:
        if record.{c.num_field} <= 0:
            continue
        totals[record.{c.text_field}] += record.{c.num_field}
        counts[record.{c.text_field}] += 1
    ranked = sorted(totals.items(), key=lambda item: item[1], reverse=True)
    log.info("summarised %d {c.noun} groups", len(ranked))
    return {{group: round(total / max(counts[group], 1), 2) for group, total in ranked[:{top}]}}
'''


def _repository(c: _Ctx) -> str:
    name = c.fresh(f"{_camel(c.noun)}Repository")
    field_name = c.text_field
    return f'''
class {name}:
    """In-memory store of {c.noun}s, indexed by id and by {field_name}."""

    def __init__(self) -> None:
        self._by_id: dict[int, {c.model}] = {{}}
        self._by_{field_name}: dict[str, list[int]] = defaultdict(list)

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._by_id

    def add(self, record: {c.model}) -> None:
        if record.id in self._by_id:
            raise ValueError(f"duplicate {c.noun} {{record.id}}")
        self._by_id[record.id] = record
        self._by_{field_name}[record.{field_name}].append(record.id)

    def get(self, record_id: int) -> {c.model} | None:
        return self._by_id.get(record_id)

    def find_by_{field_name}(self, value: str) -> list[{c.model}]:
        return [self._by_id[i] for i in self._by_{field_name}.get(value, [])]

    def remove(self, record_id: int) -> bool:
        record = self._by_id.pop(record_id, None)
        if record is None:
            return False
        self._by_{field_name}[record.{field_name}].remove(record_id)
        log.debug("removed {c.noun} %d", record_id)
        return True
'''


def _transform(c: _Ctx) -> str:
    name = c.fresh(f"{c.rng.choice(VERBS)}_{c.noun}_batch")
    limit = c.rng.choice((100, 250, 500, 1000))
    flags = ", ".join(f'"{a}"' for a in c.rng.sample(ADJECTIVES, 3))
    return f'''
def {name}(batch: Sequence[{c.model}], limit: int = {limit}) -> list[dict[str, object]]:
    """Rows for the {c.noun} dashboard: ranked, flagged, at most ``limit``."""
    out: list[dict[str, object]] = []
    skipped = 0
    for index, record in enumerate(batch):
        if index >= limit:
            log.info("{c.noun} batch truncated at %d", limit)
            break
        if not record.{c.text_field}:
            skipped += 1
            continue
        row = record.to_dict()
        row["rank"] = index + 1
        if record.{c.opt_field} is not None and record.{c.opt_field}.lower() in {{{flags}}}:
            row["flagged"] = True
        elif record.{c.num_field} > {c.rng.randint(10, 900)}:
            row["large"] = True
        out.append(row)
    if skipped:
        log.warning("skipped %d {c.noun}s without {c.text_field}", skipped)
    return out
'''


def _worker(c: _Ctx) -> str:
    name = c.fresh(f"run_{c.noun}_jobs")
    return f'''
def {name}(jobs: Iterable[Callable[[], object]], *, stop_on_error: bool = False) -> int:
    """Run jobs in order; a failing job is logged with its traceback and counted."""
    failures = 0
    for number, job in enumerate(jobs, start=1):
        started = time.monotonic()
        try:
            job()
        except Exception:
            log.exception("{c.noun} job %d failed", number)
            failures += 1
            if stop_on_error:
                raise
        finally:
            log.debug("{c.noun} job %d took %.3fs", number, time.monotonic() - started)
    return failures
'''


def _retry(c: _Ctx) -> str:
    name = c.fresh(f"with_{c.noun}_retries")
    attempts = c.rng.randint(2, 6)
    return f'''
def {name}(action: Callable[[], T], attempts: int = {attempts}, delay: float = 0.5) -> T:
    """Retry transient failures with a linear back-off."""
    last_error: Exception | None = None
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except (ConnectionError, TimeoutError) as exc:
            last_error = exc
            log.warning("{c.noun} attempt %d/%d failed: %s", attempt, attempts, exc)
            time.sleep(delay * attempt)
    if last_error is None:
        raise RuntimeError("no attempts made")
    raise last_error
'''


def _table(c: _Ctx) -> str:
    name = c.fresh(f"{c.noun.upper()}_{c.text_field.upper()}_CODES")
    rows = []
    for _ in range(c.rng.randint(8, 30)):
        code = "".join(c.rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(3))
        label = " ".join(c.rng.sample(NOUNS, 2))
        rows.append(f'    "{code}": ("{label}", {c.rng.randint(1, 999)}),')
    body = "\n".join(dict.fromkeys(rows))
    return f"{name}: dict[str, tuple[str, int]] = {{\n{body}\n}}\n"


def _windows(c: _Ctx) -> str:
    name = c.fresh(f"iter_{c.noun}_windows")
    size = c.rng.randint(3, 30)
    return f'''
def {name}(values: Sequence[float], size: int = {size}) -> Iterator[tuple[int, float]]:
    """Moving averages of {c.num_field} over ``size`` consecutive {c.noun}s."""
    if size <= 0:
        raise ValueError("size must be positive")
    window: deque[float] = deque(maxlen=size)
    total = 0.0
    for position, value in enumerate(values):
        if len(window) == size:
            total -= window[0]
        window.append(value)
        total += value
        if len(window) == size:
            yield position, total / size
'''


def _slug(c: _Ctx) -> str:
    name = c.fresh(f"slugify_{c.noun}")
    pattern = c.fresh(f"_{c.noun.upper()}_SLUG")
    return f'''
{pattern} = re.compile(r"[^a-z0-9]+")


def {name}(title: str, max_length: int = {c.rng.randint(20, 80)}) -> str:
    """A URL-safe name for a {c.noun}."""
    slug = {pattern}.sub("-", title.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    return slug or "{c.noun}"
'''


def _io(c: _Ctx) -> str:
    load = c.fresh(f"load_{c.noun}s")
    write = c.fresh(f"write_{c.noun}s")
    return f'''
def {load}(path: Path) -> list[{c.model}]:
    """Read a CSV export; bad rows are logged and skipped."""
    records = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                records.append({c.model}.from_row(row))
            except (KeyError, ValueError):
                log.warning("skipping bad {c.noun} row in %s", path.name, exc_info=True)
    log.info("loaded %d {c.noun}s from %s", len(records), path)
    return records


def {write}(records: Iterable[{c.model}], path: Path) -> int:
    rows = [record.to_dict() for record in records]
    path.write_text(json.dumps(rows, indent=2, sort_keys=True), encoding="utf-8")
    log.info("wrote %d {c.noun}s to %s", len(rows), path)
    return len(rows)
'''


def _cli(c: _Ctx) -> str:
    return f'''
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="{c.noun}-tool", description="Work with {c.noun} exports.")
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("load", help="load {c.noun}s from a CSV export")
    load.add_argument("path", type=Path)
    load.add_argument("--limit", type=int, default={c.rng.randint(10, 5000)})
    report = commands.add_parser("report", help="print the largest {c.text_field} groups")
    report.add_argument("path", type=Path)
    report.add_argument("--top", type=int, default=10)
    report.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    records = [{c.model}.from_row(row) for row in csv.DictReader(args.path.open())]
    if args.command == "load":
        print(f"loaded {{len(records[: args.limit])}} {c.noun}s from {{args.path}}")
        return 0
    groups = Counter(record.{c.text_field} for record in records)
    if args.format == "json":
        print(json.dumps(dict(groups.most_common(args.top)), indent=2))
    else:
        for group, count in groups.most_common(args.top):
            print(f"{{group:<30}} {{count:>8}}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
'''


_SHAPES: tuple[tuple[Shape, int], ...] = (
    (_parse, 3),
    (_aggregate, 3),
    (_repository, 2),
    (_transform, 4),
    (_worker, 2),
    (_retry, 2),
    (_table, 2),
    (_windows, 2),
    (_slug, 2),
    (_io, 3),
)


def _shapes(rng: random.Random) -> Iterator[Shape]:
    shapes = [shape for shape, _ in _SHAPES]
    weights = [weight for _, weight in _SHAPES]
    while True:
        yield rng.choices(shapes, weights)[0]


def _filler_module(rng: random.Random, package: str, noun: str, directory: str, size: int) -> str:
    fields = rng.sample(FIELDS, 2)
    ctx = _Ctx(rng, noun, f"{_camel(noun)}Record", fields[0], rng.choice(NUMERIC_FIELDS), fields[1])
    title = f"{noun.title()} {directory}"
    parts = [_FILLER_HEADER.format(title=title, package=package), _record(ctx)]
    lines = sum(part.count("\n") for part in parts)
    tail = _cli(ctx) if directory == "cli" else ""
    budget = size - tail.count("\n")
    for shape in _shapes(rng):
        if lines >= budget:
            break
        chunk = shape(ctx)
        parts.append(chunk)
        lines += chunk.count("\n") + 1
    if tail:
        parts.append(tail)
    return "\n\n\n".join(part.strip("\n") for part in parts) + "\n"
