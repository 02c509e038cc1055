"""Handing freed memory back to the system between the pipeline's stages."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
from functools import cache


def release_free_memory() -> None:
    """Collect garbage, then return free pages to the system: Arrow's memory pool and glibc's heap.

    Both allocators keep what a stage frees for later reuse. After a million-row load and its
    scoring that is about 0.6 GB the process no longer uses (measured at 1M tickets: 1.32 GB → 0.67 GB
    before rendering); the render pool's workers start next, and the tree would otherwise carry it
    through the slowest stage.
    """
    gc.collect()
    if "pyarrow" in sys.modules:  # pandas' text columns live in Arrow buffers (mimalloc by default)
        sys.modules["pyarrow"].default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim():
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (macOS, musl without it): nothing to trim
        return None
