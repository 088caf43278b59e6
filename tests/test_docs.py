"""Generated documentation must match the rules' metadata."""

from __future__ import annotations

from pathlib import Path

from flasklint_keys.docs import TABLE_END, TABLE_START, replace_table, rule_table, rules_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_readme_rule_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert TABLE_START in readme and TABLE_END in readme
    assert replace_table(readme) == readme, (
        "README rule table is stale: run `python -m flasklint_keys.docs`"
    )


def test_rules_markdown_is_current() -> None:
    current = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == rules_markdown(), (
        "docs/rules.md is stale: run `python -m flasklint_keys.docs`"
    )


def test_table_lists_every_rule() -> None:
    from flasklint_keys.rules import ALL_RULES

    table = rule_table()
    for rule in ALL_RULES:
        assert f"| {rule.code} | `{rule.name}` | {rule.severity.value} |" in table
