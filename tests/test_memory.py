"""Freed memory goes back to the system between stages (the effect is measured by the benchmark)."""

from __future__ import annotations

import platform
import sys

import pytest

from citistat.memory import _malloc_trim, release_free_memory


@pytest.mark.skipif(sys.platform != "linux" or platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_glibc_trim_is_found_on_linux():
    assert _malloc_trim() is not None


def test_release_runs_with_and_without_arrow_loaded(monkeypatch):
    import pyarrow

    release_free_memory()  # pyarrow imported: its pool is released too
    monkeypatch.delitem(sys.modules, "pyarrow")
    release_free_memory()  # never imports it just to release it
    assert "pyarrow" not in sys.modules
    monkeypatch.setitem(sys.modules, "pyarrow", pyarrow)
