"""Shared test set-up."""

from __future__ import annotations

import sys
from pathlib import Path

# Builders and the kill-test worker of the archive tests live beside their fixtures.
sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "archive"))
