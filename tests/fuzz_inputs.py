"""Hostile and broken input files for the fuzz suite: one Hypothesis strategy per family.

Every strategy draws an `InputCase`: a family, a short description and the bytes
of one input file (or, for non-files, the kind of special path to create). The
families cover what a fault campaign found: truncation and bit flips of every
format, lying zip headers, odd encodings, extreme dates, huge cells and
coordinates, structural xlsx damage, hostile JSON and legacy .xls, non-files.

    FAMILIES: dict[name, strategy]
    materialise(case, folder) -> path          # writes the file (or FIFO, device link…)
"""

from __future__ import annotations

import csv
import io
import json
import os
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

HEADER = ["工单编号", "受理时间", "主办单位", "是否响应", "是否解决", "回访结果"]
LEGACY_XLS = Path(__file__).parent / "fixtures" / "readers" / "legacy.xls"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class InputCase:
    family: str
    what: str  # a short description, for the report of a failing case
    suffix: str  # file extension, with the dot
    payload: bytes = b""
    special: str | None = None  # "fifo", "dev_zero", "dev_urandom", "directory", "symlink_zero"

    def __repr__(self) -> str:  # Hypothesis prints failing examples: keep it short
        return f"InputCase({self.family}: {self.what}, {len(self.payload)} bytes{', ' + self.special if self.special else ''})"


def materialise(case: InputCase, folder: Path, name: str = "input") -> Path:
    """Write the case as a path under `folder` and return it."""
    path = folder / f"{name}{case.suffix}"
    if case.special == "fifo":
        os.mkfifo(path)
    elif case.special == "directory":
        path.mkdir()
    elif case.special in ("dev_zero", "dev_urandom", "symlink_zero"):
        target = "/dev/urandom" if case.special == "dev_urandom" else "/dev/zero"
        path.symlink_to(target)
    else:
        path.write_bytes(case.payload)
    return path


# ---------------------------------------------------------------- building blocks

agencies = st.sampled_from(["市水务局", "市交通局", "区城管局", "Parks & Rec", "市住建局"])
answers = st.sampled_from(["是", "否", ""])
resolutions = st.sampled_from(["已解决", "未解决", "部分解决", ""])
satisfaction = st.sampled_from(["满意", "基本满意", "不满意", "拒绝评价", ""])


@st.composite
def ticket_rows(draw, min_size: int = 3, max_size: int = 30) -> list[list[str]]:
    n = draw(st.integers(min_size, max_size))
    return [
        [
            f"GD{i:05d}",
            f"2024/3/{1 + i % 28} {8 + i % 10}:{i % 60:02d}",
            draw(agencies),
            draw(answers),
            draw(resolutions),
            draw(satisfaction),
        ]
        for i in range(n)
    ]


def csv_text(rows: list[list[str]], header: list[str] = HEADER) -> str:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue()


@st.composite
def mutated(draw, data: bytes) -> tuple[bytes, str]:
    """`data` truncated, bit-flipped, with bytes inserted or a block duplicated."""
    kind = draw(st.sampled_from(["truncate", "flip", "insert", "duplicate", "zero_block"]))
    if not data:
        return data, kind
    if kind == "truncate":
        return data[: draw(st.integers(0, len(data) - 1))], kind
    buffer = bytearray(data)
    if kind == "flip":
        for _ in range(draw(st.integers(1, 16))):
            position = draw(st.integers(0, len(buffer) - 1))
            buffer[position] ^= 1 << draw(st.integers(0, 7))
    elif kind == "insert":
        position = draw(st.integers(0, len(buffer)))
        buffer[position:position] = draw(st.binary(min_size=1, max_size=64))
    elif kind == "duplicate":
        start = draw(st.integers(0, len(buffer) - 1))
        end = draw(st.integers(start, min(len(buffer), start + 4096)))
        buffer[start:start] = buffer[start:end]
    else:
        start = draw(st.integers(0, len(buffer) - 1))
        buffer[start : start + draw(st.integers(1, 512))] = b"\x00" * min(512, len(buffer) - start)
    return bytes(buffer), kind


# ---------------------------------------------------------------- xlsx by hand

_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    b"</Types>"
)
_ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    b"</Relationships>"
)
_WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    b"</Relationships>"
)
_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _xml_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sheet_xml(
    rows: list[list[object]], *, dimension: str | None = None, first_row: int = 1, extra_rows: bytes = b""
) -> bytes:
    """A worksheet: strings inline, numbers as numbers; `extra_rows` appended raw inside <sheetData>."""
    body = []
    for r, row in enumerate(rows, start=first_row):
        cells = []
        for c, value in enumerate(row):
            ref = f"{_letters(c)}{r}"
            if isinstance(value, (int, float)):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            elif value not in ("", None):
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{_xml_text(str(value))}</t></is></c>')
        body.append(f'<row r="{r}">{"".join(cells)}</row>')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet '
        + _NS
        + b">"
        + dim.encode()
        + b"<sheetData>"
        + "".join(body).encode()
        + extra_rows
        + b"</sheetData></worksheet>"
    )


def xlsx_bytes(sheet: bytes, shared_strings: bytes | None = None, *, extra: dict[str, bytes] | None = None) -> bytes:
    strings = shared_strings or b'<?xml version="1.0" encoding="UTF-8"?><sst ' + _NS + b' count="0" uniqueCount="0"/>'
    parts = {
        "[Content_Types].xml": _CONTENT_TYPES,
        "_rels/.rels": _ROOT_RELS,
        "xl/workbook.xml": _WORKBOOK,
        "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS,
        "xl/worksheets/sheet1.xml": sheet,
        "xl/sharedStrings.xml": strings,
        **(extra or {}),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def ticket_xlsx(rows: list[list[str]]) -> bytes:
    return xlsx_bytes(sheet_xml([HEADER, *rows]))


def lie_about_sizes(data: bytes, part: str, declared: int) -> bytes:
    """The package with `part`'s uncompressed size (central directory and local header) set to `declared`."""
    buffer = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entry = archive.getinfo(part)
    struct.pack_into("<I", buffer, entry.header_offset + 22, declared)  # local header: uncompressed size
    name = part.encode()
    central = buffer.find(b"PK\x01\x02")
    while central != -1:
        name_length = struct.unpack_from("<H", buffer, central + 28)[0]
        if bytes(buffer[central + 46 : central + 46 + name_length]) == name:
            struct.pack_into("<I", buffer, central + 24, declared)  # central directory: uncompressed size
            break
        central = buffer.find(b"PK\x01\x02", central + 4)
    return bytes(buffer)


def bomb_sheet(size: int) -> bytes:
    """A worksheet of `size` bytes of repeated rows: inflates ~1000 times its compressed size."""
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    head = b'<?xml version="1.0" encoding="UTF-8"?><worksheet ' + _NS + b"><sheetData>"
    return head + row * (size // len(row)) + b"</sheetData></worksheet>"


# ---------------------------------------------------------------- families


@st.composite
def csv_mutations(draw) -> InputCase:
    data, kind = draw(mutated(csv_text(draw(ticket_rows())).encode(draw(st.sampled_from(["utf-8", "gb18030"])))))
    return InputCase("csv_mutation", kind, ".csv", data)


@st.composite
def odd_encodings(draw) -> InputCase:
    text = csv_text(draw(ticket_rows()))
    kind = draw(
        st.sampled_from(
            [
                "utf-32",
                "utf-32-be-bom",
                "utf-16",
                "utf-16-nobom",
                "utf-8-sig",
                "latin-1-mix",
                "bom_only",
                "bom16_only",
                "bom32_only",
                "nul_bytes",
                "empty",
                "blank_lines",
            ]
        )
    )
    data = {
        "utf-32": lambda: text.encode("utf-32"),
        "utf-32-be-bom": lambda: b"\x00\x00\xfe\xff" + text.encode("utf-32-be"),
        "utf-16": lambda: text.encode("utf-16"),
        "utf-16-nobom": lambda: text.encode("utf-16-le"),
        "utf-8-sig": lambda: text.encode("utf-8-sig"),
        "latin-1-mix": lambda: text.encode("utf-8") + "é à ü".encode("latin-1"),
        "bom_only": lambda: b"\xef\xbb\xbf",
        "bom16_only": lambda: b"\xff\xfe",
        "bom32_only": lambda: b"\xff\xfe\x00\x00",
        "nul_bytes": lambda: text.encode("utf-8").replace(b",", b"\x00", 3),
        "empty": lambda: b"",
        "blank_lines": lambda: b"\r\n \r\n\t\n",
    }[kind]()
    return InputCase("odd_encoding", kind, draw(st.sampled_from([".csv", ".tsv", ".txt"])), data)


EXTREME_DATES = [
    "9999-12-31",
    "0001-01-01",
    "1677-09-21",
    "2262-04-12",
    "-1-01-01",
    "1677-09-21 00:12:43",
    "2262-04-11 23:47:17",
    "1900-01-00",
    "2024-02-30",
    "99999-01-01",
    "1899-12-30",
    "0000-00-00",
    "2024/13/45 25:61",
    "١٢٠٢٤-٠٣-٠١",
]


@st.composite
def extreme_dates(draw) -> InputCase:
    rows = draw(ticket_rows(min_size=5, max_size=20))
    for row in rows:
        if draw(st.booleans()):
            row[1] = draw(st.sampled_from(EXTREME_DATES) | st.integers(-(10**6), 10**7).map(lambda y: f"{y}-01-01"))
    as_xlsx = draw(st.booleans())
    if as_xlsx:  # also as Excel serials and date-typed cells far out of range
        numeric = [
            [
                r[0],
                draw(st.sampled_from([0, -1, -45352, 2958466, 1e12, 60, 1e308])) if draw(st.booleans()) else r[1],
                *r[2:],
            ]
            for r in rows
        ]
        return InputCase("extreme_dates", "xlsx serials", ".xlsx", ticket_xlsx(numeric))
    return InputCase("extreme_dates", "csv text", ".csv", csv_text(rows).encode())


@st.composite
def huge_cells(draw) -> InputCase:
    kind = draw(
        st.sampled_from(
            ["long_field", "long_quoted_multiline", "wide_header", "wide_row", "long_header_cell", "xlsx_long_cell"]
        )
    )
    rows = draw(ticket_rows(min_size=3, max_size=10))
    size = draw(st.integers(131_073, 400_000))
    if kind == "long_field":
        rows[-1][5] = "x" * size
        data = csv_text(rows).encode()
    elif kind == "long_quoted_multiline":
        rows[0][4] = "line\n" * (size // 5)
        data = csv_text(rows).encode()
    elif kind == "wide_header":
        data = csv_text(rows, HEADER + [f"c{i}" for i in range(draw(st.integers(20_000, 100_000)))]).encode()
    elif kind == "wide_row":
        rows[1] = rows[1] + ["1"] * draw(st.integers(20_000, 100_000))
        data = csv_text(rows).encode()
    elif kind == "long_header_cell":
        data = csv_text(rows, ["工单编号" * (size // 4), *HEADER[1:]]).encode()
    else:
        rows[0][5] = "y" * size
        return InputCase("huge_cells", kind, ".xlsx", ticket_xlsx(rows))
    return InputCase("huge_cells", kind, ".csv", data)


@st.composite
def xlsx_mutations(draw) -> InputCase:
    data, kind = draw(mutated(ticket_xlsx(draw(ticket_rows()))))
    return InputCase("xlsx_mutation", kind, ".xlsx", data)


@st.composite
def lying_zips(draw) -> InputCase:
    """A sheet part that declares a few KB (or a modest size) and inflates to tens or hundreds of MB."""
    real = draw(st.sampled_from([40, 120, 300])) * 2**20
    declared = draw(st.sampled_from([200 * 1024, 2 * 2**20, 20 * 2**20]))
    part = draw(st.sampled_from(["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"]))
    sheet = bomb_sheet(real) if part.endswith("sheet1.xml") else sheet_xml([HEADER, *draw(ticket_rows())])
    strings = (
        None
        if part.endswith("sheet1.xml")
        else (b"<sst " + _NS + b">" + b"<si><t>x</t></si>" * (real // 18) + b"</sst>")
    )
    data = lie_about_sizes(xlsx_bytes(sheet, strings), part, declared)
    return InputCase(
        "lying_zip", f"{part.rsplit('/', 1)[-1]} {real >> 20} MB declared {declared >> 10} KB", ".xlsx", data
    )


@st.composite
def huge_coordinates(draw) -> InputCase:
    rows = draw(ticket_rows(min_size=3, max_size=8))
    kind = draw(
        st.sampled_from(
            [
                "row_1048576000",
                "row_max_int",
                "column_ZZZZZ",
                "column_ZZZZZZZ",
                "dimension_claim",
                "corner_cells",
                "row_zero",
                "row_negative",
                "row_text",
            ]
        )
    )
    extra, dimension = b"", None
    if kind == "row_1048576000":
        extra = b'<row r="1048576000"><c r="A1048576000"><v>1</v></c></row>'
    elif kind == "row_max_int":
        extra = b'<row r="99999999999999999999"><c><v>1</v></c></row>'
    elif kind == "column_ZZZZZ":
        extra = b'<row r="40"><c r="ZZZZZ40"><v>1</v></c></row>'
    elif kind == "column_ZZZZZZZ":
        extra = b'<row r="2"><c r="ZZZZZZZ2"><v>1</v></c></row>'
    elif kind == "dimension_claim":
        dimension = draw(st.sampled_from(["A1:XFD1048576", "A1:ZZZZZZ99999999999", "A1:F4294967296"]))
    elif kind == "corner_cells":
        extra = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    elif kind == "row_zero":
        extra = b'<row r="0"><c r="A0"><v>1</v></c></row>'
    elif kind == "row_negative":
        extra = b'<row r="-5"><c r="A-5"><v>1</v></c></row>'
    else:
        extra = b'<row r="abc"><c r="A1b"><v>1</v></c></row>'
    return InputCase(
        "huge_coordinates", kind, ".xlsx", xlsx_bytes(sheet_xml([HEADER, *rows], dimension=dimension, extra_rows=extra))
    )


@st.composite
def xlsx_structures(draw) -> InputCase:
    rows = draw(ticket_rows(min_size=3, max_size=8))
    kind = draw(
        st.sampled_from(
            [
                "negative_sst_index",
                "sst_index_out_of_range",
                "sst_index_text",
                "no_sheet_part",
                "no_workbook_rels",
                "bad_number",
                "entity",
                "deep_elements",
                "no_rows",
                "sheet_not_xml",
                "duplicate_cells",
            ]
        )
    )
    sst = b"<sst " + _NS + b"><si><t>" + "工单编号".encode() + b"</t></si></sst>"
    header_cell = {"negative_sst_index": b"-1", "sst_index_out_of_range": b"4294967296", "sst_index_text": b"x"}
    if kind in header_cell:
        extra = b'<row r="50"><c r="A50" t="s"><v>' + header_cell[kind] + b"</v></c></row>"
        return InputCase("xlsx_structure", kind, ".xlsx", xlsx_bytes(sheet_xml([HEADER, *rows], extra_rows=extra), sst))
    sheet = sheet_xml([HEADER, *rows])
    if kind == "no_sheet_part":
        data = xlsx_bytes(sheet)
        buffer = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
            for item in source.infolist():
                if not item.filename.endswith("sheet1.xml"):
                    target.writestr(item, source.read(item))
        return InputCase("xlsx_structure", kind, ".xlsx", buffer.getvalue())
    if kind == "no_workbook_rels":
        return InputCase(
            "xlsx_structure", kind, ".xlsx", xlsx_bytes(sheet, extra={"xl/_rels/workbook.xml.rels": b"<x/>"})
        )
    if kind == "bad_number":
        extra = b'<row r="60"><c r="B60"><v>1e99999</v></c><c r="C60"><v>' + b"9" * 5000 + b"</v></c></row>"
        return InputCase("xlsx_structure", kind, ".xlsx", xlsx_bytes(sheet_xml([HEADER, *rows], extra_rows=extra)))
    if kind == "entity":
        doctype = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        return InputCase("xlsx_structure", kind, ".xlsx", xlsx_bytes(doctype + sheet.split(b"?>", 1)[1]))
    if kind == "deep_elements":
        depth = draw(st.integers(10_000, 100_000))
        extra = b'<row r="70"><c r="A70" t="inlineStr"><is>' + b"<r>" * depth + b"</r>" * depth + b"</is></c></row>"
        return InputCase("xlsx_structure", kind, ".xlsx", xlsx_bytes(sheet_xml([HEADER, *rows], extra_rows=extra)))
    if kind == "no_rows":
        return InputCase("xlsx_structure", kind, ".xlsx", xlsx_bytes(sheet_xml([])))
    if kind == "sheet_not_xml":
        return InputCase("xlsx_structure", kind, ".xlsx", xlsx_bytes(draw(st.binary(min_size=1, max_size=2000))))
    extra = b'<row r="2"><c r="A2"><v>1</v></c><c r="A2"><v>2</v></c></row>'
    return InputCase("xlsx_structure", kind, ".xlsx", xlsx_bytes(sheet_xml([HEADER], extra_rows=extra)))


@st.composite
def json_inputs(draw) -> InputCase:
    rows = draw(ticket_rows(min_size=2, max_size=10))
    records = [
        dict(
            zip(
                [
                    "service_request_id",
                    "requested_datetime",
                    "agency_responsible",
                    "status",
                    "description",
                    "service_name",
                ],
                r,
            )
        )
        for r in rows
    ]
    kind = draw(
        st.sampled_from(
            [
                "deep_array",
                "deep_object",
                "socrata_bad_columns",
                "huge_number",
                "truncated",
                "wrong_types",
                "records_not_objects",
                "nested_values",
                "huge_float",
            ]
        )
    )
    if kind == "deep_array":
        depth = draw(st.integers(2_000, 100_000))
        text = "[" * depth + "]" * depth
    elif kind == "deep_object":
        depth = draw(st.integers(2_000, 100_000))
        text = '{"a":' * depth + "1" + "}" * depth
    elif kind == "socrata_bad_columns":
        columns = draw(st.sampled_from([[1, 2, 3], "abc", [None], [["name"]], {"name": "x"}, [{"name": None}, 5]]))
        text = json.dumps({"meta": {"view": {"columns": columns}}, "data": [list(r) for r in rows]})
    elif kind == "huge_number":
        records[0]["service_request_id"] = "NUMBER"
        text = json.dumps(records).replace('"NUMBER"', "9" * draw(st.integers(4_301, 20_000)))
    elif kind == "huge_float":
        records[0]["requested_datetime"] = "NUMBER"
        text = json.dumps(records).replace('"NUMBER"', "1e" + "9" * 400)
    elif kind == "truncated":
        full = json.dumps(records, ensure_ascii=False)
        text = full[: draw(st.integers(1, len(full) - 1))]
    elif kind == "wrong_types":
        text = json.dumps(
            draw(
                st.sampled_from(
                    [{"meta": 5}, {"meta": {"view": 7}}, {"data": 5}, {"records": "x"}, [1, 2, 3], "text", 42, None]
                )
            )
        )
    elif kind == "records_not_objects":
        text = json.dumps({"service_requests": [records[0], 5, "x"]})
    else:
        records[0]["description"] = {"deep": [[[[{"x": [1, 2, {"y": None}]}]]]]}
        text = json.dumps(records, ensure_ascii=False)
    return InputCase("json", kind, ".json", text.encode())


@st.composite
def legacy_xls(draw) -> InputCase:
    base = LEGACY_XLS.read_bytes()
    kind = draw(st.sampled_from(["mutated", "ole_random", "ole_header_only", "ole_truncated_header"]))
    if kind == "mutated":
        data, how = draw(mutated(base))
        return InputCase("legacy_xls", f"mutated ({how})", ".xls", data)
    if kind == "ole_random":
        return InputCase("legacy_xls", kind, ".xls", OLE2_MAGIC + draw(st.binary(min_size=0, max_size=8192)))
    if kind == "ole_header_only":
        return InputCase("legacy_xls", kind, ".xls", base[:512])
    return InputCase("legacy_xls", kind, ".xls", OLE2_MAGIC + bytes(20))


@st.composite
def html_inputs(draw) -> InputCase:
    rows = draw(ticket_rows(min_size=2, max_size=10))
    kind = draw(st.sampled_from(["huge_colspan", "many_colspans", "nested_tables", "unclosed", "mutated"]))
    header = "".join(f"<th>{h}</th>" for h in HEADER)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    if kind == "huge_colspan":
        body += "<tr>" + '<td colspan="999999999">x</td>' * draw(st.integers(1, 50)) + "</tr>"
    elif kind == "many_colspans":
        body += ("<tr>" + '<td colspan="999">x</td>' * 200 + "</tr>") * draw(st.integers(10, 400))
    elif kind == "nested_tables":
        body += (
            "<tr><td>"
            + "<table><tr><td>" * draw(st.integers(100, 5000))
            + "x"
            + "</td></tr></table>" * 50
            + "</td></tr>"
        )
    elif kind == "unclosed":
        body += "<tr><td>" * draw(st.integers(10, 20000))
    page = f"<html><body><table><tr>{header}</tr>{body}</table></body></html>".encode()
    if kind == "mutated":
        page, _ = draw(mutated(page))
    return InputCase("html", kind, draw(st.sampled_from([".html", ".xls"])), page)


@st.composite
def non_files(draw) -> InputCase:
    special = draw(st.sampled_from(["fifo", "dev_zero", "dev_urandom", "directory", "symlink_zero"]))
    return InputCase("non_file", special, draw(st.sampled_from([".csv", ".xlsx", ".json"])), special=special)


@st.composite
def long_names(draw) -> InputCase:
    """Agency names of 300–20,000 characters, control and bidi characters, emoji: nothing in ingest may crash."""
    rows = draw(ticket_rows(min_size=3, max_size=10))
    for row in rows:
        row[2] = draw(
            st.sampled_from(
                ["局" * 5000, "A" * 20000, "市\u202e水务局", "🚒消防", "/../..", "!!!", "\x00\x01", "a" * 300]
            )
        )
    as_xlsx = draw(st.booleans())
    data = (
        ticket_xlsx([[c.replace("\x00", "").replace("\x01", "") for c in r] for r in rows])
        if as_xlsx
        else csv_text(rows).encode()
    )
    return InputCase("long_names", "xlsx" if as_xlsx else "csv", ".xlsx" if as_xlsx else ".csv", data)


FAMILIES = {
    "csv_mutation": csv_mutations(),
    "odd_encoding": odd_encodings(),
    "extreme_dates": extreme_dates(),
    "huge_cells": huge_cells(),
    "xlsx_mutation": xlsx_mutations(),
    "lying_zip": lying_zips(),
    "huge_coordinates": huge_coordinates(),
    "xlsx_structure": xlsx_structures(),
    "json": json_inputs(),
    "legacy_xls": legacy_xls(),
    "html": html_inputs(),
    "non_file": non_files(),
    "long_names": long_names(),
}
