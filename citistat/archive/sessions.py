"""Sessions: build a period's books into a draft folder, record what went in and out, publish.

A published session is immutable: its files are made read-only and their
hashes kept, and a later build of the same period goes to `<period>/rev-N/`.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from datetime import date
from importlib import metadata
from pathlib import Path

from ..errors import ArchiveError
from ..safe_io import atomic_write_text
from .base import DEFAULT_MEETING_WEEKDAY, ArchiveConnection, Store, check_period, default_meeting_date, parse_iso_date
from .contents import folder_files, is_data_file, is_temporary
from .files import make_read_only, make_writable, sha256_bytes, sha256_file
from .lock import no_readers
from .periods import PeriodStore
from .schema import now_iso

MANIFEST_NAME = "manifest.json"
VERSIONED_LIBRARIES = ("citistat", "pandas", "pyarrow", "jinja2", "weasyprint", "matplotlib", "openpyxl", "fastexcel")


@dataclass(frozen=True)
class Session:
    id: int
    period: str
    revision: int
    status: str  # "draft" | "published"
    build_state: str  # "none" | "building" | "built"
    meeting_date: str | None
    data_revision: int | None  # the revision whose folder holds the data this session uses
    created_at: str
    published_at: str | None
    folder: Path

    def to_dict(self) -> dict:
        return {**asdict(self), "folder": str(self.folder)}


@dataclass(frozen=True)
class SessionBuild:
    """Where one build writes its outputs: always a draft folder, never a published one."""

    session_id: int
    period: str
    revision: int
    folder: Path
    meeting_date: str | None
    status: str = "draft"


@dataclass(frozen=True)
class Problem:
    period: str
    revision: int | None
    path: str
    code: str  # "missing" | "hash_mismatch" | "unexpected" | "disagreement" | "chain" | "database"
    message: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Output:
    path: str  # relative to the archive root
    role: str  # "city_book" | "agency_brief" | "memo" | "export" | "chart" | "key" | "manifest" | "other"
    sha256: str
    size: int


class SessionStore(Store):
    """`archive.sessions`: each period's sessions (draft → published, revisions), their builds and files."""

    def __init__(
        self, connection: ArchiveConnection, periods: PeriodStore, meeting_weekday: int = DEFAULT_MEETING_WEEKDAY
    ):
        super().__init__(connection)
        self.periods = periods
        self.meeting_weekday = meeting_weekday

    def all(self) -> list[Session]:
        rows = self.db.execute("SELECT * FROM sessions ORDER BY period, revision").fetchall()
        return [self._session(row) for row in rows]

    def get(self, period: str, revision: int | None = None) -> Session:
        """The latest revision of a period's session (or the one asked for)."""
        check_period(period)
        if revision is None:
            row = self.db.execute(
                "SELECT * FROM sessions WHERE period = ? ORDER BY revision DESC LIMIT 1", (period,)
            ).fetchone()
        else:
            row = self.db.execute(
                "SELECT * FROM sessions WHERE period = ? AND revision = ?", (period, revision)
            ).fetchone()
        if row is None:
            which = f"revision {revision} of " if revision else ""
            raise ArchiveError(
                f"no session for {which}period {period} in {self.root}; known periods: "
                f"{', '.join(self.periods.all()) or 'none'}"
            )
        return self._session(row)

    def exists(self, period: str) -> bool:
        """Whether the period has a session (a draft at least)."""
        return self.db.execute("SELECT 1 FROM sessions WHERE period = ?", (period,)).fetchone() is not None

    def outputs(self, session: Session) -> list[Output]:
        rows = self.db.execute(
            "SELECT path, role, sha256, size FROM outputs WHERE session_id = ? ORDER BY path", (session.id,)
        ).fetchall()
        return [Output(**dict(r)) for r in rows]

    def manifest(self, session: Session) -> dict | None:
        row = self.db.execute(
            "SELECT manifest FROM runs WHERE session_id = ? ORDER BY id DESC LIMIT 1", (session.id,)
        ).fetchone()
        return json.loads(row[0]) if row else None

    def meeting_date(self, period: str) -> date:
        """The period's meeting date, by the one rule every part follows: the date recorded for its
        session (the latest revision that has one), else the first `meeting_weekday` at least 3 days
        after the period ends (config [build] meeting_weekday)."""
        row = self.db.execute(
            "SELECT meeting_date FROM sessions WHERE period = ? AND meeting_date IS NOT NULL "
            "ORDER BY revision DESC LIMIT 1",
            (check_period(period),),
        ).fetchone()
        return date.fromisoformat(row[0]) if row else default_meeting_date(period, self.meeting_weekday)

    def begin_build(self, period: str, meeting_date: str | None = None) -> SessionBuild:
        """Open a build of the period's books: the draft's folder, or a new revision after publish."""
        check_period(period)
        if meeting_date is not None:
            meeting_date = parse_iso_date(meeting_date, "meeting date")
        latest = self.get(period) if self.exists(period) else None
        if latest is None or latest.data_revision is None:
            raise ArchiveError(f"no data stored for period {period}; ingest the period's files before building")
        with self.transaction() as db:
            if latest.status == "published":
                revision = latest.revision + 1
                folder = self.connection.session_folder(period, revision)
                db.execute(
                    "INSERT INTO sessions (period, revision, status, build_state, meeting_date, data_revision, "
                    "created_at, folder) VALUES (?, ?, 'draft', 'building', ?, ?, ?, ?)",
                    (
                        period,
                        revision,
                        meeting_date or latest.meeting_date,
                        latest.data_revision,
                        now_iso(),
                        self.relative(folder),
                    ),
                )
            else:
                revision = latest.revision
                self._unfreeze_outputs(latest)  # a publish killed half-way may have left them read-only
                db.execute(
                    "UPDATE sessions SET build_state = 'building', meeting_date = COALESCE(?, meeting_date) "
                    "WHERE id = ?",
                    (meeting_date, latest.id),
                )
                db.execute("DELETE FROM outputs WHERE session_id = ?", (latest.id,))
        session = self.get(period, revision)
        session.folder.mkdir(parents=True, exist_ok=True)
        return SessionBuild(session.id, period, revision, session.folder, session.meeting_date)

    def record_outputs(self, build: SessionBuild, manifest: dict, outputs: list[Path]) -> Path:
        """Hash the build's outputs and write the run manifest beside them; return the manifest's path."""
        session = self.get(build.period, build.revision)
        if session.status != "draft":
            raise ArchiveError(f"session {build.period} revision {build.revision} is published; start a new build")
        if session.build_state != "building":
            raise ArchiveError(
                f"the data of {build.period} were stored again after this build began, so its books "
                "are out of date; build the period again"
            )
        recorded = [self._output(Path(p), build, manifest) for p in outputs]
        self._remove_strays(session, {o.path for o in recorded})
        full = self._full_manifest(session, manifest, recorded)
        text = json.dumps(full, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n"
        manifest_path = atomic_write_text(build.folder / MANIFEST_NAME, text)
        with self.transaction() as db:
            db.execute("DELETE FROM outputs WHERE session_id = ?", (session.id,))
            db.executemany(
                "INSERT INTO outputs VALUES (?, ?, ?, ?, ?)",
                [(session.id, o.path, o.role, o.sha256, o.size) for o in recorded],
            )
            db.execute(
                "INSERT INTO runs (session_id, created_at, config_hash, manifest, manifest_path, manifest_sha256) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    session.id,
                    now_iso(),
                    full.get("config_hash"),
                    text,
                    self.relative(manifest_path),
                    sha256_bytes(text.encode("utf-8")),
                ),
            )
            db.execute("UPDATE sessions SET build_state = 'built' WHERE id = ?", (session.id,))
        return manifest_path

    def publish(self, period: str) -> Session:
        """Freeze the latest build: files read-only, hashes checked, status published."""
        session = self.get(period)
        if session.status == "published":
            raise ArchiveError(
                f"period {period} revision {session.revision} is already published "
                f"({session.published_at}); build again to make revision {session.revision + 1}"
            )
        if session.build_state != "built":
            raise ArchiveError(
                f"period {period} revision {session.revision} has no finished build; "
                "run `citistat build` (or `citistat run`) before publishing"
            )
        # What a killed store left must not be frozen.
        remove_unreferenced(self.connection, self.unreferenced_files([session]))
        problems = (
            self._verify_session(session)
            + self._verify_data(period, session.data_revision)
            + self._unexpected_files(session)
        )
        if problems:
            listed = "\n".join(f"  - {p.message}" for p in problems)
            raise ArchiveError(
                f"cannot publish {period}: its files do not match what was recorded:\n{listed}\n"
                "build the period again, then publish"
            )
        for path in self._session_files(session):
            make_read_only(path)
        with self.transaction() as db:
            db.execute(
                "UPDATE sessions SET status = 'published', published_at = ? WHERE id = ?", (now_iso(), session.id)
            )
        return self.get(period, session.revision)

    def verify(self, period: str | None = None) -> list[Problem]:
        """Every stored file checked against its hash; problems listed, nothing repaired or used."""
        problems: list[Problem] = []
        if period is None:
            check = self.db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                problems.append(Problem("", None, "archive.sqlite", "database", f"database check failed: {check}"))
        periods = [check_period(period)] if period else sorted(set(self.periods.all()) | {s.period for s in self.all()})
        for p in periods:
            for row in self.db.execute("SELECT revision FROM periods WHERE period = ? ORDER BY revision", (p,)):
                problems.extend(self._verify_data(p, row[0]))
            for session in (s for s in self.all() if s.period == p):
                problems.extend(self._verify_session(session))
                if session.status == "published":
                    problems.extend(self._unexpected_files(session))
        return problems

    def unreferenced_files(self, sessions: list[Session] | None = None) -> list[Path]:
        """Files in draft folders that no database row refers to: data files and temporary files a killed
        run left behind. Published folders are never looked into (verify reports anything extra there)."""
        drafts = [s for s in (self.all() if sessions is None else sessions) if s.status == "draft"]
        referenced = self._referenced_data_files()
        found = []
        for session in drafts:
            for path in folder_files(session.folder):
                data_orphan = is_data_file(session.folder, path) and self.relative_path(path) not in referenced
                if data_orphan or is_temporary(path):
                    found.append(path)
        if sessions is None:  # the archive's own folder: index.html and the database are written there
            found.extend(p for p in self.root.iterdir() if p.is_file() and is_temporary(p))
        return sorted(found)

    # -- internals

    def _session(self, row) -> Session:
        data = dict(row)
        data["folder"] = self.absolute(data["folder"])
        return Session(**data)

    def _output(self, path: Path, build: SessionBuild, manifest: dict) -> Output:
        path = path if path.is_absolute() else build.folder / path
        if not path.is_file():
            raise ArchiveError(f"output {path} does not exist; record only files the build wrote")
        relative = self.relative(path)
        if not path.resolve().is_relative_to(build.folder.resolve()):
            raise ArchiveError(f"output {path} is outside the build folder {build.folder}")
        inside = path.resolve().relative_to(build.folder.resolve()).as_posix()
        role = manifest.get("roles", {}).get(inside) or guess_role(Path(inside))
        return Output(relative, role, sha256_file(path), path.stat().st_size)

    def _full_manifest(self, session: Session, manifest: dict, recorded: list[Output]) -> dict:
        data_row = self.periods.data_row(session.period, session.data_revision)
        counts = self.db.execute(
            "SELECT grain, path, sha256 FROM counts WHERE period = ? AND revision = ? ORDER BY grain",
            (session.period, session.data_revision),
        ).fetchall()
        full = dict(manifest)
        full.update(
            {
                "period": session.period,
                "revision": session.revision,
                "meeting_date": session.meeting_date,
                "recorded_at": now_iso(),
                "inputs": [
                    {k: r[k] for k in ("name", "sha256", "size", "status")}
                    for r in self.periods.input_file_rows(session.period)
                ],
                "data": {
                    "tickets": {"path": data_row["tickets_path"], "sha256": data_row["tickets_sha256"]},
                    "counts": {c["grain"]: {"path": c["path"], "sha256": c["sha256"]} for c in counts},
                },
                "outputs": [{"path": o.path, "role": o.role, "sha256": o.sha256, "size": o.size} for o in recorded],
            }
        )
        full["chain"] = self._chain_links(session)
        full.setdefault("versions", library_versions())
        if "config" in full and "config_hash" not in full:
            blob = json.dumps(full["config"], sort_keys=True, ensure_ascii=False, default=str)
            full["config_hash"] = sha256_bytes(blob.encode("utf-8"))
        return full

    def _chain_links(self, session: Session) -> list[dict]:
        """The hashes of the manifests published before this build: the previous published revision of the
        period and the archive's latest published session. Editing such a manifest and its database row
        together still shows, because a later manifest holds its old hash."""
        rows = self.db.execute(
            "SELECT s.period, s.revision, r.manifest_path, r.manifest_sha256 FROM sessions s "
            "JOIN runs r ON r.id = (SELECT MAX(id) FROM runs WHERE session_id = s.id) "
            "WHERE s.status = 'published' AND s.id != ? AND "
            "(s.id = (SELECT id FROM sessions WHERE period = ? AND status = 'published' AND revision < ? "
            "         ORDER BY revision DESC LIMIT 1) "
            " OR s.id = (SELECT id FROM sessions WHERE status = 'published' ORDER BY published_at DESC, id DESC LIMIT 1)) "
            "ORDER BY s.period, s.revision",
            (session.id, session.period, session.revision),
        ).fetchall()
        return [{"period": r[0], "revision": r[1], "path": r[2], "sha256": r[3]} for r in rows]

    def _referenced_data_files(self) -> set[str]:
        rows = self.db.execute("SELECT tickets_path FROM periods UNION SELECT path FROM counts").fetchall()
        return {r[0] for r in rows}

    def _own_data_files(self, session: Session) -> dict[str, str]:
        """The data files stored in this revision's folder (path -> sha256), if it holds any."""
        rows = self.db.execute(
            "SELECT tickets_path, tickets_sha256 FROM periods WHERE period = ? AND revision = ? "
            "UNION ALL SELECT path, sha256 FROM counts WHERE period = ? AND revision = ?",
            (session.period, session.revision, session.period, session.revision),
        ).fetchall()
        return {r[0]: r[1] for r in rows}

    def _remove_strays(self, session: Session, keep: set[str]) -> None:
        """A draft folder holds exactly what its latest build wrote: files of an earlier build that this one
        did not write (a renamed agency's brief, a chart no longer drawn) go, so they are never published."""
        for path in folder_files(session.folder):
            if (
                not is_data_file(session.folder, path)
                and path.name != MANIFEST_NAME
                and self.relative_path(path) not in keep
            ):
                path.unlink(missing_ok=True)

    def _unexpected_files(self, session: Session) -> list[Problem]:
        """Files under a revision's folder that neither the database nor its manifest.json lists."""
        expected = {o.path for o in self.outputs(session)} | set(self._own_data_files(session))
        run = self._latest_run(session)
        if run:
            expected.add(run["manifest_path"])
            manifest = self._manifest_on_disk(run) or {}
            expected |= set(_manifest_outputs(manifest)) | set(_manifest_data(manifest))
        problems = []
        for path in folder_files(session.folder):
            relative = self.relative_path(path)
            if relative not in expected:
                problems.append(
                    Problem(
                        session.period,
                        session.revision,
                        relative,
                        "unexpected",
                        f"{relative} is not part of the published revision (added after publishing)",
                    )
                )
        return problems

    def _latest_run(self, session: Session):
        return self.db.execute(
            "SELECT manifest, manifest_path, manifest_sha256 FROM runs WHERE session_id = ? ORDER BY id DESC LIMIT 1",
            (session.id,),
        ).fetchone()

    def _manifest_on_disk(self, run) -> dict | None:
        try:
            return json.loads(self.absolute(run["manifest_path"]).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _session_files(self, session: Session) -> list[Path]:
        files = [self.absolute(o.path) for o in self.outputs(session)]
        run = self.db.execute(
            "SELECT manifest_path FROM runs WHERE session_id = ? ORDER BY id DESC LIMIT 1", (session.id,)
        ).fetchone()
        if run:
            files.append(self.absolute(run[0]))
        data = self.periods.data_row(session.period, session.data_revision)
        if data:
            files.append(self.absolute(data["tickets_path"]))
            files.extend(
                self.absolute(r[0])
                for r in self.db.execute(
                    "SELECT path FROM counts WHERE period = ? AND revision = ?", (session.period, session.data_revision)
                )
            )
        return files

    def _unfreeze_outputs(self, session: Session) -> None:
        files = [self.absolute(o.path) for o in self.outputs(session)] + [session.folder / MANIFEST_NAME]
        for path in files:
            if path.is_file():
                make_writable(path)

    def _verify_session(self, session: Session) -> list[Problem]:
        """The build's files against the database and against manifest.json, and the two against each other."""
        if session.build_state != "built":
            return []  # an unfinished draft build records nothing yet, so there is nothing to contradict
        in_database = {o.path: o.sha256 for o in self.outputs(session)}
        run = self._latest_run(session)
        problems = self._check_manifest(session, run) if run else []
        manifest = self._manifest_on_disk(run) if run else None
        in_manifest = _manifest_outputs(manifest) if manifest else {}
        if manifest is not None:
            problems += self._disagreements(session, in_database, in_manifest, manifest)
            problems += self._broken_links(session, manifest)
        for relative in sorted(set(in_database) | set(in_manifest)):  # data files: see _verify_data
            hashes = {sha for sha in (in_database.get(relative), in_manifest.get(relative)) if sha is not None}
            for sha in sorted(hashes):  # two hashes disagree already; the file can match only one
                if problem := check_file(self.connection, session.period, session.revision, relative, sha):
                    problems.append(problem)
                    break
        return problems

    def _check_manifest(self, session: Session, run) -> list[Problem]:
        problems = []
        if sha256_bytes(run["manifest"].encode("utf-8")) != run["manifest_sha256"]:
            problems.append(
                Problem(
                    session.period,
                    session.revision,
                    run["manifest_path"],
                    "database",
                    f"the database's copy of {run['manifest_path']} does not match its recorded hash",
                )
            )
        if problem := check_file(
            self.connection, session.period, session.revision, run["manifest_path"], run["manifest_sha256"]
        ):
            problems.append(problem)
        elif self._manifest_on_disk(run) is None:
            problems.append(
                Problem(
                    session.period,
                    session.revision,
                    run["manifest_path"],
                    "hash_mismatch",
                    f"{run['manifest_path']} is not readable JSON",
                )
            )
        return problems

    def _disagreements(
        self, session: Session, in_database: dict[str, str], in_manifest: dict[str, str | None], manifest: dict
    ) -> list[Problem]:
        """Where the database and manifest.json tell different stories (one of them was edited)."""
        recorded_data = _manifest_data(manifest)
        row = self.periods.data_row(session.period, session.data_revision)
        stored_data = {}
        if row is not None:
            stored_data[row["tickets_path"]] = row["tickets_sha256"]
            stored_data |= {
                r[0]: r[1]
                for r in self.db.execute(
                    "SELECT path, sha256 FROM counts WHERE period = ? AND revision = ?",
                    (session.period, session.data_revision),
                )
            }
        problems = []
        for what, database, listed in (("output", in_database, in_manifest), ("data file", stored_data, recorded_data)):
            for relative in sorted(set(database) | set(listed), key=str):
                if database.get(relative) != listed.get(relative):
                    problems.append(
                        Problem(
                            session.period,
                            session.revision,
                            str(relative),
                            "disagreement",
                            f"{what} {relative}: the database says {_short(database.get(relative))}, "
                            f"manifest.json says {_short(listed.get(relative))}; one of them was edited",
                        )
                    )
        return problems

    def _broken_links(self, session: Session, manifest: dict) -> list[Problem]:
        """Each earlier manifest this one recorded must still have the hash it had then."""
        problems = []
        for link in manifest.get("chain") or []:
            path = self.absolute(link["path"])
            if not path.is_file() or sha256_file(path) != link["sha256"]:
                problems.append(
                    Problem(
                        link["period"],
                        link["revision"],
                        link["path"],
                        "chain",
                        f"{link['path']} is not the manifest that {session.period} revision {session.revision} "
                        "recorded when it was built (edited or removed since)",
                    )
                )
        return problems

    def _verify_data(self, period: str, revision: int | None) -> list[Problem]:
        if revision is None:
            return []
        expected = [
            (r[0], r[1])
            for r in self.db.execute(
                "SELECT tickets_path, tickets_sha256 FROM periods WHERE period = ? AND revision = ?", (period, revision)
            )
        ]
        expected += [
            (r[0], r[1])
            for r in self.db.execute(
                "SELECT path, sha256 FROM counts WHERE period = ? AND revision = ?", (period, revision)
            )
        ]
        return [p for rel, sha in expected if (p := check_file(self.connection, period, revision, rel, sha))]


def remove_unreferenced(connection: ArchiveConnection, found: list[Path], readers_wait: float = 30) -> list[Path]:
    """Delete unreferenced files (a writer's job: it holds the lock) once no reader is reading, waiting up to
    `readers_wait` s: a reader's snapshot may still point to them."""
    if not found:
        return found
    if connection.readonly:
        raise ArchiveError(f"archive {connection.root} was opened read-only; open it for writing to remove files")
    deadline = time.monotonic() + readers_wait
    while True:
        with no_readers(connection.root) as free:
            if free:
                for path in found:
                    path.unlink(missing_ok=True)
                return found
        if time.monotonic() >= deadline:
            raise ArchiveError(
                f"readers kept using the archive for {readers_wait:g} s (metrics, sessions "
                "show …), so files they may read were not removed; try again"
            )
        time.sleep(0.1)


def check_file(
    connection: ArchiveConnection, period: str, revision: int | None, relative: str, sha: str
) -> Problem | None:
    """A recorded file against its hash: missing, changed, or fine (None)."""
    path = connection.absolute(relative)
    if not path.is_file():
        return Problem(period, revision, relative, "missing", f"{relative} is missing")
    if sha256_file(path) != sha:
        return Problem(
            period,
            revision,
            relative,
            "hash_mismatch",
            f"{relative} has changed since it was recorded (corrupted or edited by hand)",
        )
    return None


def guess_role(relative: Path) -> str:
    """What an output is, from its name, for the index page; a manifest "roles" entry wins."""
    name = relative.name.lower()
    parts = [p.lower() for p in relative.parts[:-1]]
    if ".keys" in parts:
        return "key"  # what a PDF or chart was made from, so a rebuild keeps unchanged ones
    if relative.suffix.lower() == ".png":
        return "chart"
    if relative.suffix.lower() in (".xlsx", ".csv", ".json", ".parquet"):
        return "export"
    if "memo" in name or "纪要" in name:
        return "memo"
    if "-book-" in name or name.startswith(("city", "book")) or "全市" in name:
        return "city_book"
    if "agencies" in parts or name.startswith(("agency", "brief")) or relative.suffix.lower() == ".pdf":
        return "agency_brief"  # render names briefs citistat-<period>-<agency>-<lang>-<edition>.pdf
    return "other"


def library_versions() -> dict[str, str]:
    versions = {}
    for name in VERSIONED_LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _manifest_outputs(manifest: dict) -> dict[str, str | None]:
    """path -> sha256 of every output a manifest lists (None: listed without one)."""
    return {o["path"]: o.get("sha256") for o in manifest.get("outputs") or [] if isinstance(o, dict) and "path" in o}


def _manifest_data(manifest: dict) -> dict[str, str | None]:
    """path -> sha256 of the data files a manifest says its build used (None: named without one)."""
    data = manifest.get("data") or {}
    entries = [data.get("tickets") or {}, *(data.get("counts") or {}).values()]
    return {e["path"]: e.get("sha256") for e in entries if isinstance(e, dict) and "path" in e}


def _short(sha: str | None) -> str:
    return f"sha256 {sha[:12]}…" if sha else "nothing"
