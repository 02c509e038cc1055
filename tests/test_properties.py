"""Properties of the arithmetic that must hold for any tickets (Hypothesis)."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from citistat.count import ALL_COUNT_COLUMNS, History, add_counts, count_all, count_tickets
from citistat.score.definitions import RateDefinitions, Scoring
from citistat.score.history import CountBook
from citistat.score.rates import rate_stat
from citistat.score.stats import two_proportion_test, wilson_interval
from citistat.score.trends import comparison_base, rate_delta
from citistat.tickets import SATISFACTION_LEVELS, conform

T0 = pd.Timestamp("2024-03-01")
answers = st.sampled_from([True, False, None])
ticket = st.fixed_dictionaries(
    {
        "agency": st.sampled_from(["A", "B", "C", None]),
        "period": st.sampled_from(["2024-02", "2024-03"]),
        "category": st.sampled_from(["noise", "road", None]),
        "responded": answers,
        "resolved": answers,
        "valid_callback": answers,
        "reopened": answers,
        "satisfaction": st.sampled_from([*SATISFACTION_LEVELS, None]),
        "close_minutes": st.one_of(st.none(), st.integers(-5, 5000)),
        "due_minutes": st.one_of(st.none(), st.integers(0, 5000)),
    }
)
ticket_lists = st.lists(ticket, max_size=40)
fast = settings(max_examples=30, deadline=None)


def to_frame(rows: list[dict]) -> pd.DataFrame:
    records = []
    for i, row in enumerate(rows):
        created = T0 + pd.Timedelta(minutes=i)
        close, due = row["close_minutes"], row["due_minutes"]
        records.append(
            {
                **{k: v for k, v in row.items() if not k.endswith("_minutes")},
                "ticket_id": f"t{i}",
                "created_at": created,
                "closed_at": None if close is None else created + pd.Timedelta(minutes=close),
                "due_at": None if due is None else created + pd.Timedelta(minutes=due),
            }
        )
    columns = [
        "ticket_id",
        "created_at",
        "agency",
        "period",
        "category",
        "responded",
        "resolved",
        "valid_callback",
        "reopened",
        "satisfaction",
        "closed_at",
        "due_at",
    ]
    return conform(pd.DataFrame(records, columns=columns))


count_values = st.dictionaries(st.sampled_from(list(ALL_COUNT_COLUMNS)), st.integers(0, 10_000))
definitions = st.builds(
    RateDefinitions,
    basic_weight=st.floats(0, 1),
    base=st.sampled_from(["answered", "valid_callback"]),
    response=st.sampled_from(["callback", "on_time"]),
)


@fast
@given(count_values, definitions, st.sampled_from(["response", "resolution", "satisfaction", "on_time"]))
def test_rates_and_intervals_stay_in_zero_one(counts, defs, metric):
    stat = rate_stat(metric, counts, defs)
    if stat.denominator == 0:
        assert (stat.value, stat.ci_low, stat.ci_high) == (None, None, None)
    else:
        assert 0 <= stat.ci_low <= stat.value <= stat.ci_high <= 1


@fast
@given(st.integers(0, 500), st.integers(0, 500))
def test_wilson_contains_the_estimate(x, extra):
    n = x + extra
    low, high = wilson_interval(x, n)
    if n == 0:
        assert low is None
    else:
        assert 0 <= low <= x / n <= high <= 1


@fast
@given(ticket_lists)
def test_every_grain_adds_up_to_the_number_of_tickets(rows):
    frame = to_frame(rows)
    for grain, counts in count_all(frame).items():
        assert int(counts["n_tickets"].sum()) == len(rows), grain
        yes_no_unknown = counts["resolved"] + counts["not_resolved"] + counts["resolution_unknown"]
        assert (yes_no_unknown == counts["n_tickets"]).all()


@fast
@given(ticket_lists, st.randoms(use_true_random=False))
def test_permuting_rows_changes_nothing(rows, random):
    frame = to_frame(rows)
    shuffled = frame.sample(frac=1, random_state=random.randint(0, 2**31)).reset_index(drop=True)
    pd.testing.assert_frame_equal(count_tickets(frame), count_tickets(shuffled))


@fast
@given(ticket_lists, st.integers(0, 40))
def test_counts_of_two_parts_add_to_the_counts_of_the_whole(rows, cut):
    frame = to_frame(rows)
    by = ("period", "agency", "category")
    whole = count_tickets(frame, by)
    parts = add_counts([count_tickets(frame.iloc[:cut], by), count_tickets(frame.iloc[cut:], by)], by)
    pd.testing.assert_frame_equal(whole.reset_index(drop=True), parts.reset_index(drop=True), check_dtype=False)


@fast
@given(ticket_lists)
def test_delta_of_a_period_with_itself_is_zero(rows):
    frame = to_frame(rows).assign(period="2024-03")
    twice = pd.concat([frame.assign(period="2024-02"), frame], ignore_index=True)
    book = CountBook(History(counts=count_all(twice)))
    for agency in (None, "A"):
        base = comparison_base(book, agency, "2024-03", "previous")
        for metric in ("response", "resolution", "satisfaction"):
            delta = rate_delta(metric, book.counts(agency, "2024-03"), base, Scoring())
            assert delta.pp in (0, None)
            if delta.pp is None:
                assert delta.reason in {"no tickets", "no answers", "new"}
            else:
                assert delta.significant is False


@fast
@given(st.integers(0, 300), st.integers(1, 300), st.integers(0, 300), st.integers(1, 300))
def test_test_is_symmetric_and_p_values_are_probabilities(x1, n1, x2, n2):
    x1, x2 = min(x1, n1), min(x2, n2)
    forward, backward = two_proportion_test(x1, n1, x2, n2), two_proportion_test(x2, n2, x1, n1)
    assert 0 <= forward.p_value <= 1
    assert abs(forward.p_value - backward.p_value) < 1e-12
