"""FLK402 hardcoded-credential: a string literal assigned to a credential name."""

from __future__ import annotations

import re

import libcst as cst

from ..analysis.imports import dotted_name
from ..analysis.index import string_value, subscript_key
from ..analysis.names import Strength, normalise
from ..core.model import Severity
from ..core.signals import Signal
from .base import Rule, RuleContext

_BRACKETED = re.compile(r"^\s*(<[^>]*>|\[[^\]]*\]|\{[^}]*\}|\([^)]*\))\s*$")
_TEMPLATED = re.compile(
    r"\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*|%\([^)]*\)[sdr]|\{\{[^}]*\}\}|\{[a-z_][a-z0-9_]*\}"
)
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_SEPARATORS = re.compile(r"[\s\-_.:]")
_WORD = re.compile(r"[A-Za-z]+")
# Containers of user-facing text: ``errors["password"] = "Password is required"``.
_MESSAGE_WORDS = (
    "error",
    "message",
    "msg",
    "label",
    "help",
    "hint",
    "text",
    "title",
    "placeholder",
    "description",
    "prompt",
    "translation",
    "i18n",
    "verbose",
)


def is_placeholder(value: str, target: str) -> bool:
    """Empty, one repeated character, ``<your-key>``, ``${API_KEY}``, or the target's own name."""
    stripped = value.strip()
    if not stripped:
        return True
    if len(set(_SEPARATORS.sub("", stripped))) <= 1:
        return True
    if _BRACKETED.match(stripped) or _TEMPLATED.search(stripped):
        return True
    if normalise(stripped) == normalise(target):
        return True
    return _is_message_about(stripped, target)


def _is_message_about(value: str, target: str) -> bool:
    """``"Password is required"`` for ``password``: prose that names the credential."""
    words = [w.lower() for w in _WORD.findall(value)]
    if value.count(" ") < 2 or len(words) < 3:
        return False
    name_words = {t for t in normalise(target).split("_") if len(t) > 2}
    fused = "".join(words)
    return any(w in name_words for w in words) or any(t in fused for t in name_words if len(t) > 4)


def _is_message_container(expr: cst.BaseExpression) -> bool:
    dotted = dotted_name(expr)
    if dotted is None:
        return False
    last = dotted.rsplit(".", 1)[-1].lower()
    return any(word in last for word in _MESSAGE_WORDS)


class HardcodedCredential(Rule):
    """
    ## What it does
    Flags a string literal assigned to a credential name — a variable,
    attribute, config key, dict key, keyword argument or parameter default
    such as `API_KEY`, `app.secret_key`, `app.config["SECRET_KEY"]`,
    `password=`. Empty strings, one repeated character (`"****"`), bracketed or
    templated placeholders (`"<your-key>"`, `"[REDACTED]"`, `"${API_KEY}"`), a
    literal equal to its own name, and test files are exempt.

    ## Why is this bad?
    A credential in source code is in every clone, fork, backup and CI log of
    the repository, and cannot be rotated without a deploy (CWE-798). A
    hard-coded `SECRET_KEY` lets anyone forge Flask session cookies.

    ## Example
    ```python
    app.config["SECRET_KEY"] = "s3cr3t-dev-key"
    STRIPE_API_KEY = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
    ```

    ## Use instead
    ```python
    app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    STRIPE_API_KEY = os.environ["STRIPE_API_KEY"]
    ```

    ## References
    - [CWE-798: Use of Hard-coded Credentials](https://cwe.mitre.org/data/definitions/798.html)
    - [Flask: SECRET_KEY](https://flask.palletsprojects.com/en/latest/config/#SECRET_KEY)
    """

    code = "FLK402"
    name = "hardcoded-credential"
    summary = "a string literal is assigned to a credential name"
    severity = Severity.ERROR
    cwe = 798
    fix_suggestion = 'read it from the environment or a secret store: os.environ["API_KEY"]'
    trigger = (Signal.CREDENTIAL_NAME, Signal.CREDENTIAL_LOOSE)

    VALID = (
        """
import os
API_KEY = os.environ["API_KEY"]
API_KEY_HEADER = "X-API-Key"
password = ""
SECRET_KEY = "SECRET_KEY"
token = "abc"
api_key = "<your-api-key>"
client_secret = "${CLIENT_SECRET}"
redacted = {"password": "****"}
""",
    )
    INVALID = (
        """
from flask import Flask
app = Flask(__name__)
app.config["SECRET_KEY"] = "dev-secret-123"  # FLK402:28
app.secret_key = "changeme"  # FLK402:18
STRIPE_API_KEY = "sk_live_abc123"  # FLK402:18
client = object()
def connect(password="hunter2"):  # FLK402:22
    return dict(api_key="k-123456")  # FLK402:25
""",
    )

    def _check(
        self, name: str | None, value: cst.BaseExpression | None, strength: Strength
    ) -> None:
        if name is None or value is None or self.context.is_test_file:
            return
        literal = _literal(value)
        if literal is None or is_placeholder(literal, name):
            return
        names = self.context.analysis.settings.names
        if _ENV_NAME.match(literal) and names.is_credential(literal, Strength.SETTING):
            return  # the name of an environment variable, not its value
        if names.is_credential(name, strength):
            self.report(value, f"hard-coded credential assigned to '{name}'")

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self._message_dicts: set[cst.Dict] = set()

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(node.value, cst.Dict) and _is_message_container(target.target):
                self._message_dicts.add(node.value)
            self._check_target(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._check_target(node.target, node.value)

    def _check_target(self, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        if isinstance(target, cst.Name):
            self._check(target.value, value, Strength.STRICT)
        elif isinstance(target, cst.Attribute):
            self._check(target.attr.value, value, Strength.STRICT)
        elif isinstance(target, cst.Subscript) and not _is_message_container(target.value):
            self._check(subscript_key(target), value, Strength.KEY)

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._check(node.keyword.value, node.value, Strength.KEY)

    def visit_Dict(self, node: cst.Dict) -> None:
        if node in self._message_dicts:
            return
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                self._check(string_value(element.key), element.value, Strength.KEY)

    def visit_Parameters(self, node: cst.Parameters) -> None:
        func = self.context.statement
        for param in (*node.posonly_params, *node.params, *node.kwonly_params):
            if param.default is None:
                continue
            literal = _literal(param.default)
            # ``api_key="auto"`` compared against "auto" in the body is a sentinel, not a key.
            if (
                literal is not None
                and isinstance(func, cst.FunctionDef)
                and _compared(func, param.name.value, literal)
            ):
                continue
            self._check(param.name.value, param.default, Strength.STRICT)


def _compared(func: cst.FunctionDef, name: str, literal: str) -> bool:
    """Does the function body compare ``name`` with ``literal`` (``if api_key == "auto"``)?"""
    found = False

    class _Finder(cst.CSTVisitor):
        def visit_Comparison(self, node: cst.Comparison) -> None:
            nonlocal found
            operands = [node.left, *(target.comparator for target in node.comparisons)]
            names = any(isinstance(op, cst.Name) and op.value == name for op in operands)
            if names and any(string_value(op) == literal for op in operands):
                found = True

    func.body.visit(_Finder())
    return found


def _literal(value: cst.BaseExpression) -> str | None:
    if isinstance(value, cst.SimpleString | cst.ConcatenatedString):
        return string_value(value)
    return None
