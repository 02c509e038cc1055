"""Synthetic 12345 hotline exports: deterministic by seed, fast enough for a million tickets.

    generate_tickets(periods, tickets_per_period, agencies=60, seed=7) -> DataFrame
    write_export(frame, path, fmt="xlsx" | "csv", title=None, period=None) -> Path
    write_export_parts(frame, path, fmt) -> list[Path]   (xlsx above a million tickets: numbered parts)
    write_sample_set(out_dir, tickets_per_period=2500, seed=7) -> list[Path]
    write_agency_tables(config_dir, agencies=60) -> list[Path]

All people and numbers are invented; see catalog.py.
"""

from __future__ import annotations

from .generate import generate_by_period, generate_tickets
from .layout import COLUMNS, CSV_ENCODING, CSV_HEADER_SYNONYMS, SHEET_NAME
from .sample_set import (
    DEFAULT_PERIODS,
    DEFAULT_SEED,
    DEFAULT_TICKETS_PER_PERIOD,
    period_range,
    write_agency_tables,
    write_sample_set,
)
from .writers import write_export, write_export_parts

__all__ = [
    "COLUMNS",
    "CSV_ENCODING",
    "CSV_HEADER_SYNONYMS",
    "DEFAULT_PERIODS",
    "DEFAULT_SEED",
    "DEFAULT_TICKETS_PER_PERIOD",
    "SHEET_NAME",
    "generate_by_period",
    "generate_tickets",
    "period_range",
    "write_agency_tables",
    "write_export",
    "write_export_parts",
    "write_sample_set",
]
