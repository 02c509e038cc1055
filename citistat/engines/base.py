"""What every SQL engine shares: the queries, the period bounds, the shaping of results."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..count import DEFAULT_QUICK_CLOSE_MINUTES
from ..errors import UsageError
from ..score.repeat import period_bounds
from . import sql
from .results import as_caller_totals, as_came_back, split_grains
from .settings import EngineSettings

Source = Sequence[str | Path]


def source_list(source: Source | str | Path) -> list[str]:
    """Parquet files, folders or URIs as strings; at least one."""
    items = [source] if isinstance(source, (str, Path)) else list(source)
    if not items:
        raise UsageError("no Parquet tickets to read: pass at least one file or folder")
    return [str(item) for item in items]


def bounds_ns(period: str) -> tuple[int, int]:
    start, end = period_bounds(period)
    return start.value, end.value


class Engine:
    """What every engine offers: count, came_back, caller_totals; used as a context manager."""

    kind = ""

    def __init__(self, settings: EngineSettings | None = None):
        self.settings = settings

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class SqlEngine(Engine):
    """An engine that runs the SQL of citistat.engines.sql over the `tickets_ns` view of a source."""

    dialect = sql.SOURCE_DIALECT

    # -- each engine provides these two

    def _register(self, source: list[str]) -> None:
        """Make `tickets_ns` read the given Parquet files."""
        raise NotImplementedError

    def _query(self, text: str) -> pd.DataFrame:
        raise NotImplementedError

    # -- shared

    def _run(self, source: Source | str | Path, text: str) -> pd.DataFrame:
        self._register(source_list(source))
        return self._query(sql.in_dialect(text, self.dialect))

    def count(
        self, source: Source | str | Path, *, quick_close_minutes: int = DEFAULT_QUICK_CLOSE_MINUTES
    ) -> dict[str, pd.DataFrame]:
        """The counts of every grain over all tickets in `source` (every period they hold)."""
        return split_grains(self._run(source, sql.counts_sql(quick_close_minutes)))

    def write_counts(
        self, source: Source | str | Path, target: str, *, quick_close_minutes: int = DEFAULT_QUICK_CLOSE_MINUTES
    ) -> None:
        """Every grain's counts over the whole source written as Parquet at `target`, never through this
        process's memory: the grouping-sets table of sql.counts_sql (split it with results.split_grains)."""
        self._register(source_list(source))
        self._write(sql.in_dialect(sql.counts_sql(quick_close_minutes), self.dialect), target)

    def _write(self, text: str, target: str) -> None:
        raise NotImplementedError

    def came_back(self, source: Source | str | Path, period: str, window_days: int) -> pd.DataFrame:
        start, end = bounds_ns(period)
        return as_came_back(self._run(source, sql.came_back_sql(start, end, window_days)))

    def caller_totals(
        self,
        source: Source | str | Path,
        period: str,
        *,
        window_days: int,
        min_tickets: int,
        dissatisfied: tuple[str, ...],
        by_agency: bool = True,
    ) -> pd.DataFrame:
        start, end = bounds_ns(period)
        text = sql.caller_totals_sql(start, end, window_days, min_tickets, tuple(dissatisfied), by_agency)
        return as_caller_totals(self._run(source, text))
