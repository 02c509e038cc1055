"""The period result: everything the books show, computed once by the score stage.

Render receives one PeriodResult and recomputes nothing. Every field is a
plain value (None means N/A and is shown as "—"). `to_dict()` gives the JSON
form printed by `citistat metrics --json` and stored in the archive.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .areas import Areas
from .foresight import Foresight
from .story import Story

METRICS: tuple[str, ...] = ("response", "resolution", "satisfaction")
COMPARISONS: tuple[str, ...] = ("previous", "last_year", "mean3")


@dataclass(frozen=True)
class RateStat:
    metric: str  # "response" | "resolution" | "satisfaction" (| "on_time" for 311)
    numerator: float  # weighted when 基本满意 counts as a fraction of 满意
    denominator: int  # answered yes + answered no; unknown answers are in no denominator
    unknown: int  # blank, unrecognised, not surveyed, refused, unreachable
    value: float | None  # numerator / denominator in [0, 1]; None when the denominator is 0
    ci_low: float | None  # 95 % Wilson interval
    ci_high: float | None
    shortfall: int  # the "no" count: not responded / not resolved / dissatisfied
    target: float | None = None
    rag: str | None = None  # "green" | "amber" | "red" | None
    target_ratio: float | None = None  # CityScore-style actual / target


@dataclass(frozen=True)
class Delta:
    against: str  # "previous" | "last_year" | "mean3"
    base_period: str | None  # the period (or "2024-01..2024-03" for mean3) compared with
    base_value: float | None
    pp: float | None  # percentage points; None = N/A
    significant: bool | None  # two-proportion test at 5 %; None when not testable
    p_value: float | None
    reason: str | None = None  # why N/A: "new", "no tickets", "no answers", "no history"


@dataclass(frozen=True)
class VolumeDelta:
    against: str
    base_period: str | None
    base_count: int | None
    change: int | None
    change_pct: float | None  # None when the base is 0 or missing
    reason: str | None = None


@dataclass(frozen=True)
class SeriesPoint:
    period: str
    value: float | None
    n: int


@dataclass(frozen=True)
class Flag:
    """A question for the panel (integrity, repeat complaints…), never an accusation."""

    code: str  # "quick_close", "sat_up_resolution_down", "basic_share_jump", "perfect_streak", ...
    severity: str  # "info" | "watch" | "concern"
    message: str  # plain language, in the run's language
    value: float | None = None
    evidence: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CategoryRow:
    category: str
    n: int
    share: float
    previous_n: int | None
    change: int | None


@dataclass(frozen=True)
class PlaceRow:
    place: str  # "district / street / community", never an individual's address
    n: int
    repeat_periods: int  # how many of the recent periods it appeared in


@dataclass(frozen=True)
class WatchItem:
    """A repeat caller on the watch list: no personal data, only a short pseudonym."""

    caller_ref: str  # e.g. "R-3f9a": a truncated hash, not the caller_key
    tickets: int
    after_solved: int  # tickets after one marked solved
    dissatisfied: int
    categories: list[str]
    first_seen: str
    last_seen: str


@dataclass(frozen=True)
class UnitResult:
    agency: str
    unit_type: str | None
    n_tickets: int
    counts: dict[str, int]  # the additive counts of this unit and period
    rates: dict[str, RateStat]  # metric -> rate
    deltas: dict[str, dict[str, Delta]]  # metric -> comparison -> delta
    volume: dict[str, VolumeDelta]  # comparison -> volume delta
    score: float | None  # composite score in [0, 100]; None when a weighted rate is N/A
    rank: int | None  # rank within unit_type (1 = best)
    rank_of: int  # units ranked in that unit type
    small_n: bool  # below the minimum n: rank shown but marked
    series: dict[str, list[SeriesPoint]]  # metric (and "volume") -> last 13 periods
    status: str = "active"  # "active" | "new" | "no tickets" | "renamed"
    categories: list[CategoryRow] = field(default_factory=list)
    places: list[PlaceRow] = field(default_factory=list)
    watchlist: list[WatchItem] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    weights_version: str | None = None  # the composite weights version used for this unit's score
    pooled: str | None = None  # "2024-01..2024-03": a small unit scored and ranked on these months pooled


@dataclass(frozen=True)
class TopicResult:
    """每月一题: a configured topic, this period against the same period last year."""

    name: str
    n: int
    last_year_n: int | None
    change_pct: float | None
    by_agency: list[tuple[str, int, int | None]]  # (agency, n, last_year_n)


@dataclass(frozen=True)
class PeriodResult:
    period: str  # "YYYY-MM"
    previous_period: str | None
    last_year_period: str | None
    city: UnitResult  # the whole city as one unit (agency = "全市" / "Citywide")
    units: list[UnitResult]  # every unit of the roster and every unit with tickets
    unit_types: list[str]  # ranking groups, in display order
    hot_topics: list[CategoryRow]
    rising_topics: list[CategoryRow]
    topics: list[TopicResult]
    flags: list[Flag]  # city-level questions
    definitions: dict  # the effective rate definitions, weights (with version) and targets
    weights_version: str
    min_n: int
    foresight: Foresight = field(default_factory=Foresight)  # early warning and hot spots
    areas: Areas = field(default_factory=Areas)  # the maps' figures per district and street
    story: Story = field(default_factory=Story)  # rank histories, districts, timeliness, topics' own figures

    def unit(self, agency: str) -> UnitResult:
        for unit in self.units:
            if unit.agency == agency:
                return unit
        raise KeyError(agency)

    def ranking(self, unit_type: str | None) -> list[UnitResult]:
        """Units of one type (None: the units without one) in rank order; unranked ones (no score) last, by name."""
        group = [u for u in self.units if u.unit_type == unit_type]
        return sorted(group, key=lambda u: (u.rank is None, u.rank or 0, u.agency))

    def to_dict(self) -> dict:
        return asdict(self)
