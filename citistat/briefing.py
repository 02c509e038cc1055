"""What a set of books is built from: the period's results plus what the archive remembers.

The score stage computes PeriodResult; the archive supplies follow-ups, notes,
data quality and the manifest. Render turns one BriefingInputs into books and
recomputes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .quality import DataIssue, FileReport, Reconciliation
from .results import PeriodResult


@dataclass(frozen=True)
class FollowUp:
    id: int
    agency: str
    text: str
    owner: str
    due: str | None  # ISO date
    raised_period: str  # the session that raised it
    raised_on: str  # ISO date of that session's meeting (or record date)
    metric: str | None  # "response" | "resolution" | "satisfaction" | None
    status: str  # "open" | "done" | "overdue" | "dropped"
    kind: str = "commitment"  # "commitment" | "data_request"
    notes: str = ""  # internal; never in the public edition
    age_days: int = 0
    metric_before: float | None = None  # the metric in the raising period
    metric_now: float | None = None  # the metric in the period being briefed
    evidence: str = ""  # the note recorded with its latest status change (what shows it done, or why not)


@dataclass(frozen=True)
class AgencyNotes:
    agency: str
    discussion_topics: list[str] = field(default_factory=list)
    accomplishments: list[str] = field(default_factory=list)
    response: str = ""  # the agency's written right of reply
    internal: str = ""  # office-only notes; never in the public edition


@dataclass(frozen=True)
class FocusAgency:
    """An agency the office selected for this session's in-depth review, and why."""

    agency: str
    reason: str = ""
    minutes: int = 15  # the agency's slot on the agenda


@dataclass(frozen=True)
class InputFile:
    name: str
    sha256: str
    status: str


@dataclass(frozen=True)
class BriefingInputs:
    city: str
    period: str
    meeting_date: str | None
    lang: str  # "zh-CN" | "en"
    edition: str  # "internal" | "public"
    revision: int
    status: str  # "draft" | "published"
    result: PeriodResult
    files: list[FileReport]
    reconciliation: Reconciliation
    issue_counts: dict[str, int]  # reason code -> number of issues
    issues: list[DataIssue]  # a bounded sample for the appendix
    followups: list[FollowUp]
    notes: dict[str, AgencyNotes]  # agency -> notes
    input_files: list[InputFile]
    config_hash: str
    versions: dict[str, str]  # citistat and key libraries
    generated_on: str  # ISO date the books were built (fixed by the caller for reproducible output)
    boundaries: dict = field(default_factory=dict)  # level -> citistat.geo.Boundaries the maps are drawn on
    focus: list[FocusAgency] = field(default_factory=list)  # the session's focus agencies (internal edition only)
    followup_minutes: int = 10  # the agenda's slot for the previous session's follow-ups
    ranking_order: str = "best_first"  # "best_first" | "worst_first": how the ranking tables read
    # profile name -> what it declares a row means (rules.responded, rules.resolved, row_identity), for the
    # profiles that read the period's files: the methods page says how each rate was measured
    profile_meanings: dict[str, dict[str, str]] = field(default_factory=dict)

    def followups_for(self, agency: str) -> list[FollowUp]:
        return [f for f in self.followups if f.agency == agency]

    def notes_for(self, agency: str) -> AgencyNotes:
        return self.notes.get(agency) or AgencyNotes(agency)
