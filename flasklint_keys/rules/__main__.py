"""``python -m flasklint_keys.rules``: regenerate everything derived from the rules' metadata.

Writes the rule table in README.md, docs/rules.md and core/_catalog_data.py
(the catalog the command line reads without importing the rules). With
``--check``, writes nothing and exits 1 if any of them is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..core import docs
from ..core.catalog import modules_digest
from . import all_rules

PACKAGE = Path(__file__).resolve().parent.parent
ROOT = PACKAGE.parent


def generated() -> dict[Path, str]:
    """Each generated file and the text it should have."""
    rules = tuple(rule.meta for rule in all_rules())
    readme = ROOT / "README.md"
    return {
        readme: docs.replace_table(readme.read_text(encoding="utf-8"), rules),
        ROOT / "docs" / "rules.md": docs.rules_markdown(rules),
        PACKAGE / "core" / "_catalog_data.py": docs.catalog_data(rules, modules_digest()),
    }


def main(argv: list[str]) -> int:
    stale = []
    for path, text in generated().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if "--check" not in argv:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{'stale' if '--check' in argv else 'wrote'}: {path.relative_to(ROOT)}")
    return 1 if stale and "--check" in argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
