"""The archive database: tables and the migrations that create them.

`schema_version` records every migration applied. A migration is a list of SQL
statements run in one transaction, so an archive is always at a whole version.
Newer code opens an older archive by applying the missing migrations; older
code refuses an archive written by newer code rather than misread it.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from ..errors import ArchiveError

_V1 = [
    """CREATE TABLE schema_version (
        version INTEGER PRIMARY KEY,
        applied_at TEXT NOT NULL
    )""",
    # One row per stored copy of a period's data. `revision` is the session revision whose
    # folder holds the files; the highest revision is the period's current data.
    """CREATE TABLE periods (
        period TEXT NOT NULL,
        revision INTEGER NOT NULL,
        stored_at TEXT NOT NULL,
        n_tickets INTEGER NOT NULL,
        tickets_path TEXT NOT NULL,
        tickets_sha256 TEXT NOT NULL,
        PRIMARY KEY (period, revision)
    )""",
    """CREATE TABLE counts (
        period TEXT NOT NULL,
        revision INTEGER NOT NULL,
        grain TEXT NOT NULL,
        key_columns TEXT NOT NULL,
        count_columns TEXT NOT NULL,
        n_rows INTEGER NOT NULL,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        PRIMARY KEY (period, revision, grain)
    )""",
    """CREATE TABLE input_files (
        period TEXT NOT NULL,
        revision INTEGER NOT NULL,
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        sha256 TEXT,
        size INTEGER,
        status TEXT NOT NULL,
        reconciliation TEXT NOT NULL,
        report TEXT NOT NULL,
        PRIMARY KEY (period, revision, position)
    )""",
    """CREATE TABLE issue_counts (
        period TEXT NOT NULL,
        revision INTEGER NOT NULL,
        code TEXT NOT NULL,
        severity TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (period, revision, code, severity)
    )""",
    # Every issue, in the order ingest found them: the rejects report and the appendix come from here.
    """CREATE TABLE issues (
        period TEXT NOT NULL,
        revision INTEGER NOT NULL,
        position INTEGER NOT NULL,
        issue TEXT NOT NULL,
        PRIMARY KEY (period, revision, position)
    )""",
    """CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        period TEXT NOT NULL,
        revision INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('draft', 'published')),
        build_state TEXT NOT NULL DEFAULT 'none' CHECK (build_state IN ('none', 'building', 'built')),
        meeting_date TEXT,
        data_revision INTEGER,
        created_at TEXT NOT NULL,
        published_at TEXT,
        folder TEXT NOT NULL,
        UNIQUE (period, revision)
    )""",
    """CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        created_at TEXT NOT NULL,
        config_hash TEXT,
        manifest TEXT NOT NULL,
        manifest_path TEXT NOT NULL,
        manifest_sha256 TEXT NOT NULL
    )""",
    """CREATE TABLE outputs (
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        path TEXT NOT NULL,
        role TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        PRIMARY KEY (session_id, path)
    )""",
    """CREATE TABLE followups (
        id INTEGER PRIMARY KEY,
        agency TEXT NOT NULL,
        text TEXT NOT NULL,
        owner TEXT NOT NULL,
        due TEXT,
        raised_period TEXT NOT NULL,
        raised_on TEXT NOT NULL,
        metric TEXT CHECK (metric IS NULL OR metric IN ('response', 'resolution', 'satisfaction')),
        kind TEXT NOT NULL CHECK (kind IN ('commitment', 'data_request')),
        status TEXT NOT NULL CHECK (status IN ('open', 'done', 'dropped')),
        notes TEXT NOT NULL DEFAULT '',
        closed_on TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE followup_history (
        id INTEGER PRIMARY KEY,
        followup_id INTEGER NOT NULL REFERENCES followups(id),
        at TEXT NOT NULL,
        old_status TEXT,
        new_status TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX followups_by_agency ON followups (agency, status)",
    """CREATE TABLE notes (
        period TEXT NOT NULL,
        agency TEXT NOT NULL,
        discussion_topics TEXT NOT NULL DEFAULT '[]',
        accomplishments TEXT NOT NULL DEFAULT '[]',
        response TEXT NOT NULL DEFAULT '',
        internal TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        PRIMARY KEY (period, agency)
    )""",
]

# Follow-up memos are records of their own: each written once, frozen at once, never inside a session's folder.
_V2 = [
    """CREATE TABLE memos (
        id INTEGER PRIMARY KEY,
        period TEXT NOT NULL,
        number INTEGER NOT NULL,
        lang TEXT NOT NULL,
        path TEXT NOT NULL UNIQUE,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (period, number)
    )""",
]

# Index i holds the statements that take the archive from version i to i + 1.
MIGRATIONS: list[list[str]] = [_V1, _V2]
SCHEMA_VERSION = len(MIGRATIONS)


def now_iso() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


def current_version(db: sqlite3.Connection) -> int:
    has_table = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").fetchone()
    if not has_table:
        return 0
    return db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]


def migrate(db: sqlite3.Connection, where: str) -> int:
    """Bring the database to SCHEMA_VERSION; return the version it was at before."""
    before = current_version(db)
    if before > SCHEMA_VERSION:
        raise ArchiveError(
            f"archive {where} has schema version {before}, newer than this citistat understands "
            f"({SCHEMA_VERSION}); upgrade citistat to use it"
        )
    for version in range(before, SCHEMA_VERSION):
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in MIGRATIONS[version]:
                db.execute(statement)
            db.execute("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)", (version + 1, now_iso()))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return before
