"""Keeping a PDF whose inputs did not change: rebuilds after a notes edit redo only what the edit touched.

A PDF is a function of its HTML (which inlines the stylesheet), the charts it
shows, the font files, the conformance variant, its attachments and the
WeasyPrint version. Their hash is written beside the PDF, with the PDF's own
hash so an edited or truncated file is rebuilt rather than trusted.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..safe_io import atomic_write_text

KEYS_DIR = ".keys"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _key_file(pdf: Path) -> Path:
    return pdf.parent / KEYS_DIR / f"{pdf.name}.sha256"


def with_key_files(paths: list[Path]) -> list[Path]:
    """`paths` and, after each, the key file kept beside it (if any): they are part of a build's outputs too."""
    out = []
    for path in paths:
        out.append(path)
        key_file = _key_file(Path(path))
        if key_file.is_file():
            out.append(key_file)
    return out


def folder_keys(folder: Path) -> str:
    """Every chart key of a charts folder, in name order ("" when none): what the images hold."""
    keys = folder / KEYS_DIR
    if not keys.is_dir():
        return ""
    return "\n".join(f"{p.name} {p.read_text('ascii')}" for p in sorted(keys.iterdir()))


def chart_stamp(path: Path) -> str:
    """A chart by the key it was drawn from (its inputs), else by its bytes; a missing image is a missing image."""
    key_file = path.parent / KEYS_DIR / f"{path.name}.sha256"
    if key_file.is_file():
        return f"{path.name} {key_file.read_text('ascii')}"
    return file_hash(path) if path.is_file() else f"{path.name} missing"


def file_stamp(path: Path) -> str:
    """A file by name, size and modification time: cheap, and enough for the font files."""
    stat = path.stat()
    return f"{path} {stat.st_size} {stat.st_mtime_ns}"


def file_hash(path: Path) -> str:
    """A file by content: for attachments, which a build may rewrite with the same bytes."""
    return f"{path.name} {_sha256(path.read_bytes())}"


def pdf_key(html: str, *parts: str) -> str:
    from weasyprint import __version__ as weasyprint_version

    return _sha256("\0".join((weasyprint_version, html, *parts)).encode("utf-8"))


def is_current(pdf: Path, key: str) -> bool:
    """Whether `pdf` exists, is the file written for `key`, and is unchanged since."""
    key_file = _key_file(pdf)
    if not (pdf.is_file() and key_file.is_file()):
        return False
    stored_key, _, stored_hash = key_file.read_text("ascii").partition(" ")
    return stored_key == key and stored_hash == _sha256(pdf.read_bytes())


def remember(pdf: Path, key: str) -> None:
    """Record what `pdf` was written from (after the PDF itself, so an interrupted write is redone)."""
    atomic_write_text(_key_file(pdf), f"{key} {_sha256(pdf.read_bytes())}")
