"""Charts: PNG files drawn without pyplot, the same bytes for the same inputs, Chinese labels."""

from __future__ import annotations

import subprocess
import sys

import render_fixtures as fx

from citistat.render import charts
from citistat.render.fonts import find_cjk_font, register_with_matplotlib


def test_same_inputs_give_the_same_png_bytes(tmp_path):
    family = register_with_matplotlib(find_cjk_font())
    unit = fx.briefing_inputs().result.unit(fx.HOUSING)
    labels = {"response": "响应率", "resolution": "解决率", "satisfaction": "满意率", "volume": "工单量"}
    first = charts.trend_chart(unit, labels, tmp_path / "a.png", family).read_bytes()
    second = charts.trend_chart(unit, labels, tmp_path / "b.png", family).read_bytes()
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    assert first == second
    assert b"Software" not in first and b"matplotlib" not in first.lower()


def test_sparklines_survive_na_points(tmp_path):
    family = register_with_matplotlib(find_cjk_font())
    unit = fx.briefing_inputs().result.unit(fx.JIAODAOKOU)
    gap = [p if i != 5 else type(p)(p.period, None, 0) for i, p in enumerate(unit.series["response"])]
    unit = type(unit)(**{**unit.__dict__, "series": {**unit.series, "response": gap}})
    assert charts.sparklines(unit, tmp_path / "s.png", family).stat().st_size > 500


def test_drawing_never_touches_pyplot(tmp_path):
    code = (
        "import sys; sys.path.insert(0, 'tests')\n"
        "import render_fixtures as fx\n"
        "from pathlib import Path\n"
        "from citistat.render.books import draw_charts\n"
        "from citistat.render.fonts import find_cjk_font\n"
        f"draw_charts(fx.briefing_inputs(), Path({str(tmp_path)!r}), find_cjk_font())\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=fx.__file__.rsplit("/tests/", 1)[0])
    assert sorted(p.name for p in (tmp_path / "charts" / fx.briefing_inputs().lang).glob("*.png")) == [
        "agency-1-spark.png",
        "agency-2-spark.png",
        "agency-3-spark.png",
        "agency-4-spark.png",
        "city-trend.png",
        "topics.png",
    ]  # each language draws into a folder of its own


def test_a_chart_drawn_from_the_same_inputs_is_not_drawn_again(tmp_path):
    family = register_with_matplotlib(find_cjk_font())
    unit = fx.briefing_inputs().result.unit(fx.HOUSING)
    path = tmp_path / "spark.png"
    drawn = []

    def draw(u=unit):
        drawn.append(u.agency)
        return charts.sparklines(u, path, family)

    charts.draw_if_changed(path, draw, "sparklines", unit.series, family)
    charts.draw_if_changed(path, draw, "sparklines", unit.series, family)  # same inputs: kept
    assert drawn == [fx.HOUSING]
    other = fx.briefing_inputs().result.unit(fx.WATER)
    charts.draw_if_changed(path, lambda: draw(other), "sparklines", other.series, family)  # new data: redrawn
    assert drawn == [fx.HOUSING, fx.WATER]
    path.unlink()  # the image is gone though its key remains: redrawn
    charts.draw_if_changed(path, lambda: draw(other), "sparklines", other.series, family)
    assert drawn == [fx.HOUSING, fx.WATER, fx.WATER] and path.is_file()
