"""What a period's result says about what comes next: the early-warning list, the emerging hot spots and
the outlook for next month."""

from __future__ import annotations

import pandas as pd

from ..count import History
from ..foresight import Foresight
from . import hotspots, outlook
from .definitions import Scoring
from .early_warning import early_warnings


def foresee(history: History, tickets: pd.DataFrame, period: str, scoring: Scoring) -> Foresight:
    warnings, flagged = early_warnings(tickets, period, scoring.early_warning, limit=scoring.early_warning.list_size)
    return Foresight(
        early_warning=warnings,
        early_warning_flagged=flagged,
        hotspots=hotspots.scan(history.grain(hotspots.GRAIN), period, scoring.hotspots),
        outlook=outlook.outlook(history.grain(outlook.GRAIN), period, scoring.outlook),
    )
