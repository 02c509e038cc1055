"""The child's side of reading a sheet under limits (see sheet_worker.py, the parent's side).

Run as `python -m citistat.ingest.sheet_child REQUEST.json`: it imports the reader's libraries, bounds its
own address space and CPU time, reads the sheet, and answers through files in the request's folder: the
table as an Arrow IPC file (xlsx) or pickled (xls), the cells calamine could not type, or the reason it
failed (exit code EXIT_FAILED).
"""

from __future__ import annotations

import json
import re
import resource
import sys
from pathlib import Path
from typing import Any

from .sheet_worker import CELLS_FILE, EXIT_FAILED, FAILURE_FILE, TABLE_FILE

# calamine's names for Excel's error values.
EXCEL_ERRORS = {
    "Div0": "#DIV/0!",
    "NA": "#N/A",
    "Name": "#NAME?",
    "Null": "#NULL!",
    "Num": "#NUM!",
    "Ref": "#REF!",
    "Value": "#VALUE!",
    "GettingData": "#GETTING_DATA",
}
_GOT = re.compile(r"got '(\w+)\((.*)\)'$", re.DOTALL)
UNPARSED = object()


def error_value(detail: str) -> Any:
    """The cell calamine describes in "Expected float but got 'String(\"abc\")'"; UNPARSED when unclear."""
    match = _GOT.search(detail)
    if not match:
        return UNPARSED
    kind, payload = match.groups()
    if kind == "Error":
        return EXCEL_ERRORS.get(payload, f"#{payload.upper()}")
    if kind in ("String", "DateTimeIso", "DurationIso"):
        try:
            return json.loads(
                re.sub(r"\\u\{([0-9a-fA-F]+)\}", lambda m: chr(int(m.group(1), 16)), payload).replace("\\'", "'")
            )
        except ValueError:
            return UNPARSED
    if kind in ("Float", "Int"):
        return float(payload)
    if kind == "Bool":
        return payload == "true"
    return UNPARSED


def limit_resources(memory_bytes: int, cpu_seconds: float) -> None:
    """Bound this process: its address space grows by at most `memory_bytes` from here, its CPU time by `cpu_seconds`."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    _lower(resource.RLIMIT_AS, _address_space() + memory_bytes)
    _lower(resource.RLIMIT_CPU, int(used.ru_utime + used.ru_stime + cpu_seconds) + 1)


def _lower(kind: int, value: int) -> None:
    """Set a soft limit to `value`, never above a limit already in force (the caller's own bounds hold)."""
    soft, hard = resource.getrlimit(kind)
    for current in (soft, hard):
        if current != resource.RLIM_INFINITY:
            value = min(value, current)
    resource.setrlimit(kind, (value, hard))


def _address_space() -> int:
    """This process's current virtual size (the libraries already mapped are not the file's cost)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - every Linux has /proc
        pass
    return 0  # pragma: no cover


def _calamine_source(file: str) -> str | bytes:
    """calamine picks its parser by the file name: a workbook named .xls (or .csv) is handed over as bytes."""
    if Path(file).suffix.lower() in (".xlsx", ".xlsm"):
        return file
    return Path(file).read_bytes()


def read_xlsx_sheet(request: dict, out: Path) -> None:
    """Load the sheet's rows from `skip` on with calamine; write the table and the restored cells."""
    import fastexcel
    import pyarrow as pa

    path, sheet, skip = request["path"], request["sheet"], request["skip"]
    try:
        reader = fastexcel.read_excel(_calamine_source(path))
        loaded = reader.load_sheet(sheet, header_row=None, skip_rows=skip)
        batch, errors = loaded.to_arrow_with_errors()
        indexes = [c.absolute_index for c in loaded.selected_columns]
        cells = _restored_cells(reader, sheet, skip, errors.errors if errors is not None else ())
    except fastexcel.FastExcelError as exc:
        _fail(out, "corrupt", str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
    table = pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch
    table = table.replace_schema_metadata({"citistat.columns": json.dumps(indexes)})
    with pa.OSFile(str(out / TABLE_FILE), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    (out / CELLS_FILE).write_text(json.dumps(cells, ensure_ascii=False, default=str), encoding="utf-8")


def _restored_cells(reader: Any, sheet: str, skip: int, errors: Any) -> list[list[Any]]:
    """[row, column, value] for each cell calamine could not fit in its column's type."""
    cells: list[list[Any]] = []
    unreadable: dict[int, list[int]] = {}  # column -> rows
    for error in errors:
        row, column = error.offset_position
        value = error_value(error.detail)
        if value is UNPARSED:
            unreadable.setdefault(column, []).append(row)
        else:
            cells.append([row, column, value])
    for column, rows in unreadable.items():  # only when a description could not be read: the column again, as text
        text = (
            reader.load_sheet(sheet, header_row=None, skip_rows=skip, use_columns=[column], dtypes="string")
            .to_arrow()
            .column(0)
        )
        cells.extend([row, column, text[row].as_py()] for row in rows)
    return cells


def read_xls_table(request: dict, out: Path) -> None:
    """A legacy workbook's table, read whole by xlrd here and handed back pickled (xls sheets are small)."""
    import pickle

    from .rawtable import FileFailure, Limits
    from .read_xls import read_xls_in_process

    limits = Limits(**request["limits"])
    try:
        table = read_xls_in_process(
            request["path"], set(request["synonyms"]) if request["synonyms"] is not None else None, limits
        )
    except FileFailure as failure:
        _fail(out, "failure", pickle.dumps(failure.issue).hex())
    (out / TABLE_FILE).write_bytes(pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL))


def _fail(out: Path, kind: str, detail: str) -> None:
    (out / FAILURE_FILE).write_text(json.dumps({"kind": kind, "detail": detail}), encoding="utf-8")
    sys.exit(EXIT_FAILED)


def main(argv: list[str]) -> None:
    request_file = Path(argv[1])
    request = json.loads(request_file.read_text(encoding="utf-8"))
    out = request_file.parent
    if request["kind"] == "xlsx":  # the libraries' own mappings are not the file's cost: import, then limit
        import fastexcel  # noqa: F401
        import pyarrow  # noqa: F401
    else:
        from . import readers  # noqa: F401
    limit_resources(int(request["memory_bytes"]), float(request["cpu_seconds"]))
    try:
        if request["kind"] == "xlsx":
            read_xlsx_sheet(request, out)
        else:
            read_xls_table(request, out)
    except MemoryError:
        _fail(out, "memory", "MemoryError")


if __name__ == "__main__":
    main(sys.argv)
