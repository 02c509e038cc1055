"""The city book as parts: laid out in parallel, kept by content hash, joined as PDF.

A 100-agency book is over a hundred pages; laid out whole it is one job on one core, and any
change (one agency's note) lays every page out again. Laid out as parts (front matter, contents,
summary, rankings, one per agency, topics, appendices), the parts share the cores with the briefs,
and a part whose inputs did not change is taken from the cache. The cache key of a part is the
hash of its HTML (which holds its data, its notes and the inlined stylesheet and templates), the
charts it shows, the font files, the PDF variant, WeasyPrint's and citistat's versions: whatever
changes one of them changes the key, so a part is never reused wrongly.

What a part cannot know is where it falls in the book. So:
- a part prints no page number: the running furniture of the whole book (page i of N, edition,
  city and period, draft mark) is laid out once as a folio sheet of N empty pages and stamped on;
- the contents are laid out last, with the page of each entry from the known part lengths and
  the anchors each part reported;
- links between parts, the outline, the structure tree: `assemble.py`.
A workspace that overrides book.html gets the book laid out whole, as it asked.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..safe_io import atomic_write_text
from . import reuse
from .assemble import PART_LINK, assemble, part_links

# book.html's sections, grouped into parts in book order ("agencies" = one part per agency)
LAYOUT: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("front", ("cover", "chair", "agenda", "question_sheets")),
    ("toc", ("toc",)),
    ("summary", ("summary", "followups_all", "maps")),
    ("rankings", ("rankings", "districts", "timeliness")),
    ("agencies", ()),
    ("topics", ("topics", "hotspots", "outlook", "early_warning")),
    ("appendices", ("quality", "methods")),
)
AGENCY_PART = "agencies-"  # agencies-1, agencies-2, … in book order
# Agencies per part. Each part embeds its own subset of the CJK fonts (about 150 kB a face), so a part per
# agency made a 100-agency book 11× the size of one laid out whole (41.6 MB against 3.7 MB); five per
# part keep it near twice, and a notes edit lays out five agency pages again instead of one. The assembly
# now embeds one program per face (font_merge.py): the 100-agency book is 4.0 MB, however many parts.
AGENCIES_PER_PART = 5
# in the assembled book's key: a book joined before its parts' fonts were merged is joined again
FONT_MERGE = "one-program-per-face"
CACHE_DAYS = 30  # a cached part nobody used for this long is removed
_CHART = re.compile(r'src="([^"]+\.png)"')
# lay_out(jobs, furniture=False) -> {job name: PartInfo}: a pool's or this process's
LayOut = Callable[..., dict[str, "PartInfo"]]


@dataclass
class PartSpec:
    """What part.html is given for one part."""

    name: str
    sections: tuple[str, ...] = ()
    agencies: tuple = ()  # the AgencyViews of an agencies part
    opens_agencies: bool = False
    opens_book: bool = False
    running: str = ""  # the running section title a part starts under (an agency part: "Agencies")
    toc_pages: dict[str, int] = field(default_factory=dict)
    page_refs: dict[str, int] = field(default_factory=dict)  # a.pageref targets in other parts -> book page

    def context(self) -> dict:
        return {
            "name": self.name,
            "sections": self.sections,
            "agencies": self.agencies,
            "opens_agencies": self.opens_agencies,
            "opens_book": self.opens_book,
            "running": self.running,
            "toc_pages": self.toc_pages,
            "page_refs": self.page_refs,
        }


@dataclass(frozen=True)
class PartJob:
    """One part to lay out: its key, its name in the book, its HTML, where its PDF goes, whether it carries
    the book's attachments."""

    key: str
    label: str
    html: str
    pdf: Path
    attach: bool = False


@dataclass
class PartInfo:
    """A laid-out part: its pages and the page (within the part, from 0) of each anchor."""

    pages: int
    anchors: dict[str, int]


class PartCache:
    """Part PDFs by key in one folder, each with a JSON of its length, anchors and the PDF's own hash."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def pdf(self, key: str) -> Path:
        return self.folder / f"{key}.pdf"

    def info(self, key: str) -> PartInfo | None:
        """The part's facts if its PDF is there and unchanged since it was written, else None."""
        pdf, meta = self.pdf(key), self.folder / f"{key}.json"
        if not (pdf.is_file() and meta.is_file()):
            return None
        try:
            facts = json.loads(meta.read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if facts.get("sha256") != hashlib.sha256(pdf.read_bytes()).hexdigest():
            return None
        os.utime(meta)  # used: kept by prune()
        return PartInfo(int(facts["pages"]), {k: int(v) for k, v in facts["anchors"].items()})

    def remember(self, key: str, info: PartInfo) -> None:
        """Written after the PDF itself, so a part killed half-way is laid out again."""
        facts = {
            "pages": info.pages,
            "anchors": info.anchors,
            "sha256": hashlib.sha256(self.pdf(key).read_bytes()).hexdigest(),
        }
        atomic_write_text(self.folder / f"{key}.json", json.dumps(facts, ensure_ascii=False, sort_keys=True))

    def prune(self, days: int = CACHE_DAYS) -> None:
        cutoff = time.time() - days * 86400
        for meta in self.folder.glob("*.json"):
            if meta.stat().st_mtime < cutoff:
                self.pdf(meta.stem).unlink(missing_ok=True)
                meta.unlink(missing_ok=True)


def overrides_book(templates_dirs: list[Path]) -> bool:
    """Whether a workspace folder (any before the shipped one) has its own book.html: then it is laid out whole."""
    return any((Path(d) / "book.html").is_file() for d in templates_dirs[:-1])


def part_specs(context: dict) -> list[PartSpec]:
    """The book's parts in order (the contents included, laid out last by `write_city_book`)."""
    specs: list[PartSpec] = []
    for name, sections in LAYOUT:
        if name != "agencies":
            specs.append(PartSpec(name, sections, opens_book=not specs))
            continue
        title = context["t"]("agencies.title")
        agencies = list(context["agencies"])
        for index, start in enumerate(range(0, len(agencies), AGENCIES_PER_PART)):
            specs.append(
                PartSpec(
                    f"{AGENCY_PART}{index + 1}",
                    agencies=tuple(agencies[start : start + AGENCIES_PER_PART]),
                    opens_agencies=index == 0,
                    running="" if index == 0 else title,
                )
            )
    return specs


def write_city_book(
    renderer, pdf_path: Path, cache: PartCache, lay_out: LayOut, timings: dict[str, float] | None = None
) -> dict[str, int]:
    """Lay out the parts that are not in the cache (with `lay_out`, on every core), then the contents and the
    folio sheet (in this process, while the pool goes on with the briefs), and join them into `pdf_path`.
    Returns how many parts the book has, how many were laid out and how many reused."""
    timings = timings if timings is not None else {}
    cache.folder.mkdir(parents=True, exist_ok=True)
    specs = part_specs(renderer.context)
    started = time.perf_counter()
    keyed = [(spec, *_part_html_and_key(renderer, spec)) for spec in specs if spec.name != "toc"]
    infos: dict[str, PartInfo] = {}
    jobs = []
    for spec, html, key in keyed:
        info = cache.info(key)
        if info is None:
            jobs.append(
                PartJob(key, spec.name, html, cache.pdf(key), attach=spec.opens_book and bool(renderer.attachments))
            )
        else:
            infos[key] = info
    timings["parts_html"] = time.perf_counter() - started
    step = time.perf_counter()
    for key, info in lay_out(jobs).items():
        cache.remember(key, info)
        infos[key] = info
    timings["parts"] = time.perf_counter() - step
    step = time.perf_counter()
    toc_index = next(i for i, spec in enumerate(specs) if spec.name == "toc")
    order = [key for _, _, key in keyed]
    for _ in range(3):
        toc_key = _contents(renderer, specs[toc_index], order, infos, toc_index, cache, renderer.lay_out_parts)
        if not _fill_page_references(
            renderer, keyed, order, infos, toc_index, infos[toc_key].pages, cache, renderer.lay_out_parts
        ):
            break
    order.insert(toc_index, toc_key)
    total = sum(infos[key].pages for key in order)
    folio_key = _folio(renderer, total, cache, renderer.lay_out_parts, infos)
    timings["contents"] = time.perf_counter() - step
    step = time.perf_counter()
    book_key = reuse.pdf_key("\0".join(order), folio_key, FONT_MERGE)
    if not reuse.is_current(pdf_path, book_key):
        continuing = [i for i, spec in enumerate(specs) if spec.running]
        assemble(
            [cache.pdf(key) for key in order],
            pdf_path,
            folio=cache.pdf(folio_key),
            continuing=continuing,
            fonts=renderer.font.files(),
        )
        reuse.remember(pdf_path, book_key)
    timings["assemble"] = time.perf_counter() - step
    cache.prune()
    return {"parts": len(order), "laid_out": len(jobs), "reused": len(keyed) - len(jobs)}


def _part_html_and_key(renderer, spec: PartSpec) -> tuple[str, str]:
    html = part_links(renderer.render("part.html", {**renderer.pdf_context, "part": spec.context()}))
    charts = [reuse.chart_stamp(renderer.out_dir / src) for src in dict.fromkeys(_CHART.findall(html))]
    attached = [reuse.file_hash(p) for p in renderer.attachments] if spec.opens_book else []
    key = reuse.pdf_key(
        html,
        renderer.variant,
        renderer.stylesheet,
        __version__,
        *charts,
        *(reuse.file_stamp(p) for p in renderer.font.files()),
        *attached,
    )
    return html, key


def _book_pages(order: list[str], infos: dict[str, PartInfo], at: int, toc_pages: int) -> dict[str, int]:
    """Every anchor's page in the book (from 1), the contents taking `toc_pages` pages at position `at`."""
    pages: dict[str, int] = {}
    offset = 0
    for index, key in enumerate(order):
        offset += toc_pages if index == at else 0
        for anchor, page in infos[key].anchors.items():
            pages.setdefault(f"{PART_LINK}{anchor}", offset + page + 1)
        offset += infos[key].pages
    return dict(sorted(pages.items()))  # the same HTML whether the facts came fresh or from the cache


def _fill_page_references(
    renderer,
    keyed: list,
    order: list[str],
    infos: dict[str, PartInfo],
    at: int,
    toc_pages: int,
    cache: PartCache,
    lay_out,
) -> bool:
    """Parts that cite another part's page (a.pageref: the integrity list's page column) laid out again with
    the numbers written in, as the contents are: target-counter() cannot see into another part. Returns
    whether a part's length changed, so the contents and these pages must be worked out again."""
    pages = _book_pages(order, infos, at, toc_pages)
    moved = False
    for index, (spec, html, key) in enumerate(keyed):
        if 'class="pageref"' not in html or spec.page_refs == pages:
            continue
        spec.page_refs = pages
        new_html, new_key = _part_html_and_key(renderer, spec)
        info = _from_cache_or_laid_out(cache, lay_out, new_key, spec.name, new_html)
        moved |= info.pages != infos[key].pages
        infos[new_key] = info
        keyed[index] = (spec, new_html, new_key)
        order[order.index(key)] = new_key
    return moved


def _contents(
    renderer, spec: PartSpec, order: list[str], infos: dict[str, PartInfo], at: int, cache: PartCache, lay_out
) -> str:
    """The contents, laid out with each entry's page; laid out again in the rare case its own length differs
    from the one assumed (the pages after it move)."""
    assumed = 1
    for _ in range(3):
        spec.toc_pages = _book_pages(order, infos, at, assumed)
        html, key = _part_html_and_key(renderer, spec)
        info = infos[key] = _from_cache_or_laid_out(cache, lay_out, key, spec.name, html)
        if info.pages == assumed:
            return key
        assumed = info.pages
    return key


def _folio(renderer, pages: int, cache: PartCache, lay_out, infos: dict[str, PartInfo]) -> str:
    html = renderer.render("folio.html", {**renderer.pdf_context, "pages": pages})
    key = reuse.pdf_key(
        html, "folio", renderer.stylesheet, __version__, *(reuse.file_stamp(p) for p in renderer.font.files())
    )
    info = _from_cache_or_laid_out(cache, lay_out, key, "folio", html, furniture=True)
    if info.pages != pages:
        raise RuntimeError(f"the folio sheet came out at {info.pages} pages for a book of {pages}")
    infos[key] = info
    return key


def _from_cache_or_laid_out(
    cache: PartCache, lay_out, key: str, label: str, html: str, *, furniture: bool = False
) -> PartInfo:
    """One part that is laid out only after the others (the contents, a part citing their pages, the folio):
    from the cache when this exact HTML was laid out before, else laid out now and kept."""
    info = cache.info(key)
    if info is None:
        info = lay_out([PartJob(key, label, html, cache.pdf(key))], furniture=furniture)[key]
        cache.remember(key, info)
    return info


def lay_out_here(writer, base_url: Path, jobs: list[PartJob], *, furniture: bool = False) -> dict[str, PartInfo]:
    """Lay out and write `jobs` in this process (a pool worker, or a build with one worker)."""
    done = {}
    for job in jobs:
        document = writer.layout(job.html, base_url, shared_style=True)
        writer.write_document(document, job.pdf, attach=job.attach, tagged=not furniture)
        anchors: dict[str, int] = {}
        for number, page in enumerate(document.pages):
            for anchor in page.anchors:
                anchors.setdefault(anchor, number)
        done[job.key] = PartInfo(len(document.pages), anchors)
    return done
