"""Everything generated from the rules' metadata is fresh, and the catalog is the rules."""

from __future__ import annotations

from pathlib import Path

from flasklint_keys.core import catalog
from flasklint_keys.core.docs import TABLE_END, TABLE_START, rule_table
from flasklint_keys.core.signals import ALL_SIGNALS
from flasklint_keys.rules import all_rules
from flasklint_keys.rules.__main__ import generated

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "flasklint_keys"


def test_generated_files_are_current() -> None:
    """Checked against this checkout, which CI installs as a copy, not in place."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert TABLE_START in readme and TABLE_END in readme
    for path, text in generated(ROOT).items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.relative_to(ROOT)} is stale: run `python -m flasklint_keys.rules`"
        )


def test_catalog_is_the_rules_metadata() -> None:
    """The LibCST-free catalog says exactly what the rule classes say."""
    live = tuple(rule.meta for rule in all_rules())
    assert catalog.all_meta() == live
    assert catalog.read_rules() == live  # the fallback when the generated file is stale
    assert catalog.codes() == tuple(rule.code for rule in all_rules())


def test_registry_is_the_package() -> None:
    """Every public module of rules/ (but the base and the generator) defines a rule."""
    modules = {rule.__module__.rsplit(".", 1)[-1] + ".py" for rule in all_rules()}
    assert modules == set(catalog.rule_modules())


def test_triggers_name_known_signals() -> None:
    for meta in catalog.all_meta():
        assert meta.trigger is None or set(meta.trigger) <= ALL_SIGNALS, meta.code


def test_a_stale_catalog_falls_back_to_the_rules_source(tmp_path: Path) -> None:
    """A rule module edited (or added) without regenerating still counts as it is now."""
    rules = tmp_path / "rules"
    rules.mkdir()
    for path in (PACKAGE / "rules").glob("*.py"):
        (rules / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    source = (rules / "secret_in_log.py").read_text(encoding="utf-8")
    (rules / "secret_in_log.py").write_text(
        source.replace("severity = Severity.ERROR", "severity = Severity.NOTE"), encoding="utf-8"
    )
    assert catalog.modules_digest(str(rules)) != catalog.modules_digest()
    changed = {meta.code: meta for meta in catalog.read_rules(str(rules))}
    assert changed["FLK101"].severity.value == "note"
    assert changed.keys() == set(catalog.codes())


def test_table_lists_every_rule() -> None:
    table = rule_table()
    for rule in all_rules():
        assert f"| {rule.code} | `{rule.name}` | {rule.severity.value} |" in table
