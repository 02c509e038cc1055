"""HTML tables (an "Excel" export that is a web page): every <table>, read by the standard library's parser."""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser
from pathlib import Path

from ..quality import CELL
from .header import find_header
from .rawtable import SETTINGS_HINT, FileFailure, Limits, RawTable
from .read_common import (
    PROBE_ROWS,
    _Candidate,
    _check_rows,
    _check_width,
    _choose,
    _decoded_text,
    _header_issues,
    _info,
    _rows_table,
)
from .safety import read_bounded

# ---------------------------------------------------------------- HTML tables


class _TableCollector(HTMLParser):
    """Every <table> in a page as rows of cell texts; colspan cells repeat as blanks to keep columns aligned,
    and a rowspan cell (an agency merged down its tickets) is repeated in the rows it spans, as the page shows it."""

    def __init__(self, file: str, limits: Limits) -> None:
        super().__init__(convert_charrefs=True)
        self.file, self.limits = file, limits
        self.cells = 0  # every cell kept, blanks of a colspan included: bounded by max_cells
        self.tables: list[list[list[str | None]]] = []
        self._stack: list[list[list[str | None]]] = []
        self._spans: list[dict[int, list]] = []  # per open table: column -> [rows still covered, text]
        self._cell: list[str] | None = None
        self._span = 1
        self._rowspan = 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._stack.append([])
            self._spans.append({})
        elif tag == "tr" and self._stack:
            self._close_row()
            self._stack[-1].append([])
        elif tag in ("td", "th") and self._stack:
            if not self._stack[-1]:
                self._stack[-1].append([])
            self._cell = []
            found = dict(attrs)
            self._span = _span(found.get("colspan"), 1000)
            self._rowspan = _span(found.get("rowspan"), 100_000)
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._stack:
            text = "".join(self._cell).strip() or None
            row = self._stack[-1][-1]
            self._carry_spans(row)
            if self._rowspan > 1:
                for offset in range(self._span):
                    self._spans[-1][len(row) + offset] = [self._rowspan - 1, text if offset == 0 else None]
            self._add(row, [text] + [None] * (self._span - 1))
            self._carry_spans(row)
            self._cell = None
        elif tag == "tr" and self._stack:
            self._close_row()
        elif tag == "table" and self._stack:
            self._close_row()
            self.tables.append(self._stack.pop())
            self._spans.pop()

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def _close_row(self) -> None:
        """Cells spanned down from above at the end of the current row (or in a row with no cell of its own)."""
        if self._stack and self._stack[-1]:
            self._carry_spans(self._stack[-1][-1], to_end=True)

    def _carry_spans(self, row: list[str | None], *, to_end: bool = False) -> None:
        spans = self._spans[-1]
        while spans:
            column = len(row)
            if column not in spans:
                if not to_end or column > max(spans):
                    return
                self._add(row, [None])  # a gap before a spanned column further right
                continue
            left, text = spans[column]
            self._add(row, [text])
            if left <= 1:
                del spans[column]
            else:
                spans[column][0] = left - 1

    def _add(self, row: list[str | None], values: list[str | None]) -> None:
        _check_width(len(row) + len(values), self.file, self.limits)
        self.cells += len(values)
        if self.cells > self.limits.max_cells:
            raise FileFailure.of(
                "too_many_cells.html",
                self.file,
                count=f"{self.cells:,}",
                limit=f"{self.limits.max_cells:,}",
                settings=SETTINGS_HINT,
            )
        row.extend(values)


def _span(value: str | None, limit: int) -> int:
    """A colspan or rowspan attribute; anything but a whole number in 1..limit is 1."""
    text = (value or "1").strip()
    return int(text) if text.isdigit() and 0 < int(text) < limit else 1


_META_CHARSET = re.compile(rb"<meta[^>]*charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_TRIED_ANYWAY = {"utf-8", "gb2312", "gbk", "gb18030"}  # decode_text tries UTF-8, then GB18030, for every file


def _declared_text(raw: bytes) -> tuple[str, str] | None:
    """The page in the charset its <meta> declares (Big5, windows-1252, Shift_JIS...), when every byte fits it.

    UTF-8 and the GB family are left to decode_text: pages often declare gb2312 and hold UTF-8,
    and GB18030 accepts almost any bytes, so only a strict UTF-8 failure may send a page there.
    """
    if raw.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return None  # a byte-order mark says more than a <meta>
    declared = _META_CHARSET.search(raw[:4096])
    if declared is None:
        return None
    try:
        encoding = codecs.lookup(declared.group(1).decode("ascii")).name
        if encoding in _TRIED_ANYWAY or encoding.startswith(("utf-16", "utf-32")):
            return None
        return raw.decode(encoding), encoding
    except (LookupError, UnicodeDecodeError, UnicodeError):
        return None


def _web_archive_page(raw: bytes, file: str) -> tuple[str, str]:
    """The HTML part of a single-file web page (.mht, MIME multipart/related), decoded from its transfer
    encoding (quoted-printable, base64) and its charset: what Excel writes for "Single File Web Page"."""
    import email
    from email import policy

    message = email.message_from_bytes(raw, policy=policy.default)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            try:
                return str(part.get_content()), f"mht/{part.get_content_charset() or 'us-ascii'}"
            except (LookupError, UnicodeError, ValueError) as exc:
                raise FileFailure.of("unknown_encoding", file, detail=f"{type(exc).__name__}: {exc}"[:200]) from None
    raise FileFailure.of("no_sheet.table", file)


def read_html(
    path: str, synonyms: set[str] | None, limits: Limits, *, misnamed: bool = False, archive: bool = False
) -> RawTable:
    """An HTML page's ticket table; `archive`: the page is inside a single-file web archive (.mht)."""
    file = str(path)
    raw = read_bounded(path)
    text, encoding = _web_archive_page(raw, file) if archive else (_declared_text(raw) or _decoded_text(raw, file))
    collector = _TableCollector(file, limits)
    collector.feed(text)
    collector.close()
    candidates = [
        _Candidate(f"table {n}", find_header(rows[:PROBE_ROWS], synonyms), rows)
        for n, rows in enumerate(collector.tables, start=1)
        if any(any(c for c in r) for r in rows)
    ]
    chosen, choice_issues = _choose(candidates, file, synonyms, kind="table")
    rows = chosen.context
    _check_rows(len(rows), file, limits)
    guess = chosen.guess
    header_rows = [i + 1 for i in guess.row_indices]
    key = "html_table.misnamed" if misnamed else "html_table"
    issues = [_info(key, file, None, severity=CELL, extension=Path(file).suffix or ".xls")]
    return _rows_table(
        rows,
        range(1, len(rows) + 1),
        guess,
        letters=False,
        file=file,
        sheet=None,
        format="html",
        encoding=encoding,
        header_rows=header_rows,
        issues=issues + choice_issues + _header_issues(guess, header_rows, file, None, synonyms),
    )
