"""Checks on a workbook's zip package before any parser sees it.

An xlsx is a zip of XML parts, so it can be a zip bomb (a tiny file inflating
to gigabytes) or carry XML entity tricks (billion laughs, external entities).
Nothing in the Excel readers bounds decompression, so the central directory
is checked against configurable limits first; and every XML part is refused
if its prolog declares a DTD, the only place where entities can be defined.
openpyxl, when used, must run with defusedxml active.

    check_zip(archive, file, limits)     # raises FileFailure
    check_xml_parts(archive, file)       # raises FileFailure
    require_defusedxml()                 # raises RuntimeError when openpyxl would parse unguarded
"""

from __future__ import annotations

import re
import zipfile

from .rawtable import SETTINGS_HINT, FileFailure, Limits

# Small parts legitimately compress very well (styles.xml, empty sheets); a bomb is big.
RATIO_CHECK_MIN_BYTES = 1024 * 1024
XML_SUFFIXES = (".xml", ".rels", ".vml")
PROLOG_CHUNK = 4096
MAX_PROLOG_BYTES = 64 * 1024  # a real part starts its root element within a few hundred bytes
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT_START = re.compile(rb"<[A-Za-z_:]")


def check_zip(archive: zipfile.ZipFile, file: str, limits: Limits) -> None:
    """Refuse a package whose declared sizes exceed the limits, naming the limit and how to raise it."""
    entries = archive.infolist()
    if len(entries) > limits.max_zip_entries:
        raise FileFailure.of("zip_bomb.entries", file, count=f"{len(entries):,}", limit=f"{limits.max_zip_entries:,}",
                             settings=SETTINGS_HINT)
    total = 0
    for entry in entries:
        total += entry.file_size
        if entry.file_size >= RATIO_CHECK_MIN_BYTES:
            ratio = entry.file_size / max(entry.compress_size, 1)
            if ratio > limits.max_compression_ratio:
                raise FileFailure.of("zip_bomb.ratio", file, part=entry.filename, ratio=f"{ratio:,.0f}",
                                     limit=f"{limits.max_compression_ratio:g}", settings=SETTINGS_HINT)
    if total > limits.max_uncompressed_bytes:
        raise FileFailure.of("zip_bomb.size", file, size=f"{total / 2**20:,.0f}",
                             limit=f"{limits.max_uncompressed_bytes / 2**20:,.0f}", settings=SETTINGS_HINT)


def check_xml_parts(archive: zipfile.ZipFile, file: str) -> None:
    """Refuse any XML part that declares a DTD or an entity; reads only each part's prolog."""
    for entry in archive.infolist():
        if entry.filename.lower().endswith(XML_SUFFIXES) and entry.file_size:
            if _prolog_declares_dtd(archive, entry):
                raise FileFailure.of("xml_entities", file, part=entry.filename)


def _prolog_declares_dtd(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bool:
    """True if the prolog (everything before the root element) holds <!DOCTYPE or <!ENTITY."""
    seen = b""
    with archive.open(entry) as stream:
        while len(seen) < MAX_PROLOG_BYTES:
            chunk = stream.read(PROLOG_CHUNK)
            if not chunk:
                break
            seen += chunk
            text = _as_ascii_bytes(seen)
            root = _first_root(text)
            prolog = text if root is None else text[:root]
            if _DECLARATION.search(prolog):
                return True
            if root is not None:
                return False
    # No root element within the first 64 KB: no genuine part looks like that.
    return bool(_DECLARATION.search(_as_ascii_bytes(seen))) or len(seen) >= MAX_PROLOG_BYTES


def _first_root(text: bytes) -> int | None:
    """Offset of the root element's "<", skipping the declaration, comments, PIs and a DOCTYPE's opening."""
    position = 0
    while True:
        opening = text.find(b"<", position)
        if opening == -1:
            return None
        for start, end in ((b"<!--", b"-->"), (b"<?", b"?>")):
            if text.startswith(start, opening):
                close = text.find(end, opening + len(start))
                if close == -1:
                    return None  # the prolog continues in the next chunk
                position = close + len(end)
                break
        else:
            if _ROOT_START.match(text, opening):
                return opening
            position = opening + 1


def _as_ascii_bytes(data: bytes) -> bytes:
    """UTF-16 parts (allowed by XML) made comparable with ASCII patterns by dropping NUL bytes."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[1:2] == b"\x00" or data[:1] == b"\x00":
        return data.replace(b"\x00", b"")
    return data


def require_defusedxml() -> None:
    """openpyxl guards against entity attacks only when defusedxml is installed; refuse to run without it."""
    from openpyxl.xml import DEFUSEDXML

    if not DEFUSEDXML:
        raise RuntimeError("defusedxml is not installed: openpyxl would parse workbooks without entity protection")
