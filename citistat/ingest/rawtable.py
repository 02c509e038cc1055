"""What the file readers hand over: one table as found in one file, before any interpretation.

A `RawTable` holds the cells of the chosen sheet (or CSV/HTML/JSON table) under
the header that was found, with the row number a user sees for every data row.
Nothing is parsed or renamed yet: the input profiles do that.

    open_table(path, header_synonyms=..., limits=Limits()) -> RawTable   # raises FileFailure

A file that cannot be opened or trusted raises `FileFailure`, carrying one
FILE-severity `DataIssue`; the caller records it and goes on with the other files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from ..quality import FILE, DataIssue

FileFormat = Literal["xlsx", "xls", "csv", "tsv", "html", "json"]

# Defaults mirror config/citistat.toml [ingest]; Limits.from_settings reads the real values.
DEFAULT_MAX_UNCOMPRESSED_MB = 512
DEFAULT_MAX_COMPRESSION_RATIO = 200
DEFAULT_MAX_ROWS = 5_000_000
DEFAULT_MAX_ZIP_ENTRIES = 10_000
DEFAULT_MAX_COLUMNS = 16_384  # Excel's widest sheet (XFD)
DEFAULT_MAX_CELL_CHARS = 32_767  # Excel's longest cell
DEFAULT_MAX_CELLS = 100_000_000  # rows × columns of one table
DEFAULT_MAX_READER_MEMORY_MB = 4096
DEFAULT_MAX_READ_SECONDS = 600
SETTINGS_HINT = "config/citistat.toml, section [ingest]"


@dataclass(frozen=True)
class Limits:
    """Bounds on what one input file may cost before it is refused."""

    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_MB * 1024 * 1024
    max_compression_ratio: float = DEFAULT_MAX_COMPRESSION_RATIO
    max_rows: int = DEFAULT_MAX_ROWS
    max_zip_entries: int = DEFAULT_MAX_ZIP_ENTRIES
    max_columns: int = DEFAULT_MAX_COLUMNS
    max_cell_chars: int = DEFAULT_MAX_CELL_CHARS
    max_cells: int = DEFAULT_MAX_CELLS
    max_reader_memory_bytes: int = DEFAULT_MAX_READER_MEMORY_MB * 1024 * 1024
    max_read_seconds: float = DEFAULT_MAX_READ_SECONDS

    @classmethod
    def from_settings(cls, settings: dict) -> "Limits":
        """Limits from the build settings (the parsed citistat.toml); missing keys keep the defaults."""
        ingest = settings.get("ingest", {}) if isinstance(settings, dict) else {}
        return cls(
            max_uncompressed_bytes=int(ingest.get("max_uncompressed_mb", DEFAULT_MAX_UNCOMPRESSED_MB)) * 1024 * 1024,
            max_compression_ratio=float(ingest.get("max_compression_ratio", DEFAULT_MAX_COMPRESSION_RATIO)),
            max_rows=int(ingest.get("max_rows", DEFAULT_MAX_ROWS)),
            max_zip_entries=int(ingest.get("max_zip_entries", DEFAULT_MAX_ZIP_ENTRIES)),
            max_columns=int(ingest.get("max_columns", DEFAULT_MAX_COLUMNS)),
            max_cell_chars=int(ingest.get("max_cell_chars", DEFAULT_MAX_CELL_CHARS)),
            max_cells=int(ingest.get("max_cells", DEFAULT_MAX_CELLS)),
            max_reader_memory_bytes=int(ingest.get("max_reader_memory_mb", DEFAULT_MAX_READER_MEMORY_MB)) * 1024 * 1024,
            max_read_seconds=float(ingest.get("max_read_seconds", DEFAULT_MAX_READ_SECONDS)),
        )


class FileFailure(Exception):
    """A file-level problem: the file is rejected whole. `issue` says what, where and how to fix it."""

    def __init__(self, issue: DataIssue):
        super().__init__(f"{issue.file}: {issue.message}")
        self.issue = issue

    @classmethod
    def of(cls, key: str, file: str, *, sheet: str | None = None, **fields: object) -> "FileFailure":
        """A failure worded from the catalogue (ingest.messages) in the language of the load in progress."""
        from .messages import file_issue

        return cls(file_issue(key, FILE, file=file, sheet=sheet, row=None, **fields))  # a whole file: no row

    @property
    def code(self) -> str:
        return self.issue.code


@dataclass
class RawTable:
    """One table read from one file, cells as found.

    `data` has one column per entry of `columns` (same order). Cell values are
    what the reader produced: text (str), numbers (float; whole numbers from a
    CSV stay text), bool, datetime (Excel date cells, already on the right
    epoch), or missing (NaN/NaT/None: test with `pd.isna`). Excel formula error
    cells arrive as their error text ("#N/A", "#DIV/0!"…). CSV, TSV and HTML
    cells are always text. An xlsx column is typed from its first 1000 data
    rows: a column that mixes kinds there comes as text (a date cell then reads
    "2024-03-05 09:10:00", a whole number "20240305000100"); an odd cell further
    down keeps its own value (a text cell in a date column stays that text).
    Numbers in text-formatted columns are not dates yet: convert serials with
    the epoch `date1904` names (1904-01-01 instead of 1899-12-30).
    """

    file: str
    sheet: str | None
    format: FileFormat
    encoding: str | None
    header_rows: list[int]  # 1-based rows that formed the header; [] when the format has none (JSON)
    columns: list[str]
    column_letters: list[str | None]  # "C" for spreadsheets; None for CSV/JSON
    data: pd.DataFrame
    row_numbers: np.ndarray  # per data row: the row a user sees in Excel, or the physical CSV line
    date1904: bool = False
    issues: list[DataIssue] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.columns) != self.data.shape[1] or len(self.column_letters) != len(self.columns):
            raise ValueError("RawTable: columns, column_letters and data columns must match")
        if len(self.row_numbers) != len(self.data):
            raise ValueError("RawTable: one row number per data row")

    @property
    def n_rows(self) -> int:
        return len(self.data)


def open_table(
    path: str,
    *,
    header_synonyms: set[str] | None = None,
    limits: Limits | None = None,
    lang: str | None = None,
) -> RawTable:
    """Open one input file of any supported format and find its ticket table; raise FileFailure if it cannot.

    Messages are worded in `lang` (by default, the language of the load in progress: English outside one).
    """
    from .messages import current_language, messages_in
    from .readers import read_table  # the readers pull in fastexcel and friends: load them on first use

    with messages_in(lang or current_language()):
        return read_table(str(path), header_synonyms=header_synonyms, limits=limits or Limits())
