"""The shipped sample set: one export per month, and a last month split across two overlapping files.

The two files of the last month overlap as several district exports of one
city do: a few tickets appear in both, identical, and one appears in both with
a later close time in the second file.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from ..periods import period_range as every_period
from ..safe_io import atomic_write_text
from .agencies import (
    IMPROVING_UNITS,
    SUSPICIOUS_FROM,
    SUSPICIOUS_UNIT,
    WEAK_UNITS,
    alias_rows,
    roster_rows,
    select_agencies,
)
from .callers import FIRST_CASE
from .catalog import FIRST_FILE_DISTRICTS, RENAME_FROM, RENAME_LAST_DAY_OLD, RENAMED_NEW, RENAMED_OLD
from .generate import generate_by_period
from .writers import write_export, write_export_parts

FIRST_PERIOD = "2023-03"
LAST_PERIOD = "2024-03"
DEFAULT_TICKETS_PER_PERIOD = 2500
DEFAULT_SEED = 7
DEFAULT_AGENCIES = 60
IDENTICAL_COPIES = 6  # tickets of the last month exported in both of its files
FILE_STEM = "12345_工单"


def period_range(first: str, last: str) -> list[str]:
    """Every "YYYY-MM" from `first` to `last`, both included."""
    months = every_period(first, last)
    if not months:
        raise ValueError(f"{first} comes after {last}")
    return months


DEFAULT_PERIODS = period_range(FIRST_PERIOD, LAST_PERIOD)


def monthly_file_name(period: str, fmt: str = "xlsx") -> str:
    return f"{FILE_STEM}_{period}.{fmt}"


def split_file_names(period: str) -> tuple[str, str]:
    """The last month's two files: the first two districts as xlsx, the others as GB18030 CSV."""
    return f"{FILE_STEM}_{period}_东城西城.xlsx", f"{FILE_STEM}_{period}_其他区.csv"


def write_sample_set(
    out_dir: str | Path,
    *,
    tickets_per_period: int = DEFAULT_TICKETS_PER_PERIOD,
    seed: int = DEFAULT_SEED,
    periods: list[str] | None = None,
    agencies: int = DEFAULT_AGENCIES,
    formats: tuple[str, ...] | None = None,
    readme: bool = True,
) -> list[Path]:
    """Write the sample exports into `out_dir`; return the paths written (README last).

    With `formats` None this is the shipped layout: one xlsx per month, the
    last month split into an xlsx and a CSV that overlap. With `formats`
    given ("xlsx", "csv"), one file per month and format, no split.
    """
    periods = list(periods or DEFAULT_PERIODS)
    out_dir = Path(out_dir)
    frames = generate_by_period(periods, tickets_per_period, agencies, seed)
    written: list[Path] = []
    if formats:
        for period, frame in frames.items():
            for fmt in formats:
                written += write_export_parts(frame, out_dir / monthly_file_name(period, fmt), fmt, period=period)
    else:
        *earlier, last = periods
        for period in earlier:
            written += write_export_parts(frames[period], out_dir / monthly_file_name(period), "xlsx", period=period)
        written += _write_split_period(frames[last], last, out_dir, np.random.default_rng(seed))
    if readme:
        readme_text = render_readme(
            periods, tickets_per_period, seed, agencies, [p.name for p in written], formats, out_dir.name or "OUT_DIR"
        )
        written.append(atomic_write_text(out_dir / "README.md", readme_text))
    return written


def _write_split_period(frame: pd.DataFrame, period: str, out_dir: Path, rng: np.random.Generator) -> list[Path]:
    first, second = split_with_overlap(frame, rng)
    first_name, second_name = split_file_names(period)
    return [
        *write_export_parts(first, out_dir / first_name, "xlsx", period=period),
        write_export(second, out_dir / second_name, "csv", period=period),
    ]


def split_with_overlap(
    frame: pd.DataFrame, rng: np.random.Generator, copies: int = IDENTICAL_COPIES
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split by district; repeat `copies` first-part tickets in the second part, plus one conflicting version."""
    in_first = frame["所属区"].isin(FIRST_FILE_DISTRICTS)
    first, second = frame[in_first], frame[~in_first]
    candidates = first.index[_plain_closed(first)]
    picks = rng.choice(candidates, size=min(copies + 1, candidates.size), replace=False)
    identical = first.loc[picks[:copies]]
    conflicting = first.loc[picks[copies:]].copy()
    conflicting["办结时间"] = conflicting["办结时间"] + pd.Timedelta(days=1, hours=3)
    conflicting["工单状态"] = "重办"
    conflicting["是否重办"] = "是"
    second = pd.concat([second, identical, conflicting])
    return first.reset_index(drop=True), _in_time_order(second).reset_index(drop=True)


def _plain_closed(frame: pd.DataFrame) -> pd.Series:
    """Closed tickets with a readable call time and a clean id: the ones a second export would also hold."""
    readable = frame["来电时间"].map(lambda v: not isinstance(v, str))
    clean_id = frame["工单编号"].str.startswith("GD")
    return readable & clean_id & frame["办结时间"].notna() & (frame["工单状态"] == "已办结")


def _in_time_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Sort by call time; an unreadable time keeps its place after the row before it."""
    key = pd.to_datetime(
        frame["来电时间"].where(frame["来电时间"].map(lambda v: not isinstance(v, str))), errors="coerce"
    ).ffill()
    return frame.assign(_key=key.to_numpy()).sort_values("_key", kind="stable").drop(columns="_key")


# --- the agency tables ----------------------------------------------------------------------------


def write_agency_tables(config_dir: str | Path, agencies: int = DEFAULT_AGENCIES) -> list[Path]:
    """config/agencies/roster.csv and aliases.csv for the agencies of the sample."""
    units = select_agencies(agencies, np.random.default_rng(0))  # names only: the rates are not used here
    folder = Path(config_dir) / "agencies"
    return [
        atomic_write_text(folder / "roster.csv", _csv_text(["agency", "unit_type", "district"], roster_rows(units))),
        atomic_write_text(
            folder / "aliases.csv", _csv_text(["alias", "canonical", "valid_from", "valid_to"], alias_rows(units))
        ),
    ]


def _csv_text(header: list[str], rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


# --- README ---------------------------------------------------------------------------------------


def render_readme(
    periods: list[str],
    tickets_per_period: int,
    seed: int,
    agencies: int,
    files: list[str],
    formats: tuple[str, ...] | None = None,
    out_dir_name: str = "OUT_DIR",
) -> str:
    """The README written beside the files: what they hold, the command that made them, and that all is invented."""
    listing = "\n".join(f"- `{name}`" for name in files)
    return f"""# Sample 12345 exports (synthetic)

Synthetic hotline exports of the invented city 示例市, for trying citistat and for its tests.
**Every person, phone number, ticket and answer in these files is made up.** Caller names are random
combinations of common characters; phone numbers are random 11-digit numbers on the 140/141/144
prefixes, which are not issued as 11-digit personal mobile numbers.

Generated with (deterministic: the same command gives the same data):

    {_command_line(out_dir_name, periods, tickets_per_period, seed, agencies, formats)}

## Files

{listing}

{len(periods)} monthly period{"s" if len(periods) > 1 else ""} ({periods[0]} … {periods[-1]}), {tickets_per_period:,} tickets each, {agencies} agencies
(municipal departments 委办局 and street/town offices 街乡镇; see `config/agencies/roster.csv`).
{_files_note(formats)}

## Layout

Sheet `工单明细` (a hidden sheet `字典` holds a lookup list): row 1 a merged title, row 2 the export time and
a 说明 note, row 3 the header, then the tickets, one blank row among them, a `合计` row and a
`制表人…审核人…` line. Dates are real Excel datetimes; ticket ids are text.

## What there is to find

- **A rename**: `{RENAMED_OLD}` until {RENAME_LAST_DAY_OLD}, `{RENAMED_NEW}` from {RENAME_FROM}-01
  (`config/agencies/aliases.csv` maps the old name, and short forms such as 城管局, to the new one).
- **Weak units** (satisfaction around 75–85 %): {"、".join(WEAK_UNITS)}.
- **Improving units** (about 78 % → 96 % over the year): {"、".join(IMPROVING_UNITS)}.
- **A pattern to question**: from {SUSPICIOUS_FROM} {SUSPICIOUS_UNIT} reports near-perfect satisfaction, most of it
  基本满意, and many tickets closed within minutes of the call.
- **Repeat callers**: a few numbers call again and again: about the same building, after a ticket was
  marked 已解决, or dissatisfied every time. One caller's {FIRST_CASE[0]}（{FIRST_CASE[1]}）case at
  {FIRST_CASE[2]} comes back more often every month.
- **Seasons**: 供暖 tickets from November to March, more noise complaints in summer.
- **Unknown answers**: 未回访, 拒绝评价, 无法联系 and blanks, which belong in no denominator.
- **Mess**: agency names with full-width brackets, trailing spaces, U+3000, NBSP and short forms; ids
  with a leading tab or apostrophe; a few unreadable call times (an impossible date such as
  `2024-02-30 10:00`, or `待补录`).
"""


def _command_line(
    out_dir_name: str, periods: list[str], tickets: int, seed: int, agencies: int, formats: tuple[str, ...] | None
) -> str:
    contiguous = periods == period_range(periods[0], periods[-1])
    span = f"{periods[0]}..{periods[-1]}" if contiguous else ",".join(periods)
    line = f"citistat sample {out_dir_name} --periods {span} --tickets {tickets} --seed {seed}"
    if agencies != DEFAULT_AGENCIES:
        line += f" --agencies {agencies}"
    if formats:
        line += " --format " + ("both" if len(formats) == 2 else formats[0])
    return line


def _files_note(formats: tuple[str, ...] | None) -> str:
    if formats:
        return (
            "One file per period and format; the CSV is the GB18030 variant with a different header "
            "(受理时间, 主办单位, 回访结果, 问题分类; dates as text like `2024/3/5 9:10`)."
        )
    return f"""One xlsx per period, except the last period, which comes as two overlapping files, as two district
exports of one city would: the 东城区/西城区 tickets as xlsx, the other districts as a GB18030 CSV with a
different header (受理时间, 主办单位, 回访结果, 问题分类; dates as text like `2024/3/5 9:10`).
{IDENTICAL_COPIES} tickets of the xlsx appear again, identical, in the CSV, and one more appears there as a
conflicting version (a later 办结时间, status 重办)."""
