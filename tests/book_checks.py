"""Checks a reader would make of a laid-out book, as functions the tests (and `make book-checks`) call.

- boxes past the content area, from WeasyPrint's layout tree (a table running into the margin);
- pages with fewer than three lines that do not end a part (an orphaned row or bullet);
- words of the other language outside data values (CJK in an English book, English in a Chinese one);
- percentages on the pages that no figure of the results formats to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from citistat.render import formatting
from citistat.render.context import unit_axis
from citistat.results import METRICS, PeriodResult

TOLERANCE_PX = 1.0  # WeasyPrint works in CSS px (1/96 in); a pixel of rounding is not an overflow
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
PERCENT = re.compile(r"(?<![\d.])([−-]?\d+(?:\.\d+)?)%")
# Words a Chinese book may print: proper nouns, units, formats and the program's own name.
ZH_ALLOWED = {
    "n",
    "p",
    "pp",
    "Wilson",
    "SHA",
    "citistat",
    "python",
    "pandas",
    "pyarrow",
    "fastexcel",
    "openpyxl",
    "matplotlib",
    "weasyprint",
    "jinja2",
    "jinja",
    "xlsx",
    "csv",
    "xls",
    "json",
    "PDF",
    "CSV",
    "Excel",
    "Benjamini",
    "Hochberg",
    "Beta",
    "q",
}  # the hot spots' test (beta-binomial, FDR control, q value)


# ---------------------------------------------------------------------------- layout


def _boxes(page_box):
    """Every box of a page's content (the running header and footer are left out)."""
    from weasyprint.formatting_structure.boxes import MarginBox

    for child in page_box.children:
        if isinstance(child, MarginBox):
            continue
        yield from (box for box in child.descendants() if hasattr(box, "position_x"))


def _describe(box) -> str:
    element = getattr(box, "element", None)
    tag = getattr(element, "tag", "?")
    text = getattr(box, "text", None) or "".join(getattr(element, "itertext", lambda: [])())[:40]
    return f"<{tag}> {text!r}"


def boxes_past_content_area(document) -> list[str]:
    """'page N: <tag> text … by X mm' for each box whose border box ends right of the content area."""
    found = []
    for number, page in enumerate(document.pages, start=1):
        page_box = page._page_box
        right = page_box.content_box_x() + page_box.width
        for box in _boxes(page_box):
            if box.width is None or isinstance(box.width, str):
                continue
            end = box.border_box_x() + box.border_width()
            if end > right + TOLERANCE_PX:
                found.append(f"page {number}: {_describe(box)} by {(end - right) * 25.4 / 96:.1f} mm")
    return found


def _line_count(page_box) -> int:
    from weasyprint.formatting_structure.boxes import LineBox

    return sum(
        1
        for box in _boxes(page_box)
        if isinstance(box, LineBox) and any(getattr(b, "text", "").strip() for b in box.descendants())
    )


def _starts_a_part(page_box) -> bool:
    """The page opens with a part: a chapter heading (h1), an agency's section or a brief."""
    for box in _boxes(page_box):
        element = getattr(box, "element", None)
        if element is None or element.tag in ("html", "body"):
            continue
        classes = (element.get("class") or "").split()
        if element.tag == "h1" or "agency" in classes or "brief" in classes or "cover" in classes:
            return True
        if getattr(box, "text", "").strip():
            return False
    return False


def near_empty_pages(document, minimum: int = 3) -> list[str]:
    """Pages with fewer than `minimum` lines of content that do not end a part (the next page starts one)."""
    pages = [page._page_box for page in document.pages]
    found = []
    for index, page_box in enumerate(pages):
        lines = _line_count(page_box)
        ends_part = index == len(pages) - 1 or _starts_a_part(pages[index + 1])
        if lines < minimum and not ends_part:
            found.append(f"page {index + 1}: {lines} line(s)")
    return found


# ---------------------------------------------------------------------------- language


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def without_values(text: str, values: Iterable[str]) -> str:
    """The text with every data value taken out (compared without white space, so a wrapped name still goes)."""
    squeezed = _squeezed(text)
    for value in sorted({_squeezed(v) for v in values if v and _squeezed(v)}, key=len, reverse=True):
        squeezed = squeezed.replace(value, " ")
    return squeezed


def cjk_outside_values(text: str, values: Iterable[str]) -> list[str]:
    """Runs of CJK characters an English book prints that are not data values."""
    rest = without_values(text, values)
    return sorted({m.group(0) for m in re.finditer(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]+", rest)})


def english_outside_values(text: str, values: Iterable[str], allowed: Iterable[str] = ()) -> list[str]:
    """English words a Chinese book prints that are neither data values nor allowed names and units.

    Reason codes (snake_case identifiers) and hex digests are codes, not words.
    """
    allow = ZH_ALLOWED | set(allowed)
    text = re.sub(r"\b[0-9a-f]{16,}\b", " ", text)  # digests
    text = re.sub(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b", " ", text)  # reason codes
    rest = without_values(text, values)
    words = set()
    for token in re.split(r"[^A-Za-z']+", rest):
        if token and token not in allow and token.lower() not in {a.lower() for a in allow}:
            words.add(token)
    return sorted(words)


# ---------------------------------------------------------------------------- numbers


def printed_percentages(text: str) -> list[str]:
    return [m.group(1).replace("-", "−") + "%" for m in PERCENT.finditer(text)]


def percentages_of(result: PeriodResult, extra: Iterable[float] = ()) -> set[str]:
    """Every percentage the books may print for these results, formatted as the books format it."""
    shown: set[str] = set()

    def add(value, digits=(1,)):
        for d in digits:
            shown.add(formatting.pct(value, d))

    for unit in [result.city, *result.units]:
        for metric in METRICS:
            rate = unit.rates.get(metric)
            if rate is None:
                continue
            add(rate.value)
            add(rate.target, (0, 1))
            if rate.denominator + rate.unknown:
                add(rate.unknown / (rate.denominator + rate.unknown))
        for row in unit.categories:
            add(row.share)
        shown.update(f"{end:.0f}%" for end in unit_axis(unit))  # the charts' stated axis range
        for point_list in unit.series.values():
            for point in point_list:
                add(point.value)
    for row in result.hot_topics + result.rising_topics:
        add(row.share)
    for topic in result.topics:
        shown.add(formatting.pct_change(topic.change_pct))
    for value in extra:
        add(value, (0, 1))
    return shown


def unexplained_percentages(
    text: str, result: PeriodResult, extra: Iterable[float] = (), prose: Iterable[str] = ()
) -> list[str]:
    """Percentages on the pages that no figure of the results formats to (e.g. −619.0% for −6.2%)."""
    allowed = percentages_of(result, extra) | set(prose)
    return sorted({p for p in printed_percentages(text) if p not in allowed})
