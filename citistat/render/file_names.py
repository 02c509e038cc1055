"""Output file names: readable, bounded, safe on every file system, and one per agency.

A slug alone is not a name: "Parks & Rec", "PARKS-REC" and "parks rec" share
one, and so do "!!!", "???", ".." and "/". Each name therefore ends in a short
hash of the agency's canonical name, which stays the same from build to build;
the slug in front is only there for people and is cut to a bounded length (the
full name is inside the PDF).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path

from ..errors import CitistatError
from .context import slugify

# Bytes, not characters: a Chinese character takes three in UTF-8 and file systems count bytes (255 a name).
SLUG_MAX_BYTES = 48
NAME_HASH_LENGTH = 8


def name_hash(name: str) -> str:
    """A short hash of the canonical name: the part of a file name that keeps agencies apart."""
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:NAME_HASH_LENGTH]


def bounded_slug(name: str, limit: int = SLUG_MAX_BYTES) -> str:
    """The readable part: `slugify(name)` cut at a character boundary to at most `limit` UTF-8 bytes."""
    slug = slugify(name)
    data = slug.encode("utf-8")[:limit]
    return data.decode("utf-8", errors="ignore").rstrip("-_") or "agency"


def unit_file_stem(name: str) -> str:
    """ "Parks & Rec" -> "parks-rec-1a2b3c4d"; different names never share a stem (the check below says so)."""
    return f"{bounded_slug(name)}-{name_hash(name)}"


def check_distinct(targets: Mapping[str, Path]) -> None:
    """Fail loudly when two units would be written to one path (a lost brief is worse than no build)."""
    by_path: dict[Path, list[str]] = {}
    for name, path in targets.items():
        by_path.setdefault(Path(path), []).append(name)
    shared = {path: names for path, names in by_path.items() if len(names) > 1}
    if shared:
        lines = "; ".join(f"{path.name}: {', '.join(map(repr, names))}" for path, names in shared.items())
        raise CitistatError(
            f"two outputs would be written to one file, so one would be lost: {lines}; "
            "rename one of the agencies in the roster or aliases"
        )


def check_no_repeats(paths: Iterable[Path]) -> None:
    """Every output of a build is written once: a path written twice means one output replaced another."""
    seen: set[Path] = set()
    repeated = []
    for path in paths:
        resolved = Path(path).resolve()
        if resolved in seen:
            repeated.append(str(path))
        seen.add(resolved)
    if repeated:
        raise CitistatError(
            f"the build wrote {', '.join(repeated)} more than once, so an output was lost; "
            "this is a bug in citistat: please report it with the period's files"
        )
