"""A synthetic province for the scale benchmark: canonical tickets written straight to Parquet by DuckDB.

Layout, as the archive keeps a period's tickets: `<root>/<city>/<period>/data/tickets.parquet`, with
the canonical columns and types (times as TIMESTAMP_NS, as pandas writes them). Every value comes
from a hash of (seed, city, period, row), so a given size is the same data on every machine.
Cities differ in size (a capital and smaller cities, shares falling by ~12 % a city) and volumes
grow ~0.5 % a month. Keys and answers carry missing values at realistic rates, so every count
column and the "unknown" buckets are exercised.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from citistat.periods import shift_period

FIRST_PERIOD = "2021-01"
MARKER = "province.json"


@dataclass(frozen=True)
class Province:
    cities: int = 20
    months: int = 36
    tickets: int = 50_000_000
    seed: int = 18
    first_period: str = FIRST_PERIOD

    def periods(self) -> list[str]:
        return [shift_period(self.first_period, k) for k in range(self.months)]

    def city_names(self) -> list[str]:
        return [f"city{c:02d}" for c in range(self.cities)]

    def sizes(self) -> dict[tuple[str, str], int]:
        """(city, period) -> tickets; shares fall by city, volume grows by month; totals exactly `tickets`."""
        weights = {
            (city, period): 0.88**c * 1.005**m
            for c, city in enumerate(self.city_names())
            for m, period in enumerate(self.periods())
        }
        total = sum(weights.values())
        sizes = {key: int(self.tickets * w / total) for key, w in weights.items()}
        first = next(iter(sizes))
        sizes[first] += self.tickets - sum(sizes.values())
        return sizes


def _u(k: int) -> str:
    """A uniform number in [0, 1) from the row's k-th hash."""
    return f"(hash(i, {k}, salt) % 1000003) / 1000003.0"


def _ticket_sql(city: str, period: str, n: int, seed: int) -> str:
    month_us = 28 * 24 * 3600 * 1_000_000  # every month has at least 28 days
    return f"""
WITH r AS (SELECT i, hash({seed}, '{city}', '{period}') AS salt FROM range({n}) t(i)),
d AS (
  SELECT i,
    TIMESTAMP '{period}-01' + to_microseconds(CAST(hash(i, 1, salt) % {month_us} AS BIGINT)) AS created,
    CAST(floor({_u(2)} * 25) AS INTEGER) AS cat,
    CAST(floor({_u(3)} * 10) AS INTEGER) AS dist,
    CAST(floor({_u(4)} * 6) AS INTEGER) AS street,
    CAST(floor({_u(5)} * 5) AS INTEGER) AS place,
    {_u(6)} AS u_close, {_u(7)} AS u_resp, {_u(8)} AS u_res, {_u(9)} AS u_sat, {_u(10)} AS u_valid,
    {_u(11)} AS u_misc, hash(i, 12, salt) AS h_caller, {_u(13)} AS u_keys
  FROM r
)
SELECT
  '{city}-{period}-' || i AS ticket_id,
  CAST(created AS TIMESTAMP_NS) AS created_at,
  '{period}' AS period,
  CASE WHEN u_keys < 0.01 THEN NULL WHEN cat < 12 THEN '{city}-街道' || dist ELSE '{city}-局' || (cat % 20) END AS agency,
  CASE WHEN u_keys < 0.01 THEN NULL WHEN cat < 12 THEN '{city}-街道' || dist ELSE '{city}-局' || (cat % 20) END AS agency_raw,
  CASE WHEN u_keys < 0.01 THEN NULL WHEN cat < 12 THEN '街乡镇' ELSE '委办局' END AS unit_type,
  CASE WHEN u_keys BETWEEN 0.01 AND 0.02 THEN NULL ELSE '类别' || cat END AS category,
  '类别' || cat || '-' || (i % 4) AS subcategory,
  CASE WHEN u_keys BETWEEN 0.02 AND 0.025 THEN NULL ELSE '{city}-区' || dist END AS district,
  CASE WHEN u_keys BETWEEN 0.02 AND 0.03 THEN NULL ELSE '{city}-区' || dist || '-街' || street END AS street,
  CASE WHEN u_keys BETWEEN 0.02 AND 0.05 THEN NULL ELSE '{city}-区' || dist || '-街' || street || '-社区' || place END AS place,
  (['电话', '网络', 'APP', '微信', NULL])[1 + CAST(floor(u_misc * 5) AS INTEGER)] AS channel,
  CASE WHEN u_close < 0.9 THEN '已办结' ELSE '办理中' END AS status,
  CAST(NULL AS VARCHAR) AS title,
  CAST(CASE WHEN u_close < 0.05 THEN created + to_microseconds(CAST(u_resp * 900e6 AS BIGINT))
            WHEN u_close < 0.9 THEN created + to_microseconds(CAST(u_close * 864000e6 AS BIGINT))
            END AS TIMESTAMP_NS) AS closed_at,
  CAST(CASE WHEN u_valid < 0.85 THEN created + INTERVAL 7 DAY END AS TIMESTAMP_NS) AS due_at,
  CASE WHEN u_resp < 0.93 THEN TRUE WHEN u_resp < 0.98 THEN FALSE END AS responded,
  CASE WHEN u_res < 0.78 THEN TRUE WHEN u_res < 0.95 THEN FALSE END AS resolved,
  CASE WHEN u_sat < 0.35 THEN 'very_satisfied' WHEN u_sat < 0.60 THEN 'satisfied'
       WHEN u_sat < 0.75 THEN 'basically_satisfied' WHEN u_sat < 0.82 THEN 'dissatisfied'
       WHEN u_sat < 0.86 THEN 'very_dissatisfied' WHEN u_sat < 0.91 THEN 'not_surveyed'
       WHEN u_sat < 0.94 THEN 'refused' WHEN u_sat < 0.98 THEN 'unreachable' ELSE 'unknown' END AS satisfaction,
  CASE WHEN u_valid < 0.85 THEN TRUE WHEN u_valid < 0.95 THEN FALSE END AS valid_callback,
  CASE WHEN u_misc < 0.03 THEN TRUE WHEN u_misc < 0.98 THEN FALSE END AS reopened,
  -- One caller pool per city, about half as many callers as a month's tickets: callers come back across months.
  CASE WHEN u_misc > 0.95 THEN NULL ELSE printf('%016x', hash('{city}', h_caller % {max(n // 2, 1)})) END AS caller_key,
  'synthetic' AS source_file,
  CAST(NULL AS VARCHAR) AS source_sheet,
  CAST(i + 2 AS BIGINT) AS source_row
FROM d"""


def ticket_file(root: Path, city: str, period: str) -> Path:
    return root / city / period / "data" / "tickets.parquet"


def write_province(root: Path, province: Province, log=print) -> dict:
    """Write the province under `root` (skipped when `root` already holds the same one); return its summary."""
    import duckdb

    marker = root / MARKER
    wanted = asdict(province)
    if marker.exists() and json.loads(marker.read_text())["province"] == wanted:
        return json.loads(marker.read_text())
    if root.exists():
        shutil.rmtree(root)
    started = time.perf_counter()
    connection = duckdb.connect()
    connection.execute("SET preserve_insertion_order = false")
    sizes = province.sizes()
    for k, ((city, period), n) in enumerate(sizes.items()):
        path = ticket_file(root, city, period)
        path.parent.mkdir(parents=True, exist_ok=True)
        connection.execute(
            f"COPY ({_ticket_sql(city, period, n, province.seed)}) TO '{path}' "
            "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)"
        )
        if k % 60 == 0:
            log(f"province: {k + 1}/{len(sizes)} city-months written")
    connection.close()
    summary = {
        "province": wanted,
        "tickets": sum(sizes.values()),
        "files": len(sizes),
        "bytes": sum(p.stat().st_size for p in root.rglob("*.parquet")),
        "generate_s": round(time.perf_counter() - started, 1),
    }
    marker.write_text(json.dumps(summary, indent=1))
    return summary
