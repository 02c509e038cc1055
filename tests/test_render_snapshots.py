"""Snapshot tests: each section of the book as HTML, so a diff names the section that changed.

Update the snapshots after an intended change with

    CITISTAT_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_render_snapshots.py

and review the diff of tests/snapshots/ before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import render_fixtures as fx

from citistat.render.books import BookRenderer
from citistat.render.fonts import find_cjk_font
from citistat.workspace import DEFAULT_TEMPLATES_DIR

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("CITISTAT_UPDATE_SNAPSHOTS") == "1"
SECTIONS = ["cover", "agenda", "toc", "summary", "rankings", "agency", "topics", "quality", "methods"]
CASES = [("zh-CN", "internal", s) for s in SECTIONS] + [("en", "public", s) for s in ("summary", "agency", "quality")]


@pytest.fixture(scope="module")
def renderers(tmp_path_factory):
    out = tmp_path_factory.mktemp("snap")
    font = find_cjk_font()
    return {
        (lang, edition): BookRenderer(
            fx.briefing_inputs(lang=lang, edition=edition), out, [DEFAULT_TEMPLATES_DIR], font=font
        )
        for lang, edition in {(c[0], c[1]) for c in CASES}
    }


def render_section(renderer: BookRenderer, section: str) -> str:
    context = dict(renderer.context)
    if section == "agency":  # the richest agency: watch list, overdue follow-up, flag, reply, internal note
        context["agency"] = next(a for a in context["agencies"] if a.name == fx.HOUSING)
    return renderer.env.get_template(f"sections/{section}.html").render(context)


@pytest.mark.parametrize(("lang", "edition", "section"), CASES)
def test_section_matches_snapshot(renderers, lang, edition, section):
    html = render_section(renderers[(lang, edition)], section)
    path = SNAPSHOTS / f"{lang}-{edition}-{section}.html"
    if UPDATE or not path.exists():
        path.write_text(html, "utf-8")
        if not UPDATE:
            pytest.fail(f"new snapshot written to {path}; review it and run again")
    assert html == path.read_text("utf-8"), f"{path.name} changed; rerun with CITISTAT_UPDATE_SNAPSHOTS=1 if intended"
