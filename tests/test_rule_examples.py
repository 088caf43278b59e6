"""Each rule's own VALID/INVALID examples (Fixit style) and documentation sections."""

from __future__ import annotations

import textwrap

import pytest
from harness import compare, expectations, lint

from flasklint_keys.core.catalog import UNUSED_SUPPRESSION
from flasklint_keys.core.docs import DOC_SECTIONS, doc_sections
from flasklint_keys.core.options import Options
from flasklint_keys.rules import Rule, all_rules

ALL_RULES = all_rules()

CASES = [
    pytest.param(rule, kind, textwrap.dedent(example), id=f"{rule.code}-{kind}-{number}")
    for rule in ALL_RULES
    for kind, examples in (("valid", rule.VALID), ("invalid", rule.INVALID))
    for number, example in enumerate(examples)
]


def _options(rule: type[Rule]) -> Options:
    if rule.code == UNUSED_SUPPRESSION:
        # Whether a suppression silences anything depends on the other rules.
        return Options(report_unused_suppressions=True)
    return Options(enabled=frozenset({rule.code}))


@pytest.mark.parametrize(("rule", "kind", "source"), CASES)
def test_example(rule: type[Rule], kind: str, source: str) -> None:
    findings = [f for f in lint(source, "app.py", _options(rule)) if f.code == rule.code]
    expected = expectations(source)
    if kind == "valid":
        assert findings == [], [f"{f.line}:{f.column} {f.message}" for f in findings]
    else:
        assert any(code == rule.code for _, code, _ in expected), (
            "INVALID example without expectations"
        )
        missing, unexpected = compare(findings, expected, {rule.code})
        assert not missing and not unexpected, f"missing: {missing}\nunexpected: {unexpected}"


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_rule_metadata(rule: type[Rule]) -> None:
    meta = rule.meta
    assert meta.code.startswith("FLK") and len(meta.code) == 6
    assert meta.name == meta.name.lower() and " " not in meta.name
    assert meta.summary and not meta.summary.endswith(".")
    assert meta.fix_suggestion
    assert list(doc_sections(meta.docs)) == list(DOC_SECTIONS)
    assert all(doc_sections(meta.docs).values())


@pytest.mark.parametrize("rule", [r for r in ALL_RULES if r.code != "FLK000"], ids=lambda r: r.code)
def test_every_rule_has_examples(rule: type[Rule]) -> None:
    assert rule.VALID and rule.INVALID


def test_codes_and_names_are_unique() -> None:
    assert len({r.code for r in ALL_RULES}) == len(ALL_RULES)
    assert len({r.name for r in ALL_RULES}) == len(ALL_RULES)
