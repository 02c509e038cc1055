"""Per-area figures for the maps: tickets, the chosen rate and its change against last year,
by district and street office, for the city, each agency and each 每月一题 topic."""

from __future__ import annotations

import pandas as pd

from ..areas import Areas, AreaStat
from ..count import ALL_COUNT_COLUMNS, History
from ..periods import shift_period
from .definitions import Scoring
from .hexbins import hex_grid
from .rates import tally
from .topics import topic_mask

MAP_METRICS = ("response", "resolution", "satisfaction")


def _by_area(frame: pd.DataFrame, period: str, key: str) -> pd.DataFrame:
    rows = frame.loc[(frame["period"] == period).to_numpy() & frame[key].notna().to_numpy()]
    columns = [c for c in ALL_COUNT_COLUMNS if c in rows.columns]
    return rows.groupby(rows[key].astype(str), sort=True)[columns].sum()


def _counts(row: pd.Series) -> dict[str, int]:
    return {str(column): int(n) for column, n in row.items()}


def area_stats(
    frame: pd.DataFrame, period: str, key: str, metric: str, scoring: Scoring, last_year_known: bool
) -> list[AreaStat]:
    now = _by_area(frame, period, key)
    before = _by_area(frame, shift_period(period, -12), key)
    stats = []
    before_counts = {str(name): _counts(row) for name, row in before.iterrows()}
    for name, row in now.iterrows():
        counts = _counts(row)
        parts = tally(metric, counts, scoring.rates)
        then = before_counts.get(str(name))
        last_year_n = (int(then["n_tickets"]) if then else 0) if last_year_known else None
        last_rate = tally(metric, then, scoring.rates).value if then else None
        stats.append(
            AreaStat(str(name), int(counts["n_tickets"]), last_year_n, parts.value, parts.denominator, last_rate)
        )
    return sorted(stats, key=lambda s: (-s.n, s.name))


def _district_counts(frame: pd.DataFrame) -> list[tuple[str, int]]:
    counts = frame["district"].dropna().astype(str).value_counts()
    return sorted(((str(k), int(v)) for k, v in counts.items()), key=lambda kv: (-kv[1], kv[0]))


def areas(
    history: History,
    tickets: pd.DataFrame,
    period: str,
    scoring: Scoring,
    metric: str,
    topics: list[dict],
    known_periods: list[str],
) -> Areas:
    """The maps' figures; `metric` is the `[maps] rate` (config.settings.maps.rate)."""
    last_year_known = shift_period(period, -12) in known_periods
    districts = history.grain("district")
    by_agency: dict[str, list[tuple[str, int]]] = {}
    current = districts.loc[(districts["period"] == period).to_numpy()]
    for agency, rows in current.groupby(current["agency"].astype(str), sort=True):
        placed = rows.loc[rows["district"].notna().to_numpy()]
        summed = placed.groupby(placed["district"].astype(str))["n_tickets"].sum()
        by_agency[str(agency)] = sorted(
            ((str(k), int(v)) for k, v in summed.items() if v > 0), key=lambda kv: (-kv[1], kv[0])
        )
    in_period = tickets.loc[
        (tickets["period"] == period).fillna(False).to_numpy(), ["district", "category", "subcategory", "title"]
    ]
    by_topic = {
        str(t.get("name", "")): _district_counts(in_period.loc[topic_mask(in_period, t).to_numpy()]) for t in topics
    }
    return Areas(
        metric=metric,
        district=area_stats(districts, period, "district", metric, scoring, last_year_known),
        street=area_stats(history.grain("street"), period, "street", metric, scoring, last_year_known),
        by_agency=by_agency,
        by_topic=by_topic,
        unplaced=int(current.loc[current["district"].isna().to_numpy(), "n_tickets"].sum()),
        hexbins=hex_grid(tickets, period),
    )
