"""One embedded font program per face in a book joined from parts, instead of one per part.

Each part laid out on its own embeds its own subset of each face (Noto CJK: 150 kB and more a part).
WeasyPrint subsets with the glyph ids kept (`retain_gids`, CIDToGIDMap /Identity): a glyph id in a
part's text is the glyph id of the original font file. So the parts' programs of one face can all
be replaced by one program subset from the original file with the union of the glyphs the parts
use, made with the subsetter options WeasyPrint uses. The font dictionaries themselves stay as the
parts wrote them: their widths (/W), ToUnicode maps and descriptors still describe the same glyphs.

Merging the parts' subsets instead would mean rebuilding CFF FDArrays and metrics tables by hand;
subsetting the original again is WeasyPrint's own path, so it is taken, and every glyph a part uses
is checked against that part's own program (outline and advance) before anything is replaced.
A face whose original file is not among the given files, whose programs are not what this expects
(another encoding, a CIDSet, a Type3 or bitmap font, a variable or colour font), or whose glyphs do
not check out is left as the parts wrote it: a larger book, never a wrong glyph.
"""

from __future__ import annotations

import io
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MethodType
from typing import Any

log = logging.getLogger(__name__)

# WeasyPrint's write_pdf default (`hinting=False`), which citistat keeps: hints are dropped when subsetting.
HINTING = False
# Tables WeasyPrint rewrites after subsetting (variable and colour fonts): such a face is left alone.
_REWRITTEN_TABLES = {"fvar", "CBDT", "CBLC", "SVG ", "COLR", "sbix", "EBDT"}


@dataclass
class _Face:
    """The font programs of one face in the book, and the CIDFonts that use them."""

    file_key: str  # /FontFile2 (TrueType) or /FontFile3 (OpenType CFF)
    ps_name: str
    descendants: list = field(default_factory=list)  # the CIDFont dictionaries
    programs: dict = field(default_factory=dict)  # stream objgen -> stream

    def used_glyphs(self) -> dict:
        """stream objgen -> the glyph ids its CIDFonts draw (from their /W arrays)."""
        used: dict = defaultdict(set)
        for cid_font in self.descendants:
            used[_program_of(cid_font)[1].objgen] |= _widths_glyphs(cid_font.W)
        return used


def merge_font_programs(pdf, font_files: Sequence[Path]) -> int:
    """Give each face embedded more than once in `pdf` one program; returns the number of faces merged."""
    merged = 0
    for face in _faces(pdf):
        if len(face.programs) < 2:
            continue
        program = _merged_program(face, font_files)
        if program is None:
            continue
        stream = pdf.make_stream(program)
        if face.file_key == "/FontFile3":
            stream.Subtype = _name("/OpenType")
        else:
            stream.Length1 = len(program)
        for cid_font in face.descendants:
            cid_font.FontDescriptor[face.file_key] = stream
        merged += 1
    return merged


def _faces(pdf) -> Iterable[_Face]:
    """The book's faces with embedded programs of the form WeasyPrint writes, by their origin: the PostScript
    name the subsets keep (one face of a collection, whatever name the CSS gave it)."""
    import pikepdf

    faces: dict[tuple, _Face] = {}
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/Font" or obj.get("/Subtype") != "/Type0":
            continue
        if obj.get("/Encoding") != "/Identity-H" or len(obj.get("/DescendantFonts", ())) != 1:
            continue  # a custom CMap: glyphs the font lacked, drawn as .notdef
        cid_font = obj.DescendantFonts[0]
        found = _program_of(cid_font)
        if found is None:
            continue
        file_key, stream = found
        ps_name = _postscript_name(stream)
        if ps_name is None:
            continue
        face = faces.setdefault((file_key, ps_name), _Face(file_key, ps_name))
        face.descendants.append(cid_font)
        face.programs[stream.objgen] = stream
    return faces.values()


def _program_of(cid_font):
    """(/FontFile2 or /FontFile3, the stream) of a CIDFont as WeasyPrint writes one, else None."""
    descriptor = cid_font.get("/FontDescriptor")
    if descriptor is None or "/CIDSet" in descriptor or "/W" not in cid_font:
        return None  # a CIDSet lists the program's glyphs (PDF/A-1): it would no longer be true
    if cid_font.get("/Subtype") == "/CIDFontType0" and "/FontFile3" in descriptor:
        stream = descriptor.FontFile3
        return ("/FontFile3", stream) if stream.get("/Subtype") == "/OpenType" else None
    if cid_font.get("/Subtype") == "/CIDFontType2" and "/FontFile2" in descriptor:
        if cid_font.get("/CIDToGIDMap", "/Identity") != "/Identity":
            return None
        return "/FontFile2", descriptor.FontFile2
    return None


def _widths_glyphs(widths) -> set[int]:
    """The glyph ids a /W array gives widths for: `c [w1 w2 …]` and `c_first c_last w` entries."""
    import pikepdf

    glyphs: set[int] = set()
    i = 0
    while i < len(widths):
        first = int(widths[i])
        if isinstance(widths[i + 1], pikepdf.Array):
            glyphs.update(range(first, first + len(widths[i + 1])))
            i += 2
        else:
            glyphs.update(range(first, int(widths[i + 1]) + 1))
            i += 3
    return glyphs


def _postscript_name(stream) -> str | None:
    try:
        return _open(stream.read_bytes())["name"].getDebugName(6)
    except Exception:  # not a font fontTools can read: left alone
        return None


def _merged_program(face: _Face, font_files: Sequence[Path]) -> bytes | None:
    """The face subset from its original file to every glyph the parts use, if each one checks out."""
    origin = _find_original(face.ps_name, font_files)
    if origin is None:
        log.info("font %s: original file not found, its %d programs are kept", face.ps_name, len(face.programs))
        return None
    used = face.used_glyphs()
    union = set().union(*used.values())
    try:
        program = _subset(origin, union)
        merged = _Glyphs(program)
        for objgen, glyphs in used.items():
            mismatch = _first_mismatch(_Glyphs(face.programs[objgen].read_bytes()), merged, glyphs)
            if mismatch is not None:
                log.warning("font %s: glyph %d differs from a part's, its programs are kept", face.ps_name, mismatch)
                return None
    except Exception as error:  # an unreadable or unexpected font: left as the parts wrote it
        log.warning("font %s: could not be merged (%s), its programs are kept", face.ps_name, error)
        return None
    return program


def _find_original(ps_name: str, font_files: Sequence[Path]) -> tuple[Path, int] | None:
    """(file, face index) of the face named `ps_name` among `font_files` (fonts and collections)."""
    from fontTools.ttLib import TTCollection, TTFont

    for path in font_files:
        try:
            if path.suffix.lower() in (".ttc", ".otc"):
                faces = list(TTCollection(str(path), lazy=True).fonts)
            else:
                faces = [TTFont(str(path), lazy=True)]
        except Exception:
            continue
        for index, font in enumerate(faces):
            if font["name"].getDebugName(6) == ps_name:
                return (path, index) if _REWRITTEN_TABLES.isdisjoint(font.keys()) else None
    return None


def _subset(origin: tuple[Path, int], glyphs: set[int]) -> bytes:
    """The original face subset to `glyphs` by WeasyPrint's own subsetting (HarfBuzz, else fontTools), with
    the options it used for the parts: the program a book laid out whole would embed for these glyphs."""
    from weasyprint.pdf.fonts import Font

    path, index = origin
    face = _Original(path, index)
    Font.subset(face, dict.fromkeys(sorted(glyphs), ""), HINTING)
    if face.file_content is face.original:
        raise ValueError("the subsetter returned the whole file")
    return face.file_content


class _Original:
    """What WeasyPrint's `Font.subset` reads of a font: its HarfBuzz face, bytes, face index and family."""

    def __init__(self, path: Path, index: int) -> None:
        from weasyprint.pdf.fonts import Font

        # `Font.subset` calls one of these two on the font it is given
        self._harfbuzz_subset = MethodType(Font._harfbuzz_subset, self)
        self._fonttools_subset = MethodType(Font._fonttools_subset, self)
        self.family = path.name
        self.index = index
        self.missing: dict = {}  # only Identity-H fonts are merged: no glyph the font lacked, no .notdef outline
        self.original = self.file_content = path.read_bytes()
        self.hb_face = _harfbuzz_face(path, index)


def _harfbuzz_face(path: Path, index: int):
    """A HarfBuzz face of the file, through WeasyPrint's HarfBuzz binding (None without HarfBuzz-Subset: then
    WeasyPrint subsets with fontTools and needs none)."""
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset

    if not harfbuzz_subset:
        return None
    if not _HB_DECLARED:
        # WeasyPrint's binding reads faces from Pango; these two read one from a file (HarfBuzz >= 1.7.7)
        ffi.cdef(
            "hb_blob_t * hb_blob_create_from_file (const char *file_name);"
            "hb_face_t * hb_face_create (hb_blob_t *blob, unsigned int index);"
        )
        _HB_DECLARED.append(True)
    blob = harfbuzz.hb_blob_create_from_file(str(path).encode())
    try:
        if harfbuzz.hb_blob_get_length(blob) == 0:
            raise OSError(f"HarfBuzz could not read {path}")
        return ffi.gc(harfbuzz.hb_face_create(blob, index), harfbuzz.hb_face_destroy)
    finally:
        harfbuzz.hb_blob_destroy(blob)


_HB_DECLARED: list[bool] = []


class _Glyphs:
    """The glyphs of one font program by id: a cheap fingerprint (the CFF charstring's bytes, which with no
    subroutines and the same width parameters draw the same glyph) and, where that does not settle it, the
    outline drawn and the advance."""

    def __init__(self, data: bytes) -> None:
        self.font = _open(data)
        self.order = self.font.getGlyphOrder()
        self.advances = self.font["hmtx"].metrics
        self.charstrings: Any = None
        if "CFF " in self.font:
            cff = self.font["CFF "].cff
            top = cff.topDictIndex[0]
            if len(cff.GlobalSubrs) == 0:  # desubroutinized, as WeasyPrint subsets
                self.charstrings = top.CharStrings
        self._glyph_set: Any = None

    def __len__(self) -> int:
        return len(self.order)

    def fingerprint(self, gid: int) -> tuple | None:
        if self.charstrings is None:
            return None
        name = self.order[gid]
        charstring = self.charstrings[name]
        private = charstring.private
        if charstring.bytecode is None or len(getattr(private, "Subrs", ())) > 0:
            return None
        widths = (getattr(private, "nominalWidthX", 0), getattr(private, "defaultWidthX", 0))
        return charstring.bytecode, widths, self.advances[name][0]

    def drawing(self, gid: int) -> tuple:
        from fontTools.pens.recordingPen import RecordingPen

        if self._glyph_set is None:
            self._glyph_set = self.font.getGlyphSet()
        glyph = self._glyph_set[self.order[gid]]
        pen = RecordingPen()
        glyph.draw(pen)
        return pen.value, glyph.width


def _first_mismatch(part: _Glyphs, merged: _Glyphs, glyphs: set[int]) -> int | None:
    """The first of `glyphs` whose outline or advance differs between a part's program and the merged one."""
    if part.font["head"].unitsPerEm != merged.font["head"].unitsPerEm:
        return min(glyphs, default=0)
    for gid in sorted(glyphs):
        if gid >= len(part) or gid >= len(merged):
            return gid
        fingerprint = part.fingerprint(gid)
        if fingerprint is not None and fingerprint == merged.fingerprint(gid):
            continue
        if part.drawing(gid) != merged.drawing(gid):
            return gid
    return None


def _open(data: bytes):
    from fontTools.ttLib import TTFont

    return TTFont(io.BytesIO(data), lazy=True)


def _name(value: str):
    import pikepdf

    return pikepdf.Name(value)
