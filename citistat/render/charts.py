"""Charts as PNG files, drawn with matplotlib's object API (Figure + Agg; never pyplot).

PNG, not SVG: WeasyPrint lays out a matplotlib SVG about twice as slowly.
Output is deterministic: no timestamps or software tag in the file, a fixed
size and dpi, and every style set here rather than taken from a user's
matplotlibrc.
"""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from ..results import METRICS, RateStat, SeriesPoint, UnitResult
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
DRAWING_VERSION = "2"
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


def rate_axis(values: Sequence[float | None], floor_step: float = 5.0) -> tuple[float, float]:
    """The y range, in percent, shared by every rate chart of a unit: from a multiple of 5 at or below the
    lowest value (or target) to 100. One range for the three rates, so 95–100 % does not look volatile."""
    seen = [v * 100 for v in values if v is not None and not math.isnan(v)]
    if not seen:
        return 0.0, 100.0
    low = max(0.0, math.floor((min(seen) - 1) / floor_step) * floor_step)
    return low, 100.0


class Trend(Protocol):
    """What a trend chart is drawn from: a unit's (or the city's, or a year's) series and rates."""

    @property
    def series(self) -> Mapping[str, Sequence[SeriesPoint]]: ...

    @property
    def rates(self) -> Mapping[str, RateStat]: ...


def _rates_and_targets(unit: Trend) -> tuple[list[float | None], dict[str, float]]:
    values = [p.value for m in METRICS for p in unit.series.get(m, [])]
    targets = {m: r.target for m, r in unit.rates.items() if m in METRICS and r.target is not None}
    return values + list(targets.values()), targets


def has_data(points: Sequence[SeriesPoint]) -> bool:
    return any(p.value is not None for p in points)


def trend_chart(unit: Trend, labels: dict[str, str], path: Path, family: str) -> Path:
    """13-period trend: the three rates with their targets (top, one stated range) and the ticket volume (bottom).

    A rate with no data in any period is left out, legend included.
    """
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(style(family)):
        figure = Figure(figsize=(6.6, 3.1))
        top, bottom = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2.2, 1]})
        periods = [short_period(p.period) for p in unit.series.get("volume", [])]
        x = range(len(periods))
        values, targets = _rates_and_targets(unit)
        for metric in METRICS:
            points = unit.series.get(metric, [])
            if not has_data(points):
                continue
            top.plot(
                x[: len(points)],
                _values(points),
                marker="o",
                markersize=2.5,
                linewidth=1.4,
                color=PALETTE[metric],
                label=labels[metric],
            )
            if metric in targets:
                top.axhline(
                    targets[metric] * 100, color=PALETTE[metric], linewidth=0.8, linestyle=(0, (4, 3)), alpha=0.8
                )
        top.set_ylim(*rate_axis(values))
        top.set_ylabel(labels.get("percent_axis", "%"))
        if top.get_legend_handles_labels()[0]:
            top.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=4, frameon=False, fontsize=7)
        top.grid(axis="y", linewidth=0.3, color="#cccccc")
        volume = [p.n for p in unit.series.get("volume", [])]
        bottom.bar(x[: len(volume)], volume, color=PALETTE["volume"], width=0.6)
        bottom.set_ylabel(labels["volume"])
        bottom.set_xticks(list(x), periods, fontsize=6.5)
        figure.align_ylabels()
        figure.subplots_adjust(left=0.1, right=0.99, top=0.9, bottom=0.1, hspace=0.12)
        return save_png(figure, path)


def sparklines(unit: UnitResult, path: Path, family: str) -> Path:
    """Four small 13-period lines in a row (volume and the three rates).

    The three rates share one y range (printed at the left of each), each with its target dashed;
    the volume line states its lowest and highest count; a rate with no value in any period is a dash.
    Titles are in the HTML above them.
    """
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(style(family)):
        figure = Figure(figsize=(6.6, 0.62))
        axes = figure.subplots(1, 4)
        values, targets = _rates_and_targets(unit)
        low, high = rate_axis(values)
        for ax, name in zip(axes, ("volume", *METRICS)):
            points = unit.series.get(name, [])
            if name != "volume" and not has_data(points):  # a rate the exports do not carry: no empty frame
                ax.axis("off")
                ax.text(0.5, 0.5, "—", ha="center", va="center", transform=ax.transAxes, color="#666666")
                continue
            series = [float(p.n) for p in points] if name == "volume" else _values(points)
            ax.plot(range(len(series)), series, linewidth=1.2, color=PALETTE[name])
            if series and not math.isnan(series[-1]):
                ax.plot([len(series) - 1], [series[-1]], marker="o", markersize=2.5, color=PALETTE["accent"])
            for spine in ("top", "right", "bottom"):
                ax.spines[spine].set_visible(False)
            ax.set_xticks([])
            ax.tick_params(axis="y", labelsize=5.5, length=2, pad=1)
            if name == "volume":
                finite = [v for v in series if not math.isnan(v)] or [0.0]
                bottom_n, top_n = min(finite), max(finite)
                ax.set_ylim(bottom_n * 0.9 if bottom_n != top_n else 0, top_n * 1.05 or 1)
                ax.set_yticks(
                    [bottom_n, top_n] if bottom_n != top_n else [top_n],
                    [f"{bottom_n:,.0f}", f"{top_n:,.0f}"] if bottom_n != top_n else [f"{top_n:,.0f}"],
                )
            else:
                ax.set_ylim(low, high)
                ax.set_yticks([low, high], [f"{low:.0f}%", f"{high:.0f}%"])
                if name in targets:
                    ax.axhline(targets[name] * 100, color="#666666", linewidth=0.6, linestyle=(0, (3, 2)))
        figure.subplots_adjust(left=0.06, right=0.99, top=0.92, bottom=0.08, wspace=0.32)
        return save_png(figure, path)


def topic_chart(topics, labels: dict[str, str], path: Path, family: str) -> Path:
    """每月一题: tickets this period against the same period last year, one pair of bars per topic.

    The legend sits above the plot (never over a bar) and the x axis names its unit.
    """
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(style(family)):
        height = 0.9 + 0.45 * max(1, len(topics))
        figure = Figure(figsize=(6.6, height))
        ax = figure.subplots()
        names = [t.name for t in topics][::-1]
        now = [t.n for t in topics][::-1]
        before = [t.last_year_n or 0 for t in topics][::-1]
        y = range(len(names))
        ax.barh([i + 0.2 for i in y], before, height=0.38, color=PALETTE["volume"], label=labels["last_year"])
        ax.barh([i - 0.2 for i in y], now, height=0.38, color=PALETTE["response"], label=labels["this_period"])
        ax.set_yticks(list(y), names)
        ax.set_xlabel(labels.get("tickets_axis", ""), fontsize=7)
        ax.tick_params(axis="x", labelsize=6.5)
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2, frameon=False, fontsize=7)
        # margins in inches, so one topic or ten keep room for the legend above and the ticks below
        figure.subplots_adjust(left=0.28, right=0.97, top=1 - 0.3 / height, bottom=0.45 / height)
        return save_png(figure, path)
