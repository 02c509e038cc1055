"""Follow-up memos: each one a record of its own, frozen the moment it is written.

A memo comes after the session, often after its books are published, so it
never goes into a session's folder (nothing is written into a published
folder). Each `citistat memo` writes `memos/<period>/memo-<N>/` with the next
N, records the file's hash and makes it read-only; writing the memo again
after the follow-ups changed makes memo N+1, and memo N stays as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ArchiveError
from .base import Store, check_period
from .contents import folder_files
from .files import make_read_only, sha256_file
from .schema import now_iso
from .sessions import Problem, check_file

MEMOS_FOLDER = "memos"


@dataclass(frozen=True)
class Memo:
    period: str
    number: int
    lang: str
    path: str  # relative to the archive root
    sha256: str
    created_at: str


class MemoBook(Store):
    """`archive.memos`: the follow-up memos, each a frozen record of its own."""

    def next_path(self, period: str, file_name: str) -> Path:
        """Where the next memo of `period` goes: a new numbered folder, never an existing record's."""
        check_period(period)
        last = self.db.execute("SELECT COALESCE(MAX(number), 0) FROM memos WHERE period = ?", (period,)).fetchone()[0]
        return self.root / MEMOS_FOLDER / period / f"memo-{last + 1}" / file_name

    def record(self, period: str, lang: str, path: Path) -> Memo:
        """Hash the memo just written at `next_path(…)`, record it and make it read-only."""
        path = Path(path)
        number = int(path.parent.name.removeprefix("memo-"))
        relative = self.relative(path)
        if not path.is_file():
            raise ArchiveError(f"memo {path} was not written")
        sha, created = sha256_file(path), now_iso()
        with self.transaction() as db:
            db.execute(
                "INSERT INTO memos (period, number, lang, path, sha256, size, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (period, number, lang, relative, sha, path.stat().st_size, created),
            )
        make_read_only(path)
        return Memo(period, number, lang, relative, sha, created)

    def all(self, period: str | None = None) -> list[Memo]:
        if not self._has_memo_table():
            return []  # an archive of an older schema opened read-only (not migrated): it has no memos yet
        rows = self.db.execute(
            "SELECT period, number, lang, path, sha256, created_at FROM memos "
            "WHERE ? IS NULL OR period = ? ORDER BY period, number",
            (period, period),
        ).fetchall()
        return [Memo(*row) for row in rows]

    def _has_memo_table(self) -> bool:
        return (
            self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'memos'").fetchone()
            is not None
        )

    def verify(self, period: str | None = None) -> list[Problem]:
        """Each recorded memo against its hash, and any file in a memo folder that is not the memo."""
        problems: list[Problem] = []
        memos = self.all(check_period(period) if period else None)
        recorded = {m.path for m in memos}
        for memo in memos:
            if problem := check_file(self.connection, memo.period, None, memo.path, memo.sha256):
                problems.append(problem)
        for folder in sorted({self.absolute(m.path).parent for m in memos}):
            for path in folder_files(folder):
                relative = self.relative_path(path)
                if relative not in recorded:
                    problems.append(
                        Problem(
                            period or folder.parent.name,
                            None,
                            relative,
                            "unexpected",
                            f"{relative} is not the memo recorded in its folder (added later)",
                        )
                    )
        return problems

    def unreferenced_files(self) -> list[Path]:
        """A memo folder with no record (its run was killed before recording)."""
        found: list[Path] = []
        recorded = {self.absolute(m.path).parent for m in self.all()}
        memo_root = self.root / MEMOS_FOLDER
        for folder in sorted(memo_root.glob("*/memo-*")) if memo_root.is_dir() else []:
            if folder not in recorded:
                found.extend(folder_files(folder))
        return sorted(found)
