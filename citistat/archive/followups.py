"""The follow-up ledger: what each agency committed to, who owns it, and whether it happened.

Stored status is open, done or dropped. "overdue" is never stored: it is an
open item whose due date is before a reference date (today for listings, the
meeting date for a briefing), so it can never go stale.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

from ..briefing import FollowUp
from ..errors import ArchiveError, UsageError
from ..results import METRICS
from .base import ArchiveConnection, Store, check_period, parse_iso_date
from .ledger_import import ImportReport, read_followup_sheet
from .periods import PeriodStore
from .schema import now_iso
from .sessions import SessionStore

KINDS: tuple[str, ...] = ("commitment", "data_request")
STORED_STATUSES: tuple[str, ...] = ("open", "done", "dropped")
STATUSES: tuple[str, ...] = ("open", "overdue", "done", "dropped")
RECENT_DAYS = 45  # closed items stay in the next briefing this long before the meeting


@dataclass(frozen=True)
class FollowUpRecord:
    id: int
    agency: str
    text: str
    owner: str
    due: str | None
    raised_period: str
    raised_on: str
    metric: str | None
    kind: str
    status: str  # as of the listing date: open | overdue | done | dropped
    notes: str
    closed_on: str | None
    created_at: str
    updated_at: str

    def to_dict(self) -> dict:
        return asdict(self)


def effective_status(stored: str, due: str | None, as_of: date) -> str:
    if stored == "open" and due and date.fromisoformat(due) < as_of:
        return "overdue"
    return stored


class FollowUpLedger(Store):
    """`archive.followups`: what agencies committed to at a session, and what became of it."""

    def __init__(self, connection: ArchiveConnection, periods: PeriodStore, sessions: SessionStore):
        super().__init__(connection)
        self.periods = periods
        self.sessions = sessions

    def add(
        self,
        agency: str,
        text: str,
        owner: str,
        due: str | None = None,
        *,
        period: str,
        raised_on: str | None = None,
        metric: str | None = None,
        kind: str = "commitment",
        notes: str = "",
    ) -> int:
        """Record a commitment or data request raised at the period's session; return its id."""
        values = _checked(agency=agency, text=text, owner=owner, due=due, metric=metric, kind=kind)
        check_period(period)
        raised_on = parse_iso_date(raised_on, "raised on") if raised_on else self._session_day(period)
        values["notes"] = notes
        with self.transaction() as db:
            return _insert(db, values, period, raised_on)

    def get(self, followup_id: int, as_of: date | None = None) -> FollowUpRecord:
        row = self.db.execute("SELECT * FROM followups WHERE id = ?", (followup_id,)).fetchone()
        if row is None:
            raise ArchiveError(f"no follow-up with id {followup_id}; `citistat followup list` shows the ids")
        return _record(row, as_of or date.today())

    def find(
        self,
        period: str | None = None,
        agency: str | None = None,
        status: str | None = None,
        *,
        as_of: date | None = None,
    ) -> list[FollowUpRecord]:
        """Follow-ups raised in `period` (all when None), optionally one agency's, optionally one status."""
        if status is not None and status not in STATUSES:
            raise UsageError(f"status {status!r} is not one of {', '.join(STATUSES)}")
        sql, params = "SELECT * FROM followups WHERE 1 = 1", list[object]()
        if period:
            sql, params = sql + " AND raised_period = ?", [*params, check_period(period)]
        if agency:
            sql, params = sql + " AND agency = ?", [*params, agency]
        rows = self.db.execute(sql + " ORDER BY raised_period, agency, id", params).fetchall()
        records = [_record(row, as_of or date.today()) for row in rows]
        return [r for r in records if status is None or r.status == status]

    def update(
        self, followup_id: int, *, status: str | None = None, note: str = "", on: str | None = None, **fields
    ) -> FollowUpRecord:
        """Change any of text, owner, due, metric, kind, notes, agency; and/or the status (with a note)."""
        unknown = set(fields) - {"agency", "text", "owner", "due", "metric", "kind", "notes"}
        if unknown:
            raise UsageError(f"cannot update {', '.join(sorted(unknown))} of a follow-up")
        self.get(followup_id)  # fails clearly on an unknown id
        changes = {k: v for k, v in fields.items() if v is not None}
        changes.update(_checked(**{k: v for k, v in changes.items() if k != "notes"}))
        if status == "overdue":
            raise UsageError("overdue is not set by hand: an open follow-up is overdue once its due date has passed")
        if status is not None and status not in STORED_STATUSES:
            raise UsageError(f"status {status!r} is not one of {', '.join(STORED_STATUSES)}")
        stamp = now_iso()
        with self.transaction() as db:
            for name, value in changes.items():
                db.execute(f"UPDATE followups SET {name} = ?, updated_at = ? WHERE id = ?", (value, stamp, followup_id))
            stored = db.execute("SELECT status FROM followups WHERE id = ?", (followup_id,)).fetchone()[0]
            if status is not None and status != stored:
                closed_on = (
                    None if status == "open" else (parse_iso_date(on, "date") if on else date.today().isoformat())
                )
                db.execute(
                    "UPDATE followups SET status = ?, closed_on = ?, updated_at = ? WHERE id = ?",
                    (status, closed_on, stamp, followup_id),
                )
                db.execute(
                    "INSERT INTO followup_history (followup_id, at, old_status, new_status, note) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (followup_id, stamp, stored, status, note),
                )
            elif note:
                db.execute(
                    "INSERT INTO followup_history (followup_id, at, old_status, new_status, note) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (followup_id, stamp, stored, stored, note),
                )
        return self.get(followup_id)

    def close(self, followup_id: int, *, status: str = "done", note: str = "", on: str | None = None) -> FollowUpRecord:
        """Mark a follow-up done (or dropped), on `on` (default today)."""
        if status not in ("done", "dropped"):
            raise UsageError(f"a follow-up is closed as done or dropped, not {status!r}")
        return self.update(followup_id, status=status, note=note, on=on)

    def history(self, followup_id: int) -> list[dict]:
        self.get(followup_id)
        rows = self.db.execute(
            "SELECT at, old_status, new_status, note FROM followup_history WHERE followup_id = ? ORDER BY id",
            (followup_id,),
        ).fetchall()
        return [dict(r) for r in rows]

    def for_briefing(self, period: str, *, recent_days: int = RECENT_DAYS, definitions=None) -> list[FollowUp]:
        """Items from earlier sessions the period's books must show: still open, or closed recently.

        Ages and "overdue" are measured at the period's meeting date; metric_before is
        the metric in the raising period and metric_now in `period`, from stored counts.
        """
        check_period(period)
        meeting = self.sessions.meeting_date(period)
        since = (meeting - timedelta(days=recent_days)).isoformat()
        rows = self.db.execute(
            "SELECT * FROM followups WHERE raised_period < ? AND (status = 'open' OR closed_on >= ?) "
            "ORDER BY agency, raised_on, id",
            (period, since),
        ).fetchall()
        rates = _AgencyRates(self.periods, definitions)
        return [_briefing_item(row, meeting, period, rates, self._evidence(row["id"])) for row in rows]

    def raised_in(self, period: str, *, definitions=None) -> list[FollowUp]:
        """What the period's own session raised, for the follow-up memo written after it."""
        check_period(period)
        meeting = self.sessions.meeting_date(period)
        rows = self.db.execute("SELECT * FROM followups WHERE raised_period = ? ORDER BY agency, id", (period,))
        rates = _AgencyRates(self.periods, definitions)
        return [_briefing_item(row, meeting, period, rates, self._evidence(row["id"])) for row in rows]

    def _evidence(self, followup_id: int) -> str:
        """The note of the item's latest change after it was raised (a closing note says what shows it done)."""
        row = self.db.execute(
            "SELECT note FROM followup_history WHERE followup_id = ? AND note != '' AND "
            "note != 'raised' ORDER BY id DESC LIMIT 1",
            (followup_id,),
        ).fetchone()
        return row[0] if row else ""

    def status_counts(self, period: str, as_of: date | None = None) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for record in self.find(period, as_of=as_of):
            counts[record.status] += 1
        return counts

    def import_sheet(self, path: str | Path, period: str, *, skip_bad: bool = False) -> ImportReport:
        """Add the follow-ups of a filled-in sheet, all in one transaction.

        With any bad row, nothing is imported and an ArchiveError lists every bad
        row; `skip_bad=True` imports the good rows and reports the bad ones.
        """
        check_period(period)
        path = Path(path)
        if not path.is_file():
            raise UsageError(f"{path} does not exist")
        report = read_followup_sheet(path)
        if report.problems and not skip_bad:
            raise FollowUpImportError(report)
        raised_on = self._session_day(period)
        with self.transaction() as db:
            for row in report.rows:
                # Importing the same sheet twice must not double the ledger.
                existing = _same_item(db, row, period)
                if existing is None:
                    report.imported.append(_insert(db, row, period, raised_on))
                else:
                    report.already.append(existing)
        return report

    def _session_day(self, period: str) -> str:
        """raised_on when not given: the session's meeting date if known, else the period's default one."""
        return self.sessions.meeting_date(period).isoformat()


class _AgencyRates:
    """An agency's rate in a period, from the agency-grain counts, read once per period.

    The rate is the score stage's, under the configured definitions (the weight
    of 基本满意, the call-back base), so "before/after" matches the books' numbers.
    """

    def __init__(self, periods: PeriodStore, definitions=None):
        from ..score.definitions import RateDefinitions

        self.periods = periods
        self.definitions = definitions or RateDefinitions()
        self._totals: dict[str, dict[str, dict[str, int]]] = {}

    def get(self, agency: str, period: str, metric: str | None) -> float | None:
        if metric is None:
            return None
        if period not in self._totals:
            from .changes import agency_totals

            frame = self.periods.counts("agency", [period]) if "agency" in self.periods.grains(period) else None
            self._totals[period] = agency_totals(frame)
        from ..score.rates import tally

        counts = self._totals[period].get(agency)
        return tally(metric, counts, self.definitions).value if counts else None


class FollowUpImportError(ArchiveError):
    """A follow-up sheet with bad rows: nothing was imported. Carries the report."""

    def __init__(self, report: ImportReport):
        self.report = report
        lines = "\n".join(f"  - {p.location()}: {p.message} ({p.hint})" for p in report.problems)
        super().__init__(
            f"{report.path}: {len(report.problems)} problem(s); nothing was imported:\n{lines}\n"
            "fix these rows and import again, or import only the good rows with --skip-bad"
        )


def _same_item(db, values: dict, period: str) -> int | None:
    row = db.execute(
        "SELECT id FROM followups WHERE agency = ? AND text = ? AND raised_period = ? AND kind = ?",
        (values["agency"], values["text"], period, values["kind"]),
    ).fetchone()
    return row[0] if row else None


def _insert(db, values: dict, period: str, raised_on: str) -> int:
    stamp = now_iso()
    cursor = db.execute(
        "INSERT INTO followups (agency, text, owner, due, raised_period, raised_on, metric, kind, status, "
        "notes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)",
        (
            values["agency"],
            values["text"],
            values["owner"],
            values["due"],
            period,
            raised_on,
            values["metric"],
            values["kind"],
            values.get("notes") or "",
            stamp,
            stamp,
        ),
    )
    db.execute(
        "INSERT INTO followup_history (followup_id, at, old_status, new_status, note) "
        "VALUES (?, ?, NULL, 'open', 'raised')",
        (cursor.lastrowid, stamp),
    )
    return cursor.lastrowid


def _briefing_item(row, meeting: date, period: str, rates: _AgencyRates, evidence: str = "") -> FollowUp:
    return FollowUp(
        id=row["id"],
        agency=row["agency"],
        text=row["text"],
        owner=row["owner"],
        due=row["due"],
        raised_period=row["raised_period"],
        raised_on=row["raised_on"],
        metric=row["metric"],
        status=effective_status(row["status"], row["due"], meeting),
        kind=row["kind"],
        notes=row["notes"],
        age_days=max(0, (meeting - date.fromisoformat(row["raised_on"])).days),
        metric_before=rates.get(row["agency"], row["raised_period"], row["metric"]),
        metric_now=rates.get(row["agency"], period, row["metric"]),
        evidence=evidence,
    )


def _record(row, as_of: date) -> FollowUpRecord:
    data = dict(row)
    data["status"] = effective_status(data["status"], data["due"], as_of)
    return FollowUpRecord(**data)


def _checked(**values) -> dict:
    """Validate follow-up fields; raise one UsageError naming every bad value."""
    problems = []
    for name in ("agency", "text", "owner"):
        if name in values and not (values[name] or "").strip():
            problems.append(f"{name} is empty")
        elif name in values:
            values[name] = values[name].strip()
    if values.get("due"):
        try:
            values["due"] = parse_iso_date(values["due"], "due date")
        except UsageError as exc:
            problems.append(exc.message)
    elif "due" in values:
        values["due"] = None
    if values.get("metric") and values["metric"] not in METRICS:
        problems.append(f"metric {values['metric']!r} is not one of {', '.join(METRICS)}")
    elif "metric" in values:
        values["metric"] = values["metric"] or None
    if "kind" in values and values["kind"] not in KINDS:
        problems.append(f"kind {values['kind']!r} is not one of {', '.join(KINDS)}")
    if problems:
        raise UsageError("; ".join(problems))
    return values
