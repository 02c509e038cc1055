"""Monthly periods: the one place that knows the "YYYY-MM" form."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citistat.errors import UsageError
from citistat.periods import check_period, is_period, period_range, shift_period

periods = st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(1990, 2090), st.integers(1, 12))


@pytest.mark.parametrize(
    "period,months,expected",
    [
        ("2024-03", -1, "2024-02"),
        ("2024-01", -1, "2023-12"),
        ("2024-03", -12, "2023-03"),
        ("2023-12", 1, "2024-01"),
    ],
)
def test_shift(period, months, expected):
    assert shift_period(period, months) == expected


@given(periods, st.integers(-240, 240))
def test_shift_there_and_back(period, months):
    assert shift_period(shift_period(period, months), -months) == period


def test_range_includes_both_ends():
    assert period_range("2023-11", "2024-02") == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert period_range("2024-02", "2024-01") == []


@pytest.mark.parametrize(
    "bad",
    [
        "2024-13",
        "2024-3",
        "24-03",
        "2024/03",
        "",
        None,
        "2024-03\n",
        "\n2024-03",
        " 2024-03",
        "2024-03 ",
        "2024-03\x00",
        "２０２４-03",
        "2024-０３",
        "٢٠٢٤-03",
        "۲۰۲۴-03",
        "२०२४-03",
        "2024-03-01",
    ],
)
def test_bad_periods_are_refused_with_the_form(bad):
    assert not is_period(bad)
    with pytest.raises(UsageError, match="YYYY-MM"):
        check_period(bad)


# Every command that takes a period refuses a loose one the same way, before it reads or writes anything.
LOOSE = ["2024-03\n", "２０２４-03", "٢٠٢٤-03"]
COMMANDS_WITH_A_PERIOD = [
    ["validate", "{file}", "--period", "{p}"],
    ["ingest", "{file}", "--period", "{p}"],
    ["run", "{file}", "--period", "{p}"],
    ["build", "--period", "{p}"],
    ["publish", "--period", "{p}"],
    ["metrics", "--period", "{p}"],
    ["memo", "--period", "{p}"],
    ["followup", "add", "x", "--agency", "a", "--owner", "o", "--period", "{p}"],
    ["followup", "list", "--period", "{p}"],
    ["followup", "import", "{file}", "--period", "{p}"],
    ["notes", "set", "--agency", "a", "--period", "{p}"],
    ["notes", "show", "--period", "{p}"],
    ["notes", "import", "--period", "{p}"],
    ["sessions", "show", "{p}"],
    ["sessions", "verify", "{p}"],
]


@pytest.mark.parametrize("loose", LOOSE, ids=["newline", "full-width", "arabic-indic"])
@pytest.mark.parametrize("args", COMMANDS_WITH_A_PERIOD, ids=lambda a: " ".join(w for w in a[:2] if "{" not in w))
def test_every_command_refuses_a_loose_period_with_a_usage_error(tmp_path, args, loose):
    from click.testing import CliRunner

    from citistat.cli import main

    sample = tmp_path / "x.csv"
    sample.write_text("a\n1\n", encoding="utf-8")
    argv = [a.format(file=sample, p=loose) for a in args] + ["--workspace", str(tmp_path)]
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 2, result.output
    assert "YYYY-MM in ASCII digits" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "briefings").exists()  # refused before anything was opened or written
