"""Which maps the books show, and the lists beside them: units with tickets and no boundary, boundaries
with no tickets. The same plan decides what draw_charts draws and what the templates show."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from ..briefing import BriefingInputs
from ..geo import Boundaries, match
from ..results import PeriodResult
from . import maps

CITY_MAP, STREET_MAP, AGENCY_MAP, HEXBIN_MAP = "map", "street_map", "map", "hexbin_map"


def topic_key(index: int) -> str:
    return f"topic_map_{index}"


def map_urls(result: PeriodResult, folder: str) -> dict[str, dict[str, str]]:
    """agency ("" = city) -> chart name -> URL of every map the result could have (chart_urls merges these)."""
    areas = result.areas
    urls: dict[str, dict[str, str]] = {"": {}}
    if areas.district:
        urls[""][CITY_MAP] = f"{folder}/map-districts.png"
    if areas.street:
        urls[""][STREET_MAP] = f"{folder}/map-streets.png"
    if areas.hexbins is not None and areas.hexbins.cells:
        urls[""][HEXBIN_MAP] = f"{folder}/map-density.png"
    for index, topic in enumerate(result.topics, start=1):
        if areas.by_topic.get(topic.name):
            urls[""][topic_key(index)] = f"{folder}/map-topic-{index}.png"
    return urls


def agency_map_url(result: PeriodResult, agency: str, index: int, folder: str) -> dict[str, str]:
    return {AGENCY_MAP: f"{folder}/agency-{index}-map.png"} if result.areas.by_agency.get(agency) else {}


@dataclass(frozen=True)
class MapView:
    """One map as a page shows it."""

    key: str  # chart name in chart_urls
    level: str
    counts: dict[str, int]  # area -> tickets
    synthetic: bool
    missing: list[tuple[str, int | None]] = field(
        default_factory=list
    )  # areas with tickets and no boundary (None: too few to print)
    unused: list[str] = field(default_factory=list)  # boundaries with no tickets
    drawable: bool = False  # some area has a boundary


def view(key: str, boundaries: Boundaries | None, counts: dict[str, int], level: str) -> MapView:
    if boundaries is None:
        largest_first = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return MapView(key, level, counts, False, [(name, n) for name, n in largest_first])
    found = match(boundaries, list(counts))
    # a missing area's count is printed only when it could not point at a caller
    missing = [(name, counts[name] if not maps.suppressed(counts[name]) else None) for name in found.missing]
    return MapView(key, level, counts, boundaries.synthetic, missing, found.unused, bool(found.matched))


def map_views(inputs: BriefingInputs) -> dict:
    """{"city": MapView, "street": MapView | None, "topics": {name: MapView}, "agencies": {name: MapView}}."""
    areas = inputs.result.areas
    districts = inputs.boundaries.get("district")
    streets = inputs.boundaries.get("street")
    topics = {
        topic.name: view(topic_key(i), districts, dict(areas.by_topic.get(topic.name, [])), "district")
        for i, topic in enumerate(inputs.result.topics, start=1)
        if areas.by_topic.get(topic.name)
    }
    return {
        "city": view(CITY_MAP, districts, {s.name: s.n for s in areas.district}, "district")
        if areas.district
        else None,
        "street": view(STREET_MAP, streets, {s.name: s.n for s in areas.street}, "street")
        if areas.street and streets is not None
        else None,
        "topics": topics,
        "agencies": {
            name: view(AGENCY_MAP, districts, dict(rows), "district") for name, rows in areas.by_agency.items()
        },
    }


def maps_context(inputs: BriefingInputs) -> dict:
    return {
        "maps": map_views(inputs),
        "map_metric": inputs.result.areas.metric,
        "map_density": inputs.result.areas.hexbins,
        "map_small": maps.SMALL_AREA,
        "map_unplaced": inputs.result.areas.unplaced,
    }


def map_labels(t, metric: str) -> dict[str, str]:
    """The maps' words in the run's language ({n} is filled per panel)."""
    rate = t(f"metric.{metric}")
    return {
        "map_tickets": t("maps.panel_tickets"),
        "map_tickets_legend": t("maps.legend_tickets", n="{n}"),
        "map_rate": t("maps.panel_rate", rate=rate),
        "map_rate_legend": t("maps.legend_rate", rate=rate, n="{n}"),
        "map_change": t("maps.panel_change", rate=rate),
        "map_change_legend": t("maps.legend_change", n="{n}"),
        "map_suppressed": t("maps.suppressed", n=maps.SMALL_AREA),
        "map_no_figure": t("maps.no_figure"),
        "map_synthetic": t("maps.synthetic"),
        "hex_legend": t("maps.hex_legend", n="{n}", km="{km}"),
    }


def draw_maps(
    inputs: BriefingInputs,
    out_dir: Path,
    urls: dict[str, dict[str, str]],
    family: str,
    t,
    *,
    city: bool,
    agencies: list[str],
) -> None:
    """Every drawable map of the plan, each redrawn only when its inputs changed."""
    from .charts import draw_if_changed

    areas = inputs.result.areas
    labels = map_labels(t, areas.metric)
    views = map_views(inputs)
    jobs = []
    if city and views["city"] is not None and views["city"].drawable:
        stats = areas.district
        panels = [
            maps.ticket_panel(views["city"].counts, labels),
            maps.rate_panel(stats, labels),
            maps.change_panel(stats, labels),
        ]
        jobs.append((urls[""][CITY_MAP], "district", panels, views["city"].counts))
    if city and views["street"] is not None and views["street"].drawable:
        stats = areas.street
        panels = [maps.ticket_panel(views["street"].counts, labels), maps.change_panel(stats, labels)]
        jobs.append((urls[""][STREET_MAP], "street", panels, views["street"].counts))
    grid = areas.hexbins
    if city and grid is not None and grid.cells:
        path = out_dir / urls[""][HEXBIN_MAP]
        outline = inputs.boundaries.get("district")
        draw_if_changed(
            path, lambda: maps.draw_hexbin(grid, outline, labels, path, family), "hexbin", grid, outline, labels, family
        )
    if city:
        for view_ in views["topics"].values():
            if view_.drawable:
                jobs.append((urls[""][view_.key], "district", [maps.ticket_panel(view_.counts, labels)], view_.counts))
    for name in agencies:
        view_ = views["agencies"].get(name)
        if view_ is not None and view_.drawable and urls.get(name, {}).get(AGENCY_MAP):
            jobs.append((urls[name][AGENCY_MAP], "district", [maps.ticket_panel(view_.counts, labels)], view_.counts))
    for url, level, panels, counts in jobs:
        path = out_dir / url
        boundaries = inputs.boundaries[level]
        draw_if_changed(
            path,
            partial(maps.draw_map, boundaries, panels, counts, labels, path, family),
            "map",
            boundaries,
            panels,
            counts,
            labels,
            family,
        )
