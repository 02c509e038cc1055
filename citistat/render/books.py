"""Building the books: charts, then HTML, then PDF — the city book and one brief per agency.

A `BookRenderer` holds everything one process needs (templates, messages,
fonts, the context). With `workers > 1` the work goes to a `spawn` pool, each
worker making its own renderer once: the sparklines, then the city book (the
longest single job, queued first), then the briefs in small batches. Layout
and font subsetting are CPU-bound, so two cores give close to 2× on the PDFs.
A PDF or chart whose inputs did not change since the last build is kept.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from multiprocessing import get_context
from pathlib import Path

from ..briefing import BriefingInputs
from ..errors import CitistatError
from ..messages import load_messages
from ..names import codepoints
from ..results import METRICS, PeriodResult
from ..safe_io import atomic_write_text
from . import charts as chart_drawing
from . import parts as book_parts
from . import reuse
from .context import AgencyView, agency_order, build_context
from .file_names import check_distinct, unit_file_stem
from .fonts import CJKFont, GlyphFallback, find_cjk_font, glyph_fallback, register_with_matplotlib
from .formatting import tidy_for
from .maps_context import agency_map_url, draw_maps, map_urls, maps_context
from .pdf import PdfWriter, check_variant, font_face_css
from .templating import STATIC_DIR, agency_template, find_static, make_environment

log = logging.getLogger(__name__)

CHARTS_DIR = "charts"
AGENCIES_DIR = "agencies"
STYLESHEET = "book.css"
# Briefs (and agency parts of the city book) per pool task: few enough that two workers stay balanced.
BRIEFS_PER_TASK = 4
PARTS_CACHE = ".parts"  # under the output folder, unless the caller keeps the cache elsewhere


@dataclass
class BookSet:
    """The files one build wrote."""

    city_book_pdf: Path | None
    city_book_html: Path | None
    agency_pdfs: dict[str, Path]
    charts: Path
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # e.g. a name printed with a replacement glyph
    parts: dict[str, int] = field(default_factory=dict)  # the city book's parts: how many, laid out, reused

    def paths(self) -> list[Path]:
        books = [p for p in (self.city_book_pdf, self.city_book_html) if p is not None]
        return books + [self.agency_pdfs[name] for name in sorted(self.agency_pdfs)]


def charts_folder(lang: str | None = None) -> str:
    """Each language's charts in a folder of their own: their labels differ, so they are different files."""
    return f"{CHARTS_DIR}/{lang}" if lang else CHARTS_DIR


def chart_urls(result: PeriodResult, lang: str | None = None) -> dict[str, dict[str, str]]:
    """agency -> chart name -> URL relative to the output folder ("" is the city)."""
    folder = charts_folder(lang)
    urls = {"": {"trend": f"{folder}/city-trend.png"}}
    if any(t.n or t.last_year_n for t in result.topics):  # no chart of empty bars
        urls[""]["topics"] = f"{folder}/topics.png"
    urls[""].update(map_urls(result, folder)[""])
    for index, unit in enumerate(agency_order(result), start=1):
        urls[unit.agency] = {
            "spark": f"{folder}/agency-{index}-spark.png",
            **agency_map_url(result, unit.agency, index, folder),
        }
    return urls


def chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def names_to_draw(inputs: BriefingInputs) -> list[str]:
    """Every name the books print that comes from data: the tofu guard checks these."""
    result = inputs.result
    names = {inputs.city, result.city.agency, *result.unit_types}
    for unit in result.units:
        names.add(unit.agency)
        names.update(row.category for row in unit.categories)
        names.update(row.place for row in unit.places)
    names.update(row.category for row in result.hot_topics + result.rising_topics)
    names.update(topic.name for topic in result.topics)
    return sorted(n for n in names if n)


class BookRenderer:
    """Templates + messages + context + PDF writer for one set of inputs, in one process."""

    def __init__(
        self,
        inputs: BriefingInputs,
        out_dir: Path,
        templates_dirs: list[Path],
        *,
        font: CJKFont,
        pdf_variant: str | None = None,
        attachments: Sequence[Path] = (),
        fallback: GlyphFallback | None = None,
    ) -> None:
        from .fetcher import RestrictedFetcher

        self.inputs = inputs
        self.out_dir = out_dir
        self.font = font
        self.templates_dirs = [Path(d) for d in templates_dirs]
        self.messages = load_messages(inputs.lang)
        self.env = make_environment(self.templates_dirs, self.messages)
        self.fallback = fallback or GlyphFallback()
        self.env.finalize = self.fallback.finalize  # set before any template is compiled
        self.tidy = tidy_for(inputs.lang)
        self.context = build_context(inputs, self.messages, charts=chart_urls(inputs.result, inputs.lang))
        self.context.update(maps_context(inputs))
        # The HTML book carries its stylesheet inline; a PDF's HTML does not: each process's writer parses it
        # once (with the @font-face rules) instead of once per document, about a tenth of a small part's time.
        self.stylesheet = font_face_css(font) + find_static(self.templates_dirs, STYLESHEET).read_text("utf-8")
        self.context["stylesheet"] = self.stylesheet
        self.pdf_context = {**self.context, "stylesheet": ""}
        self.variant = check_variant(pdf_variant, list(attachments))
        assets = [d / STATIC_DIR for d in self.templates_dirs]
        self.fetcher = RestrictedFetcher(assets + [out_dir / CHARTS_DIR], font.files())
        self._writer: PdfWriter | None = None
        self.attachments = list(attachments)

    @property
    def writer(self) -> PdfWriter:
        if self._writer is None:
            self._writer = PdfWriter(self.fetcher, self.variant, self.attachments, stylesheet=self.stylesheet)
        return self._writer

    def city_html(self) -> str:
        return self.render("book.html", self.context)

    def agency_view(self, name: str) -> AgencyView:
        agency = next((a for a in self.context["agencies"] if a.name == name), None)
        if agency is None:
            raise CitistatError(f"agency {name!r} is not in the period's results")
        return agency

    def agency_html(self, name: str, *, for_pdf: bool = False) -> str:
        """A brief's HTML; `for_pdf`: without the inline stylesheet, which the writer applies itself."""
        agency = self.agency_view(name)
        context = self.pdf_context if for_pdf else self.context
        return self.tidy(agency_template(self.env, agency.slug).render({**context, "agency": agency}))

    def memo_html(self) -> str:
        return self.render("memo.html", self.context)

    def render(self, template: str, context: dict) -> str:
        """A template of the book's templates, rendered and tidied for the book's language."""
        return self.tidy(self.env.get_template(template).render(context))

    def pdf_key(self, html: str, *, attach: bool = False) -> str:
        """What a PDF of `html` is made from, besides the HTML: charts, fonts, variant, attachments."""
        attached = [reuse.file_hash(p) for p in self.attachments] if attach else []
        return reuse.pdf_key(
            html,
            self.variant,
            self.stylesheet,
            reuse.folder_keys(self.out_dir / charts_folder(self.inputs.lang)),
            *(reuse.file_stamp(p) for p in self.font.files()),
            *attached,
        )

    def city_pdf(self, path: Path, html: str | None = None) -> Path:
        html = html or self.city_html()
        key = self.pdf_key(html, attach=bool(self.attachments))
        if reuse.is_current(path, key):
            return path
        self.writer.write(html, self.out_dir, path, attach=bool(self.attachments))
        reuse.remember(path, key)
        return path

    def lay_out_parts(self, jobs: list[book_parts.PartJob], furniture: bool = False) -> dict[str, book_parts.PartInfo]:
        return book_parts.lay_out_here(self.writer, self.out_dir, jobs, furniture=furniture)

    def city_pdf_in_parts(
        self, path: Path, cache: book_parts.PartCache, lay_out=None, timings: dict[str, float] | None = None
    ) -> dict[str, int]:
        """The city book from parts (laid out by `lay_out`, default here), the cached ones reused."""
        return book_parts.write_city_book(self, path, cache, lay_out or self.lay_out_parts, timings)

    def agency_pdf(self, name: str, path: Path) -> Path:
        """One brief laid out on its own (always written: a test or a one-off, not a build)."""
        return self.writer.write(self.agency_html(name), self.out_dir, path)

    def agency_pdfs(self, targets: dict[str, Path]) -> dict[str, Path]:
        """Briefs for several agencies; one whose inputs did not change since it was written is kept.

        Each brief is laid out on its own: laying several out in one document and cutting it apart
        with `Document.copy(pages)` was measured at under 2% faster, since WeasyPrint's cost is per page.
        """
        for name, path in targets.items():
            html = self.agency_html(name, for_pdf=True)
            key = self.pdf_key(html)
            if not reuse.is_current(path, key):
                self.writer.write(html, self.out_dir, path, shared_style=True)
                reuse.remember(path, key)
        return dict(targets)


def draw_charts(
    inputs: BriefingInputs, out_dir: Path, font: CJKFont, *, agencies: bool = True, city: bool = True
) -> Path:
    """Every chart the books reference, as PNG files under out_dir/charts (the city's and the agency
    sparklines each optional)."""
    family = register_with_matplotlib(font)
    t = load_messages(inputs.lang)
    labels = {m: t(f"metric.{m}") for m in METRICS} | {
        "volume": t("metric.volume"),
        "last_year": t("topics.last_year"),
        "this_period": t("topics.this_period"),
        "percent_axis": t("chart.percent_axis"),
        "tickets_axis": t("chart.tickets_axis"),
    }
    urls = chart_urls(inputs.result, inputs.lang)
    result = inputs.result
    if city:
        trend = out_dir / urls[""]["trend"]
        chart_drawing.draw_if_changed(
            trend,
            lambda: chart_drawing.trend_chart(result.city, labels, trend, family),
            "trend",
            result.city.series,
            labels,
            family,
        )
    if city and urls[""].get("topics"):
        topics = out_dir / urls[""]["topics"]
        chart_drawing.draw_if_changed(
            topics,
            lambda: chart_drawing.topic_chart(result.topics, labels, topics, family),
            "topics",
            result.topics,
            labels,
            family,
        )
    if city:
        draw_maps(inputs, out_dir, urls, family, t, city=True, agencies=[])
    if agencies:
        draw_sparklines(inputs, out_dir, font, [u.agency for u in agency_order(result)])
    return out_dir / charts_folder(inputs.lang)


def draw_sparklines(inputs: BriefingInputs, out_dir: Path, font: CJKFont, names: list[str]) -> None:
    family = register_with_matplotlib(font)
    urls = chart_urls(inputs.result, inputs.lang)
    for name in names:
        unit = inputs.result.unit(name)
        path = out_dir / urls[name]["spark"]
        chart_drawing.draw_if_changed(
            path,
            partial(chart_drawing.sparklines, unit, path, family),
            "sparklines",
            unit.series,
            {m: r.target for m, r in unit.rates.items()},
            family,
        )
    draw_maps(
        inputs, out_dir, urls, family, load_messages(inputs.lang), city=False, agencies=names
    )  # where each agency's tickets come from


def book_file_names(inputs: BriefingInputs) -> tuple[str, str]:
    stem = f"citistat-{inputs.period}-book-{inputs.lang}-{inputs.edition}"
    return f"{stem}.pdf", f"{stem}.html"


def agency_file_name(inputs: BriefingInputs, agency: str) -> str:
    return f"citistat-{inputs.period}-{unit_file_stem(agency)}-{inputs.lang}-{inputs.edition}.pdf"


def _check_agencies(names: list[str], renderer: BookRenderer, period: str) -> None:
    known = sorted(a.name for a in renderer.context["agencies"])
    unknown = [name for name in names if name not in set(known)]
    if unknown:
        shown = ", ".join(known[:10]) + (f" … ({len(known)} in all)" if len(known) > 10 else "")
        raise CitistatError(f"no results for agency {', '.join(unknown)} in {period}; known agencies: {shown}")


def build_books(
    inputs: BriefingInputs,
    out_dir: Path,
    *,
    templates_dirs: list[Path],
    formats: tuple[str, ...] | list[str] = ("pdf", "html"),
    agencies: list[str] | None = None,
    pdf_variant: str | None = None,
    attachments: list[Path] | tuple[Path, ...] = (),
    workers: int = 1,
    city_book: bool = True,
    cache_dir: Path | None = None,
) -> BookSet:
    """Write the city book (PDF and/or HTML) and one PDF brief per agency into out_dir.

    `agencies` limits the briefs (None = every unit; [] = none); `city_book=False` writes the briefs
    alone (the agency edition); `workers > 1` writes the PDFs in a spawn process pool of that size.
    The city book PDF is joined from parts kept in `cache_dir` (default out_dir/.parts), unless a
    workspace overrides book.html.
    """
    unknown = set(formats) - {"pdf", "html"}
    if unknown:
        raise CitistatError(f"unknown output format(s) {', '.join(sorted(unknown))}; use pdf and/or html")
    out_dir = Path(out_dir)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    font = find_cjk_font()
    fallback = glyph_fallback(font, names_to_draw(inputs))
    warnings = fallback_warnings(inputs, font, fallback)
    for warning in warnings:
        log.warning("%s", warning)
    names = [u.agency for u in agency_order(inputs.result)] if agencies is None else list(agencies)
    renderer = BookRenderer(
        inputs,
        out_dir,
        templates_dirs,
        font=font,
        pdf_variant=pdf_variant,
        attachments=[Path(a) for a in attachments],
        fallback=fallback,
    )
    _check_agencies(names, renderer, inputs.period)  # before any work
    check_distinct({name: out_dir / AGENCIES_DIR / agency_file_name(inputs, name) for name in names})
    pooled = workers > 1 and "pdf" in formats and bool(names)
    # the city book shows every agency's sparklines, a brief its own; the pool draws them when there is one
    charts_dir = draw_charts(inputs, out_dir, font, agencies=not pooled and (city_book or bool(names)), city=city_book)
    timings["charts"] = time.perf_counter() - started

    pdf_name, html_name = book_file_names(inputs)
    html_path = pdf_path = None
    city_html = renderer.city_html() if city_book else None
    if city_html is not None and "html" in formats:
        html_path = atomic_write_text(out_dir / html_name, city_html)
    agency_pdfs: dict[str, Path] = {}
    step = time.perf_counter()
    targets = {name: out_dir / AGENCIES_DIR / agency_file_name(inputs, name) for name in names}
    in_parts = not book_parts.overrides_book(renderer.templates_dirs)
    cache = book_parts.PartCache(Path(cache_dir) if cache_dir is not None else out_dir / PARTS_CACHE)
    counts: dict[str, int] = {}
    if "pdf" in formats:
        pdf_path = out_dir / pdf_name if city_book else None
        if pooled:
            agency_pdfs, counts = _write_in_pool(
                renderer, font, workers, pdf_path, targets, cache if in_parts else None, timings
            )
        else:
            if pdf_path is not None and in_parts:
                counts = renderer.city_pdf_in_parts(pdf_path, cache, timings=timings)
            elif pdf_path is not None:
                renderer.city_pdf(pdf_path, city_html)
            agency_pdfs = renderer.agency_pdfs(targets)
    timings["pdf"] = time.perf_counter() - step
    timings["total"] = time.perf_counter() - started
    if renderer.fetcher.denied:
        log.warning(
            "templates referenced %d resource(s) outside the asset folders; they were left out",
            len(renderer.fetcher.denied),
        )
    return BookSet(pdf_path, html_path, agency_pdfs, charts_dir, timings, warnings, counts)


def fallback_warnings(inputs: BriefingInputs, font: CJKFont, fallback: GlyphFallback) -> list[str]:
    """One sentence per name printed with a replacement glyph, naming the unit it belongs to."""
    owners: dict[str, list[str]] = {}
    for unit in inputs.result.units:
        for text in [unit.agency, *(row.category for row in unit.categories), *(row.place for row in unit.places)]:
            if text and unit.agency not in owners.setdefault(text, []):
                owners[text].append(unit.agency)
    found = []
    for text, chars in fallback.gaps.items():
        units = owners.get(text) or ["—"]
        shown = fallback.apply(text)
        found.append(
            f"unit {', '.join(units)}: the font {font.regular.name} cannot draw {codepoints(chars)} "
            f"in “{text}”; printed as “{shown}”. Correct the name in the roster, aliases or source system."
        )
    return found


# --- the process pool -------------------------------------------------------------------------

_WORKER: BookRenderer | None = None


def _start_worker(parent_pid, inputs, out_dir, templates_dirs, font, variant, attachments, fallback) -> None:
    global _WORKER
    from ..processes import die_with_parent

    die_with_parent(parent_pid)  # a killed build must not leave its workers behind
    _WORKER = BookRenderer(
        inputs, out_dir, templates_dirs, font=font, pdf_variant=variant, attachments=attachments, fallback=fallback
    )


def _worker_sparklines(names: list[str]) -> None:
    assert _WORKER is not None
    draw_sparklines(_WORKER.inputs, _WORKER.out_dir, _WORKER.font, names)


def _worker_city(path: Path) -> Path:
    assert _WORKER is not None
    return _WORKER.city_pdf(path)


def _worker_briefs(targets: dict[str, Path]) -> dict[str, Path]:
    assert _WORKER is not None
    return _WORKER.agency_pdfs(targets)


def _worker_parts(jobs: list[book_parts.PartJob]) -> dict[str, book_parts.PartInfo]:
    assert _WORKER is not None
    return _WORKER.lay_out_parts(jobs)


def _write_in_pool(
    renderer: BookRenderer,
    font: CJKFont,
    workers: int,
    city_path: Path | None,
    targets: dict[str, Path],
    cache: book_parts.PartCache | None,
    timings: dict[str, float],
) -> tuple[dict[str, Path], dict[str, int]]:
    """Sparklines first (every document needs them), then the city book's parts (the longest first), then
    the briefs in small batches, spread over `workers` spawned processes that each start up once. This
    process meanwhile lays out the contents and the folio sheet and joins the book."""
    args = (
        os.getpid(),
        renderer.inputs,
        renderer.out_dir,
        renderer.templates_dirs,
        font,
        renderer.variant,
        renderer.attachments,
        renderer.fallback,
    )
    units = [u.agency for u in agency_order(renderer.inputs.result)]
    counts: dict[str, int] = {}
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=get_context("spawn"), initializer=_start_worker, initargs=args
    ) as pool:
        for done in [pool.submit(_worker_sparklines, units[i::workers]) for i in range(workers)]:
            done.result()
        briefs: list = []

        def submit_briefs() -> None:
            briefs.extend(
                pool.submit(_worker_briefs, {name: targets[name] for name in chunk})
                for chunk in chunks(list(targets), BRIEFS_PER_TASK)
            )

        def lay_out(jobs: list[book_parts.PartJob]) -> dict[str, book_parts.PartInfo]:
            """The parts on the pool, the briefs queued behind them (so both cores stay busy to the end)."""
            whole = [job for job in jobs if not job.label.startswith(book_parts.AGENCY_PART)]
            batches = [[job] for job in whole] + chunks([job for job in jobs if job not in whole], BRIEFS_PER_TASK)
            pending = [pool.submit(_worker_parts, batch) for batch in batches]
            if not briefs:
                submit_briefs()
            return {name: info for done in pending for name, info in done.result().items()}

        city = None
        if city_path is not None and cache is not None:
            counts = renderer.city_pdf_in_parts(city_path, cache, lay_out, timings)
        elif city_path is not None:
            city = pool.submit(_worker_city, city_path)
        if not briefs:
            submit_briefs()
        if city is not None:
            city.result()
        written = {name: path for batch in briefs for name, path in batch.result().items()}
        return {name: written[name] for name in targets}, counts


def render_memo(inputs: BriefingInputs, out_path: Path, *, templates_dirs: list[Path]) -> Path:
    """The follow-up memo: every commitment and data request of the session, by agency (PDF, or HTML by suffix)."""
    out_path = Path(out_path)
    font = find_cjk_font()
    fallback = glyph_fallback(font, sorted({f.agency for f in inputs.followups} | {inputs.city}))
    for text, chars in fallback.gaps.items():
        log.warning(
            "the memo prints “%s” as “%s”: the font cannot draw %s", text, fallback.apply(text), codepoints(chars)
        )
    renderer = BookRenderer(inputs, out_path.parent, templates_dirs, font=font, fallback=fallback)
    html = renderer.memo_html()
    if out_path.suffix.lower() == ".html":
        return atomic_write_text(out_path, html)
    return renderer.writer.write(html, out_path.parent, out_path)
