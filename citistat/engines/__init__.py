"""Engines: the counting and the cross-month ticket screens, written once in SQL, run where the data are.

    open_engine(settings) -> Engine         # pandas (reference), duckdb (embedded default), spark
    engine.count(source) -> {grain: counts} # the same frames as citistat.count.count_all
    engine.came_back(source, period, window_days) / engine.caller_totals(...)

`source` is a list of Parquet files or folders (local paths or s3a://, gs://, abfss:// URIs for
Spark) in the archive's canonical ticket layout. See docs/scale.md.
"""

from __future__ import annotations

from .settings import ENGINE_KINDS, EngineSettings, engine_settings, validate_engine


def open_engine(settings: EngineSettings):
    """The engine the settings name, ready to run (Spark starts its session lazily on first use)."""
    if settings.kind == "pandas":
        from .pandas_engine import PandasEngine

        return PandasEngine(settings)
    if settings.kind == "duckdb":
        from .duckdb_engine import DuckDBEngine

        return DuckDBEngine(settings)
    from .spark_engine import SparkEngine

    return SparkEngine(settings)


__all__ = ["ENGINE_KINDS", "EngineSettings", "engine_settings", "open_engine", "validate_engine"]
