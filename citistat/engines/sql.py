"""The counting and the cross-month screens as SQL: written once (DuckDB's dialect), transpiled by sqlglot.

Why SQL and not Ibis: the whole job is one GROUP BY over grouping sets and two window/join
queries, which read more plainly as SQL than as a chain of expressions; sqlglot (pure Python,
no engine pins) turns the same text into Spark SQL, and a provincial data team can run it in
whatever engine they keep (Trino, Hive, BigQuery) with one more `write=` dialect.

Every query reads the view `tickets_ns`: the canonical ticket columns with the three times as
integer nanoseconds since the epoch (created_ns, closed_ns, due_ns). Each engine builds that view
from Parquet (engine modules); this keeps engine differences to how a timestamp is read.
"""

from __future__ import annotations

import functools

import sqlglot

from ..count import ALL_COUNT_COLUMNS, GRAINS, SATISFACTION_COLUMNS, VALID_BASE_COLUMNS
from ..tickets import SATISFACTION_LEVELS

SOURCE_DIALECT = "duckdb"
TICKETS_VIEW = "tickets_ns"
NS_PER_MINUTE = 60 * 1_000_000_000
NS_PER_DAY = 24 * 60 * NS_PER_MINUTE

# Key columns of every grain, in a fixed order: the grouping-sets query returns all of them.
KEY_COLUMNS: tuple[str, ...] = ("period", "agency", "unit_type", "category", "district", "street", "place", "channel")
# Columns the view must offer: keys, the screens' columns, the answers and the three times.
VIEW_COLUMNS: tuple[str, ...] = (
    *KEY_COLUMNS,
    "ticket_id",
    "caller_key",
    "responded",
    "resolved",
    "satisfaction",
    "valid_callback",
    "reopened",
    "created_ns",
    "closed_ns",
    "due_ns",
)
_KNOWN_LEVELS = ", ".join(f"'{level}'" for level in SATISFACTION_LEVELS if level != "unknown")


def _answer(column: str) -> dict[str, str]:
    """yes / no / unknown of a nullable boolean answer."""
    return {"yes": f"{column} = TRUE", "no": f"{column} = FALSE", "unknown": f"{column} IS NULL"}


def count_conditions(quick_close_minutes: int) -> dict[str, str]:
    """Count column -> the SQL condition a ticket meets to count there (the same rules as count.indicator_columns)."""
    response, resolution = _answer("responded"), _answer("resolved")
    conditions = {
        "n_tickets": "TRUE",
        "responded": response["yes"],
        "not_responded": response["no"],
        "response_unknown": response["unknown"],
        "resolved": resolution["yes"],
        "not_resolved": resolution["no"],
        "resolution_unknown": resolution["unknown"],
    }
    for level in SATISFACTION_LEVELS:
        conditions[SATISFACTION_COLUMNS[level]] = (
            f"satisfaction = '{level}'"
            if level != "unknown"
            # Anything outside the known answers counts as unknown, as in count.py.
            else f"(satisfaction IS NULL OR satisfaction NOT IN ({_KNOWN_LEVELS}))"
        )
    conditions.update(
        {
            "valid_callback": "valid_callback = TRUE",
            "closed": "closed_ns IS NOT NULL",
            "due_known": "due_ns IS NOT NULL",
            "closed_on_time": "closed_ns <= due_ns",
            "overdue": "closed_ns > due_ns",
            "reopened": "reopened = TRUE",
            # Minutes only between two stamps that both carry a time of day (a day-only stamp is at midnight).
            "quick_closed": f"closed_ns - created_ns BETWEEN 0 AND {int(quick_close_minutes) * NS_PER_MINUTE}"
            f" AND created_ns % {NS_PER_DAY} <> 0 AND closed_ns % {NS_PER_DAY} <> 0",
        }
    )
    for name in VALID_BASE_COLUMNS:
        conditions[name] = f"valid_callback = TRUE AND ({conditions[name.removeprefix('valid_')]})"
    assert set(conditions) == set(ALL_COUNT_COLUMNS)
    conditions = {name: conditions[name] for name in ALL_COUNT_COLUMNS}  # the columns in count.py's order
    return conditions


def grouping_flag(column: str) -> str:
    return f"g_{column}"


def counts_sql(quick_close_minutes: int) -> str:
    """Every grain's counts in one scan: GROUP BY GROUPING SETS, one set per grain.

    A key that is not part of a row's grain comes back NULL; the GROUPING() flags tell that
    NULL apart from a missing value (a ticket without a district), see `grain_of_flags`.
    """
    sums = ",\n  ".join(
        f"CAST(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END) AS BIGINT) AS {name}"
        for name, condition in count_conditions(quick_close_minutes).items()
    )
    flags = ", ".join(f"GROUPING({key}) AS {grouping_flag(key)}" for key in KEY_COLUMNS)
    sets = ", ".join("(" + ", ".join(by) + ")" for by in GRAINS.values())
    return f"SELECT {', '.join(KEY_COLUMNS)}, {flags},\n  {sums}\nFROM {TICKETS_VIEW}\nGROUP BY GROUPING SETS ({sets})"


def grain_of_flags() -> dict[tuple[int, ...], str]:
    """The GROUPING() flags of each grain's rows (1 = key not in this grain) -> grain name."""
    return {tuple(0 if key in by else 1 for key in KEY_COLUMNS): grain for grain, by in GRAINS.items()}


def came_back_sql(start_ns: int, end_ns: int, window_days: int) -> str:
    """Solved tickets followed within the window by a ticket in the period from the same caller about the
    same category or place (score.repeat.came_back). A ticket is solved from its closing time, else its creation."""
    window = int(window_days) * NS_PER_DAY
    return f"""
WITH recent AS (
  SELECT ticket_id, agency, caller_key, category, place, created_ns, closed_ns, resolved
  FROM {TICKETS_VIEW}
  WHERE caller_key IS NOT NULL AND created_ns >= {start_ns - window} AND created_ns < {end_ns}
), solved AS (
  SELECT ticket_id, agency, caller_key, category, place, COALESCE(closed_ns, created_ns) AS solved_ns
  FROM recent WHERE resolved = TRUE
), later AS (
  SELECT ticket_id, caller_key, category, place, created_ns FROM recent WHERE created_ns >= {start_ns}
)
SELECT s.ticket_id, MIN(s.agency) AS agency, MIN(s.caller_key) AS caller_key
FROM solved AS s JOIN later AS l ON s.caller_key = l.caller_key
WHERE s.ticket_id <> l.ticket_id
  AND l.created_ns > s.solved_ns AND l.created_ns <= s.solved_ns + {window}
  AND (s.category = l.category OR s.place = l.place)
GROUP BY s.ticket_id"""


def caller_totals_sql(
    start_ns: int, end_ns: int, window_days: int, min_tickets: int, dissatisfied: tuple[str, ...], by_agency: bool
) -> str:
    """Per unit (agency, or '' city-wide) and caller: the repeat-caller tallies of score.repeat.caller_totals,
    for callers with at least `min_tickets` tickets in the window and one in the period.

    "After solved": an earlier ticket of the same caller to the same unit was solved; tickets created at
    the same instant are ordered by ticket_id.
    """
    window = int(window_days) * NS_PER_DAY
    unit = "agency" if by_agency else "''"
    agency_filter = "AND agency IS NOT NULL" if by_agency else ""
    levels = ", ".join("'" + level.replace("'", "''") + "'" for level in dissatisfied) or "NULL"
    return f"""
WITH recent AS (
  SELECT {unit} AS unit, caller_key, ticket_id, created_ns, resolved, satisfaction
  FROM {TICKETS_VIEW}
  WHERE caller_key IS NOT NULL AND created_ns >= {start_ns - window} AND created_ns < {end_ns} {agency_filter}
), ordered AS (
  SELECT unit, caller_key, created_ns, satisfaction,
    SUM(CASE WHEN resolved = TRUE THEN 1 ELSE 0 END) OVER (
      PARTITION BY unit, caller_key ORDER BY created_ns, ticket_id
      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS solved_before
  FROM recent
)
SELECT unit, caller_key,
  CAST(COUNT(*) AS BIGINT) AS tickets,
  CAST(SUM(CASE WHEN solved_before > 0 THEN 1 ELSE 0 END) AS BIGINT) AS after_solved,
  CAST(SUM(CASE WHEN satisfaction IN ({levels}) THEN 1 ELSE 0 END) AS BIGINT) AS dissatisfied,
  CAST(SUM(CASE WHEN created_ns >= {start_ns} THEN 1 ELSE 0 END) AS BIGINT) AS in_period,
  MIN(created_ns) AS first_ns, MAX(created_ns) AS last_ns
FROM ordered
GROUP BY unit, caller_key
HAVING COUNT(*) >= {int(min_tickets)} AND SUM(CASE WHEN created_ns >= {start_ns} THEN 1 ELSE 0 END) > 0"""


@functools.lru_cache(maxsize=64)
def in_dialect(sql: str, dialect: str) -> str:
    """`sql` (written in DuckDB's dialect) as the given engine's SQL."""
    if dialect == SOURCE_DIALECT:
        return sql
    return sqlglot.transpile(sql, read=SOURCE_DIALECT, write=dialect, pretty=False)[0]
