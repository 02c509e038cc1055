"""Apache Spark (PySpark): the same SQL on a cluster, or in local mode on one machine.

The master comes from `[engine] master` (local[N], spark://…, yarn, k8s://…); sources may be
local paths or object-store URIs (s3a://, gs://, abfss://) the cluster can read. See docs/scale.md.
"""

from __future__ import annotations

import warnings

import pandas as pd

from ..errors import CitistatError
from . import sql
from .base import SqlEngine

TIME_COLUMNS = {"created_at": "created_ns", "closed_at": "closed_ns", "due_at": "due_ns"}

# Settings every citistat session needs, whatever the cluster: nanosecond times arrive as integers
# (pandas writes TIMESTAMP(NANOS), which Spark cannot read as a timestamp), and times are wall clock.
REQUIRED_CONF = {
    "spark.sql.legacy.parquet.nanosAsLong": "true",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}
LOCAL_CONF = {"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "8", "spark.ui.showConsoleProgress": "false"}


def spark_session(settings, *, extra: dict[str, str] | None = None):
    """A SparkSession for the settings (an active one with the same master is reused)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - pyspark is a dependency
        raise CitistatError(f"the Spark engine needs pyspark: pip install pyspark ({exc})") from exc
    builder = SparkSession.builder.master(settings.master).appName(settings.app_name)
    conf = {
        **(LOCAL_CONF if settings.master.startswith("local") else {}),
        **settings.spark_conf,
        **(extra or {}),
        **REQUIRED_CONF,
    }
    for key, value in conf.items():
        builder = builder.config(key, value)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module=r"pyspark\..*")
            session = builder.getOrCreate()
    except Exception as exc:  # the JVM did not start: say what is missing
        raise CitistatError(
            f"Spark did not start with master {settings.master!r}: {exc}. Spark needs Java 17 or "
            f"later (`java -version`); on Debian: apt-get install openjdk-17-jre-headless"
        ) from exc
    for key, value in REQUIRED_CONF.items():  # an existing session keeps its settings: these must hold
        session.conf.set(key, value)
    session.sparkContext.setLogLevel("ERROR")
    return session


def _time_as_ns(frame, column: str) -> str:
    """SQL turning a stored time column into integer nanoseconds, whatever type it was read as."""
    if column not in frame.columns:
        return "CAST(NULL AS BIGINT)"
    kind = frame.schema[column].dataType.typeName()
    if kind in ("long", "integer"):
        return f"CAST(`{column}` AS BIGINT)"  # nanoseconds already (nanosAsLong)
    return f"unix_micros(CAST(`{column}` AS TIMESTAMP)) * 1000"


class SparkEngine(SqlEngine):
    kind = "spark"
    dialect = "spark"

    def __init__(self, settings, session=None):
        super().__init__(settings)
        self._session = session
        self._owns_session = session is None

    @property
    def session(self):
        if self._session is None:
            self._session = spark_session(self.settings)
        return self._session

    def _register(self, source: list[str]) -> None:
        frame = (
            self.session.read.option("recursiveFileLookup", "true").parquet(*source)
            if any(not s.endswith(".parquet") for s in source)
            else self.session.read.parquet(*source)
        )
        present = set(frame.columns)

        def column(name: str, cast: str = "STRING") -> str:
            return f"CAST(`{name}` AS {cast})" if name in present else f"CAST(NULL AS {cast})"

        created = _time_as_ns(frame, "created_at")
        selected = [f"{column(key)} AS {key}" for key in sql.KEY_COLUMNS if key != "period"]
        selected += [
            f"COALESCE({column('period')}, date_format(timestamp_micros(div({created}, 1000)), 'yyyy-MM')) AS period",
            f"{column('ticket_id')} AS ticket_id",
            f"{column('caller_key')} AS caller_key",
            *(f"{column(b, 'BOOLEAN')} AS {b}" for b in ("responded", "resolved", "valid_callback", "reopened")),
            f"{column('satisfaction')} AS satisfaction",
            *(f"{_time_as_ns(frame, stored)} AS {ns}" for stored, ns in TIME_COLUMNS.items()),
        ]
        frame.selectExpr(*selected).createOrReplaceTempView(sql.TICKETS_VIEW)

    def _query(self, text: str) -> pd.DataFrame:
        with warnings.catch_warnings():
            # PySpark's own notices about pandas 3 (its conversion works: the engine tests compare every value).
            warnings.filterwarnings("ignore", module=r"pyspark\..*")
            return self.session.sql(text).toPandas()

    def _write(self, text: str, target: str) -> None:
        self.session.sql(text).write.mode("overwrite").parquet(target)

    def close(self) -> None:
        if self._owns_session and self._session is not None:
            self._session.stop()
            self._session = None
