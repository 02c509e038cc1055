"""A period's data in the archive: tickets, counts per grain, input files and issues.

Counts are stored as one Parquet file per period and grain, not as rows: each
grain has its own key columns (agency; agency and category; …), so rows would
need a generic key encoding that must be unpacked on every read, while a
Parquet file comes back as the same typed frame in one call. A history of 13
periods is 13 small files per grain, read in milliseconds, and the same layout
can be queried by a SQL engine when one machine is not enough.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import pandas as pd

from ..errors import ArchiveError
from ..quality import FILE, ROW, DataIssue, FileReport, Reconciliation
from ..safe_io import write_table_csv, write_table_xlsx
from ..tickets import conform, empty_tickets
from .base import Store, check_period, shift_period
from .changes import ChangeSummary, summarise
from .files import read_verified_parquet, remove_orphans, sha256_file, write_parquet
from .lock import no_readers
from .schema import now_iso

DATA_FOLDER = "data"
AGENCY_GRAIN = "agency"


class PeriodStore(Store):
    """`archive.periods`: each period's data (tickets, counts per grain, input files, issues) per revision."""

    def __init__(self, connection):
        super().__init__(connection)
        self._frame_cache: dict[str, pd.DataFrame] = {}

    def store(
        self,
        period: str,
        tickets: pd.DataFrame,
        counts: dict[str, pd.DataFrame],
        files: list[FileReport],
        issues: list[DataIssue],
        *,
        new_revision: bool = False,
    ) -> ChangeSummary:
        """Store (or replace) a period's data; say what changed.

        Rule: the data of a draft session is replaced. When the period's latest
        session is published, its data stay frozen: storing again is refused
        unless `new_revision=True`, which opens the next revision as a draft in
        `<period>/rev-N/` and stores the data there.
        """
        check_period(period)
        tickets = _checked_tickets(period, tickets)
        counts = {grain: _checked_counts(period, grain, frame) for grain, frame in counts.items()}
        revision, create = self._target_revision(period, new_revision)
        previous, unreadable = self._previous_data(period)

        data_dir = self.connection.session_folder(period, revision) / DATA_FOLDER
        tickets_path, tickets_sha = write_parquet(tickets, data_dir, "tickets")
        written = {grain: write_parquet(frame, data_dir, f"counts-{grain}") for grain, frame in counts.items()}

        with self.transaction() as db:
            if create:
                self._insert_session(db, period, revision)
            for table in ("periods", "counts", "input_files", "issue_counts", "issues"):
                db.execute(f"DELETE FROM {table} WHERE period = ? AND revision = ?", (period, revision))
            db.execute(
                "INSERT INTO periods VALUES (?, ?, ?, ?, ?, ?)",
                (period, revision, now_iso(), len(tickets), self.relative(tickets_path), tickets_sha),
            )
            for grain, (path, sha) in written.items():
                keys, values = _split_columns(counts[grain])
                db.execute(
                    "INSERT INTO counts VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        period,
                        revision,
                        grain,
                        json.dumps(keys),
                        json.dumps(values),
                        len(counts[grain]),
                        self.relative(path),
                        sha,
                    ),
                )
            self._insert_files(db, period, revision, files)
            self._insert_issues(db, period, revision, issues)
            # New data make any earlier build of this draft stale: it must be built again before publishing.
            db.execute(
                "UPDATE sessions SET data_revision = ?, build_state = 'none' WHERE period = ? AND revision = ?",
                (revision, period, revision),
            )
            db.execute(
                "DELETE FROM outputs WHERE session_id = (SELECT id FROM sessions WHERE period = ? AND revision = ?)",
                (period, revision),
            )
        with no_readers(self.root) as free:
            if free:  # else a reader's snapshot may still point to the old files: the next store or gc takes them
                remove_orphans(data_dir, {tickets_path, *(p for p, _ in written.values())})
        return summarise(period, revision, previous, tickets, counts.get(AGENCY_GRAIN), unreadable)

    def all(self) -> list[str]:
        """The stored periods, oldest first."""
        return [r[0] for r in self.db.execute("SELECT DISTINCT period FROM periods ORDER BY period")]

    def fingerprint(self) -> list[str]:
        """Every stored data revision as "period revision tickets-hash": what any score could be computed from."""
        rows = self.db.execute("SELECT period, revision, tickets_sha256 FROM periods ORDER BY period, revision")
        return [f"{period} {revision} {sha}" for period, revision, sha in rows]

    def tickets(self, periods: str | list[str]) -> pd.DataFrame:
        """The canonical tickets of the given periods (current data), in period order."""
        frames = []
        for period in sorted([periods] if isinstance(periods, str) else periods):
            row = self.data_row(period)
            if row is None:
                continue
            frame = read_verified_parquet(
                self.absolute(row["tickets_path"]), row["tickets_sha256"], f"tickets of {period}"
            )
            frames.append(_canonical(frame))
        return pd.concat(frames, ignore_index=True) if frames else empty_tickets()

    def tickets_file(self, period: str) -> Path:
        """The Parquet file of a period's current tickets, checked against its stored hash: what a SQL
        engine (citistat.engines) reads in place of `tickets()`."""
        row = self.data_row(check_period(period))
        if row is None:
            raise ArchiveError(
                f"period {period} is not in the archive {self.root}; known: {', '.join(self.all()) or 'none'}"
            )
        path = self.absolute(row["tickets_path"])
        if not path.exists() or sha256_file(path) != row["tickets_sha256"]:
            read_verified_parquet(path, row["tickets_sha256"], f"tickets of {period}")  # raises the archive's own error
        return path

    def counts(self, grain: str, periods: list[str] | None = None) -> pd.DataFrame:
        """One grain's counts for the given periods (all stored periods when None)."""
        wanted = self.all() if periods is None else sorted(periods)
        frames = []
        for period in wanted:
            row = self.db.execute(
                "SELECT c.path, c.sha256 FROM counts c WHERE c.period = ? AND c.grain = ? AND c.revision = "
                "(SELECT MAX(revision) FROM periods WHERE period = ?)",
                (period, grain, period),
            ).fetchone()
            if row is not None:
                frames.append(self._cached_frame(row["path"], row["sha256"], f"{grain} counts of {period}"))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def grains(self, period: str) -> list[str]:
        return [
            r[0]
            for r in self.db.execute(
                "SELECT grain FROM counts WHERE period = ? AND revision = (SELECT MAX(revision) FROM periods "
                "WHERE period = ?) ORDER BY grain",
                (period, period),
            )
        ]

    def history_parts(
        self, period: str, lookback: int = 13, ticket_periods: int = 3
    ) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
        """Counts of the `lookback` periods ending with `period`; tickets of the last `ticket_periods`
        and of the same period a year before (keyword topics compare with it)."""
        check_period(period)
        window = {shift_period(period, -k) for k in range(lookback)}
        known = [p for p in self.all() if p in window]
        grains = sorted({g for p in known for g in self.grains(p)})
        counts = {grain: self.counts(grain, known) for grain in grains}
        wanted = {shift_period(period, -k) for k in range(ticket_periods)} | {shift_period(period, -12)}
        recent = [p for p in known if p in wanted]
        return counts, self.tickets(recent)

    def history(self, period: str, lookback: int = 13):
        """The score stage's input: `citistat.count.History` over the archive's periods."""
        from ..count import History  # imported late: count is a sibling stage

        counts, tickets = self.history_parts(period, lookback)
        return History(counts=counts, tickets=tickets)

    def file_reports(self, period: str) -> list[FileReport]:
        rows = self._current_rows("SELECT report FROM input_files", period, "position")
        reports = []
        for row in rows:
            data = json.loads(row["report"])
            data["reconciliation"] = Reconciliation(
                **{k: v for k, v in data["reconciliation"].items() if k != "balances"}
            )
            reports.append(FileReport(**data))
        return reports

    def input_file_rows(self, period: str) -> list[dict]:
        return [
            dict(r)
            for r in self._current_rows(
                "SELECT name, sha256, size, status, reconciliation FROM input_files", period, "position"
            )
        ]

    def issue_counts(self, period: str) -> dict[str, int]:
        """reason code -> number of issues (all severities)."""
        out: dict[str, int] = {}
        for row in self._current_rows("SELECT code, n FROM issue_counts", period, "code"):
            out[row["code"]] = out.get(row["code"], 0) + row["n"]
        return out

    def issue_severity_counts(self, period: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for row in self._current_rows("SELECT severity, n FROM issue_counts", period, "severity"):
            out[row["severity"]] = out.get(row["severity"], 0) + row["n"]
        return out

    def issues(self, period: str, limit: int | None = None, per_code: int | None = None) -> list[DataIssue]:
        """The period's issues in the order ingest found them: the first `limit` when given, and with
        `per_code` at most that many of each reason code (a sample that shows every kind of problem)."""
        rows = self._current_rows("SELECT issue FROM issues", period, "position")
        if per_code is None:
            return [DataIssue(**json.loads(r["issue"])) for r in rows[:limit]]
        picked: list[DataIssue] = []
        taken: dict[str, int] = {}
        for row in rows:
            data = json.loads(row["issue"])
            if taken.get(data["code"], 0) < per_code:
                taken[data["code"]] = taken.get(data["code"], 0) + 1
                picked.append(DataIssue(**data))
                if limit is not None and len(picked) >= limit:
                    break
        return picked

    def write_rejects(self, period: str, folder: Path, *, scrubber=None, lang: str = "zh-CN") -> list[Path]:
        """The rejects report of the build: every file- and row-level issue, one CSV line each, with
        personal data masked as `run` and `validate --rejects` mask it (privacy.Scrubber.report_rows)."""
        from ..privacy import Scrubber

        header = [
            "file",
            "sheet",
            "row",
            "ticket_id",
            "column",
            "column_letter",
            "raw_value",
            "code",
            "severity",
            "message",
            "hint",
        ]
        rows = [[getattr(i, name) for name in header] for i in self.issues(period) if i.severity in (FILE, ROW)]
        rows = (scrubber or Scrubber.from_settings()).report_rows(header, rows, lang)
        stem = Path(folder) / f"citistat-{period}-rejects"
        # The same two files a run writes, so a build from the archive leaves nothing out.
        return [
            write_table_csv(stem.with_suffix(".csv"), header, rows),
            write_table_xlsx(stem.with_suffix(".xlsx"), {"rejects": (header, rows)}),
        ]

    # -- internals

    def _current_rows(self, select: str, period: str, order: str) -> list:
        return self.db.execute(
            f"{select} WHERE period = ? AND revision = (SELECT MAX(revision) FROM periods WHERE period = ?) "
            f"ORDER BY {order}",
            (period, period),
        ).fetchall()

    def data_row(self, period: str, revision: int | None = None):
        if revision is None:
            return self.db.execute(
                "SELECT * FROM periods WHERE period = ? ORDER BY revision DESC LIMIT 1", (period,)
            ).fetchone()
        return self.db.execute("SELECT * FROM periods WHERE period = ? AND revision = ?", (period, revision)).fetchone()

    def _cached_frame(self, relative: str, sha: str, what: str) -> pd.DataFrame:
        # Keyed by content hash, so a cached frame is always the stored one.
        if sha not in self._frame_cache:
            self._frame_cache[sha] = read_verified_parquet(self.absolute(relative), sha, what)
        return self._frame_cache[sha].copy()

    def _target_revision(self, period: str, new_revision: bool) -> tuple[int, bool]:
        latest = self.db.execute(
            "SELECT revision, status FROM sessions WHERE period = ? ORDER BY revision DESC LIMIT 1", (period,)
        ).fetchone()
        if latest is None:
            return 1, True
        if latest["status"] == "draft":
            return latest["revision"], False
        if not new_revision:
            raise ArchiveError(
                f"period {period} is published (revision {latest['revision']}) and its data are frozen; "
                f"to correct it, store it again as revision {latest['revision'] + 1} (--new-revision)"
            )
        return latest["revision"] + 1, True

    def _previous_data(self, period: str) -> tuple[tuple[pd.DataFrame, pd.DataFrame | None] | None, bool]:
        row = self.data_row(period)
        if row is None:
            return None, False
        try:
            old_tickets = self.tickets(period)
            old_counts = self.counts(AGENCY_GRAIN, [period]) if AGENCY_GRAIN in self.grains(period) else None
        except ArchiveError:
            return None, True
        return (old_tickets, old_counts), False

    def _insert_session(self, db, period: str, revision: int) -> None:
        inherited = db.execute(
            "SELECT meeting_date FROM sessions WHERE period = ? ORDER BY revision DESC LIMIT 1", (period,)
        ).fetchone()
        db.execute(
            "INSERT INTO sessions (period, revision, status, meeting_date, data_revision, created_at, folder) "
            "VALUES (?, ?, 'draft', ?, ?, ?, ?)",
            (
                period,
                revision,
                inherited[0] if inherited else None,
                None,
                now_iso(),
                self.relative(self.connection.session_folder(period, revision)),
            ),
        )

    @staticmethod
    def _insert_files(db, period: str, revision: int, files: list[FileReport]) -> None:
        for position, report in enumerate(files):
            size = os.path.getsize(report.path) if report.path and os.path.isfile(report.path) else None
            db.execute(
                "INSERT INTO input_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    period,
                    revision,
                    position,
                    Path(report.path).name,
                    report.sha256,
                    size,
                    report.status,
                    json.dumps(report.reconciliation.to_dict()),
                    json.dumps(report.to_dict(), ensure_ascii=False, default=str),
                ),
            )

    @staticmethod
    def _insert_issues(db, period: str, revision: int, issues: list[DataIssue]) -> None:
        totals: dict[tuple[str, str], int] = {}
        for issue in issues:
            totals[(issue.code, issue.severity)] = totals.get((issue.code, issue.severity), 0) + 1
        db.executemany(
            "INSERT INTO issue_counts VALUES (?, ?, ?, ?, ?)",
            [(period, revision, code, severity, n) for (code, severity), n in totals.items()],
        )
        db.executemany(
            "INSERT INTO issues VALUES (?, ?, ?, ?)",
            [(period, revision, i, json.dumps(issue.to_dict(), ensure_ascii=False)) for i, issue in enumerate(issues)],
        )


@functools.cache
def _canonical_dtypes() -> pd.Series:
    return empty_tickets().dtypes


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """The stored table as canonical; conform() only when the file is not (older layout, other writer)."""
    reference = _canonical_dtypes()
    if list(frame.columns) == list(reference.index) and frame.dtypes.equals(reference):
        return frame
    return conform(frame)


def _checked_tickets(period: str, tickets: pd.DataFrame) -> pd.DataFrame:
    # conform() also drops any column outside the canonical table: no personal data reaches the archive.
    tickets = conform(tickets)
    stray = tickets["period"].dropna().astype(str)
    stray = stray[stray != period]
    if len(stray):
        raise ArchiveError(
            f"{len(stray)} ticket(s) passed for period {period} belong to other periods "
            f"(e.g. {stray.iloc[0]}); filter the tickets to the period before storing them"
        )
    return tickets


def _checked_counts(period: str, grain: str, frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reset_index(drop=True).copy()
    if "period" not in frame:
        frame.insert(0, "period", period)
    wrong = frame["period"].astype(str) != period
    if wrong.any():
        raise ArchiveError(
            f"the {grain} counts passed for period {period} hold rows of other periods "
            f"(e.g. {frame.loc[wrong, 'period'].iloc[0]}); pass one period's counts"
        )
    frame["period"] = frame["period"].astype("string")
    return frame


def _split_columns(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Key columns (text) and additive count columns (numbers)."""
    values = [
        c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]
    return [c for c in frame.columns if c not in values], values
