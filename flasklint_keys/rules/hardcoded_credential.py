"""FLK402 hardcoded-credential: a string literal assigned to a credential name."""

from __future__ import annotations

import libcst as cst

from ..analysis.evaluate import ENV_READERS
from ..analysis.imports import dotted_name
from ..analysis.index import string_value, subscript_key
from ..analysis.literals import not_a_secret
from ..analysis.names import Strength
from ..core.model import Severity
from ..core.signals import Signal
from .base import Rule, RuleContext

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
    `password=` — and the literal default of `os.environ.get("SECRET_KEY", "...")`
    / `os.getenv`, which is used whenever the variable is unset. Exempt: empty
    strings, one repeated character (`"****"`), bracketed or templated
    placeholders (`"<your-key>"`, `"[REDACTED]"`, `"${API_KEY}"`), placeholder
    words (`"placeholder"`, `"unset"`, `"dummy"`; `"changeme"` is flagged),
    booleans spelled as strings, the name itself (`SECRET_KEY = "SECRET_KEY"`;
    `"secret key"` is flagged), file paths, label identifiers
    (`APIKEY = "api_key_required"`), values the module tests a credential against
    as a sentinel (`if key == "unset":`), self-test code under
    `if __name__ == "__main__":`, and test code.

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
    fix_suggestion = (
        "read it from the environment or a secret store, under the name the message gives "
        '(os.environ["SECRET_KEY"] for SECRET_KEY)'
    )
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

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self._message_dicts: set[cst.Dict] = set()
        self._sentinels: frozenset[str] | None = None

    def _check(
        self,
        name: str | None,
        value: cst.BaseExpression | None,
        strength: Strength,
        node: cst.CSTNode | None = None,
    ) -> None:
        ctx = self.context
        if name is None or value is None or ctx.is_test_file:
            return
        literal = _literal(value)
        if literal is None:
            return
        names = ctx.analysis.settings.names
        if not names.is_credential(name, strength) or not_a_secret(literal, name, names):
            return
        if literal in self.sentinels() or ctx.in_main_block(node or value):
            return  # a value the code tests for, or a self-test under ``__main__``
        self.report(
            value,
            f"hard-coded credential assigned to '{name}'; read it from the environment "
            f'or a secret store instead: os.environ["{_env_name(name)}"]',
        )

    def sentinels(self) -> frozenset[str]:
        """Literals the module compares a credential with (``if key == "unset":``)."""
        if self._sentinels is None:
            self._sentinels = _compared_literals(self.context.module, self.context)
        return self._sentinels

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

    def visit_Call(self, node: cst.Call) -> None:
        """``os.environ.get("SECRET_KEY", "dev")``: the default is used whenever the variable
        is unset, so it is a hard-coded credential like any other."""
        if len(node.args) < 2 or node.args[1].keyword is not None:
            return
        if self.context.index.imports.resolve(node.func) not in ENV_READERS:
            return
        name = string_value(node.args[0].value)
        self._check(name, node.args[1].value, Strength.SETTING, node)

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


def _env_name(name: str) -> str:
    """``secret_key`` -> ``SECRET_KEY``; ``app.secret_key`` names the attribute."""
    return "_".join(part for part in name.replace("-", "_").split("_") if part).upper()


def _compared_literals(module: cst.Module, ctx: RuleContext) -> frozenset[str]:
    """String literals compared (``==``, ``!=``, ``in``) with a value named like a credential
    (``key not in ("unset", "...")``): the module's own sentinels for "no key here"."""
    names = ctx.analysis.settings.names
    found: set[str] = set()

    class _Finder(cst.CSTVisitor):
        def visit_Comparison(self, node: cst.Comparison) -> None:
            operands = [node.left, *(target.comparator for target in node.comparisons)]
            if not any(_credential_operand(op) for op in operands):
                return
            for op in operands:
                items = op.elements if isinstance(op, cst.Tuple | cst.List | cst.Set) else [op]
                for item in items:
                    value = item.value if isinstance(item, cst.BaseElement) else item
                    literal = string_value(value) if isinstance(value, cst.BaseExpression) else None
                    if literal is not None:
                        found.add(literal)

    def _credential_operand(op: cst.BaseExpression) -> bool:
        if isinstance(op, cst.Subscript):
            key = subscript_key(op)
            return key is not None and names.is_credential(key, Strength.REQUEST)
        dotted = dotted_name(op)
        return dotted is not None and names.is_credential(
            dotted.rsplit(".", 1)[-1], Strength.REQUEST
        )

    module.visit(_Finder())
    return frozenset(found)


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
