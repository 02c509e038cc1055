"""Synthetic boundaries of the sample city: a Voronoi partition of a square, the same on every run.

Each district is the Voronoi cell of a fixed seed point inside a 100 × 100 square; each
street office is the Voronoi cell of its own seed inside its district's cell. Cells are
convex, so clipping by half-planes (Sutherland–Hodgman) is all the geometry needed. The
files carry `"synthetic": true`, and the maps say so.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..safe_io import atomic_write_text
from .catalog import DISTRICTS, STREETS

SIZE = 100.0
SEED = 15

Point = tuple[float, float]


def _clip(polygon: list[Point], keep_near: Point, other: Point) -> list[Point]:
    """The part of a convex polygon nearer `keep_near` than `other` (the half-plane of their bisector)."""
    (ax, ay), (bx, by) = keep_near, other
    nx, ny = bx - ax, by - ay
    limit = (bx * bx + by * by - ax * ax - ay * ay) / 2

    def inside(p: Point) -> bool:
        return p[0] * nx + p[1] * ny <= limit

    def crossing(p: Point, q: Point) -> Point:
        dp, dq = p[0] * nx + p[1] * ny - limit, q[0] * nx + q[1] * ny - limit
        t = dp / (dp - dq)
        return p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])

    out: list[Point] = []
    for i, current in enumerate(polygon):
        previous = polygon[i - 1]
        if inside(current):
            if not inside(previous):
                out.append(crossing(previous, current))
            out.append(current)
        elif inside(previous):
            out.append(crossing(previous, current))
    return out


def voronoi_cells(seeds: list[Point], outline: list[Point]) -> list[list[Point]]:
    cells = []
    for i, seed in enumerate(seeds):
        cell = list(outline)
        for j, other in enumerate(seeds):
            if i != j and cell:
                cell = _clip(cell, seed, other)
        cells.append(cell)
    return cells


def _seeds(rng: np.random.Generator, n: int, low: Point, high: Point) -> list[Point]:
    points = rng.uniform(low, high, size=(n, 2))
    return [(float(x), float(y)) for x, y in points]


def _inside_box(cell: list[Point]) -> tuple[Point, Point]:
    xs, ys = [p[0] for p in cell], [p[1] for p in cell]
    return (min(xs), min(ys)), (max(xs), max(ys))


def _feature(name: str, cell: list[Point], **properties) -> dict:
    ring = [[round(x, 3), round(y, 3)] for x, y in cell]
    return {
        "type": "Feature",
        "properties": {"name": name, **properties},
        "geometry": {"type": "Polygon", "coordinates": [ring + [ring[0]]]},
    }


def synthetic_boundaries(seed: int = SEED) -> dict[str, dict]:
    """{"district": FeatureCollection, "street": FeatureCollection} for the sample's districts and streets."""
    rng = np.random.default_rng(seed)
    square = [(0.0, 0.0), (SIZE, 0.0), (SIZE, SIZE), (0.0, SIZE)]
    # districts on a jittered ring around a central one, so every cell has a readable size
    angles = np.linspace(0, 2 * np.pi, len(DISTRICTS) - 1, endpoint=False) + rng.uniform(-0.3, 0.3, len(DISTRICTS) - 1)
    seeds = [(SIZE / 2, SIZE / 2)] + [(SIZE / 2 + 32 * np.cos(a), SIZE / 2 + 32 * np.sin(a)) for a in angles]
    seeds = [(float(x), float(y)) for x, y in seeds]
    district_cells = dict(zip(DISTRICTS, voronoi_cells(seeds, square)))
    street_features = []
    for district, cell in district_cells.items():
        streets = [s for s, d in STREETS if d == district]
        low, high = _inside_box(cell)
        from matplotlib.path import Path as MplPath

        shape = MplPath(cell)
        points: list[Point] = []
        while len(points) < len(streets):  # rejection sampling keeps each street's seed inside its district
            candidate = _seeds(rng, 1, low, high)[0]
            if shape.contains_point(candidate):
                points.append(candidate)
        for street, street_cell in zip(streets, voronoi_cells(points, cell)):
            street_features.append(_feature(street, street_cell, district=district))
    collection = {"type": "FeatureCollection", "synthetic": True}
    return {
        "district": {**collection, "features": [_feature(d, c) for d, c in district_cells.items()]},
        "street": {**collection, "features": street_features},
    }


def write_synthetic_boundaries(config_dir: str | Path, seed: int = SEED) -> list[Path]:
    """config/geo/districts.geojson and streets.geojson of the sample city."""
    from ..geo import GEO_DIR, LEVEL_FILES

    folder = Path(config_dir) / GEO_DIR
    return [
        atomic_write_text(folder / LEVEL_FILES[level], json.dumps(data, ensure_ascii=False, indent=1) + "\n")
        for level, data in synthetic_boundaries(seed).items()
    ]
