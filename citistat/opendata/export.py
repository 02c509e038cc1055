"""Writing a period's open data: CSV + datapackage.json, Parquet, and Open311 requests.json."""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..archive.record import OPEN_DATA_FOLDER, SessionOfRecord, counts_at, grains_at, session_of_record, tickets_at
from ..count import GRAINS
from ..errors import ArchiveError
from ..safe_io import atomic_write_text, write_table_csv
from .open311 import write_requests
from .tables import PUBLIC_COUNTS, PublicTable, public_counts, public_rates

PARQUET_FOLDER = "parquet"
PACKAGE_NAME = "datapackage.json"
REQUESTS_NAME = "requests.json"
README_NAME = "README.md"
GRAIN_ORDER = tuple(GRAINS)  # agency first: the rates are checked against its withheld cells

FIELD_DOCS = {
    "period": "Month, YYYY-MM",
    "level": "city, unit_type or agency",
    "unit_type": "Unit type (ranking group)",
    "agency": "Agency (canonical name)",
    "metric": "response, resolution or satisfaction",
    "n": "Denominator of the rate: answered yes + answered no (unknown answers are in no denominator)",
    "rate": "Rate as a proportion 0-1",
    "ci_low": "Lower end of the 95 % Wilson interval",
    "ci_high": "Upper end of the 95 % Wilson interval",
    "suppressed": "True when a value of this row is withheld (small cell)",
}


@dataclass
class ExportResult:
    period: str
    session: SessionOfRecord
    folder: Path
    threshold: int
    files: list[Path] = field(default_factory=list)
    suppressed_rows: dict[str, int] = field(default_factory=dict)


def min_cell(config) -> int:
    """The public edition's small-cell threshold ([public] min_cell in citistat.toml, checked on load)."""
    return config.settings.public.min_cell


def export_period(archive, config, period: str, *, requests: bool = True) -> ExportResult:
    """Write the period's public open data into `<archive>/open-data/<period>/` (replaced whole, atomically)."""
    session = session_of_record(archive, period)
    if session is None:
        raise ArchiveError(f"no data stored for period {period}; ingest the period's files first")
    threshold = min_cell(config)
    scoring = config.scoring_rules
    final = archive.root / OPEN_DATA_FOLDER / period  # beside the sessions: never inside a published one
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".open-data.", dir=final.parent))
    try:
        tables = _tables(archive, session, threshold, scoring, city=config.city)
        for table in tables:
            _write_table(table, staging)
        if requests:
            write_requests(tickets_at(archive, session), staging / REQUESTS_NAME)
        package = datapackage(session, tables, threshold, scoring, city=config.city, requests=requests)
        atomic_write_text(staging / PACKAGE_NAME, json.dumps(package, ensure_ascii=False, indent=2) + "\n")
        atomic_write_text(staging / README_NAME, readme(package, tables, threshold))
        _swap_in(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    files = sorted(p for p in final.rglob("*") if p.is_file())
    return ExportResult(period, session, final, threshold, files, {t.name: t.suppressed_rows for t in tables})


def _tables(archive, session: SessionOfRecord, threshold: int, scoring, *, city: str) -> list[PublicTable]:
    present = set(grains_at(archive, session))
    counts = {grain: counts_at(archive, session, grain) for grain in GRAIN_ORDER if grain in present}
    if "agency" not in counts:
        raise ArchiveError(f"period {session.period} has no agency counts in the archive; ingest it again")
    tables = {grain: public_counts(grain, frame, threshold) for grain, frame in counts.items()}
    rates = public_rates(
        session.period,
        counts["agency"],
        tables["agency"].frame,
        scoring.rates,
        threshold,
        confidence=scoring.confidence,
        city_name=city,
    )
    return [rates, *tables.values()]


def _write_table(table: PublicTable, folder: Path) -> None:
    frame = table.frame
    rows = ([None if pd.isna(v) else _plain(v) for v in row] for row in frame.itertuples(index=False))
    write_table_csv(folder / f"{table.name}.csv", list(frame.columns), rows, bom=False)
    (folder / PARQUET_FOLDER).mkdir(exist_ok=True)
    frame.to_parquet(folder / PARQUET_FOLDER / f"{table.name}.parquet", index=False)


def _plain(value):
    """A CSV cell: numpy scalars as Python values, booleans as Table Schema's true/false."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _swap_in(staging: Path, final: Path) -> None:
    """Replace the old export folder by the new one so a reader never sees half of each."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        final.rename(old)
    staging.rename(final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def datapackage(
    session: SessionOfRecord, tables: list[PublicTable], threshold: int, scoring, *, city: str, requests: bool
) -> dict:
    """The Frictionless Data Package descriptor: one resource per CSV, each with its Table Schema."""
    draft = " DRAFT: the session is not published yet; numbers may change." if session.is_draft else ""
    rule = (
        f"Counts from 1 to {threshold - 1} are withheld (empty cell), together with enough neighbouring "
        f"cells that none can be worked back from a published total; a rate is withheld when its "
        f"denominator is below {threshold} or a count it is made of is withheld."
    )
    package = {
        "name": f"citistat-{session.period}".lower(),
        "title": f"{city} 12345 hotline performance, {session.period}" + (" (draft)" if session.is_draft else ""),
        "description": (
            "Rates per unit with n and 95 % Wilson intervals, and ticket counts at each grain, "
            "from the city's hotline archive. No personal data and no notes. "
            + rule
            + draft
            + f" The same tables are in {PARQUET_FOLDER}/ as Parquet"
            + (f"; the period's service requests are in {REQUESTS_NAME} (Open311 GeoReport v2)." if requests else ".")
        ),
        "version": f"{session.period}.r{session.revision}",
        "licenses": [
            {
                "name": "CC-BY-4.0",
                "path": "https://creativecommons.org/licenses/by/4.0/",
                "title": "Creative Commons Attribution 4.0",
            }
        ],
        "x_citistat": {
            "period": session.period,
            "revision": session.revision,
            "status": session.status,
            "meeting_date": session.meeting_date,
            "min_cell": threshold,
            "confidence": scoring.confidence,
            "suppression_rule": rule,
        },
        "resources": [_resource(table) for table in tables],
    }
    return package


def readme(package: dict, tables: list[PublicTable], threshold: int) -> str:
    """A short note for whoever downloads the folder, in Chinese and English."""
    files = "\n".join(f"- `{t.name}.csv` / `{PARQUET_FOLDER}/{t.name}.parquet`" for t in tables)
    return (
        f"# {package['title']}\n\n{package['description']}\n\n"
        f"本数据不含个人信息和备注。计数为 1 至 {threshold - 1} 的单元格不予公开（空白），并同时隐去足以反推出它的相邻单元格；"
        f"分母小于 {threshold} 的比率不予公开。字段说明见 `{PACKAGE_NAME}`（Frictionless Data Package）。\n\n"
        f"## Files\n\n{files}\n- `{PACKAGE_NAME}`: Table Schema of every CSV\n"
    )


def _resource(table: PublicTable) -> dict:
    fields = []
    for name in table.frame.columns:
        kind = _field_type(name)
        entry: dict[str, object] = {"name": name, "type": kind}
        if name in FIELD_DOCS:
            entry["description"] = FIELD_DOCS[name]
        if kind == "integer":
            entry["constraints"] = {"minimum": 0}
        if name in ("rate", "ci_low", "ci_high"):
            entry["constraints"] = {"minimum": 0, "maximum": 1}
        fields.append(entry)
    return {
        "name": table.name,
        "path": f"{table.name}.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {"fields": fields, "missingValues": [""]},
    }


def _field_type(name: str) -> str:
    if name in PUBLIC_COUNTS or name in ("n",):
        return "integer"
    if name in ("rate", "ci_low", "ci_high"):
        return "number"
    if name == "suppressed":
        return "boolean"
    return "string"
