"""The benchmark still runs end to end (tiny sizes; no timing is asserted), and its arithmetic is right."""

from __future__ import annotations

import json

import pytest

from bench.__main__ import main
from bench.suite import extrapolate_naive, linearity, speedups
from bench.workloads import parse_size, size_label, widen_agencies

SPACES = r"[\s\u3000\u00a0]+"


@pytest.mark.parametrize(
    ("text", "tickets"), [("100k", 100_000), ("1M", 1_000_000), ("2.5M", 2_500_000), ("50000", 50_000)]
)
def test_sizes_parse_and_label_back(text, tickets):
    assert parse_size(text) == tickets
    assert parse_size(size_label(tickets)) == tickets


def test_parse_size_rejects_words():
    with pytest.raises(ValueError, match="not a number"):
        parse_size("lots")


def _entry(tool, tickets, wall, stages=None, fmt="xlsx"):
    return {
        "tool": tool,
        "tickets": tickets,
        "size": size_label(tickets),
        "format": fmt,
        "agencies": 100,
        "wall_s": wall,
        "stages": stages or {},
    }


def test_speedup_is_naive_over_citistat():
    entries = [_entry("citistat", 100_000, 4.0), _entry("naive", 100_000, 36.0)]
    assert speedups(entries)[0]["speedup"] == pytest.approx(9.0)  # 36 / 4


def test_linearity_gives_per_100k_and_marginal_cost():
    entries = [
        _entry("citistat", 100_000, 5.0),
        _entry("citistat", 1_000_000, 14.0),
        _entry("citistat", 2_000_000, 24.0),
    ]
    rows = linearity(entries)
    assert [round(r["s_per_100k"], 2) for r in rows] == [5.0, 1.4, 1.2]  # 5/1, 14/10, 24/20
    assert rows[0]["marginal_s_per_100k"] is None
    assert rows[1]["marginal_s_per_100k"] == pytest.approx(1.0)  # (14 - 5) / 9
    assert rows[2]["marginal_s_per_100k"] == pytest.approx(1.0)  # (24 - 14) / 10


def test_naive_extrapolation_scales_reading_only_and_says_so():
    naive = _entry("naive", 100_000, 40.0, {"read": 8.0, "aggregate": 1.0, "charts": 12.0, "pdf_agencies": 16.0})
    entries = [_entry("citistat", 100_000, 4.0), naive, _entry("citistat", 1_000_000, 12.0)]
    [estimate] = extrapolate_naive(entries)
    assert estimate["tool"] == "naive (extrapolated)" and estimate["extrapolated_from"] == "100k"
    # startup 40 - 37 = 3; read and aggregate × 10 = 90; charts and PDFs kept = 28
    assert estimate["wall_s"] == pytest.approx(3 + 90 + 28)


def test_widening_moves_half_of_a_street_office_to_its_twin():
    from citistat.sample import generate_tickets

    frame = generate_tickets(["2024-03"], 3000, agencies=60, seed=7)
    wide = widen_agencies(frame, 2, seed=7)
    before = frame["承办单位"].str.replace(SPACES, "", regex=True)
    after = wide["承办单位"].str.replace(SPACES, "", regex=True)
    assert after.nunique() == before.nunique() + 2
    moved = before != after
    assert 0 < moved.sum() < (before.isin(before[moved].unique())).sum()  # a share, not all
    assert (wide.loc[moved, "所属区"] == frame.loc[moved, "所属区"]).all()  # twins sit in the same district


def run_tiny(tmp_path, *options: str) -> dict:
    """The benchmark at a tiny size in `tmp_path`; the results it wrote."""
    code = main(
        ["run", "--sizes", "2k", "--repeat", "1", "--agencies", "4", "--history-tickets", "300", "--ingest-sizes", "2k"]
        + [*options, "--work-dir", str(tmp_path / "work"), "--results-dir", str(tmp_path / "results")]
    )
    assert code == 0
    [json_path] = (tmp_path / "results").glob("*.json")
    return json.loads(json_path.read_text(encoding="utf-8"))


def test_benchmark_runs_end_to_end(tmp_path, capsys):
    results = run_tiny(tmp_path, "--formats", "xlsx", "--naive-sizes", "2k", "--scaling-agencies", "0")
    by_tool = {entry["tool"]: entry for entry in results["entries"]}
    ours, naive = by_tool["citistat"], by_tool["naive"]
    assert (ours["ok"], ours["runs"]) == (1, 1), ours["failures"]
    assert (naive["ok"], naive["runs"]) == (1, 1), naive["failures"]
    assert 1900 <= ours["last_report"]["tickets"] <= 2000  # a few messy rows may be rejected
    assert {"ingest", "render", "ingest.read", "ingest.parse", "render.charts", "render.pdf"} <= set(ours["stages"])
    assert ours["last_report"]["agencies"] == 4
    rebuilds = {row["build"]: row for row in results["rebuilds"]}
    assert sorted(rebuilds) == ["agency", "full"]
    for row in rebuilds.values():
        assert row["ok"] == 1, row["failures"]
    # a notes edit lays out one agency's part again; the rest of the book comes from the cache
    assert rebuilds["agency"]["last_report"]["book_parts"]["laid_out"] == 1
    assert rebuilds["full"]["last_report"]["book_parts"]["laid_out"] == 1
    assert ours["rendered"]["briefs"] == 4 and ours["rendered"]["book_pages"] > 10
    assert results["speedups"][0]["speedup"] > 0
    # the shared-string xlsx (as Excel writes it) and the inline-string one, each beside the bare read
    assert [row["format"] for row in results["ingestion"]] == ["xlsx", "xlsx-inline"]
    for ingestion in results["ingestion"]:
        assert ingestion["ok"] == 1 and ingestion["bare_read"]["ok"] == 1, ingestion["failures"]
        assert ingestion["bare_read"]["last_report"]["rows"] >= ingestion["last_report"]["tickets"] > 1900
        assert ingestion["ratio"] == pytest.approx(
            ingestion["stages"]["ingest"] / ingestion["bare_read"]["stages"]["read"]
        )
    shared, inline = results["ingestion"]
    assert shared["last_report"]["tickets"] == inline["last_report"]["tickets"]  # one sheet, written two ways
    table = capsys.readouterr().out
    assert "| 2k | xlsx | 4 | citistat |" in table and "## Ingestion beside the bare reader" in table
    assert "| 2k | xlsx-inline |" in table


def test_ingest_only_runs_just_the_ingestion_rows(tmp_path, capsys):
    # `--ingest-only`: the ingestion rows (what loading a month costs) without an hour of book building
    results = run_tiny(tmp_path, "--formats", "csv", "--ingest-only")
    assert results["entries"] == [] and results["rebuilds"] == [] and results["scaling"] == []
    [ingestion] = results["ingestion"]
    assert ingestion["format"] == "csv" and ingestion["ok"] == 1 and ingestion["bare_read"]["ok"] == 1
    table = capsys.readouterr().out
    assert "## Ingestion beside the bare reader" in table and "Not run (`--ingest-only`)." in table


def test_bare_reader_reads_every_row_of_both_formats(tmp_path):
    from bench.reader import read
    from bench.workloads import Workload, ensure_workloads

    workloads = [Workload(1500, 4, fmt) for fmt in ("xlsx", "xlsx-inline", "csv")]
    ensure_workloads(workloads, tmp_path, lambda message: None)
    rows = {w.fmt: read(w.path(tmp_path)) for w in workloads}
    # the same export in every format: the tickets plus the same few structural rows (合计, signature)
    assert rows["xlsx"] == rows["xlsx-inline"] == rows["csv"] and 1500 <= rows["csv"] <= 1510


def test_the_main_xlsx_has_shared_strings_as_excel_writes_it_and_the_same_cells_as_the_inline_one(tmp_path):
    import zipfile

    import fastexcel

    from bench.workloads import Workload, ensure_workloads

    shared, inline = (Workload(1500, 4, fmt) for fmt in ("xlsx", "xlsx-inline"))
    ensure_workloads([shared, inline], tmp_path, lambda message: None)
    with zipfile.ZipFile(shared.path(tmp_path)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml")
        assert "xl/sharedStrings.xml" in book.namelist() and b"inlineStr" not in sheet and b' t="s"' in sheet
        assert b"sharedStrings" in book.read("[Content_Types].xml") + book.read("xl/_rels/workbook.xml.rels")
    with zipfile.ZipFile(inline.path(tmp_path)) as book:
        assert "xl/sharedStrings.xml" not in book.namelist() and b"inlineStr" in book.read("xl/worksheets/sheet1.xml")
    tables = [
        fastexcel.read_excel(str(w.path(tmp_path))).load_sheet(0, header_row=None).to_arrow() for w in (shared, inline)
    ]
    assert tables[0].equals(tables[1])
    assert shared.path(tmp_path).stat().st_size < inline.path(tmp_path).stat().st_size


def test_ingestion_goals_compare_with_the_bare_read():
    from bench.report import _ingestion_goals

    row = {
        "tickets": 1_000_000,
        "format": "xlsx",
        "stages": {"ingest": 13.0},
        "ratio": 1.3,
        "peak_rss_mib": 900.0,
        "bare_read": {"stages": {"read": 10.0}},
    }
    (ratio_goal, _, met), (rss_goal, _, rss_met) = _ingestion_goals([row])
    assert "1.3× the bare fastexcel read" in ratio_goal and met is True and rss_met is True
    slow = {**row, "ratio": 1.31, "peak_rss_mib": 1100.0}
    assert [met for _, _, met in _ingestion_goals([slow])] == [False, False]
    csv = {**row, "format": "csv", "stages": {"ingest": 3.5}}
    assert _ingestion_goals([csv])[0][2] is False
