"""Reading and decoding source — the one place that does (files, standard input, rewrites).

Text is decoded as CPython decodes a source file (PEP 263): a BOM, a coding
line, else UTF-8. Problems become a :class:`FileError`, never an exception.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import tokenize
from dataclasses import dataclass
from pathlib import Path

from ..core.findings import UNDECODABLE, UNREADABLE
from ..core.model import FileError
from .discovery import SourceFile, irregular, link_problem

STDIN = "-"  # the PATH that means standard input


@dataclass(frozen=True)
class Decoded:
    """A file's text, and how to write it back byte for byte (``--fix``, ``--add-noqa``)."""

    text: str  # without a BOM
    encoding: str
    bom: bool

    def encode(self, text: str) -> bytes:
        return (("\ufeff" if self.bom else "") + text).encode(self.encoding)


def read_bytes(path: Path, display: str) -> tuple[bytes | None, FileError | None]:
    """A file's bytes, or why they cannot be had (dangling link, loop, directory, permission,
    not a regular file). Never blocks: a FIFO is opened without waiting for a writer."""
    problem = link_problem(path)
    if problem is not None:
        return None, FileError(display, f"{UNREADABLE}: {problem}", "io")
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except IsADirectoryError:
        return None, FileError(display, f"{UNREADABLE}: is a directory", "io")
    except PermissionError:
        return None, FileError(display, f"{UNREADABLE}: permission denied", "io")
    except OSError as exc:
        return None, FileError(display, f"{UNREADABLE}: {exc.strerror or exc}", "io")
    try:
        kind = irregular(os.fstat(descriptor))
        if kind is not None:
            return None, FileError(display, f"{UNREADABLE}: {kind}, not a regular file", "io")
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            return handle.read(), None
    except OSError as exc:
        return None, FileError(display, f"{UNREADABLE}: {exc.strerror or exc}", "io")
    finally:
        os.close(descriptor)


def decode(data: bytes, display: str) -> tuple[Decoded | None, FileError | None]:
    """Decode as CPython decodes a source file: BOM, PEP 263 coding line, else UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        if "invalid or missing encoding declaration" not in str(exc):
            # "unknown encoding: x", "encoding problem: utf-8" (a BOM with another cookie)
            return None, FileError(display, f"{UNDECODABLE}: {exc}", "decode")
        # Invalid UTF-8 in the first two lines: decode anyway to say where.
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        return None, FileError(display, _decode_message(data, encoding, exc), "decode")
    except LookupError as exc:  # a codec that exists for detect_encoding but not for bytes
        return None, FileError(display, f"{UNDECODABLE}: {exc}", "decode")
    bom = data.startswith(codecs.BOM_UTF8)
    # A BOM is written back by adding it, not by the codec.
    written_as = "utf-8" if encoding == "utf-8-sig" else encoding
    return Decoded(text.removeprefix("\ufeff"), written_as, bom), None


def decode_source(data: bytes, display: str) -> tuple[str | None, FileError | None]:
    decoded, error = decode(data, display)
    return (decoded.text if decoded is not None else None), error


def read_source(path: Path, display: str) -> tuple[str | None, FileError | None]:
    """Read and decode a file per PEP 263."""
    data, error = read_bytes(path, display)
    if data is None:
        return None, error
    return decode_source(data, display)


def read_decoded(path: Path, display: str) -> tuple[Decoded | None, FileError | None]:
    """Read and decode a file, keeping what is needed to write it back."""
    data, error = read_bytes(path, display)
    if data is None:
        return None, error
    return decode(data, display)


def read_file(file: SourceFile) -> tuple[str | None, str, FileError | None]:
    """Its text (None if unreadable or undecodable), content hash and the error."""
    data, error = (
        (file.data, None) if file.data is not None else read_bytes(file.path, file.display)
    )
    if data is None:
        return None, "", error
    text, error = decode_source(data, file.display)
    return text, content_hash(data), error


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _decode_message(data: bytes, encoding: str, exc: UnicodeDecodeError) -> str:
    line = data.count(b"\n", 0, exc.start) + 1
    column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
    message = (
        f"{UNDECODABLE} as {encoding}: invalid byte 0x{data[exc.start]:02x}"
        f" at line {line}, column {column}"
    )
    if encoding.replace("_", "-").lower().startswith("utf-8"):
        message += " (if the file is not UTF-8, declare its encoding in a PEP 263 coding line)"
    return message
