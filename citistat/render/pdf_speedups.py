"""A fix to the PDF writer under WeasyPrint, for books of a hundred pages and more.

WeasyPrint's tagging (PDF/UA, the default variant) asks pydyf for `page_references[n]`
once per tagged element, and pydyf 0.13 rebuilds the whole tuple of page references on
every call: pages × elements work, about 2 s of a 140-page book's 10 s write. Here the
tuple is kept until a page is added. The PDF bytes are the same (tested); pydyf is pinned
with WeasyPrint, so the pinned version is the one this is written against.
"""

from __future__ import annotations

_CACHE = "_citistat_page_references"


def _page_references(pdf) -> tuple[bytes, ...]:
    kids = pdf.pages["Kids"]  # [number, 0, "R"] per page, only ever appended to
    cached = pdf.__dict__.get(_CACHE)
    if cached is None or cached[0] != len(kids):
        cached = (len(kids), tuple(f"{number} 0 R".encode("ascii") for number in kids[::3]))
        pdf.__dict__[_CACHE] = cached
    return cached[1]


def install() -> None:
    """Idempotent; called before the first PDF is written."""
    import pydyf

    if getattr(pydyf.PDF.page_references, "fget", None) is not _page_references:
        pydyf.PDF.page_references = property(_page_references)
