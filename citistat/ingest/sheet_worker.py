"""Read one workbook sheet in a child process, under memory and time limits.

calamine (behind fastexcel) and xlrd allocate by what a file claims: a 2 KB
xlsx with `<row r="1048576000">` asks for hundreds of gigabytes, and Rust aborts
the whole process when an allocation fails; no Python handler can catch that.
So the native read runs here, in a child with its address space and CPU time
bounded (`resource`), and the parent turns any death of the child into a clean
`failed` file while the batch goes on.

The child answers through files in a private folder: the table as an Arrow IPC
file (the parent maps it without copying), the cells calamine could not type as
JSON, or the reason it failed. Only fastexcel and pyarrow are imported for xlsx,
so the child starts in a fraction of a second.

    with read_in_child(request, limits, file, sheet, while_waiting) as folder: ...   # the parent's side
    python -m citistat.ingest.sheet_worker REQUEST.json     # what the parent runs
    error_value(detail) -> value | UNPARSED                  # used by both sides
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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

TABLE_FILE = "table.arrow"
CELLS_FILE = "cells.json"  # cells restored after calamine's typing: [[row, column, value], ...]
FAILURE_FILE = "failure.json"  # {"kind": "corrupt" | "memory", "detail": "..."}
EXIT_FAILED = 3  # the child wrote failure.json


STDERR_FILE = "stderr.txt"
STDERR_READ = 64 * 1024
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the folder holding `citistat`, for the child's imports


# ---------------------------------------------------------------- the parent's side


@contextmanager
def read_in_child(
    request: dict,
    limits: Any,
    file: str,
    sheet: str | None,
    while_waiting: Callable[[Callable[[], bool]], object] | None = None,
) -> Iterator[Path]:
    """Run the worker on `request` and yield the folder holding its answer; FileFailure if it failed or died.

    `while_waiting(child_finished)` runs in this process while the child reads (the
    inflated-size count); a FileFailure it raises stops the child. The folder is
    removed afterwards.
    """
    from .rawtable import FileFailure

    folder = Path(tempfile.mkdtemp(prefix="citistat-read-"))
    try:
        request_file = folder / "request.json"
        request_file.write_text(
            json.dumps(
                {**request, "memory_bytes": limits.max_reader_memory_bytes, "cpu_seconds": limits.max_read_seconds}
            ),
            encoding="utf-8",
        )
        started = time.monotonic()
        with open(folder / STDERR_FILE, "wb") as stderr:
            child = subprocess.Popen(
                [sys.executable, "-m", "citistat.ingest.sheet_worker", str(request_file)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env=_child_environment(),
            )
        try:
            if while_waiting is not None:
                while_waiting(lambda: child.poll() is not None and child.returncode != 0)
            remaining = max(limits.max_read_seconds - (time.monotonic() - started), 1.0)
            returncode = child.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            _stop(child)
            raise FileFailure.of("reader_limit.time", file, sheet=sheet, **_limit_fields(limits)) from None
        except BaseException:
            _stop(child)
            raise
        if returncode != 0:
            raise _child_failure(folder, returncode, limits, file, sheet)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _child_environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH", "")) if p)
    env["RUST_BACKTRACE"] = "0"  # a native abort says why in one line, not a page of frames
    return env


def _stop(child: subprocess.Popen) -> None:
    if child.poll() is None:
        child.kill()
    child.wait()


def _limit_fields(limits: Any) -> dict[str, str]:
    from .rawtable import SETTINGS_HINT

    return {
        "memory": f"{limits.max_reader_memory_bytes / 2**20:,.0f}",
        "seconds": f"{limits.max_read_seconds:g}",
        "settings": SETTINGS_HINT,
    }


def _child_failure(folder: Path, returncode: int, limits: Any, file: str, sheet: str | None) -> Exception:
    """The FileFailure that says why the child ended without an answer."""
    import pickle

    from .rawtable import FileFailure

    failure_file = folder / FAILURE_FILE
    if returncode == EXIT_FAILED and failure_file.exists():
        failure = json.loads(failure_file.read_text(encoding="utf-8"))
        if failure["kind"] == "failure":  # the reader's own FileFailure, carried whole
            return FileFailure(pickle.loads(bytes.fromhex(failure["detail"])))
        if failure["kind"] == "corrupt":
            return FileFailure.of("corrupt_file.sheet", file, sheet=sheet, detail=failure["detail"])
        return FileFailure.of("reader_limit.memory", file, sheet=sheet, **_limit_fields(limits))
    said = _stderr_start(folder)
    if returncode == -signal.SIGXCPU:
        return FileFailure.of("reader_limit.time", file, sheet=sheet, **_limit_fields(limits))
    if "memory allocation" in said or "MemoryError" in said or "bad_alloc" in said or returncode == -signal.SIGKILL:
        return FileFailure.of("reader_limit.memory", file, sheet=sheet, **_limit_fields(limits))
    lines = [line.strip() for line in said.splitlines() if line.strip() and not line.startswith("note:")]
    return FileFailure.of(
        "reader_crashed", file, sheet=sheet, detail=(lines[-1] if lines else f"exit status {returncode}")[:300]
    )


def _stderr_start(folder: Path) -> str:
    """What the child wrote on stderr, from the start (a native abort's reason comes first)."""
    try:
        with open(folder / STDERR_FILE, "rb") as handle:
            return handle.read(STDERR_READ).decode("utf-8", "replace")
    except OSError:  # pragma: no cover
        return ""


# ---------------------------------------------------------------- the child's side


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
