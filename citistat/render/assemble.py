"""A book put together from parts laid out on their own, at the PDF level (pikepdf / qpdf).

Each part (front matter, summary, rankings, one per agency, topics, appendices) is a whole tagged
PDF written by WeasyPrint. Joining them as pages alone would lose what makes the book a book, so
the assembly also rewrites, as one document laid out whole would have them:

- the structure tree: every part's elements become children of the first part's Document
  element; the parent tree is renumbered (each page's /StructParents and each annotation's
  /StructParent move up by the keys the earlier parts used) and the role and class maps merged;
- the named destinations (one name tree for the book) and the links: a part links to an anchor
  of another part with a `citistat-part:ANCHOR` URI (see `part_links`), which becomes a GoTo to
  the book's destination of that name;
- the outline: each part's entries in part order, pointing at the book's pages;
- the catalogue of the first part stays: /Lang, /MarkInfo, /ViewerPreferences, and for PDF/A its
  XMP metadata, output intent and attached files (the first part is rendered with them);
- the page furniture (running numbers "page i of N", edition line): laid out once for the whole
  book as a folio sheet and stamped on each page as an artifact (see `folio.py`);
- the fonts: each part embeds its own subset of a face; the book embeds one (see `font_merge.py`).
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..safe_io import atomic_write_bytes
from .font_merge import merge_font_programs

log = logging.getLogger(__name__)

PART_LINK = "citistat-part:"
_HREF = re.compile(r"""\bhref=(["'])#([^"']+)\1""")
_ID = re.compile(r"""\sid=(["'])([^"']+)\1""")


def part_links(html: str) -> str:
    """`href="#x"` to an anchor the part itself lacks becomes `href="citistat-part:x"`: WeasyPrint drops a
    link to a missing anchor, but keeps a URI, which the assembly turns back into a link inside the book."""
    ids = {anchor for _, anchor in _ID.findall(html)}
    return _HREF.sub(lambda m: m.group(0) if m.group(2) in ids else f'href="{PART_LINK}{m.group(2)}"', html)


def assemble(
    parts: Sequence[Path],
    out_path: Path,
    *,
    folio: Path | None = None,
    continuing: Iterable[int] = (),
    fonts: Sequence[Path] = (),
) -> Path:
    """Write the book made of `parts` (PDF files, in order) to `out_path` (atomically).

    `continuing`: indices of parts that carry on the previous part's chapter (an agency after the first,
    under "Agencies"): their outline entries go under the chapter's entry, as in a book laid out whole.
    `fonts`: the font files the parts were laid out with, from which each face's one program is subset."""
    import pikepdf

    if not parts:
        raise ValueError("a book needs at least one part")
    book = pikepdf.open(parts[0])
    merger = _Merger(book)
    continuing = set(continuing)
    for index, path in enumerate(parts[1:], start=1):
        with pikepdf.open(path) as part:
            merger.append(part, continues=index in continuing)
    merger.finish()
    if folio is not None:
        with pikepdf.open(folio) as sheet:
            stamp_folio(book, sheet)
    merge_font_programs(book, fonts)
    buffer = io.BytesIO()
    # object streams: the parts' structure trees and font dictionaries compressed, as WeasyPrint writes a whole book
    book.save(buffer, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    book.close()
    return atomic_write_bytes(out_path, buffer.getvalue())


class _Merger:
    """The book being built: the first part, with later parts appended one at a time."""

    def __init__(self, book) -> None:
        import pikepdf

        self.pdf = book
        root = book.Root.get("/StructTreeRoot")  # untagged variants (PDF/A-b) have none
        self.tagged = root is not None
        self.document = _top_elements(root)[0] if self.tagged else None
        self.nums = list(_number_tree(root.get("/ParentTree"))) if self.tagged else []
        self.next_key = max((key for key, _ in self.nums), default=-1) + 1
        self.dests = dict(_name_tree(book.Root.get("/Names", pikepdf.Dictionary()).get("/Dests")))
        self.outline_items: list = []  # (later parts' entries, continue the chapter?), added in finish()

    def append(self, part, *, continues: bool = False) -> None:
        import pikepdf

        book = self.pdf
        start = len(book.pages)
        book.pages.extend(part.pages)  # copied through qpdf's foreign-object map: later copies point at these pages
        if self.document is not None:  # a tagged book
            self._append_structure(part, book.pages[start:], self.document)
        names = part.Root.get("/Names", pikepdf.Dictionary())
        for name, dest in _name_tree(names.get("/Dests")):
            if name in self.dests:
                log.warning("anchor #%s is defined by two parts of the book; links go to the first", name)
                continue
            self.dests[name] = _copy(book, dest)
        with part.open_outline(strict=False) as outline:
            self.outline_items.append(([_copy_outline(book, item) for item in outline.root], continues))

    def _append_structure(self, part, pages, document) -> None:
        """The part's elements under the book's Document element, its parent tree keys moved past the book's."""
        import pikepdf

        book = self.pdf
        offset = self.next_key
        for page in pages:
            _shift_struct_parents(page.obj, offset)
        root = part.Root.StructTreeRoot
        for element in _top_elements(root):
            for kid in _as_list(element.get("/K")):
                copied = _copy(book, kid)
                if isinstance(copied, pikepdf.Dictionary):
                    copied.P = document
                document.K.append(copied)
        for key, value in _number_tree(root.get("/ParentTree")):
            self.nums.append((key + offset, _copy(book, value)))
            self.next_key = max(self.next_key, key + offset + 1)
        for name in ("/RoleMap", "/ClassMap"):
            if name in root:
                merged = self.pdf.Root.StructTreeRoot.get(name) or pikepdf.Dictionary()
                for key, value in root[name].items():
                    if key not in merged:
                        merged[key] = _copy(book, value)
                self.pdf.Root.StructTreeRoot[name] = merged

    def finish(self) -> None:
        import pikepdf

        book = self.pdf
        if self.tagged:
            root = book.Root.StructTreeRoot
            self.nums.sort(key=lambda pair: pair[0])
            root.ParentTree = book.make_indirect(
                pikepdf.Dictionary(Nums=pikepdf.Array([x for key, value in self.nums for x in (key, value)]))
            )
            root.ParentTreeNextKey = self.next_key
        if self.dests:
            if "/Names" not in book.Root:
                book.Root.Names = pikepdf.Dictionary()
            book.Root.Names.Dests = book.make_indirect(
                pikepdf.Dictionary(
                    Names=pikepdf.Array(
                        [x for name in sorted(self.dests) for x in (pikepdf.String(name), self.dests[name])]
                    )
                )
            )
        _resolve_part_links(book, set(self.dests))
        if self.outline_items:
            with book.open_outline(strict=False) as outline:
                for items, continues in self.outline_items:
                    chapter = outline.root[-1].children if continues and outline.root else outline.root
                    chapter.extend(items)


def _copy_outline(book, item):
    """An outline entry of a part (and its children) with its destination copied into the book."""
    import pikepdf
    from pikepdf.models.outlines import OutlineItem

    destination = item.destination
    if isinstance(destination, pikepdf.Array):
        destination = _copy(book, destination)
    copied = OutlineItem(item.title, destination, action=None if destination is not None else item.action)
    copied.is_closed = item.is_closed
    copied.children = [_copy_outline(book, child) for child in item.children]
    return copied


def _resolve_part_links(book, anchors: set[str]) -> None:
    """`citistat-part:x` URI links become links to the book's destination x."""
    import pikepdf

    for page in book.pages:
        for annot in page.obj.get("/Annots", pikepdf.Array()):
            action = annot.get("/A")
            if action is None or action.get("/S") != pikepdf.Name.URI:
                continue
            uri = str(action.get("/URI", ""))
            if not uri.startswith(PART_LINK):
                continue
            anchor = uri[len(PART_LINK) :]
            if anchor not in anchors:
                log.warning("a link points at #%s, which no part of the book defines", anchor)
            del annot.A
            annot.Dest = pikepdf.String(anchor)
            if "/Contents" in annot:
                annot.Contents = pikepdf.String(anchor)


def stamp_folio(book, sheet) -> None:
    """Lay each folio page (the running header, edition line and page number, nothing else) over the
    book's page of the same number, marked as an artifact: furniture, not content, for a screen reader."""
    if len(sheet.pages) != len(book.pages):
        raise ValueError(f"the folio sheet has {len(sheet.pages)} pages for a book of {len(book.pages)}")
    for page, furniture in zip(book.pages, sheet.pages):
        furniture.contents_coalesce()
        body = furniture.obj.Contents.read_bytes()
        furniture.obj.Contents = sheet.make_stream(b"/Artifact BMC\n" + body + b"\nEMC\n")
        page.add_overlay(furniture)


# --- reading PDF trees -----------------------------------------------------------------------


def _top_elements(struct_root) -> list:
    return _as_list(struct_root.get("/K"))


def _as_list(value) -> list:
    import pikepdf

    if value is None:
        return []
    return list(value) if isinstance(value, pikepdf.Array) else [value]


def _copy(book, value):
    """`value` of a part, in the book: indirect objects through qpdf's foreign-object map (so a page or an
    element copied twice is one object), direct arrays and dictionaries member by member."""
    import pikepdf

    if getattr(value, "is_indirect", False):
        return book.copy_foreign(value)
    if isinstance(value, pikepdf.Array):
        return pikepdf.Array([_copy(book, item) for item in value])
    if isinstance(value, pikepdf.Dictionary):
        return pikepdf.Dictionary({key: _copy(book, item) for key, item in value.items()})
    return value


def _number_tree(node) -> Iterable[tuple[int, object]]:
    """(key, value) of a number tree, leaves and kids alike."""
    return _tree_pairs(node, "/Nums", int)


def _name_tree(node) -> Iterable[tuple[str, object]]:
    """(name, value) of a name tree, leaves and kids alike."""
    return _tree_pairs(node, "/Names", str)


def _tree_pairs(node, leaves: str, key: Callable[[Any], Any]) -> Iterator[tuple[Any, object]]:
    """The pairs a number or name tree holds under `leaves` ("/Nums", "/Names"), its kids walked in order."""
    if node is None:
        return
    pairs = node.get(leaves)
    if pairs is not None:
        for i in range(0, len(pairs) - 1, 2):
            yield key(pairs[i]), pairs[i + 1]
    for kid in node.get("/Kids", []):
        yield from _tree_pairs(kid, leaves, key)


def _shift_struct_parents(page, offset: int) -> None:
    if "/StructParents" in page:
        page.StructParents = int(page.StructParents) + offset
    for annot in page.get("/Annots", []):
        if "/StructParent" in annot:
            annot.StructParent = int(annot.StructParent) + offset
