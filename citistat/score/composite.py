"""Composite score, ranking within a unit type, and the CityScore-style summary."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..results import RateStat
from .definitions import WeightVersion


def composite_score(
    rates: Mapping[str, RateStat], weights: WeightVersion | None, available: Iterable[str] | None = None
) -> float | None:
    """100 × Σ weight × rate, in [0, 100]; None when a rate with a non-zero weight is N/A.

    `available`: the rates the data can give at all (see effective_weights); the
    others are left out and the remaining weights renormalised to add up to 1.
    """
    used = effective_weights(weights, available)
    if not used:
        return None
    total = 0.0
    for metric, weight in used.items():
        value = rates[metric].value
        if value is None:
            return None
        total += weight * value
    return 100 * total


def effective_weights(weights: WeightVersion | None, available: Iterable[str] | None = None) -> dict[str, float]:
    """The weights in force over the rates that exist, renormalised; {} when none is left.

    A city whose exports carry no satisfaction survey (or no resolution answer)
    cannot be scored on it: scoring every unit N/A would rank nobody, so the
    composite uses the rates it has, in the proportions the configuration gives
    them. Without `available` every weighted rate is used as configured.
    """
    if weights is None:
        return {}
    configured = {m: w for m, w in weights.weights().items() if w > 0}
    if available is None:
        return configured
    kept = {m: w for m, w in configured.items() if m in set(available)}
    total = sum(kept.values())
    return {m: w / total for m, w in kept.items()} if total > 0 else {}


def rates_available(units: Iterable[Mapping[str, RateStat]]) -> set[str]:
    """The rates with at least one answer among `units` (one unit type): the others are not in the data."""
    found: set[str] = set()
    for rates in units:
        found |= {metric for metric, stat in rates.items() if stat.denominator > 0}
    return found


def small_sample(
    rates: Mapping[str, RateStat], weights: WeightVersion | None, min_n: int, available: Iterable[str] | None = None
) -> bool:
    """True when any weighted rate (of those the data has) rests on fewer than `min_n` answers."""
    # without a weights version in force nothing is scored: only the rates the unit has answers for are judged
    metrics = list(effective_weights(weights, available)) if weights else [m for m, r in rates.items() if r.denominator]
    return any(rates[m].denominator < min_n for m in metrics if m in rates)


@dataclass(frozen=True)
class Ranked:
    rank: int | None
    rank_of: int


def rank_units(entries: list[tuple[str, float | None, int]]) -> dict[str, Ranked]:
    """Rank (name, score, volume) entries: higher score first, then higher volume.

    Equal score and equal volume share a rank ("1, 2, 2, 4"). Entries without a
    score are not ranked. Small-n units are ranked like any other and marked by
    the caller, so nobody climbs the table by answering few call-backs.
    """
    scored = [(name, score, volume) for name, score, volume in entries if score is not None]
    # Scores are rounded before comparing so float noise cannot split a genuine tie.
    scored.sort(key=lambda e: (-round(e[1], 9), -e[2], e[0]))
    ranks: dict[str, Ranked] = {}
    previous_key, previous_rank = None, 0
    for position, (name, score, volume) in enumerate(scored, start=1):
        key = (round(score, 9), volume)
        rank = previous_rank if key == previous_key else position
        ranks[name] = Ranked(rank, len(scored))
        previous_key, previous_rank = key, rank
    for name in (name for name, score, _ in entries if score is None):
        ranks[name] = Ranked(None, len(scored))
    return ranks


def cityscore(rates: Mapping[str, RateStat]) -> float | None:
    """Boston's CityScore: the mean of actual / target over the metrics that have both."""
    ratios = [r.target_ratio for r in rates.values() if r.target_ratio is not None]
    return sum(ratios) / len(ratios) if ratios else None
