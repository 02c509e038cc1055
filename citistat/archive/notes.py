"""Notes per session and agency: discussion topics, accomplishments, the agency's reply, internal notes.

Import format: one TOML file per agency, `notes/<period>/<agency>.toml`, the
file name being the agency's canonical name:

    discussion_topics = ["积存垃圾清运为何连续两月下降", "…"]
    accomplishments = ["完成老旧小区垃圾桶更换"]
    response = \"\"\"本单位对上期承诺的答复……\"\"\"
    internal = \"\"\"仅供办公室内部参考\"\"\"

TOML rather than free Markdown because every field is explicit: a typo in a
key is reported, never silently read as text.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from ..briefing import AgencyNotes
from ..errors import ArchiveError, UsageError
from .base import Store, check_period
from .schema import now_iso

LIST_FIELDS = ("discussion_topics", "accomplishments")
TEXT_FIELDS = ("response", "internal")


class NotesBook(Store):
    """`archive.notes`: each session's notes per agency."""

    def set(
        self,
        period: str,
        agency: str,
        *,
        discussion_topics: list[str] | None = None,
        accomplishments: list[str] | None = None,
        response: str | None = None,
        internal: str | None = None,
    ) -> AgencyNotes:
        """Set the given fields of an agency's notes for a session; fields left None keep their value."""
        check_period(period)
        if not agency.strip():
            raise UsageError("agency is empty")
        given = {
            "discussion_topics": discussion_topics,
            "accomplishments": accomplishments,
            "response": response,
            "internal": internal,
        }
        with self.transaction() as db:
            _upsert(db, period, agency.strip(), {k: v for k, v in given.items() if v is not None})
        return self.get(period, agency.strip())

    def get(self, period: str, agency: str) -> AgencyNotes:
        row = self.db.execute(
            "SELECT * FROM notes WHERE period = ? AND agency = ?", (check_period(period), agency)
        ).fetchone()
        return _notes(row) if row else AgencyNotes(agency)

    def for_briefing(self, period: str) -> dict[str, AgencyNotes]:
        rows = self.db.execute("SELECT * FROM notes WHERE period = ? ORDER BY agency", (check_period(period),))
        return {row["agency"]: _notes(row) for row in rows}

    def import_folder(self, folder: str | Path, period: str) -> list[str]:
        """Read every `<agency>.toml` in `folder`; all files or none. Return the agencies imported."""
        check_period(period)
        folder = Path(folder)
        if not folder.is_dir():
            raise UsageError(f"{folder} is not a folder; put one <agency>.toml per agency in notes/{period}/")
        parsed, problems = {}, []
        for path in sorted(folder.glob("*.toml")):
            fields, found = read_notes_file(path)
            parsed[path.stem] = fields
            problems.extend(found)
        if problems:
            listed = "\n".join(f"  - {p}" for p in problems)
            raise ArchiveError(
                f"{len(problems)} problem(s) in the notes under {folder}; nothing was imported:\n{listed}"
            )
        if not parsed:
            raise UsageError(f"no .toml files in {folder}")
        with self.transaction() as db:
            for agency, fields in parsed.items():
                _upsert(db, period, agency, fields)
        return sorted(parsed)


def read_notes_file(path: Path) -> tuple[dict, list[str]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, [f"{path.name}: not valid UTF-8 TOML ({exc})"]
    problems = [
        f"{path.name}: unknown key {key!r}; use {', '.join(LIST_FIELDS + TEXT_FIELDS)}"
        for key in data
        if key not in LIST_FIELDS + TEXT_FIELDS
    ]
    for key in LIST_FIELDS:
        if key in data and not (isinstance(data[key], list) and all(isinstance(i, str) for i in data[key])):
            problems.append(f'{path.name}: {key} must be a list of texts, like {key} = ["…", "…"]')
    for key in TEXT_FIELDS:
        if key in data and not isinstance(data[key], str):
            problems.append(f"{path.name}: {key} must be a text in quotes")
    return {k: v for k, v in data.items() if k in LIST_FIELDS + TEXT_FIELDS}, problems


def _upsert(db, period: str, agency: str, fields: dict) -> None:
    db.execute("INSERT OR IGNORE INTO notes (period, agency, updated_at) VALUES (?, ?, ?)", (period, agency, now_iso()))
    for name, value in fields.items():
        stored = (
            json.dumps([str(v).strip() for v in value if str(v).strip()], ensure_ascii=False)
            if name in LIST_FIELDS
            else value
        )
        db.execute(
            f"UPDATE notes SET {name} = ?, updated_at = ? WHERE period = ? AND agency = ?",
            (stored, now_iso(), period, agency),
        )


def _notes(row) -> AgencyNotes:
    return AgencyNotes(
        row["agency"],
        json.loads(row["discussion_topics"]),
        json.loads(row["accomplishments"]),
        row["response"],
        row["internal"],
    )
