"""The city book joined from parts is the book laid out whole: pages, text, tags, outline, links, labels.

One build in parts (the default) is compared with the same book laid out whole by WeasyPrint; then
the cache: a rebuild lays out only the part whose inputs changed.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pikepdf
import pytest
import render_fixtures as fx
from pypdf import PdfReader

from citistat.briefing import AgencyNotes
from citistat.render import build_books, font_merge
from citistat.render.assemble import PART_LINK, part_links
from citistat.render.books import BookRenderer
from citistat.render.fonts import find_cjk_font
from citistat.render.parts import LAYOUT
from citistat.workspace import DEFAULT_TEMPLATES_DIR

GROUPING = {"/Document", "/Part", "/Art", "/Sect", "/Div", "/NonStruct", "/Span"}  # wrappers a part boundary may add


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """(book joined from parts, the same book laid out whole, the build's BookSet, its output folder)."""
    out = tmp_path_factory.mktemp("parts")
    built = build_books(
        fx.briefing_inputs(), out, templates_dirs=[DEFAULT_TEMPLATES_DIR], formats=("pdf",), agencies=[]
    )
    renderer = BookRenderer(fx.briefing_inputs(), out, [DEFAULT_TEMPLATES_DIR], font=find_cjk_font())
    whole = renderer.writer.write(renderer.city_html(), out, out / "whole.pdf")
    return built.city_book_pdf, whole, built, out


def words_by_page(path: Path) -> list[list[str]]:
    return [sorted(page.extract_text().split()) for page in PdfReader(path).pages]


def outline_of(path: Path) -> list[tuple[int, str, int]]:
    reader = PdfReader(path)
    found = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return found


def page_index(pdf) -> dict[tuple[int, int], int]:
    return {page.obj.objgen: number for number, page in enumerate(pdf.pages)}


def links_of(path: Path) -> list[tuple[int, str]]:
    """(page of the link, where it goes: the page number of its destination, or its URI)."""
    with pikepdf.open(path) as pdf:
        pages = page_index(pdf)
        dests_array = pdf.Root.Names.Dests.Names
        dests = {str(dests_array[i]): dests_array[i + 1] for i in range(0, len(dests_array), 2)}
        found = []
        for number, page in enumerate(pdf.pages):
            for annot in page.obj.get("/Annots", []):
                if "/Dest" in annot:
                    found.append((number, f"page {pages[dests[str(annot.Dest)][0].objgen]}"))
                else:
                    found.append((number, str(annot.A.URI)))
        return sorted(found)


def elements(node, parent=None):
    """Every structure element under `node`, depth first, with its parent."""
    kids = node.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [] if kids is None else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield kid, node
            yield from elements(kid, node)


def content_tags(path: Path) -> list[str]:
    with pikepdf.open(path) as pdf:
        return [str(e.S) for e, _ in elements(pdf.Root.StructTreeRoot.K[0]) if str(e.S) not in GROUPING]


def test_same_pages_and_text_as_the_book_laid_out_whole(books):
    parts, whole, _, _ = books
    assert words_by_page(parts) == words_by_page(whole)  # the folio's page numbers and header included


def test_same_outline(books):
    parts, whole, _, _ = books
    assert outline_of(parts) == outline_of(whole)
    assert [t for depth, t, _ in outline_of(parts) if depth == 1][-4:] == [
        fx.WATER,
        fx.HOUSING,
        fx.WANGJING,
        fx.JIAODAOKOU,
    ]


def test_every_internal_link_works_and_goes_where_the_whole_book_goes(books):
    parts, whole, _, _ = books
    found = links_of(parts)
    assert found == links_of(whole)
    assert sum(1 for _, target in found if target.startswith("page ")) >= 10  # the contents and cross references
    assert not any(target.startswith(PART_LINK) for _, target in found)


def test_same_page_labels(books):
    parts, whole, _, _ = books
    with pikepdf.open(parts) as a, pikepdf.open(whole) as b:
        assert [p.label for p in a.pages] == [p.label for p in b.pages]


def test_same_tags_in_the_same_order(books):
    parts, whole, _, _ = books
    tags = content_tags(parts)
    assert tags == content_tags(whole)
    assert {"/H1", "/H2", "/Table", "/Figure", "/Link", "/L"} <= set(tags)


def test_structure_tree_is_consistent(books):
    """Parents, pages, marked content and annotations of the merged tree all point where they should."""
    parts = books[0]
    with pikepdf.open(parts) as pdf:
        root = pdf.Root.StructTreeRoot
        assert pdf.Root.MarkInfo.Marked and str(pdf.Root.Lang) == "zh-CN"
        pages = page_index(pdf)
        nums = root.ParentTree.Nums
        tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        assert int(root.ParentTreeNextKey) == max(tree) + 1
        annots = {}
        for element, parent in elements(root.K[0], root.K[0]):
            assert element.P.objgen == parent.objgen
            if "/Pg" in element:
                assert element.Pg.objgen in pages
            kids = element.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
                    annots[kid.Obj.objgen] = element.objgen
        for number, page in enumerate(pdf.pages):
            mcids = re.findall(rb"/MCID (\d+)", page.obj.Contents.read_bytes())
            marked = tree[int(page.obj.StructParents)]
            assert len(marked) == len(mcids), f"page {number + 1}"
            for annot in page.obj.get("/Annots", []):
                assert tree[int(annot.StructParent)].objgen == annots[annot.objgen]


def test_pdf_a_3b_keeps_metadata_output_intent_and_attachments(tmp_path):
    counts = tmp_path / "counts.csv"
    counts.write_text("agency,n_tickets\n市水务局,240\n", "utf-8")
    built = build_books(
        fx.briefing_inputs(lang="en", edition="public"),
        tmp_path,
        templates_dirs=[DEFAULT_TEMPLATES_DIR],
        formats=("pdf",),
        agencies=[],
        pdf_variant="pdf/a-3b",
        attachments=[counts],
    )
    assert built.parts["parts"] >= 7  # front, contents, summary, rankings, agencies, topics, appendices
    with pikepdf.open(built.city_book_pdf) as pdf:
        assert "pdfaid" in pdf.Root.Metadata.read_bytes().decode("utf-8")
        assert pdf.Root.OutputIntents[0].S == "/GTS_PDFA1"
        assert list(pdf.attachments) == ["counts.csv"]
        assert len(pdf.pages) > 10 and "/StructTreeRoot" not in pdf.Root  # WeasyPrint's PDF/A-b is untagged


def test_one_font_program_per_face_the_one_the_whole_book_embeds(books):
    """The parts' subsets of a face are replaced by one program: the one WeasyPrint embeds laying the
    book out whole (the same subsetter over the same glyphs), so the book is about the whole one's size."""
    parts, whole, _, _ = books
    programs = font_programs(parts)
    assert {face for face, _ in programs} >= {"CitistatCJK", "CitistatCJK-Bold"}
    assert all(len(streams) == 1 for _, streams in programs.items())
    assert programs == font_programs(whole)
    assert parts.stat().st_size <= 1.3 * whole.stat().st_size


def test_every_font_is_embedded(books):
    parts = books[0]
    with pikepdf.open(parts) as pdf:
        fonts = [o for o in pdf.objects if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/Font"]
        assert len(fonts) > 10  # a Type0 font and its CIDFont, per face and part
        for font in fonts:
            if font.get("/Subtype") in ("/Type0", "/Type3"):
                continue  # a Type0's program is its CIDFont's; a Type3 draws its glyphs itself
            descriptor = font.FontDescriptor
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), font.BaseFont


def test_glyphs_drawn_as_in_the_whole_book(books, tmp_path):
    """Pages of the book from parts, rasterised, are the whole book's pixel for pixel: a glyph id that drew
    another glyph in the merged font program would show here."""
    parts, whole, _, _ = books
    reader = PdfReader(parts)
    count = len(reader.pages)
    pages = sorted({2, count // 2, count - 1, count})
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for number in pages:
        assert cjk.search(reader.pages[number - 1].extract_text()), f"page {number} has Chinese text"
        ours, theirs = _raster(parts, number, tmp_path / "parts"), _raster(whole, number, tmp_path / "whole")
        assert ours.size == theirs.size
        differing = sum(1 for a, b in zip(ours.tobytes(), theirs.tobytes()) if abs(a - b) > 32)
        assert differing <= ours.size[0] * ours.size[1] // 1000, f"page {number}: {differing} pixels differ"


def test_a_face_is_left_alone_without_its_original_file_or_when_a_glyph_differs(books, monkeypatch):
    _, whole, _, out = books
    pdf = _joined_without_merging(sorted((out / ".parts").glob("*.pdf"))[:4])
    before = font_programs_of(pdf)
    assert max(len(streams) for streams in before.values()) > 1
    assert font_merge.merge_font_programs(pdf, []) == 0  # no original file to subset from
    assert font_programs_of(pdf) == before
    with pikepdf.open(whole) as other:  # the monospace face's program: not the glyphs the parts draw
        wrong = next(s for (face, _), streams in font_programs_of(other).items() if "Mono" in face for s in streams)
    monkeypatch.setattr(font_merge, "_subset", lambda origin, glyphs: wrong)
    assert font_merge.merge_font_programs(pdf, find_cjk_font().files()) == 0
    assert font_programs_of(pdf) == before
    monkeypatch.undo()
    assert font_merge.merge_font_programs(pdf, find_cjk_font().files()) >= 2
    assert all(len(streams) == 1 for streams in font_programs_of(pdf).values())


def test_widths_arrays_of_both_forms_give_the_glyphs():
    widths = pikepdf.Array([3, pikepdf.Array([500, 600]), 10, 12, 1000])
    assert font_merge._widths_glyphs(widths) == {3, 4, 10, 11, 12}


def font_programs(path: Path) -> dict[tuple[str, str], set[bytes]]:
    with pikepdf.open(path) as pdf:
        return font_programs_of(pdf)


def font_programs_of(pdf) -> dict[tuple[str, str], set[bytes]]:
    """(font name without its subset tag, program kind) -> the distinct embedded programs of that face."""
    found: dict[tuple[str, str], set[bytes]] = {}
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
            for key in ("/FontFile2", "/FontFile3"):
                if key in obj:
                    face = re.sub(r"^/?[A-Z]{6}\+", "", str(obj.FontName))
                    found.setdefault((face, key), set()).add(obj[key].read_bytes())
    return found


def _joined_without_merging(paths: list[Path]):
    pdf = pikepdf.new()
    for path in paths:
        with pikepdf.open(path) as part:
            pdf.pages.extend(part.pages)
    return pdf


def _raster(pdf: Path, page: int, prefix: Path):
    from PIL import Image

    subprocess.run(
        ["pdftoppm", "-r", "50", "-gray", "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(prefix)],
        check=True,
    )
    with Image.open(f"{prefix}.pgm") as image:
        return image.copy()


def test_parts_follow_book_html():
    """The parts' sections are book.html's, in its order: a section added to the book is added to a part."""
    book = (DEFAULT_TEMPLATES_DIR / "book.html").read_text("utf-8")
    included = re.findall(r'include "sections/(\w+)\.html"', book)
    laid_out = [s for _, sections in LAYOUT for s in (sections or ("agency",))]
    assert laid_out == included


def test_part_links_leave_anchors_of_the_part_alone():
    html = '<h1 id="a">x</h1><a href="#a">in</a> <a href="#b">out</a> <a href=\'#c\'>out</a>'
    assert part_links(html) == (
        f'<h1 id="a">x</h1><a href="#a">in</a> <a href="{PART_LINK}b">out</a> <a href="{PART_LINK}c">out</a>'
    )


def test_page_references_into_other_parts_carry_the_target_page(books):
    """The integrity list (summary part) cites each unit's page in the agencies parts: the number printed is
    the page its link goes to, as target-counter() gives it in a book laid out whole."""
    parts, whole, _, _ = books
    reader = PdfReader(parts)
    cited = []
    for number, page in enumerate(reader.pages):
        words = _words_with_boxes(parts, number + 1)
        height = float(page.mediabox.height)
        for annotation in page.get("/Annots") or []:
            link = annotation.get_object()
            if link.get("/Subtype") != "/Link" or "/Dest" not in link:
                continue
            xa, ya, xb, yb = (float(v) for v in link["/Rect"])
            x0, x1, y0, y1 = min(xa, xb), max(xa, xb), min(ya, yb), max(ya, yb)  # corners in either order
            shown = "".join(
                w for w, (wx, wy) in words if x0 - 1 <= wx <= x1 + 1 and height - y1 - 1 <= wy <= height - y0 + 1
            )
            target = reader.named_destinations.get(str(link["/Dest"]))
            if shown.isdigit() and target is not None:
                cited.append((int(shown), reader.get_destination_page_number(target) + 1))
    assert len(cited) >= 2, "the fixture's integrity list cites unit pages"
    assert all(shown == target for shown, target in cited), cited


def _words_with_boxes(pdf: Path, page: int) -> list[tuple[str, tuple[float, float]]]:
    """Each word on the page with its centre (x, y from the top), as pdftotext -bbox lays them out."""
    found = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    words = []
    for match in re.finditer(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', found
    ):
        x0, y0, x1, y1 = (float(v) for v in match.groups()[:4])
        words.append((match.group(5), ((x0 + x1) / 2, (y0 + y1) / 2)))
    return words


def test_a_notes_edit_lays_out_one_part_again(books):
    """Last of the tests on `books`: it builds the fixture's book again, with an edit."""
    _, _, first, out = books
    assert first.parts["laid_out"] == first.parts["parts"] - 1  # every part but the contents (laid out last)
    again = build_books(
        fx.briefing_inputs(), out, templates_dirs=[DEFAULT_TEMPLATES_DIR], formats=("pdf",), agencies=[]
    )
    assert again.parts["laid_out"] == 0
    inputs = fx.briefing_inputs()
    notes = dict(inputs.notes)
    notes[fx.WANGJING] = AgencyNotes(fx.WANGJING, ["新的讨论要点：夜间施工扰民"], [], "", "")
    edited = build_books(
        replace(inputs, notes=notes), out, templates_dirs=[DEFAULT_TEMPLATES_DIR], formats=("pdf",), agencies=[]
    )
    assert edited.parts["laid_out"] == 1
    assert "夜间施工扰民" in "".join(
        PdfReader(edited.city_book_pdf).pages[i].extract_text()
        for i in range(len(PdfReader(edited.city_book_pdf).pages))
    )
