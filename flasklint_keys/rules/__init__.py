"""The rules: one module per rule, discovered from this package (as Fixit does).

Adding a rule is adding a module here whose class derives from
:class:`~flasklint_keys.rules.base.Rule` (plus a fixture, and
``python -m flasklint_keys.rules`` to regenerate the docs and the catalog).
Nothing else lists the rules.
"""

from __future__ import annotations

import importlib
from functools import cache

from ..core.catalog import rule_modules
from .base import Rule


@cache
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule class of the package, ordered by code."""
    found: list[type[Rule]] = []
    for filename in rule_modules():
        module = importlib.import_module(f"{__name__}.{filename.removesuffix('.py')}")
        found.extend(
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, Rule)
            and value.__module__ == module.__name__
            and "code" in value.__dict__
        )
    return tuple(sorted(found, key=lambda rule: rule.code))


def rules_by_code() -> dict[str, type[Rule]]:
    return {rule.code: rule for rule in all_rules()}


__all__ = ["Rule", "all_rules", "rules_by_code"]
