"""The books as a demanding reader sees them: nothing past the margin, no orphaned page, no word of the
other language outside data values, every percentage a figure of the results, and nothing internal in an
agency or public PDF (proved on the text extracted from the PDFs).

One layout per document for the whole module: the 4-agency fixture's city book in both languages, and
the housing bureau's brief (the agency with the watch list, an internal note and a follow-up note) in the
internal and agency editions, plus the public city book.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from pathlib import Path

import book_checks as checks
import pytest
import render_fixtures as fx
from pypdf import PdfReader

from citistat.render import formatting
from citistat.render.books import BookRenderer, chart_urls, draw_charts, names_to_draw
from citistat.render.fonts import find_cjk_font
from citistat.workspace import DEFAULT_TEMPLATES_DIR

PROSE_PERCENTAGES = {
    "95%",
    "5%",
    "100%",  # "95% interval", "5% level", "exactly 100%"
    "20%",  # the outlook's rise threshold ([outlook] in scoring.toml)
    "4.5%",
    "93%",
}  # the hot spots' calibration and power, quoted on the methods page
INTERNAL_MATERIAL = [fx.INTERNAL_NOTE, fx.FOLLOWUP_NOTE, fx.CALLER_REF, "13800138000", fx.FOCUS_REASON]


class Laid:
    """A laid-out document, its PDF's text page by page, and the inputs it came from."""

    def __init__(self, inputs, document, pdf: Path):
        self.inputs = inputs
        self.document = document
        self.pages = [page.extract_text() for page in PdfReader(pdf).pages]
        self.text = "\n".join(self.pages)


def _lay_out(inputs, out: Path, which: str) -> Laid:
    font = find_cjk_font()
    draw_charts(inputs, out, font)
    renderer = BookRenderer(inputs, out, [DEFAULT_TEMPLATES_DIR], font=font)
    html = renderer.city_html() if which == "book" else renderer.agency_html(which)
    document = renderer.writer.layout(html, out)
    pdf = renderer.writer.write_document(document, out / f"{inputs.lang}-{inputs.edition}-{which}.pdf")
    return Laid(inputs, document, pdf)


@pytest.fixture(scope="module")
def laid(tmp_path_factory) -> dict[tuple[str, str, str], Laid]:
    out = tmp_path_factory.mktemp("checks")
    documents = {}
    for lang, edition, which in [
        ("zh-CN", "internal", "book"),
        ("en", "internal", "book"),
        ("zh-CN", "agency", fx.HOUSING),
        ("en", "agency", fx.HOUSING),
        ("zh-CN", "public", "book"),
    ]:
        folder = out / f"{lang}-{edition}"
        folder.mkdir()
        documents[(lang, edition, which)] = _lay_out(fx.briefing_inputs(lang=lang, edition=edition), folder, which)
    return documents


def data_values(inputs) -> list[str]:
    """What the books print from data (names, free text, file names): it stays in its own language."""
    values = [
        *names_to_draw(inputs),
        *(f.text for f in inputs.followups),
        *(f.owner for f in inputs.followups),
        *(f.notes for f in inputs.followups),
        *(f.name for f in inputs.input_files),
        *(f.path for f in inputs.files),
    ]
    for notes in inputs.notes.values():
        values += [*notes.discussion_topics, *notes.accomplishments, notes.response, notes.internal]
    for unit in [inputs.result.city, *inputs.result.units]:
        values += [flag.message for flag in unit.flags] + [w.caller_ref for w in unit.watchlist]
        values += [c for w in unit.watchlist for c in w.categories]
    values += [flag.message for flag in inputs.result.flags]
    values += [item.reason for item in inputs.focus]
    for issue in inputs.issues:
        values += [issue.message, issue.hint, issue.raw_value or "", issue.sheet or "", issue.column or ""]
    return values


@pytest.mark.parametrize(
    "key",
    [
        ("zh-CN", "internal", "book"),
        ("en", "internal", "book"),
        ("zh-CN", "agency", fx.HOUSING),
        ("en", "agency", fx.HOUSING),
    ],
)
def test_no_box_runs_past_the_content_area(laid, key):
    assert checks.boxes_past_content_area(laid[key].document) == []


@pytest.mark.parametrize("key", [("zh-CN", "internal", "book"), ("en", "internal", "book")])
def test_no_near_empty_page_that_does_not_end_a_part(laid, key):
    assert checks.near_empty_pages(laid[key].document) == []


def test_the_overflow_check_catches_a_table_into_the_margin(tmp_path):
    """The check itself: a table of 100% width plus padding (the old headline) is caught."""
    inputs = fx.briefing_inputs()
    renderer = BookRenderer(inputs, tmp_path, [DEFAULT_TEMPLATES_DIR], font=find_cjk_font())
    html = (
        "<html><body><table style='width:100%;table-layout:fixed;border-collapse:collapse'><tr>"
        + "<td style='width:25%;padding:0 3mm'>x</td>" * 4
        + "</tr></table></body></html>"
    )
    found = checks.boxes_past_content_area(renderer.writer.layout(html, tmp_path))
    assert found and "mm" in found[0]


def test_english_book_has_no_chinese_outside_data_values(laid):
    book = laid[("en", "internal", "book")]
    assert checks.cjk_outside_values(book.text, data_values(book.inputs)) == []
    assert "Municipal departments" in book.text  # the unit type has an English name: it is used
    assert "ticket(s)" not in book.text and " %" not in book.text.replace("\n", " ").replace("  ", " ")


def test_chinese_book_has_no_english_outside_data_values_and_the_allow_list(laid):
    book = laid[("zh-CN", "internal", "book")]
    assert checks.english_outside_values(book.text, data_values(book.inputs)) == []
    for leak in ("ok", "quarantined", "weights_in_force", "targets.1"):
        assert leak not in book.text


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_every_percentage_is_a_figure_of_the_results(laid, lang):
    book = laid[(lang, "internal", "book")]
    result = book.inputs.result
    weights = [
        w
        for row in result.definitions["weights_in_force"].values()
        for k, w in row.items()
        if k in ("response", "resolution", "satisfaction")
    ]
    flags = " ".join(f.message for u in [result.city, *result.units] for f in u.flags) + " ".join(
        f.message for f in result.flags
    )
    assert (
        checks.unexplained_percentages(
            book.text, result, extra=weights, prose=PROSE_PERCENTAGES | set(checks.printed_percentages(flags))
        )
        == []
    )
    # and the ones that matter are there: the topic's change (42 against 60) is −30.0%, not −3000.0%
    assert "−30.0%" in book.text and formatting.pct(result.unit(fx.HOUSING).rates["satisfaction"].value) in book.text


@pytest.mark.parametrize(
    "key", [("zh-CN", "agency", fx.HOUSING), ("en", "agency", fx.HOUSING), ("zh-CN", "public", "book")]
)
def test_outward_pdfs_hold_no_internal_note_or_watch_list_entry(laid, key):
    text = checks._squeezed(laid[key].text)
    for secret in INTERNAL_MATERIAL:
        assert checks._squeezed(secret) not in text, secret
    # what an agency is sent stays: its own numbers, the questions chosen for it, its reply
    if key[1] == "agency":
        assert checks._squeezed("物业管理投诉为何连续三个月上升？") in text
        assert checks._squeezed("本月解决率下降系集中供暖投诉所致") in text


def test_internal_book_does_hold_them(laid):
    """The leak test above could pass by building nothing: the internal edition must show every one."""
    text = checks._squeezed(laid[("zh-CN", "internal", "book")].text)
    for secret in INTERNAL_MATERIAL:
        assert checks._squeezed(secret) in text, secret


def test_every_page_names_edition_revision_and_build_date_and_the_draft_mark(laid):
    for (lang, edition, _), book in laid.items():
        edition_name = {
            "zh-CN": {"internal": "内部版", "agency": "单位版", "public": "公开版"},
            "en": {"internal": "Internal", "agency": "Agency", "public": "Public"},
        }[lang][edition]
        built = formatting.date_label(book.inputs.generated_on, lang)
        draft = "草稿" if lang == "zh-CN" else "DRAFT"
        for number, page in enumerate(book.pages, start=1):
            squeezed = checks._squeezed(page)
            assert checks._squeezed(edition_name) in squeezed, (lang, edition, number)
            assert checks._squeezed(built) in squeezed and draft in page, (lang, edition, number)


def test_a_published_build_has_no_draft_mark(tmp_path):
    inputs = replace(fx.briefing_inputs(lang="en", edition="agency"), status="published")
    renderer = BookRenderer(inputs, tmp_path, [DEFAULT_TEMPLATES_DIR], font=find_cjk_font())
    html = renderer.agency_html(fx.WANGJING)
    assert "DRAFT" not in html and "revision 2" in html
    assert chart_urls(inputs.result)  # the brief's charts are named for the same result


def test_english_edition_draws_chinese_with_simplified_chinese_glyph_forms(tmp_path):
    """骨直海 have different Japanese and Simplified Chinese forms: en must draw them exactly as zh-CN does."""
    import shutil
    import subprocess

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils, installed by scripts/install-system-deps.sh) is missing")
    font = find_cjk_font()
    pictures = {}
    for lang in ("zh-CN", "en"):
        renderer = BookRenderer(fx.briefing_inputs(lang=lang), tmp_path, [DEFAULT_TEMPLATES_DIR], font=font)
        html = (
            f'<html lang="{lang}"><style>{renderer.context["stylesheet"]} @page {{ size: 60mm 25mm; margin: 2mm; }}'
            f" @page :first {{ @bottom-left {{ content: none; }} }} body {{ font-size: 30pt; }}</style>"
            f"<body>骨直海</body></html>"
        )
        pdf = renderer.writer.write(html, tmp_path, tmp_path / f"{lang}.pdf")
        subprocess.run(["pdftoppm", "-r", "40", "-png", "-singlefile", str(pdf), str(tmp_path / lang)], check=True)
        pictures[lang] = (tmp_path / f"{lang}.png").read_bytes()
    assert pictures["en"] == pictures["zh-CN"]


def test_cover_and_pdf_date_are_the_build_date_and_the_meeting_keeps_its_own(laid):
    book = laid[("zh-CN", "internal", "book")]
    cover = checks._squeezed(book.pages[0])
    assert "编制日期2024年4月1日" in cover and "例会日期2024年4月3日" in cover
    assert book.document.metadata.created.startswith("2024-04-01")


def test_build_date_is_today_or_the_reproducible_build_epoch(monkeypatch):
    from datetime import datetime

    from citistat.pipeline import build_date

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1712102400")  # 2024-04-03 00:00 UTC
    assert build_date() == "2024-04-03"
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert build_date() == datetime.now(UTC).date().isoformat()


def test_agency_edition_writes_briefs_only_and_names_them_by_edition(tmp_path):
    from citistat.render import build_books

    books = build_books(
        fx.briefing_inputs(lang="en", edition="agency"),
        tmp_path,
        templates_dirs=[DEFAULT_TEMPLATES_DIR],
        formats=("pdf", "html"),
        agencies=[fx.WANGJING],
        city_book=False,
    )
    assert books.city_book_pdf is None and books.city_book_html is None
    (name,) = [p.name for p in books.agency_pdfs.values()]
    assert name.startswith("citistat-2024-03-望京街道-") and name.endswith("-en-agency.pdf")
    assert list(tmp_path.glob("*.pdf")) == [] and list(tmp_path.glob("*.html")) == []


def test_pipeline_editions_write_what_each_reader_gets():
    from citistat.pipeline import EDITION_PARTS

    assert EDITION_PARTS == {"internal": ("book", "briefs"), "agency": ("briefs",), "public": ("book",)}


def test_city_charts_are_drawn_per_language_so_one_language_never_shows_the_others_labels():
    inputs = fx.briefing_inputs()
    zh, en = chart_urls(inputs.result, "zh-CN")[""], chart_urls(inputs.result, "en")[""]
    assert zh["trend"] != en["trend"] and zh["topics"] != en["topics"]
    assert chart_urls(inputs.result, "zh-CN")[fx.WATER] != chart_urls(inputs.result, "en")[fx.WATER]  # own folder
