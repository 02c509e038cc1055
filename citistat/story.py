"""The session's story beyond one month's table: `PeriodResult.story`.

Plain values computed by the score stage (citistat/score/story.py) and shown by
render (citistat/render/story_context.py): each unit's rank history and how long
it has stayed below target or at the bottom (连续排名靠后), how sure its rank is,
its second-level categories and call-back coverage; the district roll-up;
timeliness where the data has due dates; and each 每月一题 topic's own figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # results.py holds a Story: the import would be circular
    from .results import RateStat

AGING_BUCKETS: tuple[tuple[int, int | None], ...] = ((1, 7), (8, 30), (31, 90), (91, None))  # days past due


@dataclass(frozen=True)
class RankPoint:
    period: str
    rank: int | None  # None: not ranked that period (too few answers, no tickets)
    rank_of: int
    score: float | None
    n: int  # tickets


@dataclass(frozen=True)
class SubcategoryRow:
    category: str
    subcategory: str  # "—" when the export has no second level
    n: int
    rates: dict[str, RateStat]  # response / resolution / satisfaction of these tickets


@dataclass(frozen=True)
class UnitStory:
    agency: str
    ranks: list[RankPoint] = field(default_factory=list)  # the series' periods, oldest first
    below_target_months: int = 0  # consecutive months up to this one with a rate below its target
    bottom_months: int = 0  # consecutive months up to this one at the bottom of its type (连续排名靠后)
    rank_low: int | None = None  # the rank's 90 % interval, by simulation from the rates' answers
    rank_high: int | None = None
    coverage: float | None = None  # tickets with a satisfaction answer / tickets (call-back coverage)
    subcategories: list[SubcategoryRow] = field(default_factory=list)
    pooled_rates: dict[str, RateStat] = field(default_factory=dict)  # small unit scored on its pooled months


@dataclass(frozen=True)
class DistrictRollup:
    """A district (区): the tickets about places in it, and its street offices (街乡镇) as ranked."""

    district: str
    n: int
    rates: dict[str, RateStat]
    score: float | None
    rank: int | None
    rank_of: int
    streets: list[str]  # its roster street offices, best ranked first
    streets_below_target: int
    own_unit: str | None = None  # a roster unit named like the district (its own 区 office), when there is one


@dataclass(frozen=True)
class Timeliness:
    """On-time closure (办理时限) where the tickets carry due dates; nothing else is invented."""

    has_due_dates: bool = False
    due_known: int = 0  # tickets of the period with a due date
    open_overdue: int = 0  # still open at the period's end, past their due date
    aging: list[int] = field(default_factory=list)  # open overdue tickets per AGING_BUCKETS
    by_agency: dict[str, list[int]] = field(default_factory=dict)  # agency -> aging counts


@dataclass(frozen=True)
class Milestone:
    due: str  # ISO date or "YYYY-MM"
    text: str
    done: bool | None = None  # None: not stated


@dataclass(frozen=True)
class TopicStory:
    """每月一题: the topic's own three rates, its lead unit, milestones and tickets by district."""

    name: str
    rates: dict[str, RateStat]
    lead: str | None  # the lead unit ([[topic]] lead), else the unit with most of the topic's tickets
    lead_configured: bool
    milestones: list[Milestone] = field(default_factory=list)
    by_district: list[tuple[str, int, int | None]] = field(default_factory=list)  # (district, n, last year's n)


@dataclass(frozen=True)
class Story:
    units: dict[str, UnitStory] = field(default_factory=dict)
    districts: list[DistrictRollup] = field(default_factory=list)  # rank order
    timeliness: Timeliness = field(default_factory=Timeliness)
    topics: list[TopicStory] = field(default_factory=list)
    pooled_periods: list[str] = field(default_factory=list)  # the months small units are pooled over ([ranking])
    simulations: int = 0  # draws behind the rank intervals (0: none made)
