"""Ticket density on a hexagonal grid, for exports with coordinates (NYC, LA 311).

Only counts per cell leave this module, and a cell with fewer than `threshold` tickets
is dropped here, before any edition sees it: no map can point at one caller. The grid is
regular on the ground near the city: longitudes are scaled by cos(latitude) first.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..areas import HexCell, HexGrid

THRESHOLD = 5
CELLS_ACROSS = 30
KM_PER_DEGREE = 111.32


def hex_grid(
    tickets: pd.DataFrame, period: str, *, threshold: int = THRESHOLD, cells_across: int = CELLS_ACROSS
) -> HexGrid | None:
    if "latitude" not in tickets.columns or "longitude" not in tickets.columns:
        return None
    rows = tickets.loc[(tickets["period"] == period).fillna(False).to_numpy(), ["longitude", "latitude"]]
    rows = rows.dropna()
    if rows.empty:
        return None
    lon, lat = rows["longitude"].to_numpy(float), rows["latitude"].to_numpy(float)
    lat0 = float(np.median(lat))
    scale = math.cos(math.radians(lat0))
    x, y = lon * scale, lat  # degrees of latitude in both directions, near lat0
    width = max(float(x.max() - x.min()), float(y.max() - y.min()), 1e-6) / cells_across
    height = width * math.sqrt(3)  # two offset rectangular lattices make a regular hexagonal one
    i1, j1 = np.round(x / width), np.round(y / height)
    i2, j2 = np.floor(x / width), np.floor(y / height)
    d1 = (x - i1 * width) ** 2 + (y - j1 * height) ** 2
    d2 = (x - (i2 + 0.5) * width) ** 2 + (y - (j2 + 0.5) * height) ** 2
    second = d2 < d1
    cx = np.where(second, (i2 + 0.5) * width, i1 * width)
    cy = np.where(second, (j2 + 0.5) * height, j1 * height)
    counts = pd.DataFrame({"cx": np.round(cx, 9), "cy": np.round(cy, 9)}).value_counts()
    tallies = counts.reset_index()  # columns cx, cy, count
    centres = zip(tallies["cx"].tolist(), tallies["cy"].tolist(), tallies["count"].tolist())
    cells = [
        HexCell(round(float(cx_) / scale, 6), round(float(cy_), 6), int(n))
        for cx_, cy_, n in sorted(centres)
        if n >= threshold
    ]
    return HexGrid(
        cells=cells,
        width_km=round(width * KM_PER_DEGREE, 2),
        radius_deg=width / math.sqrt(3),
        lat0=lat0,
        located=len(rows),
        suppressed=int(counts[counts < threshold].sum()),
        threshold=threshold,
    )
