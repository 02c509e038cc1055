"""ingest: untrusted files in, the canonical ticket table and a full data-quality record out.

    ingest.load(paths, config, *, period=None, profile=None, salt=b"", lang="zh-CN") -> IngestResult

The loader is imported on first use, so `citistat.config` can import
`citistat.ingest.profiles` without pulling in the file readers.
"""

from __future__ import annotations

__all__ = ["IngestResult", "load"]


def __getattr__(name: str):
    if name in __all__:
        from . import loader

        return getattr(loader, name)
    raise AttributeError(f"module 'citistat.ingest' has no attribute {name!r}")
