"""Checks on a workbook's zip package before any parser sees it.

An xlsx is a zip of XML parts, so it can be a zip bomb (a tiny file inflating
to gigabytes) or carry XML entity tricks (billion laughs, external entities).
Nothing in the Excel readers bounds decompression, so the central directory
is checked against configurable limits first; and every XML part is refused
if its prolog declares a DTD, the only place where entities can be defined.
openpyxl, when used, must run with defusedxml active.

A zip's central directory may lie about the sizes it declares, so the bytes a
part really inflates to are also counted, streaming, while the native reader
works (`count_inflated`); and an input that is not a regular file (a FIFO, a
device such as /dev/zero) is refused before anything opens it.

    check_regular_file(path) -> size     # raises FileFailure
    check_zip(archive, file, limits)     # raises FileFailure
    count_inflated(path, limits, should_stop) # raises FileFailure
    check_xml_parts(archive, file)       # raises FileFailure
    require_defusedxml()                 # raises RuntimeError when openpyxl would parse unguarded
"""

from __future__ import annotations

import os
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator

from .rawtable import SETTINGS_HINT, FileFailure, Limits

# Small parts legitimately compress very well (styles.xml, empty sheets); a bomb is big.
RATIO_CHECK_MIN_BYTES = 1024 * 1024
XML_SUFFIXES = (".xml", ".rels", ".vml")
PROLOG_CHUNK = 4096
MAX_PROLOG_BYTES = 64 * 1024  # a real part starts its root element within a few hundred bytes
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT_START = re.compile(rb"<[A-Za-z_:]")


def check_regular_file(path: str) -> int:
    """The size of `path` if it is a regular file; FileFailure for a FIFO, a device, a folder or a socket.

    Opening a FIFO blocks until someone writes to it and /dev/zero never ends, so
    the kind of file is checked before it is opened, and readers read no more than
    the size found here.
    """
    file = str(path)
    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise FileFailure.of("file_not_found", file) from None
    except OSError as exc:
        raise FileFailure.of("unreadable_file", file, detail=exc.strerror) from None
    if not stat.S_ISREG(status.st_mode):
        raise FileFailure.of("not_a_regular_file", file, kind=_kind_of(status.st_mode))
    return status.st_size


def _kind_of(mode: int) -> str:
    for test, kind in (
        (stat.S_ISDIR, "directory"),
        (stat.S_ISFIFO, "FIFO"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
        (stat.S_ISSOCK, "socket"),
    ):
        if test(mode):
            return kind
    return "special file"  # pragma: no cover - every kind POSIX knows is listed


def read_bounded(path: str) -> bytes:
    """The whole of a regular file, never more than the size it had when checked (a growing file is cut there)."""
    size = check_regular_file(path)
    with open(path, "rb") as handle:
        return handle.read(size)


def check_zip(archive: zipfile.ZipFile, file: str, limits: Limits) -> None:
    """Refuse a package whose declared sizes exceed the limits, naming the limit and how to raise it."""
    entries = archive.infolist()
    if len(entries) > limits.max_zip_entries:
        raise FileFailure.of(
            "zip_bomb.entries",
            file,
            count=f"{len(entries):,}",
            limit=f"{limits.max_zip_entries:,}",
            settings=SETTINGS_HINT,
        )
    total = 0
    for entry in entries:
        total += entry.file_size
        _check_ratio(file, entry, entry.file_size, limits)  # as declared
    if total > limits.max_uncompressed_bytes:
        raise FileFailure.of(
            "zip_bomb.size",
            file,
            size=f"{total / 2**20:,.0f}",
            limit=f"{limits.max_uncompressed_bytes / 2**20:,.0f}",
            settings=SETTINGS_HINT,
        )


INFLATE_CHUNK = 1 << 20
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature … file name length, extra field length
_DEFLATED_WINDOW = -15  # raw deflate stream, as zip stores it


def count_inflated(
    path: str, limits: Limits, should_stop: Callable[[], bool] = lambda: False, *, tail: Tail | None = None
) -> int:
    """Inflate every part of the package, counting the bytes it really produces, and stop at the limits.

    The central directory's sizes are what check_zip saw; a bomb declares small
    sizes and inflates to gigabytes. Each part's compressed bytes (as declared:
    every reader locates them the same way) are inflated in chunks and thrown away;
    the count is checked against `max_uncompressed_mb` and, for parts over 1 MB, the
    compression ratio. `should_stop` lets a caller end the count early (its reader
    failed anyway). `tail` keeps what follows a marker in one part (a worksheet's
    merged ranges come after its cell data), for free: the part is inflated here anyway.
    Returns the total inflated.
    """
    file = str(path)
    total = 0
    with zipfile.ZipFile(path) as archive, open(path, "rb") as raw:
        for entry in archive.infolist():
            produced = 0
            watch = tail if tail is not None and entry.filename == tail.part else None
            for chunk in _inflated_chunks(raw, entry, file):
                produced += len(chunk)
                total += len(chunk)
                _check_inflated(file, entry, produced, total, limits)
                if watch is not None:
                    watch.feed(chunk)
                if should_stop():
                    return total
    return total


class Tail:
    """The bytes of one part after the first match of `marker` (bounded: a tail is small metadata)."""

    LIMIT = 16 << 20

    def __init__(self, part: str, marker: re.Pattern[bytes]):
        self.part, self.marker = part, marker
        self._carry = b""
        self._after: list[bytes] | None = None
        self._size = 0

    def feed(self, chunk: bytes) -> None:
        if self._after is not None:
            if self._size < self.LIMIT:
                self._after.append(chunk)
                self._size += len(chunk)
            return
        boundary = self._carry + chunk[:64]  # a marker split across two chunks; no copy of the whole chunk
        found = self.marker.search(boundary)
        if found:
            self._after = [boundary[found.end() :], chunk[64:]]
        elif found := self.marker.search(chunk):
            self._after = [chunk[found.end() :]]
        else:
            self._carry = (self._carry + chunk[-64:])[-64:]
            return
        self._size = sum(len(b) for b in self._after)

    @property
    def found(self) -> bytes | None:
        """The bytes after the marker; None when the part had none (or was not inflated)."""
        return None if self._after is None else b"".join(self._after)


def _check_inflated(file: str, entry: zipfile.ZipInfo, produced: int, total: int, limits: Limits) -> None:
    if total > limits.max_uncompressed_bytes:
        raise FileFailure.of(
            "zip_bomb.inflated",
            file,
            part=entry.filename,
            declared=f"{entry.file_size / 2**20:,.1f}",
            limit=f"{limits.max_uncompressed_bytes / 2**20:,.0f}",
            settings=SETTINGS_HINT,
        )
    _check_ratio(file, entry, produced, limits)  # as inflated so far


def _check_ratio(file: str, entry: zipfile.ZipInfo, size: int, limits: Limits) -> None:
    """Refuse a part of at least 1 MB whose `size` over its compressed size passes the ratio limit."""
    ratio = size / max(entry.compress_size, 1)
    if size >= RATIO_CHECK_MIN_BYTES and ratio > limits.max_compression_ratio:
        raise FileFailure.of(
            "zip_bomb.ratio",
            file,
            part=entry.filename,
            ratio=f"{ratio:,.0f}",
            limit=f"{limits.max_compression_ratio:g}",
            settings=SETTINGS_HINT,
        )


def _inflated_chunks(raw, entry: zipfile.ZipInfo, file: str) -> Iterator[bytes]:
    """The successive chunks one part inflates to (stored parts: as stored)."""
    compressed = _compressed_bytes(raw, entry, file)
    if entry.compress_type == zipfile.ZIP_STORED:
        yield from compressed
        return
    if entry.compress_type != zipfile.ZIP_DEFLATED:
        return  # no reader here inflates other methods: they fail on their own
    inflater = zlib.decompressobj(_DEFLATED_WINDOW)
    try:
        for chunk in compressed:
            pending = chunk
            while pending and not inflater.eof:
                yield inflater.decompress(pending, INFLATE_CHUNK)
                pending = inflater.unconsumed_tail
            if inflater.eof:
                return
    except zlib.error as exc:
        raise FileFailure.of("corrupt_file.xlsx", file, detail=f"{entry.filename}: {exc}") from None


def _compressed_bytes(raw, entry: zipfile.ZipInfo, file: str) -> Iterator[bytes]:
    raw.seek(entry.header_offset)
    header = raw.read(_LOCAL_HEADER.size)
    if len(header) < _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise FileFailure.of("corrupt_file.xlsx", file, detail=f"{entry.filename}: no local header")
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    raw.seek(entry.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
    remaining = entry.compress_size
    while remaining > 0:
        chunk = raw.read(min(INFLATE_CHUNK, remaining))
        if not chunk:
            return
        remaining -= len(chunk)
        yield chunk


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
