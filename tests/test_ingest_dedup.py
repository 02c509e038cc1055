"""Duplicates across files: identical copies collapse, conflicts follow the documented rule."""

from __future__ import annotations

import pandas as pd

from citistat.ingest.dedup import DUPLICATE_COLUMNS, deduplicate
from citistat.ingest.normalise import STATUS_RANK


def row(
    ticket_id,
    *,
    file="a.xlsx",
    line=2,
    order=0,
    status="closed",
    closed="2024-03-06 10:00",
    reopened=False,
    satisfaction="satisfied",
):
    return {
        "ticket_id": ticket_id,
        "created_at": pd.Timestamp("2024-03-05 09:00"),
        "agency": "市水务局",
        "status": status,
        "closed_at": pd.Timestamp(closed) if closed else pd.NaT,
        "reopened": reopened,
        "satisfaction": satisfaction,
        "status_rank": STATUS_RANK.get(status, 0),
        "source_file": file,
        "source_sheet": "工单明细",
        "source_row": line,
        "load_order": order,
    }


def frame(*rows):
    data = pd.DataFrame(list(rows))
    data["closed_at"] = data["closed_at"].astype("datetime64[ns]")
    data["reopened"] = data["reopened"].astype("boolean")
    return data


def test_unique_tickets_pass_untouched():
    result = deduplicate(frame(row("A"), row("B", line=3)))
    assert result.tickets["ticket_id"].tolist() == ["A", "B"]
    assert result.dropped.empty and result.duplicates.empty and result.conflicts == []
    assert list(result.duplicates.columns) == DUPLICATE_COLUMNS


def test_identical_copies_collapse_and_count_as_duplicates():
    result = deduplicate(frame(row("A", file="a.xlsx"), row("A", file="b.csv", order=1), row("B", line=3)))
    assert result.tickets["ticket_id"].tolist() == ["A", "B"]
    assert len(result.dropped) == 1
    assert set(result.duplicates["kind"]) == {"identical"} and result.conflicts == []


def test_times_that_differ_only_in_seconds_are_identical():
    # One export shows 10:00:41, the other 10:00: the same ticket.
    result = deduplicate(
        frame(row("A", closed="2024-03-06 10:00:41"), row("A", file="b.csv", order=1, closed="2024-03-06 10:00"))
    )
    assert result.conflicts == [] and len(result.tickets) == 1


def test_conflict_keeps_the_latest_close_time_and_reports_both_versions():
    early = row("A", file="new.xlsx", order=1, closed="2024-03-06 10:00", satisfaction="dissatisfied")
    late = row("A", file="old.xlsx", order=0, closed="2024-03-08 10:00")
    result = deduplicate(frame(early, late))
    kept = result.tickets.iloc[0]
    assert kept["source_file"] == "old.xlsx"  # latest close wins even though it was loaded first
    assert result.duplicates["kind"].tolist() == ["conflict", "conflict"]
    assert result.duplicates["kept"].tolist() == [False, True]
    assert result.duplicates.loc[0, "differs_in"] == "closed_at,satisfaction"
    assert result.conflicts == [
        {"ticket_id": "A", "versions": 2, "kept_file": "old.xlsx", "kept_sheet": "工单明细", "kept_row": 2}
    ]


def test_same_close_time_then_the_most_advanced_status_wins():
    result = deduplicate(
        frame(row("A", status="closed", order=0), row("A", status="in_progress", order=1, file="b.xlsx"))
    )
    assert result.tickets.iloc[0]["status"] == "closed"


def test_an_open_version_counts_as_earliest():
    result = deduplicate(frame(row("A", status="closed"), row("A", status="open", closed=None, order=1, file="b.xlsx")))
    assert result.tickets.iloc[0]["status"] == "closed"


def test_full_tie_then_the_file_loaded_last_wins():
    result = deduplicate(
        frame(
            row("A", satisfaction="satisfied", order=0),
            row("A", file="later.xlsx", satisfaction="dissatisfied", order=1),
        )
    )
    assert result.tickets.iloc[0]["source_file"] == "later.xlsx"


def test_a_reopened_ticket_counts_once_and_is_flagged():
    first = row("A", status="closed", closed="2024-03-06 10:00")
    again = row("A", file="b.csv", order=1, status="reopened", closed="2024-03-09 10:00", reopened=True)
    older_copy = row("A", file="c.csv", order=2, status="closed", closed="2024-03-06 10:00")
    result = deduplicate(frame(first, again, older_copy))
    assert len(result.tickets) == 1 and len(result.dropped) == 2  # 3 rows read = 1 ticket + 2 duplicates
    assert bool(result.tickets.iloc[0]["reopened"]) is True


def test_reopened_flag_sticks_even_when_the_closed_version_wins():
    reopened = row("A", status="reopened", closed="2024-03-06 10:00", reopened=True)
    closed_later = row("A", file="b.csv", order=1, status="closed", closed="2024-03-10 10:00")
    result = deduplicate(frame(reopened, closed_later))
    kept = result.tickets.iloc[0]
    assert kept["status"] == "closed" and bool(kept["reopened"]) is True
