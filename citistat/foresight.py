"""Looking ahead: the early-warning list and the emerging hot spots a period's result carries.

Plain values computed by the score stage (citistat/score/early_warning.py,
citistat/score/hotspots.py) and shown by render; `PeriodResult.foresight`
holds one `Foresight`. A caller is known only by the salted `caller_key` and
its short pseudonym: no name, phone number or ticket text is ever here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Why a caller is on the early-warning list, in the order the books list them.
REASONS: tuple[str, ...] = ("accelerating", "came_back", "several_agencies", "unresolved")


@dataclass(frozen=True)
class TimelineEvent:
    """One contact of a flagged caller's case history."""

    date: str  # ISO date the ticket was created
    ticket_id: str
    category: str | None
    agency: str | None
    outcome: str  # "solved" | "not_solved" | "open" | "unknown"
    satisfaction: str  # canonical satisfaction level ("unknown" when none)


@dataclass(frozen=True)
class EarlyWarning:
    """A caller whose grievance shows signs of escalating (internal edition only)."""

    rank: int
    caller_key: str  # the salted key (a keyed hash of the phone number), never the number
    caller_ref: str  # the short pseudonym the watch lists use for the same caller
    score: float
    reasons: list[str]  # codes from REASONS
    contacts: int  # contacts in the look-back window
    contacts_in_period: int
    recent_contacts: int  # contacts about the leading case in the last `accel_days`
    earlier_contacts: int  # … and in the `accel_days` before those
    after_solved: int  # contacts about a case after one of its tickets was marked solved
    agencies: list[str]  # agencies the caller's flagged cases went to
    categories: list[str]
    places: list[str]  # "district / street / community": never an address
    oldest_unresolved_days: int | None  # age of the oldest case still unresolved at period end
    first_seen: str
    last_seen: str
    timeline: list[TimelineEvent] = field(default_factory=list)


@dataclass(frozen=True)
class HotSpot:
    """A place × category cell this period significantly above its own seasonal baseline."""

    place: str  # the district (or street) name
    category: str
    n: int  # tickets this period
    expected: float  # what the cell's baseline and the category's season predict
    ratio: float | None  # n / expected; None when the baseline had no tickets
    baseline_n: int  # tickets of the cell over the baseline periods
    baseline_periods: int
    p_value: float  # one-sided exact conditional test (binomial, given the total)
    q_value: float  # Benjamini–Hochberg adjusted


@dataclass(frozen=True)
class HotSpotScan:
    level: str  # "district" | "street"
    cells_tested: int
    baseline_periods: int
    seasonal: bool  # False when the same month a year before is not in the history
    fdr: float
    hot_spots: list[HotSpot] = field(default_factory=list)  # the most significant, cut to the list size
    significant: int = 0  # cells listed before the cut
    reason: str | None = None  # why nothing was tested: "no history", "no cells"


@dataclass(frozen=True)
class OutlookRow:
    """A category likely to rise next month in one district."""

    district: str
    category: str
    n: int  # tickets this period
    forecast: float  # the same month a year before × the cell's recent year-on-year trend
    rise: float  # forecast − n


@dataclass(frozen=True)
class OutlookBacktest:
    """How the same rule did over the months of the last year it could be applied to."""

    outlooks: int  # monthly outlooks scored
    named: int  # rises named
    came_true: int  # … that happened
    rises: int  # rises that happened in all
    precision: float | None  # came_true / named
    recall: float | None  # came_true / rises
    base_rate: float | None  # share of cells that rose in a month: what guessing would hit


@dataclass(frozen=True)
class Outlook:
    target: str  # the month forecast, "YYYY-MM"
    months: int  # months of history the forecast could read
    rows: list[OutlookRow] = field(default_factory=list)
    backtest: OutlookBacktest | None = None  # None: too little history to score a past outlook
    reason: str | None = None  # "short history": fewer than 13 months, nothing is shown


@dataclass(frozen=True)
class Foresight:
    early_warning: list[EarlyWarning] = field(default_factory=list)
    early_warning_flagged: int = 0  # callers flagged in all (the list may be cut to its configured size)
    hotspots: HotSpotScan | None = None
    outlook: Outlook | None = None
