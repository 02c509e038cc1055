"""The session's story (`PeriodResult.story`): what one month's ranking table cannot tell.

- each unit's rank over the series' months, and how many months in a row, up to this one, it stayed below
  a target or at the bottom of its type (连续排名靠后: the bottom as the chair's page names it);
- how sure its rank is: a 90 % interval from simulated rates (each rate drawn from the Beta posterior of
  its own answers, every unit of the type re-ranked, SIMULATIONS times, seeded so a rebuild is identical);
- its second-level categories (二级分类) with counts and rates, and its call-back coverage;
- the district roll-up: each district's tickets as a unit of its own, ranked, with its street offices;
- timeliness where the tickets carry due dates: open tickets past due at the period's end, by days overdue;
- each 每月一题 topic's own three rates, lead unit, milestones and tickets by district against last year.

Pure like the rest of the score stage: counts and tickets in, plain values out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..count import ALL_COUNT_COLUMNS, count_tickets
from ..periods import shift_period
from ..results import METRICS, RateStat, UnitResult
from ..story import (
    AGING_BUCKETS,
    DistrictRollup,
    Milestone,
    RankPoint,
    Story,
    SubcategoryRow,
    Timeliness,
    TopicStory,
    UnitStory,
)
from .chair import BOTTOM
from .composite import composite_score, effective_weights, rank_units, rates_available, small_sample
from .rates import unit_rates
from .topic_settings import topic_lead
from .topics import topic_mask
from .trends import series_periods

if TYPE_CHECKING:
    from .build import Context

SIMULATIONS = 400  # draws for the rank intervals: enough for a stable 5th–95th percentile among ~50 units
SEED = 20240301
SUBCATEGORIES = 8  # rows per unit
DISTRICT_TYPE = "区"  # the unit type whose weights score a district, when the configuration has one


def tell(
    ctx: Context,
    units: list[UnitResult],
    config,
    district_counts: pd.DataFrame,
    pooled: dict[str, dict[str, RateStat]] | None = None,
    pooled_periods: Sequence[str] = (),
) -> Story:
    histories = rank_histories(ctx, units)
    intervals = rank_intervals(ctx, units, pooled or {})
    subcategories = subcategory_rows(ctx)
    stories = {}
    for unit in units:
        ranks = histories.get(unit.agency, [])
        low, high = intervals.get(unit.agency, (None, None))
        stories[unit.agency] = UnitStory(
            agency=unit.agency,
            ranks=ranks,
            below_target_months=_below_streak(ctx, unit),
            bottom_months=_bottom_streak(ranks),
            rank_low=low,
            rank_high=high,
            coverage=coverage(unit.counts, ctx),
            subcategories=subcategories.get(unit.agency, []),
            pooled_rates=(pooled or {}).get(unit.agency, {}),
        )
    return Story(
        units=stories,
        districts=district_rollups(ctx, units, config, district_counts),
        timeliness=timeliness(ctx),
        topics=[topic_story(t, ctx, units) for t in config.topics],
        pooled_periods=list(pooled_periods),
        simulations=SIMULATIONS if intervals else 0,
    )


# ---------------------------------------------------------------- ranks month by month


def _period_ranks(ctx: Context, members: list[tuple[str, str | None]], period: str) -> dict[str, RankPoint]:
    """Every member's score and rank in `period`, as the score stage ranks a month (small units unranked)."""
    scoring = ctx.scoring
    rates = {a: unit_rates(ctx.book.counts(a, period), scoring, t) for a, t in members}
    by_type: dict[str | None, list[str]] = {}
    for agency, unit_type in members:
        by_type.setdefault(unit_type, []).append(agency)
    points = {}
    for unit_type, agencies in by_type.items():
        available = None if scoring.missing_rates == "require_all" else rates_available(rates[a] for a in agencies)
        weights = scoring.weights_for(period, unit_type)
        entries = []
        for agency in agencies:
            small = small_sample(rates[agency], weights, scoring.min_n, available)
            score = composite_score(rates[agency], weights, available)
            rankable = None if small and scoring.small_units != "marked" else score
            entries.append((agency, rankable, ctx.book.counts(agency, period)["n_tickets"]))
        for agency, ranked in rank_units(entries).items():
            n = ctx.book.counts(agency, period)["n_tickets"]
            score = next(e[1] for e in entries if e[0] == agency)
            points[agency] = RankPoint(period, ranked.rank if n else None, ranked.rank_of, score, n)
    return points


def rank_histories(ctx: Context, units: list[UnitResult]) -> dict[str, list[RankPoint]]:
    """agency -> its rank in each of the series' months (this month's rank as the ranking shows it)."""
    members = [(u.agency, u.unit_type) for u in units]
    history: dict[str, list[RankPoint]] = {u.agency: [] for u in units}
    for period in series_periods(ctx.book, ctx.period):
        if period == ctx.period:
            points = {u.agency: RankPoint(period, u.rank, u.rank_of, u.score, u.n_tickets) for u in units}
        elif ctx.book.is_known(period):
            points = _period_ranks(ctx, members, period)
        else:
            continue
        for agency, point in points.items():
            history[agency].append(point)
    return history


def at_bottom(point: RankPoint) -> bool:
    """In the bottom of its type as the chair's page counts it: the last three, at most half the type."""
    return point.rank is not None and point.rank > point.rank_of - min(BOTTOM, point.rank_of // 2)


def _bottom_streak(points: list[RankPoint]) -> int:
    streak = 0
    for point in reversed(points):
        if not at_bottom(point):
            break
        streak += 1
    return streak


def _below_streak(ctx: Context, unit: UnitResult) -> int:
    """Months in a row, ending with this one, with at least one rate below its target."""
    streak = 0
    for period in reversed(series_periods(ctx.book, ctx.period)):
        if not ctx.book.is_known(period):
            break
        rates = unit_rates(ctx.book.counts(unit.agency, period), ctx.scoring, unit.unit_type)
        if not any(
            r.value is not None and r.target is not None and r.value < r.target
            for m, r in rates.items()
            if m in METRICS
        ):
            break
        streak += 1
    return streak


# ---------------------------------------------------------------- how sure a rank is


def rank_intervals(
    ctx: Context,
    units: list[UnitResult],
    pooled: dict[str, dict[str, RateStat]] | None = None,
    draws: int = SIMULATIONS,
) -> dict[str, tuple[int, int]]:
    """agency -> (low, high): the 5th and 95th percentile of its rank when each unit's rates are drawn from
    Beta(yes + ½, no + ½) (Jeffreys) and the type ranked again by the composite, draws times. A unit ranked on
    its pooled months is drawn from those answers, as its score was made."""
    pooled = pooled or {}
    rng = np.random.default_rng(SEED)
    found: dict[str, tuple[int, int]] = {}
    groups: dict[str | None, list[UnitResult]] = {}
    for unit in units:
        if unit.rank is not None:
            groups.setdefault(unit.unit_type, []).append(unit)
    for unit_type, group in sorted(groups.items(), key=lambda kv: kv[0] or ""):
        if len(group) < 2:
            continue
        available = None if ctx.scoring.missing_rates == "require_all" else rates_available(u.rates for u in group)
        weights = effective_weights(ctx.scoring.weights_for(ctx.period, unit_type), available)
        scores = np.zeros((draws, len(group)))
        rates = [pooled[u.agency] if u.pooled and u.agency in pooled else u.rates for u in group]
        for metric, weight in weights.items():
            yes = np.array([r[metric].numerator for r in rates], dtype=float)
            no = np.array([r[metric].denominator for r in rates], dtype=float) - yes
            scores += weight * rng.beta(yes + 0.5, np.maximum(no, 0) + 0.5, size=(draws, len(group)))
        ranks = (-scores).argsort(axis=1).argsort(axis=1) + 1  # 1 = best in each draw
        low, high = np.percentile(ranks, [5, 95], axis=0)
        for unit, lo, hi in zip(group, low, high):
            found[unit.agency] = (int(np.floor(lo)), int(np.ceil(hi)))
    return found


# ---------------------------------------------------------------- what the tickets were about


def _period_tickets(ctx: Context) -> pd.DataFrame:
    tickets = ctx.tickets
    return tickets.loc[(tickets["period"] == ctx.period).fillna(False).to_numpy()]


def _rates(counts: dict, ctx: Context, unit_type: str | None = None) -> dict[str, RateStat]:
    return {m: r for m, r in unit_rates(counts, ctx.scoring, unit_type).items() if m in METRICS}


def subcategory_rows(ctx: Context, size: int = SUBCATEGORIES) -> dict[str, list[SubcategoryRow]]:
    """agency -> its largest (category, subcategory) pairs of the period with their rates."""
    tickets = _period_tickets(ctx)
    tickets = tickets.loc[tickets["agency"].notna().to_numpy() & tickets["category"].notna().to_numpy()]
    if tickets.empty:
        return {}
    tickets = tickets.assign(subcategory=tickets["subcategory"].astype("string").fillna("—"))
    counts = count_tickets(
        tickets, by=("agency", "category", "subcategory"), quick_close_minutes=ctx.scoring.screens.quick_close_minutes
    )
    counts = counts.sort_values(["agency", "n_tickets", "category", "subcategory"], ascending=[True, False, True, True])
    rows: dict[str, list[SubcategoryRow]] = {}
    columns = [c for c in ALL_COUNT_COLUMNS if c in counts.columns]
    for record in counts.to_dict("records"):
        listed = rows.setdefault(str(record["agency"]), [])
        if len(listed) < size and record["n_tickets"] > 0:
            listed.append(
                SubcategoryRow(
                    str(record["category"]),
                    str(record["subcategory"]),
                    int(record["n_tickets"]),
                    _rates({c: int(record[c]) for c in columns}, ctx),
                )
            )
    return rows


def coverage(counts: dict, ctx: Context) -> float | None:
    """Tickets with a satisfaction answer among all tickets (None without tickets)."""
    n = counts.get("n_tickets", 0)
    return unit_rates(counts, ctx.scoring, None)["satisfaction"].denominator / n if n else None


# ---------------------------------------------------------------- districts


def district_rollups(ctx: Context, units: list[UnitResult], config, frame: pd.DataFrame) -> list[DistrictRollup]:
    """Each district's own figures (the tickets about places in it, scored like a unit) and its streets."""
    rows = frame.loc[(frame["period"] == ctx.period).to_numpy() & frame["district"].notna().to_numpy()]
    if rows.empty:
        return []
    columns = [c for c in ALL_COUNT_COLUMNS if c in rows.columns]
    totals = rows.groupby(rows["district"].astype(str))[columns].sum()
    by_name = {u.agency: u for u in units}
    streets: dict[str, list[UnitResult]] = {}
    for row in config.roster:
        district, name = (row.get("district") or "").strip(), (row.get("agency") or "").strip()
        if district and name in by_name and name != district:
            streets.setdefault(district, []).append(by_name[name])
    kind = DISTRICT_TYPE if any(w.unit_type == DISTRICT_TYPE for w in ctx.scoring.weights) else None
    weights = ctx.scoring.weights_for(ctx.period, kind)
    all_rates = {name: unit_rates({c: int(r[c]) for c in columns}, ctx.scoring, kind) for name, r in totals.iterrows()}
    available = None if ctx.scoring.missing_rates == "require_all" else rates_available(all_rates.values())
    scores = {name: composite_score(rates, weights, available) for name, rates in all_rates.items()}
    ranked = rank_units(
        [
            (
                name,
                None if small_sample(all_rates[name], weights, ctx.scoring.min_n, available) else scores[name],
                int(totals.loc[name, "n_tickets"]),
            )
            for name in totals.index
        ]
    )
    rollups = []
    for name in totals.index:
        own = sorted(streets.get(name, []), key=lambda u: (u.rank is None, u.rank or 0, u.agency))
        below = sum(
            1
            for u in own
            if any(
                r.value is not None and r.target is not None and r.value < r.target
                for m, r in u.rates.items()
                if m in METRICS
            )
        )
        rollups.append(
            DistrictRollup(
                name,
                int(totals.loc[name, "n_tickets"]),
                {m: r for m, r in all_rates[name].items() if m in METRICS},
                scores[name],
                ranked[name].rank,
                ranked[name].rank_of,
                [u.agency for u in own],
                below,
                name if name in by_name else None,
            )
        )
    return sorted(rollups, key=lambda d: (d.rank is None, d.rank or 0, -d.n, d.district))


# ---------------------------------------------------------------- timeliness


def _bucket(days: int) -> int:
    for i, (low, high) in enumerate(AGING_BUCKETS):
        if days >= low and (high is None or days <= high):
            return i
    return 0


def timeliness(ctx: Context) -> Timeliness:
    """Open tickets past their due date at the period's end, by how many days; nothing when no due dates."""
    tickets = _period_tickets(ctx)
    due = tickets["due_at"]
    with_due = tickets.loc[due.notna().to_numpy()]
    if with_due.empty:
        return Timeliness()
    end = pd.Timestamp(shift_period(ctx.period, 1) + "-01")
    open_late = with_due.loc[with_due["closed_at"].isna().to_numpy() & (with_due["due_at"] < end).to_numpy()]
    days = ((end - open_late["due_at"]).dt.days.clip(lower=1)).astype(int)
    aging = [0] * len(AGING_BUCKETS)
    by_agency: dict[str, list[int]] = {}
    for agency, d in zip(open_late["agency"].astype("string").fillna("—"), days):
        b = _bucket(int(d))
        aging[b] += 1
        by_agency.setdefault(str(agency), [0] * len(AGING_BUCKETS))[b] += 1
    return Timeliness(True, len(with_due), len(open_late), aging, by_agency)


# ---------------------------------------------------------------- 每月一题


def _milestones(topic: dict) -> list[Milestone]:
    found = []
    for item in topic.get("milestones", []) or []:
        if isinstance(item, dict) and item.get("text"):
            done = item.get("done")
            found.append(
                Milestone(str(item.get("due", "")), str(item["text"]), done if isinstance(done, bool) else None)
            )
    return found


def topic_story(topic: dict, ctx: Context, units: list[UnitResult]) -> TopicStory:
    tickets = ctx.tickets
    this = tickets.loc[(tickets["period"] == ctx.period).fillna(False).to_numpy()]
    this = this.loc[topic_mask(this, topic).to_numpy()]
    last_year = tickets.loc[(tickets["period"] == shift_period(ctx.period, -12)).fillna(False).to_numpy()]
    last = last_year.loc[topic_mask(last_year, topic).to_numpy()] if not last_year.empty else None
    counts = count_tickets(
        this.assign(one="all"), by=("one",), quick_close_minutes=ctx.scoring.screens.quick_close_minutes
    )
    totals = {c: int(counts[c].sum()) for c in ALL_COUNT_COLUMNS if c in counts.columns}
    lead = topic_lead(topic)
    configured = lead is not None
    if lead is None and not this.empty:
        by_agency = this["agency"].dropna().astype(str).value_counts()
        lead = str(by_agency.index[0]) if len(by_agency) else None
    now = this["district"].dropna().astype(str).value_counts()
    before = last["district"].dropna().astype(str).value_counts() if last is not None else None
    names = sorted(
        set(now.index) | set(before.index if before is not None else []), key=lambda d: (-int(now.get(d, 0)), d)
    )
    by_district: list[tuple[str, int, int | None]] = [
        (d, int(now.get(d, 0)), int(before.get(d, 0)) if before is not None else None) for d in names
    ]
    return TopicStory(
        str(topic.get("name", "")), _rates(totals, ctx), lead, configured, _milestones(topic), by_district
    )
