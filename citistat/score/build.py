"""score_period: history and configuration in, one PeriodResult out.

Reads like the session it prepares: the units to show, each unit's rates and
trends, its score and rank within its type, the questions the screens raise,
then the city as a whole and what residents called about.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import pandas as pd

from ..count import History
from ..messages import load_messages
from ..periods import shift_period
from ..results import METRICS, Flag, PeriodResult, RateStat, UnitResult
from ..tickets import CANONICAL_COLUMNS, conform
from . import geography, repeat, screens, small_units, story, topics
from .composite import composite_score, effective_weights, rank_units, rates_available, small_sample
from .definitions import Scoring
from .foresee import foresee
from .history import CountBook
from .rates import unit_rates
from .trends import unit_deltas, unit_series

if TYPE_CHECKING:  # citistat.config imports click (through errors); the score stage must not
    from ..config import Config

RATE_METRICS: tuple[str, ...] = (*METRICS, "on_time")


@dataclass(frozen=True)
class Context:
    """Everything a unit's result is computed from, prepared once per run."""

    period: str
    scoring: Scoring
    lang: str
    book: CountBook
    tickets: pd.DataFrame
    category_counts: pd.DataFrame
    place_counts: pd.DataFrame
    came_back: pd.DataFrame
    watchlists: dict[str, list]
    places: dict[str, list]
    categories: dict[str, list]


def _canonical(tickets: pd.DataFrame | None) -> pd.DataFrame:
    if tickets is None or len(tickets.columns) == 0:
        return conform({name: [] for name in CANONICAL_COLUMNS})
    if set(CANONICAL_COLUMNS) <= set(tickets.columns):
        return tickets
    return conform(tickets)


def make_context(history: History, period: str, config: Config, lang: str | None = None) -> Context:
    scoring = config.scoring_rules
    book = CountBook(history)
    tickets = _canonical(history.tickets)
    category_counts = history.grain("category")
    place_counts = history.grain("place")
    previous_known = book.is_known(shift_period(period, -1))
    watch = repeat.watchlists(tickets, period, scoring)
    watch.update(repeat.watchlists(tickets, period, scoring, by_agency=False))
    places = repeat.recurring_places(place_counts, period, scoring)
    places.update(repeat.recurring_places(place_counts, period, scoring, by_agency=False))
    return Context(
        period=period,
        scoring=scoring,
        lang=lang or config.lang,
        book=book,
        tickets=tickets,
        category_counts=category_counts,
        place_counts=place_counts,
        came_back=repeat.came_back(tickets, period, scoring.screens.repeat_window_days),
        watchlists=watch,
        places=places,
        categories=topics.category_rows_by_agency(
            category_counts, period, previous_known, scoring.screens.hot_topics_size
        ),
    )


# ---------------------------------------------------------------- one unit


def _status(ctx: Context, agency: str, n_tickets: int) -> str:
    if n_tickets == 0:
        return "no tickets"
    earlier = [p for p in ctx.book.known if p < ctx.period]
    if earlier and ctx.book.first_period(agency) == ctx.period:
        return "new"
    return "active"


def _repeat_flags(ctx: Context, key: str, came_back_n: int, resolved: int) -> list[Flag]:
    settings = ctx.scoring.screens
    flags = []
    if came_back_n > 0:
        flags.append(
            Flag(
                "came_back",
                "watch",
                screens.message("came_back", ctx.lang, n=came_back_n, days=settings.repeat_window_days),
                float(came_back_n),
                {"came_back": came_back_n, "resolved_this_period": resolved},
            )
        )
    watched = ctx.watchlists.get(key, [])
    if watched:
        urgent = any(w.after_solved > 0 and w.dissatisfied > 0 for w in watched)
        flags.append(
            Flag(
                "repeat_callers",
                "concern" if urgent else "watch",
                screens.message(
                    "repeat_callers", ctx.lang, n=len(watched), min_tickets=settings.repeat_caller_min_tickets
                ),
                float(len(watched)),
                {"callers": len(watched), "after_solved_and_dissatisfied": urgent},
            )
        )
    return flags


def unit_result(ctx: Context, agency: str | None, unit_type: str | None, *, label: str | None = None) -> UnitResult:
    """A unit's result without its rank (ranks need every unit of the type); agency None = the city."""
    counts = ctx.book.counts(agency, ctx.period)
    scoring = ctx.scoring
    rates = unit_rates(counts, scoring, unit_type)
    deltas, volume = unit_deltas(ctx.book, agency, ctx.period, counts, scoring, RATE_METRICS)
    weights = scoring.weights_for(ctx.period, unit_type)
    key = repeat.CITY if agency is None else agency
    came_back = (
        ctx.came_back
        if agency is None
        else ctx.came_back.loc[(ctx.came_back["agency"] == agency).fillna(False).to_numpy()]
    )
    flags = screens.unit_screens(ctx.book, agency, ctx.period, deltas, scoring, ctx.lang)
    flags += _repeat_flags(ctx, key, len(came_back), counts["resolved"])
    categories = (
        topics.category_rows(ctx.category_counts, ctx.period, None, ctx.book.is_known(shift_period(ctx.period, -1)))
        if agency is None
        else ctx.categories.get(agency, [])
    )
    return UnitResult(
        agency=label if label is not None else (agency or ""),
        unit_type=unit_type,
        n_tickets=counts["n_tickets"],
        counts=counts,
        rates=rates,
        deltas=deltas,
        volume=volume,
        score=composite_score(rates, weights),
        rank=None,
        rank_of=0,
        small_n=small_sample(rates, weights, scoring.min_n),
        series=unit_series(ctx.book, agency, ctx.period, scoring, RATE_METRICS),
        status="active" if agency is None else _status(ctx, agency, counts["n_tickets"]),
        categories=categories[: scoring.screens.hot_topics_size],
        places=ctx.places.get(key, []),
        watchlist=ctx.watchlists.get(key, []),
        flags=flags,
        weights_version=weights.version if weights else None,
    )


# ---------------------------------------------------------------- rates the data has


def _available_by_type(units: list[UnitResult], scoring: Scoring) -> dict[str | None, set[str] | None]:
    """Per unit type, the rates with answers in the period (None: use every weighted rate, as configured)."""
    if scoring.missing_rates == "require_all":
        return {}
    groups: dict[str | None, list] = {}
    for unit in units:
        groups.setdefault(unit.unit_type, []).append(unit.rates)
    return {unit_type: rates_available(rates) for unit_type, rates in groups.items()}


def on_available_rates(unit: UnitResult, ctx: Context, available: set[str] | None) -> UnitResult:
    """The unit's score and small-n mark over the rates its unit type has, weights renormalised."""
    if available is None:
        return unit
    weights = ctx.scoring.weights_for(ctx.period, unit.unit_type)
    return replace(
        unit,
        score=composite_score(unit.rates, weights, available),
        small_n=small_sample(unit.rates, weights, ctx.scoring.min_n, available),
    )


def _weights_effective(
    ctx: Context, units: list[UnitResult], city: UnitResult, available: dict, city_available: set[str] | None
) -> dict[str, dict[str, float]]:
    """unit type ("*" for the city) -> the weights the composite used, after any renormalisation."""
    used = {"*": effective_weights(ctx.scoring.weights_for(ctx.period, None), city_available)}
    with_tickets = {u.unit_type for u in units if u.n_tickets > 0}
    for unit_type in sorted(with_tickets, key=lambda t: (t is None, t or "")):
        weights = ctx.scoring.weights_for(ctx.period, unit_type)
        used[unit_type or "—"] = {
            m: round(w, 4) for m, w in effective_weights(weights, available.get(unit_type)).items()
        }
    used["*"] = {m: round(w, 4) for m, w in used["*"].items()}
    return used


def date_precision(tickets: pd.DataFrame, period: str) -> str:
    """ "day" when no creation or close time of the period carries a time of day, else "time".

    Day-only exports (many US casework systems) make every same-day close look
    instant; the books then never speak of minutes, and say why.
    """
    rows = tickets.loc[(tickets["period"] == period).fillna(False).to_numpy()] if "period" in tickets else tickets
    stamps = [rows[c].dropna() for c in ("created_at", "closed_at") if c in rows]
    stamps = [s for s in stamps if len(s)]
    if not stamps:
        return "time"
    day_only = all(bool((s == s.dt.normalize()).all()) for s in stamps)
    return "day" if day_only else "time"


# ---------------------------------------------------------------- all units


def roster_units(config: Config, ctx: Context) -> list[tuple[str, str | None]]:
    """(agency, unit_type): every roster unit, then every other unit with tickets this period."""
    units: dict[str, str | None] = {}
    for row in config.roster:
        name = (row.get("agency") or "").strip()
        if name and name not in units:
            units[name] = (row.get("unit_type") or "").strip() or None
    for agency in ctx.book.agencies(ctx.period):
        if agency not in units:
            units[agency] = ctx.book.unit_type(agency, ctx.period)
    return list(units.items())


def unit_type_order(config: Config, units: list[UnitResult]) -> list[str]:
    order: list[str] = []
    for row in config.roster:
        unit_type = (row.get("unit_type") or "").strip()
        if unit_type and unit_type not in order:
            order.append(unit_type)
    order += sorted({u.unit_type for u in units if u.unit_type and u.unit_type not in order})
    return order


def with_ranks(units: list[UnitResult], rank_small: bool = False) -> list[UnitResult]:
    """Rank within each unit type (units without a type form a group of their own).

    A unit below the minimum n is left unranked unless the office asks for it ([ranking] small_units =
    "marked"): a rank on 13 answers would be tied or ordered by noise, so it is listed apart instead."""
    ranked: list[UnitResult] = []
    groups: dict[str | None, list[UnitResult]] = {}
    for unit in units:
        groups.setdefault(unit.unit_type, []).append(unit)
    ranks = {}
    for unit_type, group in groups.items():
        entries = [
            (u.agency, None if u.small_n and not rank_small and not u.pooled else u.score, u.n_tickets) for u in group
        ]
        for name, r in rank_units(entries).items():
            ranks[(unit_type, name)] = r
    for unit in units:
        r = ranks[(unit.unit_type, unit.agency)]
        ranked.append(replace(unit, rank=r.rank, rank_of=r.rank_of))
    return ranked


def score_period(history: History, period: str, config: Config, *, lang: str | None = None) -> PeriodResult:
    """Rates, intervals, deltas, scores, ranks, screens and topics of one period."""
    from .methods import definitions_for

    ctx = make_context(history, period, config, lang)
    units = [unit_result(ctx, agency, unit_type) for agency, unit_type in roster_units(config, ctx)]
    available = _available_by_type(units, ctx.scoring)
    units = [on_available_rates(u, ctx, available.get(u.unit_type)) for u in units]
    pooled_rates: dict[str, dict[str, RateStat]] = {}
    pooled_periods: list[str] = []
    if ctx.scoring.small_units == "pooled":
        units, pooled_rates, pooled_periods = small_units.pool_small_units(ctx, units, available)
    units = with_ranks(units, rank_small=ctx.scoring.small_units == "marked")
    city = unit_result(ctx, None, None, label=load_messages(ctx.lang)("unit.city"))
    city_available = None if ctx.scoring.missing_rates == "require_all" else rates_available([city.rates])
    city = on_available_rates(city, ctx, city_available)
    rows = city.categories
    all_rows = topics.category_rows(ctx.category_counts, period, None, ctx.book.is_known(shift_period(period, -1)))
    settings = ctx.scoring.screens
    default_weights = ctx.scoring.weights_for(period, None)
    previous, last_year = shift_period(period, -1), shift_period(period, -12)
    return PeriodResult(
        period=period,
        previous_period=previous if ctx.book.is_known(previous) else None,
        last_year_period=last_year if ctx.book.is_known(last_year) else None,
        city=city,
        units=units,
        unit_types=unit_type_order(config, units),
        hot_topics=topics.hot_topics(rows, settings.hot_topics_size),
        rising_topics=topics.rising_topics(all_rows, settings.hot_topics_size, settings.rising_min_n),
        topics=[
            topics.topic_result(t, ctx.tickets, ctx.category_counts, period, ctx.book.known) for t in config.topics
        ],
        flags=[*city.flags, *screens.agency_changes(ctx.book, period, ctx.lang)],
        definitions={
            **definitions_for(ctx.scoring, period, unit_type_order(config, units)),
            "weights_effective": _weights_effective(ctx, units, city, available, city_available),
            "date_precision": date_precision(ctx.tickets, period),
        },
        weights_version=default_weights.version if default_weights else "",
        min_n=ctx.scoring.min_n,
        foresight=foresee(history, ctx.tickets, period, ctx.scoring),
        areas=geography.areas(
            history, ctx.tickets, period, ctx.scoring, config.settings.maps.rate, config.topics, ctx.book.known
        ),
        story=story.tell(ctx, units, config, history.grain("district"), pooled_rates, pooled_periods),
    )
