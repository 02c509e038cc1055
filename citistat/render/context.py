"""The template context: what every book template may use, built once from BriefingInputs.

This is a contract (documented in docs/templates.md and pinned by
tests/test_render_context.py): a workspace template written against it keeps
working. The public edition is made here, not in templates, so no template —
shipped or overridden — can print what the public edition must not show.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date

from ..briefing import AgencyNotes, BriefingInputs, FollowUp
from ..results import COMPARISONS, METRICS, Delta, PeriodResult, UnitResult
from .foresight_context import foresight_context
from .formatting import date_label
from .messages import Messages

PUBLIC = "public"
PEER_SPAN = 3  # units shown either side of an agency in its brief's ranking excerpt
INTERNAL = "internal"


@dataclass(frozen=True)
class FollowUpView:
    item: FollowUp  # notes emptied in the public edition
    overdue: bool
    change_pp: float | None  # metric_now − metric_before, in percentage points


@dataclass(frozen=True)
class Mover:
    """A rate that moved significantly against the previous period."""

    agency: str
    anchor: str
    metric: str
    delta: Delta
    value: float | None
    n: int


@dataclass(frozen=True)
class TrendRow:
    """One period of an agency's 13-period history: tickets and the three rates (None = N/A)."""

    period: str
    n: int | None
    rates: dict[str, float | None]


@dataclass(frozen=True)
class AgencyView:
    name: str
    slug: str  # file-name form, for per-agency template overrides (agency-<slug>.html)
    anchor: str  # HTML id of the agency's section in the city book
    unit: UnitResult  # watch list emptied in the public edition
    notes: AgencyNotes  # internal notes emptied in the public edition
    followups: list[FollowUpView]
    questions: list[str]  # what the panel is likely to ask
    peers: list[UnitResult] = field(default_factory=list)  # the units ranked just above and below, itself included
    charts: dict[str, str] = field(default_factory=dict)  # chart name -> URL relative to the book
    trend: list[TrendRow] = field(default_factory=list)  # newest period first


@dataclass(frozen=True)
class RankingView:
    unit_type: str
    units: list[UnitResult]  # rank order; unranked last


def slugify(name: str) -> str:
    """A file-name-safe form that keeps Chinese: "市水务局" -> "市水务局", "Parks & Rec" -> "parks-rec"."""
    text = unicodedata.normalize("NFKC", name).lower()
    text = re.sub(r"[^\w]+", "-", text, flags=re.UNICODE).strip("-_")
    return text or "agency"


def build_context(inputs: BriefingInputs, messages: Messages, *, charts: dict[str, dict[str, str]] | None = None) -> dict:
    """The whole context of the city book; agency briefs and the memo use a subset of it."""
    charts = charts or {}
    public = inputs.edition == PUBLIC
    result = inputs.result
    agencies = [_agency_view(inputs, unit, i, messages, charts.get(unit.agency, {}), public)
                for i, unit in enumerate(agency_order(result), start=1)]
    anchors = {a.name: a.anchor for a in agencies}
    return {
        "lang": inputs.lang,
        "t": messages,
        "edition": inputs.edition,
        "public": public,
        "metrics": list(METRICS),
        "comparisons": list(COMPARISONS),
        "book": _book(inputs),
        "city": _public_unit(result.city) if public else result.city,
        "city_charts": charts.get("", {}),
        "summary": _summary(inputs, agencies, anchors),
        "rankings": [RankingView(t, result.ranking(t)) for t in result.unit_types],
        "agencies": agencies,
        "anchors": anchors,
        "topics": result.topics,
        "followups": _followups_by_agency(inputs, agencies, public),
        "quality": _quality(inputs, public),
        "methods": _methods(inputs),
        **foresight_context(inputs),
    }


def _book(inputs: BriefingInputs) -> dict:
    result = inputs.result
    return {
        "city": inputs.city,
        "period": inputs.period,
        "previous_period": result.previous_period,
        "last_year_period": result.last_year_period,
        "meeting_date": inputs.meeting_date,
        "edition": inputs.edition,
        "revision": inputs.revision,
        "status": inputs.status,
        "generated_on": inputs.generated_on,
        "min_n": result.min_n,
    }


def agency_order(result: PeriodResult) -> list[UnitResult]:
    """Agencies in ranking order within each unit type, unit types in display order, then the rest."""
    ordered: list[UnitResult] = []
    for unit_type in result.unit_types:
        ordered.extend(result.ranking(unit_type))
    seen = {u.agency for u in ordered}
    ordered.extend(sorted((u for u in result.units if u.agency not in seen), key=lambda u: u.agency))
    return ordered


def _public_unit(unit: UnitResult) -> UnitResult:
    return replace(unit, watchlist=[])


def _agency_view(inputs: BriefingInputs, unit: UnitResult, index: int, messages: Messages,
                 charts: dict[str, str], public: bool) -> AgencyView:
    notes = inputs.notes_for(unit.agency)
    if public:
        unit = _public_unit(unit)
        notes = replace(notes, internal="")
    followups = [_followup_view(f, inputs.meeting_date, public) for f in inputs.followups_for(unit.agency)]
    return AgencyView(
        name=unit.agency,
        slug=slugify(unit.agency),
        anchor=f"agency-{index}",
        unit=unit,
        notes=notes,
        followups=followups,
        questions=_questions(unit, notes, followups, messages),
        peers=ranking_neighbours(inputs.result, unit.agency),
        charts=charts,
        trend=trend_rows(unit),
    )


def trend_rows(unit: UnitResult) -> list[TrendRow]:
    """The unit's series as rows, newest period first; a rate missing for a period is None."""
    by_metric = {m: {p.period: p.value for p in unit.series.get(m, [])} for m in METRICS}
    volume = {p.period: p.n for p in unit.series.get("volume", [])}
    periods = sorted(set(volume).union(*by_metric.values()), reverse=True)
    return [TrendRow(period, volume.get(period), {m: by_metric[m].get(period) for m in METRICS}) for period in periods]


def ranking_neighbours(result: PeriodResult, agency: str, span: int = PEER_SPAN) -> list[UnitResult]:
    """The agency and up to `span` units either side of it in its unit type's ranking (a brief's rank context)."""
    unit = result.unit(agency)
    if unit.unit_type is None:
        return []
    ranking = result.ranking(unit.unit_type)
    at = next(i for i, u in enumerate(ranking) if u.agency == agency)
    return ranking[max(0, at - span): at + span + 1]


def _followups_by_agency(inputs: BriefingInputs, agencies: list[AgencyView], public: bool) -> list[tuple[str, list[FollowUpView]]]:
    """Every follow-up, grouped by agency in book order (agencies no longer in the results last)."""
    order = {a.name: i for i, a in enumerate(agencies)}
    names = sorted({f.agency for f in inputs.followups}, key=lambda n: (order.get(n, len(order)), n))
    return [(name, [_followup_view(f, inputs.meeting_date, public) for f in inputs.followups_for(name)]) for name in names]


def _followup_view(item: FollowUp, meeting_date: str | None, public: bool) -> FollowUpView:
    if public:
        item = replace(item, notes="")
    return FollowUpView(item=item, overdue=is_overdue(item, meeting_date), change_pp=_change_pp(item))


def is_overdue(item: FollowUp, on: str | None) -> bool:
    """Overdue when marked so, or still open after its due date (at the meeting)."""
    if item.status == "overdue":
        return True
    if item.status != "open" or not item.due or not on:
        return False
    return date.fromisoformat(item.due[:10]) < date.fromisoformat(on[:10])


def _change_pp(item: FollowUp) -> float | None:
    if item.metric_before is None or item.metric_now is None:
        return None
    return (item.metric_now - item.metric_before) * 100


def _questions(unit: UnitResult, notes: AgencyNotes, followups: list[FollowUpView], t: Messages) -> list[str]:
    """The panel's likely questions: declines, red rates, overdue promises, integrity flags, set topics."""
    asked: list[str] = []
    for metric in METRICS:
        delta = unit.deltas.get(metric, {}).get("previous")
        if delta is not None and delta.significant and delta.pp is not None and delta.pp < 0:
            asked.append(t("ask.decline", metric=t(f"metric.{metric}"), pp=f"{-delta.pp:.1f}"))
        rate = unit.rates.get(metric)
        if rate is not None and rate.rag == "red":
            asked.append(t("ask.red", metric=t(f"metric.{metric}"), shortfall=rate.shortfall))
    for view in followups:
        if view.overdue:
            asked.append(t("ask.overdue", text=view.item.text, due=date_label(view.item.due, t.lang)))
    asked.extend(flag.message for flag in unit.flags)
    asked.extend(notes.discussion_topics)
    return asked


def significant_movers(agencies: list[AgencyView]) -> list[Mover]:
    """Every (agency, metric) whose change against the previous period is significant, largest first."""
    movers = []
    for agency in agencies:
        for metric in METRICS:
            delta = agency.unit.deltas.get(metric, {}).get("previous")
            if delta is None or not delta.significant or delta.pp is None:
                continue
            rate = agency.unit.rates[metric]
            movers.append(Mover(agency.name, agency.anchor, metric, delta, rate.value, rate.denominator))
    return sorted(movers, key=lambda m: (-abs(m.delta.pp or 0), m.agency, m.metric))


def _summary(inputs: BriefingInputs, agencies: list[AgencyView], anchors: dict[str, str]) -> dict:
    result = inputs.result
    overdue = [view for agency in agencies for view in agency.followups if view.overdue]
    return {
        "movers": significant_movers(agencies),
        "hot_topics": result.hot_topics,
        "rising_topics": result.rising_topics,
        "overdue": overdue,
        "open_followups": sum(1 for a in agencies for v in a.followups if v.item.status in ("open", "overdue")),
        "flags": result.flags,
        "agency_flags": [(a.name, a.anchor, flag) for a in agencies for flag in a.unit.flags],
    }


def _quality(inputs: BriefingInputs, public: bool) -> dict:
    """Reconciliation per file and rejects by reason; the sample of issues (raw cell values) is internal."""
    return {
        "files": inputs.files,
        "reconciliation": inputs.reconciliation,
        "balances": inputs.reconciliation.balances(),
        "issue_counts": sorted(inputs.issue_counts.items(), key=lambda kv: (-kv[1], kv[0])),
        "issues": [] if public else [issue.worded_in(inputs.lang) for issue in inputs.issues],
    }


def _methods(inputs: BriefingInputs) -> dict:
    result = inputs.result
    return {
        "definitions": flatten_definitions(result.definitions),
        "weights_version": result.weights_version,
        "min_n": result.min_n,
        "input_files": inputs.input_files,
        "config_hash": inputs.config_hash,
        "versions": sorted(inputs.versions.items()),
    }


def flatten_definitions(data: object, prefix: str = "") -> list[tuple[str, str]]:
    """The effective definitions as (dotted name, value) rows for the methods page."""
    if isinstance(data, dict):
        rows: list[tuple[str, str]] = []
        for key in data:
            rows.extend(flatten_definitions(data[key], f"{prefix}{key}."))
        return rows
    if isinstance(data, list) and data and all(isinstance(x, dict) for x in data):
        rows = []
        for i, item in enumerate(data, start=1):
            rows.extend(flatten_definitions(item, f"{prefix}{i}."))
        return rows
    shown = ", ".join(map(str, data)) if isinstance(data, (list, tuple)) else str(data)
    return [(prefix.rstrip("."), shown)]
