"""The archive: every session's data, books, manifests, follow-ups and notes.

    archive = Archive.open(workspace.archive_dir(config.settings))
    summary = archive.store_period("2024-03", tickets, counts, files, issues)
    build = archive.begin_build("2024-03", meeting_date="2024-04-03")
    … write the books into build.folder …
    archive.record_outputs(build, manifest, paths)
    archive.publish("2024-03")

See docs/archive.md for the layout and the rules.
"""

from __future__ import annotations

from .base import default_meeting_date, shift_period
from .changes import ChangeSummary
from .followups import FollowUpImportError, FollowUpRecord, effective_status
from .index import write_index
from .ledger_import import ImportReport
from .lock import LOCK_NAME
from .memos import Memo, MemoBook
from .notes import NotesBook
from .sessions import Output, Problem, Session, SessionBuild


class Archive(NotesBook, MemoBook):
    """The archive at one folder: `Archive.open(path)`; close it (or use `with`) to release the lock."""

    def write_index(self):
        """Write `index.html` listing every session; return its path."""
        return write_index(self)


__all__ = [
    "Archive", "ChangeSummary", "FollowUpImportError", "FollowUpRecord", "ImportReport", "LOCK_NAME", "Memo", "Output",
    "Problem", "Session", "SessionBuild", "default_meeting_date", "effective_status", "shift_period", "write_index",
]
