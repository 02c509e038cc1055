"""Where the real public exports are: the project's shared folder beside the checkout."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def real_exports_dir() -> Path:
    """CITISTAT_REAL_DATA when set, else ../shared/data/real beside the checkout, else /work/shared/data/real."""
    candidates = [
        os.environ.get("CITISTAT_REAL_DATA"),
        REPO.parent / "shared" / "data" / "real",
        Path("/work/shared/data/real"),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return REPO.parent / "shared" / "data" / "real"


REAL = real_exports_dir()
