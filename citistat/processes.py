"""Child processes that never outlive the run that started them.

A pool worker blocked on its task pipe does not notice that its parent was
killed (kill -9 runs no clean-up), and it would sit there holding ~100 MB for
as long as the machine runs. On Linux the kernel can send a worker SIGKILL
the moment its parent dies (prctl PR_SET_PDEATHSIG); elsewhere, and as a
second guard, a small thread watches the parent's pid. When the workers go,
multiprocessing's resource tracker reads the end of its pipe and exits too.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1
_WATCH_SECONDS = 0.5


def die_with_parent(parent_pid: int) -> None:
    """Call first thing in a child: it is killed when `parent_pid` dies (also if it already has)."""
    _ask_kernel_for_parent_death_signal()
    if os.getppid() != parent_pid:  # the parent died before the request was made
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="parent-watch", daemon=True).start()


def _ask_kernel_for_parent_death_signal() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # the watch thread still guards


def _watch_parent(parent_pid: int) -> None:
    # Reparenting changes getppid(): then the parent is gone, whatever the kernel did or did not send.
    while os.getppid() == parent_pid:
        time.sleep(_WATCH_SECONDS)
    os._exit(1)
