"""Reading and decoding source files (PEP 263), without importing the analysis."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

from ._discovery import link_problem
from .model import FileError

STDIN = "-"  # the PATH that means standard input


def read_source(path: Path, display: str) -> tuple[str | None, FileError | None]:
    """Read and decode a file per PEP 263; problems become a FileError, never an exception."""
    data, error = read_bytes(path, display)
    if data is None:
        return None, error
    return decode_source(data, display)


def read_bytes(path: Path, display: str) -> tuple[bytes | None, FileError | None]:
    """A file's bytes, or why they cannot be had (dangling link, loop, directory, permission)."""
    problem = link_problem(path)
    if problem is not None:
        return None, FileError(display, problem, "io")
    try:
        if path.is_dir():
            return None, FileError(display, "is a directory, not a Python file", "io")
        return path.read_bytes(), None
    except PermissionError:
        return None, FileError(display, "permission denied", "io")
    except OSError as exc:
        return None, FileError(display, f"cannot read: {exc.strerror or exc}", "io")


def decode_source(data: bytes, display: str) -> tuple[str | None, FileError | None]:
    """Decode as CPython decodes a source file: BOM, PEP 263 coding line, else UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        if "invalid or missing encoding declaration" not in str(exc):
            # "unknown encoding: x", "encoding problem: utf-8" (a BOM with another cookie)
            return None, FileError(display, f"cannot decode: {exc}", "decode")
        # Invalid UTF-8 in the first two lines: decode anyway to say where.
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        return None, FileError(display, _decode_message(data, encoding, exc), "decode")
    except LookupError as exc:  # a codec that exists for detect_encoding but not for bytes
        return None, FileError(display, f"cannot decode: {exc}", "decode")
    return text.removeprefix("\ufeff"), None


def _decode_message(data: bytes, encoding: str, exc: UnicodeDecodeError) -> str:
    line = data.count(b"\n", 0, exc.start) + 1
    column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
    message = (
        f"cannot decode as {encoding}: invalid byte 0x{data[exc.start]:02x}"
        f" at line {line}, column {column}"
    )
    if encoding.replace("_", "-").lower().startswith("utf-8"):
        message += " (if the file is not UTF-8, declare its encoding in a PEP 263 coding line)"
    return message
