"""pandas: today's in-memory path (count.count_all, score.repeat), kept as the reference the SQL engines match."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from ..count import DEFAULT_QUICK_CLOSE_MINUTES, count_all
from ..score import repeat
from ..tickets import conform
from .base import Engine, Source, source_list
from .results import as_caller_totals, as_came_back


def read_tickets(source: Source | str | Path) -> pd.DataFrame:
    """Every ticket of the source as one canonical frame (the whole source in memory)."""
    frames: list[pd.DataFrame] = []
    for item in source_list(source):
        path = Path(item)
        files = sorted(path.rglob("*.parquet")) if path.is_dir() else [path]
        frames.extend(conform(pq.read_table(f).to_pandas()) for f in files)
    return pd.concat(frames, ignore_index=True) if frames else conform({})


class PandasEngine(Engine):
    kind = "pandas"

    def count(self, source, *, quick_close_minutes: int = DEFAULT_QUICK_CLOSE_MINUTES) -> dict[str, pd.DataFrame]:
        return count_all(read_tickets(source), quick_close_minutes=quick_close_minutes)

    def came_back(self, source, period: str, window_days: int) -> pd.DataFrame:
        return as_came_back(repeat.came_back(read_tickets(source), period, window_days))

    def caller_totals(
        self,
        source,
        period: str,
        *,
        window_days: int,
        min_tickets: int,
        dissatisfied: tuple[str, ...],
        by_agency: bool = True,
    ) -> pd.DataFrame:
        totals = repeat.caller_totals(
            read_tickets(source),
            period,
            window_days=window_days,
            min_tickets=min_tickets,
            dissatisfied=tuple(dissatisfied),
            by_agency=by_agency,
        )
        return as_caller_totals(
            totals.assign(first_ns=totals["first_seen"].astype("int64"), last_ns=totals["last_seen"].astype("int64"))
        )
