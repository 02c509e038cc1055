"""The PDF books through their structure: pages, bookmarks, text, fonts, conformance, attachments.

Kept to two builds of the 4-agency fixture (one per language) so the suite stays fast.
"""

from __future__ import annotations

import logging
import re
import tempfile

import pytest
import render_fixtures as fx
from pypdf import PdfReader

from citistat.errors import CitistatError
from citistat.render import build_books, render_memo
from citistat.render.books import BookRenderer
from citistat.render.fonts import find_cjk_font
from citistat.workspace import DEFAULT_TEMPLATES_DIR

AGENCIES = [fx.WATER, fx.HOUSING, fx.WANGJING, fx.JIAODAOKOU]  # book order


class Recorder(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def build_recording_warnings(*args, **kwargs):
    recorder = Recorder()
    loggers = [logging.getLogger("weasyprint"), logging.getLogger("citistat")]
    for logger in loggers:
        logger.addHandler(recorder)
    try:
        return build_books(*args, **kwargs), recorder.records
    finally:
        for logger in loggers:
            logger.removeHandler(recorder)


@pytest.fixture(scope="module")
def zh_books(tmp_path_factory):
    out = tmp_path_factory.mktemp("zh")
    return build_recording_warnings(fx.briefing_inputs(), out, templates_dirs=[DEFAULT_TEMPLATES_DIR])


@pytest.fixture(scope="module")
def en_public(tmp_path_factory):
    out = tmp_path_factory.mktemp("en")
    counts = out / "counts.csv"
    counts.write_text("agency,n_tickets\n市水务局,240\n", "utf-8")
    books, records = build_recording_warnings(
        fx.briefing_inputs(lang="en", edition="public"),
        out,
        templates_dirs=[DEFAULT_TEMPLATES_DIR],
        formats=("pdf",),
        agencies=[],
        pdf_variant="pdf/a-3b",
        attachments=[counts],
    )
    assert [r.getMessage() for r in records] == []
    return books


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def outline_titles(outline, depth=0) -> list[tuple[int, str]]:
    found = []
    for item in outline:
        if isinstance(item, list):
            found.extend(outline_titles(item, depth + 1))
        else:
            found.append((depth, item.title))
    return found


def flat_outline(outline) -> list:
    return [entry for item in outline for entry in (flat_outline(item) if isinstance(item, list) else [item])]


def test_weasyprint_logs_no_warning(zh_books):
    _, records = zh_books
    assert [r.getMessage() for r in records] == []


def test_book_files_written(zh_books):
    books, _ = zh_books
    assert books.city_book_pdf.is_file() and books.city_book_html.is_file()
    assert sorted(books.agency_pdfs) == sorted(AGENCIES)
    assert (books.charts / "city-trend.png").is_file() and books.charts.name == "zh-CN"
    assert books.paths()[0] == books.city_book_pdf


def test_bookmarks_for_every_section_and_agency(zh_books):
    reader = PdfReader(zh_books[0].city_book_pdf)
    titles = outline_titles(reader.outline)
    level1 = [title for depth, title in titles if depth == 0]
    assert level1 == [
        "要点",
        "会议议程",
        "问题单：市住房和城乡建设委员会",
        "目录",
        "总体情况",
        "考核排名",
        "各单位情况",
        "每月一题",
        "新出现的热点",
        "下月展望",
        "未诉先办：诉求升级前的预警名单",
        "附录一 数据质量",
        "附录二 指标口径",
    ]
    level2 = [title for depth, title in titles if depth == 1]
    assert level2 == ["以往会议督办事项", "委办局排名", "街乡镇排名", "办理时限（按期办结）", *AGENCIES]


def test_toc_page_numbers_point_at_the_sections(zh_books):
    reader = PdfReader(zh_books[0].city_book_pdf)
    pages = {item.title: reader.get_destination_page_number(item) + 1 for item in flat_outline(reader.outline)}
    toc = reader.pages[pages["目录"] - 1].extract_text()
    for name in AGENCIES + ["总体情况", "考核排名"]:
        number = re.search(re.escape(name) + r"[ .]*?(\d+)\s*$", toc, flags=re.M)
        assert number and int(number.group(1)) == pages[name], name


def test_footer_counts_pages_and_header_names_the_period(zh_books):
    reader = PdfReader(zh_books[0].city_book_pdf)
    total = len(reader.pages)
    # cover, chair's page, agenda, a question sheet, contents, summary (2), rankings, 4 agencies (5), topics,
    # 2 appendices
    assert 14 <= total <= 20
    last = reader.pages[-1].extract_text()
    assert f"第 {total} 页 / 共 {total} 页" in last
    assert "示例市 · 2024年3月" in last


def test_text_has_agency_names_and_rates(zh_books):
    text = text_of(PdfReader(zh_books[0].city_book_pdf))
    for name in AGENCIES:
        assert name in text
    assert "94.8%" in text  # water satisfaction 221 / 233
    assert "R-3f9a" in text  # internal edition: the watch list is there


def test_a_cjk_font_is_embedded(zh_books):
    reader = PdfReader(zh_books[0].city_book_pdf)
    fonts = {}
    for page in reader.pages[:4]:
        for ref in page["/Resources"].get("/Font", {}).values():
            font = ref.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"]).split("+")[-1]] = any(
                k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    # the @font-face family (the Noto CJK file), embedded, in regular and a real bold face
    assert fonts.get("CitistatCJK") is True and fonts.get("CitistatCJK-Bold") is True, fonts
    assert not any("Oblique" in name or "Italic" in name for name in fonts)  # no synthesized CJK italics


def test_pdf_ua_by_default(zh_books):
    reader = PdfReader(zh_books[0].city_book_pdf)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "zh-CN"
    assert "/StructTreeRoot" in root


def test_agency_briefs_are_short(zh_books):
    for name, path in zh_books[0].agency_pdfs.items():
        reader = PdfReader(path)
        assert 1 <= len(reader.pages) <= 4, name
        assert name in reader.pages[0].extract_text()


def test_public_english_book_hides_internal_data_and_attaches_files(en_public):
    reader = PdfReader(en_public.city_book_pdf)
    text = text_of(reader)
    assert "Rankings" in text and "Page 1 of" in text
    for secret in (fx.CALLER_REF, "13800138000", fx.INTERNAL_NOTE, fx.FOLLOWUP_NOTE):
        assert secret not in text
    assert list(reader.attachments) == ["counts.csv"]
    assert reader.attachments["counts.csv"][0].decode("utf-8").startswith("agency,n_tickets")
    assert "pdfaid" in reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    assert en_public.agency_pdfs == {}


def test_pdf_a2_refuses_attachments(tmp_path):
    with pytest.raises(CitistatError, match="forbids attached files"):
        build_books(
            fx.briefing_inputs(),
            tmp_path,
            templates_dirs=[DEFAULT_TEMPLATES_DIR],
            pdf_variant="pdf/a-2b",
            attachments=[tmp_path / "x.csv"],
        )


def test_unknown_agency_is_refused_before_any_work(tmp_path):
    with pytest.raises(CitistatError, match="不存在的局"):
        build_books(fx.briefing_inputs(), tmp_path, templates_dirs=[DEFAULT_TEMPLATES_DIR], agencies=["不存在的局"])
    assert not (tmp_path / "charts").exists()


def test_file_url_in_an_override_template_is_not_read(tmp_path, caplog):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / f"agency-{fx.WATER}.html").write_text(
        '<html lang="zh-CN"><body><p>{{ agency.name }}</p><img src="file:///etc/passwd" alt="x"></body></html>', "utf-8"
    )
    renderer = BookRenderer(fx.briefing_inputs(), tmp_path, [workspace, DEFAULT_TEMPLATES_DIR], font=find_cjk_font())
    with caplog.at_level(logging.WARNING):
        renderer.agency_pdf(fx.WATER, tmp_path / "water.pdf")
    assert renderer.fetcher.denied == ["file:///etc/passwd"]
    assert "refused to load file:///etc/passwd" in caplog.text
    assert fx.WATER in PdfReader(tmp_path / "water.pdf").pages[0].extract_text()


def test_memo_pdf(tmp_path):
    path = render_memo(fx.briefing_inputs(), tmp_path / "memo" / "memo.pdf", templates_dirs=[DEFAULT_TEMPLATES_DIR])
    text = text_of(PdfReader(path))
    assert "会议事项跟进备忘录" in text and "王主任" in text and "2024年3月20日" in text


def test_spawn_pool_of_two_writes_the_same_set(tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))  # the spawned workers' temporary folder
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # this process's
    books = build_books(
        fx.briefing_inputs(), tmp_path, templates_dirs=[DEFAULT_TEMPLATES_DIR], formats=("pdf",), workers=2
    )
    assert sorted(books.agency_pdfs) == sorted(AGENCIES)
    assert sorted(p.name for p in books.charts.glob("agency-*-spark.png")) == [
        f"agency-{i}-spark.png" for i in range(1, 5)
    ]
    assert fx.HOUSING in PdfReader(books.agency_pdfs[fx.HOUSING]).pages[0].extract_text()
    assert books.city_book_html is None and len(PdfReader(books.city_book_pdf).pages) >= 12
    # WeasyPrint copies the CJK fonts (~40 MB) into a folder per process; the workers must not leave theirs
    assert list(scratch.iterdir()) == []


def test_a_writer_removes_its_font_copies(tmp_path):
    renderer = BookRenderer(fx.briefing_inputs(), tmp_path, [DEFAULT_TEMPLATES_DIR], font=find_cjk_font())
    renderer.agency_pdf(fx.WANGJING, tmp_path / "brief.pdf")
    folder = renderer.writer.font_config._folder
    assert folder is not None and folder.is_dir() and any(folder.iterdir())
    renderer.writer.close()
    assert not folder.exists()


def test_same_inputs_give_the_same_pdf_bytes(tmp_path):
    renderer = BookRenderer(fx.briefing_inputs(), tmp_path, [DEFAULT_TEMPLATES_DIR], font=find_cjk_font())
    first = renderer.agency_pdf(fx.WANGJING, tmp_path / "brief.pdf").read_bytes()
    second = renderer.agency_pdf(fx.WANGJING, tmp_path / "brief.pdf").read_bytes()
    assert first == second


def test_each_brief_is_its_own(zh_books):
    """A brief names its agency, not another's; its bookmarks, title and page numbers are its own."""
    for name, path in zh_books[0].agency_pdfs.items():
        reader = PdfReader(path)
        text = text_of(reader)
        others = [other for other in AGENCIES if other != name and other not in text_of_peers(name)]
        assert name in reader.pages[0].extract_text()
        assert not [other for other in others if other in text], name
        assert [title for _, title in outline_titles(reader.outline)] == [name]
        assert reader.metadata.title.startswith(name)
        # the footer counts the brief's own pages: "第 1 页" on its first page, and no total
        assert "第 1 页" in reader.pages[0].extract_text() and "共" not in reader.pages[-1].extract_text()[-40:]


def text_of_peers(name: str) -> str:
    """What a brief may print besides its own name: its ranking neighbours (its unit type) and its hotspots."""
    unit = fx.briefing_inputs().result.unit(name)
    same_type = {fx.DEPT: [fx.WATER, fx.HOUSING], fx.STREET: [fx.WANGJING, fx.JIAODAOKOU]}
    return " ".join(same_type.get(unit.unit_type, []) + [row.place for row in unit.places])
