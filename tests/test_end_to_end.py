"""The whole pipeline on a small generated city, across two consecutive sessions.

files → archive → books (both languages) → publish → follow-ups → next period → books,
checked through the PDFs' extracted text and the archive's records.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from cli_run import invoke
from pypdf import PdfReader

from citistat.workspace import DEFAULT_CONFIG_DIR

AGENCIES = 8


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """A workspace of a small city (8 agencies, 13 monthly exports) with one process for PDFs."""
    from citistat.sample import write_agency_tables, write_sample_set

    root = tmp_path_factory.mktemp("city")
    exports = root / "exports"
    write_sample_set(exports, tickets_per_period=300, seed=11, agencies=AGENCIES)
    config = root / "config"
    write_agency_tables(config, agencies=AGENCIES)
    settings = (DEFAULT_CONFIG_DIR / "citistat.toml").read_text(encoding="utf-8")
    (config / "citistat.toml").write_text(settings.replace("workers = 2", "workers = 1"), encoding="utf-8")
    shutil.copy(DEFAULT_CONFIG_DIR / "topics.toml", config / "topics.toml")
    return root, exports


@pytest.fixture(scope="module")
def first_session(city):
    root, exports = city
    files = sorted(p for p in exports.iterdir() if p.suffix in (".xlsx", ".csv") and "2024-03" not in p.name)
    result = invoke(
        "run",
        "--period",
        "2024-02",
        *map(str, files),
        "--workspace",
        str(root),
        "--lang",
        "zh-CN",
        "--lang",
        "en",
        ok=(0, 1),
    )
    return root, result


def test_run_prints_where_the_books_are(first_session):
    root, result = first_session
    assert "briefings/2024-02/" in result.stdout
    paths = re.findall(r"(briefings/\S+\.(?:pdf|html|xlsx))", result.stdout)
    assert any(p.endswith("zh-CN-internal.pdf") for p in paths) and any(p.endswith("en-internal.pdf") for p in paths)
    for relative in paths:
        assert (root / relative).is_file(), relative


def test_city_book_names_agencies_and_rates_in_both_languages(first_session):
    root, _ = first_session
    folder = root / "briefings" / "2024-02"
    zh = _pdf_text(next(folder.glob("*book-zh-CN-internal.pdf")))
    en = _pdf_text(next(folder.glob("*book-en-internal.pdf")))
    assert "响应率" in zh and "解决率" in zh and "满意率" in zh
    assert re.search(r"Response", en) and re.search(r"Satisfaction", en)
    assert "全市" not in en and "满意率" not in en, "the English book speaks English, the panel's questions included"
    roster = (root / "config" / "agencies" / "roster.csv").read_text(encoding="utf-8").splitlines()[1:]
    some_agency = roster[0].split(",")[0]
    assert some_agency in zh
    assert re.search(r"\d{1,3}\.\d\s?%", zh), "a rate in percent appears in the book"


def test_every_agency_has_a_brief(first_session):
    root, _ = first_session
    briefs = list((root / "briefings" / "2024-02").rglob("agencies/*zh-CN-internal.pdf"))
    assert len(briefs) == AGENCIES


def test_run_summary_reconciles(first_session):
    root, _ = first_session
    summary = json.loads((root / "briefings" / "2024-02" / "run_summary.json").read_text(encoding="utf-8"))
    rec = summary["reconciliation"]
    assert rec["read"] == rec["accepted"] + rec["rejected"] + rec["excluded"] + rec["duplicates"] + rec["skipped"]
    assert rec["accepted"] > 0


def test_no_phone_number_reaches_a_book(first_session):
    root, _ = first_session
    html = "\n".join(p.read_text(encoding="utf-8") for p in (root / "briefings" / "2024-02").rglob("*.html"))
    assert html
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", html), "a mobile phone number leaked into a book"


@pytest.fixture(scope="module")
def second_session(first_session, city):
    """Publish February, record what it promised, load March, build March."""
    root, exports = city
    ws = ("--workspace", str(root))
    invoke("publish", "--period", "2024-02", *ws)
    roster = (root / "config" / "agencies" / "roster.csv").read_text(encoding="utf-8").splitlines()[1:]
    agency = roster[0].split(",")[0]
    invoke(
        "followup",
        "add",
        "--period",
        "2024-02",
        "--agency",
        agency,
        "--owner",
        "张三",
        "--due",
        "2024-03-15",
        "--metric",
        "resolution",
        "清理积存垃圾",
        *ws,
    )
    march = sorted(str(p) for p in exports.iterdir() if "2024-03" in p.name)
    invoke("run", "--period", "2024-03", *march, *ws, ok=(0, 1))
    return root, agency


def test_next_book_opens_with_last_sessions_follow_up(second_session):
    root, agency = second_session
    book = next((root / "briefings" / "2024-03").glob("*book-zh-CN-internal.pdf"))
    text = _pdf_text(book)
    assert "清理积存垃圾" in text
    assert "张三" in text
    brief = next(p for p in (root / "briefings" / "2024-03" / "agencies").glob("*.pdf") if agency in p.name)
    assert "清理积存垃圾" in _pdf_text(brief)


def test_published_session_is_reproduced_as_a_new_revision(second_session):
    root, _ = second_session
    published = root / "briefings" / "2024-02"
    before = {p: p.read_bytes() for p in published.glob("*.html")}
    counts_before = (published / "citistat-2024-02-counts.csv").read_bytes()
    result = invoke("build", "--period", "2024-02", "--lang", "zh-CN", "--lang", "en", "--workspace", str(root))
    assert "revision 2" in result.stdout
    rebuilt = published / "rev-2"
    assert {p: p.read_bytes() for p in published.glob("*.html")} == before, "the published books are untouched"
    assert (rebuilt / "citistat-2024-02-counts.csv").read_bytes() == counts_before
    for old in before:
        new = rebuilt / old.name
        assert _strip_revision(new.read_text(encoding="utf-8")) == _strip_revision(old.read_text(encoding="utf-8"))


def _strip_revision(html: str) -> str:
    """The revision number and draft/published status are the only things a rebuild may change."""
    html = re.sub(r"rev-\d+/", "", html)
    html = re.sub(r"第 ?\d+ ?版", "第 N 版", html)
    html = re.sub(r"\d+ \((草稿|已发布|[Dd]raft|[Pp]ublished)\)", "N (status)", html)
    return re.sub(r"([Rr]evision) ?\d+", r"\1 N", html)


def test_metrics_from_the_archive_match_the_book(second_session):
    root, _ = second_session
    result = invoke("metrics", "--period", "2024-03", "--json", "--workspace", str(root))
    data = json.loads(result.stdout)
    city = data["city"]
    assert city["n_tickets"] > 0
    response = city["rates"]["response"]
    assert response["value"] == pytest.approx(response["numerator"] / response["denominator"])


def test_memo_lists_the_sessions_commitments(second_session):
    root, agency = second_session
    invoke(
        "followup",
        "add",
        "--period",
        "2024-03",
        "--agency",
        agency,
        "--owner",
        "李四",
        "--due",
        "2024-04-20",
        "提供未解决工单清单",
        "--kind",
        "data_request",
        "--workspace",
        str(root),
    )
    result = invoke("memo", "--period", "2024-03", "--workspace", str(root))
    memo = Path(result.stdout.strip().splitlines()[-1])
    text = _pdf_text(memo)
    assert "提供未解决工单清单" in text and "李四" in text


def test_build_one_agency_after_a_notes_edit(second_session):
    """`build --agency` lays out that agency's brief and book part again; the others come from the last build."""
    root, agency = second_session
    ws = ("--workspace", str(root))
    folder = root / "briefings" / "2024-03"
    others = {p: p.read_bytes() for p in (folder / "agencies").glob("*zh-CN-internal.pdf") if agency not in p.name}
    counts = (folder / "citistat-2024-03-counts.csv").read_bytes()
    invoke("notes", "set", "--period", "2024-03", "--agency", agency, "--topic", "夜间施工噪声投诉为何反复", *ws)
    result = invoke("build", "--period", "2024-03", "--agency", agency, *ws)
    assert re.search(rf"Rebuilt {re.escape(agency)}'s brief and the city book in \d+\.\d s", result.stdout)
    brief = next(p for p in (folder / "agencies").glob("*zh-CN-internal.pdf") if agency in p.name)
    assert "夜间施工噪声投诉为何反复" in _pdf_text(brief)
    assert "夜间施工噪声投诉为何反复" in _pdf_text(next(folder.glob("*book-zh-CN-internal.pdf")))
    assert {p: p.read_bytes() for p in others} == others  # kept, and still the session's outputs
    invoke("sessions", "verify", "2024-03", *ws)  # every file the session lists is there, unchanged
    assert (folder / "citistat-2024-03-counts.csv").read_bytes() == counts


def test_a_rebuild_reuses_the_scores_until_the_data_change(second_session, city):
    """Notes are not scored: a rebuild takes the period's results from the cache; other settings score again."""
    from citistat.commands.common import open_config
    from citistat.pipeline import build_books

    root, _ = second_session
    ws, config = open_config(root)
    again = build_books(ws, config, "2024-03")
    assert "score" not in again.timings and "history" not in again.timings
    settings = root / "config" / "citistat.toml"
    before = settings.read_text(encoding="utf-8")
    settings.write_text(before.replace("meeting_weekday = 2", "meeting_weekday = 3"), encoding="utf-8")
    try:
        ws, config = open_config(root)
        rescored = build_books(ws, config, "2024-03")
    finally:
        settings.write_text(before, encoding="utf-8")
    assert rescored.timings.get("score", 0) > 0
