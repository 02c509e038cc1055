"""Repeat complaints: callers who keep calling, "solved" tickets that come back, places that recur.

Callers are known only by `caller_key` (a salted hash of the phone number) and
leave this module as a short pseudonym of that hash, so a briefing never
carries anything that leads back to a person.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from ..periods import shift_period
from ..results import PlaceRow, WatchItem
from .definitions import Scoring

PLACE_KEYS: tuple[str, ...] = ("district", "street", "place")


def period_bounds(period: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    start = pd.Timestamp(f"{period}-01")
    return start, pd.Timestamp(f"{shift_period(period, 1)}-01")


def caller_ref(caller_key: str) -> str:
    """A short pseudonym for the watch list: a hash of the key, never the key itself."""
    return "R-" + hashlib.sha256(f"watch:{caller_key}".encode()).hexdigest()[:6]


# What the repeat screens read of a ticket: copying only these keeps the window cheap at a million rows.
REPEAT_COLUMNS = (
    "ticket_id",
    "agency",
    "caller_key",
    "category",
    "place",
    "created_at",
    "closed_at",
    "resolved",
    "satisfaction",
)


def recent_tickets(tickets: pd.DataFrame, period: str, window_days: int) -> pd.DataFrame:
    """Tickets with a caller, created from `window_days` before the period to its end (REPEAT_COLUMNS)."""
    start, end = period_bounds(period)
    created = tickets["created_at"]
    keep = tickets["caller_key"].notna() & (created >= start - pd.Timedelta(days=window_days)) & (created < end)
    return tickets.loc[keep.fillna(False).to_numpy(), [c for c in REPEAT_COLUMNS if c in tickets.columns]]


def callers_seen_again(
    recent: pd.DataFrame, by_agency: bool = False, min_tickets: int = 2, since: pd.Timestamp | None = None
) -> pd.DataFrame:
    """The rows of callers with at least `min_tickets` tickets (to the same agency when `by_agency`),
    one of them created at or after `since` when given.

    Most callers call once: dropping them first, with integer codes and no sort, keeps
    the joins and sorts that follow small at a million tickets. Only whole callers are
    dropped, so nothing that follows changes.
    """
    if recent.empty:
        return recent
    callers, _ = pd.factorize(recent["caller_key"].astype("string"))
    if by_agency:
        units, _ = pd.factorize(recent["agency"].astype("string"))
        group = units.astype(np.int64) * (int(callers.max()) + 1) + callers
    else:
        group = callers.astype(np.int64)
    _, group, sizes = np.unique(group, return_inverse=True, return_counts=True)
    keep = sizes[group] >= min_tickets
    if since is not None:
        later = (recent["created_at"] >= since).to_numpy(dtype=bool, na_value=False)
        keep &= np.bincount(group, weights=later, minlength=len(sizes))[group] > 0
    return recent.loc[keep]


def _same(left: pd.Series, right: pd.Series) -> pd.Series:
    return (left == right).fillna(False).astype(bool)


def came_back(tickets: pd.DataFrame, period: str, window_days: int) -> pd.DataFrame:
    """Tickets marked solved that another ticket followed within the window, from the same caller
    about the same category or the same place; the follow-up falls in `period`.

    Returns one row per solved ticket that came back: ticket_id, agency, caller_key.
    """
    columns = ["ticket_id", "agency", "caller_key"]
    start, _ = period_bounds(period)
    recent = callers_seen_again(recent_tickets(tickets, period, window_days), since=start)
    if recent.empty:
        return pd.DataFrame({c: pd.Series([], dtype="string") for c in columns})
    solved = recent.loc[
        recent["resolved"].astype("boolean").fillna(False).to_numpy(),
        ["ticket_id", "agency", "caller_key", "category", "place", "created_at", "closed_at"],
    ].copy()
    # A ticket is "solved" from its closing time; without one, from its creation.
    solved["solved_at"] = solved["closed_at"].fillna(solved["created_at"])
    later = recent.loc[
        (recent["created_at"] >= start).to_numpy(), ["ticket_id", "caller_key", "category", "place", "created_at"]
    ]
    pairs = solved.merge(later, on="caller_key", suffixes=("", "_next"))
    window = pd.Timedelta(days=window_days)
    keep = (
        (pairs["ticket_id"] != pairs["ticket_id_next"]).fillna(False).astype(bool)
        & (pairs["created_at_next"] > pairs["solved_at"]).fillna(False).astype(bool)
        & (pairs["created_at_next"] <= pairs["solved_at"] + window).fillna(False).astype(bool)
        & (_same(pairs["category"], pairs["category_next"]) | _same(pairs["place"], pairs["place_next"]))
    )
    return pairs.loc[keep.to_numpy(), columns].drop_duplicates("ticket_id").reset_index(drop=True)


CITY = ""  # the key under which city-wide lists are returned


def _caller_tickets(
    tickets: pd.DataFrame,
    period: str,
    *,
    window_days: int,
    min_tickets: int,
    dissatisfied: tuple[str, ...],
    by_agency: bool,
) -> tuple[pd.DataFrame, pd.Index, pd.Index]:
    """The window's tickets of callers seen again, one row each with integer unit and caller codes,
    sorted by unit, caller and time; plus the units and callers the codes point into."""
    recent = recent_tickets(tickets, period, window_days)
    if by_agency:
        recent = recent.loc[recent["agency"].notna().to_numpy()]
    start, _ = period_bounds(period)
    recent = callers_seen_again(recent, by_agency, min_tickets, since=start)
    # Integer codes for units and callers: grouping and sorting on them is many times
    # faster than on text, which matters at a million tickets.
    unit_codes, units = (
        pd.factorize(recent["agency"].astype("string"), sort=True)
        if by_agency
        else (np.zeros(len(recent), dtype=np.int64), pd.Index([CITY]))
    )
    caller_codes, callers = pd.factorize(recent["caller_key"].astype("string"), sort=True)
    frame = pd.DataFrame(
        {
            "unit": unit_codes,
            "caller": caller_codes,
            "ticket": np.arange(len(recent)),  # row order breaks ties between tickets created at the same time
            "created_at": recent["created_at"].to_numpy(),
            "resolved": recent["resolved"].astype("boolean").to_numpy(dtype=bool, na_value=False).astype(int),
            "dissatisfied": recent["satisfaction"].astype("object").isin(dissatisfied).to_numpy().astype(int),
            "in_period": (recent["created_at"] >= start).to_numpy().astype(int),
            "category": recent["category"].astype("object").to_numpy(),
        }
    ).sort_values(["unit", "caller", "created_at", "ticket"], kind="stable")
    by_caller = frame.groupby(["unit", "caller"], sort=False)
    # A ticket comes "after solved" when an earlier ticket of the same caller (to the same unit) was solved.
    frame["after_solved"] = ((by_caller["resolved"].cumsum() - frame["resolved"]) > 0).astype(int)
    return frame, units, callers


def _tallies(frame: pd.DataFrame, min_tickets: int) -> pd.DataFrame:
    """Per unit and caller code: tickets, after solved, dissatisfied, in the period, first and last seen."""
    totals = (
        frame.groupby(["unit", "caller"])
        .agg(
            tickets=("ticket", "size"),
            after_solved=("after_solved", "sum"),
            dissatisfied=("dissatisfied", "sum"),
            in_period=("in_period", "sum"),
            first_seen=("created_at", "min"),
            last_seen=("created_at", "max"),
        )
        .reset_index()
    )
    return totals.loc[(totals["tickets"] >= min_tickets) & (totals["in_period"] > 0)]


def caller_totals(
    tickets: pd.DataFrame,
    period: str,
    *,
    window_days: int,
    min_tickets: int,
    dissatisfied: tuple[str, ...],
    by_agency: bool = True,
) -> pd.DataFrame:
    """The repeat-caller tallies behind the watch lists, per unit (agency, or CITY) and caller_key;
    the SQL engines compute the same table (citistat.engines)."""
    frame, units, callers = _caller_tickets(
        tickets,
        period,
        window_days=window_days,
        min_tickets=min_tickets,
        dissatisfied=dissatisfied,
        by_agency=by_agency,
    )
    totals = _tallies(frame, min_tickets)
    return (
        totals.assign(
            unit=pd.array(units.take(totals["unit"].to_numpy()).to_numpy(), dtype="string"),
            caller=pd.array(callers.take(totals["caller"].to_numpy()).to_numpy(), dtype="string"),
        )
        .rename(columns={"caller": "caller_key"})
        .reset_index(drop=True)
    )


def watchlists(
    tickets: pd.DataFrame, period: str, scoring: Scoring, *, by_agency: bool = True
) -> dict[str, list[WatchItem]]:
    """Repeat callers per agency (or city-wide under CITY when by_agency is False).

    A caller joins an agency's list with at least `repeat_caller_min_tickets` tickets to it in the
    window and at least one in the period; most urgent first: tickets after one marked solved,
    then dissatisfied answers, then volume.
    """
    settings = scoring.screens
    frame, units, callers = _caller_tickets(
        tickets,
        period,
        window_days=settings.repeat_window_days,
        min_tickets=settings.repeat_caller_min_tickets,
        dissatisfied=tuple(scoring.rates.dissatisfied),
        by_agency=by_agency,
    )
    if frame.empty:
        return {}
    totals = _tallies(frame, settings.repeat_caller_min_tickets)
    # Most urgent first, then cut each unit's list before the (slower) category summaries.
    totals = totals.sort_values(
        ["unit", "after_solved", "dissatisfied", "tickets", "caller"], ascending=[True, False, False, False, True]
    )
    totals = totals.groupby("unit", sort=False).head(settings.watchlist_size)
    categories = _categories_by_frequency(frame, totals)
    lists: dict[str, list[WatchItem]] = {}
    columns = ["unit", "caller", "tickets", "after_solved", "dissatisfied", "first_seen", "last_seen"]
    for unit, caller, n_tickets, after_solved, dissatisfied, first_seen, last_seen in totals[columns].itertuples(
        index=False, name=None
    ):
        lists.setdefault(str(units[unit]), []).append(
            WatchItem(
                caller_ref=caller_ref(str(callers[caller])),
                tickets=int(n_tickets),
                after_solved=int(after_solved),
                dissatisfied=int(dissatisfied),
                categories=categories.get((unit, caller), []),
                first_seen=pd.Timestamp(first_seen).strftime("%Y-%m-%d"),
                last_seen=pd.Timestamp(last_seen).strftime("%Y-%m-%d"),
            )
        )
    return lists


def _categories_by_frequency(frame: pd.DataFrame, watched: pd.DataFrame) -> dict[tuple[int, int], list[str]]:
    """(unit, caller) codes -> the caller's categories, most frequent first (ties by name)."""
    rows = frame.merge(watched[["unit", "caller"]], on=["unit", "caller"])
    rows = rows.loc[rows["category"].notna()]
    sizes = rows.groupby(["unit", "caller", "category"]).size().reset_index(name="n")
    sizes = sizes.sort_values(["unit", "caller", "n", "category"], ascending=[True, True, False, True])
    found: dict[tuple[int, int], list[str]] = {}
    for unit, caller, category in zip(sizes["unit"], sizes["caller"], sizes["category"]):
        found.setdefault((int(unit), int(caller)), []).append(str(category))
    return found


def place_label(district: str | None, street: str | None, place: str | None) -> str:
    return " / ".join(part for part in (district, street, place) if part)


def recurring_places(
    place_counts: pd.DataFrame, period: str, scoring: Scoring, *, by_agency: bool = True
) -> dict[str, list[PlaceRow]]:
    """Places with tickets this period that also had tickets in most recent periods, per agency
    (or city-wide under CITY)."""
    settings = scoring.screens
    recent = {shift_period(period, -k) for k in range(settings.place_history_periods)}
    frame = place_counts.loc[
        place_counts["period"].isin(recent).fillna(False).to_numpy()
        & (place_counts["n_tickets"] > 0).to_numpy()
        & place_counts[list(PLACE_KEYS)].notna().any(axis=1).to_numpy()
    ]
    if by_agency:
        frame = frame.loc[frame["agency"].notna().to_numpy()]
    if frame.empty:
        return {}
    keys = ["unit", *PLACE_KEYS]
    frame = frame.assign(
        unit=frame["agency"].astype("string") if by_agency else CITY,
        **{k: frame[k].astype("string").fillna("") for k in PLACE_KEYS},
    )
    per_period = frame.groupby([*keys, "period"])["n_tickets"].sum().reset_index()
    per_period["current"] = per_period["n_tickets"].where(per_period["period"] == period, 0)
    summary = per_period.groupby(keys).agg(n=("current", "sum"), repeat_periods=("period", "nunique")).reset_index()
    summary = summary.loc[(summary["n"] > 0) & (summary["repeat_periods"] >= settings.place_min_periods)]
    summary = summary.sort_values(
        ["unit", "n", "repeat_periods", *PLACE_KEYS], ascending=[True, False, False, True, True, True]
    )
    lists: dict[str, list[PlaceRow]] = {}
    columns = ["unit", *PLACE_KEYS, "n", "repeat_periods"]
    for unit, district, street, place, n, repeat_periods in summary[columns].itertuples(index=False, name=None):
        rows = lists.setdefault(str(unit), [])
        if len(rows) < settings.places_size:
            rows.append(PlaceRow(place_label(district, street, place), int(n), int(repeat_periods)))
    return lists
