from __future__ import annotations

# Fixtures are inputs to the linter, not test modules (some are named test_*.py on purpose).
collect_ignore_glob = ["fixtures/*", "fixtures/**/*"]
