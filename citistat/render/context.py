"""The template context: what every book template may use, built once from BriefingInputs.

This is a contract (documented in docs/templates.md and pinned by
tests/test_render_context.py): a workspace template written against it keeps
working. The outward editions (agency, public) are made before the context is
(editions.for_edition), so no template — shipped or overridden — can print what
they must not show: the context of an outward edition never held it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date

from ..briefing import AgencyNotes, BriefingInputs, FollowUp
from ..messages import Messages
from ..results import COMPARISONS, METRICS, Delta, PeriodResult, RateStat, UnitResult
from ..score.methods import first_weights_from
from .chair_context import chair_context
from .charts import has_data, rate_axis
from .editions import INTERNAL, PUBLIC, SMALL_CELL, for_edition
from .foresight_context import foresight_context
from .formatting import date_label, points
from .story_context import story_context

PEER_SPAN = 3  # units shown either side of an agency in its brief's ranking excerpt


@dataclass(frozen=True)
class FollowUpView:
    item: FollowUp  # notes emptied in the outward editions
    overdue: bool
    change_pp: float | None  # metric_now − metric_before, in percentage points (None on the day it was raised)
    carried: bool = False  # raised at an earlier session than the one being briefed


@dataclass(frozen=True)
class TargetGap:
    """How far a rate is from its target: points and the tickets that would have had to answer yes."""

    target: float
    points: float  # (target − value) × 100; ≤ 0 when the target is met
    tickets: int  # answered tickets short of the target: ⌈target × n − yes⌉, 0 when met

    @property
    def met(self) -> bool:
        return self.tickets == 0


def target_gap(rate: RateStat | None) -> TargetGap | None:
    """The distance of a rate to its target; None without a rate or a target."""
    if rate is None or rate.value is None or rate.target is None:
        return None
    needed = rate.target * rate.denominator - rate.numerator
    tickets = max(0, math.ceil(round(needed, 6)))
    return TargetGap(rate.target, (rate.target - rate.value) * 100, tickets)


def unknown_share(rate: RateStat | None) -> float | None:
    """Unknown answers as a share of every ticket the rate could have counted (answered + unknown)."""
    if rate is None or rate.denominator + rate.unknown == 0:
        return None
    return rate.unknown / (rate.denominator + rate.unknown)


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
    unit: UnitResult  # watch list emptied in the outward editions
    notes: AgencyNotes  # internal notes emptied in the outward editions
    followups: list[FollowUpView]
    questions: list[str]  # what the panel is likely to ask
    peers: list[UnitResult] = field(default_factory=list)  # the units ranked just above and below, itself included
    charts: dict[str, str] = field(default_factory=dict)  # chart name -> URL relative to the book
    trend: list[TrendRow] = field(default_factory=list)  # newest period first
    axis: tuple[float, float] = (0.0, 100.0)  # the rate sparklines' y range, in percent
    absent: list[str] = field(default_factory=list)  # rates with no value in any period of the series


@dataclass(frozen=True)
class RankingView:
    unit_type: str | None  # None: the units without a type
    units: list[UnitResult]  # rank order; unranked last
    small: list[UnitResult] = field(default_factory=list)  # below the minimum n and not ranked: listed apart


def ranking_view(result: PeriodResult, unit_type: str | None, order: str = "best_first") -> RankingView:
    """A unit type's ranking, its unranked small-n units apart (never sharing a rank on a handful of answers);
    worst first when the office reads its rankings from the bottom up (unranked units stay last)."""
    units = result.ranking(unit_type)
    apart = [u for u in units if u.small_n and u.rank is None]
    ranked = [u for u in units if u not in apart and u.rank is not None]
    if order == "worst_first":
        ranked.reverse()
    rest = [u for u in units if u not in apart and u.rank is None]
    return RankingView(unit_type, ranked + rest, apart)


def scoring_gap(result: PeriodResult) -> str | None:
    """Why units with tickets have no score, when the reason is the configuration and not their answers:
    "no_weights" (no [[weights]] version in force for the period), "require_all" (a weighted rate is not in
    the data and [ranking] missing_rates requires every one) or "no_weighted_rate" (only rates weighted 0
    are in the data); None when scoring could run."""
    if not any(u.n_tickets for u in result.units):
        return None
    if not result.weights_version:
        return "no_weights"
    definitions = result.definitions or {}
    if definitions.get("missing_rates") == "require_all":
        weighted = {m for w in (definitions.get("weights_in_force") or {}).values() if w for m in METRICS if w.get(m)}
        if any(result.city.rates[m].denominator == 0 for m in weighted if m in result.city.rates):
            return "require_all"
    effective = definitions.get("weights_effective") or {}
    with_tickets = {u.unit_type or "—" for u in result.units if u.n_tickets}
    return "no_weighted_rate" if any(effective.get(t) == {} for t in with_tickets) else None


def ranking_types(result: PeriodResult) -> list[str | None]:
    """Every unit type with a ranking table, in display order; None last for units the roster gives no type
    (a 311 city's agencies, or units not in the roster): they are ranked together and need a table too."""
    untyped = any(u.unit_type is None and u.n_tickets > 0 for u in result.units)
    return [*result.unit_types, *([None] if untyped else [])]


def slugify(name: str) -> str:
    """A file-name-safe form that keeps Chinese: "市水务局" -> "市水务局", "Parks & Rec" -> "parks-rec"."""
    text = unicodedata.normalize("NFKC", name).lower()
    text = re.sub(r"[^\w]+", "-", text, flags=re.UNICODE).strip("-_")
    return text or "agency"


def build_context(
    inputs: BriefingInputs, messages: Messages, *, charts: dict[str, dict[str, str]] | None = None
) -> dict:
    """The whole context of the city book; agency briefs and the memo use a subset of it."""
    charts = charts or {}
    inputs = for_edition(inputs)
    result = inputs.result
    agencies = [
        _agency_view(inputs, unit, i, messages, charts.get(unit.agency, {}))
        for i, unit in enumerate(agency_order(result), start=1)
    ]
    anchors = {a.name: a.anchor for a in agencies}
    return {
        "lang": inputs.lang,
        "t": messages,
        "edition": inputs.edition,
        "public": inputs.edition == PUBLIC,
        "internal": inputs.edition == INTERNAL,
        "metrics": list(METRICS),
        "comparisons": list(COMPARISONS),
        "book": _book(inputs),
        "targets": target_rows(result.definitions),
        "small_cell": SMALL_CELL,
        "city": result.city,
        "city_charts": charts.get("", {}),
        "city_axis": unit_axis(result.city),
        "city_periods": len(result.city.series.get("volume", [])),
        "summary": _summary(inputs, agencies, anchors),
        "rankings": [ranking_view(result, t, inputs.ranking_order) for t in ranking_types(result)],
        "scoring_gap": scoring_gap(result),
        "agencies": agencies,
        "anchors": anchors,
        "topics": result.topics,
        "followups": _followups_by_agency(inputs, agencies),
        "quality": _quality(inputs),
        "methods": _methods(inputs),
        **foresight_context(inputs),
        **chair_context(inputs, agencies),
        **story_context(inputs, agencies),
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


SEVERITY_ORDER = ("concern", "watch", "info")  # 请说明 before 关注 before 提示


def by_priority(flags: list) -> list:
    """Integrity questions most serious first: by severity, then by the size of what was found."""
    rank = {name: i for i, name in enumerate(SEVERITY_ORDER)}
    return sorted(flags, key=lambda f: (rank.get(f.severity, len(rank)), -(abs(f.value) if f.value is not None else 0)))


def target_rows(definitions: dict) -> list[dict]:
    """The targets in force as rows for the legend: metric, unit type ("*" = every type), target, amber band."""
    rows = []
    for item in definitions.get("targets", []) or []:
        if isinstance(item, dict) and item.get("metric") in METRICS:
            rows.append(
                {
                    "metric": item["metric"],
                    "unit_type": item.get("unit_type", "*"),
                    "target": float(item["target"]),
                    "amber": float(item.get("amber", 0.0)),
                }
            )
    return rows


def _agency_view(
    inputs: BriefingInputs, unit: UnitResult, index: int, messages: Messages, charts: dict[str, str]
) -> AgencyView:
    notes = inputs.notes_for(unit.agency)
    unit = replace(unit, flags=by_priority(unit.flags))
    followups = [_followup_view(f, inputs.meeting_date, inputs.period) for f in inputs.followups_for(unit.agency)]
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
        axis=unit_axis(unit),
        absent=[m for m in METRICS if not has_data(unit.series.get(m, []))],
    )


def unit_axis(unit: UnitResult) -> tuple[float, float]:
    """The y range (percent) of a unit's rate charts: the one the chart draws, for the caption that states it."""
    values = [p.value for m in METRICS for p in unit.series.get(m, [])]
    return rate_axis(values + [r.target for m, r in unit.rates.items() if m in METRICS and r.target is not None])


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
    return ranking[max(0, at - span) : at + span + 1]


def _followups_by_agency(inputs: BriefingInputs, agencies: list[AgencyView]) -> list[tuple[str, list[FollowUpView]]]:
    """Every follow-up, grouped by agency in book order (agencies no longer in the results last);
    within an agency, items carried over from earlier sessions first."""
    order = {a.name: i for i, a in enumerate(agencies)}
    names = sorted({f.agency for f in inputs.followups}, key=lambda n: (order.get(n, len(order)), n))
    grouped = []
    for name in names:
        views = [_followup_view(f, inputs.meeting_date, inputs.period) for f in inputs.followups_for(name)]
        grouped.append((name, sorted(views, key=lambda v: not v.carried)))
    return grouped


def _followup_view(item: FollowUp, meeting_date: str | None, period: str) -> FollowUpView:
    carried = item.raised_period < period
    return FollowUpView(
        item=item,
        overdue=is_overdue(item, meeting_date),
        change_pp=_change_pp(item) if carried else None,
        carried=carried,
    )


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
            asked.append(t("ask.decline", metric=t(f"metric.{metric}"), pp=points(delta.pp)))
        rate = unit.rates.get(metric)
        gap = target_gap(rate)
        if rate is not None and rate.rag == "red" and gap is not None:
            asked.append(
                t("ask.red", metric=t(f"metric.{metric}"), tickets=gap.tickets, target=f"{gap.target * 100:g}")
            )
    for view in followups:
        if view.overdue:
            asked.append(t("ask.overdue", text=view.item.text, due=date_label(view.item.due, t.lang)))
    if unit.flags:  # the questions themselves are in the integrity block, ranked; they are not repeated here
        asked.append(t("ask.integrity", n=len(unit.flags)))
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
        "flags": by_priority(result.flags),
        # every unit's questions in one list, most serious first (book order within a severity)
        "agency_flags": sorted(
            [(a.name, a.anchor, flag) for a in agencies for flag in a.unit.flags],
            key=lambda item: (
                SEVERITY_ORDER.index(item[2].severity) if item[2].severity in SEVERITY_ORDER else len(SEVERITY_ORDER)
            ),
        ),
    }


def _quality(inputs: BriefingInputs) -> dict:
    """Reconciliation per file and rejects by reason; the sample of issues (raw cell values) is internal."""
    return {
        "files": inputs.files,
        "reconciliation": inputs.reconciliation,
        "balances": inputs.reconciliation.balances(),
        "issue_counts": sorted(inputs.issue_counts.items(), key=lambda kv: (-kv[1], kv[0])),
        "issues": [issue.worded_in(inputs.lang) for issue in inputs.issues],
    }


def _methods(inputs: BriefingInputs) -> dict:
    """The definitions in force as the methods page reads them: tables with labels, never raw config keys."""
    result = inputs.result
    definitions = result.definitions or {}
    return {
        "weights": weight_rows(definitions),
        "settings": setting_rows(definitions),
        "weights_version": result.weights_version,
        "satisfied_levels": list((definitions.get("rates") or {}).get("satisfied") or []),
        "first_weights": first_weights_from(definitions),
        **weights_and_precision(result.definitions),
        **declared_meanings(inputs),
        "min_n": result.min_n,
        "input_files": inputs.input_files,
        "config_hash": inputs.config_hash,
        "versions": sorted(inputs.versions.items()),
    }


def weights_and_precision(definitions: dict) -> dict:
    """For the methods page: the weights each unit type's composite used when a rate was missing, and day-only dates."""
    effective = definitions.get("weights_effective") or {}
    configured = definitions.get("weights_in_force") or {}
    renormalised = False
    for unit_type, used in effective.items():
        base = configured.get(unit_type) or configured.get("*") or {}
        renormalised |= any(base.get(m, 0) > 0 and m not in used for m in ("response", "resolution", "satisfaction"))
    return {
        "renormalised": renormalised,
        "weights_effective": [(t, list(used.items())) for t, used in effective.items()],
        "day_only": definitions.get("date_precision") == "day",
    }


# The rules a profile declares for a rate (docs/profiles.md, [rules]) -> the metric they measure
RULE_METRICS = {"responded": "response", "resolved": "resolution"}


def declared_meanings(inputs: BriefingInputs) -> dict:
    """What the methods page says the data meant: the rules the profiles measured each rate by (when any is
    not the plain answer column), the files read row by row, the neutral answer's rule and the rates absent."""
    rules: dict[str, list[tuple[str, str]]] = {}
    for key, metric in RULE_METRICS.items():
        by_rule: dict[str, list[str]] = {}
        for name, meaning in inputs.profile_meanings.items():
            by_rule.setdefault(meaning.get(key, "answer"), []).append(name)
        if set(by_rule) - {"answer"}:
            rules[metric] = [(rule, ", ".join(names)) for rule, names in by_rule.items()]
    city = inputs.result.city
    return {
        "rules": rules,
        "row_profiles": ", ".join(n for n, m in inputs.profile_meanings.items() if m.get("row_identity") == "row"),
        "neutral": (inputs.result.definitions or {}).get("rates", {}).get("neutral", "not_satisfied")
        if city.counts.get("neutral", 0)
        else None,
        "absent": [m for m in METRICS if m in city.rates and city.rates[m].denominator == 0 and city.n_tickets],
    }


def weight_rows(definitions: dict) -> list[dict]:
    """The weights in force for each unit type ("*" = any): version, effective from, one weight per rate."""
    rows = []
    for unit_type, weights in (definitions.get("weights_in_force") or {}).items():
        if isinstance(weights, dict):
            rows.append(
                {
                    "unit_type": unit_type,
                    "version": weights.get("version", ""),
                    "effective_from": weights.get("effective_from", ""),
                    "weights": {m: weights.get(m) for m in METRICS if m in weights},
                }
            )
    return rows


# The settings the methods page lists (section, key): each has a label in the catalogues (methods.setting.<key>).
METHOD_SETTINGS = (
    ("rates", "basic_weight"),
    ("", "min_n"),
    ("", "alpha"),
    ("", "confidence"),
    ("screens", "min_tickets"),
    ("screens", "quick_close_minutes"),
    ("screens", "quick_close_share"),
    ("screens", "basic_share_jump_pp"),
    ("screens", "perfect_streak_periods"),
    ("screens", "callback_coverage_drop_pp"),
    ("screens", "sat_up_resolution_down_pp"),
    ("screens", "repeat_window_days"),
    ("screens", "repeat_caller_min_tickets"),
)


# Settings measured in minutes: not applied to dates without a time of day
MINUTE_SETTINGS = frozenset({"quick_close_minutes", "quick_close_share"})


def setting_rows(definitions: dict) -> list[tuple[str, object]]:
    """(key, value) for each setting of METHOD_SETTINGS that the definitions hold; None for a minute-based
    setting when the dates carry no time of day (the page says it was not applied)."""
    day_only = definitions.get("date_precision") == "day"
    rows = []
    for section, key in METHOD_SETTINGS:
        holder = definitions.get(section) if section else definitions
        if isinstance(holder, dict) and key in holder:
            rows.append((key, None if day_only and key in MINUTE_SETTINGS else holder[key]))
    return rows
