"""Charts as PNG files, drawn with matplotlib's object API (Figure + Agg; never pyplot).

PNG, not SVG: WeasyPrint lays out a matplotlib SVG about twice as slowly.
Output is deterministic: no timestamps or software tag in the file, a fixed
size and dpi, and every style set here rather than taken from a user's
matplotlibrc.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Sequence
from pathlib import Path

from ..results import METRICS, SeriesPoint, UnitResult
from ..safe_io import atomic_write_bytes, atomic_write_text
from .formatting import short_period

# Okabe–Ito: distinguishable with every common colour-vision deficiency.
PALETTE = {
    "response": "#0072B2",  # blue
    "resolution": "#E69F00",  # orange
    "satisfaction": "#009E73",  # bluish green
    "volume": "#999999",  # grey
    "accent": "#D55E00",  # vermilion
}
DPI = 150
# Bump when a drawing function changes, so charts cached by an older citistat are drawn again.
DRAWING_VERSION = "1"
KEYS_DIR = ".keys"  # beside the charts: one file per chart holding the hash of what it was drawn from


def style(family: str) -> dict:
    """rcParams every chart is drawn with; the CJK family first so Chinese labels render."""
    return {
        "font.family": [family, "DejaVu Sans"],
        "font.size": 8,
        "axes.unicode_minus": False,  # CJK fonts lack U+2212 in some builds; a hyphen always renders
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#666666",
        "axes.linewidth": 0.6,
        "xtick.color": "#444444",
        "ytick.color": "#444444",
        "svg.hashsalt": "citistat",
        "path.simplify": True,
    }


def chart_key(*inputs: object) -> str:
    """A hash of everything a chart is drawn from (data, labels, font family, dpi, drawing code version).

    The inputs are frozen dataclasses, lists, dicts and strings, whose repr is stable between runs.
    """
    from matplotlib import __version__ as matplotlib_version

    text = repr((DRAWING_VERSION, DPI, matplotlib_version, inputs))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def draw_if_changed(path: Path, draw: Callable[[], Path], *inputs: object) -> Path:
    """Draw the chart unless `path` was already drawn from the same inputs (a rebuild after a notes edit
    redraws nothing). The key is written after the image, so an interrupted draw is redone."""
    key = chart_key(*inputs)
    key_file = path.parent / KEYS_DIR / f"{path.name}.sha256"
    if path.is_file() and key_file.is_file() and key_file.read_text("ascii") == key:
        return path
    drawn = draw()
    atomic_write_text(key_file, key)
    return drawn


def save_png(figure, path: Path) -> Path:
    """Write the figure as PNG with no metadata that changes between runs."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return atomic_write_bytes(path, buffer.getvalue())


def _values(points: Sequence[SeriesPoint], percent: bool = True) -> list[float]:
    """Series values for plotting; N/A becomes NaN so the line breaks instead of dropping to 0."""
    scale = 100 if percent else 1
    return [float("nan") if p.value is None else p.value * scale for p in points]


def trend_chart(unit: UnitResult, labels: dict[str, str], path: Path, family: str) -> Path:
    """13-period trend: the three rates (top) and the ticket volume (bottom)."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(style(family)):
        figure = Figure(figsize=(6.6, 3.0))
        top, bottom = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2.2, 1]})
        periods = [short_period(p.period) for p in unit.series.get("volume", [])]
        x = range(len(periods))
        for metric in METRICS:
            points = unit.series.get(metric, [])
            if points:
                top.plot(x[: len(points)], _values(points), marker="o", markersize=2.5, linewidth=1.4,
                         color=PALETTE[metric], label=labels[metric])
        top.set_ylabel("%")
        top.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=3, frameon=False, fontsize=7)
        top.grid(axis="y", linewidth=0.3, color="#cccccc")
        volume = [p.n for p in unit.series.get("volume", [])]
        bottom.bar(x[: len(volume)], volume, color=PALETTE["volume"], width=0.6)
        bottom.set_ylabel(labels["volume"])
        bottom.set_xticks(list(x), periods, fontsize=6.5)
        figure.align_ylabels()
        figure.subplots_adjust(left=0.09, right=0.99, top=0.9, bottom=0.1, hspace=0.12)
        return save_png(figure, path)


def sparklines(unit: UnitResult, path: Path, family: str) -> Path:
    """Four bare 13-period lines in a row (volume and the three rates); labels are in the HTML beside them."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(style(family)):
        figure = Figure(figsize=(6.6, 0.55))
        axes = figure.subplots(1, 4)
        for ax, name in zip(axes, ("volume", *METRICS)):
            points = unit.series.get(name, [])
            values = [float(p.n) for p in points] if name == "volume" else _values(points)
            ax.plot(range(len(values)), values, linewidth=1.2, color=PALETTE[name])
            if values:
                ax.plot([len(values) - 1], [values[-1]], marker="o", markersize=2.5, color=PALETTE["accent"])
            ax.set_axis_off()
        figure.subplots_adjust(left=0.01, right=0.99, top=0.92, bottom=0.08, wspace=0.25)
        return save_png(figure, path)


def topic_chart(topics, labels: dict[str, str], path: Path, family: str) -> Path:
    """每月一题: tickets this period against the same period last year, one pair of bars per topic."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(style(family)):
        figure = Figure(figsize=(6.6, 0.5 + 0.45 * max(1, len(topics))))
        ax = figure.subplots()
        names = [t.name for t in topics][::-1]
        now = [t.n for t in topics][::-1]
        before = [t.last_year_n or 0 for t in topics][::-1]
        y = range(len(names))
        ax.barh([i + 0.2 for i in y], before, height=0.38, color=PALETTE["volume"], label=labels["last_year"])
        ax.barh([i - 0.2 for i in y], now, height=0.38, color=PALETTE["response"], label=labels["this_period"])
        ax.set_yticks(list(y), names)
        ax.legend(loc="lower right", frameon=False, fontsize=7)
        figure.subplots_adjust(left=0.28, right=0.98, top=0.95, bottom=0.12)
        return save_png(figure, path)
