"""Rebuilds keep the PDFs and charts whose inputs did not change, and redo the rest."""

from __future__ import annotations

from dataclasses import replace

import render_fixtures as fx

from citistat.briefing import AgencyNotes
from citistat.render import build_books, reuse
from citistat.workspace import DEFAULT_TEMPLATES_DIR


def test_a_pdf_is_current_only_for_its_key_and_its_bytes(tmp_path):
    pdf = tmp_path / "brief.pdf"
    assert not reuse.is_current(pdf, "k1")  # nothing written yet
    pdf.write_bytes(b"%PDF-1.7 one")
    assert not reuse.is_current(pdf, "k1")  # written, but not recorded
    reuse.remember(pdf, "k1")
    assert reuse.is_current(pdf, "k1")
    assert not reuse.is_current(pdf, "k2")  # other inputs
    pdf.write_bytes(b"%PDF-1.7 edited")
    assert not reuse.is_current(pdf, "k1")  # the file changed since


def stamps(books) -> dict[str, int]:
    paths = [books.city_book_pdf, *books.agency_pdfs.values(), *books.charts.glob("*.png")]
    return {p.name: p.stat().st_mtime_ns for p in paths}


def test_rebuild_after_a_notes_edit_redoes_only_that_brief_and_the_book(tmp_path):
    inputs = fx.briefing_inputs()

    def build(i):
        return build_books(i, tmp_path, templates_dirs=[DEFAULT_TEMPLATES_DIR], formats=("pdf",))

    first = stamps(build(inputs))
    assert stamps(build(inputs)) == first  # nothing changed: every file kept

    notes = {**inputs.notes, fx.WATER: AgencyNotes(fx.WATER, ["新增询问：汛期排水预案？"])}
    books = build(replace(inputs, notes=notes))
    changed = {name for name, stamp in stamps(books).items() if stamp != first[name]}
    water = books.agency_pdfs[fx.WATER].name
    assert changed == {books.city_book_pdf.name, water}  # no chart, no other brief
