"""The archive as the city's record: open data out, the annual report, and the index kept current.

One small generated city (8 agencies, 300 tickets a month, 2023-10 … 2024-01) is loaded once;
2023-11 is published, the other months stay drafts.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from cli_run import invoke
from click.testing import CliRunner
from pypdf import PdfReader

from citistat.cli import main
from citistat.workspace import DEFAULT_CONFIG_DIR

PERIODS = ["2023-10", "2023-11", "2023-12", "2024-01"]
AGENCIES = 8
TICKETS = 300
SEED = 11


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    from citistat.sample import write_agency_tables, write_sample_set

    root = tmp_path_factory.mktemp("record")
    exports = root / "exports"
    write_sample_set(
        exports, tickets_per_period=TICKETS, seed=SEED, agencies=AGENCIES, periods=PERIODS, formats=("xlsx",)
    )
    config = root / "config"
    write_agency_tables(config, agencies=AGENCIES)
    settings = (DEFAULT_CONFIG_DIR / "citistat.toml").read_text(encoding="utf-8")
    (config / "citistat.toml").write_text(
        settings.replace("workers = 2", "workers = 1").replace('formats = ["pdf", "html"]', 'formats = ["html"]'),
        encoding="utf-8",
    )
    shutil.copy(DEFAULT_CONFIG_DIR / "topics.toml", config / "topics.toml")
    ws = str(root)
    invoke("ingest", str(exports), "--workspace", ws, ok=(0, 1))
    invoke("build", "--period", "2023-11", "--workspace", ws)
    invoke("publish", "--period", "2023-11", "--workspace", ws)
    roster = (config / "agencies" / "roster.csv").read_text(encoding="utf-8").splitlines()[1:]
    agencies = [line.split(",")[0] for line in roster]
    # made at the November session: one kept on time, one dropped, one overdue on 31 December, one not yet due
    for text, due in (
        ("清理积存垃圾", "2023-12-10"),
        ("夜间施工", "2023-12-15"),
        ("回访整改", "2023-12-20"),
        ("长期治理", "2024-02-01"),
    ):
        invoke(
            "followup",
            "add",
            "--period",
            "2023-11",
            "--agency",
            agencies[0],
            "--owner",
            "王小明",
            "--due",
            due,
            text,
            "--workspace",
            ws,
        )
    invoke("followup", "close", "1", "--on", "2023-12-05", "--workspace", ws)
    invoke("followup", "close", "2", "--dropped", "--on", "2023-12-01", "--workspace", ws)
    invoke("followup", "close", "3", "--on", "2024-01-10", "--workspace", ws)  # kept, but after the year ended
    return root, agencies


# --- open data -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def export(city):
    root, _ = city
    result = invoke("export", "--period", "2023-12", "--public", "--workspace", str(root))
    return root / "briefings" / "open-data" / "2023-12", result


def test_export_validates_as_a_frictionless_data_package(export):
    from frictionless import validate

    folder, _ = export
    report = validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    package = json.loads((folder / "datapackage.json").read_text("utf-8"))
    names = {r["name"] for r in package["resources"]}
    assert {
        "rates",
        "counts-agency",
        "counts-category",
        "counts-district",
        "counts-street",
        "counts-place",
        "counts-channel",
    } <= names
    assert all(r["schema"]["fields"] for r in package["resources"])
    assert package["x_citistat"]["min_cell"] == 10 and "from 1 to 9 are withheld" in package["description"]
    assert package["x_citistat"]["status"] == "draft" and "(draft)" in package["title"]
    for resource in package["resources"]:
        assert (folder / "parquet" / f"{resource['name']}.parquet").is_file()


def test_export_holds_no_personal_data_and_no_notes(export, city):
    from citistat.sample.generate import generate_by_period

    folder, _ = export
    frames = generate_by_period(PERIODS, TICKETS, AGENCIES, SEED)
    raw = frames["2023-12"]
    names = {str(v) for v in raw["来电人"].dropna()} - {""}
    phones = {re.sub(r"\D", "", str(v)) for v in raw["联系电话"].dropna()} - {""}
    titles = {str(v) for v in raw["标题"].dropna() if len(str(v)) >= 6}
    assert len(names) > 50 and len(phones) > 100
    text = "\n".join(p.read_text("utf-8") for p in folder.rglob("*") if p.suffix in (".csv", ".json"))
    parquet_text = "\n".join(pd.read_parquet(p).astype(str).to_csv() for p in folder.rglob("*.parquet"))
    for blob in (text, parquet_text):
        digits = re.sub(r"\D", "", blob)
        assert not [p for p in phones if p in digits], "a caller's phone number is in the export"
        assert not [n for n in names if len(n) >= 2 and n in blob], "a caller's name is in the export"
        assert not [t for t in titles if t in blob], "ticket text is in the export"
        assert "caller" not in blob and "王小明" not in blob


def test_export_withholds_small_cells_and_never_one_alone(export):
    folder, _ = export
    with (folder / "counts-category.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    cells = [(row, k) for row in rows for k in ("n_tickets", "responded", "not_responded", "resolved", "dissatisfied")]
    assert all(row[k] == "" or int(row[k]) == 0 or int(row[k]) >= 10 for row, k in cells)
    assert any(row["suppressed"] == "true" for row in rows) and any(row["suppressed"] == "false" for row in rows)
    # within an agency, a withheld ticket count never stands alone (it could be worked back from the total)
    by_agency: dict[str, list[str]] = {}
    for row in rows:
        by_agency.setdefault(row["agency"], []).append(row["n_tickets"])
    assert all(values.count("") != 1 for values in by_agency.values())
    rates = list(csv.DictReader((folder / "rates.csv").open(encoding="utf-8")))
    assert {r["level"] for r in rates} == {"city", "unit_type", "agency"}
    city = next(r for r in rates if r["level"] == "city" and r["metric"] == "response")
    assert float(city["ci_low"]) <= float(city["rate"]) <= float(city["ci_high"]) and int(city["n"]) > 200
    assert all(r["rate"] == "" or int(r["n"]) >= 10 for r in rates)


def test_suppression_protects_a_lone_cell_in_a_row_and_a_column():
    from citistat.opendata.suppression import suppress

    frame = pd.DataFrame({"agency": ["a", "a", "a"], "n_tickets": [50, 40, 30], "yes": [45, 37, 26], "no": [3, 3, 4]})
    out, flagged = suppress(
        frame, ["n_tickets", "yes", "no"], threshold=10, row_groups=[("yes", "no")], parents=("agency",)
    )
    # every "no" is small: all withheld; each row's "yes" follows (else yes = n - no gives it back)
    assert out["no"].isna().all() and out["yes"].isna().all() and out["n_tickets"].notna().all()
    assert flagged.all()
    frame = pd.DataFrame({"agency": ["a", "a"], "n_tickets": [5, 40], "yes": [5, 36]})
    out, _ = suppress(frame, ["n_tickets", "yes"], threshold=10, parents=("agency",))
    assert out["n_tickets"].isna().all(), "a lone small row is protected by withholding its neighbour too"


def test_open311_requests_carry_no_personal_data(export):
    folder, _ = export
    requests = json.loads((folder / "requests.json").read_text("utf-8"))
    assert len(requests) >= TICKETS * 0.9
    first = requests[0]
    assert {
        "service_request_id",
        "status",
        "service_name",
        "service_code",
        "requested_datetime",
        "agency_responsible",
        "address",
        "lat",
        "long",
    } <= set(first)
    assert not {"description", "status_notes", "caller_key", "phone"} & set(first)
    assert {r["status"] for r in requests} <= {"open", "closed"}


def test_export_needs_the_public_flag(city):
    root, _ = city
    result = CliRunner().invoke(main, ["export", "--period", "2023-12", "--workspace", str(root)])
    assert result.exit_code == 2 and "--public" in result.output


# --- annual report -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report(city, export):
    root, _ = city
    result = invoke("report", "--year", "2023", "--lang", "zh-CN", "--lang", "en", "--workspace", str(root))
    return root / "briefings" / "reports" / "2023", result


def test_report_is_written_in_both_languages_and_marks_drafts(report):
    folder, result = report
    zh = _pdf_text(folder / "citistat-2023-annual-zh-CN-internal.pdf")
    en = _pdf_text(folder / "citistat-2023-annual-en-internal.pdf")
    for heading in (
        "年度绩效报告",
        "全年概况",
        "月度趋势",
        "各单位全年指标与排名",
        "每月一题",
        "会议事项",
        "数据真实性问题",
        "全年数据质量",
    ):
        assert heading in zh, heading
    for heading in (
        "Annual Performance Report",
        "Monthly trends",
        "Topic of the month",
        "Commitments",
        "Integrity questions",
        "Data quality over the year",
    ):
        assert heading in en, heading
    # built from 2023-10 (draft), 2023-11 (published), 2023-12 (draft): the drafts are named
    assert "DRAFT" in en and "October 2023" in en and "December 2023" in en
    assert (
        "草稿" in zh
        and "2024" not in re.sub(r"20\d\d年\d+月\d+日|Prepared on.*", "", zh.split("说明")[0]).split("年度绩效报告")[0]
    )
    stamp = json.loads((folder / "report.json").read_text("utf-8"))
    assert [(s["period"], s["status"]) for s in stamp["sessions"]] == [
        ("2023-10", "draft"),
        ("2023-11", "published"),
        ("2023-12", "draft"),
    ]
    assert stamp["missing"][:2] == ["2023-01", "2023-02"]
    assert "DRAFT" in result.stderr
    # unit types are named in the edition's language, as in the books
    assert "Streets and townships" in en and "街乡镇" in zh


def test_report_counts_commitments_as_at_the_end_of_the_year(city):
    from citistat.annual.collect import commitments
    from citistat.archive import Archive

    root, _ = city
    with Archive.open(root / "briefings", readonly=True) as archive:
        c = commitments(archive, 2023)
    # closed 2024-01-10 counts as overdue on 31 December (due 12-20); 2024-02-01 is not yet due
    assert (c.made, c.kept, c.kept_on_time, c.dropped, c.overdue, c.open) == (4, 1, 1, 1, 1, 1)


def test_report_year_rates_add_the_months_counts(city):
    from citistat.annual.collect import collect_year
    from citistat.archive import Archive
    from citistat.config import load_config
    from citistat.workspace import open_workspace

    root, _ = city
    config = load_config(open_workspace(root))
    with Archive.open(root / "briefings", readonly=True) as archive:
        year = collect_year(archive, config, 2023, "en")
        counts = archive.periods.counts("agency", ["2023-10", "2023-11", "2023-12"])
    responded, not_responded = counts["responded"].sum(), counts["not_responded"].sum()
    assert year.city_rates["response"].denominator == responded + not_responded
    assert year.city_rates["response"].value == pytest.approx(responded / (responded + not_responded))
    assert year.city_tickets == counts["n_tickets"].sum()
    assert sum(u.n_tickets for u in year.units) == year.city_tickets
    monthly = [m.result.city.n_tickets for m in year.months]
    assert sum(monthly) == year.city_tickets and len(monthly) == 3
    for unit in year.units:
        assert unit.months_bottom <= unit.months_ranked <= 3
    assert sum(u.months_bottom for u in year.units) >= 1, "some unit ranked last of its type each month"
    assert [t.name for t in year.topics] == ["供暖保障", "物业服务"]


def test_report_of_a_year_without_sessions_says_what_is_stored(city):
    root, _ = city
    result = CliRunner().invoke(main, ["report", "--year", "2019", "--workspace", str(root)])
    assert result.exit_code != 0 and "2023-10" in result.output


# --- the index, kept current --------------------------------------------------------------------------


def test_index_lists_reports_exports_memo_and_followups_in_its_language(city, report):
    root, agencies = city
    invoke("memo", "--period", "2023-11", "--lang", "en", "--workspace", str(root))
    index = (root / "briefings" / "index.html").read_text("utf-8")
    english = (root / "briefings" / "index.en.html").read_text("utf-8")
    assert '<html lang="zh-CN">' in index and '<html lang="en">' in english
    assert "会议档案索引" in index and "Archive of sessions" not in index
    assert "Archive of sessions" in english and "会议档案索引" not in english
    assert "2023/citistat-2023-annual-en-internal.pdf" in index
    assert "open-data/2023-12/datapackage.json" in index
    assert re.search(r"memos/2023-11/memo-\d+/citistat-2023-11-memo-en\.pdf", index), "the memo written last is linked"
    row = re.search(r'<tr id="s-2023-11-r1".*?</tr>', index, re.S).group(0)
    assert "本次会议提出 4 项：办理中 1，已完成 2，已撤销 1" in row
    assert agencies[0] in row  # the filter can find the session by the agency it raised follow-ups for


def test_record_wording_has_the_same_keys_in_both_languages():
    import tomllib

    from citistat.messages import LOCALE_DIR, flatten

    keys = [
        set(flatten(tomllib.loads((LOCALE_DIR / f"record.{lang}.toml").read_text("utf-8")))) for lang in ("zh-CN", "en")
    ]
    assert keys[0] == keys[1], keys[0] ^ keys[1]


def test_public_report_lists_no_questions_and_no_owner(city, report):
    from citistat.annual import build_annual_report
    from citistat.config import load_config
    from citistat.workspace import open_workspace

    root, _ = city
    ws = open_workspace(root)
    (files,) = build_annual_report(ws, load_config(ws), 2023, langs=("en",), edition="public", formats=("html",))
    public = files.html.read_text("utf-8")
    internal = (report[0] / "citistat-2023-annual-en-internal.html").read_text("utf-8")
    assert files.html.name == "citistat-2023-annual-en-public.html"
    assert "'Please explain' questions and answers" in internal.replace("&#39;", "'")
    assert "The public edition lists the counts only" in public and "questions and answers (" not in public
    for html in (public, internal):
        assert "王小明" not in html, "a follow-up owner's name is personal data"
    assert files.revision == 1, "the same sessions give the same revision"


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_every_key_the_record_pages_use_exists(lang):
    from test_render_messages import RECORD_TEMPLATES, template_keys

    from citistat.messages import load_messages

    messages = load_messages(lang)
    keys = template_keys(RECORD_TEMPLATES)
    assert len(keys) > 60
    assert sorted(k for k in keys if not messages.has(k)) == []


def test_a_published_session_stays_the_record_when_a_new_draft_revision_is_stored(tmp_path):
    from builders import APRIL, MARCH, build, store

    from citistat.archive import Archive
    from citistat.archive.record import counts_at, history_at, session_of_record

    with Archive.open(tmp_path / "briefings") as archive:
        store(archive, "2024-03", MARCH)
        build(archive, "2024-03", "2024-04-03")
        archive.sessions.publish("2024-03")
        corrected = [(f"C{i}", agency, *rest) for i, (_, agency, *rest) in enumerate(APRIL + APRIL)]
        store(archive, "2024-03", corrected, new_revision=True)  # revision 2, a draft with other data
        record = session_of_record(archive, "2024-03")
        assert (record.revision, record.status, record.data_revision) == (1, "published", 1)
        assert int(counts_at(archive, record, "agency")["n_tickets"].sum()) == len(MARCH)
        assert int(archive.periods.counts("agency", ["2024-03"])["n_tickets"].sum()) == len(corrected)
        history = history_at(archive, record)
        assert int(history.grain("agency")["n_tickets"].sum()) == len(MARCH)
        assert len(history.tickets) == len(MARCH)
    with Archive.open(tmp_path / "briefings", readonly=True) as archive:
        assert session_of_record(archive, "2023-01") is None
