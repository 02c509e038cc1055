"""The year in the archive: what the annual report shows, gathered from the sessions of record.

Each month of the year is represented by its session of record (the latest published
revision, else the latest draft: see archive.record). Its numbers come from that
session's data revision, scored with the configured definitions, so the monthly figures
are the ones the month's books printed. The year's rates are computed from the months'
added counts (rates never average rates).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from ..archive.record import QualityRecord, SessionOfRecord, counts_at, history_at, quality_at, sessions_of_record
from ..count import ALL_COUNT_COLUMNS
from ..periods import period_range
from ..results import METRICS, PeriodResult, RateStat, SeriesPoint

INTEGRITY_LIST_LIMIT = 40  # concern-level questions listed one by one; all are counted


@dataclass(frozen=True)
class MonthRecord:
    session: SessionOfRecord
    result: PeriodResult
    quality: QualityRecord
    satisfaction_unknown_share: float | None


@dataclass(frozen=True)
class UnitYear:
    agency: str
    unit_type: str | None
    n_tickets: int
    rates: dict[str, RateStat]
    months_ranked: int
    months_bottom: int  # months it ranked last of its type
    months_bottom3: int
    best_rank: int | None
    worst_rank: int | None
    median_rank: float | None
    ranks: list[tuple[str, int | None, int]]  # (period, rank, rank_of)


@dataclass(frozen=True)
class TypeYear:
    unit_type: str
    units: int
    n_tickets: int
    rates: dict[str, RateStat]


@dataclass(frozen=True)
class TopicYear:
    name: str
    months: list[tuple[str, int, int | None]]  # (period, n, same month a year before)
    year_n: int
    prior_n: int | None  # the same months a year before; None when any of them is unknown
    change_pct: float | None
    early_mean: float | None  # mean per month over the year's first three months with data
    late_mean: float | None  # … and its last three
    early_late_pct: float | None


@dataclass(frozen=True)
class Commitments:
    as_of: str
    made: int
    kept: int
    kept_on_time: int
    open: int
    overdue: int
    dropped: int
    data_requests: int
    by_agency: list[dict]  # agency, made, kept, open, overdue, dropped


@dataclass(frozen=True)
class IntegrityQuestion:
    period: str
    agency: str  # the city's own name for city-level questions
    code: str
    severity: str
    message: str
    reply: str  # the agency's written reply recorded for that session ("" when none)
    followups: int  # follow-ups raised for that agency at that session


@dataclass(frozen=True)
class Integrity:
    by_code: list[dict]  # code, severity -> months, units, total
    raised: int
    answered: int  # with a written reply or a follow-up recorded
    questions: list[IntegrityQuestion]  # concern level, up to INTEGRITY_LIST_LIMIT
    concerns: int


@dataclass
class AnnualReport:
    year: int
    lang: str
    city: str
    months: list[MonthRecord]
    missing: list[str]  # months of the year with no data in the archive
    city_rates: dict[str, RateStat]
    city_tickets: int
    types: list[TypeYear]
    units: list[UnitYear]
    topics: list[TopicYear]
    commitments: Commitments
    integrity: Integrity
    city_series: dict[str, list[SeriesPoint]] = field(default_factory=dict)

    @property
    def periods(self) -> list[str]:
        return [m.session.period for m in self.months]

    @property
    def drafts(self) -> list[str]:
        return [m.session.period for m in self.months if m.session.is_draft]

    @property
    def status(self) -> str:
        return "draft" if self.drafts else "published"

    def basis(self) -> list[dict]:
        return [
            {"period": m.session.period, "revision": m.session.revision, "status": m.session.status}
            for m in self.months
        ]


def year_periods(year: int) -> list[str]:
    return period_range(f"{year}-01", f"{year}-12")


def sessions_in_year(archive, year: int) -> list[SessionOfRecord]:
    return sessions_of_record(archive, [p for p in year_periods(year) if p in set(archive.periods.all())])


def collect_year(archive, config, year: int, lang: str) -> AnnualReport:
    """Everything the annual report shows for `year`, in `lang` (the panel's questions are worded in it)."""
    from ..errors import NoUsableData
    from ..score import score_period

    sessions = sessions_in_year(archive, year)
    if not sessions:
        known = ", ".join(archive.periods.all()) or "none"
        raise NoUsableData(
            f"the archive holds no session of {year} (stored periods: {known}); ingest the year's exports first"
        )
    scoring = config.scoring_rules
    months, agency_frames = [], []
    for session in sessions:
        result = score_period(history_at(archive, session), session.period, config, lang=lang)
        agency = counts_at(archive, session, "agency")
        agency_frames.append(agency)
        months.append(
            MonthRecord(
                session, result, quality_at(archive, session.period, session.data_revision), _unknown_share(agency)
            )
        )
    totals = pd.concat(agency_frames, ignore_index=True)
    city_name = config.city_name(lang)
    units = _units(totals, months, scoring)
    return AnnualReport(
        year=year,
        lang=lang,
        city=city_name,
        months=months,
        missing=[p for p in year_periods(year) if p not in {s.period for s in sessions}],
        city_rates=_rates(_sum(totals), scoring, None),
        city_tickets=int(totals["n_tickets"].sum()),
        types=_types(totals, scoring),
        units=units,
        topics=_topics(months),
        commitments=commitments(archive, year),
        integrity=_integrity(archive, months, city_name),
        city_series=_city_series(months),
    )


def _sum(frame: pd.DataFrame) -> dict[str, int]:
    return {c: int(frame[c].sum()) for c in ALL_COUNT_COLUMNS if c in frame}


def _rates(counts: dict[str, int], scoring, unit_type: str | None) -> dict[str, RateStat]:
    from ..score.rates import unit_rates

    rates = unit_rates(counts, scoring, unit_type)
    return {m: rates[m] for m in METRICS}


def _unknown_share(agency: pd.DataFrame) -> float | None:
    n = int(agency["n_tickets"].sum()) if len(agency) else 0
    if not n:
        return None
    unknown = sum(int(agency[c].sum()) for c in ("not_surveyed", "refused", "unreachable", "satisfaction_unknown"))
    return unknown / n


def _types(totals: pd.DataFrame, scoring) -> list[TypeYear]:
    out = []
    for unit_type, part in totals.groupby("unit_type", dropna=True, sort=True):
        out.append(
            TypeYear(
                str(unit_type),
                part["agency"].nunique(),
                int(part["n_tickets"].sum()),
                _rates(_sum(part), scoring, str(unit_type)),
            )
        )
    return out


def _units(totals: pd.DataFrame, months: list[MonthRecord], scoring) -> list[UnitYear]:
    ranks: dict[str, list[tuple[str, int | None, int]]] = {}
    for month in months:
        for unit in month.result.units:
            ranks.setdefault(unit.agency, []).append((month.session.period, unit.rank, unit.rank_of))
    out = []
    for agency, part in totals.groupby("agency", sort=True):
        unit_types = part["unit_type"].dropna().astype(str)
        unit_type = str(unit_types.iloc[-1]) if len(unit_types) else None
        series = ranks.get(str(agency), [])
        ranked = [r for _, r, _ in series if r is not None]
        out.append(
            UnitYear(
                agency=str(agency),
                unit_type=unit_type,
                n_tickets=int(part["n_tickets"].sum()),
                rates=_rates(_sum(part), scoring, unit_type),
                months_ranked=len(ranked),
                months_bottom=sum(1 for _, r, of in series if r is not None and r == of and of > 1),
                months_bottom3=sum(1 for _, r, of in series if r is not None and of > 3 and r > of - 3),
                best_rank=min(ranked) if ranked else None,
                worst_rank=max(ranked) if ranked else None,
                median_rank=statistics.median(ranked) if ranked else None,
                ranks=series,
            )
        )
    return out


def _city_series(months: list[MonthRecord]) -> dict[str, list[SeriesPoint]]:
    series: dict[str, list[SeriesPoint]] = {"volume": []}
    for month in months:
        city = month.result.city
        series["volume"].append(SeriesPoint(month.session.period, None, city.n_tickets))
        for metric in METRICS:
            rate = city.rates.get(metric)
            series.setdefault(metric, []).append(
                SeriesPoint(month.session.period, rate.value if rate else None, rate.denominator if rate else 0)
            )
    return series


def _topics(months: list[MonthRecord]) -> list[TopicYear]:
    names: list[str] = []
    rows: dict[str, list[tuple[str, int, int | None]]] = {}
    for month in months:
        for topic in month.result.topics:
            if topic.name not in rows:
                names.append(topic.name)
            rows.setdefault(topic.name, []).append((month.session.period, topic.n, topic.last_year_n))
    out = []
    for name in names:
        series = rows[name]
        year_n = sum(n for _, n, _ in series)
        priors = [prior for _, _, prior in series if prior is not None]
        prior_n = sum(priors) if len(priors) == len(series) else None
        early = [n for _, n, _ in series[:3]]
        late = [n for _, n, _ in series[-3:]]
        early_mean = statistics.mean(early) if len(series) >= 6 else None
        late_mean = statistics.mean(late) if len(series) >= 6 else None
        out.append(
            TopicYear(
                name,
                series,
                year_n,
                prior_n,
                _change(year_n, prior_n),
                early_mean,
                late_mean,
                _change(late_mean, early_mean),
            )
        )
    return out


def _change(now: float | None, before: float | None) -> float | None:
    """Change as a proportion (0.062 = +6.2 %); None without a base."""
    if now is None or not before:
        return None
    return now / before - 1


def commitments(archive, year: int) -> Commitments:
    """Follow-ups raised at the year's sessions, with their status on 31 December (not today)."""
    as_of = date(year, 12, 31)
    periods = year_periods(year)
    rows = archive.db.execute(
        "SELECT agency, kind, status, due, closed_on FROM followups WHERE raised_period BETWEEN ? AND ? "
        "ORDER BY agency",
        (periods[0], periods[-1]),
    ).fetchall()
    per_agency: dict[str, dict] = {}
    totals = dict.fromkeys(("made", "kept", "kept_on_time", "open", "overdue", "dropped", "data_requests"), 0)
    for row in rows:
        state = status_on(row["status"], row["due"], row["closed_on"], as_of)
        entry = per_agency.setdefault(
            row["agency"], {"agency": row["agency"], "made": 0, "kept": 0, "open": 0, "overdue": 0, "dropped": 0}
        )
        totals["made"] += 1
        entry["made"] += 1
        totals["data_requests"] += row["kind"] == "data_request"
        key = "kept" if state == "done" else state
        totals[key] += 1
        entry[key] += 1
        if state == "done" and (not row["due"] or row["closed_on"] <= row["due"]):
            totals["kept_on_time"] += 1
    ordered = sorted(per_agency.values(), key=lambda e: (-e["overdue"], -e["open"], e["agency"]))
    return Commitments(as_of.isoformat(), by_agency=ordered, **totals)


def status_on(stored: str, due: str | None, closed_on: str | None, as_of: date) -> str:
    """A follow-up's status on a date: closed later means still open then; open past its due date is overdue."""
    if stored in ("done", "dropped") and closed_on and date.fromisoformat(closed_on[:10]) <= as_of:
        return stored
    if due and date.fromisoformat(due) < as_of:
        return "overdue"
    return "open"


def _integrity(archive, months: list[MonthRecord], city_name: str) -> Integrity:
    by_code: dict[tuple[str, str], dict] = {}
    questions: list[IntegrityQuestion] = []
    raised = answered = 0
    for month in months:
        period = month.session.period
        notes = archive.notes.for_briefing(period)
        raised_for = {
            r[0]: r[1]
            for r in archive.db.execute(
                "SELECT agency, COUNT(*) FROM followups WHERE raised_period = ? GROUP BY agency", (period,)
            )
        }
        flagged = [(city_name, f) for f in month.result.flags] + [
            (u.agency, f) for u in month.result.units for f in u.flags
        ]
        for agency, flag in flagged:
            entry = by_code.setdefault(
                (flag.code, flag.severity),
                {"code": flag.code, "severity": flag.severity, "total": 0, "months": set(), "units": set()},
            )
            entry["total"] += 1
            entry["months"].add(period)
            entry["units"].add(agency)
            note = notes.get(agency)
            reply = (note.response or "").strip() if note else ""
            followups = raised_for.get(agency, 0)
            raised += 1
            answered += bool(reply or followups)
            if flag.severity == "concern":
                questions.append(
                    IntegrityQuestion(period, agency, flag.code, flag.severity, flag.message, reply, followups)
                )
    order = {"concern": 0, "watch": 1, "info": 2}
    table = [
        {**e, "months": len(e["months"]), "units": len(e["units"])}
        for e in sorted(by_code.values(), key=lambda e: (order.get(e["severity"], 3), -e["total"], e["code"]))
    ]
    concerns = len(questions)
    questions.sort(key=lambda q: (not (q.reply or q.followups), q.period, q.agency))
    return Integrity(table, raised, answered, questions[:INTEGRITY_LIST_LIMIT], concerns)
