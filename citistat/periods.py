"""Monthly periods as "YYYY-MM" strings: checking, shifting, ranges.

Plain strings sort in time order and read the same in SQLite, Parquet, file
names and JSON, so every stage uses them rather than date objects.
"""

from __future__ import annotations

import re

# ASCII digits only and the whole string: `\d` would take full-width and Arabic-Indic digits, and `$`
# would let a trailing newline through.
PERIOD_PATTERN = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])", re.ASCII)


def is_period(value: object) -> bool:
    return isinstance(value, str) and PERIOD_PATTERN.fullmatch(value) is not None


def check_period(period: str) -> str:
    """`period` itself, or a UsageError that says the expected form."""
    if not is_period(period):
        from .errors import UsageError  # late: the pure score stage uses this module without click

        raise UsageError(
            f"period {period!r} is not of the form YYYY-MM in ASCII digits, with nothing before "
            "or after it (for example 2024-03)"
        )
    return period


def shift_period(period: str, months: int) -> str:
    """ "2024-03" shifted by `months` (negative = earlier)."""
    year, month = int(period[:4]), int(period[5:7])
    index = year * 12 + (month - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def period_range(first: str, last: str) -> list[str]:
    """Every period from `first` to `last`, both included; empty when `first` comes after `last`."""
    periods, current = [], first
    while current <= last:
        periods.append(current)
        current = shift_period(current, 1)
    return periods
