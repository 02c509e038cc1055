"""What the file readers hand over: one table as found in one file, before any interpretation.

A `RawTable` holds the cells of the chosen sheet (or CSV/HTML/JSON table) under
the header that was found, with the row number a user sees for every data row.
Nothing is parsed or renamed yet: the input profiles do that.

    open_table(path, header_synonyms=..., limits=Limits()) -> RawTable   # raises FileFailure

A file that cannot be opened or trusted raises `FileFailure`, carrying one
FILE-severity `DataIssue`; the caller records it and goes on with the other files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from ..config import IngestSettings
from ..quality import FILE, DataIssue, file_issue

FileFormat = Literal["xlsx", "xls", "csv", "tsv", "html", "json", "xml"]

SETTINGS_HINT = "config/citistat.toml, section [ingest]"
MB = 1024 * 1024
_DECLARED = IngestSettings()  # the defaults are declared once, in config.IngestSettings


@dataclass(frozen=True)
class Limits:
    """Bounds on what one input file may cost before it is refused: config.IngestSettings in the units the
    readers check (bytes), picklable for the reader child process."""

    max_uncompressed_bytes: int = _DECLARED.max_uncompressed_mb * MB
    max_compression_ratio: float = _DECLARED.max_compression_ratio
    max_rows: int = _DECLARED.max_rows
    max_zip_entries: int = _DECLARED.max_zip_entries
    max_columns: int = _DECLARED.max_columns
    max_cell_chars: int = _DECLARED.max_cell_chars
    max_cells: int = _DECLARED.max_cells
    max_reader_memory_bytes: int = _DECLARED.max_reader_memory_mb * MB
    max_read_seconds: float = _DECLARED.max_read_seconds

    @classmethod
    def from_settings(cls, ingest: IngestSettings | Mapping) -> Limits:
        """The limits of the [ingest] settings (config.settings.ingest; citistat.toml's data is parsed first)."""
        if isinstance(ingest, Mapping):
            from ..config import Settings

            ingest = Settings.from_dict(ingest).ingest
        return cls(
            max_uncompressed_bytes=ingest.max_uncompressed_mb * MB,
            max_compression_ratio=ingest.max_compression_ratio,
            max_rows=ingest.max_rows,
            max_zip_entries=ingest.max_zip_entries,
            max_columns=ingest.max_columns,
            max_cell_chars=ingest.max_cell_chars,
            max_cells=ingest.max_cells,
            max_reader_memory_bytes=ingest.max_reader_memory_mb * MB,
            max_read_seconds=ingest.max_read_seconds,
        )


class FileFailure(Exception):
    """A file-level problem: the file is rejected whole. `issue` says what, where and how to fix it."""

    def __init__(self, issue: DataIssue):
        super().__init__(f"{issue.file}: {issue.message}")
        self.issue = issue

    @classmethod
    def of(cls, key: str, file: str, *, sheet: str | None = None, **fields: object) -> FileFailure:
        """A failure worded from the catalogue (citistat.messages); `open_table` words it in the load's language."""
        return cls(file_issue(key, FILE, file=file, sheet=sheet, row=None, **fields))  # the whole file: no row

    def worded_in(self, lang: str) -> FileFailure:
        """The same failure, its message and hint in `lang`."""
        return FileFailure(self.issue.worded_in(lang))

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
    sha256: str | None = None  # of the file's bytes, set by the loader: names the rows of a file without ticket ids

    def __post_init__(self) -> None:
        if len(self.columns) != self.data.shape[1] or len(self.column_letters) != len(self.columns):
            raise ValueError("RawTable: columns, column_letters and data columns must match")
        if len(self.row_numbers) != len(self.data):
            raise ValueError("RawTable: one row number per data row")

    @property
    def n_rows(self) -> int:
        return len(self.data)
