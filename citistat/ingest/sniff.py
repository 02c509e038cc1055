"""What a file really is, judged by its bytes, never by its name.

Exports arrive misnamed: HTML tables saved as .xls, CSVs named .xls, password-
protected workbooks that look like legacy .xls. Each case gets its own reason
code and a message that says what to do.

    sniff_format(path) -> Sniffed       # raises FileFailure
    decode_text(raw, file) -> (text, encoding)
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from .rawtable import FileFailure

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEAD_BYTES = 4096
TEXT_ENCODINGS = ("utf-8-sig", "gb18030")  # never gb18030 first: it accepts almost any bytes
DELIMITERS = (",", "\t", ";", "|")


@dataclass(frozen=True)
class Sniffed:
    format: str  # "xlsx" | "xls" | "text" | "html" | "mht" (a web archive) | "json" | "xml" (Excel 2003 XML)
    misnamed: bool = False  # the extension promises another format


def sniff_format(path: str) -> Sniffed:
    """The container format of `path`, from its first bytes; FileFailure for what cannot be read."""
    file = str(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(HEAD_BYTES)
    except FileNotFoundError:
        raise FileFailure.of("file_not_found", file) from None
    except OSError as exc:
        raise FileFailure.of("unreadable_file", file, detail=exc.strerror) from None
    suffix = Path(file).suffix.lower()
    if not head.strip():
        raise FileFailure.of("empty_file", file)
    if head.startswith(ZIP_MAGIC) or head.startswith(EMPTY_ZIP_MAGIC):
        _check_workbook_zip(file)
        return Sniffed("xlsx", misnamed=suffix not in (".xlsx", ".xlsm"))
    if head.startswith(OLE2_MAGIC):
        return Sniffed(_ole2_kind(file), misnamed=suffix != ".xls")
    start = _text_start(head)
    if is_spreadsheetml(start):
        return Sniffed("xml", misnamed=suffix != ".xml")
    if _is_html(start):
        return Sniffed("html", misnamed=suffix not in (".html", ".htm"))
    if start.startswith("mime-version:") and "multipart/related" in start:  # a single-file web page
        return Sniffed("mht", misnamed=suffix not in (".mht", ".mhtml"))
    if start.startswith(("{", "[")):
        return Sniffed("json", misnamed=suffix != ".json")
    return Sniffed("text", misnamed=suffix in (".xls", ".xlsx"))


SPREADSHEET_NS = "urn:schemas-microsoft-com:office:spreadsheet"  # Excel 2003 XML


def is_spreadsheetml(start: str) -> bool:
    """Excel 2003 XML ("XML Spreadsheet 2003"): `start` is the file's first characters, lower-cased."""
    return start.startswith("<?xml") and (SPREADSHEET_NS in start or 'progid="excel.sheet"' in start)


_HTML_STARTS = ("<!doctype html", "<html", "<table", "<meta", "<head", "<body")


def _is_html(start: str) -> bool:
    """A page, whatever precedes its <html>: an XML declaration, a comment, a <style> block (Excel's own
    "save as web page" and many report servers write those first)."""
    if start.startswith(_HTML_STARTS):
        return True
    return start.startswith(("<?xml", "<!--", "<style", "<title", "<link", "<script")) and (
        "<html" in start or "<table" in start
    )


def _text_start(head: bytes) -> str:
    """The first characters of a text file, lower-cased, BOM and leading blanks removed."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 (or UTF-32) with a BOM: Excel's "Unicode" saves
        wide = "utf-32" if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")) else "utf-16"
        return head.decode(wide, errors="ignore").lstrip("\ufeff \t\r\n").lower()
    for encoding in ("utf-8-sig", "gb18030", "latin-1"):
        try:
            return head.decode(encoding, errors="ignore").lstrip("\ufeff \t\r\n").lower()
        except LookupError:  # pragma: no cover - the codecs are built in
            continue
    return ""  # pragma: no cover


def _check_workbook_zip(file: str) -> None:
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            mimetype = _small_part(archive, "mimetype")
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise FileFailure.of("corrupt_file.truncated", file, detail=exc) from None
    if "xl/workbook.xml" in names:
        return
    # Say what the package is, so the fix is plain: another spreadsheet format, or no spreadsheet at all
    if "xl/workbook.bin" in names:
        raise FileFailure.of("not_a_workbook.xlsb", file)
    if mimetype.startswith("application/vnd.oasis.opendocument.spreadsheet"):
        raise FileFailure.of("not_a_workbook.ods", file)
    if mimetype.startswith("application/vnd.oasis.opendocument."):
        raise FileFailure.of("not_a_workbook.document", file, kind="OpenDocument")
    for part, kind in (("word/document.xml", "Word"), ("ppt/presentation.xml", "PowerPoint")):
        if part in names:
            raise FileFailure.of("not_a_workbook.document", file, kind=kind)
    raise FileFailure.of("not_a_workbook.zip", file)


def _small_part(archive: zipfile.ZipFile, name: str) -> str:
    """A short text part (an ODF mimetype), or "" when absent or not short: never inflate much to sniff."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return ""
    if info.file_size > 200:
        return ""
    return archive.read(info)[:200].decode("ascii", errors="replace").strip()


def _ole2_kind(file: str) -> str:
    """Legacy .xls (a Workbook/Book stream) or a password-protected xlsx (EncryptionInfo/EncryptedPackage)."""
    import olefile  # a dependency of msoffcrypto-tool

    try:
        with olefile.OleFileIO(file) as ole:
            streams = {"/".join(entry) for entry in ole.listdir(streams=True, storages=False)}
    except Exception as exc:  # noqa: BLE001 - olefile parses untrusted binary: whatever it raises means "damaged"
        raise FileFailure.of("corrupt_file.office", file, detail=f"{type(exc).__name__}: {exc}"[:200]) from None
    if "EncryptionInfo" in streams or "EncryptedPackage" in streams:
        raise FileFailure.of("encrypted_file", file)
    if "Workbook" in streams or "Book" in streams:
        if _xls_is_encrypted(file):
            raise FileFailure.of("encrypted_file.xls", file)
        return "xls"
    raise FileFailure.of("not_a_workbook.office", file)


def _xls_is_encrypted(file: str) -> bool:
    """A legacy workbook with a FILEPASS record: msoffcrypto-tool knows how to tell."""
    try:
        import msoffcrypto

        with open(file, "rb") as handle:
            return bool(msoffcrypto.OfficeFile(handle).is_encrypted())
    except Exception:  # noqa: BLE001 - a parser failure here means "not recognisably encrypted"; xlrd reports the rest
        return False


def decode_text(raw: bytes, file: str) -> tuple[str, str]:
    """Text from bytes: strict UTF-8 (BOM allowed), else GB18030; FileFailure with the byte offset otherwise.

    The encoding returned is "utf-8-sig" (UTF-8 with a BOM), "utf-8", "gb18030", "utf-16" or "utf-32".
    """
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):  # UTF-32 with a BOM (before UTF-16: same start)
        try:
            return raw.decode("utf-32"), "utf-32"
        except UnicodeDecodeError as exc:
            raise FileFailure.of("unknown_encoding.utf32", file, detail=exc.start) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text": UTF-16 with a BOM, unambiguous
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise FileFailure.of("unknown_encoding.utf16", file, detail=exc.start) from None
    wide = _bomless_utf16(raw)
    if wide is not None:
        try:
            return raw.decode(wide), wide
        except UnicodeDecodeError:
            pass  # not UTF-16 after all: the checks below say what it is
    failures = []
    for encoding in TEXT_ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            failures.append(f"{encoding}: byte 0x{raw[exc.start]:02x} at offset {exc.start}")
            continue
        if "\x00" in text:
            break  # NUL characters: binary, not text
        if encoding == "utf-8-sig" and not raw.startswith(b"\xef\xbb\xbf"):
            encoding = "utf-8"  # report what the file is: the BOM is optional
        return text, encoding
    else:
        raise FileFailure.of("unknown_encoding", file, detail="; ".join(failures))
    raise FileFailure.of("unknown_format", file)


def _bomless_utf16(raw: bytes) -> str | None:
    """ "utf-16-le" or "utf-16-be" for UTF-16 text saved without a byte-order mark, judged by where its NULs fall:
    a delimiter, a digit or a Latin letter is one byte and a NUL, always on the same side. None otherwise."""
    head = raw[:4096]
    if b"\x00" not in head or len(head) < 16:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    half = len(head) // 2
    if odd > 0.2 * half and even < 0.01 * half:
        return "utf-16-le"
    if even > 0.2 * half and odd < 0.01 * half:
        return "utf-16-be"
    return None


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter used by the most lines, most often: tab, comma, semicolon or bar."""
    best, best_score = ",", -1
    for delimiter in DELIMITERS:
        counts = [line.count(delimiter) for line in lines if line.strip()]
        if not counts:
            continue
        # Lines that agree on a count make a table; the most common non-zero count wins.
        nonzero = [c for c in counts if c]
        if not nonzero:
            continue
        typical = max(set(nonzero), key=lambda c: (nonzero.count(c), c))
        score = nonzero.count(typical) * typical
        if score > best_score:
            best, best_score = delimiter, score
    return best
