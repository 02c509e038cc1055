"""Readers: from a sniffed file to a RawTable, one module per format.

    read_xlsx.py       xlsx, by fastexcel (calamine) in a bounded child, the header found by streaming the XML
    read_xls.py        legacy .xls, by xlrd in the same bounded child
    read_delimited.py  CSV and TSV (UTF-8, else GB18030), by pyarrow on every core or pandas' C parser
    read_html.py       the tables of an HTML page saved as .xls
    read_json.py       Open311 GeoReport v2 and lists of records (NYC Open Data, Socrata rows.json)
    read_spreadsheetml.py  Excel 2003 XML ("XML Spreadsheet 2003"), often named .xls
    read_common.py     what they share: choosing the sheet, header issues, size bounds, column names

Every reader refuses a table wider than `max_columns` or larger than `max_cells` before building it,
and reads a file no further than its size. This module sniffs what a file really is and hands it to
its reader.

    read_table(path, header_synonyms=..., limits=...) -> RawTable   # raises FileFailure
    list_sheets(path) -> [(name, visibility)]
"""

from __future__ import annotations

import zipfile

from .rawtable import FileFailure, Limits, RawTable
from .read_common import TEXT_MEMORY_FACTOR, _check_text_size, _info
from .read_delimited import read_delimited
from .read_html import read_html
from .read_json import read_json
from .read_spreadsheetml import read_spreadsheetml
from .read_xls import _XLS_STATES, read_xls, read_xls_in_process
from .read_xlsx import _read_workbook_info, read_xlsx
from .safety import check_regular_file, check_xml_parts, check_zip
from .sniff import sniff_format

__all__ = [
    "read_table",
    "list_sheets",
    "read_xlsx",
    "read_xls",
    "read_xls_in_process",
    "read_delimited",
    "read_html",
    "read_json",
    "FileFailure",
    "RawTable",
]


def read_table(path: str, *, header_synonyms: set[str] | None, limits: Limits) -> RawTable:
    """Sniff the file's real format and read its ticket table."""
    check_regular_file(path)
    sniffed = sniff_format(path)
    if sniffed.format in ("text", "html", "mht", "json", "xml"):
        _check_text_size(path, limits, TEXT_MEMORY_FACTOR["html" if sniffed.format == "mht" else sniffed.format])
    if sniffed.format in ("xlsx", "xls"):
        reader = read_xlsx if sniffed.format == "xlsx" else read_xls
        table = reader(path, header_synonyms, limits)
        if sniffed.misnamed:
            table.issues.insert(0, _info("misnamed_file", table.file, None, format=sniffed.format))
        return table
    if sniffed.format in ("html", "mht"):
        return read_html(path, header_synonyms, limits, misnamed=sniffed.misnamed, archive=sniffed.format == "mht")
    if sniffed.format == "json":
        return read_json(path, limits)
    if sniffed.format == "xml":
        table = read_spreadsheetml(path, header_synonyms, limits)
        if sniffed.misnamed:
            table.issues.insert(0, _info("misnamed_file.xml", table.file, None))
        return table
    return read_delimited(path, header_synonyms, limits, misnamed=sniffed.misnamed)


def list_sheets(path: str) -> list[tuple[str, str]]:
    """(name, visibility) of every sheet of a workbook, in workbook order; visibility is
    "visible", "hidden" or "veryHidden". For `citistat validate` and error messages."""
    check_regular_file(path)
    sniffed = sniff_format(path)
    if sniffed.format == "xlsx":
        with zipfile.ZipFile(path) as archive:
            check_zip(archive, str(path), Limits())
            check_xml_parts(archive, str(path))
            return [(s.name, s.state) for s in _read_workbook_info(archive).sheets]
    if sniffed.format == "xls":
        import xlrd

        book = xlrd.open_workbook(str(path), on_demand=True)
        try:
            return [(sheet.name, _XLS_STATES.get(sheet.visibility, "hidden")) for sheet in book.sheets()]
        finally:
            book.release_resources()
    return []


def open_table(
    path: str,
    *,
    header_synonyms: set[str] | None = None,
    limits: Limits | None = None,
    lang: str = "en",
) -> RawTable:
    """Open one input file of any supported format and find its ticket table; raise FileFailure if it cannot.

    Its issues and failure are worded in `lang`: the readers word them in English, keeping each
    message's key and values, and the words change here, where the language is known.
    """
    try:
        table = read_table(str(path), header_synonyms=header_synonyms, limits=limits or Limits())
    except FileFailure as failure:
        raise failure.worded_in(lang) from failure.__cause__
    table.issues = [issue.worded_in(lang) for issue in table.issues]
    return table
