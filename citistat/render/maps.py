"""Maps as PNG files: district and street choropleths drawn on the boundaries of config/geo/.

Matplotlib's object API and polygon patches only: no tiles, no network. Every scale is
classed and colour-blind safe (viridis classes for counts and rates, ColorBrewer PuOr for
a change), and every panel's legend states its unit and n. An area with 1–4 tickets is
drawn as "fewer than 5" in every edition, without its count or rate, so no map can point
at one caller; an area with fewer than 5 answers has no rate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..areas import AreaStat
from ..geo import Boundaries
from .charts import save_png, style

SMALL_AREA = 5  # tickets (or answers) below which an area shows no figure
# viridis at five classes, light to dark: more is darker
SEQUENTIAL = ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154")
# ColorBrewer PuOr, five classes: orange is a fall, purple a rise
DIVERGING = ("#e66101", "#fdb863", "#f7f7f7", "#b2abd2", "#5e3c99")
CHANGE_EDGES = (-5.0, -1.0, 1.0, 5.0)  # percentage points between the diverging classes
NO_DATA, SUPPRESSED = "#e6e6e6", "#bdbdbd"


@dataclass(frozen=True)
class Classes:
    """A classed scale: class i holds values up to edges[i] (the last class is open above)."""

    edges: tuple[float, ...]
    colours: tuple[str, ...]
    labels: tuple[str, ...]

    def colour(self, value: float) -> str:
        for edge, colour in zip(self.edges, self.colours):
            if value <= edge:
                return colour
        return self.colours[len(self.edges)]


def count_classes(values: Sequence[float], k: int = 5, fmt: str = "{:,.0f}") -> Classes:
    """Up to k classes at the quantiles of the values, on whole numbers, never an empty class at the top."""
    values = sorted(v for v in values if v is not None and not math.isnan(v))
    if not values:
        return Classes((), SEQUENTIAL[-1:], ())
    quantiles = np.quantile(values, np.linspace(0, 1, k + 1)[1:-1])
    edges = tuple(sorted({float(math.ceil(q)) for q in quantiles if math.ceil(q) < values[-1]}))
    colours = _spread(SEQUENTIAL, len(edges) + 1)
    bounds = [values[0], *edges, values[-1]]
    labels = tuple(
        f"{fmt.format(bounds[0] if i == 0 else bounds[i] + 1)}–{fmt.format(bounds[i + 1])}"
        if fmt.format(bounds[0] if i == 0 else bounds[i] + 1) != fmt.format(bounds[i + 1])
        else fmt.format(bounds[i + 1])
        for i in range(len(edges) + 1)
    )
    return Classes(edges, colours, labels)


def rate_classes(values: Sequence[float], k: int = 5) -> Classes:
    """Rates in percent at quantile edges, rounded to whole percents (tenths when the areas lie close)."""
    values = sorted(v for v in values if v is not None and not math.isnan(v))
    if not values:
        return Classes((), SEQUENTIAL[-1:], ())
    digits = 0 if values[-1] - values[0] >= 5 else 1
    quantiles = np.quantile(values, np.linspace(0, 1, k + 1)[1:-1])
    edges = tuple(sorted({float(round(q, digits)) for q in quantiles if values[0] <= round(q, digits) < values[-1]}))
    colours = _spread(SEQUENTIAL, len(edges) + 1)
    bounds = [values[0], *edges, values[-1]]
    labels = tuple(f"{bounds[i]:.{digits}f}–{bounds[i + 1]:.{digits}f} %" for i in range(len(edges) + 1))
    return Classes(edges, colours, labels)


def change_classes() -> Classes:
    a, b, c, d = CHANGE_EDGES
    labels = (f"< {a:+.0f}", f"{a:+.0f} – {b:+.0f}", f"{b:+.0f} – {c:+.0f}", f"{c:+.0f} – {d:+.0f}", f"> {d:+.0f}")
    return Classes(CHANGE_EDGES, DIVERGING, tuple(f"{label} pp" for label in labels))


def _spread(palette: Sequence[str], n: int) -> tuple[str, ...]:
    """n colours spread over the palette, ends included (one class takes the darkest)."""
    if n <= 1:
        return (palette[-1],)
    return tuple(palette[round(i * (len(palette) - 1) / (n - 1))] for i in range(n))


# --- what each panel shows -----------------------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    title: str
    values: dict[str, float | None]  # area -> value; None = suppressed or no figure
    classes: Classes
    legend_title: str  # with its unit and n


def suppressed(n: int) -> bool:
    return 0 < n < SMALL_AREA


def ticket_panel(counts: dict[str, int], labels: dict[str, str]) -> Panel:
    shown = {name: (None if suppressed(n) else float(n)) for name, n in counts.items()}
    classes = count_classes([v for v in shown.values() if v])
    total = sum(counts.values())
    return Panel(labels["map_tickets"], shown, classes, labels["map_tickets_legend"].format(n=f"{total:,}"))


def rate_panel(stats: list[AreaStat], labels: dict[str, str]) -> Panel:
    shown = {
        s.name: (None if suppressed(s.n) or s.denominator < SMALL_AREA or s.rate is None else s.rate * 100)
        for s in stats
    }
    answers = sum(s.denominator for s in stats)
    return Panel(
        labels["map_rate"],
        shown,
        rate_classes([v for v in shown.values() if v is not None]),
        labels["map_rate_legend"].format(n=f"{answers:,}"),
    )


def change_panel(stats: list[AreaStat], labels: dict[str, str]) -> Panel:
    shown = {s.name: (None if suppressed(s.n) or s.denominator < SMALL_AREA else s.change_pp) for s in stats}
    compared = sum(1 for v in shown.values() if v is not None)
    return Panel(labels["map_change"], shown, change_classes(), labels["map_change_legend"].format(n=compared))


# --- drawing ---------------------------------------------------------------------------------------


def _area_colour(panel: Panel, name: str, counts: dict[str, int]) -> tuple[str, str | None]:
    """Fill and hatch of one area: its class, or grey for no tickets, hatched grey when suppressed."""
    n = counts.get(name, 0)
    if n == 0:
        return NO_DATA, None
    if suppressed(n):
        return SUPPRESSED, "////"
    value = panel.values.get(name)
    return (NO_DATA, None) if value is None else (panel.classes.colour(value), None)


def _draw_panel(ax, boundaries: Boundaries, panel: Panel, counts: dict[str, int], labels: dict[str, str]) -> None:
    from matplotlib.patches import Patch, PathPatch
    from matplotlib.path import Path as MplPath

    for name in sorted(boundaries.shapes):
        fill, hatch = _area_colour(panel, name, counts)
        for polygon in boundaries.shapes[name]:
            path = MplPath.make_compound_path(*(MplPath(np.asarray(ring), closed=True) for ring in polygon))
            ax.add_patch(
                PathPatch(
                    path,
                    facecolor=fill,
                    edgecolor="#ffffff" if boundaries.level == "street" else "#555555",
                    linewidth=0.3 if boundaries.level == "street" else 0.6,
                    hatch=hatch,
                )
            )
    x0, y0, x1, y1 = boundaries.extent()
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(panel.title, fontsize=7.5, pad=3)
    handles = [
        Patch(facecolor=c, edgecolor="#555555", linewidth=0.4, label=label)
        for c, label in zip(panel.classes.colours, panel.classes.labels)
    ]
    handles.append(
        Patch(facecolor=SUPPRESSED, hatch="////", edgecolor="#555555", linewidth=0.4, label=labels["map_suppressed"])
    )
    handles.append(Patch(facecolor=NO_DATA, edgecolor="#555555", linewidth=0.4, label=labels["map_no_figure"]))
    ax.legend(
        handles=handles,
        title=panel.legend_title,
        title_fontsize=6,
        fontsize=5.6,
        frameon=False,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.02),
        ncols=2,
        handlelength=1.2,
        columnspacing=0.8,
    )


def draw_map(
    boundaries: Boundaries, panels: list[Panel], counts: dict[str, int], labels: dict[str, str], path: Path, family: str
) -> Path:
    """One row of choropleth panels on the same boundaries; "synthetic" in the corner when they are."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(style(family)):
        figure = Figure(figsize=(6.6, 3.3 if len(panels) > 1 else 3.6))
        axes = figure.subplots(1, len(panels), squeeze=False)[0]
        for ax, panel in zip(axes, panels):
            _draw_panel(ax, boundaries, panel, counts, labels)
        if boundaries.synthetic:
            figure.text(
                0.995,
                0.995,
                labels["map_synthetic"],
                ha="right",
                va="top",
                fontsize=6.5,
                color="#D55E00",
                fontweight="bold",
            )
        figure.subplots_adjust(left=0.01, right=0.99, top=0.9, bottom=0.33 if len(panels) > 1 else 0.3, wspace=0.08)
        return save_png(figure, path)


def draw_hexbin(grid, outline: Boundaries | None, labels: dict[str, str], path: Path, family: str) -> Path:
    """Ticket density on hexagons over the city's outline (the district boundaries, when they are in degrees).

    Only cells of `grid.threshold` tickets or more exist in the grid: nothing smaller can be drawn.
    """
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch, PathPatch, RegularPolygon
    from matplotlib.path import Path as MplPath

    scale = math.cos(math.radians(grid.lat0))
    classes = count_classes([c.n for c in grid.cells])
    with rc_context(style(family)):
        figure = Figure(figsize=(6.6, 3.6))
        ax = figure.subplots()
        for cell in grid.cells:
            # a regular hexagon on the ground: drawn in (lon·cos lat0, lat) and squeezed back to degrees
            hexagon = RegularPolygon((cell.lon * scale, cell.lat), 6, radius=grid.radius_deg)
            vertices = hexagon.get_path().vertices
            transform = hexagon.get_patch_transform()
            corners = transform.transform(vertices)
            corners[:, 0] /= scale
            ax.add_patch(PathPatch(MplPath(corners, closed=True), facecolor=classes.colour(cell.n), edgecolor="none"))
        lons = [c.lon for c in grid.cells]
        lats = [c.lat for c in grid.cells]
        if outline is not None and _in_degrees(outline, grid):
            for polygons in outline.shapes.values():
                for polygon in polygons:
                    ring = np.asarray(polygon[0])
                    ax.plot(ring[:, 0], ring[:, 1], color="#555555", linewidth=0.5)
            x0, y0, x1, y1 = outline.extent()
            lons += [x0, x1]
            lats += [y0, y1]
        pad = grid.radius_deg * 2
        ax.set_xlim(min(lons) - pad / scale, max(lons) + pad / scale)
        ax.set_ylim(min(lats) - pad, max(lats) + pad)
        ax.set_aspect(1 / scale)
        ax.set_axis_off()
        handles = [Patch(facecolor=c, label=label) for c, label in zip(classes.colours, classes.labels)]
        shown = sum(c.n for c in grid.cells)
        ax.legend(
            handles=handles,
            title=labels["hex_legend"].format(n=f"{shown:,}", km=f"{grid.width_km:g}"),
            title_fontsize=6.5,
            fontsize=6,
            frameon=False,
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
        )
        figure.subplots_adjust(left=0.01, right=0.7, top=0.98, bottom=0.02)
        return save_png(figure, path)


def _in_degrees(outline: Boundaries, grid) -> bool:
    """Boundaries drawn under the hexagons only when they lie where the tickets are (both in degrees)."""
    x0, y0, x1, y1 = outline.extent()
    lons = [c.lon for c in grid.cells] or [0.0]
    lats = [c.lat for c in grid.cells] or [0.0]
    return x0 <= max(lons) and min(lons) <= x1 and y0 <= max(lats) and min(lats) <= y1
