"""DuckDB, embedded in this process: no server; spills to disk past its memory limit instead of failing."""

from __future__ import annotations

import tempfile

import pandas as pd

from . import sql
from .base import SqlEngine


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class DuckDBEngine(SqlEngine):
    kind = "duckdb"
    dialect = "duckdb"

    def __init__(self, settings):
        super().__init__(settings)
        import duckdb

        self.connection = duckdb.connect(":memory:")
        # Results are aggregates: input order need not be kept, which lets big group-bys stream and spill.
        self.connection.execute("SET preserve_insertion_order = false")
        if settings.memory_limit:
            self.connection.execute(f"SET memory_limit = {_literal(settings.memory_limit)}")
        self.connection.execute(f"SET temp_directory = {_literal(settings.temp_directory or tempfile.gettempdir())}")
        if settings.threads:
            self.connection.execute(f"SET threads = {int(settings.threads)}")

    def _register(self, source: list[str]) -> None:
        files = "[" + ", ".join(_literal(_as_glob(item)) for item in source) + "]"
        self.connection.execute(f"""
CREATE OR REPLACE TEMP VIEW {sql.TICKETS_VIEW} AS
SELECT {", ".join(c for c in sql.KEY_COLUMNS if c != "period")},
  COALESCE(CAST(period AS VARCHAR), strftime(created_at, '%Y-%m')) AS period,
  ticket_id, caller_key, responded, resolved, CAST(satisfaction AS VARCHAR) AS satisfaction,
  valid_callback, reopened,
  epoch_ns(created_at) AS created_ns, epoch_ns(closed_at) AS closed_ns, epoch_ns(due_at) AS due_ns
FROM read_parquet({files}, union_by_name = true)""")

    def _query(self, text: str) -> pd.DataFrame:
        return self.connection.execute(text).df()

    def _write(self, text: str, target: str) -> None:
        self.connection.execute(f"COPY ({text}) TO {_literal(target)} (FORMAT parquet)")

    def close(self) -> None:
        self.connection.close()


def _as_glob(item: str) -> str:
    """A folder means every Parquet file under it (a partitioned dataset)."""
    from pathlib import Path

    if "://" not in item and Path(item).is_dir():
        return str(Path(item) / "**" / "*.parquet")
    return item
