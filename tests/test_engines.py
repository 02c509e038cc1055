"""citistat.engines: pandas (the reference), DuckDB and Spark local[2] give the same counts and screens
on the same archive, and `citistat recount` stores recounted periods back through the archive."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from bench.province import Province, write_province
from citistat.archive import Archive
from citistat.cli import main
from citistat.commands.recount import parse_periods
from citistat.count import GRAINS, count_all
from citistat.engines import EngineSettings, engine_settings, open_engine, validate_engine
from citistat.engines.sql import counts_sql, in_dialect
from citistat.errors import UsageError
from citistat.quality import FileReport
from citistat.score import repeat
from citistat.tickets import conform

PERIODS = ["2021-01", "2021-02", "2021-03"]
DISSATISFIED = ("dissatisfied", "very_dissatisfied")


def edge_rows(period: str) -> pd.DataFrame:
    """Tickets at the edges of every rule: missing keys and times, the quick-close and due limits (also
    against a day-only close), a closing time before the call, an answer outside the known levels, a solved
    ticket that comes back."""
    t0 = pd.Timestamp(f"{period}-10 09:00")
    rows = [
        {
            "ticket_id": "E1",
            "created_at": t0,
            "closed_at": t0 + pd.Timedelta(minutes=10),
            "due_at": t0 + pd.Timedelta(minutes=10),
            "responded": True,
            "resolved": True,
            "satisfaction": "very_satisfied",
            "valid_callback": True,
        },
        {
            "ticket_id": "E2",
            "created_at": t0,
            "closed_at": t0 + pd.Timedelta(minutes=10, microseconds=1),
            "due_at": t0 + pd.Timedelta(minutes=5),
            "responded": False,
            "satisfaction": None,
            "valid_callback": False,
        },
        {
            "ticket_id": "E3",
            "created_at": t0,
            "closed_at": t0 - pd.Timedelta(minutes=1),
            "reopened": True,
            "satisfaction": "refused",
        },
        {
            "ticket_id": "E4",
            "created_at": pd.NaT,
            "closed_at": t0,
            "satisfaction": "unknown",
            "valid_callback": True,
            "responded": True,
        },
        {
            "ticket_id": "E5",
            "created_at": t0,
            "agency": None,
            "unit_type": None,
            "category": None,
            "district": None,
            "street": None,
            "place": None,
            "channel": None,
        },
        {
            "ticket_id": "E6",
            "created_at": t0,
            "closed_at": t0 + pd.Timedelta(hours=1),
            "resolved": True,
            "caller_key": "edgecaller",
            "category": "类别1",
            "agency": "city00-局1",
        },
        {
            "ticket_id": "E7",
            "created_at": t0 + pd.Timedelta(days=3),
            "caller_key": "edgecaller",
            "category": "类别1",
            "agency": "city00-局1",
            "satisfaction": "very_dissatisfied",
        },
        {
            "ticket_id": "E8",  # mixed precision: a timed call closed "the next day" (a day-only close)
            "created_at": t0.normalize() + pd.Timedelta(hours=23, minutes=55),
            "closed_at": t0.normalize() + pd.Timedelta(days=1),
        },
    ]
    base = {
        "period": period,
        "agency": "city00-局1",
        "unit_type": "委办局",
        "category": "类别2",
        "district": "city00-区1",
        "street": "city00-区1-街1",
        "place": "city00-区1-街1-社区1",
        "channel": "电话",
    }
    return conform(pd.DataFrame([{**base, **row, "ticket_id": f"{period}-{row['ticket_id']}"} for row in rows]))


@pytest.fixture(scope="module")
def archive_root(tmp_path_factory):
    """One city's three months (the province generator, plus edge rows) stored as a real archive."""
    workspace = tmp_path_factory.mktemp("engines")
    province = write_province(workspace / "province", Province(cities=1, months=3, tickets=4_500), log=lambda m: None)
    assert province["tickets"] == 4_500
    with Archive.open(workspace / "briefings") as archive:
        for period in PERIODS:
            tickets = pd.read_parquet(workspace / "province" / "city00" / period / "data" / "tickets.parquet")
            tickets = pd.concat([conform(tickets), edge_rows(period)], ignore_index=True)
            archive.periods.store(period, tickets, count_all(tickets), [FileReport(path=f"{period}.xlsx")], [])
    return workspace


def archive_files(root) -> list:
    with Archive.open(root / "briefings") as archive:
        return [archive.periods.tickets_file(p) for p in PERIODS]


def archive_tickets(root) -> pd.DataFrame:
    with Archive.open(root / "briefings") as archive:
        return archive.periods.tickets(PERIODS)


def same_values(left: pd.DataFrame, right: pd.DataFrame) -> bool:
    """Equal rows and values, whatever the dtypes (missing is missing)."""
    if list(left.columns) != list(right.columns) or len(left) != len(right):
        return False
    normal = [f.astype(object).where(f.notna(), None).reset_index(drop=True) for f in (left, right)]
    return normal[0].equals(normal[1])


def check_engine_matches_pandas(engine, root, *, counts=True, windows=(7, 30), by_agency=(True, False)) -> None:
    """Counts of every grain, came-back tickets and repeat-caller tallies equal the pandas path's."""
    files, tickets = archive_files(root), archive_tickets(root)
    if counts:
        reference = count_all(tickets)
        counted = engine.count(files)
        assert set(counted) == set(GRAINS)
        for grain in GRAINS:
            assert same_values(counted[grain], reference[grain]), f"{engine.kind}: {grain} counts differ from pandas"
        assert int(counted["agency"]["n_tickets"].sum()) == len(tickets) == 4_500 + 3 * 8
    for window in windows:
        expected = repeat.came_back(tickets, "2021-03", window).sort_values("ticket_id").reset_index(drop=True)
        found = engine.came_back(files, "2021-03", window)
        assert len(found) > 0 and same_values(found, expected), f"{engine.kind}: came-back tickets differ"
    for each in by_agency:
        expected = repeat.caller_totals(
            tickets, "2021-03", window_days=90, min_tickets=2, dissatisfied=DISSATISFIED, by_agency=each
        )
        expected = expected.sort_values(["unit", "caller_key"]).reset_index(drop=True)[list(expected.columns)]
        found = engine.caller_totals(
            files, "2021-03", window_days=90, min_tickets=2, dissatisfied=DISSATISFIED, by_agency=each
        )
        assert len(found) > 0 and same_values(found[list(expected.columns)], expected), (
            f"{engine.kind}: repeat-caller tallies differ (by_agency={each})"
        )


def test_duckdb_counts_and_screens_equal_pandas(archive_root):
    with open_engine(EngineSettings(kind="duckdb", memory_limit="256MB")) as engine:
        check_engine_matches_pandas(engine, archive_root)


def test_pandas_engine_reads_the_archive_files_as_the_archive_does(archive_root):
    with open_engine(EngineSettings(kind="pandas")) as engine:
        check_engine_matches_pandas(engine, archive_root)


def test_edge_rows_are_counted_by_the_rules(archive_root):
    with open_engine(EngineSettings(kind="duckdb")) as engine:
        counts = engine.count(archive_files(archive_root)[0])["agency"]
    unknown_agency = counts.loc[counts["agency"].isna()]
    assert unknown_agency["n_tickets"].sum() >= 1 and unknown_agency["unit_type"].isna().all()
    assert counts["period"].unique().tolist() == ["2021-01"]  # the ticket without a call time keeps its period


@pytest.fixture(scope="module")
def spark():
    """One Spark session (local[2]) for the module: the JVM start is the slow part."""
    pytest.importorskip("pyspark")
    from citistat.engines.spark_engine import spark_session

    # Tiny data: two shuffle partitions instead of eight saves most of each query's time.
    session = spark_session(
        EngineSettings(kind="spark", master="local[2]", spark_conf={"spark.sql.shuffle.partitions": "2"})
    )
    yield session
    session.stop()


def test_spark_local_counts_screens_and_recount_match_pandas(archive_root, spark, tmp_path):
    """Spark in one test: its session is shared, and the suite runs tests on two workers."""
    from citistat.engines.spark_engine import SparkEngine

    engine = SparkEngine(EngineSettings(kind="spark", master="local[2]"), session=spark)
    # One window and the per-agency tallies: DuckDB runs the other variants of the same SQL.
    check_engine_matches_pandas(engine, archive_root, counts=False, windows=(30,), by_agency=(True,))

    # The counts: `recount --engine spark` on a copy of the archive whose stored counts were made with
    # other definitions; every grain it stores must equal count_all of the same tickets (assert_recounted).
    workspace = copy_with_stale_counts(archive_root, tmp_path)
    result = CliRunner().invoke(
        main,
        [
            "recount",
            "--engine",
            "spark",
            "--master",
            "local[2]",
            "--periods",
            "2021-01..2021-04",
            "--workspace",
            str(workspace),
        ],
    )
    assert result.exit_code == 0, result.output
    assert_recounted(workspace, result.output)


def copy_with_stale_counts(root, target):
    """A copy of the archive whose stored counts used a quick-close limit of 0 minutes (the default is 10)."""
    with Archive.open(target / "briefings") as archive:
        tickets = archive_tickets(root)
        for period in PERIODS:
            frame = tickets.loc[tickets["period"] == period].reset_index(drop=True)
            archive.periods.store(
                period, frame, count_all(frame, quick_close_minutes=0), [FileReport(path=f"{period}.xlsx")], []
            )
    return target


def assert_recounted(workspace, output: str) -> None:
    lines = output.splitlines()
    assert any(line.startswith("2021-04") and "not in the archive" in line for line in lines), output
    for period in PERIODS:
        assert any(
            line.startswith(period) and "counts stored (revision 1)" in line and "agency" in line for line in lines
        ), output
    with Archive.open(workspace / "briefings") as archive:
        for period in PERIODS:
            expected = count_all(archive.periods.tickets(period))
            for grain in GRAINS:
                assert same_values(archive.periods.counts(grain, [period]), expected[grain]), (period, grain)
            assert [r.path for r in archive.periods.file_reports(period)] == [f"{period}.xlsx"]  # the rest stays


def test_recount_with_duckdb_stores_counts_then_finds_them_unchanged(archive_root, tmp_path):
    workspace = copy_with_stale_counts(archive_root, tmp_path)

    def run():
        return CliRunner().invoke(main, ["recount", "--periods", "2021-01..2021-04", "--workspace", str(workspace)])

    first = run()
    assert first.exit_code == 0, first.output
    assert_recounted(workspace, first.output)
    again = run()
    assert again.exit_code == 0 and again.output.count("counts unchanged") == 3, again.output


def test_recount_leaves_a_published_period_unless_asked_for_a_new_revision(archive_root, tmp_path):
    workspace = copy_with_stale_counts(archive_root, tmp_path)
    with Archive.open(workspace / "briefings") as archive:
        build = archive.sessions.begin_build("2021-01", "2021-02-03")
        archive.sessions.record_outputs(build, {"period": "2021-01"}, [])
        archive.sessions.publish("2021-01")
        before = archive.periods.counts("agency", ["2021-01"])
    args = ["recount", "--engine", "duckdb", "--periods", "2021-01", "--workspace", str(workspace)]
    left = CliRunner().invoke(main, args)
    assert left.exit_code == 0 and "published (revision 1)" in left.output and "--new-revision" in left.output
    with Archive.open(workspace / "briefings") as archive:
        assert same_values(archive.periods.counts("agency", ["2021-01"]), before)
    stored = CliRunner().invoke(main, [*args, "--new-revision"])
    assert stored.exit_code == 0 and "counts stored (revision 2)" in stored.output, stored.output
    with Archive.open(workspace / "briefings") as archive:
        assert archive.sessions.get("2021-01", 1).status == "published"
        assert same_values(
            archive.periods.counts("agency", ["2021-01"]), count_all(archive.periods.tickets("2021-01"))["agency"]
        )


def test_periods_option_reads_ranges_and_lists():
    assert parse_periods("2019-11..2020-02") == ["2019-11", "2019-12", "2020-01", "2020-02"]
    assert parse_periods("2024-03,2024-01") == ["2024-01", "2024-03"]
    for bad in ("2024-13", "2024-03..2024-01", ","):
        with pytest.raises(UsageError):
            parse_periods(bad)


def test_engine_settings_are_validated_with_a_fix():
    assert validate_engine(None) == [] and validate_engine({"kind": "spark", "master": "spark://h:7077"}) == []
    problems = validate_engine(
        {"kind": "hadoop", "memory_limit": "lots", "master": "http://x", "threads": -1, "colour": "red"}
    )
    assert any("kind = 'hadoop'" in p and "duckdb" in p for p in problems)
    assert any("memory_limit" in p and "4GB" in p for p in problems)
    assert any("master" in p and "spark://HOST:PORT" in p for p in problems)
    assert any("threads" in p for p in problems) and any("colour" in p for p in problems)
    settings = engine_settings(
        {"engine": {"kind": "duckdb", "spark_conf": {"spark.x": True}}}, kind="spark", master="local[2]"
    )
    assert (settings.kind, settings.master, settings.spark_conf) == ("spark", "local[2]", {"spark.x": "true"})


def test_a_bad_engine_section_stops_the_configuration(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "citistat.toml").write_text('[engine]\nkind = "hive"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["recount", "--periods", "2021-01", "--workspace", str(tmp_path)])
    assert result.exit_code != 0 and "[engine] kind = 'hive'" in result.output


def test_the_counting_sql_transpiles_to_spark_with_every_count_column():
    spark_sql = in_dialect(counts_sql(10), "spark")
    assert (
        "GROUPING SETS" in spark_sql
        and spark_sql.count(" AS BIGINT)") == len(count_all(conform({}))["agency"].columns) - 3
    )


def test_a_folder_of_cities_reads_as_every_parquet_file_under_it(archive_root):
    """A province's dataset is a folder tree (<city>/<period>/data/…): naming the folder reads it all."""
    folder = archive_root / "province"
    files = sorted(folder.rglob("*.parquet"))
    assert len(files) == 3
    with open_engine(EngineSettings(kind="duckdb")) as engine:
        whole, listed = engine.count(folder), engine.count(files)
    for grain in GRAINS:
        assert same_values(whole[grain], listed[grain])
    assert int(whole["agency"]["n_tickets"].sum()) == 4_500
