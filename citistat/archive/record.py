"""The archive read as the city's record: which session stands for a period, and its data at that revision.

A period may have several sessions (revisions). The one of record is the latest
*published* revision; when none is published yet, the latest draft, and every
product built from it (annual report, open-data export) says so. Its numbers come
from the data revision that session used, so a later draft re-ingest never changes
what a published session reported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..periods import check_period
from .files import read_verified_parquet

# Folders beside the sessions for what is made from them (not session outputs: a published
# session stays frozen while these are written later).
OPEN_DATA_FOLDER = "open-data"
REPORTS_FOLDER = "reports"


@dataclass(frozen=True)
class SessionOfRecord:
    period: str
    revision: int
    status: str  # "published" | "draft"
    data_revision: int
    meeting_date: str | None

    @property
    def is_draft(self) -> bool:
        return self.status != "published"


def session_of_record(archive, period: str) -> SessionOfRecord | None:
    """The latest published revision of the period, else its latest draft with data; None without data."""
    check_period(period)
    row = archive.db.execute(
        "SELECT period, revision, status, data_revision, meeting_date FROM sessions "
        "WHERE period = ? AND data_revision IS NOT NULL "
        "ORDER BY status = 'published' DESC, revision DESC LIMIT 1",
        (period,),
    ).fetchone()
    return SessionOfRecord(**dict(row)) if row else None


def sessions_of_record(archive, periods: list[str]) -> list[SessionOfRecord]:
    return [s for s in (session_of_record(archive, p) for p in periods) if s is not None]


def counts_at(archive, session: SessionOfRecord, grain: str) -> pd.DataFrame:
    """One grain's counts as stored for the session's data revision (checked against their hash)."""
    row = archive.db.execute(
        "SELECT path, sha256 FROM counts WHERE period = ? AND revision = ? AND grain = ?",
        (session.period, session.data_revision, grain),
    ).fetchone()
    if row is None:
        return pd.DataFrame()
    return read_verified_parquet(archive.absolute(row["path"]), row["sha256"], f"{grain} counts of {session.period}")


def grains_at(archive, session: SessionOfRecord) -> list[str]:
    return [
        r[0]
        for r in archive.db.execute(
            "SELECT grain FROM counts WHERE period = ? AND revision = ? ORDER BY grain",
            (session.period, session.data_revision),
        )
    ]


def tickets_at(archive, session: SessionOfRecord) -> pd.DataFrame:
    """The canonical tickets of the session's data revision (no personal data: see tickets.conform)."""
    from ..tickets import conform

    row = archive.periods.data_row(session.period, session.data_revision)
    if row is None:
        from ..tickets import empty_tickets

        return empty_tickets()
    frame = read_verified_parquet(
        archive.absolute(row["tickets_path"]), row["tickets_sha256"], f"tickets of {session.period}"
    )
    return conform(frame)


def history_at(archive, session: SessionOfRecord, lookback: int = 13):
    """The score stage's History for the period, with the period's own data taken from the session's revision."""
    from ..count import History

    counts, tickets = archive.periods.history_parts(session.period, lookback)
    current = archive.periods.data_row(session.period)
    if current is not None and current["revision"] != session.data_revision:
        for grain in grains_at(archive, session):
            frame = counts.get(grain, pd.DataFrame())
            others = frame[frame["period"] != session.period] if len(frame) else frame
            counts[grain] = pd.concat([others, counts_at(archive, session, grain)], ignore_index=True)
        tickets = pd.concat(
            [tickets[tickets["period"] != session.period], tickets_at(archive, session)], ignore_index=True
        )
    return History(counts=counts, tickets=tickets)


@dataclass(frozen=True)
class QualityRecord:
    """What the period's inputs looked like: files by status, the reconciliation, issues by severity."""

    period: str
    files: int
    file_status: dict[str, int]
    read: int
    accepted: int
    rejected: int
    excluded: int
    duplicates: int
    skipped: int
    issues: dict[str, int]  # severity -> n


def quality_at(archive, period: str, revision: int) -> QualityRecord:
    totals = dict.fromkeys(("read", "accepted", "rejected", "excluded", "duplicates", "skipped"), 0)
    statuses: dict[str, int] = {}
    rows = archive.db.execute(
        "SELECT status, reconciliation FROM input_files WHERE period = ? AND revision = ? ORDER BY position",
        (period, revision),
    ).fetchall()
    for row in rows:
        statuses[row["status"]] = statuses.get(row["status"], 0) + 1
        reconciliation = json.loads(row["reconciliation"])
        for key in totals:
            totals[key] += int(reconciliation.get(key, 0) or 0)
    issues: dict[str, int] = {}
    for row in archive.db.execute(
        "SELECT severity, n FROM issue_counts WHERE period = ? AND revision = ?", (period, revision)
    ):
        issues[row["severity"]] = issues.get(row["severity"], 0) + row["n"]
    return QualityRecord(period, len(rows), statuses, issues=issues, **totals)


def files_under(root: Path, folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """Files below `folder` with one of the suffixes, sorted, as paths relative to `root` (none when absent)."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in suffixes]
    return sorted(p.relative_to(root) for p in found)
