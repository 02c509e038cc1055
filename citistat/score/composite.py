"""Composite score, ranking within a unit type, and the CityScore-style summary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..results import RateStat
from .definitions import WeightVersion


def composite_score(rates: Mapping[str, RateStat], weights: WeightVersion | None) -> float | None:
    """100 × Σ weight × rate, in [0, 100]; None when a rate with a non-zero weight is N/A."""
    if weights is None:
        return None
    total = 0.0
    for metric, weight in weights.weights().items():
        if weight == 0:
            continue
        value = rates[metric].value
        if value is None:
            return None
        total += weight * value
    return 100 * total


def small_sample(rates: Mapping[str, RateStat], weights: WeightVersion | None, min_n: int) -> bool:
    """True when any weighted rate rests on fewer than `min_n` answers."""
    metrics = [m for m, w in weights.weights().items() if w > 0] if weights else list(rates)
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
    for name, score, _ in entries:
        if score is None:
            ranks[name] = Ranked(None, len(scored))
    return ranks


def cityscore(rates: Mapping[str, RateStat]) -> float | None:
    """Boston's CityScore: the mean of actual / target over the metrics that have both."""
    ratios = [r.target_ratio for r in rates.values() if r.target_ratio is not None]
    return sum(ratios) / len(ratios) if ratios else None
