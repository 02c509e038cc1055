"""An xlsx with inline strings rewritten the way Excel saves it: every text cell an index into one
shared-strings table (xl/sharedStrings.xml).

The sample writer streams a million rows with xlsxwriter's constant-memory mode, which can only write
inline strings (`<c t="inlineStr"><is><t>…</t></is></c>`). Excel, and the hotline systems that export
through it, write shared strings (`<c t="s"><v>17</v></c>`): a repeated agency or category is stored
once, and the file is about 2.4× smaller. Readers pay differently for the two (fewer bytes to inflate,
a table of strings to hold), so the benchmark reads both.

    to_shared_strings(source, target)    # streams the sheets; the table of distinct strings is in memory
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from pathlib import Path

# xlsxwriter writes a cell's attributes in the order r, s, t, and the text without line breaks in the tag.
_INLINE_CELL = re.compile(
    rb'<c r="([A-Z]+[0-9]+)"((?: s="[0-9]+")?) t="inlineStr"><is><t( xml:space="preserve")?>'
    rb"(.*?)</t></is></c>",
    re.DOTALL,
)
_ROW_END = b"</row>"
CHUNK = 1 << 24
SHARED_STRINGS_PART = "xl/sharedStrings.xml"
_SST_TYPE = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
_SST_CONTENT = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_SST_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


class _Table:
    """The distinct strings in order of first use, each with whether it keeps its spaces."""

    def __init__(self) -> None:
        self.index: dict[bytes, int] = {}
        self.preserve: list[bool] = []
        self.count = 0  # cells that refer to the table

    def cell(self, match: re.Match) -> bytes:
        reference, style, preserve, text = match.groups()
        position = self.index.get(text)
        if position is None:
            position = self.index[text] = len(self.index)
            self.preserve.append(bool(preserve))
        self.count += 1
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (reference, style, position)

    def write(self, handle) -> None:
        handle.write(
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="%s" count="%d" '
            b'uniqueCount="%d">' % (_SST_NS, self.count, len(self.index))
        )
        for text, preserve in zip(self.index, self.preserve):
            handle.write(b'<si><t xml:space="preserve">' if preserve else b"<si><t>")
            handle.write(text)
            handle.write(b"</t></si>")
        handle.write(b"</sst>")


def to_shared_strings(source: Path, target: Path) -> Path:
    """Write `target`: `source` with every inline string of its worksheets moved to a shared-strings table."""
    table = _Table()
    with tempfile.TemporaryDirectory(dir=Path(target).parent) as folder:
        staged = Path(folder) / Path(target).name
        with (
            zipfile.ZipFile(source) as before,
            zipfile.ZipFile(staged, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as after,
        ):
            if SHARED_STRINGS_PART in before.namelist():
                raise ValueError(f"{source} has shared strings already")
            for entry in before.infolist():
                if entry.filename.startswith("xl/worksheets/") and entry.filename.endswith(".xml"):
                    _rewrite_sheet(before, after, entry, table)
                elif entry.filename == "[Content_Types].xml":
                    after.writestr(entry, _with_content_type(before.read(entry)))
                elif entry.filename == "xl/_rels/workbook.xml.rels":
                    after.writestr(entry, _with_relationship(before.read(entry)))
                else:
                    after.writestr(entry, before.read(entry))
            with after.open(_entry_like(SHARED_STRINGS_PART), "w", force_zip64=True) as handle:
                table.write(handle)
        shutil.move(staged, target)
    return Path(target)


def _entry_like(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 31, 0, 0, 0))  # fixed, as the sample writer's parts
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _rewrite_sheet(before: zipfile.ZipFile, after: zipfile.ZipFile, entry: zipfile.ZipInfo, table: _Table) -> None:
    with before.open(entry) as reader, after.open(_entry_like(entry.filename), "w", force_zip64=True) as writer:
        carry = b""
        while chunk := reader.read(CHUNK):
            data = carry + chunk
            cut = data.rfind(_ROW_END)
            if cut < 0:
                carry = data
                continue
            cut += len(_ROW_END)
            writer.write(_INLINE_CELL.sub(table.cell, data[:cut]))
            carry = data[cut:]
        writer.write(_INLINE_CELL.sub(table.cell, carry))


def _with_content_type(types: bytes) -> bytes:
    override = b'<Override PartName="/%s" ContentType="%s"/>' % (SHARED_STRINGS_PART.encode(), _SST_CONTENT)
    return types.replace(b"</Types>", override + b"</Types>")


def _with_relationship(rels: bytes) -> bytes:
    ids = {int(n) for n in re.findall(rb'Id="rId([0-9]+)"', rels)}
    relation = b'<Relationship Id="rId%d" Type="%s" Target="sharedStrings.xml"/>' % (max(ids, default=0) + 1, _SST_TYPE)
    return rels.replace(b"</Relationships>", relation + b"</Relationships>")
