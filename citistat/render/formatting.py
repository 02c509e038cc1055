"""How numbers, dates and periods are written in the books (Jinja filters).

N/A is always "—"; rates are printed as percentages with one decimal; deltas
are percentage points with a sign.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from ..results import Delta

DASH = "—"
EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


MINUS = "\u2212"  # the true minus sign: a hyphen reads as a dash and sets narrower than "+"


def _fixed(value: float, digits: int, *, sign: bool) -> str:
    """The one way a number becomes text: rounded to `digits`, a true minus, never "−0.0" or "+0.0".

    A value that rounds to zero at the printed precision prints as unsigned zero: it is no change.
    """
    shown = f"{value:.{digits}f}"
    if float(shown) == 0:
        return f"{0:.{digits}f}"
    if value < 0:
        return MINUS + shown.lstrip("-")
    return f"+{shown}" if sign else shown


def pct(value: float | None, digits: int = 1) -> str:
    """A proportion as a percentage: 0.9734 -> "97.3%"; None -> "—"."""
    return DASH if value is None else _fixed(value * 100, digits, sign=False) + "%"


def pct_change(value: float | None, digits: int = 1) -> str:
    """A relative change already in percent (−6.19 -> "−6.2%", 12.5 -> "+12.5%"); None -> "—"."""
    return DASH if value is None else _fixed(value, digits, sign=True) + "%"


def pp(value: float | None, digits: int = 1) -> str:
    """A difference already in percentage points: 1.25 -> "+1.2"; −0.04 -> "0.0"; None -> "—"."""
    return DASH if value is None else _fixed(value, digits, sign=True)


def points(value: float | None, digits: int = 1) -> str:
    """An unsigned distance in percentage points (to a target, say): 2.345 -> "2.3"."""
    return DASH if value is None else _fixed(abs(value), digits, sign=False)


def num(value: int | float | None) -> str:
    """12345 -> "12,345"; None -> "—"."""
    if value is None:
        return DASH
    return f"{value:,.0f}" if isinstance(value, float) else f"{value:,}"


def signed(value: int | None) -> str:
    """A count change: −10 -> "−10", 20 -> "+20", 0 -> "0"."""
    if value is None:
        return DASH
    if value == 0:
        return "0"
    return f"{value:+,}".replace("-", MINUS)


def score(value: float | None) -> str:
    return DASH if value is None else f"{value:.1f}"


def interval(low: float | None, high: float | None) -> str:
    """The 95% interval in percent: "95.1–97.4"; "—" when either end is missing."""
    if low is None or high is None:
        return DASH
    return f"{_fixed(low * 100, 1, sign=False)}–{_fixed(high * 100, 1, sign=False)}"


def direction(delta: Delta | None, digits: int = 1) -> str:
    """ "up", "down" or "flat" as the printed change reads ("flat" when it prints as 0.0); "" when N/A.

    The arrow and the colour follow the printed number, so "0.0" is never drawn as a decline.
    """
    if delta is None or delta.pp is None:
        return ""
    shown = float(f"{delta.pp:.{digits}f}")
    return "flat" if shown == 0 else "up" if shown > 0 else "down"


def arrow(delta: Delta | None) -> str:
    """▲ up, ▼ down, ▶ flat (prints as 0.0), "" when N/A."""
    return {"up": "▲", "down": "▼", "flat": "▶"}.get(direction(delta), "")


def significance(delta: Delta | None) -> str:
    """ "*" marks a change significant at 5 %; nothing otherwise."""
    return "*" if delta is not None and delta.significant else ""


def period_label(period: str | None, lang: str) -> str:
    """ "2024-03" -> "2024年3月" / "March 2024"."""
    if not period:
        return DASH
    if ".." in period:  # a range such as the three months before
        first, last = period.split("..")
        return f"{period_label(first, lang)}–{period_label(last, lang)}"
    year, month = int(period[:4]), int(period[5:7])
    return f"{year}年{month}月" if lang == "zh-CN" else f"{EN_MONTHS[month - 1]} {year}"


def date_label(iso: str | None, lang: str) -> str:
    """ "2024-04-03" -> "2024年4月3日" / "3 April 2024"."""
    if not iso:
        return DASH
    day = date.fromisoformat(iso[:10])
    if lang == "zh-CN":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {EN_MONTHS[day.month - 1]} {day.year}"


def short_period(period: str) -> str:
    """ "2024-03" -> "24-03", for chart axes."""
    return period[2:]


# Chinese punctuation takes no space after it; a template line that joins a label and a value leaves one
# ("目标： 响应率", "内部备注：</strong> 局长…"), which the PDF prints as a gap.
_CJK_GAP = re.compile(r"([。，、；：！？）」』】])((?:</[a-z]+>)?)[ \t]+(?=[^\s<])")


def close_cjk_gaps(html: str) -> str:
    return _CJK_GAP.sub(r"\1\2", html)


def tidy_for(lang: str) -> Callable[[str], str]:
    """What the rendered HTML of a book in `lang` goes through."""
    return close_cjk_gaps if lang == "zh-CN" else _as_is


def _as_is(html: str) -> str:
    return html
