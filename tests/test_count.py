"""count: canonical tickets → additive counts, checked against counts worked out by hand."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from citistat.count import (
    ALL_COUNT_COLUMNS,
    COUNT_COLUMNS,
    GRAINS,
    History,
    add_counts,
    count_all,
    count_tickets,
    with_derived,
)
from citistat.tickets import SATISFACTION_LEVELS, conform, empty_tickets

T0 = pd.Timestamp("2024-03-05 09:00")


def tickets(*rows: dict) -> pd.DataFrame:
    """A canonical frame; each row overrides a plain, unanswered ticket of agency A in 2024-03."""
    base = {"created_at": T0, "period": "2024-03", "agency": "A", "unit_type": "街乡镇"}
    full = [{"ticket_id": f"t{i}", **base, **row} for i, row in enumerate(rows)]
    return conform(pd.DataFrame(full))


def one_row(frame: pd.DataFrame) -> dict:
    assert len(frame) == 1
    return frame.iloc[0].to_dict()


def test_count_columns_match_the_architecture_document():
    text = (Path(__file__).parents[1] / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = re.search(r"n_tickets, responded.*?quick_closed, neutral", text, re.S).group(0)
    documented = tuple(name.strip() for name in block.replace("\n", " ").split(","))
    assert COUNT_COLUMNS == documented


def test_answers_fall_into_yes_no_unknown():
    frame = tickets(
        {"responded": True, "resolved": True, "satisfaction": "very_satisfied"},
        {"responded": True, "resolved": False, "satisfaction": "basically_satisfied"},
        {"responded": False, "resolved": None, "satisfaction": "dissatisfied"},
        {"responded": None, "resolved": True, "satisfaction": "refused"},
        {"responded": None, "resolved": None, "satisfaction": None},
    )
    row = one_row(count_tickets(frame))
    assert row["n_tickets"] == 5
    assert (row["responded"], row["not_responded"], row["response_unknown"]) == (2, 1, 2)
    assert (row["resolved"], row["not_resolved"], row["resolution_unknown"]) == (2, 1, 2)
    assert (row["very_satisfied"], row["basically_satisfied"], row["dissatisfied_plain"]) == (1, 1, 1)
    assert (row["refused"], row["satisfaction_unknown"], row["satisfied_plain"]) == (1, 1, 0)
    # every ticket is in exactly one satisfaction column
    levels = [
        "very_satisfied",
        "satisfied_plain",
        "basically_satisfied",
        "dissatisfied_plain",
        "very_dissatisfied",
        "not_surveyed",
        "refused",
        "unreachable",
        "satisfaction_unknown",
    ]
    assert sum(row[c] for c in levels) == 5


def test_times_give_closed_on_time_overdue_and_quick_closes():
    frame = tickets(
        # closed after 10 minutes exactly: quick (the bound is inclusive), on time
        {"closed_at": T0 + pd.Timedelta(minutes=10), "due_at": T0 + pd.Timedelta(days=1)},
        # closed after 11 minutes: not quick; late
        {"closed_at": T0 + pd.Timedelta(minutes=11), "due_at": T0 + pd.Timedelta(minutes=5)},
        # closed before it was created (a clock error): not quick
        {"closed_at": T0 - pd.Timedelta(minutes=1)},
        # open with a due date: due known, neither on time nor overdue
        {"due_at": T0 + pd.Timedelta(days=1)},
        # closed exactly at the due time: on time
        {"closed_at": T0 + pd.Timedelta(days=2), "due_at": T0 + pd.Timedelta(days=2), "reopened": True},
    )
    row = one_row(count_tickets(frame))
    assert row["closed"] == 4
    assert row["due_known"] == 4
    assert row["closed_on_time"] == 2
    assert row["overdue"] == 1
    assert row["quick_closed"] == 1
    assert row["reopened"] == 1
    assert one_row(count_tickets(frame, quick_close_minutes=11))["quick_closed"] == 2


def test_valid_callback_columns_count_only_valid_call_backs():
    frame = tickets(
        {"valid_callback": True, "responded": True, "satisfaction": "satisfied"},
        {"valid_callback": False, "responded": True, "satisfaction": "satisfied"},
        {"valid_callback": None, "responded": False, "satisfaction": "dissatisfied"},
    )
    row = one_row(count_tickets(frame))
    assert row["valid_callback"] == 1
    assert (row["responded"], row["valid_responded"], row["valid_not_responded"]) == (2, 1, 0)
    assert (row["satisfied_plain"], row["valid_satisfied_plain"], row["valid_dissatisfied_plain"]) == (2, 1, 0)


def test_grouping_keeps_missing_keys_and_sorts():
    frame = tickets(
        {"agency": "B"},
        {"agency": "A"},
        {"agency": None},
        {"agency": "A", "period": "2024-02", "created_at": T0 - pd.Timedelta(days=30)},
    )
    counts = count_tickets(frame)
    keys = list(zip(counts["period"], counts["agency"].fillna("<NA>")))
    assert keys == [("2024-02", "A"), ("2024-03", "A"), ("2024-03", "B"), ("2024-03", "<NA>")]
    assert counts["n_tickets"].tolist() == [1, 1, 1, 1]
    assert counts["n_tickets"].dtype == np.int64


def test_missing_period_is_taken_from_created_at():
    frame = tickets({"period": None, "created_at": pd.Timestamp("2024-01-31 23:59")})
    assert one_row(count_tickets(frame))["period"] == "2024-01"


def test_count_all_gives_every_grain_and_each_adds_up_to_the_total():
    frame = tickets(
        {"category": "noise", "district": "D", "street": "S", "place": "P", "channel": "app"},
        {"category": None, "agency": "B"},
        {"category": "road", "unit_type": None},
    )
    grains = count_all(frame)
    assert set(grains) == set(GRAINS)
    for grain, counts in grains.items():
        assert list(counts.columns[: len(GRAINS[grain])]) == list(GRAINS[grain])
        assert counts["n_tickets"].sum() == 3, grain
    assert grains["category"]["category"].isna().sum() == 1


def test_empty_table_counts_to_an_empty_frame_with_the_columns():
    counts = count_tickets(empty_tickets())
    assert counts.empty
    assert list(counts.columns) == ["period", "agency", *ALL_COUNT_COLUMNS]
    assert all(frame.empty for frame in count_all(empty_tickets()).values())


def test_counts_of_parts_add_up_to_counts_of_the_whole():
    rng = np.random.default_rng(7)
    n = 400
    frame = conform(
        {
            "ticket_id": [f"t{i}" for i in range(n)],
            "created_at": T0 + pd.to_timedelta(rng.integers(0, 60 * 86400, n), unit="s"),
            "agency": rng.choice(["A", "B", "C", None], n),
            "responded": rng.choice([True, False, None], n),
            "satisfaction": rng.choice(list(SATISFACTION_LEVELS), n),
            "closed_at": T0 + pd.to_timedelta(rng.integers(0, 60 * 86400, n), unit="s"),
        }
    )
    whole = count_tickets(frame)
    parts = add_counts([count_tickets(frame.iloc[:150]), count_tickets(frame.iloc[150:])], ("period", "agency"))
    pd.testing.assert_frame_equal(whole, parts, check_dtype=False)


def test_matches_a_plain_pandas_groupby():
    rng = np.random.default_rng(3)
    n = 300
    frame = conform(
        {
            "ticket_id": [f"t{i}" for i in range(n)],
            "created_at": T0,
            "period": "2024-03",
            "agency": rng.choice(["A", "B"], n),
            "district": rng.choice(["D1", "D2", None], n),
            "street": rng.choice(["S1", "S2", "S3"], n),
            "resolved": rng.choice([True, False, None], n),
        }
    )
    counts = count_tickets(frame, ("period", "agency", "district", "street"))
    reference = (
        frame.assign(yes=frame["resolved"].fillna(False).astype(int))
        .groupby(["agency", "district", "street"], dropna=False)["yes"]
        .agg(["size", "sum"])
        .reset_index()
    )
    assert counts["n_tickets"].tolist() == reference["size"].tolist()
    assert counts["resolved"].tolist() == reference["sum"].tolist()


def test_derived_satisfied_and_dissatisfied():
    frame = tickets(
        {"satisfaction": "very_satisfied"},
        {"satisfaction": "basically_satisfied"},
        {"satisfaction": "very_dissatisfied"},
        {"satisfaction": "not_surveyed"},
    )
    row = one_row(with_derived(count_tickets(frame)))
    assert (row["satisfied"], row["dissatisfied"]) == (1 + 1, 1)


def test_history_gives_empty_grains_with_columns():
    history = History()
    assert history.grain("agency").empty
    assert "n_tickets" in history.grain("place").columns
    assert history.periods() == []


def test_a_quarter_million_tickets_count_quickly():

    rng = np.random.default_rng(0)
    n = 250_000  # a million counts in about 1 s; a quarter keeps the suite lean
    agency = rng.integers(0, 300, n)
    frame = conform(
        {
            "ticket_id": np.arange(n).astype(str),
            "created_at": T0,
            "period": "2024-03",
            "agency": pd.Series(agency).astype(str),
            "category": pd.Series(rng.integers(0, 100, n)).astype(str),
            "street": pd.Series(agency % 200).astype(str),
            "place": pd.Series(agency * 10 + rng.integers(0, 10, n)).astype(str),
            "responded": rng.random(n) < 0.9,
            "satisfaction": rng.choice(list(SATISFACTION_LEVELS), n),
        }
    )
    grains = count_all(frame)  # speed is the benchmark's business; this checks a large frame adds up
    assert grains["agency"]["n_tickets"].sum() == n
