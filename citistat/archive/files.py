"""Files in the archive: hashed on the way in, checked on the way out.

Every file is written whole or not at all (temp file + rename). Data files get
a name that includes their hash, so a new version never overwrites the file
the database still points to: if the run dies between writing and committing,
the old row still finds its old file, and the new file is an orphan that the
next store removes.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
from pathlib import Path

import pandas as pd

from ..errors import ArchiveError
from ..safe_io import atomic_write_bytes

_CHUNK = 1 << 20


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_parquet(frame: pd.DataFrame, folder: Path, stem: str) -> tuple[Path, str]:
    """Write `frame` as `<folder>/<stem>-<hash12>.parquet`; return the path and the full sha256."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    data = buffer.getvalue()
    digest = sha256_bytes(data)
    path = folder / f"{stem}-{digest[:12]}.parquet"
    if not (path.exists() and sha256_file(path) == digest):
        atomic_write_bytes(path, data)
    return path, digest


def read_verified_parquet(path: Path, expected_sha256: str, what: str) -> pd.DataFrame:
    """Read a stored Parquet file only if it is the file that was stored."""
    if not path.exists():
        raise ArchiveError(f"{what}: file {path} is missing; run `citistat sessions verify` and re-ingest the period")
    data = path.read_bytes()
    if sha256_bytes(data) != expected_sha256:
        raise ArchiveError(
            f"{what}: file {path} has changed since it was stored (sha256 mismatch): corrupted or edited by hand; "
            "re-ingest the period to replace it"
        )
    return pd.read_parquet(io.BytesIO(data))


def make_read_only(path: Path) -> None:
    mode = path.stat().st_mode
    os.chmod(path, mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def make_writable(path: Path) -> None:
    os.chmod(path, path.stat().st_mode | stat.S_IWUSR)


def is_read_only(path: Path) -> bool:
    return not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def remove_orphans(folder: Path, keep: set[Path]) -> list[Path]:
    """Delete data files and leftover temp files in `folder` that no row refers to."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    keep_resolved = {p.resolve() for p in keep}
    for path in folder.iterdir():
        is_data = path.suffix == ".parquet" or path.name.endswith(".tmp")
        if path.is_file() and is_data and path.resolve() not in keep_resolved:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
