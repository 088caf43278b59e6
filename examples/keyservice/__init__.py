"""A small API-key service with one of every problem flasklint-keys finds.

Run ``flasklint-keys examples/`` to see them; every line that is flagged says why
in a comment, and the clean code next to it shows the fix.
"""
