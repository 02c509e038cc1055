"""One run at a time: an advisory lock on `archive.lock`, taken without waiting.

`fcntl.flock` locks belong to the open file, so the kernel releases them when
the holder exits, even after SIGKILL: a stale lock file never blocks anyone.
The file's text (pid and start time) is only there to tell the next user who
holds the lock.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from ..errors import ArchiveError
from .schema import now_iso

LOCK_NAME = "archive.lock"


class ArchiveLock:
    def __init__(self, root: Path):
        self.path = root / LOCK_NAME
        self._handle = None

    def acquire(self) -> None:
        handle = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(self.path)
            handle.close()
            raise ArchiveError(
                f"archive {self.path.parent} is in use by {holder}; wait for that run to finish, "
                f"or remove {self.path} if no citistat process is running"
            ) from None
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


def _read_holder(path: Path) -> str:
    try:
        pid, _, since = path.read_text(encoding="utf-8").strip().partition(" ")
    except OSError:
        return "another process"
    if not pid:
        return "another process"
    return f"process {pid} since {since}" if since else f"process {pid}"
