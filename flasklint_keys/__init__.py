"""flasklint-keys: find API-key logging and monitoring failures in Flask code."""

from __future__ import annotations

__version__ = "0.1.0"
