"""The books as HTML: editions, languages, escaping, strictness and template overrides (no PDF here)."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
import render_fixtures as fx

from citistat.render.books import BookRenderer
from citistat.render.fonts import find_cjk_font
from citistat.workspace import DEFAULT_TEMPLATES_DIR

PHONE = "13800138000"  # the raw value of the fixture's data issue


def renderer(tmp_path: Path, lang="zh-CN", edition="internal", workspace: Path | None = None) -> BookRenderer:
    dirs = ([workspace] if workspace else []) + [DEFAULT_TEMPLATES_DIR]
    return BookRenderer(fx.briefing_inputs(lang=lang, edition=edition), tmp_path, dirs, font=find_cjk_font())


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_public_edition_has_no_caller_ref_phone_or_internal_note(tmp_path, lang):
    r = renderer(tmp_path, lang, "public")
    html = r.city_html() + "".join(r.agency_html(a.name) for a in r.context["agencies"])
    for secret in (fx.CALLER_REF, PHONE, fx.INTERNAL_NOTE, fx.FOLLOWUP_NOTE):
        assert secret not in html
    # the whole watch-list section is gone (the stylesheet may still name its class)
    assert 'class="list compact watchlist' not in html
    assert f"<h3>{r.messages('agency.watchlist')}" not in html
    assert "本月解决率下降系集中供暖投诉所致" in html  # the agency's right of reply is public


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_internal_edition_shows_them(tmp_path, lang):
    html = renderer(tmp_path, lang, "internal").city_html()
    for shown in (fx.CALLER_REF, PHONE, fx.INTERNAL_NOTE, fx.FOLLOWUP_NOTE):
        assert shown in html


def test_book_language_and_words_follow_the_catalogue(tmp_path):
    zh = renderer(tmp_path, "zh-CN").city_html()
    en = renderer(tmp_path, "en").city_html()
    assert '<html lang="zh-CN">' in zh and '<html lang="en">' in en
    assert "考核排名" in zh and "Rankings" in en
    assert '"第 " counter(page) " 页 / 共 " counter(pages) " 页"' in zh
    assert '"Page " counter(page) " of " counter(pages) ""' in en


def test_rates_always_beside_their_n_and_na_as_dash(tmp_path):
    html = renderer(tmp_path).city_html()
    # water satisfaction: 221 / (221 + 12) = 94.85 %, n 233, 12 dissatisfied
    assert "94.8%" in html and "n 233 · 不满意 12" in html
    # jiaodaokou is unranked (score None): rank and score are "—"
    assert "—" in html


def test_ticket_html_is_shown_as_text(tmp_path):
    html = renderer(tmp_path).city_html()
    assert fx.HOSTILE not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;&lt;script&gt;" in html


def test_workspace_template_overrides_the_shipped_one(tmp_path):
    workspace = tmp_path / "ws"
    (workspace / "sections").mkdir(parents=True)
    (workspace / "sections" / "cover.html").write_text(
        '<section class="cover">本市定制封面 {{ book.city }}</section>', "utf-8"
    )
    html = renderer(tmp_path, workspace=workspace).city_html()
    assert "本市定制封面 示例市" in html
    assert "考核排名" in html  # every other section still comes from the shipped templates


def test_per_agency_override_applies_to_that_agency_only(tmp_path):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / f"agency-{fx.WATER}.html").write_text(
        "水务局专用模板 {{ agency.name }} {{ agency.unit.n_tickets }}", "utf-8"
    )
    r = renderer(tmp_path, workspace=workspace)
    assert r.agency_html(fx.WATER).strip() == f"水务局专用模板 {fx.WATER} 240"
    assert "水务局专用模板" not in r.agency_html(fx.HOUSING)


def test_a_misspelt_name_in_a_template_fails_the_build(tmp_path):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "agency.html").write_text("{{ agency.unit.n_tikets }}", "utf-8")
    with pytest.raises(jinja2.UndefinedError, match="n_tikets"):
        renderer(tmp_path, workspace=workspace).agency_html(fx.WATER)


def test_book_links_every_agency_from_the_toc(tmp_path):
    r = renderer(tmp_path)
    html = r.city_html()
    for agency in r.context["agencies"]:
        assert f'<a href="#{agency.anchor}">{agency.name}</a>' in html
        assert f'id="{agency.anchor}"' in html


def test_same_inputs_give_the_same_html(tmp_path):
    assert renderer(tmp_path).city_html() == renderer(tmp_path).city_html()


def test_memo_lists_every_followup_by_agency_with_owner_and_due(tmp_path):
    html = renderer(tmp_path).memo_html()
    assert "会议事项跟进备忘录" in html
    for owner, due in (("王主任", "2024年3月20日"), ("李科长", "2024年4月30日"), ("张主任", "2024年3月1日")):
        assert owner in html and due in html
    assert html.index(fx.WATER) < html.index(fx.HOUSING) < html.index(fx.WANGJING)  # book order


def test_workspace_stylesheet_replaces_the_shipped_one(tmp_path):
    workspace = tmp_path / "ws"
    (workspace / "static").mkdir(parents=True)
    (workspace / "static" / "book.css").write_text("h1 { color: #123456; }", "utf-8")
    html = renderer(tmp_path, workspace=workspace).city_html()
    assert "#123456" in html and "#0b3d6e" not in html
    assert '@font-face { font-family: "CitistatCJK"' in html  # the font rules are always there


def test_importing_render_loads_neither_weasyprint_nor_matplotlib():
    import subprocess
    import sys

    code = "import sys, citistat.render; print(any(m in sys.modules for m in ('weasyprint', 'matplotlib')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_a_unit_without_some_metric_shows_dashes(tmp_path):
    from dataclasses import replace

    inputs = fx.briefing_inputs()
    bare = replace(inputs.result.unit(fx.WATER), rates={}, deltas={})
    inputs = replace(inputs, result=replace(inputs.result, units=[bare, *inputs.result.units[:1]]))
    r = BookRenderer(inputs, tmp_path, [DEFAULT_TEMPLATES_DIR], font=find_cjk_font())
    assert '<span class="rate na">—</span>' in r.agency_html(fx.WATER)
    assert fx.WATER in r.city_html()


def test_city_book_lists_four_rows_per_list_and_the_brief_all(tmp_path):
    import dataclasses

    from citistat.results import PlaceRow

    inputs = fx.briefing_inputs(lang="en")
    places = [PlaceRow(f"Place number {i}", 20 - i, 3) for i in range(7)]
    units = [dataclasses.replace(u, places=places) if u.agency == fx.WATER else u for u in inputs.result.units]
    inputs = dataclasses.replace(inputs, result=dataclasses.replace(inputs.result, units=units))
    r = BookRenderer(inputs, tmp_path, [DEFAULT_TEMPLATES_DIR], font=find_cjk_font())
    book, brief = r.city_html(), r.agency_html(fx.WATER)
    # the book keeps each agency to its page; the brief, the agency's own copy, has every row
    assert [f"Place number {i}<" in book for i in range(7)] == [True] * 4 + [False] * 3
    assert all(f"Place number {i}<" in brief for i in range(7))
    assert "The first 4 of 7" in book and "The first 4 of" not in brief


def test_memo_carries_over_earlier_items_and_shows_no_change_on_the_day_an_item_is_raised(tmp_path):
    from dataclasses import replace

    from citistat.briefing import FollowUp

    inputs = fx.briefing_inputs(lang="en")
    raised_now = FollowUp(
        9,
        fx.HOUSING,
        "Call back every open lift ticket",
        "Wang",
        "2024-04-20",
        "2024-03",
        "2024-04-03",
        "resolution",
        "open",
        metric_before=0.785,
        metric_now=0.785,
    )
    inputs = replace(inputs, followups=[*inputs.followups, raised_now])
    r = BookRenderer(inputs, tmp_path, [DEFAULT_TEMPLATES_DIR], font=find_cjk_font())
    html = r.memo_html()
    assert "物业投诉专项整治" in html and "carried over" in html  # raised at the February session, still open
    row = html.split("Call back every open lift ticket", 1)[1].split("</tr>", 1)[0]
    assert "78.5%" in row and "→" not in row and "+0.0" not in row and "(0.0)" not in row
