"""How numbers, dates and periods are written in the books (Jinja filters).

N/A is always "—"; rates are printed as percentages with one decimal; deltas
are percentage points with a sign.
"""

from __future__ import annotations

from datetime import date

from ..results import Delta

DASH = "—"
EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")


def pct(value: float | None, digits: int = 1) -> str:
    """0.9734 -> "97.3%"; None -> "—"."""
    return DASH if value is None else f"{value * 100:.{digits}f}%"


def pp(value: float | None, digits: int = 1) -> str:
    """A difference already in percentage points: 1.25 -> "+1.3"; None -> "—"."""
    if value is None:
        return DASH
    shown = f"{value:+.{digits}f}"
    return shown.replace("-", "−") if shown.startswith("-") else shown


def num(value: int | float | None) -> str:
    """12345 -> "12,345"; None -> "—"."""
    if value is None:
        return DASH
    return f"{value:,.0f}" if isinstance(value, float) else f"{value:,}"


def signed(value: int | None) -> str:
    if value is None:
        return DASH
    return f"{value:+,}".replace("-", "−")


def score(value: float | None) -> str:
    return DASH if value is None else f"{value:.1f}"


def interval(low: float | None, high: float | None) -> str:
    """The 95 % interval in percent: "95.1–97.4"; "—" when either end is missing."""
    if low is None or high is None:
        return DASH
    return f"{low * 100:.1f}–{high * 100:.1f}"


def arrow(delta: Delta | None) -> str:
    """▲ up, ▼ down, ▶ flat (|pp| < 0.05), "" when N/A."""
    if delta is None or delta.pp is None:
        return ""
    if abs(delta.pp) < 0.05:
        return "▶"
    return "▲" if delta.pp > 0 else "▼"


def significance(delta: Delta | None) -> str:
    """"*" marks a change significant at 5 %; nothing otherwise."""
    return "*" if delta is not None and delta.significant else ""


def period_label(period: str | None, lang: str) -> str:
    """"2024-03" -> "2024年3月" / "March 2024"."""
    if not period:
        return DASH
    if ".." in period:  # a range such as the three months before
        first, last = period.split("..")
        return f"{period_label(first, lang)}–{period_label(last, lang)}"
    year, month = int(period[:4]), int(period[5:7])
    return f"{year}年{month}月" if lang == "zh-CN" else f"{EN_MONTHS[month - 1]} {year}"


def date_label(iso: str | None, lang: str) -> str:
    """"2024-04-03" -> "2024年4月3日" / "3 April 2024"."""
    if not iso:
        return DASH
    day = date.fromisoformat(iso[:10])
    if lang == "zh-CN":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {EN_MONTHS[day.month - 1]} {day.year}"


def short_period(period: str) -> str:
    """"2024-03" -> "24-03", for chart axes."""
    return period[2:]
