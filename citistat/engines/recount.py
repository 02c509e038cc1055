"""Recount archived periods from their stored tickets with an engine, and store the counts back.

The counts go back through the archive's own `store_period` (new Parquet files named by their hash,
one database transaction), with the period's tickets, file reports and issues as they were: only the
counts change. A published period is never changed; with `new_revision` its recount becomes the
next revision, as a re-ingest would.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..count import GRAINS, empty_counts
from .results import by_period


@dataclass
class PeriodRecount:
    period: str
    status: str  # "stored" | "unchanged" | "published" (left as it was) | "missing" (not in the archive)
    tickets: int = 0
    changed_grains: list[str] = field(default_factory=list)
    revision: int | None = None


def _same_counts(old: pd.DataFrame, new: pd.DataFrame) -> bool:
    """Equal values, whatever the dtypes (stored frames come back with their own)."""
    if old is None or old.empty:
        return new.empty
    if list(old.columns) != list(new.columns) or len(old) != len(new):
        return False
    normal = [frame.astype(object).where(frame.notna(), None).reset_index(drop=True) for frame in (old, new)]
    return normal[0].equals(normal[1])


def recount_periods(
    archive, engine, periods: list[str], *, quick_close_minutes: int, new_revision: bool = False
) -> list[PeriodRecount]:
    """Recount `periods` (those the archive holds) in one engine pass; store each period whose counts change."""
    stored = set(archive.periods.all())
    present = [p for p in periods if p in stored]
    outcome = {p: PeriodRecount(p, "missing") for p in periods if p not in stored}
    if present:
        files = [archive.periods.tickets_file(p) for p in present]
        counts = by_period(engine.count(files, quick_close_minutes=quick_close_minutes))
        for period in present:
            fresh = counts.get(period) or {grain: empty_counts(by) for grain, by in GRAINS.items()}
            outcome[period] = _store(archive, period, fresh, new_revision)
    return [outcome[p] for p in periods]


def _store(archive, period: str, counts: dict[str, pd.DataFrame], new_revision: bool) -> PeriodRecount:
    changed = [
        grain
        for grain, frame in counts.items()
        if grain not in archive.periods.grains(period)
        or not _same_counts(archive.periods.counts(grain, [period]), frame)
    ]
    session = archive.sessions.get(period)
    tickets = int(counts["agency"]["n_tickets"].sum())
    if not changed:
        return PeriodRecount(period, "unchanged", tickets, [], session.revision)
    if session.status == "published" and not new_revision:
        return PeriodRecount(period, "published", tickets, changed, session.revision)
    summary = archive.periods.store(
        period,
        archive.periods.tickets(period),
        counts,
        archive.periods.file_reports(period),
        archive.periods.issues(period),
        new_revision=new_revision,
    )
    return PeriodRecount(period, "stored", tickets, changed, summary.revision)
