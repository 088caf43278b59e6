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


def generated(root: Path = ROOT) -> dict[Path, str]:
    """Each generated file of the checkout at ``root`` and the text it should have.

    ``root`` is a source checkout; the default is the one this package was
    imported from, which an installed (non-editable) copy is not.
    """
    rules = tuple(rule.meta for rule in all_rules())
    readme = root / "README.md"
    return {
        readme: docs.replace_table(readme.read_text(encoding="utf-8"), rules),
        root / "docs" / "rules.md": docs.rules_markdown(rules),
        root / "flasklint_keys" / "core" / "_catalog_data.py": docs.catalog_data(
            rules, modules_digest()
        ),
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
