"""Data-quality records: what ingest found wrong, where, and how the rows reconcile.

Errors are values, collected and never raised one at a time. Every record
carries a full location so a clerk can open the file and find the cell.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from .messages import load_messages, reason_code

# Severity levels.
FILE = "file"  # the file could not be opened or trusted: rejected whole, the batch goes on
ROW = "row"  # a required value is missing or unparseable: the row goes to the rejects report
CELL = "cell"  # an optional value is bad: the row is kept and the cell reported (a warning)
INFO = "info"  # structural rows skipped, duplicates collapsed, profile chosen…


@dataclass(frozen=True)
class DataIssue:
    code: str  # stable reason code, e.g. "bad_date", "zip_bomb", "duplicate_conflict"
    severity: str  # FILE | ROW | CELL | INFO
    message: str  # in the run's language
    hint: str = ""  # how to fix it
    file: str = ""
    sheet: str | None = None
    row: int | None = None  # the row number the user sees (Excel: header row = its own number; CSV: physical line)
    column: str | None = None  # column name as written in the file
    column_letter: str | None = None  # "C" for xlsx; None for csv/json
    raw_value: str | None = None  # truncated and neutralised
    # The catalogue key (citistat.messages: issue.<key>) and values it was worded from, so that a book in another
    # language can word it again; "" for a message written by hand, which stays as it is.
    key: str = ""
    fields: dict[str, str] = field(default_factory=dict, hash=False)
    ticket_id: str | None = None  # the ticket of the row, when the row had one

    def to_dict(self) -> dict:
        return asdict(self)

    def worded_in(self, lang: str) -> DataIssue:
        """The same issue, its message and hint in `lang` (unchanged when it was not worded from the catalogue)."""
        if not self.key:
            return self
        text, hint = load_messages(lang).issue(self.key, **self.fields)
        return replace(self, message=text, hint=hint)

    def location(self) -> str:
        parts = [self.file or "?"]
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            letter = f" ({self.column_letter})" if self.column_letter else ""
            parts.append(f"column {self.column!r}{letter}")
        return ", ".join(parts)


def file_issue(
    key: str, severity: str, *, file: str, sheet: str | None = None, row: int | None = None, **fields: object
) -> DataIssue:
    """An issue about a file worded from the catalogue in English, keeping its key and values: whoever
    knows the language words it again (`worded_in`; `ingest.open_table` does for the readers)."""
    text, hint = load_messages("en").issue(key, file=file, sheet=sheet, **fields)
    return DataIssue(
        code=reason_code(key),
        severity=severity,
        message=text,
        hint=hint,
        file=file,
        sheet=sheet,
        row=row,
        key=key,
        fields=as_text({"file": file, "sheet": sheet, **fields}),
    )


def as_text(fields: dict[str, object]) -> dict[str, str]:
    """A message's values as the archive keeps them (DataIssue.fields): text, None as ""."""
    return {name: "" if value is None else str(value) for name, value in fields.items()}


@dataclass
class Reconciliation:
    """rows read = accepted + rejected + excluded + duplicates + skipped, always."""

    read: int = 0
    accepted: int = 0
    rejected: int = 0
    excluded: int = 0  # out of period
    duplicates: int = 0
    skipped: int = 0  # structural rows: blank, 小计/合计, signature lines

    def balances(self) -> bool:
        return self.read == self.accepted + self.rejected + self.excluded + self.duplicates + self.skipped

    def __add__(self, other: Reconciliation) -> Reconciliation:
        return Reconciliation(**{k: getattr(self, k) + getattr(other, k) for k in asdict(self)})

    def to_dict(self) -> dict:
        return {**asdict(self), "balances": self.balances()}


@dataclass
class FileReport:
    path: str
    status: str = "ok"  # "ok" | "warnings" | "quarantined" | "failed"
    reason: str | None = None  # reason code when failed
    format: str | None = None  # "xlsx", "csv", "xls", "html", "json"
    encoding: str | None = None
    sheet: str | None = None
    header_rows: list[int] = field(default_factory=list)
    profile: str | None = None
    sha256: str | None = None
    reconciliation: Reconciliation = field(default_factory=Reconciliation)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["reconciliation"] = self.reconciliation.to_dict()
        return data
