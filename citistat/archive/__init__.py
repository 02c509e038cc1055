"""The archive: every session's data, books, manifests, follow-ups and notes.

    archive = Archive.open(workspace.archive_dir(config.settings.archive.path))
    summary = archive.store_period("2024-03", tickets, counts, files, issues)
    build = archive.begin_build("2024-03", meeting_date="2024-04-03")
    … write the books into build.folder …
    archive.record_outputs(build, manifest, paths)
    archive.publish("2024-03")

See docs/archive.md for the layout and the rules.
"""

from __future__ import annotations

import logging

from .base import default_meeting_date, shift_period
from .changes import ChangeSummary
from .followups import FollowUpImportError, FollowUpRecord, effective_status
from .index import write_index
from .ledger_import import ImportReport
from .lock import LOCK_NAME
from .memos import Memo, MemoBook
from .notes import NotesBook
from .sessions import Output, Problem, Session, SessionBuild


log = logging.getLogger(__name__)


class Archive(NotesBook, MemoBook):
    """The archive at one folder: `Archive.open(path)`; close it (or use `with`) to release the lock.

    Closing a writable archive that changed (a database change, or files written beside the
    sessions: report, export) rewrites `index.html` first, so the index is never stale.
    """

    index_lang: str | None = None  # the language of index.html (the workspace's); the other gets index.<lang>.html
    _files_written = False

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
        super().close()


__all__ = [
    "Archive", "ChangeSummary", "FollowUpImportError", "FollowUpRecord", "ImportReport", "LOCK_NAME", "Memo", "Output",
    "Problem", "Session", "SessionBuild", "default_meeting_date", "effective_status", "shift_period", "write_index",
]
