"""The pipeline as a row of small stages: load → store → history → score → render → archive.

The CLI commands call these functions; they print nothing themselves and
return what happened so the caller can report it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import time
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .briefing import AgencyNotes, BriefingInputs, FocusAgency, FollowUp, InputFile
from .config import Config
from .errors import FilesFailed, NoUsableData
from .memory import release_free_memory
from .quality import DataIssue, FileReport, Reconciliation
from .workspace import Workspace

if TYPE_CHECKING:  # pragma: no cover - the stages are imported when they run
    from .archive.changes import ChangeSummary
    from .ingest import IngestResult
    from .render import BookSet

log = logging.getLogger(__name__)

INPUT_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".csv", ".tsv", ".txt", ".html", ".htm", ".json"}
# The appendix shows a few issues of each reason (the counts table has them all by reason;
# the rejects report and `citistat validate` list every one): pages of rows help nobody in the room.
ISSUE_SAMPLE = 60
ISSUE_SAMPLE_PER_CODE = 5


@dataclass
class StageTimer:
    """Wall-clock seconds per stage, for the run summary and the benchmark."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start


@dataclass
class LoadOutcome:
    ingest: IngestResult
    stored: dict[str, ChangeSummary]  # period -> what storing it changed in the archive


@dataclass
class BuildOutcome:
    period: str
    revision: int
    folder: Path
    outputs: list[Path]
    books: dict[str, BookSet]  # language -> the books of the first edition built
    timings: dict[str, float]
    editions: dict[str, dict[str, BookSet]] = field(default_factory=dict)  # edition -> language -> books


@dataclass(frozen=True)
class SessionRecord:
    """What the archive remembers of a period, and the session's settings: the same in every language and
    edition, so a build reads it once and each BriefingInputs takes it whole."""

    files: list[FileReport]
    reconciliation: Reconciliation
    issue_counts: dict[str, int]  # reason code -> number of issues
    issues: list[DataIssue]  # a bounded sample for the appendix
    followups: list[FollowUp]
    notes: dict[str, AgencyNotes]
    input_files: list[InputFile]
    config_hash: str
    versions: dict[str, str]
    focus: list[FocusAgency]
    followup_minutes: int
    ranking_order: str
    profile_meanings: dict[str, dict[str, str]]


# What each edition writes: the chair's team gets everything; a department head gets a brief of their own;
# the public gets the city book.
EDITION_PARTS = {"internal": ("book", "briefs"), "agency": ("briefs",), "public": ("book",)}


def build_date() -> str:
    """The date the books are built (UTC), or SOURCE_DATE_EPOCH's for a reproducible build."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch and epoch.isdigit() else datetime.now(UTC)
    return moment.date().isoformat()


def expand_inputs(paths: list[Path]) -> list[Path]:
    """Files as given; folders expand to the spreadsheet-like files inside, sorted by name."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(p for p in sorted(path.iterdir()) if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES)
        else:
            files.append(path)
    return files


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def open_archive(ws: Workspace, config: Config, *, wait: float = 0, readonly: bool = False):
    """The workspace's archive: for writing (locked, waiting up to `wait` s for another writer) or reading."""
    from .archive.workspace import archive_for

    return archive_for(ws, config.settings, wait=wait, readonly=readonly)


@contextmanager
def writing(ws: Workspace, config: Config, archive=None, wait: float = 0):
    """The archive a stage writes to: the one the caller holds (a command doing several stages under one
    lock), else the workspace's, opened and locked for the stage."""
    if archive is not None:
        yield archive
        return
    with open_archive(ws, config, wait=wait) as opened:
        yield opened


def load_files(
    ws: Workspace,
    config: Config,
    files: list[Path],
    *,
    period: str | None = None,
    profile: str | None = None,
    lang: str | None = None,
    new_revision: bool = False,
    timer: StageTimer | None = None,
    archive=None,
    wait: float = 0,
) -> LoadOutcome:
    """Ingest files and store every period they hold in the archive (as drafts).

    With `period`, only that period is stored; other rows count as excluded.
    Without it, every period found is stored, so one call loads a year of history.
    The archive is locked before the first file is read, so two loads started
    together never both read and then race: the second waits (`wait`) or is refused.
    """
    from . import ingest
    from .count import count_all

    timer = timer or StageTimer()
    quick_close = config.scoring_rules.screens.quick_close_minutes
    stored = {}
    with writing(ws, config, archive, wait) as archive:
        with timer.stage("ingest"):
            result = ingest.load(
                files, config, period=period, profile=profile, salt=ws.caller_salt(), lang=lang or config.lang
            )
        tickets = result.tickets
        if tickets.empty:
            raise _nothing_usable(result, period)
        for each_period, frame in tickets.groupby("period", observed=True, sort=True):
            frame = frame.reset_index(drop=True)
            with timer.stage("count"):
                counts = count_all(frame, quick_close_minutes=quick_close)
            sources = set(frame["source_file"].dropna().unique())
            files_here = [f for f in result.files if f.path in sources]
            issues_here = [i for i in result.issues if i.file in sources or not i.file]
            with timer.stage("archive"):
                stored[str(each_period)] = archive.periods.store(
                    str(each_period), frame, counts, files_here, issues_here, new_revision=new_revision
                )
    del frame  # the last period's copy of its tickets
    release_free_memory()
    return LoadOutcome(result, stored)


def _nothing_usable(result, period: str | None) -> NoUsableData:
    """Nothing usable because every file failed (exit 1), or because the period asked is not in them (2)."""
    files_failed = bool(result.files) and all(f.status in ("failed", "quarantined") for f in result.files)
    return (FilesFailed if files_failed else NoUsableData)(_nothing_usable_message(result, period))


def _nothing_usable_message(result, period: str | None) -> str:
    failed = [f for f in result.files if f.status == "failed"]
    where = f" in period {period}" if period else ""
    lines = [f"no usable ticket{where} in {len(result.files)} file(s)."]
    for report in failed:
        lines.append(f"  {report.path}: {report.reason}")
    lines.append("Run `citistat validate FILES…` to see every problem with its location.")
    return "\n".join(lines)


def library_versions() -> dict[str, str]:
    versions = {"citistat": __version__, "python": platform.python_version()}
    for name in ("pandas", "pyarrow", "fastexcel", "openpyxl", "matplotlib", "weasyprint", "jinja2"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:  # pragma: no cover
            versions[name] = "not installed"
    return versions


def build_books(
    ws: Workspace,
    config: Config,
    period: str,
    *,
    langs: tuple[str, ...] = (),
    edition: str | None = None,
    meeting_date: str | None = None,
    formats: tuple[str, ...] | None = None,
    loaded: LoadOutcome | None = None,
    timer: StageTimer | None = None,
    archive=None,
    wait: float = 0,
    editions: tuple[str, ...] = (),
    agency: str | None = None,
) -> BuildOutcome:
    """Score a stored period against its history and write its books into the archive.

    One build writes the books in every language asked (default: the
    configured one), so the session records them together. `loaded` is the
    load that just stored the period, when there was one: its rejects report
    (every rejected row with its original cells) goes beside the books;
    without it the report is rebuilt from the archived issues. `editions` (default: `edition`, else
    the configured one) are built in turn from the same results; EDITION_PARTS says what each writes.
    `agency` (a preview after editing its notes) lays out that agency's brief and its part of the city
    book again and joins the book from the cached parts; the other briefs stay as the last build wrote them.
    """
    from .render.file_names import check_no_repeats
    from .render.reuse import with_key_files
    from .score import score_period

    timer = timer or StageTimer()
    langs = tuple(dict.fromkeys(langs or (config.lang,)))
    editions = tuple(dict.fromkeys(editions or (edition or config.edition,)))
    with writing(ws, config, archive, wait) as archive:
        _require_period(archive, period)
        scores = ScoreCache(ws, archive, config, period)
        results = {lang: scores.get(lang) for lang in langs}
        history = None
        if any(result is None for result in results.values()):
            with timer.stage("history"):
                history = archive.periods.history(period, lookback=HISTORY_PERIODS)
        meeting = meeting_date or archive.sessions.meeting_date(period).isoformat()
        build = archive.sessions.begin_build(period, meeting_date=meeting)
        by_edition: dict[str, dict[str, BookSet]] = {}
        outputs = []
        built_on = build_date()
        with timer.stage("exports"):
            agency_counts = history.grain("agency") if history is not None else _stored_counts(archive, period)
            shared = [
                *_write_rejects(archive, period, build.folder, loaded, config),
                _write_counts_csv(agency_counts, period, build.folder),
            ]
        record = _session_record(archive, config, period)
        for lang in langs:
            if results[lang] is None:
                assert history is not None  # loaded above whenever a result was missing
                with timer.stage("score"):  # per language: the panel's questions are worded in it
                    results[lang] = score_period(history, period, config, lang=lang)
                scores.put(lang, results[lang])
        del history  # every period's tickets: rendering needs only the results
        input_manifest = None
        for each_edition in editions:
            for lang, result in results.items():
                inputs = _briefing_inputs(
                    record, config, result, build, lang=lang, edition=each_edition, meeting=meeting, built_on=built_on
                )
                if input_manifest is None:  # the same in every language and edition: written once
                    with timer.stage("exports"):
                        input_manifest = _write_input_manifest(build.folder, config, inputs)
                    outputs.append(input_manifest)
                rendered = _render_language(
                    ws,
                    config,
                    inputs,
                    build.folder,
                    shared,
                    input_manifest,
                    formats,
                    timer,
                    parts=EDITION_PARTS[each_edition],
                    exports=each_edition == editions[0],
                    agency=agency,
                )
                by_edition.setdefault(each_edition, {})[lang] = rendered.books
                outputs.extend(rendered.outputs)
        # The HTML books load their charts from the folder: outputs like the books (each language's, once).
        outputs.extend(_chart_files(build.folder, results))
        outputs = [*outputs, *shared, _write_run_summary(build.folder, inputs, timer)]
        check_no_repeats(outputs)
        outputs = with_key_files(outputs)
        archive.sessions.record_outputs(build, _manifest(config, inputs, outputs), outputs)
        # index.html is rewritten when the archive closes (after every command that changed it)
    return BuildOutcome(
        period, build.revision, build.folder, outputs, by_edition[editions[0]], dict(timer.seconds), by_edition
    )


def _chart_files(folder: Path, results: dict) -> list[Path]:
    """The chart files the books of every language drew (an edition that draws none leaves none to list)."""
    from .render.books import chart_urls

    found = [
        folder / url
        for lang, result in results.items()
        for urls in chart_urls(result, lang).values()
        for url in urls.values()
    ]
    return [path for path in dict.fromkeys(found) if path.is_file()]


def _require_period(archive, period: str) -> None:
    if period not in archive.periods.all():
        known = ", ".join(archive.periods.all()) or "none"
        raise NoUsableData(
            f"period {period} is not in the archive (stored periods: {known}); "
            f"load it first with `citistat ingest --period {period} FILES…` or `citistat run`."
        )


@dataclass
class LanguageBooks:
    books: BookSet
    outputs: list[Path]


def _render_language(
    ws: Workspace,
    config: Config,
    inputs: BriefingInputs,
    folder: Path,
    shared: list[Path],
    manifest: Path,
    formats: tuple[str, ...] | None,
    timer: StageTimer,
    *,
    parts: tuple[str, ...] = ("book", "briefs"),
    exports: bool = True,
    agency: str | None = None,
) -> LanguageBooks:
    """One language's books of one edition, and (with `exports`) its tables workbook; with `agency`, that
    agency's brief alone is laid out again and the others the last build wrote are kept."""
    from .render import build_books as render_books
    from .render import export_tables_xlsx

    settings = config.settings.build
    stem = f"citistat-{inputs.period}"
    extra: list[Path] = []
    if exports:
        with timer.stage("exports"):
            extra = [export_tables_xlsx(inputs, folder / f"{stem}-tables-{inputs.lang}.xlsx")]
    pdf_variant = settings.pdf_variant
    release_free_memory()  # before the render pool starts: the workers should not sit beside a bloated parent
    with timer.stage("render"):
        books = render_books(
            inputs,
            folder,
            templates_dirs=_templates_dirs(ws),
            formats=tuple(formats or settings.formats),
            agencies=([agency] if agency else None) if "briefs" in parts else [],
            city_book="book" in parts,
            cache_dir=parts_cache(ws),
            pdf_variant=pdf_variant,
            # PDF/A-3 lets a book carry its own numbers: the counts and what went in.
            attachments=[shared[-1], manifest] if str(pdf_variant or "").startswith("pdf/a-3") else (),
            # one agency's brief and part: starting a pool of workers would cost more than it saves
            workers=1 if agency else settings.workers,
        )
    kept = _other_briefs(inputs, folder, agency) if agency and "briefs" in parts else []
    return LanguageBooks(books, [*books.paths(), *kept, *extra])


class ScoreCache:
    """A period's results by language, kept in the workspace's cache beside the book parts: a rebuild after a
    notes edit (notes are not scored) skips loading the history and scoring. The key holds everything a
    result is computed from: every stored period's data revision and tickets hash (the history, the year
    before, the baselines), the configuration's digest, the language, and citistat's own source, so a
    re-ingest, a settings change or a new version scores again."""

    def __init__(self, ws: Workspace, archive, config: Config, period: str) -> None:
        self.base = "\0".join(
            [period, str(HISTORY_PERIODS), config.digest(), _source_digest(), *archive.periods.fingerprint()]
        )
        self.folder = ws.root / ".cache" / "results"

    def _path(self, lang: str) -> Path:
        key = hashlib.sha256(f"{self.base}\0{lang}".encode()).hexdigest()
        return self.folder / f"{key}.pickle"

    def get(self, lang: str):
        import pickle

        path = self._path(lang)
        try:
            return pickle.loads(path.read_bytes()) if path.is_file() else None
        except Exception:  # a cache file from a broken write or an older layout: score again
            log.warning("the cached results %s could not be read; scoring again", path.name)
            return None

    def put(self, lang: str, result) -> None:
        import pickle

        from .safe_io import atomic_write_bytes

        atomic_write_bytes(self._path(lang), pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))


def _source_digest() -> str:
    """citistat's own code, by content: a development tree changes without a version bump."""
    digest = hashlib.sha256(__version__.encode("ascii"))
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def parts_cache(ws: Workspace) -> Path:
    """Where the city book's laid-out parts are kept between builds, by content hash: outside the session
    folders, which hold exactly what a build wrote (and any revision of any period may reuse a part)."""
    return ws.root / ".cache" / "book-parts"


def _other_briefs(inputs: BriefingInputs, folder: Path, agency: str) -> list[Path]:
    """The briefs of the other agencies, as the last full build wrote them (kept, so still the session's)."""
    from .render.books import AGENCIES_DIR, agency_file_name
    from .render.context import agency_order

    paths = [
        folder / AGENCIES_DIR / agency_file_name(inputs, unit.agency)
        for unit in agency_order(inputs.result)
        if unit.agency != agency
    ]
    return [path for path in paths if path.is_file()]


def _write_rejects(archive, period: str, folder: Path, loaded: LoadOutcome | None, config: Config) -> list[Path]:
    """The rejects report beside the books: personal columns masked the same way whichever way it is made."""
    from .privacy import Scrubber

    scrubber = Scrubber.from_settings(config.privacy)
    if loaded is None:  # a build from the archive writes what a run writes: the CSV and the workbook
        return archive.periods.write_rejects(period, folder, scrubber=scrubber, lang=config.lang)
    from .ingest.report import write_rejects

    return write_rejects(loaded.ingest, folder, stem=f"citistat-{period}-rejects", scrubber=scrubber, lang=config.lang)


def _stored_counts(archive, period: str):
    """The period's agency counts straight from the archive, as `History.grain` gives them."""
    from .count import ensure_count_columns

    return ensure_count_columns(archive.periods.counts("agency", [period]))


def _write_counts_csv(counts, period: str, folder: Path) -> Path:
    """The period's agency counts as CSV: a book in PDF/A-3 carries it as an attachment."""
    from .safe_io import write_table_csv

    counts = counts[counts["period"] == period]
    return write_table_csv(
        folder / f"citistat-{period}-counts.csv", list(counts.columns), counts.itertuples(index=False)
    )


def _templates_dirs(ws: Workspace) -> list[Path]:
    from .workspace import DEFAULT_TEMPLATES_DIR

    dirs = [ws.templates_dir] if ws.templates_dir.is_dir() and ws.templates_dir != DEFAULT_TEMPLATES_DIR else []
    return dirs + [DEFAULT_TEMPLATES_DIR]


def _session_record(archive, config: Config, period: str) -> SessionRecord:
    """What the archive remembers of a period, the same in every language: read once per build."""
    files = archive.periods.file_reports(period)
    total = Reconciliation()
    for report in files:
        total = total + report.reconciliation
    return SessionRecord(
        files=files,
        reconciliation=total,
        issue_counts=archive.periods.issue_counts(period),
        issues=archive.periods.issues(period, limit=ISSUE_SAMPLE, per_code=ISSUE_SAMPLE_PER_CODE),
        followups=archive.followups.for_briefing(period, definitions=_rate_definitions(config)),
        notes=archive.notes.for_briefing(period),
        input_files=[InputFile(Path(f.path).name, f.sha256 or "", f.status) for f in files],
        config_hash=config.digest(),
        versions=library_versions(),
        focus=list(config.focus_for(period)),
        followup_minutes=config.settings.session.followup_minutes,
        ranking_order=config.settings.session.ranking_order,
        profile_meanings=profile_meanings(files, config),
    )


def profile_meanings(files: list[FileReport], config: Config) -> dict[str, dict[str, str]]:
    """For each profile that read one of `files`: how it turns a row into responded / resolved, and what a row is."""
    meanings = {}
    for name in dict.fromkeys(f.profile for f in files if f.profile):
        profile = config.input_profiles.get(name)
        if profile is not None:
            meanings[name] = {
                "responded": profile.response_rule,
                "resolved": profile.resolution_rule,
                "row_identity": profile.row_identity,
            }
    return meanings


def _briefing_inputs(
    record: SessionRecord,
    config: Config,
    result,
    build,
    *,
    lang: str,
    edition: str,
    meeting: str,
    built_on: str | None = None,
) -> BriefingInputs:
    return BriefingInputs(
        city=config.city_name(lang),
        period=result.period,
        meeting_date=meeting,
        lang=lang,
        edition=edition,
        revision=build.revision,
        status=build.status,
        result=result,
        generated_on=built_on or build_date(),  # the build's date; the meeting's is its own field
        boundaries=config.geo,
        files=record.files,
        reconciliation=record.reconciliation,
        issue_counts=record.issue_counts,
        issues=record.issues,
        followups=record.followups,
        notes=record.notes,
        input_files=record.input_files,
        config_hash=record.config_hash,
        versions=record.versions,
        focus=record.focus,
        followup_minutes=record.followup_minutes,
        ranking_order=record.ranking_order,
        profile_meanings=record.profile_meanings,
    )


def _write_run_summary(folder: Path, inputs: BriefingInputs, timer: StageTimer) -> Path:
    from .safe_io import atomic_write_text

    summary = {
        "period": inputs.period,
        "revision": inputs.revision,
        "reconciliation": inputs.reconciliation.to_dict(),
        "files": [f.to_dict() for f in inputs.files],
        "issues_by_code": inputs.issue_counts,
        "seconds": {k: round(v, 3) for k, v in timer.seconds.items()},
    }
    path = folder / "run_summary.json"
    atomic_write_text(path, json.dumps(summary, ensure_ascii=False, indent=2))
    return path


def _manifest(config: Config, inputs: BriefingInputs, outputs: Iterable[Path] = ()) -> dict:
    return {
        "period": inputs.period,
        "revision": inputs.revision,
        "inputs": [{"name": f.name, "sha256": f.sha256, "status": f.status} for f in inputs.input_files],
        "config": config.effective(),
        "config_hash": inputs.config_hash,
        "versions": inputs.versions,
        "outputs": {p.name: sha256_file(p) for p in outputs if p.is_file()},
    }


def _write_input_manifest(folder: Path, config: Config, inputs: BriefingInputs) -> Path:
    """What went in (files, configuration, versions), written before the books so a PDF/A book can carry it."""
    from .safe_io import atomic_write_text

    path = folder / f"citistat-{inputs.period}-inputs.json"
    atomic_write_text(path, json.dumps(_manifest(config, inputs), ensure_ascii=False, indent=2, default=str))
    return path


def history_from_tickets(tickets, config: Config):
    """A History built in memory from a canonical table (no archive involved)."""
    from .count import History, count_all

    quick_close = config.scoring_rules.screens.quick_close_minutes
    return History(counts=count_all(tickets, quick_close_minutes=quick_close), tickets=tickets)


# Periods of counts the score stage reads: the trends need 13; the outlook's backtest scores last
# year's monthly outlooks, each of which read the year before it.
HISTORY_PERIODS = 25


def history_for(ws: Workspace, config: Config, files: list[Path], period: str, *, profile: str | None = None):
    """The History of `period`: loaded from `files` when given, else read from the archive."""
    if not files:
        with open_archive(ws, config, readonly=True) as archive:  # a snapshot: answers while a build writes
            _require_period(archive, period)
            return archive.periods.history(period, lookback=HISTORY_PERIODS)
    from . import ingest

    result = ingest.load(expand_inputs(files), config, profile=profile, salt=ws.caller_salt(), lang=config.lang)
    if result.tickets.empty or period not in set(result.tickets["period"].dropna()):
        raise _nothing_usable(result, period)
    return history_from_tickets(result.tickets, config)


def score_from_files(ws: Workspace, config: Config, files: list[Path], period: str, *, profile: str | None = None):
    from .score import score_period

    return score_period(history_for(ws, config, files, period, profile=profile), period, config)


def score_from_archive(ws: Workspace, config: Config, period: str):
    from .score import score_period

    return score_period(history_for(ws, config, [], period), period, config)


def write_memo(ws: Workspace, config: Config, period: str, *, lang: str | None = None, wait: float = 0) -> Path:
    """The follow-up memo after a session: every commitment and data request it recorded.

    Each memo is a record of its own in the archive (memos/<period>/memo-N/), frozen as it is
    written, so a published book set stays untouched when the memo comes two days later.
    """
    from .render import render_memo
    from .score import score_period

    lang = lang or config.lang
    with open_archive(ws, config, wait=wait) as archive:
        _require_period(archive, period)
        result = score_period(archive.periods.history(period), period, config, lang=lang)
        meeting = archive.sessions.meeting_date(period).isoformat()
        session = archive.sessions.get(period)
        revision = getattr(session, "revision", 1) if session else 1
        status = getattr(session, "status", "draft") if session else "draft"
        build = _MemoTarget(revision=revision, status=status)
        inputs = _briefing_inputs(
            _session_record(archive, config, period),
            config,
            result,
            build,
            lang=lang,
            edition="internal",
            meeting=meeting,
        )
        inputs = _with_session_followups(inputs, archive, period, config)
        out = archive.memos.next_path(period, f"citistat-{period}-memo-{lang}.pdf")
        render_memo(inputs, out, templates_dirs=_templates_dirs(ws))
        return archive.absolute(archive.memos.record(period, lang, out).path)


@dataclass(frozen=True)
class _MemoTarget:
    revision: int
    status: str


def _rate_definitions(config: Config):
    return config.scoring_rules.rates


def _with_session_followups(inputs: BriefingInputs, archive, period: str, config: Config) -> BriefingInputs:
    """The memo lists what this session raised and what it carries over from earlier sessions (still open,
    or closed recently): the next session opens with the status of both."""
    from dataclasses import replace

    raised_here = archive.followups.raised_in(period, definitions=_rate_definitions(config))
    return replace(inputs, followups=[*inputs.followups, *raised_here])
