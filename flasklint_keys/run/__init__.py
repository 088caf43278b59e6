"""A whole run over files, without LibCST: discovery, reading, the cache, the ``ast``
pre-pass, scheduling over worker processes, baselines and standard input. Files that
need analysing reach the lint layer through ``seam.py``."""
