"""The annual report as HTML and PDF, in the books' visual language.

It uses the books' machinery as is: base.html and macros.html, book.css (plus report.css),
the chart functions, the formatting filters, the restricted fetcher and the PDF writer.
Files go to `<archive>/reports/<year>/citistat-<year>-annual-<lang>-<edition>.pdf|html`
beside `report.json`, which records the sessions the report was built from and its
revision (it goes up whenever that basis changes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import SimpleNamespace

from ..archive.record import REPORTS_FOLDER
from ..results import METRICS, RateStat, SeriesPoint
from ..safe_io import atomic_write_text
from .collect import AnnualReport

STAMP_NAME = "report.json"
TEMPLATE = "report.html"
EXTRA_STYLESHEET = "report.css"
CHARTS_DIR = "charts"


@dataclass(frozen=True)
class ReportFiles:
    year: int
    lang: str
    folder: Path
    pdf: Path | None
    html: Path | None
    revision: int
    status: str


def report_folder(archive_root: Path, year: int) -> Path:
    return archive_root / REPORTS_FOLDER / str(year)


def report_name(year: int, lang: str, edition: str, suffix: str) -> str:
    return f"citistat-{year}-annual-{lang}-{edition}.{suffix}"


def next_revision(folder: Path, basis: list[dict]) -> int:
    """The report's revision: unchanged while it is built from the same sessions, else one more."""
    stamp = folder / STAMP_NAME
    try:
        previous = json.loads(stamp.read_text("utf-8"))
    except (OSError, ValueError):
        return 1
    revision = int(previous.get("revision", 0))
    return revision if previous.get("sessions") == basis else revision + 1


def write_stamp(folder: Path, report: AnnualReport, revision: int) -> Path:
    data = {
        "year": report.year,
        "revision": revision,
        "status": report.status,
        "sessions": report.basis(),
        "missing": report.missing,
    }
    return atomic_write_text(folder / STAMP_NAME, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def render_report(
    report: AnnualReport,
    folder: Path,
    *,
    templates_dirs: list[Path],
    edition: str,
    revision: int,
    formats: tuple[str, ...] = ("pdf", "html"),
    generated_on: str | None = None,
) -> ReportFiles:
    """Draw the charts, render the HTML and lay out the PDF of one language."""
    from ..messages import load_messages
    from ..render.fetcher import RestrictedFetcher
    from ..render.fonts import check_coverage, find_cjk_font, register_with_matplotlib
    from ..render.formatting import tidy_for
    from ..render.pdf import PdfWriter, check_variant, font_face_css
    from ..render.templating import STATIC_DIR, find_static, make_environment

    folder.mkdir(parents=True, exist_ok=True)
    font = find_cjk_font()
    check_coverage(font, sorted({report.city, *(u.agency for u in report.units), *(t.name for t in report.topics)}))
    messages = load_messages(report.lang)
    env = make_environment(templates_dirs, messages)
    env.filters["period"] = _period_or_year(env.filters["period"], report.lang)
    charts = _draw_charts(report, folder / CHARTS_DIR, register_with_matplotlib(font), messages)
    stylesheet = font_face_css(font) + "".join(
        find_static(templates_dirs, name).read_text("utf-8") for name in ("book.css", EXTRA_STYLESHEET)
    )
    book = SimpleNamespace(
        city=report.city,
        period=str(report.year),
        revision=revision,
        status=report.status,
        generated_on=generated_on or date.today().isoformat(),
        meeting_date=None,
    )
    html = tidy_for(report.lang)(
        env.get_template(TEMPLATE).render(
            lang=report.lang,
            edition=edition,
            book=book,
            report=report,
            metrics=METRICS,
            charts=charts,
            stylesheet=stylesheet,
            public=edition == "public",
        )
    )
    html_path = pdf_path = None
    if "html" in formats:
        html_path = atomic_write_text(folder / report_name(report.year, report.lang, edition, "html"), html)
    if "pdf" in formats:
        assets = [Path(d) / STATIC_DIR for d in templates_dirs]
        writer = PdfWriter(RestrictedFetcher(assets + [folder / CHARTS_DIR], font.files()), check_variant(None, []))
        pdf_path = writer.write(html, folder, folder / report_name(report.year, report.lang, edition, "pdf"))
    return ReportFiles(report.year, report.lang, folder, pdf_path, html_path, revision, report.status)


@dataclass(frozen=True)
class TopicBars:
    """One topic's pair of bars in the topic chart: `n` (later) against `last_year_n` (earlier)."""

    name: str
    n: float
    last_year_n: float | None


@dataclass(frozen=True)
class YearTrend:
    """The year's monthly city series for the trend chart; a year has no single target line to draw."""

    series: dict[str, list[SeriesPoint]]
    rates: dict[str, RateStat]


def _topic_bars(report: AnnualReport) -> tuple[list[TopicBars], str, str]:
    """The topics' before/after as bars: the year against the year before when every topic has it,
    else the mean month of the year's last three months against its first three."""
    if all(t.prior_n is not None for t in report.topics):
        bars = [TopicBars(t.name, t.year_n, t.prior_n) for t in report.topics]
        return bars, "report.prior_year", "report.this_year"
    bars = [
        TopicBars(t.name, t.late_mean, t.early_mean)
        for t in report.topics
        if t.early_mean is not None and t.late_mean is not None
    ]
    return bars, "report.early", "report.late"


def _period_or_year(period_filter, lang: str):
    """The books' period filter, also for a bare year ("2023" → "2023年" / "2023")."""

    def label(value):
        text = str(value or "")
        if len(text) == 4 and text.isdigit():
            return f"{text}年" if lang == "zh-CN" else text
        return period_filter(value)

    return label


def _draw_charts(report: AnnualReport, folder: Path, family: str, t) -> dict[str, str]:
    """The monthly trend and the topics' year against the year before, with the books' chart functions."""
    from ..render import charts as drawing

    labels = {m: t(f"metric.{m}") for m in METRICS} | {
        "volume": t("metric.volume"),
        "last_year": t("report.prior_year"),
        "this_period": t("report.this_year"),
        "percent_axis": t("chart.percent_axis"),
        "tickets_axis": t("chart.tickets_axis"),
    }
    urls = {"trend": f"{CHARTS_DIR}/{report.lang}-trend.png"}
    city = YearTrend(series=report.city_series, rates={})
    trend = folder.parent / urls["trend"]
    drawing.draw_if_changed(
        trend,
        lambda: drawing.trend_chart(city, labels, trend, family),
        "annual-trend",
        report.city_series,
        labels,
        family,
    )
    comparable, before, after = _topic_bars(report)
    if comparable:
        urls["topics"] = f"{CHARTS_DIR}/{report.lang}-topics.png"
        topics = folder.parent / urls["topics"]
        bar_labels = labels | {"last_year": t(before), "this_period": t(after)}
        drawing.draw_if_changed(
            topics,
            lambda: drawing.topic_chart(comparable, bar_labels, topics, family),
            "annual-topics",
            comparable,
            bar_labels,
            family,
        )
    return urls
