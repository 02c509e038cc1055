"""Finding a CJK font, and refusing to print names it would draw as empty boxes."""

from __future__ import annotations

from pathlib import Path

import pytest

from citistat.render import fonts


def test_finds_a_cjk_font_that_draws_the_agency_names():
    font = fonts.find_cjk_font()
    assert font.regular.is_file()
    assert fonts.missing_glyphs(font, ["市住房和城乡建设委员会", "望京街道", "满意率 97.3%"]) == {}


def test_debian_collection_uses_the_simplified_chinese_face():
    if not (fonts.DEBIAN_NOTO / fonts.DEBIAN_FACES[0]).is_file():
        pytest.skip("Debian fonts-noto-cjk is not installed")
    font = fonts.find_cjk_font()
    assert font.family == "Noto Sans CJK SC"
    assert font.bold is not None  # a real bold: WeasyPrint has no faux bold


def test_tofu_guard_names_the_text_and_the_missing_character():
    font = fonts.find_cjk_font()
    private_use = "\ue000"  # no font maps the private-use area
    with pytest.raises(fonts.FontCoverageError) as caught:
        fonts.check_coverage(font, ["市水务局", f"某{private_use}街道"])
    assert f"某{private_use}街道" in caught.value.message
    assert "U+E000" in caught.value.message
    assert "市水务局" not in caught.value.message
    assert "fonts-noto-cjk" in caught.value.message


def test_no_font_found_says_how_to_install_one(monkeypatch):
    for finder in ("_debian_noto", "_fontconfig", "_pip_package"):
        monkeypatch.setattr(fonts, finder, lambda: None)
    with pytest.raises(fonts.FontNotFound, match="apt-get install fonts-noto-cjk.*pip install pylopdf-fonts-zh-cn"):
        fonts.find_cjk_font()


def test_fontconfig_answer_without_chinese_is_not_taken(monkeypatch, tmp_path):
    monkeypatch.setattr(fonts, "_covers_han", lambda path: False)
    monkeypatch.setattr(fonts.shutil, "which", lambda name: "/usr/bin/fc-match")

    class Done:
        returncode, stdout = 0, str(Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))

    monkeypatch.setattr(fonts.subprocess, "run", lambda *a, **k: Done())
    assert fonts._fontconfig() is None


def test_an_undrawable_character_prints_as_a_replacement_glyph():
    font = fonts.find_cjk_font()
    fallback = fonts.glyph_fallback(font, ["市水务局", "幸福街道\U0001f600", "城管委\u202e执法队"])
    assert set(fallback.gaps) == {"幸福街道\U0001f600", "城管委\u202e执法队"}
    assert fallback.apply("幸福街道\U0001f600") == "幸福街道\u25a1"
    assert fallback.apply("城管委\u202e执法队") == "城管委执法队"  # an invisible character is dropped, not boxed
    assert fallback.finalize(3) == 3 and fallback.finalize("市水务局") == "市水务局"
    assert fonts.missing_glyphs(font, [fallback.apply("幸福街道\U0001f600")]) == {}
