"""Monthly periods: the one place that knows the "YYYY-MM" form."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citistat.errors import UsageError
from citistat.periods import check_period, is_period, period_range, shift_period

periods = st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(1990, 2090), st.integers(1, 12))


@pytest.mark.parametrize("period,months,expected", [
    ("2024-03", -1, "2024-02"), ("2024-01", -1, "2023-12"), ("2024-03", -12, "2023-03"), ("2023-12", 1, "2024-01"),
])
def test_shift(period, months, expected):
    assert shift_period(period, months) == expected


@given(periods, st.integers(-240, 240))
def test_shift_there_and_back(period, months):
    assert shift_period(shift_period(period, months), -months) == period


def test_range_includes_both_ends():
    assert period_range("2023-11", "2024-02") == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert period_range("2024-02", "2024-01") == []


@pytest.mark.parametrize("bad", ["2024-13", "2024-3", "24-03", "2024/03", "", None])
def test_bad_periods_are_refused_with_the_form(bad):
    assert not is_period(bad)
    with pytest.raises(UsageError, match="YYYY-MM"):
        check_period(bad)
