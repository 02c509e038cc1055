"""Maps in the books: boundaries from config/geo matched to the tickets' names, classed scales, small areas
suppressed in every edition, the sample city's synthetic boundaries, and the maps on the pages."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import render_fixtures as fx
from pypdf import PdfReader

from citistat.areas import Areas, AreaStat
from citistat.errors import CitistatError
from citistat.geo import load_boundaries, match, parse_boundaries
from citistat.render import build_books, maps
from citistat.render.maps_context import map_views
from citistat.sample.boundaries import synthetic_boundaries, write_synthetic_boundaries
from citistat.score.definitions import Scoring
from citistat.score.geography import area_stats
from citistat.score.hexbins import hex_grid
from citistat.workspace import DEFAULT_CONFIG_DIR, DEFAULT_TEMPLATES_DIR


def square(x: float, y: float, size: float = 10.0) -> list[list[float]]:
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


def collection(features: list[dict], **top) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features, **top}, ensure_ascii=False)


def feature(props: dict, geometry: dict) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geometry}


DISTRICTS = collection(
    [
        feature({"区名": "朝阳区"}, {"type": "Polygon", "coordinates": [square(0, 0)]}),
        feature({"区名": "海淀区"}, {"type": "MultiPolygon", "coordinates": [[square(10, 0)], [square(30, 0, 5)]]}),
        feature({"区名": "丰台区"}, {"type": "Polygon", "coordinates": [square(0, 10)]}),
    ]
)


# --- boundaries -------------------------------------------------------------------------------------


def test_boundaries_are_keyed_by_the_configured_property_and_matched_with_leftovers_listed():
    b = parse_boundaries(DISTRICTS, "districts.geojson", "district", key_property="区名")
    assert sorted(b.shapes) == ["丰台区", "朝阳区", "海淀区"] and len(b.shapes["海淀区"]) == 2 and not b.synthetic
    found = match(b, ["朝阳区", "海淀区", "东城区"])
    assert found.matched == ["朝阳区", "海淀区"] and found.missing == ["东城区"] and found.unused == ["丰台区"]


def test_a_feature_without_its_name_or_with_a_point_is_a_clear_error():
    with pytest.raises(CitistatError, match=r"districts.geojson: feature 1 has no 'name' property"):
        parse_boundaries(DISTRICTS, "districts.geojson", "district")
    point = collection([feature({"name": "朝阳区"}, {"type": "Point", "coordinates": [1, 2]})])
    with pytest.raises(CitistatError, match=r"feature 1 \(朝阳区\): geometry type 'Point'"):
        parse_boundaries(point, "districts.geojson", "district")
    with pytest.raises(CitistatError, match="not valid JSON"):
        parse_boundaries("{", "districts.geojson", "district")
    no_rings = collection([feature({"name": "朝阳区"}, {"type": "Polygon"})])
    with pytest.raises(CitistatError, match=r"feature 1 \(朝阳区\): the Polygon has no list of coordinates"):
        parse_boundaries(no_rings, "districts.geojson", "district")


def test_a_missing_district_is_listed_under_the_map_with_small_counts_hidden():
    inputs = with_maps(fx.briefing_inputs(edition="public"))
    city = map_views(inputs)["city"]
    assert city.drawable and ("东城区", None) in city.missing  # 3 tickets: listed, count not printed
    assert ("西城区", 40) in city.missing and city.unused == ["丰台区"]


# --- synthetic boundaries ---------------------------------------------------------------------------


def test_the_synthetic_boundaries_are_deterministic_and_shipped_as_generated(tmp_path):
    assert synthetic_boundaries() == synthetic_boundaries()
    assert synthetic_boundaries(seed=1) != synthetic_boundaries()
    write_synthetic_boundaries(tmp_path)
    for name in ("districts.geojson", "streets.geojson"):
        assert (tmp_path / "geo" / name).read_bytes() == (DEFAULT_CONFIG_DIR / "geo" / name).read_bytes()
    loaded = load_boundaries(DEFAULT_CONFIG_DIR)
    assert loaded["district"].synthetic and loaded["street"].synthetic


def _area(ring) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]))) / 2


def test_the_synthetic_districts_partition_the_square_and_streets_partition_their_district():
    from citistat.sample.catalog import DISTRICTS as NAMES
    from citistat.sample.catalog import STREETS

    data = synthetic_boundaries()
    districts = {f["properties"]["name"]: f["geometry"]["coordinates"][0][:-1] for f in data["district"]["features"]}
    assert list(districts) == list(NAMES)
    assert sum(_area(r) for r in districts.values()) == pytest.approx(100 * 100, rel=1e-3)
    for name, ring in districts.items():
        streets = [f for f in data["street"]["features"] if f["properties"]["district"] == name]
        assert len(streets) == sum(1 for _, d in STREETS if d == name)
        assert sum(_area(f["geometry"]["coordinates"][0][:-1]) for f in streets) == pytest.approx(_area(ring), rel=1e-3)


# --- classes and suppression ------------------------------------------------------------------------


def test_count_classes_cover_every_value_in_ascending_colour_blind_safe_classes():
    values = [3.0, 8, 12, 40, 41, 90, 250, 251, 600]
    classes = maps.count_classes(values)
    assert list(classes.edges) == sorted(classes.edges) and len(classes.colours) == len(classes.edges) + 1 <= 5
    assert set(classes.colours) <= set(maps.SEQUENTIAL)
    assigned = [classes.colours.index(classes.colour(v)) for v in values]
    assert assigned == sorted(assigned) and assigned[0] == 0 and assigned[-1] == len(classes.colours) - 1
    assert classes.labels[0].startswith("3") and classes.labels[-1].endswith("600")


def test_rate_classes_use_tenths_when_the_areas_lie_close_and_change_is_diverging():
    close = maps.rate_classes([93.2, 93.6, 93.9, 94.4, 94.8])
    assert all("." in label for label in close.labels) and len(set(close.labels)) == len(close.labels)
    change = maps.change_classes()
    assert change.colour(-8) == maps.DIVERGING[0] and change.colour(0) == maps.DIVERGING[2]
    assert change.colour(8) == maps.DIVERGING[-1] and all(label.endswith("pp") for label in change.labels)


def test_an_area_under_five_tickets_shows_no_figure_and_is_drawn_hatched():
    labels = {k: "{n}" for k in ("map_tickets_legend", "map_rate_legend", "map_change_legend")} | {
        "map_tickets": "",
        "map_rate": "",
        "map_change": "",
    }
    counts = {"A": 4, "B": 5, "C": 60}
    panel = maps.ticket_panel(counts, labels)
    assert panel.values["A"] is None and panel.values["B"] == 5
    assert maps._area_colour(panel, "A", counts) == (maps.SUPPRESSED, "////")
    stats = [AreaStat("A", 4, 3, 1.0, 4, 0.5), AreaStat("C", 60, 50, 0.9, 50, 0.8)]
    assert maps.rate_panel(stats, labels).values == {"A": None, "C": pytest.approx(90)}
    assert maps.change_panel(stats, labels).values == {"A": None, "C": pytest.approx(10)}


# --- the figures from the counts --------------------------------------------------------------------


def test_area_stats_give_tickets_rate_and_change_against_last_year():
    rows = [("2024-03", "朝阳区", 50, 40, 10), ("2024-03", "海淀区", 20, 10, 10), ("2023-03", "朝阳区", 30, 15, 15)]
    frame = pd.DataFrame(rows, columns=["period", "district", "n_tickets", "resolved", "not_resolved"])
    frame["agency"] = "甲"
    stats = {s.name: s for s in area_stats(frame, "2024-03", "district", "resolution", Scoring(), True)}
    assert stats["朝阳区"].n == 50 and stats["朝阳区"].rate == pytest.approx(0.8)
    assert stats["朝阳区"].change_pp == pytest.approx(30) and stats["朝阳区"].last_year_n == 30
    assert stats["海淀区"].last_year_n == 0 and stats["海淀区"].change_pp is None


# --- the maps in the books --------------------------------------------------------------------------


def with_maps(inputs):
    stats = [
        AreaStat("朝阳区", 300, 280, 0.9, 250, 0.85),
        AreaStat("海淀区", 200, 210, 0.8, 180, 0.82),
        AreaStat("西城区", 40, 30, 0.7, 30, 0.7),
        AreaStat("东城区", 3, 2, 1.0, 3, 1.0),
    ]
    areas = Areas(
        metric="resolution",
        district=stats,
        by_agency={fx.HOUSING: [("朝阳区", 120), ("海淀区", 60), ("东城区", 2)]},
        by_topic={"老旧小区加装电梯": [("朝阳区", 30), ("海淀区", 12)]},
        unplaced=7,
    )
    boundaries = {"district": parse_boundaries(DISTRICTS, "districts.geojson", "district", key_property="区名")}
    return replace(inputs, result=replace(inputs.result, areas=areas), boundaries=boundaries)


@pytest.mark.parametrize("lang,edition", [("en", "internal"), ("zh-CN", "public")])
def test_the_city_book_shows_the_district_map_and_the_topic_map(tmp_path, lang, edition):
    books = build_books(
        with_maps(fx.briefing_inputs(lang=lang, edition=edition)),
        tmp_path,
        templates_dirs=[DEFAULT_TEMPLATES_DIR],
        formats=("html",),
        agencies=[],
    )
    html = books.city_book_html.read_text("utf-8")
    assert f'src="charts/{lang}/map-districts.png"' in html and f'src="charts/{lang}/map-topic-1.png"' in html
    assert (tmp_path / "charts" / lang / "map-districts.png").is_file()
    assert "西城区 (40)" in html and ("东城区 (fewer than 5)" in html or "东城区 (少于 5 件)" in html)
    word = {"en": "Where the tickets come from", "zh-CN": "诉求从哪里来"}[lang]
    assert word in html


def test_the_agency_brief_shows_where_its_tickets_come_from(tmp_path):
    books = build_books(
        with_maps(fx.briefing_inputs(lang="en", edition="agency")),
        tmp_path,
        templates_dirs=[DEFAULT_TEMPLATES_DIR],
        formats=("pdf",),
        agencies=[fx.HOUSING],
        city_book=False,
    )
    (brief,) = books.agency_pdfs.values()
    text = "\n".join(page.extract_text() for page in PdfReader(str(brief)).pages)
    assert "Where this agency" in text and "东城区" in text
    maps_drawn = list((tmp_path / "charts" / "en").glob("agency-*-map.png"))
    assert maps_drawn


def test_no_boundaries_means_no_map_and_the_counts_listed(tmp_path):
    inputs = with_maps(fx.briefing_inputs(lang="en"))
    inputs = replace(inputs, boundaries={})
    books = build_books(inputs, tmp_path, templates_dirs=[DEFAULT_TEMPLATES_DIR], formats=("html",), agencies=[])
    html = books.city_book_html.read_text("utf-8")
    assert "No district boundary in config/geo/ matches these tickets" in html and "map-districts.png" not in html
    assert "朝阳区 (300)" in html


# --- the density map (exports with coordinates) -----------------------------------------------------


def located_tickets(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    busy = rng.normal([-118.3, 34.05], 0.01, size=(400, 2))  # a busy corner
    spread = rng.uniform([-118.6, 33.8], [-118.0, 34.3], size=(300, 2))  # thin everywhere else
    points = np.vstack([busy, spread])
    frame = pd.DataFrame({"longitude": points[:, 0], "latitude": points[:, 1], "period": "2024-03"})
    frame.loc[0, "latitude"] = None  # a ticket without a location is on no cell
    return pd.concat([frame, frame.assign(period="2024-02")], ignore_index=True)


def test_no_hexagon_under_five_tickets_exists_and_the_counts_reconcile():
    grid = hex_grid(located_tickets(), "2024-03")
    assert grid.cells and min(c.n for c in grid.cells) >= 5 and grid.threshold == 5
    assert grid.suppressed > 0  # the thin spread leaves small cells: they are counted, not drawn
    assert sum(c.n for c in grid.cells) + grid.suppressed == grid.located == 699
    assert max(c.n for c in grid.cells) > 50 and 1 < grid.width_km < 3


def test_a_lone_caller_far_from_the_rest_is_on_no_map():
    frame = located_tickets()
    lone = pd.DataFrame({"longitude": [-117.8] * 4, "latitude": [34.5] * 4, "period": "2024-03"})  # 4 calls, alone
    grid = hex_grid(pd.concat([frame, lone], ignore_index=True), "2024-03")
    near = [c for c in grid.cells if abs(c.lon + 117.8) < 0.1 and abs(c.lat - 34.5) < 0.1]
    assert near == [] and grid.located == 703
    assert hex_grid(frame.drop(columns=["latitude"]), "2024-03") is None


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_the_density_map_is_in_the_city_book_of_every_edition(tmp_path, lang):
    inputs = with_maps(fx.briefing_inputs(lang=lang, edition="public"))
    grid = hex_grid(located_tickets(), "2024-03")
    inputs = replace(inputs, result=replace(inputs.result, areas=replace(inputs.result.areas, hexbins=grid)))
    books = build_books(inputs, tmp_path, templates_dirs=[DEFAULT_TEMPLATES_DIR], formats=("html",), agencies=[])
    html = books.city_book_html.read_text("utf-8")
    assert f'src="charts/{lang}/map-density.png"' in html and (tmp_path / "charts" / lang / "map-density.png").is_file()
    assert f"{grid.suppressed}" in html and "699" in html


def test_the_sample_city_gets_the_synthetic_boundaries_and_a_starter_for_another_city_does_not(tmp_path):
    from citistat.commands.init import starter_files, starter_for
    from citistat.config import load_config
    from citistat.workspace import open_workspace

    assert Path("geo/districts.geojson") in starter_files(DEFAULT_CONFIG_DIR, None, None)
    la = starter_files(DEFAULT_CONFIG_DIR, starter_for("la-311"), "la-311")
    assert la and not any(p.parts[0] == "geo" for p in la)
    assert load_config(None).geo["district"].synthetic
    (tmp_path / "config").mkdir()
    assert load_config(open_workspace(tmp_path)).geo == {}  # its own config/, no config/geo: no boundaries
    (tmp_path / "config" / "geo").mkdir()
    (tmp_path / "config" / "geo" / "districts.geojson").write_text(DISTRICTS, "utf-8")
    (tmp_path / "config" / "citistat.toml").write_text('[maps]\nkey_property = "区名"\n', "utf-8")
    assert sorted(load_config(open_workspace(tmp_path)).geo["district"].shapes) == ["丰台区", "朝阳区", "海淀区"]


def test_an_unknown_map_rate_is_a_config_error(tmp_path):
    from citistat.config import load_config
    from citistat.errors import ConfigError
    from citistat.workspace import open_workspace

    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "citistat.toml").write_text('[maps]\nrate = "happiness"\n', "utf-8")
    with pytest.raises(ConfigError, match=r"\[maps\] rate = 'happiness'; use one of response, resolution"):
        load_config(open_workspace(tmp_path))
