"""The foresight pages in the books: the early-warning list in the internal edition only, hot spots in all."""

from __future__ import annotations

from dataclasses import replace

import pytest
import render_fixtures as fx
from pypdf import PdfReader

from citistat.foresight import EarlyWarning, Foresight, HotSpot, HotSpotScan, TimelineEvent
from citistat.render import build_books
from citistat.render.foresight_context import foresight_context
from citistat.workspace import DEFAULT_TEMPLATES_DIR

REF, KEY, TICKET = "R-ab12cd", "0123456789abcdef", "GD202403150042"


def with_foresight(inputs):
    warning = EarlyWarning(
        rank=1,
        caller_key=KEY,
        caller_ref=REF,
        score=42.5,
        reasons=["accelerating", "came_back"],
        contacts=9,
        contacts_in_period=6,
        recent_contacts=6,
        earlier_contacts=2,
        after_solved=5,
        agencies=[fx.HOUSING],
        categories=["物业管理"],
        places=["朝阳区 / 望京街道 / 花家地社区"],
        oldest_unresolved_days=None,
        first_seen="2024-01-10",
        last_seen="2024-03-28",
        timeline=[TimelineEvent("2024-03-15", TICKET, "物业管理", fx.HOUSING, "solved", "dissatisfied")],
    )
    scan = HotSpotScan(
        level="district",
        cells_tested=80,
        baseline_periods=12,
        seasonal=True,
        fdr=0.05,
        significant=1,
        hot_spots=[HotSpot("海淀区", "房屋拆迁", 31, 14.7, 2.11, 214, 12, 2.6e-4, 0.021)],
    )
    result = replace(inputs.result, foresight=Foresight([warning], 1, scan))
    return replace(inputs, result=result)


def pdf_text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def html_text(tmp_path_factory, lang: str, edition: str) -> str:
    out = tmp_path_factory.mktemp(f"{lang}-{edition}")
    books = build_books(
        with_foresight(fx.briefing_inputs(lang=lang, edition=edition)),
        out,
        templates_dirs=[DEFAULT_TEMPLATES_DIR],
        formats=("html",),
        agencies=[],
    )
    return books.city_book_html.read_text("utf-8")


@pytest.fixture(scope="module")
def internal_en(tmp_path_factory):
    return html_text(tmp_path_factory, "en", "internal")


def test_the_internal_edition_carries_the_early_warning_list(internal_en):
    assert "Early warning" in internal_en and REF in internal_en and TICKET in internal_en
    assert "back after “solved”" in internal_en and KEY not in internal_en


def test_hot_spots_with_p_and_q_values_and_the_method(internal_en):
    assert "Emerging hot spots" in internal_en and "海淀区" in internal_en and "0.021" in internal_en
    assert "Benjamini–Hochberg" in internal_en


def test_the_public_pdf_carries_no_early_warning(tmp_path_factory):
    out = tmp_path_factory.mktemp("public")
    books = build_books(
        with_foresight(fx.briefing_inputs(lang="zh-CN", edition="public")),
        out,
        templates_dirs=[DEFAULT_TEMPLATES_DIR],
        formats=("pdf",),
        agencies=[],
    )
    text = pdf_text(books.city_book_pdf)
    assert REF not in text and TICKET not in text and "未诉先办" not in text and "预警分" not in text
    assert "新出现的热点" in text  # hot spots carry no personal data: every edition has them


@pytest.mark.parametrize("edition", ["public", "agency", "anything-else"])
def test_only_the_internal_edition_gets_the_list_in_its_context(edition):
    context = foresight_context(with_foresight(fx.briefing_inputs(edition=edition)))
    assert context["early_warning"] == [] and not context["early_warning_shown"]
    assert context["hotspots"].hot_spots
    internal = foresight_context(with_foresight(fx.briefing_inputs(edition="internal")))
    assert internal["early_warning"][0].caller_ref == REF and internal["early_warning_shown"]


def test_the_agency_brief_carries_no_early_warning(tmp_path_factory):
    out = tmp_path_factory.mktemp("agency")
    books = build_books(
        with_foresight(fx.briefing_inputs(lang="zh-CN", edition="agency")),
        out,
        templates_dirs=[DEFAULT_TEMPLATES_DIR],
        formats=("pdf",),
        agencies=[fx.HOUSING],
        city_book=False,
    )
    (brief,) = books.agency_pdfs.values()
    text = pdf_text(brief)
    assert fx.HOUSING in text  # the brief was written, for the unit the planted caller called about
    assert REF not in text and TICKET not in text and "未诉先办" not in text and "预警分" not in text
