"""The chair's findings (要点): what a session's chair should know in two minutes, picked from the numbers.

Pure: reads a PeriodResult, computes nothing new. Every finding names a figure the
book prints elsewhere (a rate, a rank, a delta with its p-value), and a change is
only told when the score stage found it significant — a unit that moved five
points on forty tickets is not news. Units below the minimum n stand outside the
story: they are counted, never ranked or named as movers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..results import METRICS, Delta, PeriodResult, RateStat, TopicResult, UnitResult

BOTTOM = 3  # units named at the bottom of each unit type
MOVERS = 3  # improvers (and decliners) named per unit type


@dataclass(frozen=True)
class CityRate:
    """A citywide rate against its target and the previous period."""

    metric: str
    rate: RateStat
    previous: Delta | None

    @property
    def below_target(self) -> bool:
        return self.rate.target is not None and self.rate.value is not None and self.rate.value < self.rate.target


@dataclass(frozen=True)
class Change:
    """A unit's significant change of one rate against the previous period."""

    agency: str
    metric: str
    delta: Delta
    rate: RateStat

    @property
    def pp(self) -> float:
        """The change in percentage points (a significant change always has one)."""
        return self.delta.pp or 0.0


@dataclass(frozen=True)
class GroupFindings:
    """One unit type (None: a city without unit types, every unit together)."""

    unit_type: str | None
    units: int  # units with enough tickets to be ranked or compared
    below_target: list[str]  # of those, units with at least one rate below its target
    bottom: list[UnitResult]  # the lowest ranked, worst first
    improvers: list[Change]  # largest significant rise first, a unit once
    decliners: list[Change]  # largest significant fall first, a unit once
    small: list[str]  # below the minimum n: neither ranked nor told as movers
    # against the same month last year (a year's improvement is slow and real: 市水务局 +18.9 points), units
    # not already told above
    year_improvers: list[Change] = field(default_factory=list)
    year_decliners: list[Change] = field(default_factory=list)


@dataclass(frozen=True)
class ChairFindings:
    city: list[CityRate]
    groups: list[GroupFindings]
    topic: TopicResult | None
    min_n: int
    previous_period: str | None = None
    has_targets: bool = True  # False: no rate has a target, so "below target" means nothing


def chair_findings(result: PeriodResult) -> ChairFindings:
    city = [
        CityRate(m, result.city.rates[m], result.city.deltas.get(m, {}).get("previous"))
        for m in METRICS
        if _has_value(result.city.rates.get(m))
    ]
    unit_types: list[str | None] = [*result.unit_types] or [None]
    groups = [_group(unit_type, _members(result, unit_type)) for unit_type in unit_types]
    has_targets = any(r.target is not None for u in result.units for r in u.rates.values())
    return ChairFindings(
        city,
        [g for g in groups if g.units or g.small],
        result.topics[0] if result.topics else None,
        result.min_n,
        result.previous_period,
        has_targets,
    )


def _members(result: PeriodResult, unit_type: str | None) -> list[UnitResult]:
    return [u for u in result.units if u.unit_type == unit_type and u.n_tickets > 0]


def _group(unit_type: str | None, members: list[UnitResult]) -> GroupFindings:
    small = sorted(u.agency for u in members if u.small_n)
    counted = [u for u in members if not u.small_n]
    ranked = sorted((u for u in counted if u.rank is not None), key=lambda u: u.rank or 0, reverse=True)
    rises, falls = _movers(counted, "previous")
    told = {c.agency for c in rises[:MOVERS] + falls[:MOVERS]}
    year_rises, year_falls = _movers([u for u in counted if u.agency not in told], "last_year")
    return GroupFindings(
        unit_type=unit_type,
        units=len(counted),
        below_target=sorted(u.agency for u in counted if any(_below(u.rates.get(m)) for m in METRICS)),
        # the bottom of a short list is half of it: in a type of two, only the last one is "at the bottom"
        bottom=ranked[: min(BOTTOM, len(ranked) // 2)],
        improvers=rises[:MOVERS],
        decliners=falls[:MOVERS],
        small=small,
        year_improvers=year_rises[:MOVERS],
        year_decliners=year_falls[:MOVERS],
    )


def _movers(units: list[UnitResult], against: str) -> tuple[list[Change], list[Change]]:
    """(rises largest first, falls largest first): each unit's largest significant change, once per direction."""
    changes = [c for c in (significant_change(u, rising, against) for u in units for rising in (True, False)) if c]
    rises = sorted((c for c in changes if c.pp > 0), key=lambda c: (-c.pp, c.agency))
    falls = sorted((c for c in changes if c.pp < 0), key=lambda c: (c.pp, c.agency))
    return rises, falls


def significant_change(unit: UnitResult, rising: bool, against: str = "previous") -> Change | None:
    """The unit's largest significant rise (or fall) of a rate against the previous period (or `against`: the
    same month last year); None without one."""
    found = []
    for metric in METRICS:
        delta = unit.deltas.get(metric, {}).get(against)
        if delta is None or delta.significant is not True or delta.pp is None or (delta.pp > 0) != rising:
            continue
        found.append(Change(unit.agency, metric, delta, unit.rates[metric]))
    return max(found, key=lambda c: abs(c.pp), default=None)


def _has_value(rate: RateStat | None) -> bool:
    return rate is not None and rate.value is not None


def _below(rate: RateStat | None) -> bool:
    return rate is not None and rate.value is not None and rate.target is not None and rate.value < rate.target
