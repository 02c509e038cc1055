"""Small units pooled over their last months ([ranking] small_units = "pooled").

A unit with fewer answers than min_n this month is scored on its own counts of the
last POOLED_MONTHS months added together (the months the archive knows), and
ranked on that score with a mark that says so — never tied at rank 3 on 13
tickets. A unit still short of min_n after pooling stays unranked, listed apart.
Its month's own rates stay what they are: only the score and rank are pooled.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ..results import RateStat, UnitResult
from .composite import composite_score, small_sample
from .history import pooled
from .rates import unit_rates
from .trends import series_periods

if TYPE_CHECKING:
    from .build import Context

POOLED_MONTHS = 3


def pooled_periods(ctx: Context) -> list[str]:
    """The months pooled: this one and the ones just before it that the archive knows, oldest first."""
    return [p for p in series_periods(ctx.book, ctx.period, POOLED_MONTHS) if ctx.book.is_known(p)]


def pool_small_units(
    ctx: Context, units: list[UnitResult], available: dict
) -> tuple[list[UnitResult], dict[str, dict[str, RateStat]], list[str]]:
    """(units with pooled scores, agency -> its pooled rates, the months pooled)."""
    periods = pooled_periods(ctx)
    label = f"{periods[0]}..{periods[-1]}" if periods else None
    rates_of: dict[str, dict[str, RateStat]] = {}
    out = []
    for unit in units:
        if not unit.small_n or unit.n_tickets == 0 or len(periods) < 2:
            out.append(unit)
            continue
        counts = pooled([ctx.book.counts(unit.agency, p) for p in periods])
        rates = unit_rates(counts, ctx.scoring, unit.unit_type)
        weights = ctx.scoring.weights_for(ctx.period, unit.unit_type)
        rates_of[unit.agency] = rates
        kinds = available.get(unit.unit_type)
        if small_sample(rates, weights, ctx.scoring.min_n, kinds):
            out.append(unit)  # still too few answers over the months: unranked, listed apart
            continue
        out.append(replace(unit, score=composite_score(rates, weights, kinds), pooled=label))
    return out, rates_of, periods
