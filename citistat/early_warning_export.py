"""The early-warning list as a table for the hotline centre: CSV or xlsx, formula-safe.

Internal by nature: it carries each flagged caller's salted key (so the centre can match
its own records by hashing a number with the workspace's salt) and case history, and never a
name, a phone number or ticket text. Cells go through citistat.safe_io, so nothing in a
category or agency name can run as a formula in a spreadsheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .errors import CitistatError
from .foresight import EarlyWarning
from .safe_io import write_table_csv, write_table_xlsx

CALLER_COLUMNS = (
    "rank",
    "caller_ref",
    "caller_key",
    "score",
    "reasons",
    "contacts",
    "contacts_in_period",
    "after_solved",
    "oldest_unresolved_days",
    "agencies",
    "categories",
    "places",
    "first_seen",
    "last_seen",
)
EVENT_COLUMNS = ("date", "ticket_id", "category", "agency", "outcome", "satisfaction")
FORMATS = (".csv", ".xlsx")


def _words(lang: str):
    from .messages import load_messages  # the books' catalogue: one wording for both

    return load_messages(lang)


def _header(columns: Sequence[str], t) -> list[str]:
    return [t(f"foresight.export.{c}") for c in columns]


def _caller_cells(entry: EarlyWarning, t, sep: str) -> list[object]:
    return [
        entry.rank,
        entry.caller_ref,
        entry.caller_key,
        entry.score,
        sep.join(t(f"foresight.reason.{r}") for r in entry.reasons),
        entry.contacts,
        entry.contacts_in_period,
        entry.after_solved,
        entry.oldest_unresolved_days,
        sep.join(entry.agencies),
        sep.join(entry.categories),
        sep.join(entry.places),
        entry.first_seen,
        entry.last_seen,
    ]


def _event_cells(event, t) -> list[object]:
    return [
        event.date,
        event.ticket_id,
        event.category,
        event.agency,
        t(f"foresight.outcome.{event.outcome}"),
        t(f"foresight.satisfaction.{event.satisfaction}")
        if t.has(f"foresight.satisfaction.{event.satisfaction}")
        else "",
    ]


def write_early_warning(path: str | Path, entries: list[EarlyWarning], lang: str = "zh-CN") -> Path:
    """CSV: one row per contact, the caller's columns repeated (a flat table to filter);
    xlsx: a sheet of callers and a sheet of their contacts."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise CitistatError(f"{path}: write the early-warning list as .csv or .xlsx")
    t = _words(lang)
    sep = "、" if lang == "zh-CN" else "; "
    if path.suffix.lower() == ".csv":
        rows = [_caller_cells(e, t, sep) + _event_cells(ev, t) for e in entries for ev in e.timeline]
        return write_table_csv(path, _header(CALLER_COLUMNS + EVENT_COLUMNS, t), rows)
    callers = [_caller_cells(e, t, sep) for e in entries]
    events = [[e.rank, e.caller_ref] + _event_cells(ev, t) for e in entries for ev in e.timeline]
    return write_table_xlsx(
        path,
        {
            t("foresight.export.sheet_callers"): (_header(CALLER_COLUMNS, t), callers),
            t("foresight.export.sheet_timeline"): (_header(("rank", "caller_ref") + EVENT_COLUMNS, t), events),
        },
    )
