"""The archive's foundation: the open database, the lock, transactions and paths.

`ArchiveConnection` is what every part of the archive shares: one SQLite
connection (a writer's lock, or a reader's snapshot), its transactions and the
archive's paths. Each part (`PeriodStore`, `SessionStore`, …) is a `Store` over
that one connection; `Archive` in `__init__` holds them side by side.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ArchiveError, UsageError
from ..periods import check_period, shift_period  # noqa: F401 (re-exported for the archive modules)
from .lock import ArchiveLock, ReaderMark
from .schema import migrate

if TYPE_CHECKING:
    pass

DATABASE_NAME = "archive.sqlite"
DEFAULT_MEETING_WEEKDAY = 2  # Wednesday, as in config [build] meeting_weekday


class ArchiveConnection:
    """The archive's database at `root`, opened for writing (locked) or reading (one snapshot)."""

    def __init__(self, root: Path, db: sqlite3.Connection, lock: ArchiveLock | None, reader: ReaderMark | None = None):
        self.root = root
        self.db = db
        self._lock = lock
        self._reader = reader

    @classmethod
    def open(cls, path: str | Path = "briefings", *, readonly: bool = False, wait: float = 0) -> ArchiveConnection:
        """Open (and create or upgrade) the archive at `path`.

        A writable archive is locked for this process until `close()`; a second
        writer waits up to `wait` seconds, then gets an ArchiveError naming the
        holder. `readonly=True` takes no lock, never writes, reads one consistent
        snapshot while a writer works, and fails when there is no archive yet.
        """
        root = Path(path).resolve()
        database = root / DATABASE_NAME
        if readonly:
            if not database.exists():
                raise ArchiveError(
                    f"no archive at {root} (no {DATABASE_NAME}); run `citistat run` or `citistat ingest` first"
                )
            reader = ReaderMark(root)
            try:
                db = _connect(f"file:{database}?mode=ro", uri=True)
                # One read transaction for the reader's whole life: every query sees the same committed state.
                db.execute("BEGIN")
                db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            except BaseException:
                reader.release()
                raise
            return cls(root, db, None, reader)
        root.mkdir(parents=True, exist_ok=True)
        lock = ArchiveLock(root)
        lock.acquire(wait)
        try:
            db = _connect(str(database))
            # WAL: readers keep reading their snapshot while this writer commits.
            db.execute("PRAGMA journal_mode = WAL")
            migrate(db, str(root))
        except BaseException:
            lock.release()
            raise
        return cls(root, db, lock)

    def close(self) -> None:
        if self.db.in_transaction and self.readonly:
            self.db.execute("ROLLBACK")
        self.db.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        if self._reader is not None:
            self._reader.release()
            self._reader = None

    @property
    def readonly(self) -> bool:
        return self._lock is None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All changes inside commit together or not at all (also when the process is killed)."""
        if self.readonly:
            raise ArchiveError(f"archive {self.root} was opened read-only")
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- paths: the database stores paths relative to the archive root, so the folder can move.
    def relative(self, path: Path) -> str:
        try:
            return Path(path).resolve().relative_to(self.root).as_posix()
        except ValueError:
            raise ArchiveError(
                f"{path} is outside the archive {self.root}; write outputs into the build folder"
            ) from None

    def relative_path(self, path: Path) -> str:
        """A path under the root as the database spells it, without resolving links (listings)."""
        return Path(path).relative_to(self.root).as_posix()

    def absolute(self, relative: str) -> Path:
        return self.root / relative

    def session_folder(self, period: str, revision: int) -> Path:
        """`<period>/` for revision 1, `<period>/rev-N/` after; created when missing."""
        folder = self.root / period if revision == 1 else self.root / period / f"rev-{revision}"
        folder.mkdir(parents=True, exist_ok=True)
        return folder


class Store:
    """One part of the archive over the shared connection: its database, transactions and paths."""

    def __init__(self, connection: ArchiveConnection):
        self.connection = connection

    @property
    def db(self) -> sqlite3.Connection:
        return self.connection.db

    @property
    def root(self) -> Path:
        return self.connection.root

    @property
    def readonly(self) -> bool:
        return self.connection.readonly

    def transaction(self):
        return self.connection.transaction()

    def relative(self, path: Path) -> str:
        return self.connection.relative(path)

    def relative_path(self, path: Path) -> str:
        return self.connection.relative_path(path)

    def absolute(self, relative: str) -> Path:
        return self.connection.absolute(relative)


def _connect(target: str, uri: bool = False) -> sqlite3.Connection:
    # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE … COMMIT), never implicit.
    db = sqlite3.connect(target, uri=uri, isolation_level=None, timeout=5)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA foreign_keys = ON")
    if not uri:
        db.execute("PRAGMA synchronous = FULL")
    return db


def default_meeting_date(period: str, weekday: int = DEFAULT_MEETING_WEEKDAY) -> date:
    """The first `weekday` (0 = Monday) at least 3 days after the period ends."""
    earliest = date.fromisoformat(shift_period(period, 1) + "-01") + timedelta(days=2)
    return earliest + timedelta(days=(weekday - earliest.weekday()) % 7)


def parse_iso_date(value: str, what: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        raise UsageError(f"{what} {value!r} is not a date of the form YYYY-MM-DD (for example 2024-04-15)") from None
