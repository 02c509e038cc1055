"""The pipeline as a row of small stages: load → store → history → score → render → archive.

The CLI commands call these functions; they print nothing themselves and
return what happened so the caller can report it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from . import __version__
from .briefing import BriefingInputs, InputFile
from .archive.base import default_meeting_date
from .config import Config
from .errors import NoUsableData
from .quality import Reconciliation
from .workspace import Workspace

log = logging.getLogger(__name__)

INPUT_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".csv", ".tsv", ".txt", ".html", ".htm", ".json"}
ISSUE_SAMPLE = 200  # issues listed in the appendix; the rejects report has them all


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
    ingest: object  # ingest.IngestResult
    stored: dict[str, object]  # period -> archive ChangeSummary


@dataclass
class BuildOutcome:
    period: str
    revision: int
    folder: Path
    outputs: list[Path]
    books: object  # render.BookSet
    timings: dict[str, float]


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


def open_archive(ws: Workspace, config: Config):
    from .archive import Archive

    return Archive.open(ws.archive_dir(config.settings))


def load_files(
    ws: Workspace,
    config: Config,
    files: list[Path],
    *,
    period: str | None = None,
    profile: str | None = None,
    lang: str | None = None,
    timer: StageTimer | None = None,
) -> LoadOutcome:
    """Ingest files and store every period they hold in the archive (as drafts).

    With `period`, only that period is stored; other rows count as excluded.
    Without it, every period found is stored, so one call loads a year of history.
    """
    from . import ingest
    from .count import count_all

    from .score.definitions import parse_scoring

    timer = timer or StageTimer()
    quick_close = parse_scoring(config.scoring).screens.quick_close_minutes
    with timer.stage("ingest"):
        result = ingest.load(files, config, period=period, profile=profile, salt=ws.caller_salt(), lang=lang or config.lang)
    tickets = result.tickets
    if tickets.empty:
        raise NoUsableData(_nothing_usable_message(result, period))
    stored = {}
    with open_archive(ws, config) as archive:
        for each_period, frame in tickets.groupby("period", observed=True, sort=True):
            frame = frame.reset_index(drop=True)
            with timer.stage("count"):
                counts = count_all(frame, quick_close_minutes=quick_close)
            sources = set(frame["source_file"].dropna().unique())
            files_here = [f for f in result.files if f.path in sources]
            issues_here = [i for i in result.issues if i.file in sources or not i.file]
            with timer.stage("archive"):
                stored[str(each_period)] = archive.store_period(str(each_period), frame, counts, files_here, issues_here)
    return LoadOutcome(result, stored)


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
    lang: str | None = None,
    edition: str | None = None,
    meeting_date: str | None = None,
    formats: tuple[str, ...] | None = None,
    timer: StageTimer | None = None,
) -> BuildOutcome:
    """Score a stored period against its history and write its books into the archive."""
    from .render import build_books as render_books
    from .render import export_tables_xlsx
    from .score import score_period

    timer = timer or StageTimer()
    lang = lang or config.lang
    edition = edition or config.edition
    formats = tuple(formats or config.settings.get("build", {}).get("formats", ("pdf", "html")))
    with open_archive(ws, config) as archive:
        if period not in archive.periods():
            known = ", ".join(archive.periods()) or "none"
            raise NoUsableData(f"period {period} is not in the archive (stored periods: {known}); "
                               f"load it first with `citistat ingest --period {period} FILES…` or `citistat run`.")
        with timer.stage("history"):
            history = archive.history(period)
        with timer.stage("score"):
            result = score_period(history, period, config)
        meeting = meeting_date or archive.meeting_date(period) or default_meeting_date(
            period, config.settings.get("build", {}).get("meeting_weekday", 2)).isoformat()
        build = archive.begin_build(period, meeting_date=meeting)
        inputs = _briefing_inputs(archive, config, result, build, lang=lang, edition=edition, meeting=meeting)
        with timer.stage("render"):
            books = render_books(
                inputs,
                build.folder,
                templates_dirs=_templates_dirs(ws),
                formats=formats,
                pdf_variant=config.settings.get("build", {}).get("pdf_variant"),
            )
        outputs = list(books.paths())
        with timer.stage("exports"):
            outputs.append(export_tables_xlsx(inputs, build.folder / f"citistat-{period}-tables.xlsx"))
            outputs.extend(archive.write_rejects(period, build.folder))
            outputs.append(_write_run_summary(build.folder, inputs, timer))
        manifest = _manifest(config, inputs, outputs)
        archive.record_outputs(build, manifest, outputs)
        archive.write_index()
    return BuildOutcome(period, build.revision, build.folder, outputs, books, dict(timer.seconds))


def _templates_dirs(ws: Workspace) -> list[Path]:
    from .workspace import DEFAULT_TEMPLATES_DIR

    dirs = [ws.templates_dir] if ws.templates_dir.is_dir() and ws.templates_dir != DEFAULT_TEMPLATES_DIR else []
    return dirs + [DEFAULT_TEMPLATES_DIR]


def _briefing_inputs(archive, config: Config, result, build, *, lang: str, edition: str, meeting: str) -> BriefingInputs:
    files = archive.file_reports(result.period)
    issues = archive.issues(result.period)
    total = Reconciliation()
    for report in files:
        total = total + report.reconciliation
    return BriefingInputs(
        city=config.city if lang == "zh-CN" else config.settings.get("city", {}).get("name_en", config.city),
        period=result.period,
        meeting_date=meeting,
        lang=lang,
        edition=edition,
        revision=build.revision,
        status=build.status,
        result=result,
        files=files,
        reconciliation=total,
        issue_counts=dict(Counter(i.code for i in issues)),
        issues=issues[:ISSUE_SAMPLE],
        followups=archive.followups_for_briefing(result.period),
        notes=archive.notes_for_briefing(result.period),
        input_files=[InputFile(Path(f.path).name, f.sha256 or "", f.status) for f in files],
        config_hash=config.digest(),
        versions=library_versions(),
        generated_on=meeting,  # fixed by the session, so a rebuild gives the same book
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


def _manifest(config: Config, inputs: BriefingInputs, outputs: list[Path]) -> dict:
    return {
        "period": inputs.period,
        "revision": inputs.revision,
        "inputs": [{"name": f.name, "sha256": f.sha256, "status": f.status} for f in inputs.input_files],
        "config": config.effective(),
        "config_hash": inputs.config_hash,
        "versions": inputs.versions,
        "outputs": {p.name: sha256_file(p) for p in outputs if p.is_file()},
    }


def history_from_tickets(tickets, config: Config):
    """A History built in memory from a canonical table (no archive involved)."""
    from .count import History, count_all
    from .score.definitions import parse_scoring

    quick_close = parse_scoring(config.scoring).screens.quick_close_minutes
    return History(counts=count_all(tickets, quick_close_minutes=quick_close), tickets=tickets)


def score_from_files(ws: Workspace, config: Config, files: list[Path], period: str, *, profile: str | None = None):
    from . import ingest
    from .score import score_period

    result = ingest.load(expand_inputs(files), config, profile=profile, salt=ws.caller_salt(), lang=config.lang)
    if result.tickets.empty or period not in set(result.tickets["period"].dropna()):
        raise NoUsableData(_nothing_usable_message(result, period))
    return score_period(history_from_tickets(result.tickets, config), period, config)


def score_from_archive(ws: Workspace, config: Config, period: str):
    from .score import score_period

    with open_archive(ws, config) as archive:
        if period not in archive.periods():
            raise NoUsableData(f"period {period} is not in the archive; give FILES or run `citistat ingest` first.")
        return score_period(archive.history(period), period, config)


def write_memo(ws: Workspace, config: Config, period: str, *, lang: str | None = None) -> Path:
    """The follow-up memo after a session: every commitment and data request it recorded.

    It is written beside the session's books in its own folder, so a published
    book set stays untouched when the memo comes two days later.
    """
    from .render import render_memo
    from .score import score_period

    lang = lang or config.lang
    with open_archive(ws, config) as archive:
        if period not in archive.periods():
            raise NoUsableData(f"period {period} is not in the archive; run `citistat run` or `citistat ingest` first.")
        result = score_period(archive.history(period), period, config)
        meeting = archive.meeting_date(period) or default_meeting_date(period).isoformat()
        session = archive.session(period)
        revision = getattr(session, "revision", 1) if session else 1
        status = getattr(session, "status", "draft") if session else "draft"
        build = _MemoTarget(revision=revision, status=status)
        inputs = _briefing_inputs(archive, config, result, build, lang=lang, edition="internal", meeting=meeting)
        inputs = _with_session_followups(inputs, archive, period)
        out = ws.archive_dir(config.settings) / period / "memo" / f"citistat-{period}-memo-{lang}.pdf"
        return render_memo(inputs, out, templates_dirs=_templates_dirs(ws))


@dataclass(frozen=True)
class _MemoTarget:
    revision: int
    status: str


def _with_session_followups(inputs: BriefingInputs, archive, period: str) -> BriefingInputs:
    """The memo lists what this session raised, not only what is still open from earlier ones."""
    from dataclasses import replace

    raised_here = archive.followups_raised_in(period)
    return replace(inputs, followups=raised_here)
