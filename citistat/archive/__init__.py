"""The archive: every session's data, books, manifests, follow-ups and notes.

    archive = Archive.open(workspace.archive_dir(config.settings.archive.path))
    summary = archive.periods.store("2024-03", tickets, counts, files, issues)
    build = archive.sessions.begin_build("2024-03", meeting_date="2024-04-03")
    … write the books into build.folder …
    archive.sessions.record_outputs(build, manifest, paths)
    archive.sessions.publish("2024-03")

The archive is made of parts that share one connection (one lock, one transaction at a
time, one reader's snapshot): `periods`, `sessions`, `followups`, `notes` and `memos`.
See docs/archive.md for the layout and the rules.
"""

from __future__ import annotations

import logging
from pathlib import Path

from .base import DEFAULT_MEETING_WEEKDAY, ArchiveConnection, Store, default_meeting_date, shift_period
from .changes import ChangeSummary
from .followups import FollowUpImportError, FollowUpLedger, FollowUpRecord, effective_status
from .index import write_index
from .ledger_import import ImportReport
from .lock import LOCK_NAME
from .memos import Memo, MemoBook
from .notes import NotesBook
from .periods import PeriodStore
from .sessions import Output, Problem, Session, SessionBuild, SessionStore, remove_unreferenced

log = logging.getLogger(__name__)


class Archive(Store):
    """The archive at one folder: `Archive.open(path)`; close it (or use `with`) to release the lock.

    Its parts share the connection (`Store` gives the archive itself its root, database and paths).

    Closing a writable archive that changed (a database change, or files written beside the
    sessions: report, export) rewrites `index.html` first, so the index is never stale.
    """

    index_lang: str | None = None  # the language of index.html (the workspace's); the other gets index.<lang>.html
    _files_written = False

    def __init__(self, connection: ArchiveConnection, meeting_weekday: int = DEFAULT_MEETING_WEEKDAY):
        super().__init__(connection)
        self.periods = PeriodStore(connection)
        self.sessions = SessionStore(connection, self.periods, meeting_weekday)
        self.followups = FollowUpLedger(connection, self.periods, self.sessions)
        self.notes = NotesBook(connection)
        self.memos = MemoBook(connection)

    @classmethod
    def open(
        cls,
        path: str | Path = "briefings",
        *,
        readonly: bool = False,
        meeting_weekday: int = DEFAULT_MEETING_WEEKDAY,
        wait: float = 0,
    ) -> Archive:
        """Open (and create or upgrade) the archive at `path`: see `ArchiveConnection.open`."""
        return cls(ArchiveConnection.open(path, readonly=readonly, wait=wait), meeting_weekday)

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the whole archive at once
    def verify(self, period: str | None = None) -> list[Problem]:
        """Every stored file checked against its hash; problems listed, nothing repaired or used."""
        return self.sessions.verify(period) + self.memos.verify(period)

    def unreferenced_files(self, sessions: list[Session] | None = None) -> list[Path]:
        """Files no database row refers to: the drafts' leftovers (of `sessions` only, when given) and,
        for the whole archive, memo folders whose run was killed before recording."""
        found = self.sessions.unreferenced_files(sessions)
        if sessions is None:
            found += self.memos.unreferenced_files()
        return sorted(found)

    def collect_garbage(
        self, *, apply: bool = False, sessions: list[Session] | None = None, readers_wait: float = 30
    ) -> list[Path]:
        """The unreferenced files (see above); with `apply` they are deleted, once no reader is reading."""
        found = self.unreferenced_files(sessions)
        return remove_unreferenced(self.connection, found, readers_wait) if apply else found

    def write_index(self):
        """Write `index.html` listing every session; return its path."""
        return write_index(self, self.index_lang)

    def note_files_written(self) -> None:
        """Files were written into the archive folder outside the database: rewrite the index on close."""
        self._files_written = True

    def close(self) -> None:
        if not self.readonly and (self.db.total_changes or self._files_written):
            try:
                self.write_index()
            except Exception as exc:  # the command's work is committed; a failed index must not undo its report
                log.warning("could not rewrite %s/index.html: %s (run `citistat sessions index`)", self.root, exc)
        self.connection.close()


__all__ = [
    "Archive",
    "ChangeSummary",
    "FollowUpImportError",
    "FollowUpRecord",
    "ImportReport",
    "LOCK_NAME",
    "Memo",
    "Output",
    "Problem",
    "Session",
    "SessionBuild",
    "default_meeting_date",
    "effective_status",
    "shift_period",
    "write_index",
]
