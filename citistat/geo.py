"""Boundaries the office supplies for its maps: GeoJSON under config/geo/, keyed to district and street names.

    config/geo/districts.geojson   one feature per district (Polygon or MultiPolygon)
    config/geo/streets.geojson     one feature per street / town office (optional)

A feature's name is read from a configurable property (`[maps] key_property` in
citistat.toml, "name" by default) and matched to the names in the tickets. A unit
with tickets and no boundary, and a boundary with no unit, are both listed on the
map page: nothing is dropped silently. A FeatureCollection whose top level carries
`"synthetic": true` (the sample city's) is labelled synthetic on every map.
Coordinates are drawn as given (longitude/latitude or a projected plane); no network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CitistatError

GEO_DIR = "geo"
LEVEL_FILES: dict[str, str] = {"district": "districts.geojson", "street": "streets.geojson"}
DEFAULT_KEY = "name"
MAX_BYTES = 50 * 1024 * 1024  # a boundary file larger than this is refused (a city's districts are a few MB)

Ring = tuple[tuple[float, float], ...]
Polygon = tuple[Ring, ...]  # exterior ring first, then holes


@dataclass(frozen=True)
class Boundaries:
    """One level's shapes: name -> polygons."""

    level: str  # "district" | "street"
    source: str  # the file they came from
    shapes: dict[str, tuple[Polygon, ...]] = field(default_factory=dict)
    synthetic: bool = False

    def extent(self) -> tuple[float, float, float, float]:
        xs = [x for polys in self.shapes.values() for poly in polys for x, _ in poly[0]]
        ys = [y for polys in self.shapes.values() for poly in polys for _, y in poly[0]]
        return (min(xs), min(ys), max(xs), max(ys)) if xs else (0.0, 0.0, 1.0, 1.0)


@dataclass(frozen=True)
class Match:
    """Which units with tickets have a boundary, and what is left over on either side."""

    matched: list[str]
    missing: list[str]  # units with tickets and no boundary: listed under the map
    unused: list[str]  # boundaries with no unit in the data


def match(boundaries: Boundaries, names: list[str]) -> Match:
    known = set(boundaries.shapes)
    wanted = [n for n in dict.fromkeys(names) if n]
    return Match(
        matched=[n for n in wanted if n in known],
        missing=[n for n in wanted if n not in known],
        unused=sorted(known - set(wanted)),
    )


def _ring(coordinates, where: str) -> Ring:
    try:
        ring = tuple((float(x), float(y)) for x, y, *_ in coordinates)
    except (TypeError, ValueError) as error:
        raise CitistatError(f"{where}: a ring is not a list of [x, y] pairs ({error}); fix the coordinates") from error
    if len(ring) < 3:
        raise CitistatError(f"{where}: a ring has {len(ring)} points; a polygon needs at least 3")
    return ring


def _polygons(geometry: dict, where: str) -> tuple[Polygon, ...]:
    kind = (geometry or {}).get("type")
    coordinates = (geometry or {}).get("coordinates")
    if kind not in ("Polygon", "MultiPolygon"):
        raise CitistatError(f"{where}: geometry type {kind!r} is not a boundary; use Polygon or MultiPolygon")
    if not isinstance(coordinates, list):
        raise CitistatError(f"{where}: the {kind} has no list of coordinates; give its rings of [x, y] pairs")
    if kind == "Polygon":
        return (tuple(_ring(r, where) for r in coordinates),)
    return tuple(tuple(_ring(r, where) for r in polygon) for polygon in coordinates)


def parse_boundaries(text: str, source: str, level: str, key_property: str = DEFAULT_KEY) -> Boundaries:
    """A GeoJSON FeatureCollection as Boundaries; a clear error names the file and the feature."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CitistatError(
            f"{source}: not valid JSON (line {error.lineno}, column {error.colno}): {error.msg}"
        ) from error
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise CitistatError(f"{source}: expected a GeoJSON FeatureCollection")
    shapes: dict[str, list[Polygon]] = {}
    for index, feature in enumerate(data.get("features") or [], start=1):
        where = f"{source}: feature {index}"
        name = str(((feature or {}).get("properties") or {}).get(key_property) or "").strip()
        if not name:
            raise CitistatError(
                f"{where} has no {key_property!r} property; name each boundary after its "
                f"{level} as the tickets spell it, or set [maps] key_property"
            )
        shapes.setdefault(name, []).extend(_polygons(feature.get("geometry"), f"{where} ({name})"))
    return Boundaries(level, source, {n: tuple(p) for n, p in shapes.items()}, bool(data.get("synthetic")))


def load_boundaries(config_dir: Path, key_property: str = DEFAULT_KEY) -> dict[str, Boundaries]:
    """Every level whose file is in config_dir/geo: level -> Boundaries (none: {})."""
    found: dict[str, Boundaries] = {}
    for level, name in LEVEL_FILES.items():
        path = Path(config_dir) / GEO_DIR / name
        if not path.is_file():
            continue
        if path.stat().st_size > MAX_BYTES:
            raise CitistatError(
                f"{path}: {path.stat().st_size // 1_000_000} MB is past the {MAX_BYTES // 1_000_000} MB "
                "limit for boundaries; simplify the shapes"
            )
        found[level] = parse_boundaries(path.read_text("utf-8-sig"), str(path), level, key_property)
    return found
