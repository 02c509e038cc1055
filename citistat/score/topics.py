"""What people call about: top categories, rising ones, and the 每月一题 topics of the month.

Category figures come from the `category` count grain, so they reach back as
far as the archive does. A configured topic matched by keywords needs tickets
(titles are not counted), so its last-year figure exists only when the history
holds last year's tickets of the same period.
"""

from __future__ import annotations

import re

import pandas as pd

from ..periods import shift_period
from ..results import CategoryRow, TopicResult


def _category_totals(category_counts: pd.DataFrame, period: str, agency: str | None) -> dict[str, int]:
    frame = category_counts.loc[(category_counts["period"] == period).fillna(False).to_numpy()]
    if agency is not None:
        frame = frame.loc[(frame["agency"] == agency).fillna(False).to_numpy()]
    frame = frame.loc[frame["category"].notna().to_numpy()]
    totals = frame.groupby(frame["category"].astype(str))["n_tickets"].sum()
    return {str(k): int(v) for k, v in totals.items() if v > 0}


def category_rows(
    category_counts: pd.DataFrame, period: str, agency: str | None = None, previous_known: bool = True
) -> list[CategoryRow]:
    """Every category of the period with its share and change against the previous period."""
    now = _category_totals(category_counts, period, agency)
    before = _category_totals(category_counts, shift_period(period, -1), agency) if previous_known else {}
    total = sum(now.values())
    rows = []
    for category, n in now.items():
        previous = before.get(category, 0) if previous_known else None
        change = n - previous if previous is not None else None
        rows.append(CategoryRow(category, n, n / total if total else 0.0, previous, change))
    rows.sort(key=lambda r: (-r.n, r.category))
    return rows


def category_rows_by_agency(
    category_counts: pd.DataFrame, period: str, previous_known: bool = True, size: int | None = None
) -> dict[str, list[CategoryRow]]:
    """category_rows for every agency at once (one grouping instead of one filter per agency)."""
    previous = shift_period(period, -1)
    frame = category_counts.loc[
        category_counts["period"].isin([period, previous]).fillna(False).to_numpy()
        & category_counts["agency"].notna().to_numpy()
        & category_counts["category"].notna().to_numpy()
    ]
    if frame.empty:
        return {}
    frame = frame.assign(
        now=frame["n_tickets"].where(frame["period"] == period, 0),
        before=frame["n_tickets"].where(frame["period"] == previous, 0),
    )
    table = frame.groupby([frame["agency"].astype(str), frame["category"].astype(str)])[["now", "before"]].sum()
    table = table.loc[table["now"] > 0].reset_index()
    table["total"] = table.groupby("agency")["now"].transform("sum")
    table = table.sort_values(["agency", "now", "category"], ascending=[True, False, True])
    rows: dict[str, list[CategoryRow]] = {}
    for agency, category, now, before, total in table[["agency", "category", "now", "before", "total"]].itertuples(
        index=False
    ):
        listed = rows.setdefault(agency, [])
        if size is None or len(listed) < size:
            previous_n = int(before) if previous_known else None
            change = int(now) - previous_n if previous_n is not None else None
            listed.append(CategoryRow(category, int(now), int(now) / int(total), previous_n, change))
    return rows


def hot_topics(rows: list[CategoryRow], size: int) -> list[CategoryRow]:
    return rows[:size]


def rising_topics(rows: list[CategoryRow], size: int, min_n: int) -> list[CategoryRow]:
    """Categories that grew most against the previous period, among those with at least `min_n` tickets."""
    rising = [r for r in rows if r.change is not None and r.change > 0 and r.n >= min_n]
    rising.sort(key=lambda r: (-(r.change or 0), -r.n, r.category))  # every change here is a number
    return rising[:size]


# ---------------------------------------------------------------- 每月一题


def topic_mask(tickets: pd.DataFrame, topic: dict) -> pd.Series:
    """Tickets of a topic: category in its categories, or a keyword in category, subcategory or title."""
    categories = [str(c) for c in topic.get("categories", []) or []]
    keywords = [str(k) for k in topic.get("keywords", []) or [] if str(k)]
    mask = tickets["category"].astype("object").isin(categories)
    if keywords:
        pattern = "|".join(re.escape(k) for k in keywords)
        for column in ("category", "subcategory", "title"):
            found = tickets[column].astype("string").str.contains(pattern, regex=True, na=False)
            mask = mask | found.astype(bool)
    return mask.fillna(False).astype(bool)


def _topic_fields(tickets: pd.DataFrame, period: str) -> pd.DataFrame:
    """A period's tickets, with only the fields a topic reads (a million rows copy fast when narrow)."""
    return tickets.loc[
        (tickets["period"] == period).fillna(False).to_numpy(), ["agency", "category", "subcategory", "title"]
    ]


def _by_agency(tickets: pd.DataFrame) -> dict[str, int]:
    counts = tickets["agency"].astype("string").fillna("").value_counts()
    return {str(k): int(v) for k, v in counts.items()}


def _category_only_counts(category_counts: pd.DataFrame, period: str, categories: list[str]) -> dict[str, int]:
    frame = category_counts.loc[
        (category_counts["period"] == period).fillna(False).to_numpy()
        & category_counts["category"].isin(categories).fillna(False).to_numpy()
    ]
    totals = frame.groupby(frame["agency"].astype("string").fillna(""))["n_tickets"].sum()
    return {str(k): int(v) for k, v in totals.items() if v > 0}


def topic_result(
    topic: dict, tickets: pd.DataFrame, category_counts: pd.DataFrame, period: str, known_periods: list[str]
) -> TopicResult:
    """One topic this period against the same period a year before."""
    last_year = shift_period(period, -12)
    in_period = _topic_fields(tickets, period)
    now = _by_agency(in_period.loc[topic_mask(in_period, topic).to_numpy()])
    then: dict[str, int] | None = None
    last_year_tickets = _topic_fields(tickets, last_year)
    if not last_year_tickets.empty:
        then = _by_agency(last_year_tickets.loc[topic_mask(last_year_tickets, topic).to_numpy()])
    elif not topic.get("keywords") and last_year in known_periods:
        # Without keywords the topic is a set of categories: the counts reach back a year.
        then = _category_only_counts(category_counts, last_year, [str(c) for c in topic.get("categories", [])])
    n = sum(now.values())
    last_year_n = sum(then.values()) if then is not None else None
    change_pct = (n - last_year_n) / last_year_n * 100 if last_year_n else None
    agencies = sorted(set(now) | set(then or {}), key=lambda a: (-now.get(a, 0), a))
    by_agency = [(a, now.get(a, 0), (then or {}).get(a, 0) if then is not None else None) for a in agencies]
    return TopicResult(str(topic.get("name", "")), n, last_year_n, change_pct, by_agency)
