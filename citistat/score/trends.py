"""Trends: deltas against earlier periods, and the series behind the charts.

A delta is in percentage points; it is N/A with a plain reason instead of a
silent ±100 %: "new" (the unit did not exist yet), "no tickets", "no answers"
(tickets but no yes/no answers), "no history" (the period compared with is not
in the archive).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..periods import shift_period
from ..results import COMPARISONS, Delta, SeriesPoint, VolumeDelta
from .definitions import Scoring
from .history import CountBook, Counts, pooled
from .rates import tally
from .stats import two_proportion_test

SERIES_LENGTH = 13  # a year and the same month before it

NEW = "new"
NO_TICKETS = "no tickets"
NO_ANSWERS = "no answers"
NO_HISTORY = "no history"


def comparison_periods(period: str, against: str) -> list[str]:
    if against == "previous":
        return [shift_period(period, -1)]
    if against == "last_year":
        return [shift_period(period, -12)]
    if against == "mean3":
        return [shift_period(period, -k) for k in (3, 2, 1)]
    raise ValueError(f"unknown comparison {against!r}; use one of {', '.join(COMPARISONS)}")


def comparison_label(periods: list[str]) -> str:
    return periods[0] if len(periods) == 1 else f"{periods[0]}..{periods[-1]}"


@dataclass(frozen=True)
class Base:
    """What a unit is compared with: pooled counts over the base periods, or why there are none."""

    against: str
    label: str
    counts: Counts | None
    n_periods: int
    reason: str | None  # set when the base has no tickets or is unknown


def comparison_base(book: CountBook, agency: str | None, period: str, against: str) -> Base:
    periods = comparison_periods(period, against)
    label = comparison_label(periods)
    if not all(book.is_known(p) for p in periods):
        return Base(against, label, None, len(periods), NO_HISTORY)
    counts = pooled([book.counts(agency, p) for p in periods])
    reason = None
    if counts["n_tickets"] == 0:
        first = book.first_period(agency)
        reason = NEW if first is None or first > periods[-1] else NO_TICKETS
    return Base(against, label, counts, len(periods), reason)


def rate_delta(metric: str, current: Counts, base: Base, scoring: Scoring) -> Delta:
    now = tally(metric, current, scoring.rates)
    then = tally(metric, base.counts, scoring.rates) if base.counts is not None else None
    reason = None
    if current.get("n_tickets", 0) == 0:
        reason = NO_TICKETS
    elif now.denominator == 0:
        reason = NO_ANSWERS
    elif base.reason is not None:
        reason = base.reason
    elif then is None or then.denominator == 0:
        reason = NO_ANSWERS
    base_value = then.value if then is not None else None
    if reason is not None:
        return Delta(base.against, base.label, base_value, None, None, None, reason)
    # No reason: both sides have tickets and answers, so both rates and the test exist.
    assert then is not None and now.value is not None and then.value is not None
    test = two_proportion_test(now.numerator, now.denominator, then.numerator, then.denominator, scoring.alpha)
    assert test is not None
    pp = (now.value - then.value) * 100
    return Delta(base.against, base.label, then.value, pp, test.significant, test.p_value)


def volume_delta(current: Counts, base: Base) -> VolumeDelta:
    """Change in tickets; against mean3 the base is the mean of the three periods."""
    if base.counts is None:
        return VolumeDelta(base.against, base.label, None, None, None, base.reason)
    mean = base.counts["n_tickets"] / base.n_periods
    base_count = round(mean)
    change = current.get("n_tickets", 0) - base_count
    if mean == 0:
        return VolumeDelta(base.against, base.label, 0, change, None, base.reason or NO_TICKETS)
    change_pct = (current.get("n_tickets", 0) - mean) / mean * 100
    return VolumeDelta(base.against, base.label, base_count, change, change_pct)


def unit_deltas(
    book: CountBook, agency: str | None, period: str, current: Counts, scoring: Scoring, metrics: tuple[str, ...]
) -> tuple[dict[str, dict[str, Delta]], dict[str, VolumeDelta]]:
    bases = [comparison_base(book, agency, period, against) for against in COMPARISONS]
    deltas = {metric: {b.against: rate_delta(metric, current, b, scoring) for b in bases} for metric in metrics}
    volume = {b.against: volume_delta(current, b) for b in bases}
    return deltas, volume


def series_periods(book: CountBook, period: str, length: int = SERIES_LENGTH) -> list[str]:
    """The last `length` periods ending with `period`, starting no earlier than the first known one."""
    periods = [shift_period(period, -k) for k in range(length - 1, -1, -1)]
    first = book.known[0] if book.known else period
    return [p for p in periods if p >= min(first, period)]


def unit_series(
    book: CountBook, agency: str | None, period: str, scoring: Scoring, metrics: tuple[str, ...]
) -> dict[str, list[SeriesPoint]]:
    """metric (and "volume") -> one point per period; a period the archive lacks is N/A with n = 0."""
    periods = series_periods(book, period)
    series: dict[str, list[SeriesPoint]] = {metric: [] for metric in (*metrics, "volume")}
    for p in periods:
        known = book.is_known(p)
        counts = book.counts(agency, p)
        for metric in metrics:
            parts = tally(metric, counts, scoring.rates)
            series[metric].append(SeriesPoint(p, parts.value if known else None, parts.denominator))
        n = counts["n_tickets"]
        series["volume"].append(SeriesPoint(p, float(n) if known else None, n))
    return series
