"""One writer at a time, readers never locked out.

The writer's lock is an advisory lock on `archive.lock`. `fcntl.flock` locks
belong to the open file, so the kernel releases them when the holder exits,
even after SIGKILL: a stale lock file never blocks anyone. The file's text
(pid and start time) is only there to tell the next writer who holds it. A
second writer is refused at once with the same message every time, or, given
`wait` seconds, waits that long for its turn.

Readers take no writer lock: they read a snapshot (SQLite in WAL mode, and
Parquet files that are never rewritten, only replaced by new ones). While
any reader holds `archive.readers` shared, writers leave old data files in
place rather than delete one a reader's snapshot may still point to; the
next store or `citistat sessions gc` removes them.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from ..errors import ArchiveError
from .schema import now_iso

LOCK_NAME = "archive.lock"
READERS_NAME = "archive.readers"
_POLL_SECONDS = 0.1


class ArchiveLock:
    def __init__(self, root: Path):
        self.path = root / LOCK_NAME
        self._handle: TextIO | None = None

    def acquire(self, wait: float = 0) -> None:
        """Take the lock; wait up to `wait` seconds for the holder to finish (0: refuse at once)."""
        handle = open(self.path, "a+", encoding="utf-8")
        deadline = time.monotonic() + max(wait, 0)
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _read_holder(self.path)
                    handle.close()
                    waited = f" (waited {wait:g} s)" if wait > 0 else ""
                    raise ArchiveError(
                        f"archive {self.path.parent} is in use by {holder}{waited}; wait for that run to finish, "
                        "or pass --wait SECONDS to wait for it"
                    ) from None
                time.sleep(_POLL_SECONDS)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()} {now_iso()}\n")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    @property
    def held(self) -> bool:
        return self._handle is not None


class ReaderMark:
    """A reader's shared hold on `archive.readers` while it reads (none when the folder is read-only)."""

    def __init__(self, root: Path):
        self._handle: TextIO | None
        try:
            self._handle = open(root / READERS_NAME, "a+", encoding="utf-8")
        except OSError:
            self._handle = None  # a read-only copy of the archive: no writer can delete anything there
            return
        fcntl.flock(self._handle.fileno(), fcntl.LOCK_SH)

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the file drops the lock
            self._handle = None


@contextmanager
def no_readers(root: Path):
    """Yields True when no reader is reading (and none can start until the block ends), else False."""
    with open(root / READERS_NAME, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True


def _read_holder(path: Path) -> str:
    # The holder writes its pid just after taking the lock: give it a moment rather than say "unknown".
    for _ in range(10):
        try:
            pid, _, since = path.read_text(encoding="utf-8").strip().partition(" ")
        except OSError:
            break
        if pid:
            return f"process {pid} since {since}" if since else f"process {pid}"
        time.sleep(0.02)
    return "another process"
