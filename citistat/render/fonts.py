"""Finding a font that draws Chinese, and checking it draws every name the books print.

Without a CJK font both matplotlib and WeasyPrint draw empty boxes ("tofu")
and say nothing, so the books fail loudly here instead. A name with a character
the font lacks (an emoji, a rare symbol) is no reason to fail every unit's book:
`glyph_fallback` prints that character as a replacement glyph, with a warning.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..errors import CitistatError
from ..names import codepoints

# Debian/Ubuntu `fonts-noto-cjk`: Regular and a real Bold (WeasyPrint has no faux bold).
DEBIAN_NOTO = Path("/usr/share/fonts/opentype/noto")
DEBIAN_FACES = ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc")
INSTALL_HINT = (
    "install a CJK font: `sudo apt-get install fonts-noto-cjk` (Debian/Ubuntu), "
    "or `pip install pylopdf-fonts-zh-cn` into citistat's environment"
)
# Characters that may appear in names and that no font needs to draw as a glyph.
_IGNORED = set(" \t\n\u3000\u200b\ufeff")
# What an undrawable character prints as: a white square, else a question mark.
REPLACEMENTS = ("\u25a1", "?")


class FontNotFound(CitistatError):
    """No font able to draw Chinese is installed."""


class FontCoverageError(CitistatError):
    """The font lacks glyphs for characters the books must print."""


@dataclass(frozen=True)
class CJKFont:
    regular: Path
    bold: Path | None  # None: bold text is drawn with the regular face
    face_index: int  # the face in a .ttc collection whose cmap is checked (the SC face when there is one)
    family: str  # the family name matplotlib knows the face by

    def files(self) -> list[Path]:
        return [p for p in (self.regular, self.bold) if p is not None]


def find_cjk_font() -> CJKFont:
    """The first CJK font found: Debian Noto CJK, then fontconfig, then the pip font package."""
    for finder in (_debian_noto, _fontconfig, _pip_package):
        found = finder()
        if found is not None:
            return _describe(*found)
    raise FontNotFound(f"no font that draws Chinese was found; {INSTALL_HINT}.")


def _debian_noto() -> tuple[Path, Path | None] | None:
    regular, bold = (DEBIAN_NOTO / name for name in DEBIAN_FACES)
    if regular.is_file():
        return regular, bold if bold.is_file() else None
    return None


def _fontconfig() -> tuple[Path, Path | None] | None:
    if shutil.which("fc-match") is None:
        return None
    files = []
    for pattern in (":lang=zh-cn", ":lang=zh-cn:weight=bold"):
        try:
            done = subprocess.run(["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        files.append(Path(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None)
    regular, bold = files
    if regular is None or not regular.is_file() or not _covers_han(regular):
        return None  # fontconfig answers with DejaVu when nothing better exists
    return regular, bold if bold and bold.is_file() and bold != regular else None


def _pip_package() -> tuple[Path, Path | None] | None:
    try:
        import pylopdf_fonts_zh_cn  # type: ignore[import-not-found]
    except ImportError:
        return None
    root = Path(pylopdf_fonts_zh_cn.__file__).parent
    candidates = sorted(root.rglob("NotoSansSC-Regular.otf")) or sorted(root.rglob("*.otf"))
    return (candidates[0], None) if candidates else None


def _covers_han(path: Path) -> bool:
    try:
        return all(ord(ch) in _cmap(path, 0) for ch in "市局满意")
    except Exception:  # an unreadable font is as good as none
        return False


def _describe(regular: Path, bold: Path | None) -> CJKFont:
    from fontTools.ttLib import TTCollection, TTFont

    if regular.suffix.lower() in (".ttc", ".otc"):
        faces = TTCollection(str(regular), lazy=True).fonts
        names = [face["name"].getDebugName(1) or "" for face in faces]
        index = next((i for i, name in enumerate(names) if name.endswith(" SC")), 0)
        return CJKFont(regular, bold, index, names[index])
    family = TTFont(str(regular), lazy=True)["name"].getDebugName(1) or regular.stem
    return CJKFont(regular, bold, 0, family)


@lru_cache(maxsize=8)
def _cmap(path: Path, face_index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), fontNumber=face_index, lazy=True)
    return frozenset(font.getBestCmap())


def missing_glyphs(font: CJKFont, texts: list[str]) -> dict[str, str]:
    """text -> the characters of it the font cannot draw (only texts with a gap)."""
    cmap = _cmap(font.regular, font.face_index)
    gaps = {}
    for text in texts:
        missing = "".join(sorted({ch for ch in text if ch not in _IGNORED and ord(ch) not in cmap}))
        if missing:
            gaps[text] = missing
    return gaps


def check_coverage(font: CJKFont, texts: list[str]) -> None:
    """Raise FontCoverageError naming every text the font would draw with empty boxes."""
    gaps = missing_glyphs(font, texts)
    if not gaps:
        return
    shown = "; ".join(f"“{text}” lacks {codepoints(chars)}" for text, chars in list(gaps.items())[:10])
    more = f" (and {len(gaps) - 10} more)" if len(gaps) > 10 else ""
    raise FontCoverageError(
        f"the font {font.regular} cannot draw some names the books print: {shown}{more}. "
        f"Correct the names in the agency roster/aliases, or {INSTALL_HINT}."
    )


@dataclass(frozen=True)
class GlyphFallback:
    """Characters of the books' names the font cannot draw, and what each prints as instead."""

    table: dict[int, str] = field(default_factory=dict)  # code point -> replacement ("" for an invisible one)
    gaps: dict[str, str] = field(default_factory=dict)  # name -> its undrawable characters

    def apply(self, text: str) -> str:
        return text.translate(self.table) if self.table else text

    def finalize(self, value: object) -> object:
        """Jinja's `finalize`: every value a template prints passes through here."""
        return value.translate(self.table) if self.table and isinstance(value, str) else value


def glyph_fallback(font: CJKFont, texts: list[str]) -> GlyphFallback:
    """What to print instead of the characters of `texts` the font lacks: nothing for control and bidi
    characters (names are cleaned at ingest; older archives may still hold some), a replacement glyph
    for the rest."""
    from ..names import INVISIBLE_PY

    gaps = missing_glyphs(font, texts)
    cmap = _cmap(font.regular, font.face_index)
    replacement = next((ch for ch in REPLACEMENTS if ord(ch) in cmap), "?")
    table = {ord(ch): "" if INVISIBLE_PY.match(ch) else replacement for chars in gaps.values() for ch in chars}
    return GlyphFallback(table, gaps)


def register_with_matplotlib(font: CJKFont) -> str:
    """Make the font known to matplotlib (every face of a collection) and return its family."""
    from matplotlib import font_manager

    known = {entry.fname for entry in font_manager.fontManager.ttflist}
    for path in font.files():
        if str(path) not in known:
            font_manager.fontManager.addfont(str(path))
    return font.family
