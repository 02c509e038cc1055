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
    python -m citistat.ingest.sheet_child REQUEST.json      # what the parent runs (sheet_child.py)
"""

from __future__ import annotations

import json
import os
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
                [sys.executable, "-m", "citistat.ingest.sheet_child", str(request_file)],
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
