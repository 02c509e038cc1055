"""The rates, from additive counts only.

Each rate is yes / (yes + no). Unknown answers (blank, not surveyed, refused,
unreachable) are counted and shown but are in no denominator, and a zero
denominator gives None (N/A), never 0 % or 100 %.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from ..count import SATISFACTION_COLUMNS
from ..results import RateStat
from .definitions import RateDefinitions, Scoring, Target
from .stats import wilson_interval

Counts = Mapping[str, int]


@dataclass(frozen=True)
class Tally:
    """The parts of one rate before it becomes a RateStat."""

    numerator: float  # weighted when 基本满意 counts as a fraction of 满意
    denominator: int
    shortfall: int  # the "no" answers

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator > 0 else None


def _get(counts: Counts, name: str) -> int:
    return int(counts.get(name, 0) or 0)


def _prefix(definitions: RateDefinitions) -> str:
    """Count columns restricted to valid call-backs carry a "valid_" prefix."""
    return "valid_" if definitions.base == "valid_callback" else ""


def yes_no_tally(counts: Counts, yes: str, no: str, definitions: RateDefinitions) -> Tally:
    prefix = _prefix(definitions)
    yes_n, no_n = _get(counts, prefix + yes), _get(counts, prefix + no)
    return Tally(float(yes_n), yes_n + no_n, no_n)


def on_time_tally(counts: Counts) -> Tally:
    """Closed by the due date among closed tickets that had one (311 practice); open tickets are unknown."""
    on_time, overdue = _get(counts, "closed_on_time"), _get(counts, "overdue")
    return Tally(float(on_time), on_time + overdue, overdue)


def satisfaction_tally(counts: Counts, definitions: RateDefinitions) -> Tally:
    prefix = _prefix(definitions)
    numerator, satisfied, dissatisfied = 0.0, 0, 0
    for level in definitions.satisfied:
        n = _get(counts, prefix + SATISFACTION_COLUMNS[level])
        weight = definitions.basic_weight if level == "basically_satisfied" else 1.0
        numerator += weight * n
        satisfied += n
    for level in definitions.dissatisfied:
        dissatisfied += _get(counts, prefix + SATISFACTION_COLUMNS[level])
    neutral = _get(counts, prefix + SATISFACTION_COLUMNS["neutral"])
    if definitions.neutral == "not_satisfied":  # top-two-box: a neutral answer is an answer, and not a satisfied one
        dissatisfied += neutral
    elif definitions.neutral == "satisfied":
        numerator += neutral
        satisfied += neutral
    return Tally(numerator, satisfied + dissatisfied, dissatisfied)


def tally(metric: str, counts: Counts, definitions: RateDefinitions) -> Tally:
    """The tally of one metric: "response", "resolution", "satisfaction" or "on_time"."""
    if metric == "response":
        if definitions.response == "on_time":
            return on_time_tally(counts)
        return yes_no_tally(counts, "responded", "not_responded", definitions)
    if metric == "resolution":
        return yes_no_tally(counts, "resolved", "not_resolved", definitions)
    if metric == "satisfaction":
        return satisfaction_tally(counts, definitions)
    if metric == "on_time":
        return on_time_tally(counts)
    raise ValueError(f"unknown metric {metric!r}")


def rate_stat(metric: str, counts: Counts, definitions: RateDefinitions, confidence: float = 0.95) -> RateStat:
    parts = tally(metric, counts, definitions)
    low, high = wilson_interval(parts.numerator, parts.denominator, confidence)
    return RateStat(
        metric=metric,
        numerator=parts.numerator,
        denominator=parts.denominator,
        unknown=max(_get(counts, "n_tickets") - parts.denominator, 0),
        value=parts.value,
        ci_low=low,
        ci_high=high,
        shortfall=parts.shortfall,
    )


def rag(value: float | None, target: Target | None) -> str | None:
    """green at or above target, amber within the band below it, red further down; None without both."""
    if value is None or target is None:
        return None
    if value >= target.target:
        return "green"
    if value >= target.target - target.amber:
        return "amber"
    return "red"


def with_target(stat: RateStat, target: Target | None) -> RateStat:
    if target is None:
        return stat
    ratio = stat.value / target.target if stat.value is not None and target.target > 0 else None
    return replace(stat, target=target.target, rag=rag(stat.value, target), target_ratio=ratio)


RATE_KEYS: tuple[str, ...] = ("response", "resolution", "satisfaction", "on_time")


def unit_rates(counts: Counts, scoring: Scoring, unit_type: str | None) -> dict[str, RateStat]:
    """The three rates plus on-time closure, each with its target, RAG and CityScore ratio."""
    return {
        metric: with_target(
            rate_stat(metric, counts, scoring.rates, scoring.confidence), scoring.target_for(metric, unit_type)
        )
        for metric in RATE_KEYS
    }


def gap_to_full(stat: RateStat) -> float | None:
    """Percentage points missing to 100 % (the number that still moves when every rate is near 97 %)."""
    return None if stat.value is None else (1 - stat.value) * 100
