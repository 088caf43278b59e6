"""Abstract evaluation of expressions: what may this value carry?

Given the environment (variable -> :class:`Taint`) before a statement, the
:class:`Evaluator` answers for any expression in it. It knows the credential
sources (request headers, query parameters, config secrets...), how values
propagate (f-strings, ``%``, ``+``, ``.format``, containers, string methods,
``str()``), and what sanitises them (hashing, ``len``, short constant slices,
redaction helpers, project functions whose body returns no credential).

Unknown calls do *not* propagate: ``User.query.filter_by(api_key=k).first()``
is a user, not a key. That keeps precision high; the name heuristic still
applies to whatever the result is bound to.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import libcst as cst

from . import request_model as rm
from .imports import dotted_name
from .index import ModuleIndex, string_value, subscript_key
from .names import Strength, is_credential_url
from .settings import AnalysisSettings
from .taint import CLEAN, UNKNOWN, Kind, Label, Origin, Taint, element, join, taint_of, union

Env = Mapping[str, Taint]


class EvaluationHost(Protocol):
    """What evaluating an expression asks of the module it is in (``ModuleAnalysis``)."""

    index: ModuleIndex
    settings: AnalysisSettings

    def module_env(self) -> Env: ...

    def g_taint(self, attr: str) -> Taint: ...

    def session_taint(self, key: str) -> Taint: ...

    def apply_summary(
        self,
        func: cst.FunctionDef,
        call: cst.Call,
        env: Env,
        evaluator: Evaluator,
        bound: bool = False,
    ) -> Taint: ...

    def apply_external(
        self, qualified: str, call: cst.Call, env: Env, evaluator: Evaluator
    ) -> Taint | None: ...

    def external_constant(self, qualified: str) -> str | None: ...

    def literal_verdict(
        self, name: str, value: str | None, node: cst.CSTNode | None = None
    ) -> Taint: ...

    def class_literal(self, class_name: str, attr: str) -> Taint | None: ...

    def external_literal(self, qualified: str) -> Taint | None: ...

    def external_request_alias(self, qualified: str) -> bool: ...

    def names_a_path(self, node: cst.CSTNode) -> bool: ...


class Mode(enum.Enum):
    """LINT judges parameters by name; SUMMARY keeps them symbolic (PARAM labels)."""

    LINT = "lint"
    SUMMARY = "summary"


SANITISER_WORDS = (
    "redact",
    "mask",
    "censor",
    "obfuscate",
    "sanitize",
    "sanitise",
    "scrub",
    "anonymize",
    "anonymise",
    "hash",
    "digest",
    "fingerprint",
)

CLEAN_BUILTINS = frozenset(
    {
        "len",
        "bool",
        "int",
        "float",
        "hash",
        "id",
        "type",
        "isinstance",
        "issubclass",
        "callable",
        "hasattr",
        "abs",
        "round",
        "ord",
        "chr",
        "range",
        "print",
        "any",
        "all",
        "sum",
    }
)
PROPAGATING_BUILTINS = frozenset(
    {
        "str",
        "repr",
        "ascii",
        "bytes",
        "bytearray",
        "format",
        "dict",
        "list",
        "tuple",
        "set",
        "frozenset",
        "sorted",
        "reversed",
        "iter",
        "next",
        "enumerate",
        "zip",
        "vars",
    }
)
PROPAGATING_CALLS = frozenset(
    {
        "json.dumps",
        "json.loads",
        "pprint.pformat",
        "base64.b64encode",
        "base64.b64decode",
        "base64.urlsafe_b64encode",
        "base64.urlsafe_b64decode",
        "base64.b32encode",
        "base64.b16encode",
        "codecs.encode",
        "codecs.decode",
        "urllib.parse.quote",
        "urllib.parse.quote_plus",
        "urllib.parse.unquote",
        "urllib.parse.unquote_plus",
        "urllib.parse.urlencode",
        "urllib.parse.parse_qs",
        "urllib.parse.parse_qsl",
        "html.escape",
        "markupsafe.escape",
        "markupsafe.Markup",
        "flask.escape",
        "shlex.quote",
        "copy.copy",
        "copy.deepcopy",
        "collections.OrderedDict",
        "werkzeug.datastructures.MultiDict",
    }
)
# Modules whose every function yields something that is not the credential itself.
CLEAN_MODULES = frozenset({"hashlib", "hmac", "bcrypt", "uuid", "time", "datetime", "math", "zlib"})
CLEAN_CALLS = frozenset(
    {"os.getcwd", "secrets.compare_digest", "os.getpid", "socket.gethostname", "platform.node"}
)
ENV_READERS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault", "os.environ.pop"})
STRING_METHODS = frozenset(
    {
        "strip",
        "lstrip",
        "rstrip",
        "lower",
        "upper",
        "casefold",
        "title",
        "capitalize",
        "swapcase",
        "replace",
        "split",
        "rsplit",
        "splitlines",
        "partition",
        "rpartition",
        "encode",
        "decode",
        "format",
        "format_map",
        "join",
        "ljust",
        "rjust",
        "center",
        "zfill",
        "expandtabs",
        "removeprefix",
        "removesuffix",
        "translate",
        "hex",
        "__str__",
        "__repr__",
    }
)
# String methods whose arguments are data copied into the result.
DATA_ARGUMENT_METHODS = frozenset({"join", "format", "format_map", "replace"})
CLEAN_METHODS = frozenset(
    {
        "startswith",
        "endswith",
        "isdigit",
        "isalnum",
        "isalpha",
        "isascii",
        "count",
        "find",
        "rfind",
        "index",
        "rindex",
        "hexdigest",
        "digest",
        "keys",
        "__len__",
        "__contains__",
        "__eq__",
    }
)
# Exception attributes that carry its message or internals (``e.description`` of an
# HTTPException is the message meant for the client, so it is not here).
EXCEPTION_DETAIL_ATTRIBUTES = frozenset(
    {"args", "message", "msg", "strerror", "orig", "detail", "__traceback__"}
)
EXCEPTION_TEXT_CALLS = frozenset(
    {
        "traceback.format_exc",
        "traceback.format_exception",
        "traceback.format_tb",
        "traceback.format_stack",
        "sys.exc_info",
        "sys.exception",
    }
)
CONFIG_NAMES = frozenset({"config", "settings", "conf", "cfg", "configuration", "secrets_config"})
MAX_SANITISING_SLICE = 4


# Verbs that say a function removes data: trusted by name even for project functions.
REMOVAL_VERBS = (
    "redact",
    "mask",
    "scrub",
    "censor",
    "obfuscate",
    "sanitize",
    "sanitise",
    "anonymize",
    "anonymise",
)
# ``unmask_token``, ``deobfuscate``: the opposite of a sanitiser.
_REVERSING_PREFIXES = ("un", "de")


_SANITISER = re.compile("|".join(SANITISER_WORDS))
_REVERSED = re.compile(f"(?:{'|'.join(_REVERSING_PREFIXES)})(?:{'|'.join(SANITISER_WORDS)})")


def is_sanitiser_name(name: str) -> bool:
    """A library function whose name says it redacts, hashes or fingerprints (anywhere in
    the name, ``redact_url``), unless it undoes that (``unmask``, ``deobfuscate``)."""
    lowered = name.lower()
    return _SANITISER.search(lowered) is not None and _REVERSED.search(lowered) is None


def removes_data(name: str) -> bool:
    """A function named by a removal verb (``redact*``, ``mask*``, ``scrub*``...): trusted as a
    sanitiser even in the project; ``hash``/``fingerprint`` helpers are judged by their body."""
    return name.lower().lstrip("_").startswith(REMOVAL_VERBS)


# What a verification or decoding returns is claims (identity), not the secret it checked.
CLAIM_DECODERS = frozenset(
    {
        "jwt.decode",
        "jwt.api_jwt.decode",
        "jwt.decode_complete",
        "jose.jwt.decode",
        "authlib.jose.jwt.decode",
        "flask_jwt_extended.decode_token",
        "flask_jwt_extended.get_jwt",
        "flask_jwt_extended.get_jwt_identity",
        "flask_jwt_extended.get_current_user",
    }
)
# Objects that stand for the authenticated user (their attributes are still judged by name).
IDENTITY_OBJECTS = frozenset({"flask_login.current_user", "flask_jwt_extended.current_user"})
_IDENTITY_PREFIXES = ("verify", "check", "authenticate", "validate")
_IDENTITY_NAMES = frozenset({"load_user", "user_loader", "get_user", "current_user"})


def returns_identity(name: str) -> bool:
    """``verify_auth_token(t)``, ``check_key(k)``, ``authenticate(u, p)``, ``load_user(id)``:
    their result says who the caller is, not what they presented."""
    lowered = name.lower().lstrip("_")
    return lowered.startswith(_IDENTITY_PREFIXES) or lowered in _IDENTITY_NAMES


# Template renderers: their keyword context is written into the response body (FLK105).
TEMPLATE_RENDERERS = frozenset(
    {
        "flask.render_template",
        "flask.render_template_string",
        "flask.templating.render_template",
        "flask_themes2.render_theme_template",
    }
)
# URL parsers and builders: the parts of a URL still hold its userinfo (FLK106).
URL_PARSERS = frozenset(
    {
        "urllib.parse.urlsplit",
        "urllib.parse.urlparse",
        "urllib.parse.urlunsplit",
        "urllib.parse.urlunparse",
        "sqlalchemy.engine.make_url",
        "sqlalchemy.engine.url.make_url",
        "sqlalchemy.make_url",
        "yarl.URL",
        "httpx.URL",
        "furl.furl",
    }
)
# Parts of a parsed URL that carry no password.
URL_CLEAN_PARTS = frozenset(
    {
        "hostname",
        "host",
        "port",
        "scheme",
        "path",
        "database",
        "drivername",
        "username",
        "user",
        "fragment",
        "raw_host",
        "origin",
    }
)
URL_PASSWORD_PARTS = frozenset({"password", "raw_password"})
# Methods of a parsed URL that render it again (with its password).
URL_RENDERERS = frozenset({"geturl", "unsplit", "human_repr", "__str__", "tostr", "url"})
# ``url.render_as_string(hide_password=True)``, ``url.set(password=None)``...: the password
# removed (SQLAlchemy's ``render_as_string`` hides it by default).
URL_REDACTORS = frozenset(
    {"render_as_string", "set", "_replace", "with_password", "copy_with", "with_user"}
)
HTTP_CLIENTS = frozenset({"requests", "httpx"})
HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
# Annotations that make a parameter an HTTP client's response or request object.
HTTP_TYPES = frozenset(
    {
        "httpx.Response",
        "httpx.Request",
        "requests.Response",
        "requests.PreparedRequest",
        "requests.models.Response",
        "requests.models.PreparedRequest",
        "aiohttp.ClientResponse",
    }
)
CREDENTIAL_URL = "(credential URL)"
KNOWN_URL = "(literal URL)"


def callee_name(func: cst.BaseExpression) -> str | None:
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


def short_slice(node: cst.Subscript) -> bool:
    """``x[-4:]``, ``x[:4]``, ``x[0:3]``: a constant slice of at most four characters."""
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Slice):
        return False
    part = node.slice[0].slice
    if part.step is not None:
        return False
    lower, upper = _int_value(part.lower), _int_value(part.upper)
    if (part.lower is not None and lower is None) or (part.upper is not None and upper is None):
        return False
    if lower is None and upper is not None:
        return 0 <= upper <= MAX_SANITISING_SLICE
    if lower is not None and upper is None:
        return -MAX_SANITISING_SLICE <= lower < 0
    if lower is not None and upper is not None:
        same_sign = (lower >= 0) == (upper >= 0) or upper == 0
        return same_sign and 0 <= upper - lower <= MAX_SANITISING_SLICE
    return False


def _int_value(expr: cst.BaseExpression | None) -> int | None:
    if isinstance(expr, cst.Integer):
        return int(expr.value, 0)
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        inner = _int_value(expr.expression)
        return -inner if inner is not None else None
    return None


class Evaluator:
    """Evaluates expressions of one scope under a given environment."""

    def __init__(self, analysis: EvaluationHost, scope: cst.CSTNode, mode: Mode) -> None:
        self.analysis = analysis
        self.index = analysis.index
        self.names = analysis.settings.names
        self.scope = scope
        self.mode = mode
        self._dispatch: dict[type, Callable[[cst.BaseExpression, Env], Taint]] = {
            cst.Name: self._name,  # type: ignore[dict-item]
            cst.Attribute: self._attribute,  # type: ignore[dict-item]
            cst.Subscript: self._subscript,  # type: ignore[dict-item]
            cst.Call: self._call,  # type: ignore[dict-item]
            cst.FormattedString: self._fstring,  # type: ignore[dict-item]
            cst.ConcatenatedString: self._concat,  # type: ignore[dict-item]
            cst.BinaryOperation: self._binary,  # type: ignore[dict-item]
            cst.BooleanOperation: self._boolean,  # type: ignore[dict-item]
            cst.IfExp: self._ifexp,  # type: ignore[dict-item]
            cst.Tuple: self._sequence,  # type: ignore[dict-item]
            cst.List: self._sequence,  # type: ignore[dict-item]
            cst.Set: self._sequence,  # type: ignore[dict-item]
            cst.Dict: self._dict,  # type: ignore[dict-item]
            cst.Await: self._await,  # type: ignore[dict-item]
            cst.NamedExpr: self._named,  # type: ignore[dict-item]
            cst.StarredElement: self._starred,  # type: ignore[dict-item]
            cst.ListComp: self._comprehension,  # type: ignore[dict-item]
            cst.SetComp: self._comprehension,  # type: ignore[dict-item]
            cst.GeneratorExp: self._comprehension,  # type: ignore[dict-item]
            cst.DictComp: self._comprehension,  # type: ignore[dict-item]
        }

    # -- entry point -------------------------------------------------------------------

    def credential_target(self, name: str) -> bool:
        """Names that receive a credential when one is unpacked (``token``, ``password``)."""
        return self.names.is_credential(name, Strength.REQUEST)

    def eval(self, expr: cst.BaseExpression, env: Env) -> Taint:
        handler = self._dispatch.get(type(expr))
        if handler is not None:
            return handler(expr, env)
        if isinstance(
            expr, cst.SimpleString | cst.Integer | cst.Float | cst.Imaginary | cst.Ellipsis
        ):
            return CLEAN
        # Comparisons, ``not``, unary minus, lambdas: never the credential itself.
        return CLEAN

    def is_request(self, expr: cst.BaseExpression, env: Env) -> bool:
        return self.eval(expr, env).has(Kind.REQUEST)

    # -- names ---------------------------------------------------------------------------

    def _name(self, node: cst.Name, env: Env) -> Taint:
        name = node.value
        if name in env:
            return self.with_name(env[name], name, node)
        if name in ("True", "False", "None"):
            return CLEAN
        qualified = self.index.imports.bindings.get(name)
        if qualified is not None:
            if qualified == "flask.request":
                return taint_of(Label(Kind.REQUEST, "request", node=node))
            if qualified in IDENTITY_OBJECTS or name in self.index.imports.module_aliases:
                return Taint(no_name=True)
            if self._judged(name):
                # ``from .crypto import FAILED_TO_DECRYPT_PASSWORD``: a label, unless a secret.
                literal = self.analysis.external_literal(qualified)
                if literal is not None:
                    return literal
            return self.with_name(UNKNOWN, name, node)
        if not isinstance(self.scope, cst.Module):
            module_env = self.analysis.module_env()
            if name in module_env:
                return self.with_name(module_env[name], name, node)
        if name in self.index.functions or name in self.index.classes:
            return Taint(no_name=True)
        return self.with_name(UNKNOWN, name, node)

    def _judged(self, name: str) -> bool:
        """Would the name heuristic say something about this name (so its binding matters)?"""
        return self.names.is_credential(name) or is_credential_url(name)

    def with_name(
        self,
        value: Taint,
        name: str,
        node: cst.CSTNode,
        strength: Strength = Strength.STRICT,
        origin: Origin = Origin.NAME,
    ) -> Taint:
        """Apply the name heuristic: ``api_key`` holds a credential unless known clean.

        A name that declares a transformation (``key_hash``, ``masked_token``) is
        trusted as sanitised even when flow says otherwise (the contract's rule).
        ``DATABASE_URL``, ``proxy_url`` hold a URL that may carry a password.
        """
        if not value.no_name and self.names.is_sanitised_name(name):
            return CLEAN
        if value.clean or value.no_name:
            return value
        if self.mode is Mode.SUMMARY and value.has(Kind.PARAM):
            return value
        added: list[Label] = []
        if not value.has(Kind.CONN_URL) and is_credential_url(name):
            added.append(Label(Kind.CONN_URL, f"'{name}'", origin, node))
        if (
            not value.has(Kind.CRED)
            and self.names.is_credential(name, strength)
            and not self.analysis.names_a_path(node)
        ):
            added.append(Label(Kind.CRED, f"'{name}'", origin, node))
        if not added:
            return value
        return Taint(value.labels.union(added), elements=value.elements)

    # -- attributes ----------------------------------------------------------------------

    def _attribute(self, node: cst.Attribute, env: Env) -> Taint:
        attr = node.attr.value
        qualified = self.index.imports.resolve(node)
        if qualified == "flask.request":
            return taint_of(Label(Kind.REQUEST, "request", node=node))
        if qualified in IDENTITY_OBJECTS:
            return Taint(no_name=True)
        if qualified is not None and qualified.startswith("flask.g."):
            return self.with_name(self.analysis.g_taint(attr), attr, node)
        base = self.eval(node.value, env)
        if base.has(Kind.REQUEST) or (
            attr in rm.REQUEST_ATTRIBUTES and self._request_alias(node.value, env)
        ):
            return self._request_attribute(attr, node)
        if self.index.resolves_to(node.value, "flask.g"):
            return self.with_name(self.analysis.g_taint(attr), attr, node)
        if base.has(Kind.EXC) and attr in EXCEPTION_DETAIL_ATTRIBUTES:
            return Taint(frozenset(base.of(Kind.EXC)))
        if base.has(Kind.CRED) or base.has(Kind.DUMP):
            if self.names.is_credential(attr, Strength.HEADER):
                labels = base.of(Kind.CRED) or [
                    Label(Kind.CRED, f"'{attr}' of {lb.what}", Origin.REQUEST, node)
                    for lb in base.of(Kind.DUMP)
                ]
                return Taint(frozenset(labels))
            return UNKNOWN
        if base.has(Kind.CONN_URL) or base.has(Kind.HTTP) or base.has(Kind.OUTBOUND_URL):
            return self._url_attribute(attr, base, node)
        if base.clean:
            return CLEAN
        if self._judged(attr):
            literal = self._literal_attribute(node, qualified)
            if literal is not None:
                return literal
        origin = Origin.SERVER if self._is_config(node.value) else Origin.NAME
        return self.with_name(UNKNOWN, attr, node, origin=origin)

    def _request_alias(self, expr: cst.BaseExpression, env: Env) -> bool:
        """``search_request`` imported from a project module that binds it to
        ``typing.cast(..., flask.request)``."""
        if not isinstance(expr, cst.Name) or expr.value in env:
            return False
        qualified = self.index.imports.bindings.get(expr.value)
        return (
            qualified is not None
            and qualified != "flask.request"
            and expr.value not in self.index.imports.module_aliases
            and self.analysis.external_request_alias(qualified)
        )

    def _literal_attribute(self, node: cst.Attribute, qualified: str | None) -> Taint | None:
        """``ConfigKey.SECRET_KEY``, ``cls.PASSWORD``, ``LoginMechanism.APIKEY``: a class
        attribute bound to a literal is a label (unless the literal is a real secret)."""
        attr = node.attr.value
        receiver = node.value
        if isinstance(receiver, cst.Name):
            name = receiver.value
            if name in self.index.classes and name not in self.index.imports.bindings:
                return self.analysis.class_literal(name, attr)
            if name == "cls" or (name == "self" and attr.isupper()):
                owner = self._enclosing_class()
                if owner is not None:
                    return self.analysis.class_literal(owner, attr)
        if qualified is not None:
            return self.analysis.external_literal(qualified)
        return None

    def _enclosing_class(self) -> str | None:
        scope = self.scope
        return self.index.class_of.get(scope) if isinstance(scope, cst.FunctionDef) else None

    def _url_attribute(self, attr: str, base: Taint, node: cst.Attribute) -> Taint:
        """Parts of a parsed URL, of an HTTP client's response or request object."""
        if base.has(Kind.HTTP):
            http = base.of(Kind.HTTP)
            if attr == "request":
                return Taint(frozenset(http))
            if attr == "url":
                if all(KNOWN_URL in lb.what for lb in http):
                    return CLEAN  # ``requests.get("https://api/status").url``
                labels = [Label(Kind.OUTBOUND_URL, "the URL of an outgoing request", node=node)]
                if any(CREDENTIAL_URL in lb.what for lb in http):
                    labels.append(
                        Label(
                            Kind.CONN_URL, "the URL of a request built with a credential", node=node
                        )
                    )
                return Taint(frozenset(labels))
            return UNKNOWN
        if attr in URL_CLEAN_PARTS:
            return CLEAN
        urls = [lb for lb in base.labels if lb.kind in (Kind.CONN_URL, Kind.OUTBOUND_URL)]
        if attr in URL_PASSWORD_PARTS:
            return taint_of(
                *(Label(Kind.CRED, f"password of {lb.what}", Origin.NAME, node) for lb in urls)
            )
        if attr in ("netloc", "url", "raw_netloc", "authority", "userinfo", "auth"):
            return Taint(frozenset(urls))
        return UNKNOWN

    def _request_attribute(self, attr: str, node: cst.Attribute) -> Taint:
        kind = rm.REQUEST_ATTRIBUTES.get(attr)
        if kind is None:
            return UNKNOWN  # path, method, endpoint, remote_addr...: fine to log
        return taint_of(Label(kind, f"request.{attr}", node=node))

    def _is_config(self, expr: cst.BaseExpression) -> bool:
        if self.index.resolves_to(expr, "os.environ"):
            return True
        dotted = dotted_name(expr)
        if dotted is None:
            return False
        last = dotted.rsplit(".", 1)[-1].lower()
        return last in CONFIG_NAMES or last.endswith(("_config", "_settings"))

    # -- subscripts and field reads ------------------------------------------------------

    def key_of(self, expr: cst.BaseExpression | None) -> str | None:
        """A literal key, or a constant naming one (``HEADER``, ``auth.API_KEY_HEADER``)."""
        literal = string_value(expr)
        if literal is not None or expr is None:
            return literal
        if isinstance(expr, cst.Name) and expr.value in self.index.constants:
            return self.index.constants[expr.value]
        if isinstance(expr, cst.Name | cst.Attribute):
            qualified = self.index.imports.resolve(expr)
            if qualified is not None:
                return self.analysis.external_constant(qualified)
        return None

    def _subscript(self, node: cst.Subscript, env: Env) -> Taint:
        base = self.eval(node.value, env)
        if short_slice(node):
            return CLEAN if base.tainted or base.clean else base
        if _first_piece(node) and base.has(Kind.CRED):
            # ``header.split(" ")[0]`` is the scheme ("Bearer"), ``decoded.split(":")[0]``
            # the user name: the part before the secret, not the secret.
            return Taint(frozenset(lb for lb in base.labels if lb.kind is not Kind.CRED))
        index = _index_expression(node)
        if isinstance(index, cst.Integer) and base.elements is not None:
            return element(base, int(index.value, 0))  # ``rows[0]``: that item of a display
        return self.field(node.value, base, self.key_of(index), node)

    def field(
        self,
        receiver: cst.BaseExpression,
        base: Taint,
        key: str | None,
        node: cst.CSTNode,
        default: Taint | None = None,
    ) -> Taint:
        """The value of ``receiver[key]`` / ``receiver.get(key)``."""
        if base.clean and default is None:
            return CLEAN  # ``digest[:12]``: part of a known-clean value
        extra = [default] if default is not None else []
        if base.elements is not None and key is not None and not base.fields:
            # ``rows["serial"]`` projected onto a list of dicts: that field of each of them.
            parts = [self.field(receiver, item, key, node) for item in base.elements]
            value = join(parts) if parts else CLEAN
            return union([value, *extra]) if extra else value
        if base.fields:
            # A dict whose fields are known: ``tokens[serial]`` reads one of its values.
            if key is not None:
                stored = base.field(key)
                assert stored is not None
                value = self.with_name(stored, key, node, Strength.KEY)
            else:
                value = join(v for _, v in base.fields)
            return union([value, *extra]) if extra else value
        mappings = base.of(Kind.DUMP) + base.of(Kind.URL)
        if mappings:
            return self._request_field(mappings, key, node, default)
        if base.labels:
            # ``creds["token"]``, ``auth.split()[1]``, ``exc.args[0]``: a part of a tainted value.
            if self.mode is Mode.SUMMARY and base.has(Kind.PARAM):
                base = _param_field(base, key)  # ``params["url"]``: that field, not all of it
            elif key is not None and base.has(Kind.CRED):
                named = self._named_container_field(base, key, node)
                if named is not None:
                    return union([named, *extra]) if extra else named
            return union([Taint(base.labels), *extra])
        if key is None:
            return union([UNKNOWN, *extra]) if extra else UNKNOWN
        if self.index.resolves_to(receiver, "flask.session"):
            value = self.analysis.session_taint(key)
            return union([self.with_name(value, key, node, Strength.KEY), *extra])
        if self._is_config(receiver):
            value = self.with_name(UNKNOWN, key, node, Strength.SETTING, Origin.SERVER)
        else:
            value = self.with_name(UNKNOWN, key, node, Strength.KEY)
        return union([value, *extra]) if extra else value

    def _named_container_field(self, base: Taint, key: str, node: cst.CSTNode) -> Taint | None:
        """``credentials["account_id"]`` of a container that is a credential only by its name
        (or its setting's name): the field's own name decides (``client_secret`` is one,
        ``client_id`` is not). Containers are field-sensitive; flow labels stay."""
        judged = [
            lb
            for lb in base.labels
            if lb.kind is Kind.CRED and lb.origin in (Origin.NAME, Origin.SERVER)
        ]
        if not judged:
            return None
        kept = Taint(base.labels.difference(judged))
        if any(lb.origin is Origin.SERVER for lb in judged):
            return self.with_name(kept, key, node, Strength.SETTING, Origin.SERVER)
        return self.with_name(kept, key, node, Strength.KEY)

    def _request_field(
        self, mappings: Sequence[Label], key: str | None, node: cst.CSTNode, default: Taint | None
    ) -> Taint:
        if key is None:
            return taint_of(*(Label(Kind.FIELD, m.what, node=node) for m in mappings))
        labels: set[Label] = set()
        for mapping in mappings:
            label = self._request_field_label(mapping, key, node)
            labels.add(
                label
                if label is not None
                else Label(Kind.FIELD, f"{mapping.what}['{key}']", node=node)
            )
        if default is not None:
            labels |= default.labels
        return Taint(frozenset(labels))

    def _request_field_label(self, mapping: Label, key: str, node: cst.CSTNode) -> Label | None:
        source = mapping.what
        if source == "request.environ" and key.upper() in rm.ENVIRON_URL_KEYS:
            return Label(Kind.URL, f"request.environ['{key}']", node=node)
        if source in rm.HEADER_MAPPINGS:
            strength = Strength.SETTING if source == "request.environ" else Strength.HEADER
            what = f"header '{key}'"
        elif source == "request.cookies":
            if key.lower() in rm.SESSION_COOKIES:
                return Label(Kind.CRED, f"cookie '{key}'", Origin.REQUEST, node)
            strength, what = Strength.REQUEST, f"cookie '{key}'"
        elif source in ("request.args", "request.values", "request.url", "request.query_string"):
            strength, what = Strength.REQUEST, f"query parameter '{key}'"
        elif source == "request.authorization":
            strength, what = Strength.HEADER, f"authorization '{key}'"
        else:
            strength, what = Strength.REQUEST, f"request field '{key}'"
        if self.names.is_credential(key, strength):
            return Label(Kind.CRED, what, Origin.REQUEST, node)
        return None

    # -- calls ---------------------------------------------------------------------------

    def _call(self, node: cst.Call, env: Env) -> Taint:
        func = node.func
        name = callee_name(func)
        if name is not None and removes_data(name):
            return CLEAN  # ``redact_url(...)``, ``self._mask(...)``: trusted by name (contract)
        qualified = self.index.imports.resolve(func)
        if qualified is not None:
            result = self._qualified_call(qualified, node, env)
            if result is not None:
                return _identity(name, result)
        if isinstance(func, cst.Name) and func.value not in env:
            result = self._name_call(func.value, node, env)
            if result is not None:
                return _identity(name, result)
        if isinstance(func, cst.Attribute):
            return _identity(name, self._method_call(func, node, env))
        if name is not None and is_sanitiser_name(name):
            return CLEAN
        return UNKNOWN

    def _qualified_call(self, qualified: str, node: cst.Call, env: Env) -> Taint | None:
        if qualified in self.analysis.settings.sanitizers:
            return CLEAN
        if qualified.split(".")[0] in CLEAN_MODULES or qualified in CLEAN_CALLS:
            return CLEAN
        if qualified.startswith("os.path."):
            return CLEAN
        if qualified in ENV_READERS:
            key = self.key_of(node.args[0].value) if node.args else None
            if key is None:
                return UNKNOWN
            default = self._args(node.args[1:2], env) if len(node.args) > 1 else None
            value = self.with_name(UNKNOWN, key, node, Strength.SETTING, Origin.SERVER)
            return union([value, default]) if default is not None else value
        if qualified in EXCEPTION_TEXT_CALLS:
            return taint_of(Label(Kind.EXC, f"{qualified}()", node=node))
        if qualified == "typing.cast" and len(node.args) == 2:
            return self.eval(node.args[1].value, env)
        if qualified in PROPAGATING_CALLS or qualified in URL_PARSERS:
            return self._args(node.args, env)
        if qualified == "flask.request.get_json" or qualified == "flask.request.get_data":
            return taint_of(Label(Kind.DUMP, f"{qualified.removeprefix('flask.')}()", node=node))
        if qualified in CLAIM_DECODERS:
            return Taint(no_name=True)  # claims: who the token says the caller is
        if qualified in TEMPLATE_RENDERERS:
            return self._template_context(node, env)
        head, _, last = qualified.rpartition(".")
        if head in HTTP_CLIENTS and last in HTTP_VERBS:
            return self._http_response(qualified, node, env)
        return self.analysis.apply_external(qualified, node, env, self)

    def _template_context(self, node: cst.Call, env: Env) -> Taint:
        """``render_template("x.html", password=p)``: the context is written into the page.

        Carried through project helpers that render (their summaries return the context's
        credentials and parameters); where the call itself stands, FLK105 judges it there,
        and exception detail in a template is FLK204's, judged at the call."""
        if self.mode is not Mode.SUMMARY:
            return UNKNOWN
        context = [arg for arg in node.args if arg.keyword is not None or arg.star == "**"]
        taint = self._args(context, env)
        return Taint(frozenset(lb for lb in taint.labels if lb.kind in (Kind.CRED, Kind.PARAM)))

    def _http_response(self, qualified: str, node: cst.Call, env: Env) -> Taint:
        """``requests.get(url)``: a response whose ``.url`` is the URL it was sent to."""
        urls = [
            arg
            for arg in node.args
            if arg.keyword is None or arg.keyword.value in ("url", "params")
        ]
        sent = self._args(urls, env)
        marker = ""
        if sent.has(Kind.CRED) or sent.has(Kind.CONN_URL):
            marker = f" {CREDENTIAL_URL}"
        elif sent.clean:
            marker = f" {KNOWN_URL}"
        return taint_of(Label(Kind.HTTP, f"response of {qualified}(){marker}", node=node))

    def _name_call(self, name: str, node: cst.Call, env: Env) -> Taint | None:
        func_def = self.index.functions.get(name)
        if func_def is not None:
            return self.analysis.apply_summary(func_def, node, env, self)
        if name in self.index.imports.bindings:
            return None
        if name in CLEAN_BUILTINS:
            return CLEAN
        if name in PROPAGATING_BUILTINS:
            return self._args(node.args, env)
        return None

    def _method_call(self, func: cst.Attribute, node: cst.Call, env: Env) -> Taint:
        method = func.attr.value
        receiver = func.value
        if isinstance(receiver, cst.Name) and receiver.value in ("self", "cls"):
            func_def = self._own_method(method)
            if func_def is not None:
                return self.analysis.apply_summary(func_def, node, env, self, bound=True)
        base = self.eval(receiver, env)
        if base.has(Kind.REQUEST) and method in rm.REQUEST_METHODS:
            return taint_of(Label(rm.REQUEST_METHODS[method], f"request.{method}()", node=node))
        if base.has(Kind.DUMP) or base.has(Kind.URL):
            if method in rm.FIELD_READERS:
                key = self.key_of(node.args[0].value) if node.args else None
                default = self._args(node.args[1:2], env) if len(node.args) > 1 else None
                return self.field(receiver, base, key, node, default)
            if method in rm.WHOLE_VIEWS:
                return Taint(
                    frozenset(lb for lb in base.labels if lb.kind in (Kind.DUMP, Kind.URL))
                )
            return UNKNOWN
        if base.has(Kind.HTTP):
            return UNKNOWN  # ``response.json()``, ``response.raise_for_status()``
        if base.has(Kind.CONN_URL) or base.has(Kind.OUTBOUND_URL):
            kept = self._url_method(method, base, node)
            if kept is not None:
                return kept
        if is_sanitiser_name(method):
            return CLEAN
        if method in CLEAN_METHODS:
            return CLEAN
        if method in STRING_METHODS:
            # Only these take data that ends up in the result (``sep.join(parts)``); the
            # others take separators or encodings (``jwt.decode(token)`` is no ``str``).
            args = self._args(node.args, env) if method in DATA_ARGUMENT_METHODS else CLEAN
            result = union([Taint(base.labels, base.clean), args])
            if self.mode is Mode.SUMMARY and method in _PIECES and base.has(Kind.PARAM):
                # Pieces of a parameter: at the call site, fields of a request body, not it.
                return _param_field(result, None)
            if method == "format":
                return self._built_url(result, _url_template(receiver), node)
            return result
        if method in ("get", "pop", "setdefault") and node.args:
            key = self.key_of(node.args[0].value)
            default = self._args(node.args[1:2], env) if len(node.args) > 1 else None
            return self.field(receiver, base, key, node, default)
        if base.clean:
            return CLEAN
        return UNKNOWN

    def _url_method(self, method: str, base: Taint, node: cst.Call) -> Taint | None:
        """``url.render_as_string(hide_password=True)`` removes the password; ``geturl()``
        renders the URL again; ``None``: not a URL method."""
        urls = frozenset(lb for lb in base.labels if lb.kind in (Kind.CONN_URL, Kind.OUTBOUND_URL))
        if method in URL_REDACTORS:
            keeps = any(
                arg.keyword is not None
                and arg.keyword.value == "hide_password"
                and not (isinstance(arg.value, cst.Name) and arg.value.value == "True")
                for arg in node.args
            )
            return Taint(urls) if keeps else CLEAN
        if method in URL_RENDERERS:
            return Taint(urls)
        return None

    def _built_url(self, value: Taint, template: bool, node: cst.CSTNode) -> Taint:
        """A URL built with a credential (``f"https://api/?key={api_key}"``) carries it."""
        if not template or value.has(Kind.CONN_URL):
            return value
        creds = value.of(Kind.CRED)
        if not creds:
            return value
        label = Label(Kind.CONN_URL, f"a URL built with credential {creds[0].what}", node=node)
        return Taint(value.labels | {label}, value.clean, value.elements)

    def _own_method(self, method: str) -> cst.FunctionDef | None:
        scope = self.scope
        if not isinstance(scope, cst.FunctionDef):
            return None
        class_name = self.index.class_of.get(scope)
        if class_name is None:
            return None
        return self.index.methods.get(class_name, {}).get(method)

    def _args(self, args: Sequence[cst.Arg], env: Env) -> Taint:
        return union(self.eval(arg.value, env) for arg in args) if args else CLEAN

    # -- composite values ----------------------------------------------------------------

    def _fstring(self, node: cst.FormattedString, env: Env) -> Taint:
        parts = [
            self.eval(part.expression, env)
            for part in node.parts
            if isinstance(part, cst.FormattedStringExpression)
        ]
        if not parts:
            return CLEAN
        value = union(parts)
        if not value.has(Kind.CRED):
            return value
        text = "".join(
            part.value for part in node.parts if isinstance(part, cst.FormattedStringText)
        )
        return self._built_url(value, looks_like_url(text), node)

    def _concat(self, node: cst.ConcatenatedString, env: Env) -> Taint:
        return union([self.eval(node.left, env), self.eval(node.right, env)])

    def _binary(self, node: cst.BinaryOperation, env: Env) -> Taint:
        value = union([self.eval(node.left, env), self.eval(node.right, env)])
        if not value.has(Kind.CRED) or not isinstance(node.operator, cst.Add | cst.Modulo):
            return value
        return self._built_url(value, _url_template(node.left), node)

    def _boolean(self, node: cst.BooleanOperation, env: Env) -> Taint:
        return join([self.eval(node.left, env), self.eval(node.right, env)])

    def _ifexp(self, node: cst.IfExp, env: Env) -> Taint:
        # Only data flow counts: ``"header" if key else "param"`` holds no key.
        return join([self.eval(node.body, env), self.eval(node.orelse, env)])

    def _sequence(self, node: cst.Tuple | cst.List | cst.Set, env: Env) -> Taint:
        items = [self.eval(el.value, env) for el in node.elements]
        whole = union(items) if items else CLEAN
        if isinstance(node, cst.Set) or any(
            isinstance(el, cst.StarredElement) for el in node.elements
        ):
            return whole
        return Taint(whole.labels, whole.clean, tuple(items))

    def _dict(self, node: cst.Dict, env: Env) -> Taint:
        parts = []
        fields: dict[str, Taint] | None = {}
        for el in node.elements:
            if isinstance(el, cst.DictElement):
                key = string_value(el.key)
                value = self.eval(el.value, env)
                if key is not None:
                    value = self.keyed(key, value, el.value)
                    if fields is not None:
                        fields[key] = value
                else:
                    # A computed key (``PolicyAction.APIKEY``) adds what flows in, never a
                    # credential by name: the key is a label for the value stored under it.
                    parts.append(_flow_only(self.eval(el.key, env)))
                    fields = None
                parts.append(value)
            else:
                parts.append(self.eval(el.value, env))
                fields = None
        whole = union(parts) if parts else CLEAN
        if fields is None:
            return whole
        return Taint(whole.labels, whole.clean, None, False, tuple(sorted(fields.items())))

    def keyed(self, key: str, value: Taint, node: cst.BaseExpression) -> Taint:
        """A value stored under a name (dict key, keyword): ``{"api_key": x}`` says x is a key.

        In a summary a parameter stored under a credential key (``{"password": fields[5]}``
        of a parser) is named too: at the call site it is the credential, not the input."""
        if self.mode is Mode.SUMMARY and value.has(Kind.PARAM) and not value.has(Kind.CRED):
            if self.names.is_credential(key, Strength.KEY):
                label = Label(Kind.CRED, f"'{key}'", Origin.NAME, node)
                return Taint(value.labels | {label}, elements=value.elements)
            return value
        if value.tainted or value.clean or value.no_name:
            return value
        if isinstance(node, cst.Name | cst.Attribute):
            leaf = node.value if isinstance(node, cst.Name) else node.attr.value
            if self.names.is_sanitised_name(leaf) or self.names.is_excluded(leaf):
                return value
        return self.with_name(value, key, node, Strength.KEY)

    def _await(self, node: cst.Await, env: Env) -> Taint:
        return self.eval(node.expression, env)

    def _named(self, node: cst.NamedExpr, env: Env) -> Taint:
        return self.eval(node.value, env)

    def _starred(self, node: cst.StarredElement, env: Env) -> Taint:
        return self.eval(node.value, env)

    def _comprehension(
        self, node: cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp, env: Env
    ) -> Taint:
        inner = dict(env)
        comp: cst.CompFor | None = node.for_in
        while comp is not None:
            iterated = self.eval(comp.iter, inner)
            bind_target(
                inner, comp.target, iterated_item(comp.iter, iterated), self.credential_target
            )
            comp = comp.inner_for_in
        if isinstance(node, cst.DictComp):
            return union([self.eval(node.key, inner), self.eval(node.value, inner)])
        return self.eval(node.elt, inner)


_SPLITTERS = frozenset({"split", "rsplit", "partition", "rpartition"})
_PIECES = _SPLITTERS | {"splitlines"}
_URL_TEXT = re.compile(r"://|[?&][A-Za-z0-9_.\-\[\]]*=|^/[^ ]*\?")


def looks_like_url(text: str) -> bool:
    """``https://host/...``, ``?key=``, ``&token=``: text that is (part of) a URL."""
    return bool(_URL_TEXT.search(text))


def _url_template(expr: cst.BaseExpression) -> bool:
    """A URL literal, or a name that says it holds one (``search_url.format(...)``)."""
    literal = string_value(expr)
    if literal is not None:
        return looks_like_url(literal)
    if isinstance(expr, cst.FormattedString):
        return looks_like_url(
            "".join(p.value for p in expr.parts if isinstance(p, cst.FormattedStringText))
        )
    if isinstance(expr, cst.BinaryOperation):
        return _url_template(expr.left) or _url_template(expr.right)
    dotted = dotted_name(expr)
    if dotted is None:
        return False
    last = dotted.rsplit(".", 1)[-1].lower()
    return last.endswith(("url", "uri", "url_template", "endpoint"))


def _identity(name: str | None, result: Taint) -> Taint:
    """What ``verify_token(t)`` / ``authenticate(u, p)`` returns: claims, never the token."""
    if name is None or not returns_identity(name):
        return result
    return Taint(frozenset(lb for lb in result.labels if lb.kind is not Kind.CRED), no_name=True)


def _flow_only(value: Taint) -> Taint:
    """Without credentials judged by name only (a dict key, a label)."""
    labels = frozenset(
        lb for lb in value.labels if not (lb.kind is Kind.CRED and lb.origin is Origin.NAME)
    )
    return value if labels == value.labels else Taint(labels, value.clean and not labels)


def _param_field(value: Taint, key: str | None) -> Taint:
    """``p["url"]`` of a parameter in a summary: PARAM labels narrowed to that field."""
    labels = frozenset(
        Label(lb.kind, lb.what, lb.origin, lb.node, lb.param, lb.path, lb.line, key or "*")
        if lb.kind is Kind.PARAM and lb.field is None
        else lb
        for lb in value.labels
    )
    return Taint(labels, value.clean, value.elements, value.no_name, value.fields)


def _first_piece(node: cst.Subscript) -> bool:
    """``x.split(...)[0]`` / ``x.partition(...)[0]``."""
    value = node.value
    index = _index_expression(node)
    return (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value in _SPLITTERS
        and isinstance(index, cst.Integer)
        and index.value == "0"
    )


def _index_expression(node: cst.Subscript) -> cst.BaseExpression | None:
    if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        return node.slice[0].slice.value
    return None


def iterated_item(iter_expr: cst.BaseExpression, iterated: Taint) -> Taint:
    """Taint of the loop variable; loop variables over ``.items()``/``.keys()`` are not judged by name."""
    if iterated.fields is not None and not isinstance(iter_expr, cst.Call):
        return Taint(clean=True, no_name=True)  # iterating a dict yields its keys
    if iterated.elements and not isinstance(iter_expr, cst.Call):
        # ``for serial, kind, seed in [(...), ...]``: the items, with their shapes.
        return join(iterated.elements)
    if isinstance(iter_expr, cst.Call) and isinstance(iter_expr.func, cst.Attribute):
        method = iter_expr.func.attr.value
        if method == "keys":
            return Taint(clean=True, no_name=True)
        if method == "items":
            return Taint(
                iterated.labels,
                elements=(Taint(no_name=True), Taint(iterated.labels, no_name=True)),
                no_name=True,
            )
    return Taint(iterated.labels, iterated.clean, no_name=iterated.no_name)


def bind_target(
    env: dict[str, Taint],
    target: cst.BaseExpression,
    value: Taint,
    credential_name: Callable[[str], bool] | None = None,
) -> None:
    """Bind an assignment target in place (tuple unpacking keeps per-element taint).

    ``credential_name`` refines unpacking of a credential of unknown shape:
    in ``scheme, token = header.split()`` or ``user, password = decoded.split(":")``
    only the targets named like a credential receive it.
    """
    if isinstance(target, cst.Name):
        env[target.value] = value
    elif isinstance(target, cst.Tuple | cst.List):
        receivers = _credential_receivers(target, value, credential_name)
        for position, el in enumerate(target.elements):
            if isinstance(el, cst.StarredElement):
                item = Taint(value.labels, value.clean, no_name=value.no_name)
            else:
                item = element(value, position)
                if value.no_name and not item.no_name:
                    item = Taint(item.labels, item.clean, item.elements, True)
            if receivers is not None and not (
                isinstance(el.value, cst.Name) and el.value.value in receivers
            ):
                item = Taint(
                    frozenset(lb for lb in item.labels if lb.kind is not Kind.CRED), item.clean
                )
            bind_target(env, el.value, item, credential_name)
    elif isinstance(target, cst.StarredElement):
        bind_target(env, target.value, value, credential_name)
    elif isinstance(target, cst.Subscript):
        # ``d["k"] = key``: the container now holds the key (under that field).
        base = target.value
        if not isinstance(base, cst.Name):
            return
        old = env.get(base.value, UNKNOWN)
        key = subscript_key(target)
        if old.fields is not None or not old.labels:
            # A computed key (``tokens[serial] = {...}``) is stored as a wildcard field: the
            # dict's keys stay what they were, any read may return the value.
            env[base.value] = old.with_field(key if key is not None else "*", value)
        elif value.tainted:
            env[base.value] = union([old, Taint(value.labels)])


def _credential_receivers(
    target: cst.Tuple | cst.List, value: Taint, credential_name: Callable[[str], bool] | None
) -> set[str] | None:
    if credential_name is None or value.elements is not None or not value.has(Kind.CRED):
        return None
    names = {el.value.value for el in target.elements if isinstance(el.value, cst.Name)}
    receivers = {name for name in names if credential_name(name)}
    return receivers or None
