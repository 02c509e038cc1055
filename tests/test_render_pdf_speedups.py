"""The page-reference fix to pydyf: same PDF bytes, references that follow added pages."""

from __future__ import annotations

import pydyf
from weasyprint import HTML

from citistat.render import pdf_speedups


def _unpatched(pdf):
    """pydyf 0.13's own property: the whole tuple rebuilt on every call."""
    return tuple(f"{number} 0 R".encode("ascii") for number in pdf.pages["Kids"][::3])


def _tagged_pdf(html: str) -> bytes:
    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=b"test", uncompressed_pdf=True)


def test_a_tagged_multi_page_pdf_is_byte_for_byte_the_same(monkeypatch):
    sections = "".join(
        f"<h2>第{i}节</h2><table><tr><th>指标</th><td>{i}</td></tr></table>"
        f'<p style="break-after: page"><a href="#s0">回到第0节</a></p><p id="s{i}">正文</p>'
        for i in range(6)
    )
    html = f'<html lang="zh-CN"><head><title>t</title></head><body>{sections}</body></html>'
    monkeypatch.setattr(pydyf.PDF, "page_references", property(_unpatched))
    before = _tagged_pdf(html)
    pdf_speedups.install()
    assert pydyf.PDF.page_references.fget is pdf_speedups._page_references
    after = _tagged_pdf(html)
    assert before.count(b"/StructElem") > 10 and b"/Pg " in before  # tagged, with page references
    assert before == after


def test_references_follow_pages_added_after_a_call():
    pdf = pydyf.PDF()
    pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
    first = pdf_speedups._page_references(pdf)
    pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
    second = pdf_speedups._page_references(pdf)
    assert len(first) == 1 and len(second) == 2
    assert second == _unpatched(pdf)
    assert pdf_speedups._page_references(pdf) is second  # kept while no page is added


def test_install_is_idempotent():
    pdf_speedups.install()
    pdf_speedups.install()
    assert pydyf.PDF.page_references.fget is pdf_speedups._page_references
