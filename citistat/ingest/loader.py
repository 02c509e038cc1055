"""ingest.load: files in, the canonical ticket table plus a full data-quality record out.

Per file: open it (a file that cannot be opened fails alone; the batch goes on),
choose the input profile, parse every row, skip structural rows, reject rows
missing a required value, apply the period filter. Then across files: collapse
duplicates. Every row read is accounted for:

    read = accepted + rejected + excluded + duplicates + skipped      (per file and in total)
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ..config import Config
from ..messages import load_messages, reason_code
from ..quality import FILE, INFO, DataIssue, FileReport, Reconciliation, as_text
from ..tickets import conform, empty_tickets
from .agencies import AgencyTable
from .dedup import DUPLICATE_COLUMNS, deduplicate
from .normalise import REJECT_COLUMNS, ParsedTable, ProfileMismatch, parse_table
from .profiles import Profile, ProfileChoiceError, detect_profile

SKIPPED_COLUMNS = ["file", "sheet", "row", "first_cell", "reason"]
EXCLUDED_COLUMNS = ["file", "sheet", "row", "ticket_id", "created_at", "period"]


@dataclass
class IngestResult:
    tickets: pd.DataFrame  # canonical table (conform), period filter applied when a period was given
    issues: list[DataIssue]
    files: list[FileReport]
    rejects: pd.DataFrame  # one row per rejected row: location, code, message, hint, then the original cells
    reconciliation: Reconciliation  # the total over all files
    duplicates: pd.DataFrame  # every version of each repeated ticket (dedup.DUPLICATE_COLUMNS)
    excluded: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EXCLUDED_COLUMNS))
    skipped: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SKIPPED_COLUMNS))
    period: str | None = None
    # seconds per step, summed over files: read (open + decode), parse (header to canonical rows), combine
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(f.status in ("ok", "warnings") for f in self.files)


@dataclass
class _FileLoad:
    """One file's parse, before the cross-file steps."""

    report: FileReport
    parsed: ParsedTable | None = None
    issues: list[DataIssue] = field(default_factory=list)
    read_s: float = 0.0
    parse_s: float = 0.0


def load(
    paths: Iterable[str | Path],
    config: Config,
    *,
    period: str | None = None,
    profile: str | None = None,
    salt: bytes = b"",
    lang: str = "zh-CN",
) -> IngestResult:
    """Read every file into one canonical ticket table; never raises for bad data."""
    from ..privacy import Scrubber
    from .rawtable import Limits

    profiles = config.input_profiles
    agencies = AgencyTable(config.aliases, config.roster)
    limits = Limits.from_settings(config.settings.ingest)
    scrubber = Scrubber.from_settings(config.privacy)
    threshold = config.settings.ingest.reject_threshold

    loads = [
        _load_file(
            str(path),
            order,
            profiles,
            profile,
            agencies,
            limits,
            salt=salt,
            lang=lang,
            period=period,
            scrubber=scrubber,
        )
        for order, path in enumerate(paths)
    ]
    combine_started = time.perf_counter()
    rows = _concat([load_.parsed.tickets.assign(load_order=i) for i, load_ in enumerate(loads) if load_.parsed])
    issues = [issue for load_ in loads for issue in load_.issues]
    if not config.roster:
        issues.append(_plain_issue("no_roster", INFO, lang))
    issues += _name_fix_issues(config, lang)

    rows, excluded = _period_filter(rows, period)
    deduped = deduplicate(rows) if not rows.empty else None
    issues += _dedup_issues(deduped, lang) if deduped else []
    tickets = deduped.tickets if deduped else rows

    _reconcile(
        loads, excluded, deduped.dropped if deduped else rows.iloc[0:0], tickets, threshold, issues, lang, period
    )
    tickets = _canonical(tickets)
    timings = {
        "read": sum(load_.read_s for load_ in loads),
        "parse": sum(load_.parse_s for load_ in loads),
        "combine": time.perf_counter() - combine_started,
    }
    return IngestResult(
        tickets=tickets,
        issues=issues,
        files=[load_.report for load_ in loads],
        rejects=_concat([load_.parsed.rejects for load_ in loads if load_.parsed], REJECT_COLUMNS),
        reconciliation=sum((load_.report.reconciliation for load_ in loads), Reconciliation()),
        duplicates=deduped.duplicates if deduped else pd.DataFrame(columns=DUPLICATE_COLUMNS),
        excluded=_excluded_frame(excluded),
        skipped=_concat([load_.parsed.skipped for load_ in loads if load_.parsed], SKIPPED_COLUMNS),
        period=period,
        timings=timings,
    )


# ------------------------------------------------------------------ one file


def _load_file(
    path: str,
    order: int,
    profiles: dict[str, Profile],
    chosen: str | None,
    agencies: AgencyTable,
    limits,
    *,
    salt: bytes,
    lang: str,
    period: str | None = None,
    scrubber=None,
) -> _FileLoad:
    from .rawtable import FileFailure
    from .readers import open_table  # the readers pull in fastexcel and friends: load them on first use

    report = FileReport(path=path, sha256=_sha256(path))
    result = _FileLoad(report)
    synonyms = header_synonyms(profiles if chosen is None else {k: v for k, v in profiles.items() if k == chosen})
    started = time.perf_counter()
    try:
        raw = open_table(path, header_synonyms=synonyms, limits=limits, lang=lang)
    except FileFailure as failure:
        return _failed(result, dataclasses.replace(failure.issue, file=path))
    except (Exception, RecursionError) as exc:  # noqa: BLE001 - one file's unforeseen failure must not end the batch
        return _failed(result, _internal_error(path, exc, lang))
    finally:
        result.read_s = time.perf_counter() - started
    raw.file = path  # every record of this file names it as the user wrote it
    raw.sha256 = report.sha256
    result.issues += [_private(dataclasses.replace(issue, file=path), scrubber, lang) for issue in raw.issues]
    report.format, report.encoding, report.sheet, report.header_rows = (
        raw.format,
        raw.encoding,
        raw.sheet,
        list(raw.header_rows),
    )

    name, problem = _choose_profile(raw, profiles, chosen, lang)
    if problem is not None:
        return _failed(result, problem)
    assert name is not None  # _choose_profile gives a name or a problem
    report.profile = name
    result.issues.append(_plain_issue("profile_chosen", INFO, lang, file=path, sheet=raw.sheet, value=name))
    started = time.perf_counter()
    try:
        result.parsed = parse_table(
            raw, profiles[name], agencies, salt=salt, lang=lang, period=period, scrubber=scrubber
        )
    except ProfileMismatch as mismatch:
        return _failed(result, mismatch.issue)
    finally:
        result.parse_s = time.perf_counter() - started
    result.issues += result.parsed.issues
    return result


def _choose_profile(
    raw, profiles: dict[str, Profile], chosen: str | None, lang: str
) -> tuple[str | None, DataIssue | None]:
    if chosen is not None:
        if chosen in profiles:
            return chosen, None
        return None, _plain_issue(
            "unknown_profile_name", FILE, lang, file=raw.file, value=chosen, formats=", ".join(sorted(profiles))
        )
    try:
        return detect_profile(raw.columns, profiles), None
    except ProfileChoiceError as error:
        value = ", ".join(error.candidates) if error.candidates else " | ".join(map(str, raw.columns[:30]))
        if error.code == "no_profile" and error.nearest:
            matched = ", ".join(f"{header} → {field}" for field, header in error.matched.items())
            return None, _plain_issue(
                "no_profile.nearest",
                FILE,
                lang,
                file=raw.file,
                sheet=raw.sheet,
                value=value,
                nearest=error.nearest,
                matched=matched,
                missing=", ".join(error.missing) or "—",
                count=len(error.matched),
            )
        return None, _plain_issue(error.code, FILE, lang, file=raw.file, sheet=raw.sheet, value=value)


def _failed(result: _FileLoad, issue: DataIssue) -> _FileLoad:
    result.report.status, result.report.reason = "failed", issue.code
    result.issues.append(issue)
    result.parsed = None
    return result


def _internal_error(path: str, exc: BaseException, lang: str) -> DataIssue:
    """A reader failure nobody foresaw, kept as the file's FILE issue (with the exception's type, for the report)."""
    detail = f"{type(exc).__name__}: {exc}"[:300]
    return _plain_issue("internal_error", FILE, lang, file=path, detail=detail)


def header_synonyms(profiles: dict[str, Profile]) -> set[str]:
    """Every header name the profiles know: the reader uses them to find the header row."""
    return {synonym for profile in profiles.values() for synonyms in profile.columns.values() for synonym in synonyms}


def _sha256(path: str) -> str | None:
    """The file's hash; None when it cannot be read, or is no regular file (a FIFO would block, /dev/zero never ends)."""
    import os
    import stat

    digest = hashlib.sha256()
    try:
        size = os.stat(path).st_size
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        with open(path, "rb") as handle:
            while size > 0 and (block := handle.read(min(1 << 20, size))):
                digest.update(block)
                size -= len(block)
    except OSError:
        return None
    return digest.hexdigest()


# ------------------------------------------------------------------ across files


def _period_filter(rows: pd.DataFrame, period: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows in the period, rows outside it); a ticket belongs to the month it was created in."""
    if rows.empty:
        return rows, rows.iloc[0:0]
    rows = rows.assign(period=periods_of(rows["created_at"]))
    if period is None:
        return rows, rows.iloc[0:0]
    inside = rows["period"].eq(period).fillna(False).astype(bool)
    if inside.all():  # the usual month: nothing to set apart, no copy of a million rows
        return rows, rows.iloc[0:0]
    return rows[inside], rows[~inside]


def periods_of(created_at: pd.Series) -> pd.Series:
    """`tickets.period_of`, worked out per distinct month instead of formatting a million dates."""
    from .values import string_series

    months = (created_at.dt.year * 12 + created_at.dt.month - 1).to_numpy(dtype=float, na_value=np.nan)
    known = ~np.isnan(months)
    codes = np.where(known, months, 0).astype(np.int64)
    first = int(codes[known].min()) if known.any() else 0
    span = int(codes[known].max()) - first + 1 if known.any() else 0
    labels = pa.array([f"{(first + i) // 12:04d}-{(first + i) % 12 + 1:02d}" for i in range(span)] or [""])
    return string_series(labels.take(pa.array(codes - first, mask=~known)), created_at.index)


def _dedup_issues(deduped, lang: str) -> list[DataIssue]:
    issues = []
    identical = deduped.duplicates[deduped.duplicates["kind"].eq("identical") & ~deduped.duplicates["kept"]]
    for file, count in identical.groupby("source_file", sort=False).size().items():
        issues.append(_plain_issue("duplicate_identical", INFO, lang, file=str(file), count=int(count)))
    for conflict in deduped.conflicts:
        kept = f"{Path(str(conflict['kept_file'])).name}:{conflict['kept_row']}"
        issue = _plain_issue(
            "duplicate_conflict",
            INFO,
            lang,
            file=str(conflict["kept_file"]),
            value=conflict["ticket_id"],
            count=conflict["versions"],
            kept=kept,
        )
        issues.append(dataclasses.replace(issue, sheet=conflict["kept_sheet"], row=conflict["kept_row"]))
    return issues


def _reconcile(
    loads: list[_FileLoad],
    excluded: pd.DataFrame,
    dropped: pd.DataFrame,
    tickets: pd.DataFrame,
    threshold: float,
    issues: list[DataIssue],
    lang: str,
    period: str | None,
) -> None:
    """Fill each file's reconciliation and status from where its rows ended up.

    Rows are told apart by the position of their file in the batch, not by its path: a file given
    twice (a glob that overlaps another) is two loads whose second copy is all duplicates.
    """
    per_file = {
        "excluded": excluded["load_order"].value_counts() if not excluded.empty else pd.Series(dtype=int),
        "duplicates": dropped["load_order"].value_counts() if not dropped.empty else pd.Series(dtype=int),
        "accepted": tickets["load_order"].value_counts() if not tickets.empty else pd.Series(dtype=int),
    }
    for order, load_ in enumerate(loads):
        report, parsed = load_.report, load_.parsed
        if parsed is None:
            continue
        counts = Reconciliation(
            read=parsed.read,
            rejected=len(parsed.rejects),
            skipped=len(parsed.skipped),
            **{key: int(series.get(order, 0)) for key, series in per_file.items()},
        )
        report.reconciliation = counts
        if counts.excluded:
            issues.append(
                _plain_issue("out_of_period", INFO, lang, file=report.path, count=counts.excluded, period=period)
            )
        report.status = _status(counts, load_.issues, threshold)
        if report.status == "failed":
            report.reason = "too_many_rejects"
            issues.append(
                _plain_issue(
                    "too_many_rejects",
                    FILE,
                    lang,
                    file=report.path,
                    count=counts.rejected,
                    value=f"{_share(counts):.1%}",
                    kept=f"{threshold:.0%}",
                )
            )


def _status(counts: Reconciliation, issues: list[DataIssue], threshold: float) -> str:
    if counts.rejected and _share(counts) > threshold:
        return "failed"
    if counts.rejected:
        return "quarantined"
    if any(i.severity not in (INFO,) for i in issues):
        return "warnings"
    return "ok"


def _share(counts: Reconciliation) -> float:
    data_rows = counts.read - counts.skipped
    return counts.rejected / data_rows if data_rows else 0.0


def _canonical(tickets: pd.DataFrame) -> pd.DataFrame:
    if tickets.empty:
        return empty_tickets()
    if "period" not in tickets:
        tickets = tickets.assign(period=periods_of(tickets["created_at"]))
    return conform(tickets)


def _excluded_frame(excluded: pd.DataFrame) -> pd.DataFrame:
    if excluded.empty:
        return pd.DataFrame(columns=EXCLUDED_COLUMNS)
    frame = excluded.rename(columns={"source_file": "file", "source_sheet": "sheet", "source_row": "row"})
    return frame[EXCLUDED_COLUMNS].reset_index(drop=True)


def _concat(frames: list[pd.DataFrame], columns: list[str] | None = None) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=columns) if columns is not None else pd.DataFrame()
    if len(frames) == 1:  # one file: renumbered, not copied
        return frames[0].reset_index(drop=True)
    return pd.concat(frames, ignore_index=True)


def _private(issue: DataIssue, scrubber, lang: str) -> DataIssue:
    """A reader's issue with personal data in the cell values it quotes replaced (reworded when one changed)."""
    if scrubber is None or not issue.key:
        return issue
    located = {"file", "sheet"}
    fields = {k: v if k in located else scrubber.scalar(v) for k, v in issue.fields.items()}
    raw_value = scrubber.scalar(issue.raw_value)
    if fields == issue.fields and raw_value == issue.raw_value:
        return issue
    text, hint = load_messages(lang).issue(issue.key, **fields)
    return dataclasses.replace(issue, message=text, hint=hint, fields=fields, raw_value=raw_value)


def _name_fix_issues(config: Config, lang: str) -> list[DataIssue]:
    """A roster or alias name that held control or bidi characters (removed at config load)."""
    from ..quality import CELL

    found = []
    for fix in config.name_fixes:
        issue = _plain_issue(
            "invisible_characters",
            CELL,
            lang,
            file=fix["file"],
            column=fix["column"],
            count=1,
            chars=fix["chars"],
            value=fix["name"],
        )
        found.append(dataclasses.replace(issue, row=fix["line"], column=fix["column"]))
    return found


def _plain_issue(
    code: str, severity: str, lang: str, *, file: str = "", sheet: str | None = None, **fields
) -> DataIssue:
    text, hint = load_messages(lang).issue(code, **fields)
    return DataIssue(
        code=reason_code(code),
        severity=severity,
        message=text,
        hint=hint,
        file=file,
        sheet=sheet,
        raw_value=str(fields["value"]) if fields.get("value") is not None else None,
        key=code,
        fields=as_text(fields),
    )
